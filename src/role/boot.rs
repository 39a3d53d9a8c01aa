//! `nook boot`: the initramfs's /init (also nook as PID 1 called `init`).

use crate::base::packed::say;
use crate::base::error::Failure;
use crate::plan::{Argv, RunPlan};

/// Boots the root of the kernel command line; never returns as PID 1.
/// Anywhere else it refuses: it would mount over the host's /proc and /dev
/// and power the machine off on failure.
#[inline(never)]
pub fn boot(plan: &RunPlan, envp: Argv<'static>) -> i32 {
    if !rustix::process::getpid().is_init() {
        return Failure::usage(c"boot", say!("(not PID 1)"), say!("runs only as an initramfs's /init")).exit();
    }
    crate::setup::boot::boot(plan.verbose, plan.process.program(), envp)
}
