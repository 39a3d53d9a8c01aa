//! UUIDs in the text form blkid prints (`UUID=`, `PARTUUID=`): 32 lowercase
//! hex digits in groups of 8-4-4-4-12.
//!
//! Two byte orders exist on disk. ext2/3/4, xfs and btrfs store a UUID as
//! the 16 bytes of its text, in order (RFC 4122's network order). GPT stores
//! a GUID in Microsoft's mixed-endian layout: the first three groups are
//! little-endian integers, the last two are bytes in order (UEFI spec,
//! appendix A). blkid prints both as the same kind of text, so a user's
//! `UUID=` or `PARTUUID=` is compared as text, ignoring case, as blkid's
//! and the kernel's own `root=PARTUUID=` lookups do (strncasecmp).

/// The length of the text form: 32 hex digits and 4 dashes.
pub const TEXT_LEN: usize = 36;

/// Where the dashes go in the text form.
const DASHES: [usize; 4] = [8, 13, 18, 23];

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The text of a UUID stored in order (ext, xfs, btrfs), as blkid prints it.
pub fn format(bytes: &[u8; 16]) -> [u8; TEXT_LEN] {
    let mut text = [b'-'; TEXT_LEN];
    let mut at = 0;
    for &byte in bytes {
        if DASHES.contains(&at) {
            at += 1;
        }
        text[at] = HEX[usize::from(byte >> 4)];
        text[at + 1] = HEX[usize::from(byte & 0xf)];
        at += 2;
    }
    text
}

/// The text of a GUID stored mixed-endian (GPT's disk and partition GUIDs).
pub fn format_guid(bytes: &[u8; 16]) -> [u8; TEXT_LEN] {
    format(&swap_guid(bytes))
}

/// Converts between GPT's mixed-endian layout and text order (the swap is
/// its own inverse): the first group of 4 bytes and the next two groups of
/// 2 are reversed, the last 8 bytes stay.
pub fn swap_guid(bytes: &[u8; 16]) -> [u8; 16] {
    // As one number, each group swapped where it lies (a u128's
    // swap_bytes puts a group's bytes at the top): a few shifts, where three
    // reversals were loops (and this spelling measured 16 bytes smaller
    // than swapping each group as a u32 and u16).
    let n = u128::from_be_bytes(*bytes);
    let groups = u128::from((n >> 96) as u32).swap_bytes()
        | u128::from((n >> 80) as u16).swap_bytes() >> 32
        | u128::from((n >> 64) as u16).swap_bytes() >> 48;
    (groups | n & u128::from(u64::MAX)).to_be_bytes()
}

/// The 16 bytes (in text order) of a UUID's text form: exactly 8-4-4-4-12
/// hex digits of either case, or None.
pub fn parse(text: &[u8]) -> Option<[u8; 16]> {
    let mut bytes = [0u8; 16];
    parse_hex(text, 1 << 8 | 1 << 13 | 1 << 18 | 1 << 23, &mut bytes)?;
    Some(bytes)
}

/// Fills `out` with the bytes `text` spells, two hex digits of either case
/// a byte, with a dash at each offset whose bit is set in `dashes` and
/// nowhere else; None for any other text. The UUIDs' reader and the MBR's
/// `SSSSSSSS-NN`.
#[inline(never)]
pub fn parse_hex(text: &[u8], dashes: u64, out: &mut [u8]) -> Option<()> {
    let mut at = 0;
    for byte in out {
        if dashes >> at & 1 != 0 {
            if *text.get(at)? != b'-' {
                return None;
            }
            at += 1;
        }
        *byte = (super::hex_digit(*text.get(at)?)? << 4) | super::hex_digit(*text.get(at + 1)?)?;
        at += 2;
    }
    // Nothing after the last byte.
    (at == text.len()).then_some(())
}

/// True when a UUID was set: blkid reports no UUID for one of all zeros.
pub fn is_set(bytes: &[u8; 16]) -> bool {
    bytes.iter().any(|&b| b != 0)
}

/// True when `text` names the UUID stored in order as `bytes`, ignoring case.
pub fn matches(bytes: &[u8; 16], text: &[u8]) -> bool {
    is_set(bytes) && parse(text) == Some(*bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BYTES: [u8; 16] =
        [0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0];

    #[test]
    fn text_is_lowercase_8_4_4_4_12_in_stored_order() {
        assert_eq!(&format(&BYTES), b"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
        assert_eq!(&format(&[0; 16]), b"00000000-0000-0000-0000-000000000000");
        assert_eq!(&format(&[0xff; 16]), b"ffffffff-ffff-ffff-ffff-ffffffffffff");
    }

    #[test]
    fn a_guid_prints_its_first_three_groups_little_endian() {
        // The UEFI spec's own example: the EFI system partition's type GUID
        // C12A7328-F81F-11D2-BA4B-00A0C93EC93B is stored as these bytes.
        let stored = [0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b];
        assert_eq!(&format_guid(&stored), b"c12a7328-f81f-11d2-ba4b-00a0c93ec93b");
        assert_eq!(swap_guid(&swap_guid(&stored)), stored);
    }

    #[test]
    fn text_parses_back_in_either_case_and_nothing_else_parses() {
        assert_eq!(parse(b"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"), Some(BYTES));
        assert_eq!(parse(b"0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0"), Some(BYTES));
        assert_eq!(parse(b"0f1e2d3c4b5a697887 96a5b4c3d2e1f0"), None);
        assert_eq!(parse(b"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f"), None);
        assert_eq!(parse(b"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f00"), None);
        assert_eq!(parse(b"0f1e2d3c-4b5a-6978-8796_a5b4c3d2e1f0"), None);
        assert_eq!(parse(b"gf1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"), None);
    }

    #[test]
    fn a_user_s_uuid_matches_ignoring_case_but_the_empty_uuid_never_does() {
        assert!(matches(&BYTES, b"0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0"));
        assert!(matches(&BYTES, b"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"));
        assert!(!matches(&BYTES, b"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f1"));
        assert!(!matches(&BYTES, b"0f1e2d3c4b5a69788796a5b4c3d2e1f0"));
        assert!(!matches(&[0; 16], b"00000000-0000-0000-0000-000000000000"));
    }
}
