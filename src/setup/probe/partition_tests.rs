use super::*;
use crate::setup::probe::test_images::{TempDir, head, run, run_with_input, sparse_file};
use std::path::Path;

/// partx's view of an image's partitions (libblkid's): (number, PARTUUID).
fn partx(img: &Path) -> Vec<(u32, String)> {
    run("partx", &["-g", "-o", "NR,UUID", img.to_str().unwrap()])
        .lines()
        .map(|line| {
            let mut fields = line.split_whitespace();
            let nr = fields.next().unwrap().parse().unwrap();
            (nr, fields.next().unwrap_or_default().to_owned())
        })
        .collect()
}

/// A 64 MiB image partitioned by sfdisk from `script`.
fn sfdisk(dir: &TempDir, name: &str, script: &str) -> std::path::PathBuf {
    let img = dir.path(name);
    sparse_file(&img, 64 << 20);
    run_with_input("sfdisk", &["-q", img.to_str().unwrap()], Some(script));
    img
}

fn find_text(head: &[u8], text: &str) -> Result<Option<u32>, TableError> {
    let wanted = PartUuid::parse(text.as_bytes()).unwrap_or_else(|| panic!("{text}: not a PARTUUID"));
    find(head, 512, &wanted)
}

const GPT_SCRIPT: &str = "label: gpt\n\
    label-id: 11111111-2222-3333-4444-555555555555\n\
    disk.img1 : start=2048, size=8192, uuid=0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9, name=one\n\
    disk.img2 : start=10240, size=8192\n\
    disk.img4 : start=20480, size=8192, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\n";

#[test]
fn each_gpt_partition_is_found_by_the_partuuid_blkid_prints() {
    let dir = TempDir::new("gpt");
    let img = sfdisk(&dir, "disk.img", GPT_SCRIPT);
    let parts = partx(&img);
    assert_eq!(parts.iter().map(|p| p.0).collect::<Vec<_>>(), [1, 2, 4], "slot 3 is left empty");
    assert_eq!(parts[0].1, "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9");
    let bytes = head(&img, GPT_USUAL_LEN);
    for (number, partuuid) in &parts {
        assert_eq!(find_text(&bytes, partuuid), Ok(Some(*number)), "{partuuid}");
        assert_eq!(find_text(&bytes, &partuuid.to_uppercase()), Ok(Some(*number)), "case is ignored");
    }
    assert_eq!(find_text(&bytes, "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f8"), Ok(None));
    // The disk's own GUID is no partition's.
    assert_eq!(find_text(&bytes, "11111111-2222-3333-4444-555555555555"), Ok(None));
    // An MBR-style PARTUUID names nothing on a GPT disk.
    assert_eq!(find_text(&bytes, "00000000-01"), Ok(None));
    // The header, read on its own, agrees with sfdisk about the disk.
    let header = GptHeader::parse(&bytes[512..1024], 1).unwrap();
    assert_eq!(&uuid::format(&header.disk_guid), b"11111111-2222-3333-4444-555555555555");
    assert_eq!((header.entries_lba, header.entry_count, header.entry_size), (2, 128, 128));
}

#[test]
fn the_gpt_s_bytes_sit_where_the_spec_puts_them() {
    let dir = TempDir::new("gpt-bytes");
    let img = sfdisk(&dir, "disk.img", GPT_SCRIPT);
    let bytes = head(&img, GPT_USUAL_LEN);
    assert_eq!(bytes[0x1BE + 4], 0xEE, "the protective MBR");
    assert_eq!(&bytes[512..520], b"EFI PART");
    // Entry 0 at LBA 2: the unique GUID at +16, mixed-endian.
    let stored: [u8; 16] = bytes[1024 + 16..1024 + 32].try_into().unwrap();
    assert_eq!(&uuid::format_guid(&stored), b"0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9");
    assert_eq!(&bytes[1024 + 16..1024 + 20], &[0x3d, 0x2c, 0x1b, 0x0a]);
}

#[test]
fn a_damaged_gpt_is_refused_with_the_reason() {
    let dir = TempDir::new("gpt-bad");
    let img = sfdisk(&dir, "disk.img", GPT_SCRIPT);
    let good = head(&img, GPT_USUAL_LEN);
    let guid = "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9";

    let mut bytes = good.clone();
    bytes[512 + 40] ^= 1; // first usable LBA, under the header CRC
    assert_eq!(find_text(&bytes, guid), Err(TableError::BadGptHeader("the GPT header fails its CRC32")));

    let mut bytes = good.clone();
    bytes[512..520].copy_from_slice(b"EFI TRAP");
    assert!(matches!(find_text(&bytes, guid), Err(TableError::BadGptHeader(why)) if why.contains("EFI PART")));

    let mut bytes = good.clone();
    bytes[1024 + 56] ^= 1; // entry 0's name, under the entries CRC
    assert_eq!(find_text(&bytes, guid), Err(TableError::BadGptEntries));
    assert!(TableError::BadGptEntries.reason().contains("CRC32"));

    // Too few bytes: the error says how many to read.
    assert_eq!(find_text(&good[..GPT_USUAL_LEN - 1], guid), Err(TableError::NeedBytes(GPT_USUAL_LEN)));
    assert_eq!(find_text(&good[..600], guid), Err(TableError::NeedBytes(1024)));
    assert_eq!(find_text(&good[..100], guid), Err(TableError::NeedBytes(512)));
}

