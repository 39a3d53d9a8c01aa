//! A fixed-capacity, NUL-terminated byte string for building paths and
//! "key=value" entries without an allocator.

use core::ffi::CStr;
use core::mem::MaybeUninit;
use core::ops::{Deref, DerefMut};
use rustix::io::Errno;

/// The bytes, over storage `B`: an array to own them ([`Buf`]), a slice to
/// work on them. The methods are written once, for the slice, which every
/// `Buf<N>` derefs to: each buffer size nook uses does not bring its own
/// copy of the code.
///
/// The storage starts uninitialized (zeroing a 4 KiB path buffer costs
/// code at every site, and time); only the first `len` bytes are ever
/// read, and each was written before `len` grew over it.
pub struct Buffer<B: ?Sized> {
    len: usize,
    overflow: bool,
    buf: B,
}

/// A buffer of N bytes (one is kept for the NUL).
pub type Buf<const N: usize> = Buffer<[MaybeUninit<u8>; N]>;

impl<const N: usize> Default for Buf<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Buf<N> {
    pub const fn new() -> Self {
        Buffer { len: 0, overflow: false, buf: [MaybeUninit::uninit(); N] }
    }
}

impl<const N: usize> Deref for Buf<N> {
    type Target = Buffer<[MaybeUninit<u8>]>;
    fn deref(&self) -> &Buffer<[MaybeUninit<u8>]> {
        self
    }
}

impl<const N: usize> DerefMut for Buf<N> {
    fn deref_mut(&mut self) -> &mut Buffer<[MaybeUninit<u8>]> {
        self
    }
}

impl Buffer<[MaybeUninit<u8>]> {
    /// Appends bytes; past the capacity (one byte is kept for the NUL) the
    /// buffer is marked overflowed and [`Buffer::as_cstr`] fails.
    #[inline(never)]
    pub fn push(&mut self, s: &[u8]) -> &mut Self {
        // One byte always stays free for the terminating NUL.
        let end = self.len + s.len();
        if end < self.buf.len() {
            // SAFETY: `s` fits in the storage from `len` on (checked above),
            // and a borrowed `s` cannot overlap the storage borrowed mutably.
            unsafe { copy_bytes(s, self.buf.as_mut_ptr().add(self.len).cast()) };
            self.len = end;
        } else {
            self.overflow = true;
        }
        self
    }

    // Out of line but in the init-only build, where one line has a
    // number (the reaped zombie's: -24 bytes inlined there).
    #[cfg_attr(not(nook_init_only), inline(never))]
    pub fn dec(&mut self, n: u64) -> &mut Self {
        let mut digits = [0u8; 22];
        self.push(digits_of(n, 10, &mut digits))
    }

    pub fn octal(&mut self, n: u32) -> &mut Self {
        let mut digits = [0u8; 22];
        self.push(digits_of(n as u64, 8, &mut digits))
    }

    pub fn overflowed(&self) -> bool {
        self.overflow
    }

    pub fn clear(&mut self) {
        self.len = 0;
        self.overflow = false;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: the first `len` bytes were written (see the type).
        unsafe { core::slice::from_raw_parts(self.buf.as_ptr().cast(), self.len) }
    }

    /// The contents as a C string: ENAMETOOLONG after an overflow, EINVAL
    /// when an interior NUL was pushed.
    #[inline(never)]
    pub fn as_cstr(&mut self) -> Result<&CStr, Errno> {
        if self.overflow {
            return Err(Errno::NAMETOOLONG);
        }
        if has_byte(self.as_bytes(), 0) {
            return Err(Errno::INVAL);
        }
        // `push` always leaves this one byte free (no index check for it).
        let Some(end) = self.buf.get_mut(self.len) else { return Err(Errno::NAMETOOLONG) };
        *end = MaybeUninit::new(0);
        // SAFETY: `len` bytes written and a NUL after them, none before.
        Ok(unsafe { CStr::from_bytes_with_nul_unchecked(core::slice::from_raw_parts(self.buf.as_ptr().cast(), self.len + 1)) })
    }
}

impl Buffer<[MaybeUninit<u8>]> {
    /// [`Buffer::as_cstr`] without the reason: None after an overflow or
    /// an interior NUL. The answer comes back in two registers, where the
    /// Result came through memory (boot's buffers: 11 calls).
    #[inline(never)]
    pub fn to_cstr(&mut self) -> Option<&CStr> {
        self.as_cstr().ok()
    }
}

