//! `nook run`: namespaces, maps, the mount tree, then PROGRAM.
//!
//! Without a PID namespace nook execs PROGRAM itself: no nook process is
//! left behind, and PROGRAM's exit status is the container's. With
//! `--unshare-pid` nook clones once: the child is PID 1 inside, builds the
//! mount tree (procfs must be mounted from inside the new PID namespace)
//! and re-executes itself from a sealed copy as PROGRAM's init; the outer
//! nook relays signals and exits with the container's status.

use crate::error::{EXIT_SETUP, Failure};
use crate::init;
use crate::plan::{Argv, RunPlan};
use crate::process::{self, Environment};
use crate::raw::{self, Forked, SigSet};
use crate::root;
use crate::sys::{Linux, Sys};
use crate::userns::{Helper, Maps};
use linux_raw_sys::general as k;
use rustix::fd::OwnedFd;
use rustix::io::Errno;

/// Carries out the plan. Returns the exit status (when it returns at all).
/// Never inlined: its frame holds the workload's environment, which must
/// not become part of every role's stack (PID 1's resident memory).
#[inline(never)]
pub fn run(plan: &RunPlan, envp: Argv) -> i32 {
    let parent = rustix::process::getppid();
    // Built first: it can fail on input alone, before anything changes.
    let env = match Environment::new(envp, &plan.env_edits) {
        Ok(env) => env,
        Err(f) => return report(f),
    };
    if plan.die_with_parent {
        // PR_SET_PDEATHSIG fires only for a parent that dies after it is set:
        // if the parent is already gone, getppid() has changed.
        if let Err(e) = raw::set_parent_death_signal(k::SIGKILL as i32) {
            return report(Failure::new("set parent-death signal", "SIGKILL", e));
        }
        if rustix::process::getppid() != parent {
            return report(Failure::new("watch parent", "(already exited)", Errno::SRCH));
        }
    }
    if !plan.pid_ns {
        if let Err(code) = enter_namespaces(plan).and_then(|user_ns| build_tree(plan, user_ns)) {
            return code;
        }
        return exec_program(plan.program(), &env, None);
    }
    // Decided here, where the terminal's groups are visible: inside the new
    // PID namespace they are not.
    let foreground = init::owns_terminal();
    // From here every signal waits in the queue until nook relays it.
    let inherited_mask = match init::block_all_signals() {
        Ok(m) => m,
        Err(e) => return report(Failure::new("block", "signals", e)),
    };
    // The child is born in its namespaces (clone, not unshare), so the outer
    // nook stays in the caller's: it can write the child's id maps itself
    // when they need a writer outside, with no helper process.
    let maps = user_namespace(plan);
    let user_ns = maps.is_some();
    let flags = k::CLONE_NEWNS | k::CLONE_NEWPID | if user_ns { k::CLONE_NEWUSER } else { 0 };
    // The child waits on this pipe for one byte: the go-ahead once its maps
    // exist. EOF instead means the outer nook died or gave up, the one race
    // PR_SET_PDEATHSIG alone cannot close.
    let (go, keep_alive) = match rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC) {
        Ok(p) => p,
        Err(e) => return report(Failure::new("create pipe for", "PID 1", e)),
    };
    // SAFETY: single-threaded; the child runs setup and then execs or
    // supervises, and never returns into the caller's frames.
    match unsafe { raw::fork(flags as u64) } {
        Err(e) => report(unshare_failure(e, user_ns)),
        Ok(Forked::Child) => {
            drop(keep_alive);
            raw::exit_group(container_init(plan, maps.as_ref(), &env, inherited_mask, foreground, go))
        }
        Ok(Forked::Parent(child)) => {
            drop(go);
            if let Some(m) = maps.as_ref().filter(|m| !m.self_writable())
                && let Err(f) = m.install_for(child)
            {
                let _ = raw::kill(child, k::SIGKILL as i32);
                let _ = crate::userns::wait_for(child);
                return report(f);
            }
            crate::out::write_all(rustix::fd::AsRawFd::as_raw_fd(&keep_alive), b"1");
            let status = relay_signals(child);
            drop(keep_alive);
            status
        }
    }
}

/// PID 1 of the new namespace: the mount tree, then PROGRAM.
fn container_init(
    plan: &RunPlan,
    maps: Option<&Maps>,
    env: &Environment,
    inherited_mask: SigSet,
    foreground: bool,
    go: OwnedFd,
) -> i32 {
    // The container must not outlive the outer nook, which reports its
    // status; SIGKILL to PID 1 takes the whole namespace down.
    if raw::set_parent_death_signal(k::SIGKILL as i32).is_err() || !go_ahead(&go) {
        return EXIT_SETUP;
    }
    drop(go);
    if let Some(m) = maps {
        let installed = if m.self_writable() { m.install_self() } else { Ok(()) };
        if let Err(f) = installed.and_then(|()| m.settle_identity()) {
            return report(f);
        }
    }
    let user_ns = maps.is_some();
    // Copied while the host's /proc is still at hand; kept across the pivot.
    // With --no-init PROGRAM is PID 1 and needs no copy.
    let image = if plan.no_init {
        None
    } else {
        match crate::selfcopy::sealed_copy() {
            Ok(fd) => Some(fd),
            Err(e) => return report(Failure::new("copy nook into", "a sealed memfd", e)),
        }
    };
    if let Err(code) = build_tree(plan, user_ns) {
        return code;
    }
    match image {
        None => exec_program(plan.program(), env, Some(inherited_mask)),
        Some(image) => exec_init(&image, plan, env, inherited_mask, foreground),
    }
}

