//! The texts nook stores packed (build.rs, `pack_texts`): strerror's texts
//! of the errnos base/error.rs names, then `nook --help`'s text
//! (src/cli/help.txt), then, in a build with the bwrap personality,
//! bwrap's usage (src/cli/bwrap_usage.txt), option names and messages. One stream, so that the help's runs may repeat the
//! errno texts' words ("file", "not", "directory"); the errno texts come
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

/// bwrap's usage (src/cli/bwrap_usage.txt), last: in a build with the
/// personality only.
#[cfg(feature = "bwrap")]
pub const BWRAP_USAGE_LEN: usize = include!(concat!(env!("OUT_DIR"), "/bwrap_usage_len.rs"));

/// bwrap's option names (cli/bwrap.rs's table's words), after its usage.
#[cfg(feature = "bwrap")]
pub const BWRAP_OPTIONS_LEN: usize = include!(concat!(env!("OUT_DIR"), "/bwrap_options_len.rs"));

/// bwrap's parser's messages (cli/bwrap.rs's `msg!`s), last.
#[cfg(feature = "bwrap")]
pub const BWRAP_MESSAGES_LEN: usize = include!(concat!(env!("OUT_DIR"), "/bwrap_messages_len.rs"));

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

/// Where nook as bwrap's texts start among the unpacked ones: its usage,
/// its option names (cli/bwrap.rs's OPTIONS's words), the messages of
/// `msg!` (build.rs).
#[cfg(feature = "bwrap")]
pub const BWRAP_USAGE_START: usize = ERRNO_TEXTS_LEN + HELP_LEN;
#[cfg(feature = "bwrap")]
pub const BWRAP_NAMES_START: usize = BWRAP_USAGE_START + BWRAP_USAGE_LEN;
#[cfg(feature = "bwrap")]
pub const BWRAP_MESSAGES_START: usize = BWRAP_NAMES_START + BWRAP_OPTIONS_LEN;
#[cfg(feature = "bwrap")]
pub const BWRAP_TEXTS_END: usize = BWRAP_MESSAGES_START + BWRAP_MESSAGES.len();

/// The texts of every `msg!` of the bwrap personality's files, each ended
/// by a NUL (build.rs gathers them): read only when compiling, for their
/// offsets; their bytes are packed.
#[cfg(feature = "bwrap")]
pub const BWRAP_MESSAGES: &str = include!(concat!(env!("OUT_DIR"), "/bwrap_messages.rs"));
#[cfg(feature = "bwrap")]
const _: () = assert!(BWRAP_MESSAGES_LEN == BWRAP_MESSAGES.len(), "build.rs packs BWRAP_MESSAGES");

/// The texts up to bwrap's, unpacked: in .bss, so only the packed bytes
/// are in the file. Written once, by nook as bwrap's parser
/// ([`unpack_bwrap_texts`]), before anything reads them: its processes
/// (the parser's, and the forks that set the container up) have them.
#[cfg(feature = "bwrap")]
pub static mut BWRAP_TEXTS: [u8; BWRAP_TEXTS_END] = [0; BWRAP_TEXTS_END];

/// Unpacks [`BWRAP_TEXTS`]; once, first thing when nook is called bwrap.
#[cfg(feature = "bwrap")]
pub fn unpack_bwrap_texts() -> &'static [u8; BWRAP_TEXTS_END] {
    // SAFETY: single-threaded; written here, before any reader (every
    // `msg!` comes after the parser's first step), and only read after.
    unpack(unsafe { &mut *core::ptr::addr_of_mut!(BWRAP_TEXTS) });
    // SAFETY: as above: no writer is left.
    unsafe { &*core::ptr::addr_of!(BWRAP_TEXTS) }
}

/// `word`, one of the NUL-ended words of `names`, which are packed from
/// `start` on, as a C string in [`BWRAP_TEXTS`], at an offset found when
/// compiling (a word `names` lacks fails the build): `msg!`, and
/// cli/bwrap.rs's `unpacked!`. Only once they are unpacked.
#[cfg(feature = "bwrap")]
macro_rules! in_bwrap_texts {
    ($names:expr, $start:expr, $word:literal) => {{
        const AT: usize = $start + $crate::base::words::offset_in($names, $word);
        // SAFETY: the texts are read only once unpack_bwrap_texts wrote
        // them, and AT is where the word and its NUL stand in them
        // (offset_in; the packed words are `names`, as the length asserts
        // and cli/bwrap.rs's unit test check).
        unsafe {
            ::core::ffi::CStr::from_bytes_with_nul_unchecked(
                (*::core::ptr::addr_of!($crate::base::packed::BWRAP_TEXTS)).get_unchecked(AT..AT + $word.len() + 1),
            )
        }
    }};
}
#[cfg(feature = "bwrap")]
pub(crate) use in_bwrap_texts;

/// A message of the bwrap personality (cli/bwrap.rs, setup/bwrap.rs,
/// setup/tree/bwrap.rs), packed: build.rs gathers the text of every use,
/// in order, into [`BWRAP_MESSAGES`]. A `&'static CStr` in the unpacked
/// texts, so for nook as bwrap's processes only.
#[cfg(feature = "bwrap")]
macro_rules! msg {
    ($text:literal) => {
        $crate::base::packed::in_bwrap_texts!($crate::base::packed::BWRAP_MESSAGES, $crate::base::packed::BWRAP_MESSAGES_START, $text)
    };
}
#[cfg(feature = "bwrap")]
pub(crate) use msg;
