//! Packed word tables: the option, variable and value names of every role
//! in one string each, looked up by one shared loop.

use crate::base::text::SplitOn;
use core::ffi::CStr;

/// A table of words and their values, the words packed in one string
/// ("--help\0-h\0..."): a table of (slice, value) pairs would spend 16
/// bytes of pointer and length on each word. Built with [`words!`].
pub(crate) struct Words<T: 'static> {
    pub names: &'static str,
    pub values: &'static [T],
}

/// `words!["private" => Propagation::Private, ...]`: a [`Words`] table.
macro_rules! words {
    ($($word:literal => $value:expr),* $(,)?) => {
        $crate::base::words::Words { names: concat!($($word, "\0"),*), values: &[$($value),*] }
    };
}
pub(crate) use words;

impl<T: Copy> Words<T> {
    /// The value of `word`. Matching through a table (rather than a `match`
    /// on byte strings, which compiles to a byte-by-byte compare per arm)
    /// keeps the binary small. Always inlined: the table's pointers and
    /// lengths are then immediates at the call, where a call through
    /// `&TABLE` needed the table (32 bytes of pointers and lengths) in
    /// .rodata and an instance of this per value type (measured: -144
    /// bytes init-only, -112 default).
    #[inline(always)]
    pub(crate) fn find(&self, word: &[u8]) -> Option<T> {
        // Not through `find_named`: its check of the name's bounds would
        // stay in every instance. The index is checked in `index`, shared
        // by every instance: each instance is then only the load.
        let i = index(self.names, self.values.len(), word)?;
        // SAFETY: `index` returns only indices below the length passed.
        Some(unsafe { *self.values.get_unchecked(i) })
    }

    /// The value of `word`, and the table's own copy of the word as a C
    /// string (for an error to name).
    pub(crate) fn find_named(&self, word: &[u8]) -> Option<(&'static CStr, T)> {
        let (index, at) = locate(self.names, word)?;
        let value = *self.values.get(index)?;
        // The word numbered `index`, below the count of values, is one of
        // those `words!` ends with a NUL (only the empty piece after the
        // last NUL is numbered as many as the values).
        // SAFETY: `locate` found it at `at` in `names`, so its bytes and
        // its NUL are within `names`: no range of them to check.
        Some((unsafe { CStr::from_bytes_with_nul_unchecked(core::slice::from_raw_parts(self.names.as_ptr().add(at), word.len() + 1)) }, value))
    }
}

/// `word` as a C string that points into `names` (a table's packed words),
/// so that a message or argv naming an option shares the table's bytes
/// rather than holding a copy of its own. Meant for const contexts (see
/// [`named!`]): a word the table lacks then fails the build.
pub(crate) const fn word_in(names: &'static str, word: &str) -> &'static CStr {
    let (_, tail) = names.as_bytes().split_at(offset_in(names, word));
    let (found, _) = tail.split_at(word.len() + 1);
    match CStr::from_bytes_with_nul(found) {
        Ok(name) => name,
        Err(_) => panic!("a word holds a NUL"),
    }
}

/// Where `word` starts among `names` (a table's packed words), for const
/// contexts: a word the table lacks fails the build. Also for nook as
/// bwrap, whose names are unpacked at run time (cli/bwrap.rs).
pub(crate) const fn offset_in(names: &str, word: &str) -> usize {
    let (names, word) = (names.as_bytes(), word.as_bytes());
    let mut at = 0;
    while at < names.len() {
        let mut end = at;
        while names[end] != 0 {
            end += 1;
        }
        if end - at == word.len() {
            let mut i = 0;
            while i < word.len() && names[at + i] == word[i] {
                i += 1;
            }
            if i == word.len() {
                return at;
            }
        }
        at = end + 1;
    }
    panic!("the word is not in the table")
}

/// `named!(RUN_OPTIONS, "--hostname")`: the table's own copy of the word as
/// a `&'static CStr`, found when compiling (see [`word_in`]).
macro_rules! named {
    ($table:expr, $word:literal) => {
        const { $crate::base::words::word_in($table.names, $word) }
    };
}
pub(crate) use named;

/// The value of `word` in a table whose words were packed elsewhere
/// (`names`, NUL-terminated, in the order of `values`): nook as bwrap's
/// options, unpacked at run time (base/packed.rs).
#[cfg_attr(not(feature = "bwrap"), allow(dead_code))]
pub(crate) fn find_in<T: Copy>(names: &[u8], values: &[T], word: &[u8]) -> Option<T> {
    values.get(locate_bytes(names, word)?.0).copied()
}

/// The index of `word` among `names`, if below `len`.
#[inline(never)]
pub(crate) fn index(names: &str, len: usize, word: &[u8]) -> Option<usize> {
    locate(names, word).map(|(i, _)| i).filter(|&i| i < len)
}

/// Where `word` stands among the NUL-terminated `names`: its index, and
/// the offset of its first byte.
#[inline(never)]
fn locate(names: &str, word: &[u8]) -> Option<(usize, usize)> {
    locate_bytes(names.as_bytes(), word)
}

/// Whether `word` is one of the NUL-terminated `names` (a packed list
/// that is no [`Words`] table: `nook mounts`'s pseudo filesystems). The
/// empty word never is (the piece after the last NUL).
pub(crate) fn listed(names: &[u8], word: &[u8]) -> bool {
    !word.is_empty() && locate_bytes(names, word).is_some()
}

fn locate_bytes(names: &[u8], word: &[u8]) -> Option<(usize, usize)> {
    let mut at = 0;
    for (index, name) in names.split_on(0).enumerate() {
        if name == word {
            return Some((index, at));
        }
        at += name.len() + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: Words<u8> = words!["--bind" => 1, "--ro-bind" => 2, "--bind-try" => 3];

    #[test]
    fn named_points_into_the_table() {
        let names = TABLE.names.as_bytes().as_ptr_range();
        for (word, name) in [("--bind", named!(TABLE, "--bind")), ("--ro-bind", named!(TABLE, "--ro-bind")), ("--bind-try", named!(TABLE, "--bind-try"))] {
            assert_eq!(name.to_bytes(), word.as_bytes());
            assert!(names.contains(&name.as_ptr().cast::<u8>()), "{word} is a copy of its own, not the table's");
        }
    }
}