#[test]
fn a_gpt_on_4096_byte_sectors_is_read_at_its_lbas() {
    // sfdisk cannot make one on a plain file, so move a real table:
    // header to LBA 1 = byte 4096, entries to LBA 2 = byte 8192.
    let dir = TempDir::new("gpt-4k");
    let img = sfdisk(&dir, "disk.img", GPT_SCRIPT);
    let good = head(&img, GPT_USUAL_LEN);
    let mut bytes = vec![0u8; 8192 + 16384];
    bytes[..512].copy_from_slice(&good[..512]);
    bytes[4096..4096 + 512].copy_from_slice(&good[512..1024]);
    bytes[8192..].copy_from_slice(&good[1024..1024 + 16384]);
    let guid = PartUuid::parse(b"0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9").unwrap();
    assert_eq!(find(&bytes, 4096, &guid), Ok(Some(1)));
    // Read with the wrong sector size, there is no header at byte 512.
    assert!(matches!(find(&bytes, 512, &guid), Err(TableError::BadGptHeader(_))));
}

const MBR_SCRIPT: &str = "label: dos\n\
    label-id: 0x1234abcd\n\
    start=2048, size=8192, type=83\n\
    start=10240, size=8192, type=83\n\
    start=18432, size=40960, type=5\n\
    start=20480, size=8192, type=83\n\
    start=30720, size=8192, type=83\n";

#[test]
fn each_mbr_partition_is_found_by_signature_and_number() {
    let dir = TempDir::new("mbr");
    let img = sfdisk(&dir, "disk.img", MBR_SCRIPT);
    let parts = partx(&img);
    let names: Vec<_> = parts.iter().map(|p| p.1.as_str()).collect();
    assert_eq!(names, ["1234abcd-01", "1234abcd-02", "1234abcd-03", "1234abcd-05", "1234abcd-06"]);
    let bytes = head(&img, 512);
    assert_eq!(&bytes[0x1B8..0x1BC], &[0xcd, 0xab, 0x34, 0x12], "the disk signature at 0x1B8, little-endian");
    for (number, partuuid) in &parts {
        assert_eq!(find_text(&bytes, partuuid), Ok(Some(*number)), "{partuuid}");
    }
    assert_eq!(find_text(&bytes, "1234ABCD-01"), Ok(Some(1)), "case is ignored");
    // Slot 4 is empty; another disk's signature; a GPT GUID.
    assert_eq!(find_text(&bytes, "1234abcd-04"), Ok(None));
    assert_eq!(find_text(&bytes, "1234abce-01"), Ok(None));
    assert_eq!(find_text(&bytes, "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"), Ok(None));
}

#[test]
fn logical_partitions_need_an_extended_one() {
    let dir = TempDir::new("mbr-primary");
    let img = sfdisk(&dir, "disk.img", "label: dos\nlabel-id: 0xdeadbeef\nstart=2048, size=8192, type=83\n");
    let bytes = head(&img, 512);
    assert_eq!(find_text(&bytes, "deadbeef-01"), Ok(Some(1)));
    assert_eq!(find_text(&bytes, "deadbeef-05"), Ok(None));
    assert_eq!(find_text(&bytes, "deadbeef-02"), Ok(None));
}

#[test]
fn a_disk_without_a_table_says_so() {
    assert_eq!(find_text(&[0u8; 512], "1234abcd-01"), Err(TableError::NoTable));
    let dir = TempDir::new("notable");
    let img = dir.path("fs.img");
    sparse_file(&img, 16 << 20);
    run("mke2fs", &["-q", "-F", "-t", "ext4", img.to_str().unwrap()]);
    assert_eq!(find_text(&head(&img, GPT_USUAL_LEN), "1234abcd-01"), Err(TableError::NoTable));
    assert!(TableError::NoTable.reason().contains("0x55AA"));
}

#[test]
fn partuuid_text_is_a_guid_or_signature_dash_number() {
    assert_eq!(PartUuid::parse(b"1234abcd-01"), Some(PartUuid::Mbr { signature: 0x1234abcd, number: 1 }));
    assert_eq!(PartUuid::parse(b"DEADBEEF-0a"), Some(PartUuid::Mbr { signature: 0xdeadbeef, number: 10 }));
    assert!(matches!(PartUuid::parse(b"0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"), Some(PartUuid::Gpt(_))));
    for bad in ["", "1234abcd-00", "1234abcd-1", "1234abcd-001", "1234abc-01", "1234abcg-01", "1234abcd_01"] {
        assert_eq!(PartUuid::parse(bad.as_bytes()), None, "{bad}");
    }
}

#[test]
fn partition_names_follow_the_kernel_s_rule() {
    let name = |disk: &str, n| {
        let mut out = [0u8; 32];
        let len = partition_name(disk.as_bytes(), n, &mut out).unwrap();
        String::from_utf8(out[..len].to_vec()).unwrap()
    };
    assert_eq!(name("vda", 1), "vda1");
    assert_eq!(name("sda", 15), "sda15");
    assert_eq!(name("nvme0n1", 2), "nvme0n1p2");
    assert_eq!(name("mmcblk0", 1), "mmcblk0p1");
    assert_eq!(name("loop7", 128), "loop7p128");
    assert_eq!(name("x", 4_294_967_295), "x4294967295");
    assert_eq!(partition_name(b"vda", 10, &mut [0u8; 4]), None);
    assert_eq!(partition_name(b"vda", 10, &mut [0u8; 5]), Some(5));
}

#[test]
fn crc32_is_the_ieee_one() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(crc32(b""), 0);
    let mut split = Crc32::new();
    split.update(b"1234");
    split.update(b"56789");
    assert_eq!(split.finish(), 0xCBF4_3926);
}