/// Copies `src` to `dst`, byte by byte: each byte written volatile, so
/// that LLVM keeps the loop rather than calling memcpy, which it calls
/// through a GOT slot (the only one in the binary: 32 bytes of .data).
///
/// # Safety
/// `dst` is valid for `src.len()` bytes of writes and does not overlap `src`.
#[inline(always)]
pub unsafe fn copy_bytes(src: &[u8], dst: *mut u8) {
    for (i, &b) in src.iter().enumerate() {
        // SAFETY: the caller's contract; i < src.len().
        unsafe { dst.add(i).write_volatile(b) };
    }
}

/// The bytes of `text` as an array, for a static that must hold the bytes
/// themselves (one placed with `#[link_section]`) rather than a pointer.
pub const fn bytes_of<const N: usize>(text: &str) -> [u8; N] {
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = text.as_bytes()[i];
        i += 1;
    }
    out
}

/// `[u8]::split` on one byte, through one shared, out-of-line `next`:
/// each `split(|&b| b == SEP)` is a type of its own, and its `next` was
/// inlined at every one of some thirty sites.
pub trait SplitOn {
    /// The pieces between each `sep`, as `split` gives them: an empty
    /// piece between two separators or after a last one, and one empty
    /// piece for no bytes at all.
    fn split_on(&self, sep: u8) -> Pieces<'_>;
}

impl SplitOn for [u8] {
    fn split_on(&self, sep: u8) -> Pieces<'_> {
        Pieces { rest: Some(self), sep }
    }
}

/// The iterator of [`SplitOn::split_on`].
#[derive(Clone)]
pub struct Pieces<'a> {
    /// What is left after the last separator; None once the last piece
    /// was given.
    rest: Option<&'a [u8]>,
    sep: u8,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a [u8];

    #[inline(never)]
    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        match rest.iter().position(|&b| b == self.sep) {
            Some(i) => {
                let (piece, tail) = rest.split_at(i);
                self.rest = tail.get(1..);
                Some(piece)
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// Whether `bytes` holds `byte`: a plain loop, where `<[u8]>::contains`
/// brings core's 240-byte word-at-a-time memchr.
#[allow(clippy::manual_contains)]
pub fn has_byte(bytes: &[u8], byte: u8) -> bool {
    bytes.iter().any(|&b| b == byte)
}

/// The C strings packed one after another in `packed`, each ended by its
/// NUL ("a\0b\0" → "a", "b"): one string costs no pointer and length per
/// entry, as a table of C strings does.
// Out of line: inlined into both callers it took 20 bytes more.
#[inline(never)]
pub fn c_strings(packed: &[u8]) -> impl Iterator<Item = &CStr> {
    packed.split_inclusive(|&b| b == 0).filter(|s| s.last() == Some(&0))
        // SAFETY: each piece ends at its first NUL.
        .map(|s| unsafe { CStr::from_bytes_with_nul_unchecked(s) })
}

/// The C string from byte `at` of `s` on ("" past its end). Cheaper than
/// `CStr::from_bytes_with_nul`, which searches again for what a suffix of
/// a C string already guarantees.
pub fn c_tail(s: &CStr, at: usize) -> &CStr {
    match s.to_bytes_with_nul().get(at..) {
        // SAFETY: a suffix of a C string, its NUL included, holds no other NUL.
        Some(tail) if !tail.is_empty() => unsafe { CStr::from_bytes_with_nul_unchecked(tail) },
        _ => c"",
    }
}

/// The digits of `n` in `radix` (8 or more: 22 digits hold any u64),
/// right-aligned in `out`. A loop over `out`'s indices, so that no index
/// is checked (and no panic path kept).
#[inline(never)]
pub fn digits_of(mut n: u64, radix: u64, out: &mut [u8; 22]) -> &[u8] {
    let mut start = 0;
    for i in (0..out.len()).rev() {
        out[i] = b'0' + (n % radix) as u8;
        n /= radix;
        if n == 0 {
            start = i;
            break;
        }
    }
    out.get(start..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::SplitOn;

    #[test]
    fn split_on_gives_what_split_gives() {
        for text in [&b""[..], b"a", b",", b",,", b"a,b", b",a,", b"a,,b,", b"no separator"] {
            let ours: std::vec::Vec<&[u8]> = text.split_on(b',').collect();
            let core: std::vec::Vec<&[u8]> = text.split(|&b| b == b',').collect();
            assert_eq!(ours, core, "{:?}", std::string::String::from_utf8_lossy(text));
        }
    }
}
