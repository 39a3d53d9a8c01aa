//! The texts nook stores packed (build.rs, `pack_texts`): in a build with
//! the bwrap personality, bwrap's option names, messages and usage
//! (src/cli/bwrap_usage.txt; base/bwrap.rs says where), first, as nook as
//! bwrap unpacks them at every launch and the stream unpacks from its
//! start; then strerror's texts of the errnos base/error.rs names, then
//! `nook --help`'s text (src/cli/help.txt), and last the failures' and
//! warnings' messages of `say!` (below). One stream, so that the help's
//! runs may repeat the errno texts' words ("file", "not", "directory").
//!
//! A `say!` message is unpacked only when it is printed: a launch that
//! reports nothing reads none of it and touches none of [`TEXTS`]'s pages
//! (issue 20: the launch's page faults). A failure is sent from a forked
//! helper as its pointers (base/error.rs, `Failure::send`), which name the
//! same bytes of TEXTS in the nook that receives it, and that nook's
//! `Failure::render` unpacks before it reads them.
//!
//! The format (build.rs, `pack`): LZ77 with a Huffman code, a canonical
//! one (deflate's kind) that the build makes for its texts. A symbol below
//! 0x80 is that byte; one from 0x80 repeats `RUN_MIN + symbol - 0x80`
//! bytes from a distance back, which follows in as many bits as the count
//! of bytes unpacked so far has. Bits are read from each byte's lowest
//! up, a code's highest bit first, a distance's lowest first. Against the
//! bytes of one or two it was (runs of 3 to 10 bytes, 4 KiB back), the
//! unpacker is 166 bytes longer, and the texts 184 bytes shorter in the
//! init-only build, 1,202 in every role's (a literal byte takes 4 to 5
//! bits rather than 8); it is slower too, some 15 ns a byte, which only
//! nook as bwrap pays at every launch, for its own texts alone since they
//! come first (some 20 us; behind the help they cost 0.14 ms). In
//! the setup segment (build.rs): PID 1 reads it only to report a
//! failure, and in the first segment its pages would be resident in every
//! init.

#[cfg_attr(not(any(test, feature = "fuzzing")), unsafe(link_section = ".text.setup.packed"))]
static PACKED: [u8; include!(concat!(env!("OUT_DIR"), "/packed_len.rs"))] =
    *include_bytes!(concat!(env!("OUT_DIR"), "/texts.packed"));

/// Where PACKED's parts end: the code's counts of symbols of each bit
/// length from 1 up, then its symbols in code order. The bits follow.
const ENDS: [usize; 2] = include!(concat!(env!("OUT_DIR"), "/packed_ends.rs"));

/// build.rs's shortest run, as it packed them.
const RUN_MIN: usize = include!(concat!(env!("OUT_DIR"), "/run_min.rs"));

/// Where the errno texts start: after bwrap's texts (none without it).
pub const ERRNO_TEXTS_START: usize = include!(concat!(env!("OUT_DIR"), "/errno_texts_start.rs"));

/// The errno texts' bytes: "EPERM\0Operation not permitted\0ENOENT\0...",
/// each errno's C name and text in base/error.rs's order.
pub const ERRNO_TEXTS_LEN: usize = include!(concat!(env!("OUT_DIR"), "/errno_texts_len.rs"));

/// The help's bytes, which follow them.
pub const HELP_LEN: usize = include!(concat!(env!("OUT_DIR"), "/help_len.rs"));

/// How many tabs the help holds (cli/help.rs expands them).
pub const HELP_TABS: usize = include!(concat!(env!("OUT_DIR"), "/help_tabs.rs"));

/// The 25 bits of PACKED from bit `at` on, the first the lowest: a
/// symbol's code or a distance, without a call a bit (build.rs ends
/// PACKED with three zero bytes, so that the last bits have their four).
#[inline(never)]
fn peek(at: usize) -> u32 {
    let window = PACKED.get(at / 8..at / 8 + 4).and_then(|w| w.try_into().ok()).map_or(0, u32::from_le_bytes);
    window >> (at % 8)
}

