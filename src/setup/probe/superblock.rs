//! Which filesystem a block device holds, with its UUID and label, read
//! from the device's first bytes as blkid reads them: what `root=UUID=` and
//! `root=LABEL=` are matched against when there is no udev to ask.
//!
//! | type | superblock | magic | UUID | label |
//! | --- | --- | --- | --- | --- |
//! | ext2/3/4 | byte 1024 | 0xEF53 (LE) at +56 | +104 | +120, 16 bytes |
//! | xfs | byte 0 | "XFSB" at +0 | +32 | +108, 12 bytes |
//! | btrfs | byte 65536 | "_BHRfS_M" at +64 | fsid at +32 | +299, 256 bytes |
//!
//! (ext4's `struct ext4_super_block`, xfs's `struct xfs_dsb`, btrfs's
//! `struct btrfs_super_block`; the tests check every offset against images
//! made by mke2fs, mkfs.xfs and mkfs.btrfs, and against blkid.)

use super::{array, be16, be32, le16, le32, uuid};

/// Bytes from the start of the device that [`probe`] may read: btrfs's
/// superblock ends last, 4 KiB after 64 KiB. A device smaller than this
/// cannot hold a btrfs, so pass what it has.
pub const PROBE_LEN: usize = BTRFS_SUPER + 4096;

const EXT_SUPER: usize = 1024;
const BTRFS_SUPER: usize = 64 * 1024;

/// A filesystem type, named as blkid's TYPE and mount(2)'s fstype name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsType {
    Ext2,
    Ext3,
    Ext4,
    Xfs,
    Btrfs,
}

impl FsType {
    pub fn name(self) -> &'static str {
        match self {
            FsType::Ext2 => "ext2",
            FsType::Ext3 => "ext3",
            FsType::Ext4 => "ext4",
            FsType::Xfs => "xfs",
            FsType::Btrfs => "btrfs",
        }
    }
}

/// A filesystem found on a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Volume<'a> {
    pub fstype: FsType,
    /// The UUID in stored (text) order; all zeros when none was set.
    pub uuid: [u8; 16],
    /// The label, without the padding after it; empty when none was set.
    pub label: &'a [u8],
}

impl Volume<'_> {
    /// The UUID as blkid prints it.
    pub fn uuid_text(&self) -> [u8; uuid::TEXT_LEN] {
        uuid::format(&self.uuid)
    }

    /// True when `root=UUID=text` names this filesystem (case ignored).
    pub fn has_uuid(&self, text: &[u8]) -> bool {
        uuid::matches(&self.uuid, text)
    }

    /// True when `root=LABEL=text` names this filesystem (exact bytes).
    pub fn has_label(&self, text: &[u8]) -> bool {
        !self.label.is_empty() && self.label == text
    }
}

/// Two filesystems claim the device (a stale superblock under a new one):
/// blkid refuses to name either ("ambivalent result"), and so does nook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ambivalent {
    pub first: FsType,
    pub second: FsType,
}

/// One type's reader, as [`probe`] tries each.
type Reader = fn(&[u8]) -> Option<Volume<'_>>;

/// The filesystem at the start of `head` (the device's first
/// [`PROBE_LEN`] bytes, or all of a smaller device), or None when it holds
/// none of these types.
// Out of line: boot calls it once, and inlined there it took 590 bytes more.
#[inline(never)]
pub fn probe(head: &[u8]) -> Result<Option<Volume<'_>>, Ambivalent> {
    let mut found: Option<Volume<'_>> = None;
    let readers: [Reader; 3] = [ext, xfs, btrfs];
    for volume in readers.iter().filter_map(|read| read(head)) {
        if let Some(first) = found {
            return Err(Ambivalent { first: first.fstype, second: volume.fstype });
        }
        found = Some(volume);
    }
    Ok(found)
}

