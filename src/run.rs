//! `nook run`: namespaces, maps, the mount tree, then PROGRAM.
//!
//! Without a PID namespace nook execs PROGRAM itself: no nook process is
//! left behind, and PROGRAM's exit status is the container's.

use crate::error::{EXIT_SETUP, Failure};
use crate::plan::{Argv, RunPlan};
use crate::process::{self, Environment};
use crate::raw;
use crate::root;
use crate::sys::{Linux, Sys};
use crate::userns::{Helper, Maps};
use linux_raw_sys::general as k;
use rustix::io::Errno;

/// Carries out the plan. Returns only on failure, with the exit status.
pub fn run(plan: &RunPlan, envp: Argv) -> i32 {
    // Build the environment first: it can fail on input alone, and must
    // fail before anything changes.
    let env = match Environment::new(envp, &plan.env_edits) {
        Ok(env) => env,
        Err(f) => return report(f),
    };
    if let Err(code) = setup(plan) {
        return code;
    }
    // The workload may never gain privileges through setuid binaries or file
    // capabilities (prctl(2), PR_SET_NO_NEW_PRIVS).
    if let Err(e) = rustix::thread::set_no_new_privs(true) {
        return report(Failure::new("set", "no_new_privs", e));
    }
    // No fd of nook's, nor any inherited beyond stdio, survives into PROGRAM.
    if let Err(e) = raw::cloexec_range(3, u32::MAX) {
        return report(Failure::new("close-on-exec", "fds from 3", e));
    }
    let (status, failure) = process::exec(plan.program, &env);
    failure.report();
    status
}

fn report(f: Failure) -> i32 {
    f.report();
    EXIT_SETUP
}

/// Namespaces and the mount tree. Err carries the exit status; the error
/// line has been printed.
fn setup(plan: &RunPlan) -> core::result::Result<(), i32> {
    let privileged = has_sys_admin();
    let user_ns = plan.user.requested || !privileged;
    let mut flags = k::CLONE_NEWNS;
    let maps = if user_ns {
        flags |= k::CLONE_NEWUSER;
        Some(Maps::new(&plan.user, privileged))
    } else {
        None
    };
    let helper = match &maps {
        Some(m) if !m.self_writable() => Some(Helper::spawn(m).map_err(report)?),
        _ => None,
    };
    let mut sys = Linux;
    if let Err(e) = sys.unshare(flags) {
        // Dropping the helper's pipe unblocks it; it exits quietly.
        return Err(report(unshare_failure(e, user_ns)));
    }
    if let Some(m) = &maps {
        match helper {
            Some(h) => h.finish().map_err(|()| EXIT_SETUP)?,
            None => m.install_self().map_err(report)?,
        }
        m.settle_identity().map_err(report)?;
    }
    // Directories 0755 and files 0444 as asked, whatever the caller's umask;
    // PROGRAM gets the caller's umask back.
    let umask = rustix::process::umask(rustix::fs::Mode::empty());
    let built = root::build(&mut sys, plan);
    rustix::process::umask(umask);
    built.map_err(|f| report(locked_hint(f, user_ns)))
}

fn unshare_failure(e: Errno, user_ns: bool) -> Failure<'static> {
    Failure::new("unshare", if user_ns { "user and mount namespaces" } else { "mount namespace" }, e).hint_if(
        e == Errno::PERM || e == Errno::NOSPC,
        "unprivileged user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone, user.max_user_namespaces)",
    )
}

/// An EPERM from a mount inside a user namespace usually means a flag or
/// mount the host locked.
fn locked_hint(f: Failure, user_ns: bool) -> Failure {
    if user_ns && f.errno == Errno::PERM && f.hint.is_none() {
        f.hint("inside a user namespace the host's locked mounts and flags (nosuid, nodev, ro) cannot be undone")
    } else {
        f
    }
}

/// CAP_SYS_ADMIN in the effective set: the caller may build a mount
/// namespace without a user namespace.
fn has_sys_admin() -> bool {
    rustix::thread::capabilities(None)
        .map(|c| c.effective.contains(rustix::thread::CapabilitySet::SYS_ADMIN))
        .unwrap_or(false)
}