/// Becomes `nook init [OPTIONS] -- PROGRAM...`, run from the sealed copy.
/// Signals stay blocked across the exec (none may be lost in between), so
/// the mask PROGRAM must get travels in NOOK_INIT_SIGMASK, and whether the
/// outer nook had the terminal's foreground in NOOK_INIT_FOREGROUND; `nook
/// init` reads both and, like every NOOK_* variable, keeps them from PROGRAM.
fn exec_init(image: &OwnedFd, plan: &RunPlan, env: &Environment, inherited_mask: SigSet, foreground: bool) -> i32 {
    use core::ffi::c_char;
    let mut numbers = crate::text::Buf::<96>::new();
    let mask_at = numbers.len();
    numbers.push(b"NOOK_INIT_SIGMASK=").dec(inherited_mask.0).push(b"\0");
    let foreground_at = numbers.len();
    numbers.push(if foreground { b"NOOK_INIT_FOREGROUND=1\0" } else { b"NOOK_INIT_FOREGROUND=0\0" });
    let grace_at = numbers.len();
    numbers.dec(plan.init.grace as u64).push(b"\0");
    let pdeathsig_at = numbers.len();
    numbers.dec(plan.init.pdeathsig.unwrap_or(0) as u64).push(b"\0");
    let base = numbers.as_bytes().as_ptr() as *const c_char;
    let at = |offset: usize| unsafe { base.add(offset) };

    let mut argv: heapless::Vec<*const c_char, { MAX_PROGRAM_ARGS + 12 }> = heapless::Vec::new();
    let mut push = |p: *const c_char| argv.push(p).is_ok();
    let mut fits = push(c"nook".as_ptr()) && push(c"init".as_ptr());
    if plan.init.signal_group {
        fits &= push(c"--signal-group".as_ptr());
    }
    if plan.init.subreaper {
        fits &= push(c"--subreaper".as_ptr());
    }
    if plan.init.grace > 0 {
        fits &= push(c"--grace".as_ptr()) && push(at(grace_at));
    }
    if plan.init.pdeathsig.is_some() {
        fits &= push(c"--pdeathsig".as_ptr()) && push(at(pdeathsig_at));
    }
    fits &= push(c"--".as_ptr());
    for arg in plan.program().iter() {
        fits &= push(arg.as_ptr());
    }
    fits &= push(core::ptr::null());
    if !fits {
        return report(Failure::new("exec init for", "PROGRAM", Errno::TOOBIG));
    }
    let mut envp: heapless::Vec<*const c_char, { process::MAX_ENV + 3 }> = heapless::Vec::new();
    env.to_envp(&mut envp, &[at(mask_at), at(foreground_at)]);
    crate::out::trace(1, "exec", b"nook init (sealed copy)");
    // SAFETY: argv and envp are null-terminated arrays of C strings that
    // live until the exec.
    let e = unsafe { raw::execveat(rustix::fd::AsFd::as_fd(image), argv.as_ptr(), envp.as_ptr()) };
    report(Failure::new("exec init from", "a sealed memfd", e))
}

/// Arguments of PROGRAM that the re-executed init can pass on.
const MAX_PROGRAM_ARGS: usize = 4096;

/// Blocks until the outer nook says go (true), or is gone (EOF: false).
fn go_ahead(go: &OwnedFd) -> bool {
    let mut byte = [0u8; 1];
    loop {
        match rustix::io::read(go, &mut byte) {
            Err(Errno::INTR) => {}
            r => return r == Ok(1),
        }
    }
}

/// `nook init`: the PID-1 stage alone, for an image's ENTRYPOINT (and what
/// `run --unshare-pid` re-executes as its init).
///
/// The init's own stack stays small: PROGRAM's environment (a large
/// structure) is built only in the forked child, so that none of its pages
/// count in PID 1's resident memory.
#[inline(never)]
pub fn init_role(plan: &RunPlan, envp: Argv) -> i32 {
    let blocked = match init::block_all_signals() {
        Ok(mask) => mask,
        Err(e) => return report(Failure::new("block", "signals", e)),
    };
    // Re-executed by `run`, nook arrives with everything blocked and the
    // mask to restore in NOOK_INIT_SIGMASK.
    let inherited_mask = plan.inherited_mask.map_or(blocked, SigSet);
    if let Err(f) = init::prepare(&plan.init) {
        return report(f);
    }
    let foreground = match plan.inherited_foreground {
        0 => init::owns_terminal(),
        told => told == 2,
    };
    match init::spawn(foreground, || start_program(plan, envp, inherited_mask)) {
        Err(f) => report(f),
        Ok(child) => init::supervise(child, &plan.init),
    }
}

