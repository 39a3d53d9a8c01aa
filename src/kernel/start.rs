//! The process's first instruction: the ELF entry point (build.rs names it
//! with `-e`). The kernel starts a static executable with the stack
//! pointer at argc, then argv's pointers and a null, then envp's and a
//! null; this hands that pointer to the binary's `nook_entry` (main.rs).
//! In place of musl's crt1.o, whose `_start` and `_start_c` passed the
//! same three values on through `__libc_start_main` and `main` (and whose
//! GOT was the only thing in .data): nook initializes no libc.

#[cfg(not(any(test, feature = "fuzzing")))]
unsafe extern "C" {
    /// main.rs's: `sp` is the kernel's initial stack pointer.
    fn nook_entry(sp: *const usize) -> !;
}

/// The entry point. The kernel leaves the stack 16-byte aligned at argc,
/// so the call leaves it as the ABI wants it at a function's entry (8
/// bytes off, the return address pushed).
///
/// # Safety
/// Only the kernel calls it, once, as the process starts.
#[cfg(not(any(test, feature = "fuzzing")))]
#[unsafe(naked)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nook_start() -> ! {
    core::arch::naked_asm!("mov rdi, rsp", "call {entry}", "ud2", entry = sym nook_entry)
}