/// A label field: up to its first NUL, without trailing blanks (blkid's
/// blkid_probe_set_label trims them).
fn label(field: &[u8]) -> &[u8] {
    let mut text = match field.iter().position(|&b| b == 0) {
        Some(nul) => &field[..nul],
        None => field,
    };
    while let [rest @ .., b' ' | b'\t' | b'\n' | b'\r'] = text {
        text = rest;
    }
    text
}

/// True for a power of two in `min..=max`.
fn power_of_two_in(n: u32, min: u32, max: u32) -> bool {
    n.is_power_of_two() && (min..=max).contains(&n)
}

// ext2/3/4 feature flags (ext4.h) that tell the three apart, the way
// libblkid's probe_ext2/ext3/ext4 do.
const EXT_COMPAT_HAS_JOURNAL: u32 = 0x0004;
const EXT_INCOMPAT_JOURNAL_DEV: u32 = 0x0008;
/// The incompatible features ext2 knows: FILETYPE and META_BG.
const EXT2_INCOMPAT: u32 = 0x0002 | 0x0010;
/// ...and ext3: those and RECOVER.
const EXT3_INCOMPAT: u32 = EXT2_INCOMPAT | 0x0004;
/// The read-only features both know: SPARSE_SUPER, LARGE_FILE, BTREE_DIR.
const EXT23_RO_COMPAT: u32 = 0x0001 | 0x0002 | 0x0004;

/// ext2, ext3 or ext4: one superblock format, told apart by its features.
pub fn ext(head: &[u8]) -> Option<Volume<'_>> {
    let sb = head.get(EXT_SUPER..EXT_SUPER + 1024)?;
    if le16(sb, 56)? != 0xEF53 {
        return None;
    }
    // s_log_block_size: blocks of 1 KiB << n; ext4 allows up to 64 KiB.
    if le32(sb, 24)? > 6 {
        return None;
    }
    let compat = le32(sb, 92)?;
    let incompat = le32(sb, 96)?;
    let ro_compat = le32(sb, 100)?;
    // An external journal has an ext superblock but is no filesystem.
    if incompat & EXT_INCOMPAT_JOURNAL_DEV != 0 {
        return None;
    }
    let old_ro = ro_compat & !EXT23_RO_COMPAT == 0;
    let fstype = if compat & EXT_COMPAT_HAS_JOURNAL != 0 {
        if old_ro && incompat & !EXT3_INCOMPAT == 0 { FsType::Ext3 } else { FsType::Ext4 }
    } else if old_ro && incompat & !EXT2_INCOMPAT == 0 {
        FsType::Ext2
    } else {
        FsType::Ext4
    };
    Some(Volume { fstype, uuid: array(sb, 104)?, label: label(sb.get(120..136)?) })
}

/// xfs: the primary superblock is the device's first sector, big-endian.
pub fn xfs(head: &[u8]) -> Option<Volume<'_>> {
    let sb = head.get(..512)?;
    if &sb[..4] != b"XFSB" {
        return None;
    }
    // sb_blocksize and sb_sectsize, as xfs's own superblock verifier.
    if !power_of_two_in(be32(sb, 4)?, 512, 65536) || !power_of_two_in(u32::from(be16(sb, 102)?), 512, 32768) {
        return None;
    }
    Some(Volume { fstype: FsType::Xfs, uuid: array(sb, 32)?, label: label(sb.get(108..120)?) })
}

/// btrfs: the primary superblock at 64 KiB, little-endian; blkid's UUID is
/// the filesystem's fsid (each device's own UUID is UUID_SUB).
pub fn btrfs(head: &[u8]) -> Option<Volume<'_>> {
    let sb = head.get(BTRFS_SUPER..BTRFS_SUPER + 4096)?;
    if &sb[64..72] != b"_BHRfS_M" {
        return None;
    }
    // sectorsize: at least 4 KiB, at most 64 KiB.
    if !power_of_two_in(le32(sb, 144)?, 4096, 65536) {
        return None;
    }
    Some(Volume { fstype: FsType::Btrfs, uuid: array(sb, 32)?, label: label(sb.get(299..555)?) })
}

#[cfg(test)]
#[path = "superblock_tests.rs"]
mod tests;
