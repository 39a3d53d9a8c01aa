use super::*;
use crate::setup::probe::test_images::{TempDir, blkid, head, run, sparse_file};
use std::path::Path;

const UUID: &str = "3f1c0a52-9b7e-4d21-8c55-0e6a1b2c3d4e";

/// Probes an image's first PROBE_LEN bytes; panics on ambivalence.
fn probe_file(path: &Path) -> Option<(FsType, String, String)> {
    let bytes = head(path, PROBE_LEN);
    let volume = probe(&bytes).unwrap()?;
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
    Some((volume.fstype, text(&volume.uuid_text()), text(volume.label)))
}

/// Asserts that nook's reader and blkid agree on an image, and returns
/// what they found.
fn agrees_with_blkid(path: &Path) -> (FsType, String, String) {
    let (fstype, uuid, label) = probe_file(path).unwrap_or_else(|| panic!("{}: no filesystem found", path.display()));
    let blkid = blkid(path);
    assert_eq!(Some(fstype.name()), blkid.get("TYPE").map(String::as_str), "{blkid:?}");
    assert_eq!(Some(&uuid), blkid.get("UUID"), "{blkid:?}");
    assert_eq!(label, blkid.get("LABEL").cloned().unwrap_or_default(), "{blkid:?}");
    (fstype, uuid, label)
}

fn mke2fs(dir: &TempDir, name: &str, args: &[&str]) -> std::path::PathBuf {
    let img = dir.path(name);
    sparse_file(&img, 16 << 20);
    let mut all = vec!["-q", "-F"];
    all.extend_from_slice(args);
    all.push(img.to_str().unwrap());
    run("mke2fs", &all);
    img
}

#[test]
fn ext4_uuid_and_label_are_read_where_mke2fs_wrote_them() {
    let dir = TempDir::new("ext4");
    let img = mke2fs(&dir, "ext4.img", &["-t", "ext4", "-L", "nook-root", "-U", UUID]);
    assert_eq!(agrees_with_blkid(&img), (FsType::Ext4, UUID.to_owned(), "nook-root".to_owned()));
    // The documented offsets, byte for byte: magic at 1024+56, UUID at
    // 1024+104, label at 1024+120.
    let bytes = head(&img, 2048);
    assert_eq!(&bytes[1024 + 56..1024 + 58], &[0x53, 0xEF]);
    assert_eq!(bytes[1024 + 104..1024 + 120], uuid::parse(UUID.as_bytes()).unwrap());
    assert_eq!(&bytes[1024 + 120..1024 + 129], b"nook-root");
    let volume = probe(&bytes).unwrap().unwrap();
    assert!(volume.has_uuid(UUID.to_uppercase().as_bytes()), "root=UUID= ignores case");
    assert!(volume.has_label(b"nook-root"));
    assert!(!volume.has_label(b"NOOK-ROOT"), "root=LABEL= is exact");
    assert!(!volume.has_label(b"nook-roo"));
}

#[test]
fn ext2_and_ext3_are_told_from_ext4_as_blkid_does() {
    let dir = TempDir::new("ext23");
    let ext2 = mke2fs(&dir, "ext2.img", &["-t", "ext2"]);
    assert_eq!(agrees_with_blkid(&ext2).0, FsType::Ext2);
    let ext3 = mke2fs(&dir, "ext3.img", &["-t", "ext3", "-L", "three"]);
    assert_eq!(agrees_with_blkid(&ext3).0, FsType::Ext3);
    // ext3 with one ext4 feature (extents) is ext4 to blkid.
    let ext3x = mke2fs(&dir, "ext3x.img", &["-t", "ext3", "-O", "extents"]);
    assert_eq!(agrees_with_blkid(&ext3x).0, FsType::Ext4);
    // ext4 without a journal is still ext4.
    let nojournal = mke2fs(&dir, "ext4nj.img", &["-t", "ext4", "-O", "^has_journal"]);
    assert_eq!(agrees_with_blkid(&nojournal).0, FsType::Ext4);
}

#[test]
fn an_ext_label_of_the_full_16_bytes_has_no_nul_and_is_read_whole() {
    let dir = TempDir::new("ext-label");
    let img = mke2fs(&dir, "full.img", &["-t", "ext4", "-L", "0123456789abcdef"]);
    assert_eq!(agrees_with_blkid(&img).2, "0123456789abcdef");
    let img = mke2fs(&dir, "spaces.img", &["-t", "ext4", "-L", "my root  "]);
    assert_eq!(agrees_with_blkid(&img).2, "my root", "trailing blanks are trimmed, as blkid trims them");
    let img = mke2fs(&dir, "none.img", &["-t", "ext4"]);
    let (_, _, label) = agrees_with_blkid(&img);
    assert_eq!(label, "");
    let volume_bytes = head(&img, PROBE_LEN);
    assert!(!probe(&volume_bytes).unwrap().unwrap().has_label(b""), "an empty label matches no LABEL=");
}

