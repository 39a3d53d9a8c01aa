//! `nook switch-root [--force] NEWROOT [INIT [ARG...]]`: the initramfs's
//! last step, as util-linux's switch_root.

use crate::plan::{Argv, RunPlan};

/// Switches to the plan's root and execs INIT (default /sbin/init) there;
/// returns only the exit status of a failure.
#[inline(never)]
pub fn switch_root(plan: &RunPlan, envp: Argv<'static>) -> i32 {
    let default = [c"/sbin/init".as_ptr(), core::ptr::null()];
    let (init, argv) = match plan.process.program {
        Some(program) => (program.get(0).unwrap_or(c""), program.as_ptr()),
        None => (c"/sbin/init", default.as_ptr()),
    };
    // SAFETY: argv is the kernel's (a null-terminated tail of it) or
    // `default`, which lives to the end; envp is the kernel's.
    unsafe { crate::setup::switch_root::switch_root(plan.root.unwrap_or(c""), init, argv, envp.as_ptr(), plan.force) }.exit()
}
