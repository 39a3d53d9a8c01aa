//! File descriptors borrowed for a system call without rustix's check,
//! at every use, that the number is not -1: each check is a panic path
//! (about 450 bytes over the container machinery), and nook's fds are
//! never -1. Below sys.rs and legacy.rs, which both use them.

use rustix::fd::{AsFd, BorrowedFd, OwnedFd};

/// `fd` borrowed for a system call, without the check rustix's `as_fd`
/// makes at every use, that it is not -1, each check a panic path: no
/// OwnedFd is -1 (rustix asserts it where one is made from a number, and
/// no system call returns it as an fd).
#[inline(always)]
pub fn borrow(fd: &OwnedFd) -> BorrowedFd<'_> {
    let raw = rustix::fd::AsRawFd::as_raw_fd(fd);
    // SAFETY: see above: an OwnedFd's number is never -1.
    unsafe { core::hint::assert_unchecked(raw != -1) };
    fd.as_fd()
}

/// A caller's fd of the plan (`--block-fd`, `--sync-fd`, `--file`'s, ...)
/// borrowed, without borrow_raw's check that it is not -1, a panic path at
/// each use.
///
/// # Safety
/// As for borrow_raw: `fd` stays open while the result is used, and is
/// not -1. The parsers take fds as numbers from 0 to i32::MAX (the
/// wrapper fds also checked open, cli/values.rs's open_fd, or moved above
/// stdio), and nook closes each only after its last use.
#[inline(always)]
pub unsafe fn borrow_given(fd: i32) -> BorrowedFd<'static> {
    // SAFETY: the caller's contract.
    unsafe {
        core::hint::assert_unchecked(fd != -1);
        BorrowedFd::borrow_raw(fd)
    }
}
