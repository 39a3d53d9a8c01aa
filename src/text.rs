//! A fixed-capacity, NUL-terminated byte string for building paths and
//! "key=value" entries without an allocator.

use core::ffi::CStr;
use rustix::io::Errno;

pub struct Buf<const N: usize> {
    buf: [u8; N],
    len: usize,
    overflow: bool,
}

impl<const N: usize> Default for Buf<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Buf<N> {
    pub const fn new() -> Self {
        Buf { buf: [0; N], len: 0, overflow: false }
    }

    /// Appends bytes; past the capacity (one byte is kept for the NUL) the
    /// buffer is marked overflowed and [`Buf::as_cstr`] fails.
    pub fn push(&mut self, s: &[u8]) -> &mut Self {
        if self.len + s.len() < N {
            self.buf[self.len..self.len + s.len()].copy_from_slice(s);
            self.len += s.len();
        } else {
            self.overflow = true;
        }
        self
    }

    pub fn dec(&mut self, n: u64) -> &mut Self {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut v = n;
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.push(&digits[i..])
    }

    pub fn octal(&mut self, n: u32) -> &mut Self {
        let mut digits = [0u8; 11];
        let mut i = digits.len();
        let mut v = n;
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 8) as u8;
            v /= 8;
            if v == 0 {
                break;
            }
        }
        self.push(&digits[i..])
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
    pub fn as_cstr(&mut self) -> Result<&CStr, Errno> {
        if self.overflow {
            return Err(Errno::NAMETOOLONG);
        }
        self.buf[self.len] = 0;
        CStr::from_bytes_with_nul(&self.buf[..=self.len]).map_err(|_| Errno::INVAL)
    }
}