/// The first `out.len()` bytes of the unpacked texts, into `out`.
#[inline(never)]
pub fn unpack(out: &mut [u8]) {
    let [symbols, bits] = ENDS;
    // The place of the next bit in PACKED.
    let mut at = bits * 8;
    let mut len = 0;
    while len < out.len() {
        // The next symbol: canonical decoding, a bit a length. The code
        // read so far, less the codes of the lengths before, and where
        // its length's symbols start.
        let (mut code, mut index) = (0, symbols);
        let mut next = peek(at);
        for &count in PACKED.get(..symbols).unwrap_or_default() {
            code = code << 1 | (next & 1) as usize;
            next >>= 1;
            at += 1;
            if code < count as usize {
                break;
            }
            code -= count as usize;
            index += count as usize;
        }
        let symbol = PACKED.get(index + code).copied().unwrap_or(0) as usize;
        if symbol < 0x80 {
            if let Some(slot) = out.get_mut(len) {
                *slot = symbol as u8;
            }
            len += 1;
            continue;
        }
        // Its distance, in as many bits as `len` has (it is at most `len`).
        let distance_bits = usize::BITS - len.leading_zeros();
        let distance = (peek(at) & !(u32::MAX << distance_bits)) as usize;
        at += distance_bits as usize;
        let mut from = len.wrapping_sub(distance);
        // Byte by byte: a run may overlap what it repeats (build.rs's
        // runs start within what is unpacked: `from` is below `len`).
        for _ in 0..RUN_MIN + symbol - 0x80 {
            let c = out.get(from).copied().unwrap_or(0);
            let Some(slot) = out.get_mut(len) else { return };
            *slot = c;
            len += 1;
            from = from.wrapping_add(1);
        }
    }
}

/// The messages of every `say!` that this build packs (build.rs gathers
/// them from the files it names), each ended by a NUL: read only when
/// compiling, for their offsets; their bytes are packed, last.
pub const MESSAGES: &str = include!(concat!(env!("OUT_DIR"), "/messages.rs"));
// Every build packs the init's messages (build.rs): unpack_messages's mark,
// the first message byte, is there, and so are the errno texts before it.
const _: () = assert!(!MESSAGES.is_empty(), "every build packs messages");

/// Where [`MESSAGES`] start among the unpacked texts: after everything else.
pub const MESSAGES_START: usize = include!(concat!(env!("OUT_DIR"), "/messages_start.rs"));

/// The texts up to the end of [`MESSAGES`] (the stream unpacks from its
/// start), in .bss: written only by [`unpack_messages`], so a launch that
/// reports nothing never touches its pages. Last in .bss (build.rs), so
/// that it moves no static a launch does touch onto another page.
#[cfg_attr(not(any(test, feature = "fuzzing")), unsafe(link_section = ".bss.~nook.texts"))]
pub static mut TEXTS: [u8; MESSAGES_START + MESSAGES.len()] = [0; MESSAGES_START + MESSAGES.len()];

/// Unpacks [`TEXTS`], once, before a failure's report or a trace line
/// reads a message of `say!`: in the process that prints (a failure sent
/// by a forked helper is its pointers, read by the nook that waits).
#[cold]
#[inline(never)]
pub fn unpack_messages() {
    // Unit tests (many threads) have plain `say!`s: nothing to unpack.
    if cfg!(any(test, feature = "fuzzing")) {
        return;
    }
    // It is written once: the first message byte, never NUL, marks it
    // unpacked. Only then is a reference into it made (a `say!`'s is only
    // turned into the pointer kept; `unpacked`'s is made after this).
    // SAFETY: single-threaded; a read of one byte, through no reference,
    // within TEXTS (MESSAGES, after MESSAGES_START, is not empty).
    let unpacked = unsafe { core::ptr::addr_of!(TEXTS).cast::<u8>().add(MESSAGES_START).read() } != 0;
    if !unpacked {
        // SAFETY: no reference into TEXTS exists before it is unpacked (above).
        unpack(unsafe { &mut *core::ptr::addr_of_mut!(TEXTS) });
    }
}

