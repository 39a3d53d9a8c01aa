//! Boots of a real kernel (Debian's linux-image-amd64, qemu -accel tcg)
//! through the harness in tests/common/boot.rs.
//!
//! Until nook has its boot role, these boot the hand-made baseline
//! (scripts/baseline-init, a busybox /init) and so prove the harness: the
//! root images (ext4, xfs, btrfs, a GPT-partitioned one), the initramfs
//! builder, the root= forms, and the marker that tells the root's own init
//! ran as PID 1. Each boot takes 6-20 s under TCG here (more when the
//! machine is busy) and is killed after 60 s.
//!
//! The boots run nook, if at all, inside the guest, as its PID 1; the host
//! caller (root or container-user) plays no part in what is tested, so
//! these run once, as root.

#[path = "common/boot.rs"]
mod boot;

use boot::{Fs, Image, Init, Table, boot, image, initramfs};

/// The baseline initramfs with the storage modules and `fs`'s module.
fn baseline(fs: Fs) -> std::path::PathBuf {
    initramfs(Init::Baseline, &["virtio_pci", "virtio_blk", fs.name()])
}

/// Boots `image` with the baseline and `append`, asserts it booted, and
/// returns the root's mount options and init's arguments.
fn boots(image: &Image, append: &str) -> (String, String) {
    let result = boot(&baseline(image.fs), image, append);
    let marker = result.assert_booted(image);
    assert_eq!(marker.exe, "/bin/busybox", "{marker:?}");
    (marker.root_opts, marker.args)
}

#[test]
fn ext4_by_device_name_read_write_with_init_arguments() {
    let image = image(Fs::Ext4, None);
    let (opts, args) = boots(&image, "root=/dev/vda rw -- one two");
    assert!(opts.starts_with("rw,"), "{opts}");
    assert_eq!(args, "one two", "the words after -- reach the root's init");
}

#[test]
fn ext4_by_uuid_in_capitals_read_only_by_default() {
    let image = image(Fs::Ext4, None);
    let (opts, args) = boots(&image, &format!("root=UUID={}", image.uuid.to_uppercase()));
    assert!(opts.starts_with("ro,"), "{opts}");
    assert_eq!(args, "");
}

#[test]
fn ext4_by_label() {
    let image = image(Fs::Ext4, None);
    assert_eq!(image.label, "nook-ext4");
    boots(&image, &format!("root=LABEL={} ro", image.label));
}

#[test]
fn ext4_by_gpt_partuuid() {
    let image = image(Fs::Ext4, Some(Table::Gpt));
    let partuuid = image.partuuid.clone().expect("a GPT image has a PARTUUID");
    boots(&image, &format!("root=PARTUUID={partuuid} rw"));
}

#[test]
fn xfs_by_device_name_and_type() {
    let image = image(Fs::Xfs, None);
    boots(&image, "root=/dev/vda rootfstype=xfs");
}

#[test]
fn btrfs_by_uuid() {
    let image = image(Fs::Btrfs, None);
    boots(&image, &format!("root=UUID={}", image.uuid));
}

/// The harness's own failure path: a root that never appears is reported
/// on the console and the guest powers off, well before the timeout.
#[test]
fn a_missing_root_is_reported_not_waited_for_forever() {
    let image = image(Fs::Ext4, None);
    let result = boot(&baseline(Fs::Ext4), &image, "root=/dev/vdb rootdelay=1");
    assert!(result.marker().is_none(), "{}", result.console);
    assert!(result.has_line("baseline-init: root=/dev/vdb: no such device after 1 s"), "{}", result.console);
    assert_eq!(result.status, 0, "the guest powers off rather than hanging\n{}", result.summary);
}

/// Runs scripts/mkinitramfs with SOURCE_DATE_EPOCH=`epoch`; returns the image's bytes.
fn mkinitramfs(out: &std::path::Path, epoch: &str, extra: &[&str]) -> Vec<u8> {
    let result = std::process::Command::new(boot::repo().join("scripts/mkinitramfs"))
        .arg(out)
        .args(["--kernel", &boot::harness().kernel, "--modules", "virtio_blk,virtio-pci,ext4", "--nook"])
        .arg(env!("CARGO_BIN_EXE_nook"))
        .args(extra)
        .env("SOURCE_DATE_EPOCH", epoch)
        .output()
        .unwrap();
    assert!(result.status.success(), "mkinitramfs: {}", String::from_utf8_lossy(&result.stderr));
    std::fs::read(out).unwrap()
}

/// `cpio` run on an uncompressed archive's bytes.
fn cpio(archive: &[u8], args: &[&str]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("cpio")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("cpio (scripts/test installs it)");
    child.stdin.take().unwrap().write_all(archive).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "cpio {args:?}: {}", out.status);
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn mkinitramfs_is_reproducible_and_lists_the_modules_in_load_order() {
    let dir = &boot::harness().dir;
    let first = mkinitramfs(&dir.join("repro-1.img"), "1700000000", &[]);
    let second = mkinitramfs(&dir.join("repro-2.img"), "1700000000", &[]);
    assert!(first == second, "the same inputs gave different bytes");
    let other_time = mkinitramfs(&dir.join("repro-3.img"), "1700000001", &[]);
    assert!(first != other_time, "SOURCE_DATE_EPOCH is not the archive's mtime");

    let raw = mkinitramfs(&dir.join("repro-raw.img"), "1700000000", &["--compress", "none"]);
    let names = cpio(&raw, &["-it", "--quiet"]);
    let names: Vec<&str> = names.lines().collect();
    for needed in ["init", "dev/console", "etc/nook/modules", "proc", "sys", "run", "root"] {
        assert!(names.contains(&needed), "{needed} missing from {names:?}");
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "entries are not sorted");
    let listing = cpio(&raw, &["-itv", "--quiet"]);
    assert!(listing.lines().all(|l| l.contains(" root     root ")), "owners are not 0:0\n{listing}");
    assert!(listing.lines().any(|l| l.starts_with("crw------- ") && l.contains("5,   1")), "{listing}");

    let list = cpio(&raw, &["-i", "--quiet", "--to-stdout", "etc/nook/modules"]);
    let modules: Vec<&str> = list.lines().collect();
    let position = |name: &str| {
        modules
            .iter()
            .position(|p| p.rsplit('/').next() == Some(name))
            .unwrap_or_else(|| panic!("{name} missing from {modules:?}"))
    };
    assert!(position("virtio_ring.ko") < position("virtio.ko"));
    assert!(position("virtio.ko") < position("virtio_blk.ko"));
    assert!(position("virtio.ko") < position("virtio_pci.ko"));
    assert!(position("jbd2.ko") < position("ext4.ko"));
    assert!(position("crc32c_generic.ko") < position("ext4.ko"), "the soft dependency comes first");
    assert_eq!(modules.iter().filter(|p| p.ends_with("/virtio.ko")).count(), 1, "each module once");
    for path in &modules {
        assert!(path.starts_with('/') && names.contains(&&path[1..]), "{path} is listed but not in the archive");
    }

    // gzip and zstd are both what the kernel can unpack, and smaller.
    let zstd = mkinitramfs(&dir.join("repro-zstd.img"), "1700000000", &["--compress", "zstd"]);
    assert_eq!(&zstd[..4], &[0x28, 0xb5, 0x2f, 0xfd], "zstd magic");
    assert_eq!(&first[..2], &[0x1f, 0x8b], "gzip magic");
    assert!(zstd.len() < raw.len() && first.len() < raw.len());
}
