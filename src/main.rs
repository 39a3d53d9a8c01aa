//! The nook binary: its own entry point; everything else is the library.
#![no_std]
#![no_main]

use core::ffi::c_char;
use nook::plan::Argv;

// The ELF entry (build.rs links with `-e nook_start`): the kernel leaves
// argc at the stack pointer, then argv's pointers, a null, and envp's.
// musl's crt1 (`_start`, `_start_c`, `__libc_start_main`) and the compiler's
// crtbegin/crtend (init and fini arrays, frame registration) did only that
// plus setup nook never uses. build.rs drops them, and links no libc: the
// few C functions nook needs are below.
core::arch::global_asm!(
    ".globl nook_start",
    ".type nook_start, @function",
    "nook_start:",
    // The outermost frame, as the ABI asks.
    "xor ebp, ebp",
    "mov rdi, rsp",
    // 16-byte aligned at the call, as the ABI asks (the kernel already
    // aligns it; this is belt and braces).
    "and rsp, -16",
    "call {start}",
    "ud2",
    start = sym start,
);

/// # Safety
/// Called once, by `nook_start`, with the stack pointer the kernel gave.
unsafe extern "C" fn start(stack: *const usize) -> ! {
    // SAFETY: the kernel lays out argc, argc strings followed by a null
    // pointer, and a null-terminated envp; all live as long as the process.
    let (argv, envp) = unsafe {
        let argc = *stack;
        let argv = stack.add(1) as *const *const c_char;
        (Argv::from_raw(argv, argc), Argv::from_null_terminated(argv.add(argc + 1)))
    };
    // SAFETY: the one call, on the one thread.
    nook::raw::exit_group(unsafe { nook::main(argv, envp) })
}

// The C functions the compiler's code calls (for copies, fills and
// compares) and CStr's strlen: the five nook needs, written here rather than
// linked from musl's libc.a. Its versions are larger, and calls into a
// library go through a table of addresses (.got) nook then carries too.
// `rep movsb`/`rep stosb` are short and fast on any x86_64 of the last
// decade; the loops cannot be turned back into calls to themselves.

/// # Safety
/// As C's memcpy: `n` bytes, valid and not overlapping.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller's contract; the direction flag is clear (ABI).
    unsafe {
        core::arch::asm!("rep movsb", inout("rcx") n => _, inout("rdi") dest => _, inout("rsi") src => _,
            options(nostack, preserves_flags));
    }
    dest
}

/// # Safety
/// As C's memmove: `n` bytes, valid, possibly overlapping.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dest as usize).wrapping_sub(src as usize) >= n {
        // The destination does not start inside the source: copy forwards.
        return unsafe { memcpy(dest, src, n) };
    }
    // SAFETY: as for memcpy, copying backwards from the last byte so that
    // the overlap is read before it is overwritten; the flag is restored.
    unsafe {
        core::arch::asm!("std", "rep movsb", "cld", inout("rcx") n => _,
            inout("rdi") dest.add(n).wrapping_sub(1) => _, inout("rsi") src.add(n).wrapping_sub(1) => _,
            options(nostack));
    }
    dest
}

/// # Safety
/// As C's memset: `n` bytes, valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memset(dest: *mut u8, c: i32, n: usize) -> *mut u8 {
    // SAFETY: the caller's contract; the direction flag is clear (ABI).
    unsafe {
        core::arch::asm!("rep stosb", inout("rcx") n => _, inout("rdi") dest => _, in("al") c as u8,
            options(nostack, preserves_flags));
    }
    dest
}

/// # Safety
/// As C's memcmp: `n` bytes of each, valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    for i in 0..n {
        // SAFETY: the caller's contract.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return x as i32 - y as i32;
        }
    }
    0
}

/// # Safety
/// As C's bcmp: memcmp whose result only tells equal (0) or not.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    unsafe { memcmp(a, b, n) }
}

/// # Safety
/// As C's strlen: a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strlen(s: *const c_char) -> usize {
    let mut n = 0;
    // SAFETY: the caller's contract.
    while unsafe { *s.add(n) } != 0 {
        n += 1;
    }
    n
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    let _ = nook::out::write_all(2, b"nook: internal error (panic)\n");
    nook::raw::exit_group(nook::error::EXIT_SETUP)
}

/// The prebuilt libcore is compiled with panic=unwind, so non-LTO (dev)
/// links reference this symbol even though nothing ever unwinds.
#[cfg(debug_assertions)]
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}
