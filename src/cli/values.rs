//! The values of options and variables: numbers, sizes, id ranges, modes,
//! words. Each returns the usage error that names the option (or, when
//! given, the value) on a mistake.

use crate::base::error::{Failure, Result};
use crate::plan::{IdRange, Propagation};
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
        $crate::cli::values::Words { names: concat!($($word, "\0"),*), values: &[$($value),*] }
    };
}
pub(crate) use words;

impl<T: Copy> Words<T> {
    /// The value of `word`. Matching through a table (rather than a `match`
    /// on byte strings, which compiles to a byte-by-byte compare per arm)
    /// keeps the binary small.
    pub(crate) fn find(&self, word: &[u8]) -> Option<T> {
        self.find_named(word).map(|(_, value)| value)
    }

    /// The value of `word`, and the table's own copy of the word as a C
    /// string (for an error to name).
    pub(crate) fn find_named(&self, word: &[u8]) -> Option<(&'static CStr, T)> {
        let (index, at) = locate(self.names, word)?;
        let value = *self.values.get(index)?;
        let name = self.names.as_bytes().get(at..=at + word.len())?;
        // SAFETY: the word as found in `names`, which ends it with a NUL
        // (see `words!`) and holds none inside it.
        Some((unsafe { CStr::from_bytes_with_nul_unchecked(name) }, value))
    }
}

/// Where `word` stands among the NUL-terminated `names`: its index, and
/// the offset of its first byte.
#[inline(never)]
fn locate(names: &str, word: &[u8]) -> Option<(usize, usize)> {
    let mut at = 0;
    for (index, name) in names.as_bytes().split(|&b| b == 0).enumerate() {
        if name == word {
            return Some((index, at));
        }
        at += name.len() + 1;
    }
    None
}

pub(crate) fn boolean(v: &CStr) -> Option<bool> {
    const WORDS: Words<bool> = words![
        "1" => true, "true" => true, "yes" => true, "on" => true,
        "0" => false, "false" => false, "no" => false, "off" => false, "" => false,
    ];
    WORDS.find(v.to_bytes())
}

pub(crate) fn propagation(v: &CStr) -> Result<'_, Propagation> {
    const MODES: Words<Propagation> = words![
        "private" => Propagation::Private,
        "slave" => Propagation::Slave,
        "shared" => Propagation::Shared,
        "unchanged" => Propagation::Unchanged,
    ];
    MODES.find(v.to_bytes())
        .ok_or_else(|| Failure::usage(c"propagation", v, c"is not private, slave, shared or unchanged"))
}

/// An unsigned number in `radix`, at most `max`.
pub(crate) fn number<'a>(option: &'a CStr, v: &'a CStr, radix: u32, max: u64) -> Result<'a, u64> {
    parse_number(v.to_bytes(), radix)
        .filter(|&n| n <= max)
        .ok_or_else(|| bad_value(option, v, bad_number_text(radix)))
}

/// A usage error of a value that does not parse: it names the value, or
/// the option when the value is empty.
pub(crate) fn bad_value<'a>(option: &'a CStr, v: &'a CStr, detail: &'static CStr) -> Failure<'a> {
    Failure::option(if v.is_empty() { option } else { v }, detail)
}

pub(crate) fn bad_number_text(radix: u32) -> &'static CStr {
    if radix == 8 { c"is not an octal mode up to 7777" } else { c"is not a number in range" }
}

pub fn parse_number(digits: &[u8], radix: u32) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &d in digits {
        let v = (d as char).to_digit(radix)?;
        n = n.checked_mul(radix as u64)?.checked_add(v as u64)?;
    }
    Some(n)
}

/// BYTES, optionally with a k, m or g suffix (powers of 1024): from 1 to
/// 2^63 - 1, as bwrap takes. tmpfs reads a size of 0 as no limit, and one
/// within a page of 2^64 rounds up to 0 pages.
pub(crate) fn size<'a>(option: &'a CStr, v: &'a CStr) -> Result<'a, u64> {
    let b = v.to_bytes();
    let (digits, shift) = match b.last() {
        Some(b'k' | b'K') => (&b[..b.len() - 1], 10),
        Some(b'm' | b'M') => (&b[..b.len() - 1], 20),
        Some(b'g' | b'G') => (&b[..b.len() - 1], 30),
        _ => (b, 0),
    };
    parse_number(digits, 10)
        .and_then(|n| n.checked_mul(1 << shift))
        .filter(|&n| n > 0 && n <= u64::MAX >> 1)
        .ok_or_else(|| bad_value(option, v, c"is not a size from 1 to 2^63-1 bytes"))
}

/// IN:OUT:COUNT
pub(crate) fn id_range<'a>(option: &'a CStr, v: &'a CStr) -> Result<'a, IdRange> {
    let mut fields = v.to_bytes().split(|&c| c == b':').map(|f| parse_number(f, 10).filter(|&n| n <= u32::MAX as u64));
    match (fields.next(), fields.next(), fields.next(), fields.next()) {
        (Some(Some(inside)), Some(Some(outside)), Some(Some(count)), None)
            if count > 0 && inside + count <= 1 << 32 && outside + count <= 1 << 32 =>
        {
            Ok(IdRange { inside: inside as u32, outside: outside as u32, count: count as u32 })
        }
        _ => Err(bad_value(option, v, c"is not IN:OUT:COUNT")),
    }
}

pub(crate) fn overlaps(a: &IdRange, b: &IdRange) -> bool {
    let meet = |a0: u32, b0: u32| {
        let (a0, b0) = (a0 as u64, b0 as u64);
        a0 < b0 + b.count as u64 && b0 < a0 + a.count as u64
    };
    meet(a.inside, b.inside) || meet(a.outside, b.outside)
}
