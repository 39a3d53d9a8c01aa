//! The nook binary: its own entry point; everything else is the library.
#![no_std]
#![no_main]

use core::ffi::c_char;
use nook::plan::Argv;

// The ELF entry (build.rs links with `-e nook_start`): the kernel leaves
// argc at the stack pointer, then argv's pointers, a null, and envp's.
// musl's crt1 (`_start`, `_start_c`, `__libc_start_main`) and the compiler's
// crtbegin/crtend (init and fini arrays, frame registration) did only that
// plus setup nook never uses: nook calls no libc function but mem* and
// strlen. build.rs drops them.
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