#[test]
fn an_external_journal_is_no_filesystem() {
    let dir = TempDir::new("jbd");
    let img = mke2fs(&dir, "journal.img", &["-O", "journal_dev", "-b", "4096"]);
    assert_eq!(blkid(&img).get("TYPE").map(String::as_str), Some("jbd"));
    assert_eq!(probe_file(&img), None);
}

#[test]
fn xfs_uuid_and_label_are_read_where_mkfs_xfs_wrote_them() {
    let dir = TempDir::new("xfs");
    let img = dir.path("xfs.img");
    // mkfs.xfs refuses new filesystems under 300 MB; the file is sparse.
    sparse_file(&img, 320 << 20);
    let uuid_opt = format!("uuid={UUID}");
    run("mkfs.xfs", &["-q", "-f", "-L", "xfs-root", "-m", &uuid_opt, img.to_str().unwrap()]);
    assert_eq!(agrees_with_blkid(&img), (FsType::Xfs, UUID.to_owned(), "xfs-root".to_owned()));
    let bytes = head(&img, 512);
    assert_eq!(&bytes[..4], b"XFSB");
    assert_eq!(bytes[32..48], uuid::parse(UUID.as_bytes()).unwrap());
    assert_eq!(&bytes[108..116], b"xfs-root");
    // The longest xfs label, 12 bytes, fills its field without a NUL.
    run("xfs_admin", &["-L", "twelve-chars", img.to_str().unwrap()]);
    assert_eq!(agrees_with_blkid(&img).2, "twelve-chars");
}

#[test]
fn btrfs_fsid_and_label_are_read_where_mkfs_btrfs_wrote_them() {
    let dir = TempDir::new("btrfs");
    let img = dir.path("btrfs.img");
    sparse_file(&img, 256 << 20);
    run("mkfs.btrfs", &["-q", "-f", "-L", "btrfs-root", "-U", UUID, img.to_str().unwrap()]);
    assert_eq!(agrees_with_blkid(&img), (FsType::Btrfs, UUID.to_owned(), "btrfs-root".to_owned()));
    let bytes = head(&img, PROBE_LEN);
    assert_eq!(&bytes[65536 + 64..65536 + 72], b"_BHRfS_M");
    assert_eq!(bytes[65536 + 32..65536 + 48], uuid::parse(UUID.as_bytes()).unwrap());
    assert_eq!(&bytes[65536 + 299..65536 + 309], b"btrfs-root");
    // Cut before the superblock's end, the device cannot hold a btrfs.
    assert_eq!(probe(&bytes[..PROBE_LEN - 1]), Ok(None));
}

#[test]
fn a_long_btrfs_label_is_read_whole() {
    let dir = TempDir::new("btrfs-label");
    let img = dir.path("btrfs.img");
    sparse_file(&img, 256 << 20);
    let long = "L".repeat(200);
    run("mkfs.btrfs", &["-q", "-f", "-L", &long, img.to_str().unwrap()]);
    assert_eq!(agrees_with_blkid(&img).2, long);
}

#[test]
fn nothing_is_found_in_zeros_or_in_too_few_bytes() {
    assert_eq!(probe(&[]), Ok(None));
    assert_eq!(probe(&[0u8; PROBE_LEN]), Ok(None));
    let dir = TempDir::new("short");
    let img = mke2fs(&dir, "ext4.img", &["-t", "ext4"]);
    let bytes = head(&img, PROBE_LEN);
    assert_eq!(probe(&bytes[..2047]), Ok(None), "the superblock ends at 2048");
    assert!(probe(&bytes[..2048]).unwrap().is_some());
    // A wrong magic, and an impossible block size, are no ext4.
    let mut bad = bytes.clone();
    bad[1024 + 56] ^= 1;
    assert_eq!(probe(&bad), Ok(None));
    let mut bad = bytes.clone();
    bad[1024 + 24] = 7;
    assert_eq!(probe(&bad), Ok(None));
}

#[test]
fn two_superblocks_on_one_device_are_refused_as_blkid_refuses_them() {
    let dir = TempDir::new("ambivalent");
    let ext4 = mke2fs(&dir, "ext4.img", &["-t", "ext4"]);
    let xfs = dir.path("xfs.img");
    sparse_file(&xfs, 320 << 20);
    run("mkfs.xfs", &["-q", "-f", xfs.to_str().unwrap()]);
    // An xfs superblock in sector 0 does not touch ext4's at 1024.
    let mut bytes = head(&ext4, PROBE_LEN);
    bytes[..512].copy_from_slice(&head(&xfs, 512));
    assert_eq!(probe(&bytes), Err(Ambivalent { first: FsType::Ext4, second: FsType::Xfs }));
}

#[test]
fn type_names_are_blkid_s_and_mount_s() {
    let names: Vec<_> = [FsType::Ext2, FsType::Ext3, FsType::Ext4, FsType::Xfs, FsType::Btrfs].map(FsType::name).into();
    assert_eq!(names, ["ext2", "ext3", "ext4", "xfs", "btrfs"]);
}
