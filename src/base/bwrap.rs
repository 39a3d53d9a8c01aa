//! nook as bwrap's texts (README, "nook as bwrap"): its option names,
//! its messages and its usage (src/cli/bwrap_usage.txt), first in
//! base/packed.rs's one stream (build.rs, `pack_texts`), and unpacked
//! once, when nook is called bwrap: all it unpacks at every launch. Only
//! in a build with the `bwrap` feature.

use super::packed::unpack;

/// bwrap's option names (cli/bwrap.rs's table's words), first.
pub const BWRAP_OPTIONS_LEN: usize = include!(concat!(env!("OUT_DIR"), "/bwrap_options_len.rs"));

/// bwrap's parser's messages (cli/bwrap.rs's `msg!`s), after them.
pub const BWRAP_MESSAGES_LEN: usize = include!(concat!(env!("OUT_DIR"), "/bwrap_messages_len.rs"));

/// bwrap's usage (src/cli/bwrap_usage.txt), last.
pub const BWRAP_USAGE_LEN: usize = include!(concat!(env!("OUT_DIR"), "/bwrap_usage_len.rs"));

/// Where nook as bwrap's texts start among the unpacked ones: its option
/// names (cli/bwrap.rs's OPTIONS's words), the messages of `msg!`
/// (build.rs), its usage.
pub const BWRAP_NAMES_START: usize = 0;
pub const BWRAP_MESSAGES_START: usize = BWRAP_NAMES_START + BWRAP_OPTIONS_LEN;
pub const BWRAP_USAGE_START: usize = BWRAP_MESSAGES_START + BWRAP_MESSAGES.len();
pub const BWRAP_TEXTS_END: usize = BWRAP_USAGE_START + BWRAP_USAGE_LEN;
const _: () = assert!(BWRAP_TEXTS_END == crate::base::packed::ERRNO_TEXTS_START, "build.rs packs bwrap's texts first");

/// The texts of every `msg!` of the bwrap personality's files, each ended
/// by a NUL (build.rs gathers them): read only when compiling, for their
/// offsets; their bytes are packed.
pub const BWRAP_MESSAGES: &str = include!(concat!(env!("OUT_DIR"), "/bwrap_messages.rs"));
const _: () = assert!(BWRAP_MESSAGES_LEN == BWRAP_MESSAGES.len(), "build.rs packs BWRAP_MESSAGES");

/// bwrap's texts, unpacked: in .bss, so only the packed bytes
/// are in the file. Written once, by nook as bwrap's parser
/// ([`unpack_bwrap_texts`]), before anything reads them: its processes
/// (the parser's, and the forks that set the container up) have them.
pub static mut BWRAP_TEXTS: [u8; BWRAP_TEXTS_END] = [0; BWRAP_TEXTS_END];

/// Unpacks [`BWRAP_TEXTS`]; once, first thing when nook is called bwrap.
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
macro_rules! in_bwrap_texts {
    ($names:expr, $start:expr, $word:literal) => {{
        const AT: usize = $start + $crate::base::words::offset_in($names, $word);
        // SAFETY: the texts are read only once unpack_bwrap_texts wrote
        // them, and AT is where the word and its NUL stand in them
        // (offset_in; the packed words are `names`, as the length asserts
        // and cli/bwrap.rs's unit test check).
        unsafe {
            ::core::ffi::CStr::from_bytes_with_nul_unchecked(
                (*::core::ptr::addr_of!($crate::base::bwrap::BWRAP_TEXTS)).get_unchecked(AT..AT + $word.len() + 1),
            )
        }
    }};
}
pub(crate) use in_bwrap_texts;

/// A message of the bwrap personality (cli/bwrap.rs, setup/bwrap.rs,
/// setup/tree/bwrap.rs), packed: build.rs gathers the text of every use,
/// in order, into [`BWRAP_MESSAGES`]. A `&'static CStr` in the unpacked
/// texts, so for nook as bwrap's processes only.
macro_rules! msg {
    ($text:literal) => {
        $crate::base::bwrap::in_bwrap_texts!($crate::base::bwrap::BWRAP_MESSAGES, $crate::base::bwrap::BWRAP_MESSAGES_START, $text)
    };
}
pub(crate) use msg;
