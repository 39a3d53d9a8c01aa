//! `nook init`: the PID-1 stage alone, for an image's ENTRYPOINT, and what
//! `run --unshare-pid` re-executes from its sealed copy.

use crate::base::error::Failure;
use crate::kernel::raw::SigSet;
use crate::pid1::supervisor;
use crate::plan::{Argv, RunPlan};
use crate::setup::process::{Environment, exec_program};

/// PID 1's name, in a static of its own: a `c"..."` literal would be
/// among the C strings, which build.rs links into a segment PID 1 never
/// maps (the kernel's read of the name would map it).
static NAME: [u8; 5] = *b"nook\0";

/// `nook init`: the PID-1 stage alone, for an image's ENTRYPOINT (and what
/// `run --unshare-pid` re-executes as its init).
///
/// PROGRAM's environment (a large structure in .bss) is built only in the
/// forked child, so that none of its pages count in PID 1's resident memory.
#[inline(never)]
pub fn init_role(plan: &RunPlan, envp: Argv<'static>) -> i32 {
    // PID 1's name in ps, top and pgrep: run's sealed copy would show as
    // `memfd:nook` (the kernel names a process after the file it execs).
    if let Ok(name) = core::ffi::CStr::from_bytes_until_nul(&NAME) {
        let _ = crate::kernel::raw::set_name(name);
    }
    let blocked = match supervisor::block_all_signals() {
        Ok(mask) => mask,
        Err(e) => return Failure::new(c"block", c"signals", e).exit(),
    };
    // Re-executed by `run`, nook arrives with everything blocked and the
    // mask to restore in NOOK_INIT_SIGMASK.
    let inherited_mask = handed_over(plan).0.map_or(blocked, SigSet);
    // As bwrap, PROGRAM's exec marks only the filters' fds (setup/process.rs):
    // the fd that reports a failed exec must close at a good one. (In every
    // init of a build with bwrap, which may be bwrap's: a test of the
    // persona would cost PID 1's code more than the call.)
    if crate::base::out::persona::BUILT
        && let Some(fd) = plan.exec_fail_fd
    {
        let _ = crate::kernel::raw::cloexec_range(fd as u32, fd as u32);
    }
    if let Err(f) = supervisor::prepare(&plan.init) {
        return f.exit();
    }
    let foreground = match handed_over(plan).1 {
        0 => supervisor::owns_terminal(),
        told => told == 2,
    };
    // --pause: no PROGRAM (0 is no process's pid, so nothing reaped is it).
    let mut child = 0;
    if !plan.init.pause {
        match supervisor::spawn(foreground, plan.process.new_session, || start_program(plan, envp, inherited_mask)) {
            Err(f) => return f.exit(),
            Ok(pid) => child = pid,
        }
    }
    supervisor::supervise(child, &plan.init)
}

/// PROGRAM's side of the fork in `nook init`.
#[inline(never)]
fn start_program(plan: &RunPlan, envp: Argv<'static>, inherited_mask: SigSet) -> i32 {
    // Re-executed by `run`, the init's own variables lead the environment,
    // and the rest is PROGRAM's as the outer nook built it.
    let handed = handed_over(plan).0.is_some();
    let own = handed as usize * HANDED_VARIABLES;
    // SAFETY: the one environment of this (forked) process.
    let code = match unsafe { Environment::shared(envp.tail(own), handed, &plan.process.env_edits) } {
        Ok(env) => exec_program(&plan.process, None, env, Some(inherited_mask)).exit(),
        Err(f) => f.exit(),
    };
    if let Some(fd) = handed_over(plan).2 {
        let _ = crate::base::out::write_all(fd, b"!");
    }
    code
}

/// What the nook that re-executes the init hands it (cli/reexec.rs): the
/// mask to restore, whether PROGRAM is in the foreground (0 for not told),
/// the fd that reports a failed exec. Only `run` and nook as bwrap
/// re-execute it: in a build without them nothing is handed over, which
/// the compiler then knows (it cannot see that nothing sets the plan's
/// fields: -112 bytes in the init-only build).
#[inline(always)]
fn handed_over(plan: &RunPlan) -> (Option<u64>, u8, Option<i32>) {
    #[cfg(nook_container)]
    return (plan.inherited_mask, plan.inherited_foreground, plan.exec_fail_fd);
    #[cfg(not(nook_container))]
    {
        let _ = plan;
        (None, 0, None)
    }
}

/// How many variables of its own lead the environment of an init that
/// `run` re-executes.
#[cfg(nook_container)]
const HANDED_VARIABLES: usize = crate::cli::reexec::VARIABLES;
#[cfg(not(nook_container))]
const HANDED_VARIABLES: usize = 0;