/// PROGRAM's side of the fork in `nook init`.
#[inline(never)]
fn start_program(plan: &RunPlan, envp: Argv, inherited_mask: SigSet) -> i32 {
    match Environment::new(envp, &plan.env_edits) {
        Ok(env) => exec_program(plan.program(), &env, Some(inherited_mask)),
        Err(f) => report(f),
    }
}

/// The outer nook of `--unshare-pid`: forwards every signal it gets to PID
/// 1 inside, and exits with its status.
fn relay_signals(child: i32) -> i32 {
    let all = SigSet::full();
    loop {
        match raw::sigtimedwait(&all, None) {
            Ok(sig) if sig == k::SIGCHLD as i32 => {}
            Ok(sig) => {
                let _ = raw::kill(child, sig);
            }
            Err(_) => {}
        }
        let pid = rustix::process::Pid::from_raw(child);
        if let Ok(Some((_, st))) = rustix::process::waitpid(pid, rustix::process::WaitOptions::NOHANG) {
            match (st.exit_status(), st.terminating_signal()) {
                (Some(code), _) => return code,
                (None, Some(sig)) => return 128 + sig,
                _ => {}
            }
        }
    }
}

/// The last steps before PROGRAM: no_new_privs, no stray fds, the inherited
/// signal mask, then exec. Returns the exit status after a failed exec.
pub fn exec_program(program: Argv, env: &Environment, mask: Option<SigSet>) -> i32 {
    // The workload may never gain privileges through setuid binaries or file
    // capabilities (prctl(2), PR_SET_NO_NEW_PRIVS).
    if let Err(e) = rustix::thread::set_no_new_privs(true) {
        return report(Failure::new("set", "no_new_privs", e));
    }
    // No fd of nook's, nor any inherited beyond stdio, survives into PROGRAM.
    if let Err(e) = raw::cloexec_range(3, u32::MAX) {
        return report(Failure::new("close-on-exec", "fds from 3", e));
    }
    if let Some(m) = mask {
        let _ = raw::sigprocmask(raw::SIG_SETMASK, &m);
    }
    crate::out::trace(1, "exec", program.get(0).map_or(b"", |p| p.to_bytes()));
    let (status, failure) = process::exec(program, env);
    failure.report();
    status
}

fn report(f: Failure) -> i32 {
    f.report();
    EXIT_SETUP
}

/// The id maps of the user namespace to create, or None for none: one is
/// made when asked for, and always for a caller without CAP_SYS_ADMIN.
fn user_namespace(plan: &RunPlan) -> Option<Maps> {
    let privileged = has_sys_admin();
    (plan.user.requested || !privileged).then(|| Maps::new(&plan.user, privileged))
}

/// unshare the user (when needed) and mount namespaces, and install the id
/// maps. Ok tells whether a user namespace was made; Err carries the exit
/// status, the error line printed.
fn enter_namespaces(plan: &RunPlan) -> Result<bool, i32> {
    let maps = user_namespace(plan);
    let user_ns = maps.is_some();
    let flags = k::CLONE_NEWNS | if user_ns { k::CLONE_NEWUSER } else { 0 };
    let helper = match &maps {
        Some(m) if !m.self_writable() => Some(Helper::spawn(m).map_err(report)?),
        _ => None,
    };
    crate::out::trace(1, "unshare", b"namespaces");
    if let Err(e) = Linux.unshare(flags) {
        // Dropping the helper's pipe unblocks it; it exits quietly.
        return Err(report(unshare_failure(e, user_ns)));
    }
    if let Some(m) = &maps {
        match helper {
            Some(h) => {
                if !h.finish() {
                    return Err(EXIT_SETUP);
                }
            }
            None => m.install_self().map_err(report)?,
        }
        m.settle_identity().map_err(report)?;
    }
    Ok(user_ns)
}

/// The mount tree, with a umask of 0 so that created directories are 0755
/// and files 0444 as promised; PROGRAM gets the caller's umask back.
fn build_tree(plan: &RunPlan, user_ns: bool) -> Result<(), i32> {
    let umask = rustix::process::umask(rustix::fs::Mode::empty());
    let built = root::build(&mut Linux, plan);
    rustix::process::umask(umask);
    built.map_err(|f| report(locked_hint(f, user_ns)))
}

fn unshare_failure(e: Errno, user_ns: bool) -> Failure<'static> {
    Failure::new("unshare", if user_ns { "user and mount namespaces" } else { "mount namespace" }, e).hint_if(
        e == Errno::PERM || e == Errno::NOSPC,
        "user namespaces may be disabled (sysctl user.max_user_namespaces)",
    )
}

/// An EPERM from a mount inside a user namespace usually means a flag or
/// mount the host locked.
fn locked_hint(f: Failure, user_ns: bool) -> Failure {
    if user_ns && f.errno == Errno::PERM && f.hint.is_none() {
        f.hint("a user namespace cannot undo the host's locked mounts and flags")
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
