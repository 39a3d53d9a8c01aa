//! The texts nook stores packed (build.rs, `pack_texts`): strerror's texts
//! of the errnos base/error.rs names, then `nook --help`'s text
//! (src/cli/help.txt), then, in a build with the bwrap personality,
//! bwrap's usage (src/cli/bwrap_usage.txt), option names and messages
//! (base/bwrap.rs says where). One stream, so that the help's runs may
//! repeat the errno texts' words ("file", "not", "directory"); the errno texts come
//! first, so that a failure unpacks only them.
//!
//! The format: bytes below 0x80 stand for themselves; a byte from 0x80 and
//! the next one repeat `3 + (b >> 4 & 7)` bytes from `(b & 15) << 8 | next`
//! bytes back. In the setup segment (build.rs): PID 1 reads it only to
//! report a failure, and in the first segment its pages would be resident
//! in every init.

#[cfg_attr(not(any(test, feature = "fuzzing")), unsafe(link_section = ".text.setup.packed"))]
static PACKED: [u8; include!(concat!(env!("OUT_DIR"), "/packed_len.rs"))] =
    *include_bytes!(concat!(env!("OUT_DIR"), "/texts.packed"));

/// The errno texts' bytes: "EPERM\0Operation not permitted\0ENOENT\0...",
/// each errno's C name and text in base/error.rs's order.
pub const ERRNO_TEXTS_LEN: usize = include!(concat!(env!("OUT_DIR"), "/errno_texts_len.rs"));

/// The help's bytes, which follow them.
pub const HELP_LEN: usize = include!(concat!(env!("OUT_DIR"), "/help_len.rs"));

/// The first `out.len()` bytes of the unpacked texts, into `out`.
#[inline(never)]
pub fn unpack(out: &mut [u8]) {
    let mut len = 0;
    let mut packed = PACKED.iter();
    while let Some(&b) = packed.next() {
        if b < 0x80 {
            let Some(slot) = out.get_mut(len) else { return };
            *slot = b;
            len += 1;
            continue;
        }
        let low = packed.next().copied().unwrap_or(0);
        let mut from = len.wrapping_sub(((b & 15) as usize) << 8 | low as usize);
        // Byte by byte: a run may overlap what it repeats (build.rs's
        // runs start within what is unpacked: `from` is below `len`).
        for _ in 0..3 + (b >> 4 & 7) {
            let c = out.get(from).copied().unwrap_or(0);
            let Some(slot) = out.get_mut(len) else { return };
            *slot = c;
            len += 1;
            from = from.wrapping_add(1);
        }
    }
}