/// The texts, unpacked: [`TEXTS`], which [`unpack_messages`] fills (the
/// messages come last), so that a failure's report, `--help` and its
/// "did you mean" unpack the stream once and need no buffer of their own.
#[cfg(not(any(test, feature = "fuzzing")))]
pub fn unpacked() -> &'static [u8] {
    unpack_messages();
    // SAFETY: TEXTS is written once, by unpack_messages, which has run and
    // so never writes it or takes a reference to it again.
    unsafe { &*core::ptr::addr_of!(TEXTS) }
}

/// Unit tests' and the fuzzer's (many threads, plain `say!`s, no TEXTS
/// unpacked): one copy of their own, unpacked once and kept (a copy made
/// at each call would be a leak to the fuzzer's LeakSanitizer).
#[cfg(any(test, feature = "fuzzing"))]
pub fn unpacked() -> &'static [u8] {
    static COPY: std::sync::OnceLock<std::vec::Vec<u8>> = std::sync::OnceLock::new();
    COPY.get_or_init(|| {
        let mut texts = std::vec![0u8; MESSAGES_START + MESSAGES.len()];
        unpack(&mut texts);
        texts
    })
}

/// The errno texts, unpacked (see [`ERRNO_TEXTS_LEN`]).
pub fn errno_texts() -> &'static [u8] {
    unpacked().get(ERRNO_TEXTS_START..ERRNO_TEXTS_START + ERRNO_TEXTS_LEN).unwrap_or_default()
}

/// The help, unpacked (see [`HELP_LEN`]).
pub fn help_text() -> &'static [u8] {
    const START: usize = ERRNO_TEXTS_START + ERRNO_TEXTS_LEN;
    unpacked().get(START..START + HELP_LEN).unwrap_or_default()
}

/// Where `text` and its NUL stand among the unpacked texts (in
/// [`MESSAGES`], maybe as the end of a longer message), or None when this
/// build does not pack it: for `say!`, when compiling.
pub const fn message_at(text: &str) -> Option<usize> {
    let (all, text) = (MESSAGES.as_bytes(), text.as_bytes());
    let mut end = 0;
    while end < all.len() {
        if all[end] == 0 && end >= text.len() {
            let mut i = 0;
            while i < text.len() && all[end - text.len() + i] == text[i] {
                i += 1;
            }
            if i == text.len() {
                return Some(MESSAGES_START + end - text.len());
            }
        }
        end += 1;
    }
    None
}

/// A message that is only ever printed (a failure's step, detail or hint,
/// a trace's step), as a `&'static CStr`: in a build that packs its file
/// (build.rs, `MESSAGE_FILES`), one in [`TEXTS`], at an offset found when
/// compiling, which only [`unpack_messages`] fills, so read it only through
/// `Failure`'s report or a trace line; elsewhere (and in unit tests) the
/// plain C string. Never for a syscall's argument (a path, a type): those
/// stay plain.
macro_rules! say {
    ($text:literal) => {{
        const AT: Option<usize> = if cfg!(any(test, feature = "fuzzing")) { None } else { $crate::base::packed::message_at($text) };
        match AT {
            // SAFETY: AT..AT + len + 1 is the text and its NUL among the
            // texts (message_at), which are read only once unpacked.
            Some(at) => unsafe {
                ::core::ffi::CStr::from_bytes_with_nul_unchecked(
                    (*::core::ptr::addr_of!($crate::base::packed::TEXTS)).get_unchecked(at..at + $text.len() + 1),
                )
            },
            None => const {
                match ::core::ffi::CStr::from_bytes_with_nul(concat!($text, "\0").as_bytes()) {
                    Ok(plain) => plain,
                    Err(_) => panic!("a message holds a NUL"),
                }
            },
        }
    }};
}
pub(crate) use say;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_packed_messages_are_says() {
        let mut texts = std::vec![0u8; MESSAGES_START + MESSAGES.len()];
        unpack(&mut texts);
        assert_eq!(&texts[MESSAGES_START..], MESSAGES.as_bytes(), "build.rs packed MESSAGES");
        assert!(MESSAGES.is_empty() || message_at("unknown option").is_some(), "cli/run.rs's say!s are packed");
        assert_eq!(message_at("no such message, anywhere"), None);
    }
}
