//! `root=PARTUUID=`: which partition of a disk the UUID names, read from the
//! disk's partition table, so that `nook boot` can find the partition's
//! block device (/sys/class/block/NAME, NAME from [`partition_name`]).
//!
//! Two kinds of PARTUUID exist, as blkid prints them and as the kernel's
//! own `root=PARTUUID=` takes them (block/partitions/efi.c and msdos.c):
//!
//! * GPT: the partition entry's unique GUID, `8-4-4-4-12` hex, from the
//!   mixed-endian bytes of the entry (see [`super::uuid`]). The partition's
//!   number is its entry's slot in the table plus one, as Linux numbers
//!   them (empty slots keep their numbers).
//! * MBR: `SSSSSSSS-NN`, the disk signature at byte 0x1B8 as 8 hex digits,
//!   and the partition number in 2 hex digits (`%08x-%02x`). 1 to 4 are
//!   the primary partitions, checked in the table here; 5 and up are
//!   logical partitions in the chain of extended boot records, which this
//!   reader does not walk: it only checks that the disk has an extended
//!   partition and returns the number, and the kernel, which did walk the
//!   chain, tells by creating the partition's device or not.
//!
//! A disk with a protective MBR (a partition of type 0xEE) is read as GPT,
//! as the kernel reads it, hybrid MBRs included. GPT's header and entries
//! are checked as the kernel checks them (signature, CRC32s, entry size,
//! the header's own LBA); the backup table at the disk's end is not read.

use super::{array, le32, le64, uuid};

/// A partition UUID as `root=PARTUUID=` writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartUuid {
    /// A GPT partition's unique GUID, in text order.
    Gpt([u8; 16]),
    /// An MBR disk signature and partition number.
    Mbr { signature: u32, number: u32 },
}

impl PartUuid {
    /// Parses `8-4-4-4-12` (GPT) or `SSSSSSSS-NN` (MBR), either case.
    pub fn parse(text: &[u8]) -> Option<PartUuid> {
        if let Some(guid) = uuid::parse(text) {
            return Some(PartUuid::Gpt(guid));
        }
        let mut mbr = [0u8; 5];
        uuid::parse_hex(text, 1 << 8, &mut mbr)?;
        let [a, b, c, d, number] = mbr;
        if number == 0 {
            return None;
        }
        let (value, number) = (u32::from_be_bytes([a, b, c, d]), u32::from(number));
        Some(PartUuid::Mbr { signature: value, number })
    }
}

/// Why a disk's table could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableError {
    /// The first sector ends without 0x55 0xAA: no MBR (and so no
    /// protective MBR for a GPT either).
    NoTable,
    /// The protective MBR promises a GPT whose header is wrong.
    BadGptHeader(&'static str),
    /// The GPT entries do not match the header's CRC32.
    BadGptEntries,
    /// The caller's bytes end before the table does: read this many from
    /// the start of the disk and ask again.
    NeedBytes(usize),
}

impl TableError {
    /// What is wrong, in words, for the error message.
    pub fn reason(&self) -> &'static str {
        match self {
            TableError::NoTable => "no partition table (no 0x55AA signature in sector 0)",
            TableError::BadGptHeader(why) => why,
            TableError::BadGptEntries => "the GPT partition entries fail their CRC32",
            TableError::NeedBytes(_) => "the partition table is larger than the bytes read",
        }
    }
}

/// A disk's first sectors hold this many bytes of GPT with 512-byte
/// sectors and the usual 128 entries: MBR, header, 32 sectors of entries.
pub const GPT_USUAL_LEN: usize = 34 * 512;

/// The kernel's limit on a GPT entry array it reads (efi.c, 1 MiB is
/// plenty: 8192 entries); a header asking for more is refused.
const GPT_ENTRIES_MAX: usize = 1 << 20;

/// Which partition of a disk `wanted` names: its number (from 1), or None
/// when this disk has no such partition. `head` holds the disk's first
/// bytes ([`GPT_USUAL_LEN`] is enough for a usual GPT; if not, the error
/// says how many), `sector_size` its logical block size
/// (/sys/class/block/DISK/queue/logical_block_size).
pub fn find(head: &[u8], sector_size: usize, wanted: &PartUuid) -> Result<Option<u32>, TableError> {
    let mbr = head.get(..512).ok_or(TableError::NeedBytes(512))?;
    if mbr[510..512] != [0x55, 0xAA] {
        return Err(TableError::NoTable);
    }
    let entries = mbr_entries(mbr);
    if entries.iter().any(|e| e.kind == 0xEE) {
        return match wanted {
            PartUuid::Gpt(guid) => find_gpt(head, sector_size, guid),
            PartUuid::Mbr { .. } => Ok(None),
        };
    }
    match *wanted {
        PartUuid::Mbr { signature, number } if le32(mbr, 0x1B8) == Some(signature) => {
            Ok(mbr_has(&entries, number).then_some(number))
        }
        _ => Ok(None),
    }
}

