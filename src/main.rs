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
