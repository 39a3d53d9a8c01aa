//! The C memory routines the compiler's code calls (memset, memcpy,
//! memmove, bcmp, strlen), each one x86 string instruction: src/main.rs
//! exports them under the C names, so musl's (some 400 bytes of unrolled
//! loops together) stay out of the link. `rep movsb`/`rep stosb` are the
//! fast path of every x86_64 CPU since Ivy Bridge (ERMSB); nook copies
//! little.

use core::arch::asm;

/// Sets `n` bytes from `dest` on to `byte`.
///
/// # Safety
/// `dest` is valid for `n` bytes of writes.
#[inline(always)]
pub unsafe fn fill(dest: *mut u8, byte: u8, n: usize) {
    // SAFETY: the caller's contract; the ABI keeps the direction flag
    // clear, so rep stosb writes rdi..rdi+rcx upward.
    unsafe { asm!("rep stosb", inout("rdi") dest => _, inout("rcx") n => _, in("al") byte, options(nostack, preserves_flags)) };
}

/// Copies `n` bytes from `src` to `dest`, first byte first: also right for
/// overlapping ranges when `dest` is below `src`.
///
/// # Safety
/// `src` is valid for `n` bytes of reads, `dest` for `n` bytes of writes.
#[inline(always)]
pub unsafe fn copy_up(dest: *mut u8, src: *const u8, n: usize) {
    // SAFETY: the caller's contract; the direction flag is clear (the
    // ABI), and rep movsb moves byte by byte as far as software can tell.
    unsafe {
        asm!("rep movsb", inout("rdi") dest => _, inout("rsi") src => _, inout("rcx") n => _, options(nostack, preserves_flags))
    };
}

/// Copies `n` bytes from `src` to `dest`, last byte first: right for
/// overlapping ranges when `dest` is above `src`.
///
/// # Safety
/// As for [`copy_up`], and `n` is not 0.
#[inline(always)]
pub unsafe fn copy_down(dest: *mut u8, src: *const u8, n: usize) {
    // SAFETY: the caller's contract: the last byte of each range is at
    // n - 1. std makes rep movsb count down; cld restores the clear
    // direction flag the ABI requires.
    unsafe {
        asm!("std", "rep movsb", "cld",
            inout("rdi") dest.add(n - 1) => _, inout("rsi") src.add(n - 1) => _, inout("rcx") n => _,
            options(nostack))
    };
}

/// Whether the `n` bytes at `a` and at `b` differ.
///
/// # Safety
/// Both are valid for `n` bytes of reads.
#[inline(always)]
pub unsafe fn differ(a: *const u8, b: *const u8, n: usize) -> bool {
    let differ: u8;
    // SAFETY: the caller's contract. xor sets ZF, so that n = 0 (no
    // compare at all) reads as equal; repe cmpsb stops at the first
    // difference with ZF clear.
    unsafe {
        asm!("xor eax, eax", "repe cmpsb", "setne al",
            inout("rsi") a => _, inout("rdi") b => _, inout("rcx") n => _, out("al") differ,
            options(nostack, readonly))
    };
    differ != 0
}

/// The length of the C string at `s`.
///
/// # Safety
/// `s` points to a NUL-terminated string.
#[inline(always)]
pub unsafe fn c_len(s: *const u8) -> usize {
    let left: usize;
    // SAFETY: the caller's contract: repne scasb stops at the NUL. rcx
    // counts down from !0 once per byte read, the NUL included.
    unsafe {
        asm!("repne scasb", inout("rdi") s => _, inout("rcx") usize::MAX => left, in("al") 0u8,
            options(nostack, readonly))
    };
    !left - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_and_length() {
        let mut b = [1u8; 9];
        // SAFETY: in bounds.
        unsafe { fill(b.as_mut_ptr().add(2), 0, 5) };
        assert_eq!(b, [1, 1, 0, 0, 0, 0, 0, 1, 1]);
        // SAFETY: b[2] is a NUL.
        assert_eq!(unsafe { c_len(b.as_ptr()) }, 2);
        // SAFETY: a C string literal.
        assert_eq!(unsafe { c_len(c"".as_ptr().cast()) }, 0);
        // SAFETY: all in bounds.
        unsafe {
            assert!(!differ(b"abc".as_ptr(), b"abd".as_ptr(), 0));
            assert!(!differ(b"abc".as_ptr(), b"abd".as_ptr(), 2));
            assert!(differ(b"abc".as_ptr(), b"abd".as_ptr(), 3));
            assert!(differ(b"xbc".as_ptr(), b"abc".as_ptr(), 3));
        }
    }

    #[test]
    fn copies_overlapping_either_way() {
        let mut b = *b"abcdefgh";
        let p = b.as_mut_ptr();
        // SAFETY: both ranges inside b.
        unsafe { copy_down(p.add(2), p, 5) };
        assert_eq!(&b, b"ababcdeh");
        let mut b = *b"abcdefgh";
        let p = b.as_mut_ptr();
        // SAFETY: both ranges inside b.
        unsafe { copy_up(p, p.add(2), 5) };
        assert_eq!(&b, b"cdefgfgh");
    }
}