/// One of the MBR's four primary entries.
/// The partition number `wanted` names on a disk that the kernel has
/// already read, or None: the lean reader `nook boot` uses. The kernel
/// checked the GPT (its signature and CRC32s) before it made the
/// partitions' devices, and a number found here names a partition only if
/// its device exists, which the caller checks; so this reads no more than
/// it must. [`find`] checks everything itself.
pub fn locate(head: &[u8], sector_size: usize, wanted: &PartUuid) -> Option<u32> {
    if super::le16(head, 510)? != 0xAA55 {
        return None;
    }
    let gpt = (0..4).any(|i| head.get(0x1BE + 16 * i + 4) == Some(&0xEE));
    match *wanted {
        PartUuid::Gpt(guid) if gpt => {
            let header = head.get(sector_size..)?;
            if header.get(..8)? != b"EFI PART" {
                return None;
            }
            let entries = usize::try_from(le64(header, 72)?).ok()?.checked_mul(sector_size)?;
            let stored = uuid::swap_guid(&guid);
            (0..le32(header, 80)?).find(|&slot| {
                let at = entries + slot as usize * 128 + 16;
                head.get(at..at + 16) == Some(&stored[..])
            }).map(|slot| slot + 1)
        }
        PartUuid::Mbr { signature, number } if !gpt && le32(head, 0x1B8)? == signature => Some(number),
        _ => None,
    }
}

#[derive(Clone, Copy)]
struct MbrEntry {
    kind: u8,
    sectors: u32,
}

fn mbr_entries(mbr: &[u8]) -> [MbrEntry; 4] {
    core::array::from_fn(|i| {
        let at = 0x1BE + 16 * i;
        MbrEntry { kind: mbr[at + 4], sectors: le32(mbr, at + 12).unwrap_or(0) }
    })
}

/// True when an MBR disk can have partition `number`: a used primary slot
/// (1..=4), or a logical one (5 and up) when an extended partition exists.
fn mbr_has(entries: &[MbrEntry; 4], number: u32) -> bool {
    let used = |e: &MbrEntry| e.kind != 0 && e.sectors != 0;
    match number {
        1..=4 => used(&entries[number as usize - 1]),
        // Extended partition types: DOS 0x05, Windows LBA 0x0F, Linux 0x85.
        _ => entries.iter().any(|e| used(e) && matches!(e.kind, 0x05 | 0x0F | 0x85)),
    }
}

/// A checked GPT header: where its entries are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GptHeader {
    pub entries_lba: u64,
    pub entry_count: u32,
    pub entry_size: u32,
    pub entries_crc: u32,
    /// The disk's own GUID (blkid's PTUUID), in text order.
    pub disk_guid: [u8; 16],
}

impl GptHeader {
    /// Checks the header in `sector` (the disk's LBA `lba`), as the kernel's
    /// is_gpt_valid does.
    pub fn parse(sector: &[u8], lba: u64) -> Result<GptHeader, TableError> {
        let bad = TableError::BadGptHeader;
        if sector.get(..8) != Some(&b"EFI PART"[..]) {
            return Err(bad("the protective MBR's GPT header has no EFI PART signature"));
        }
        let size = le32(sector, 12).ok_or(bad("the GPT header is cut short"))? as usize;
        if size < 92 || size > sector.len() {
            return Err(bad("the GPT header's size is out of range"));
        }
        // The CRC32 of the header's `size` bytes, its own CRC field as 0.
        let stored_crc = le32(sector, 16).ok_or(bad("the GPT header is cut short"))?;
        let mut crc = Crc32::new();
        crc.update(&sector[..16]);
        crc.update(&[0; 4]);
        crc.update(&sector[20..size]);
        if crc.finish() != stored_crc {
            return Err(bad("the GPT header fails its CRC32"));
        }
        if le64(sector, 24) != Some(lba) {
            return Err(bad("the GPT header is not at the LBA it names"));
        }
        let header = GptHeader {
            entries_lba: le64(sector, 72).unwrap_or(0),
            entry_count: le32(sector, 80).unwrap_or(0),
            entry_size: le32(sector, 84).unwrap_or(0),
            entries_crc: le32(sector, 88).unwrap_or(0),
            disk_guid: uuid::swap_guid(&array(sector, 56).unwrap_or([0; 16])),
        };
        if header.entry_size != 128 {
            return Err(bad("the GPT entry size is not 128 bytes"));
        }
        if header.entry_count as usize * 128 > GPT_ENTRIES_MAX {
            return Err(bad("the GPT has too many entries"));
        }
        Ok(header)
    }

