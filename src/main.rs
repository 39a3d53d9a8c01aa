//! The nook binary: musl's crt1 starts it; everything else is the library.
#![no_std]
#![no_main]

use core::ffi::{c_char, c_int};
use nook::plan::Argv;

/// # Safety
/// Called by crt1 (through `__libc_start_main` below) with the kernel's
/// argc, argv and envp.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn main(argc: c_int, argv: *const *const c_char, envp: *const *const c_char) -> c_int {
    // SAFETY: the kernel lays out argc strings followed by a null pointer,
    // and a null-terminated envp; both live as long as the process.
    let (argv, envp) = unsafe { (Argv::from_raw(argv, argc as usize), Argv::from_null_terminated(envp)) };
    // SAFETY: the one call, on the one thread.
    nook::kernel::raw::exit_group(unsafe { nook::main(argv, envp) })
}

/// Replaces musl's own: crt1.o calls `__libc_start_main(main, argc, argv)`,
/// and defining it here keeps musl's version (stdio, TLS and atexit setup,
/// none of which nook uses: it calls no libc function but mem* and strlen)
/// out of the static link. Saves about 1.5 KB.
///
/// # Safety
/// Called once by crt1's `_start_c` with the kernel's argc and argv; envp
/// follows argv's terminating null.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __libc_start_main(
    _main: usize,
    argc: c_int,
    argv: *const *const c_char,
) -> c_int {
    // SAFETY: the kernel puts envp right after argv's argc entries and
    // their terminating null, in the same block of memory.
    let envp = unsafe { argv.add(argc as usize + 1) };
    // SAFETY: the kernel's argc, argv and envp, as `main` requires.
    unsafe { main(argc, argv, envp) }
}

// The C memory routines, from kernel/mem.rs (see there why): defined here,
// so musl's are not linked. Never in a test build: there std's libc has them.

/// # Safety
/// As C's memset: `dest` valid for `n` bytes of writes.
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "C" fn memset(dest: *mut u8, c: c_int, n: usize) -> *mut u8 {
    // SAFETY: the caller's contract.
    unsafe { nook::kernel::mem::fill(dest, c as u8, n) };
    dest
}

/// # Safety
/// As C's memcpy: valid, non-overlapping ranges of `n` bytes.
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller's contract.
    unsafe { nook::kernel::mem::copy_up(dest, src, n) };
    dest
}

/// # Safety
/// As C's memmove: valid ranges of `n` bytes, which may overlap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // Above the source and overlapping it: copy from the end.
    if (dest as usize).wrapping_sub(src as usize) < n {
        // SAFETY: the caller's contract; n > 0 here.
        unsafe { nook::kernel::mem::copy_down(dest, src, n) };
    } else {
        // SAFETY: the caller's contract; dest is below src or apart from it.
        unsafe { nook::kernel::mem::copy_up(dest, src, n) };
    }
    dest
}

/// # Safety
/// As C's bcmp: both valid for `n` bytes (0 when equal, else nonzero).
/// Left to LTO to inline: at most sites its one instruction and three
/// registers cost less than the call (-128 bytes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> c_int {
    // SAFETY: the caller's contract.
    unsafe { nook::kernel::mem::differ(a, b, n) as c_int }
}

/// # Safety
/// As C's strlen: `s` is NUL-terminated.
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "C" fn strlen(s: *const c_char) -> usize {
    // SAFETY: the caller's contract.
    unsafe { nook::kernel::mem::c_len(s.cast()) }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    let _ = nook::base::out::write_all(2, b"nook: internal error (panic)\n");
    nook::kernel::raw::exit_group(nook::base::error::EXIT_SETUP)
}

/// The prebuilt libcore is compiled with panic=unwind, so non-LTO (dev)
/// links reference this symbol even though nothing ever unwinds.
#[cfg(debug_assertions)]
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}
