// The boots run once, in the initramfs build (scripts/test), which is what
// scripts/mkinitramfs puts in an image; the default build's boot is the
// same code, and booting it too would add minutes to the suite.
#![cfg(all(feature = "boot", not(feature = "run")))]
//! Boots of a real kernel (Debian's linux-image-amd64, qemu -accel tcg)
//! through the harness in tests/common/boot.rs: nook's initramfs (nook as
//! /init, `nook boot`) on each root= form, ro and rw, init= with the words
//! after `--`, a root that never appears and a module that is missing;
//! and the hand-made baseline (scripts/baseline-init, a busybox /init), a
//! few boots that keep the harness itself honest. Each boot takes 6-20 s
//! under TCG here (more when the machine is busy) and is killed after 60 s.
//!
//! nook runs inside the guest, as its PID 1; the host caller (root or
//! container-user) plays no part in what is tested, so these run once, as
//! root.

#[path = "common/boot.rs"]
mod boot;

use boot::{Fs, Image, Init, Table, boot, image, initramfs};

/// nook's initramfs with the storage modules and `fs`'s module.
fn nook(fs: Fs) -> std::path::PathBuf {
    initramfs(Init::Nook, &["virtio_pci", "virtio_blk", fs.name()])
}

/// The baseline initramfs with the storage modules and `fs`'s module.
fn baseline(fs: Fs) -> std::path::PathBuf {
    initramfs(Init::Baseline, &["virtio_pci", "virtio_blk", fs.name()])
}

/// Boots `image` with `initrd` and `append`, asserts that the root's own
/// init ran as PID 1, and returns the marker and the console.
fn boots(initrd: &std::path::Path, image: &Image, append: &str) -> (boot::Marker, boot::Boot) {
    let result = boot(initrd, image, append);
    let marker = result.assert_booted(image);
    assert_eq!(marker.exe, "/bin/busybox", "{marker:?}");
    assert!(!result.has_line("nook: find") && !result.has_line("powering off"), "{}", result.console);
    (marker, result)
}

#[test]
fn nook_boots_ext4_by_device_name_read_write_with_init_arguments() {
    let image = image(Fs::Ext4, None);
    let (marker, result) = boots(&nook(Fs::Ext4), &image, "root=/dev/vda rw nook.verbose -- one two");
    assert!(marker.root_opts.starts_with("rw,"), "{marker:?}");
    assert_eq!(marker.args, "one two", "the words after -- reach the root's init");
    // nook.verbose traces each step, and the initramfs was emptied.
    for step in ["nook: + find root=/dev/vda", "nook: + load module /lib/modules/", "nook: + mount on /root /dev/vda",
        "nook: + move /dev", "nook: + delete the old root's files", "nook: + exec /sbin/init"] {
        assert!(result.has_line(step), "no {step:?}\n{}", result.console);
    }
}

#[test]
fn nook_boots_ext4_by_uuid_in_capitals_read_only_by_default() {
    let image = image(Fs::Ext4, None);
    let (marker, result) = boots(&nook(Fs::Ext4), &image, &format!("root=UUID={}", image.uuid.to_uppercase()));
    assert!(marker.root_opts.starts_with("ro,"), "{marker:?}");
    assert_eq!(marker.args, "");
    assert!(!result.has_line("nook: +"), "traces without nook.verbose\n{}", result.console);
}

#[test]
fn nook_boots_xfs_by_label_and_type() {
    let image = image(Fs::Xfs, None);
    boots(&nook(Fs::Xfs), &image, &format!("root=LABEL={} rootfstype=xfs", image.label));
}

#[test]
fn nook_boots_a_gpt_partition_by_partuuid_read_write() {
    let image = image(Fs::Ext4, Some(Table::Gpt));
    let partuuid = image.partuuid.clone().expect("a GPT image has a PARTUUID");
    let (marker, _) = boots(&nook(Fs::Ext4), &image, &format!("root=PARTUUID={partuuid} rw"));
    assert!(marker.root_opts.starts_with("rw,"), "{marker:?}");
}

