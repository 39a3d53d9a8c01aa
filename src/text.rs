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
        push_into(&mut self.buf, &mut self.len, &mut self.overflow, s);
        self
    }

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
    pub fn as_cstr(&mut self) -> Result<&CStr, Errno> {
        terminate(&mut self.buf, self.len, self.overflow)
    }
}

// The work is done once, outside the generic type, so that each buffer size
// nook uses does not bring its own copy of the code.

#[inline(never)]
fn push_into(buf: &mut [u8], len: &mut usize, overflow: &mut bool, s: &[u8]) {
    // One byte always stays free for the terminating NUL.
    let end = *len + s.len();
    if end < buf.len() {
        buf[*len..end].copy_from_slice(s);
        *len = end;
    } else {
        *overflow = true;
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

#[inline(never)]
fn terminate(buf: &mut [u8], len: usize, overflow: bool) -> Result<&CStr, Errno> {
    if overflow {
        return Err(Errno::NAMETOOLONG);
    }
    buf[len] = 0;
    CStr::from_bytes_with_nul(&buf[..=len]).map_err(|_| Errno::INVAL)
}
