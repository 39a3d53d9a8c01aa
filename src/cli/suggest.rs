//! What a usage error can tell beyond "wrong": the name of a missing value
//! (`missing DEST`), and the option an unknown one was probably meant to be
//! (`did you mean --unshare-net?`), including bwrap's and unshare(1)'s
//! spellings of nook's options. Both read `nook --help`'s own text, which
//! lists every option with its values (tests/help.rs keeps it so): one
//! source, no second table to drift.
//!
//! Only failures call these, and a failure ends nook, so the texts they
//! compose can live in one static buffer each.

use crate::base::packed::say;
use crate::base::text::SplitOn;
use crate::base::packed::help_text;
use crate::base::error::Failure;
use crate::base::text::Buf;
use core::ffi::CStr;

static mut TEXT: Buf<96> = Buf::new();

/// `pieces` joined, as a static C string (see the module's comment).
pub(super) fn compose(pieces: &[&[u8]]) -> &'static CStr {
    // SAFETY: single-threaded; only a failure's text is built here, and the
    // failure ends nook before a second one could overwrite it.
    let text = unsafe { &mut *core::ptr::addr_of_mut!(TEXT) };
    text.clear();
    for piece in pieces {
        text.push(piece);
    }
    // SAFETY: TEXT is static and never written again (see above).
    text.as_cstr().map(|c| unsafe { &*(c as *const CStr) }).unwrap_or(say!("missing value"))
}

/// What the help's option lines (`  --bind SRC DEST\tbind mount ...`: the
/// option, then the names of its values) tell of the option `name`: with
/// `value` Some(i), "missing NAME" of its value number i (from 0), if the
/// help names one; with None, "did you mean --OPTION?" of the first
/// option that differs from it by a typo (see [`difference`]), if one
/// does. One function for both: two closures through a shared loop took
/// some 200 bytes more.
#[inline(never)]
fn from_help(name: &[u8], value: Option<usize>) -> Option<&'static CStr> {
    let (mut best, mut found) = (3, None);
    for line in help_text().split_on(b'\n') {
        let [b' ', b' ', b'-', ..] = line else { continue };
        // The option and its value names, one word each (split by the
        // shared splitter, as the lines are).
        let mut words = line[2..].split_on(b'\t').next().unwrap_or_default().split_on(b' ');
        let option = words.next().unwrap_or_default();
        match value {
            Some(index) if option == name => {
                for _ in 0..index {
                    words.next();
                }
                return words.next().filter(|v| !v.is_empty()).map(|v| compose(&[b"missing ", v]));
            }
            None => {
                let d = difference(name, option);
                // 0: the option itself, another role's: no typo to point at.
                if d < best && d > 0 {
                    best = d;
                    found = Some(compose(&[b"did you mean ", option, b"?"]));
                }
            }
            Some(_) => {}
        }
    }
    found
}

/// `option`'s value number `index` (from 0) is missing, or is `--`.
#[cold]
#[inline(never)]
pub(super) fn missing<'a>(option: &'a CStr, name: &[u8], index: usize) -> Failure<'a> {
    Failure::option(option, from_help(name, Some(index)).unwrap_or(say!("missing value")))
}

/// Other tools' spellings of nook's options: groups of nook's spelling
/// and then the others', each group ended by an empty word (each of
/// nook's once rather than once per other spelling).
/// In the setup segment (build.rs), like the code that reads it. Only
/// with run, whose options they are.
#[cfg(feature = "run")]
#[cfg_attr(not(any(test, feature = "fuzzing")), unsafe(link_section = ".text.setup.suggest"))]
static FOREIGN: [u8; FOREIGN_TEXT.len()] = *FOREIGN_TEXT;
#[cfg(feature = "run")]
const FOREIGN_TEXT: &[u8; 211] = b"--map-user\0--uid\0\0--map-group\0--gid\0\0--map-root\0-r\0--map-root-user\0\0\
    --unshare-user\0-U\0--user\0\0--unshare-pid\0-f\0--fork\0\0--proc\0--mount-proc\0\0\
    --unshare-net\0-n\0--net\0\0--unshare-uts\0-u\0--uts\0\0--unshare-ipc\0-i\0--ipc\0";

/// An unknown option: with "did you mean ...?" when bwrap or unshare(1)
/// spell one of nook's so, or when one of nook's differs in at most two
/// bytes in a row (a typo: a letter wrong, missing, doubled or swapped).
#[cold]
#[inline(never)]
pub(super) fn unknown<'a>(option: &'a CStr, detail: &'static CStr) -> Failure<'a> {
    let name = super::name(option);
    let failure = Failure::option(option, detail);
    #[cfg(feature = "run")]
    if let Some(ours) = foreign(name) {
        return failure.hint(compose(&[b"did you mean ", ours, b"?"]));
    }
    let near = if name.len() > 3 { from_help(name, None) } else { None };
    failure.hint(near.unwrap_or(say!("see nook --help")))
}

/// nook's spelling of `name`, when it is another tool's (see [`FOREIGN`]).
#[cfg(feature = "run")]
fn foreign(name: &[u8]) -> Option<&'static [u8]> {
    let mut ours: &[u8] = b"";
    for word in FOREIGN.split_on(0) {
        if ours.is_empty() || word.is_empty() {
            ours = word;
        } else if word == name {
            return Some(ours);
        }
    }
    None
}

/// How many bytes of the longer of `a` and `b` lie outside their common
/// prefix and suffix: 1 for a letter wrong, missing or doubled, 2 for two
/// letters swapped.
fn difference(a: &[u8], b: &[u8]) -> usize {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let most = a.len().min(b.len()) - prefix;
    let suffix = a.iter().rev().zip(b.iter().rev()).take(most).take_while(|(x, y)| x == y).count();
    a.len().max(b.len()) - prefix - suffix
}

#[cfg(test)]
mod tests {
    use super::difference;

    #[test]
    fn difference_counts_the_bytes_of_a_typo() {
        assert_eq!(difference(b"--unshare-net", b"--unshare-net"), 0);
        assert_eq!(difference(b"--unshare-nett", b"--unshare-net"), 1);
        assert_eq!(difference(b"--unshrae-net", b"--unshare-net"), 2);
        assert_eq!(difference(b"--unshare-ne", b"--unshare-net"), 1);
        assert_eq!(difference(b"--bnid", b"--bind"), 2);
        assert_eq!(difference(b"--bimd", b"--bind"), 1);
        assert!(difference(b"--tmpfs", b"--bind") > 2);
        assert!(difference(b"--sys", b"--pid") > 2);
    }
}