/// init= runs another program of the root: here its shell, given the
/// marker script and two words after `--`.
#[test]
fn nook_boots_btrfs_by_uuid_into_the_init_of_init_with_its_arguments() {
    let image = image(Fs::Btrfs, None);
    let (marker, _) =
        boots(&nook(Fs::Btrfs), &image, &format!("root=UUID={} init=/bin/sh -- /sbin/init alpha beta", image.uuid));
    assert_eq!(marker.args, "alpha beta", "init= was not the shell given the script: {marker:?}");
}

/// A module that cannot be loaded is one line naming it and its errno;
/// boot goes on without it: one that is missing, and a gzip-compressed one
/// this kernel cannot decompress (Debian's 6.1 has no
/// CONFIG_MODULE_DECOMPRESS), which the line says. (Here an MBR
/// partition, by PARTUUID.)
#[test]
fn nook_warns_of_a_missing_module_and_boots_on() {
    let image = image(Fs::Ext4, Some(Table::Dos));
    let initrd = nook(Fs::Ext4);
    let list = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("zcat {} | cpio -i --quiet --to-stdout etc/nook/modules", initrd.display()))
        .output()
        .unwrap();
    assert!(list.status.success() && !list.stdout.is_empty());
    let missing = "/lib/modules/missing/kernel/drivers/nowhere.ko";
    let compressed = "/lib/modules/extra/crc16.ko.gz";
    let crc16 = format!("/lib/modules/{}/kernel/lib/crc16.ko", boot::harness().kernel);
    let gzip = std::process::Command::new("gzip").args(["-9", "-n", "-c", &crc16]).output().unwrap();
    assert!(gzip.status.success(), "gzip {crc16}");
    let mut modules = format!("{missing}\n{compressed}\n").into_bytes();
    modules.extend_from_slice(&list.stdout);
    let initrd = boot::with_files(&initrd, &[
        ("lib/modules/extra/", b""),
        (&compressed[1..], &gzip.stdout),
        ("etc/nook/modules", &modules),
    ]);
    let partuuid = image.partuuid.clone().expect("an MBR image has a PARTUUID");
    let (_, result) = boots(&initrd, &image, &format!("root=PARTUUID={partuuid}"));
    for line in [
        format!("nook: load module {missing}: No such file or directory (ENOENT): going on without it"),
        format!("nook: load module {compressed}: Operation not supported (ENOTSUP): this kernel cannot decompress modules"),
    ] {
        assert!(result.has_line(&line), "no {line:?}\n{}", result.console);
    }
}

/// A root that never appears: one line says what is awaited, one names
/// the step, the object and the errno, and with no /bin/sh in the
/// initramfs the guest powers off, well before the timeout.
#[test]
fn nook_reports_a_missing_root_and_powers_off() {
    let image = image(Fs::Ext4, None);
    let result = boot(&nook(Fs::Ext4), &image, "root=/dev/vdb rootdelay=1");
    assert!(result.marker().is_none(), "{}", result.console);
    for line in [
        "nook: waiting for root=/dev/vdb for up to 1 s",
        "nook: find root=/dev/vdb: No such device (ENODEV): no such block device in /sys/class/block",
        "nook: boot failed and there is no /bin/sh: powering off in 5 s",
    ] {
        assert!(result.has_line(line), "no {line:?}\n{}", result.console);
    }
    assert_eq!(result.status, 0, "the guest powers off rather than hanging\n{}", result.summary);
}

#[test]
fn baseline_boots_ext4_by_device_name_read_write_with_init_arguments() {
    let image = image(Fs::Ext4, None);
    let (marker, _) = boots(&baseline(Fs::Ext4), &image, "root=/dev/vda rw -- one two");
    assert!(marker.root_opts.starts_with("rw,"), "{marker:?}");
    assert_eq!(marker.args, "one two");
}

#[test]
fn baseline_boots_a_gpt_partition_by_partuuid() {
    let image = image(Fs::Ext4, Some(Table::Gpt));
    let partuuid = image.partuuid.clone().expect("a GPT image has a PARTUUID");
    boots(&baseline(Fs::Ext4), &image, &format!("root=PARTUUID={partuuid} rw"));
}

/// The baseline's failure path: a root that never appears is reported on
/// the console and the guest powers off, well before the timeout.
#[test]
fn baseline_reports_a_missing_root_and_powers_off() {
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
