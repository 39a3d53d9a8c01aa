//! A fixed-capacity, NUL-terminated byte string for building paths and
//! "key=value" entries without an allocator.

use core::ffi::CStr;
use core::ops::{Deref, DerefMut};
use rustix::io::Errno;

/// The bytes, over storage `B`: `[u8; N]` to own them ([`Buf`]), `[u8]` to
/// work on them. The methods are written once, for `Buffer<[u8]>`, which
/// every `Buf<N>` derefs to: each buffer size nook uses does not bring its
/// own copy of the code.
pub struct Buffer<B: ?Sized> {
    len: usize,
    overflow: bool,
    buf: B,
}

/// A buffer of N bytes (one is kept for the NUL).
pub type Buf<const N: usize> = Buffer<[u8; N]>;

impl<const N: usize> Default for Buf<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Buf<N> {
    pub const fn new() -> Self {
        Buffer { len: 0, overflow: false, buf: [0; N] }
    }
}

impl<const N: usize> Deref for Buf<N> {
    type Target = Buffer<[u8]>;
    fn deref(&self) -> &Buffer<[u8]> {
        self
    }
}

impl<const N: usize> DerefMut for Buf<N> {
    fn deref_mut(&mut self) -> &mut Buffer<[u8]> {
        self
    }
}

impl Buffer<[u8]> {
    /// Appends bytes; past the capacity (one byte is kept for the NUL) the
    /// buffer is marked overflowed and [`Buffer::as_cstr`] fails.
    #[inline(never)]
    pub fn push(&mut self, s: &[u8]) -> &mut Self {
        // One byte always stays free for the terminating NUL.
        let end = self.len + s.len();
        if end < self.buf.len() {
            self.buf[self.len..end].copy_from_slice(s);
            self.len = end;
        } else {
            self.overflow = true;
        }
        self
    }

    #[inline(never)]
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
        &self.buf[..self.len]
    }

    /// The contents as a C string: ENAMETOOLONG after an overflow, EINVAL
    /// when an interior NUL was pushed.
    #[inline(never)]
    pub fn as_cstr(&mut self) -> Result<&CStr, Errno> {
        if self.overflow {
            return Err(Errno::NAMETOOLONG);
        }
        let text = &self.buf[..self.len];
        if text.contains(&0) {
            return Err(Errno::INVAL);
        }
        self.buf[self.len] = 0;
        // SAFETY: NUL-terminated just now, and no NUL before.
        Ok(unsafe { CStr::from_bytes_with_nul_unchecked(&self.buf[..=self.len]) })
    }
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

/// The digits of `n` in `radix`, right-aligned in `out`.
#[inline(never)]
pub fn digits_of(mut n: u64, radix: u64, out: &mut [u8; 22]) -> &[u8] {
    let mut i = out.len();
    loop {
        i -= 1;
        out[i] = b'0' + (n % radix) as u8;
        n /= radix;
        if n == 0 {
            return &out[i..];
        }
    }
}