    /// The bytes of the entry array.
    pub fn entries_len(&self) -> usize {
        self.entry_count as usize * self.entry_size as usize
    }

    /// The number of the partition whose unique GUID (in text order) is
    /// `guid`, from the entry array `entries` (checked against the CRC32).
    pub fn find(&self, entries: &[u8], guid: &[u8; 16]) -> Result<Option<u32>, TableError> {
        let entries = entries.get(..self.entries_len()).ok_or(TableError::NeedBytes(self.entries_len()))?;
        if crc32(entries) != self.entries_crc {
            return Err(TableError::BadGptEntries);
        }
        let stored = uuid::swap_guid(guid);
        for (slot, entry) in entries.chunks_exact(128).enumerate() {
            // An unused slot has an all-zero type GUID.
            if entry[..16].iter().any(|&b| b != 0) && entry[16..32] == stored {
                return Ok(Some(slot as u32 + 1));
            }
        }
        Ok(None)
    }
}

/// GPT's half of [`find`]: the header at LBA 1, the entries where it says.
fn find_gpt(head: &[u8], sector_size: usize, guid: &[u8; 16]) -> Result<Option<u32>, TableError> {
    let sector_end = sector_size.checked_mul(2).ok_or(TableError::BadGptHeader("bad sector size"))?;
    let sector = head.get(sector_size..sector_end).ok_or(TableError::NeedBytes(sector_end))?;
    let header = GptHeader::parse(sector, 1)?;
    let start = usize::try_from(header.entries_lba)
        .ok()
        .and_then(|lba| lba.checked_mul(sector_size))
        .ok_or(TableError::BadGptHeader("the GPT entries lie beyond any buffer"))?;
    let end = start
        .checked_add(header.entries_len())
        .ok_or(TableError::BadGptHeader("the GPT entries lie beyond any buffer"))?;
    let entries = head.get(start..end).ok_or(TableError::NeedBytes(end))?;
    header.find(entries, guid)
}

/// The block device name of partition `number` of disk `disk`, written into
/// `out` (returns its length, or None if `out` is too short): the kernel
/// puts a `p` between a disk name that ends in a digit and the number
/// (`nvme0n1p2`, `mmcblk0p1`, `loop0p1`), and none otherwise (`vda1`).
pub fn partition_name(disk: &[u8], number: u32, out: &mut [u8]) -> Option<usize> {
    let mut digits = [0u8; 10];
    let mut n = number;
    let mut count = 0;
    loop {
        digits[9 - count] = b'0' + (n % 10) as u8;
        count += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let p: &[u8] = if disk.last().is_some_and(u8::is_ascii_digit) { b"p" } else { b"" };
    let len = disk.len() + p.len() + count;
    let out = out.get_mut(..len)?;
    out[..disk.len()].copy_from_slice(disk);
    out[disk.len()..disk.len() + p.len()].copy_from_slice(p);
    out[disk.len() + p.len()..].copy_from_slice(&digits[10 - count..]);
    Some(len)
}

/// CRC-32 as GPT uses it (IEEE 802.3, reflected, polynomial 0xEDB88320),
/// a bit at a time: no table in the binary; a 16 KiB entry array costs
/// 128 Ki steps, once per disk.
pub struct Crc32(u32);

impl Crc32 {
    pub fn new() -> Crc32 {
        Crc32(!0)
    }

    pub fn update(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u32::from(byte);
            for _ in 0..8 {
                let mask = (self.0 & 1).wrapping_neg();
                self.0 = (self.0 >> 1) ^ (0xEDB8_8320 & mask);
            }
        }
    }

    pub fn finish(&self) -> u32 {
        !self.0
    }
}

impl Default for Crc32 {
    fn default() -> Self {
        Crc32::new()
    }
}

/// The CRC-32 of `bytes`.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = Crc32::new();
    crc.update(bytes);
    crc.finish()
}

#[cfg(test)]
#[path = "partition_tests.rs"]
mod tests;
