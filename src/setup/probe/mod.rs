//! The readers `nook boot` needs before it can mount the real root: pure
//! parsers over bytes the caller has read (from /proc/cmdline, from a block
//! device's first sectors, from /etc/nook/modules). They allocate nothing,
//! make no system call and use only `core`, so they hold no opinion about
//! where the bytes came from and can be tested against images the tests
//! build with the real tools, without root or qemu.
//!
//! * [`cmdline`]: the kernel command line, split into words exactly as the
//!   kernel's own `next_arg` (lib/cmdline.c) splits it: `root=`,
//!   `rootfstype=`, `rootflags=`, `ro`/`rw`, `rootwait`, `rootdelay=`,
//!   `init=`, the words after `--`, `MODULE.PARAM=VALUE` as modprobe takes
//!   them, `nook.verbose`.
//! * [`superblock`]: ext2/3/4, xfs and btrfs: type, UUID and label, as
//!   blkid reports them.
//! * [`partition`]: GPT and MBR: which partition number a `PARTUUID=` names.
//! * [`modules`]: the module list of /etc/nook/modules, and module names as
//!   modprobe compares them.
//! * [`uuid`]: UUIDs and GUIDs in the text form blkid prints.

pub mod cmdline;
pub mod modules;
pub mod partition;
pub mod superblock;
#[cfg(test)]
mod test_images;
pub mod uuid;

/// A little-endian u16 at `at`, or None past the end of `bytes`.
pub(crate) fn le16(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

/// A little-endian u32 at `at`, or None past the end of `bytes`.
pub(crate) fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// A little-endian u64 at `at`, or None past the end of `bytes`.
pub(crate) fn le64(bytes: &[u8], at: usize) -> Option<u64> {
    let b = bytes.get(at..at.checked_add(8)?)?;
    let mut word = [0u8; 8];
    word.copy_from_slice(b);
    Some(u64::from_le_bytes(word))
}

/// A big-endian u16 at `at`, or None past the end of `bytes`.
pub(crate) fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

/// A big-endian u32 at `at`, or None past the end of `bytes`.
pub(crate) fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// `N` bytes at `at`, or None past the end of `bytes`.
pub(crate) fn array<const N: usize>(bytes: &[u8], at: usize) -> Option<[u8; N]> {
    let b = bytes.get(at..at.checked_add(N)?)?;
    let mut out = [0u8; N];
    out.copy_from_slice(b);
    Some(out)
}

/// A decimal number that fits in u32: digits only, no sign, no spaces
/// (base::num's reader).
pub(crate) use crate::base::num::parse_u32;

/// The value of one ASCII hex digit, either case.
pub(crate) fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_read_in_their_byte_order_and_never_past_the_end() {
        let bytes = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08];
        assert_eq!(le16(&bytes, 0), Some(0x0201));
        assert_eq!(be16(&bytes, 0), Some(0x0102));
        assert_eq!(le32(&bytes, 4), Some(0x0807_0605));
        assert_eq!(be32(&bytes, 4), Some(0x0506_0708));
        assert_eq!(le64(&bytes, 0), Some(0x0807_0605_0403_0201));
        assert_eq!(le32(&bytes, 5), None);
        assert_eq!(le16(&bytes, usize::MAX), None);
        assert_eq!(array::<3>(&bytes, 6), None);
        assert_eq!(array::<2>(&bytes, 6), Some([7, 8]));
    }

    #[test]
    fn decimal_numbers_are_digits_only_and_fit_in_u32() {
        assert_eq!(parse_u32(b"0"), Some(0));
        assert_eq!(parse_u32(b"4294967295"), Some(u32::MAX));
        assert_eq!(parse_u32(b"4294967296"), None);
        assert_eq!(parse_u32(b""), None);
        assert_eq!(parse_u32(b"-1"), None);
        assert_eq!(parse_u32(b"1 "), None);
        assert_eq!(parse_u32(b"0x10"), None);
    }
}
