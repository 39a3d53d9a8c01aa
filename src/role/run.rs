//! `nook run`: namespaces, maps, the mount tree, then PROGRAM.
//!
//! Without a PID namespace nook execs PROGRAM itself: no nook process is
//! left behind, and PROGRAM's exit status is the container's. With
//! `--unshare-pid` nook clones once: the child is PID 1 inside, builds the
//! mount tree (procfs must be mounted from inside the new PID namespace)
//! and re-executes itself from a sealed copy as PROGRAM's init; the outer
//! nook relays signals and exits with the container's status.

use crate::base::packed::say;
use crate::base::error::{EXIT_SETUP, Failure};
use crate::cli::reexec::{self, Handover, Numbers};
use crate::pid1::supervisor;
use crate::plan::{Argv, Op, RunPlan};
use crate::base::out::persona;
use crate::setup::bwrap;
use crate::setup::monitor::{hide_from_container, relay_signals};
use crate::setup::process::{Environment, close_on_exec_but, drop_privileges, exec_program};
use crate::kernel::raw::{self, Forked, SigSet};
use crate::setup::tree::build;
use crate::base::MountApi;
use crate::kernel::fd::borrow;
use crate::kernel::sys::{Linux, Sys};
use crate::setup::userns::{Helper, Maps};
use linux_raw_sys::general as k;
use rustix::fd::OwnedFd;
use rustix::io::Errno;

/// Carries out the plan. Returns the exit status (when it returns at all).
/// Never inlined: its frames must not become part of every role's stack
/// (PID 1's resident memory).
#[inline(never)]
pub fn run(plan: &RunPlan, envp: Argv<'static>) -> i32 {
    // Wanted only to watch the parent: no getppid(2) on every launch.
    let parent = if plan.die_with_parent { rustix::process::getppid() } else { None };
    // bwrap's --userns and --pidns: joined before anything else is made.
    if let Err(f) = bwrap::join_first(plan) {
        return f.exit();
    }
    // Built first: it can fail on input alone, before anything changes.
    // SAFETY: the one environment of this process.
    let env = match unsafe { Environment::shared(envp, false, &plan.process.env_edits) } {
        Ok(env) => env,
        Err(f) => return f.exit(),
    };
    // PROGRAM's PWD names where it starts, as given (as bwrap does). Set
    // here, before any fork: the container's process then only reads the
    // environment (each page it wrote would be copied, a page fault).
    // bwrap's PWD depends on the tree (setup::bwrap::settle_workdir), and
    // with bwrap built, that sets `nook run`'s too.
    if !bwrap::SETTLES_WORKDIR
        && let Err(e) = env.set(b"PWD", plan.process.chdir.unwrap_or(c"/").to_bytes()) {
        return Failure::new(c"set", c"PWD", e).exit();
    }
    if let Err(f) = crate::setup::namespaces::leave_session_keyring() {
        return f.exit();
    }
    // A filter that cannot be read or is cut short fails here, before
    // anything changes.
    if let Err(f) = crate::setup::sandbox::read_filters(&plan.process.sandbox) {
        return f.exit();
    }
    // The nook whose parent dies is this one: with --unshare-pid PID 1's
    // parent is this one, so this one takes --pdeathsig too, and
    // relay_signals hands the signal on to PID 1.
    let death = if plan.die_with_parent { Some(k::SIGKILL as i32) } else { plan.init.pdeathsig.filter(|_| plan.pid_ns) };
    if let Some(sig) = death {
        if let Err(e) = raw::set_parent_death_signal(sig) {
            return Failure::new(say!("set parent-death signal"), if plan.die_with_parent { c"SIGKILL" } else { c"--pdeathsig" }, e).exit();
        }
        // PR_SET_PDEATHSIG fires only for a parent that dies after it is set:
        // if the parent is already gone, getppid() has changed.
        if plan.die_with_parent && rustix::process::getppid() != parent {
            return Failure::new(say!("watch parent"), say!("(already exited)"), Errno::SRCH).exit();
        }
    }
    // The lock (userns::lock_mounts) and the wrapper's JSON read and write
    // this process's /proc files: through the caller's /proc, opened before
    // anything changes, since the tree nook builds may make its own /proc
    // read-only (`--remount-ro /`), and then the id maps unwritable.
    let needs_proc = bwrap::disables_user_namespaces(plan) || promises_read_only(plan) || announcing(plan);
    let proc = if needs_proc {
        match raw::open_cloexec(c"/proc", rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY) {
            Ok(fd) => Some(fd),
            Err(e) => return Failure::new(c"open", c"/proc", e).exit(),
        }
    } else {
        None
    };
    let proc = proc.as_ref();
    if !plan.pid_ns {
        return run_here(plan, env, proc);
    }
    // Decided here, where the terminal's groups are visible: inside the new
    // PID namespace they are not.
    let foreground = supervisor::owns_terminal();
    // From here every signal waits in the queue until nook relays it.
    let inherited_mask = match supervisor::block_all_signals() {
        Ok(m) => m,
        Err(e) => return Failure::new(c"block", c"signals", e).exit(),
    };
    // The child is born in its namespaces (clone, not unshare), so the outer
    // nook stays in the caller's: it can write the child's id maps itself
    // when they need a writer outside, with no helper process.
    let maps = user_namespace(plan);
    let user_ns = maps.is_some();
    let flags = created_namespaces(plan, user_ns);
    // PROGRAM's exec happens two processes down, in the init: a byte on this
    // pipe tells the outer nook that it never happened.
    let exec_failed = match crate::setup::wrapper::exec_failure_pipe(plan) {
        Ok(p) => p,
        Err(f) => return f.exit(),
    };
    // The child waits on this pipe for one byte: the go-ahead once its maps
    // exist. EOF instead means the outer nook died or gave up, the one race
    // PR_SET_PDEATHSIG alone cannot close.
    let (go, keep_alive) = match rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC) {
        Ok(p) => p,
        Err(e) => return Failure::new(say!("create pipe for"), say!("PID 1"), e).exit(),
    };
    // With bwrap's --pidns the new PID namespace is made one fork later,
    // below the joined one (setup/bwrap.rs).
    let clone = if bwrap::nests_pid_namespace(plan) { flags & !k::CLONE_NEWPID } else { flags };
    // SAFETY: single-threaded; the child runs setup and then execs or
    // supervises, and never returns into the caller's frames.
    match unsafe { raw::fork(clone as u64) } {
        Err(e) => unshare_failure(e, user_ns).exit(),
        Ok(Forked::Child) => {
            drop(keep_alive);
            // The outer nook holds --sync-fd: PID 1 must not keep it open.
            if let Some(fd) = plan.fds.sync {
                let _ = raw::close(fd);
            }
            let exec_fail_fd = exec_failed.map(|(r, w)| {
                drop(r);
                w
            });
            if bwrap::nests_pid_namespace(plan) {
                bwrap::nest_pid_namespace(plan);
            }
            let code = container_init(plan, maps.as_ref(), env, proc, inherited_mask, foreground, go, exec_fail_fd.as_ref());
            crate::setup::wrapper::report_exec_failure(exec_fail_fd.as_ref());
            raw::exit_group(code)
        }
        Ok(Forked::Parent(child)) => {
            drop(go);
            crate::setup::wrapper::leave_info_to_container(plan);
            if let Some(m) = maps.as_ref().filter(|m| !m.self_writable())
                && let Err(f) = m.install_for(child)
            {
                let _ = raw::kill(child, k::SIGKILL as i32);
                let _ = crate::setup::userns::wait_for(child);
                return f.exit();
            }
            let _ = crate::base::out::write_all(rustix::fd::AsRawFd::as_raw_fd(&keep_alive), b"1");
            // (keep_alive stays open until PID 1 is gone.)
            watch(plan, child, exec_failed)
        }
    }
}

/// PID 1 of the new namespace: the mount tree, then PROGRAM.
#[allow(clippy::too_many_arguments)]
fn container_init(
    plan: &RunPlan,
    maps: Option<&Maps<'_>>,
    env: &mut Environment,
    proc: Option<&OwnedFd>,
    inherited_mask: SigSet,
    foreground: bool,
    go: OwnedFd,
    exec_fail_fd: Option<&OwnedFd>,
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
            return f.exit();
        }
    }
    if let Err(f) = crate::setup::namespaces::configure(plan) {
        return f.exit();
    }
    let user_ns = maps.is_some();
    // Copied while the host's /proc is still at hand; kept across the pivot.
    // With --no-init PROGRAM is PID 1 and needs no copy.
    let image = if plan.no_init {
        None
    } else {
        match crate::setup::selfcopy::sealed_copy() {
            Ok(fd) => Some(fd),
            Err(e) => return Failure::new(say!("copy nook into"), say!("a sealed memfd"), e).exit(),
        }
    };
    if let Err(f) = finish_setup(plan, user_ns, env, proc) {
        return f.exit();
    }
    match image {
        None => exec_program(&plan.process, None, env, Some(inherited_mask)).exit(),
        Some(image) => exec_init(&image, plan, env, inherited_mask, foreground, exec_fail_fd),
    }
}

/// Becomes `nook init [OPTIONS] -- PROGRAM...`, run from the sealed copy,
/// as the re-exec protocol (cli/reexec.rs) has it. Signals stay blocked
/// across the exec, so none is lost in between.
fn exec_init(
    image: &OwnedFd,
    plan: &RunPlan,
    env: &Environment,
    inherited_mask: SigSet,
    foreground: bool,
    exec_fail_fd: Option<&OwnedFd>,
) -> i32 {
    use rustix::fd::AsRawFd;
    if let Err(f) = drop_privileges(&plan.process) {
        return f.exit();
    }
    // Only the fd that reports a failed exec crosses into the init.
    let fail_fd = exec_fail_fd.map(|fd| fd.as_raw_fd());
    if let Err(f) = close_on_exec_but(fail_fd, &[]) {
        return f.exit();
    }
    // The caller's seccomp filters, read when run started, cross in memfds
    // of their own (the init's PROGRAM reads them as --add-seccomp-fd).
    // (None given, the store is not even read: its page stays unmapped.)
    let mut carriers = heapless::Vec::new();
    if !plan.process.sandbox.filter_fds.is_empty()
        && let Err(e) = crate::kernel::seccomp::carry_filters(&mut carriers)
    {
        return Failure::new(say!("hand on"), say!("the seccomp filters"), e).exit();
    }
    let handover = Handover { mask: inherited_mask.0, foreground, exec_fail_fd: fail_fd, seccomp_fds: &carriers };
    let mut numbers = Numbers::new();
    // SAFETY: single-threaded; the array is only read by execveat after.
    let argv = unsafe { &mut *core::ptr::addr_of_mut!(INIT_ARGV) };
    let Some(variables) = reexec::encode(plan, &handover, &mut numbers, argv) else {
        return Failure::new(say!("exec init for"), c"PROGRAM", Errno::TOOBIG).exit();
    };
    let envp = env.to_envp(&variables);
    crate::base::out::trace(1, c"exec", say!("nook init (sealed copy)"));
    // SAFETY: argv and envp are null-terminated arrays of C strings that
    // live until the exec.
    let e = unsafe { raw::execveat(borrow(image), argv.as_ptr(), envp) };
    Failure::new(say!("exec init from"), say!("a sealed memfd"), e).exit()
}

/// The re-executed init's argv, in .bss: room for as many arguments as
/// execve itself accepts with an 8 MiB stack (ARG_MAX is a quarter of it,
/// and each argument costs its pointer and at least 2 bytes), without a
/// stack frame of that size.
static mut INIT_ARGV: [*const core::ffi::c_char; 1 << 18] = [core::ptr::null(); 1 << 18];

/// Blocks until the outer nook says go (true), or is gone (EOF: false).
fn go_ahead(go: &OwnedFd) -> bool {
    raw::read_byte(borrow(go)) == Ok(1)
}

/// `run` without a PID namespace: nook becomes PROGRAM, or, when a
/// wrapper wants PROGRAM's exit status (`--json-status-fd`) or a new
/// session (which a process-group leader cannot start), forks it and
/// waits as its monitor.
fn run_here(plan: &RunPlan, env: &mut Environment, proc: Option<&OwnedFd>) -> i32 {
    let user_ns = match enter_namespaces(plan) {
        Ok(user_ns) => user_ns,
        Err(f) => return f.exit(),
    };
    // bwrap always waits for PROGRAM and exits with 128+N for a signal N
    // that killed it: a monitor, as bwrap's.
    if plan.fds.json_status.is_none() && !plan.process.new_session && !persona::bwrap() {
        return setup_then_exec(plan, user_ns, env, proc, None).exit();
    }
    let mask = match supervisor::block_all_signals() {
        Ok(m) => m,
        Err(e) => return Failure::new(c"block", c"signals", e).exit(),
    };
    let exec_failed = match crate::setup::wrapper::exec_failure_pipe(plan) {
        Ok(p) => p,
        Err(f) => return f.exit(),
    };
    let monitor = rustix::process::getpid();
    // SAFETY: single-threaded; the child execs or exits.
    match unsafe { raw::fork(0) } {
        Err(e) => Failure::new(c"fork", c"PROGRAM", e).exit(),
        Ok(Forked::Child) => {
            // The monitor's pdeathsig is not inherited: PROGRAM dies with it
            // (and at once if the monitor is already gone).
            if plan.die_with_parent
                && (raw::set_parent_death_signal(k::SIGKILL as i32).is_err() || rustix::process::getppid() != Some(monitor))
            {
                raw::exit_group(EXIT_SETUP);
            }
            let exec_fail_fd = exec_failed.map(|(_, w)| w);
            let code = setup_then_exec(plan, user_ns, env, proc, Some(mask)).exit();
            crate::setup::wrapper::report_exec_failure(exec_fail_fd.as_ref());
            raw::exit_group(code)
        }
        Ok(Forked::Parent(child)) => {
            hide_from_container();
            crate::setup::wrapper::leave_info_to_container(plan);
            watch(plan, child, exec_failed)
        }
    }
}

/// The side that waits (the outer nook, the monitor): relays signals to
/// `child` until it ends, then writes `--json-status-fd`'s last line
/// (`exec_failed`'s read end tells whether PROGRAM ran). Its status.
fn watch(plan: &RunPlan, child: i32, exec_failed: Option<(OwnedFd, OwnedFd)>) -> i32 {
    let exec_failed = exec_failed.map(|(r, _)| r);
    let status = relay_signals(child);
    crate::setup::wrapper::finish_status(plan, status, exec_failed.as_ref())
}

/// The CLONE_NEW* flags of every namespace `run` makes.
#[inline(never)]
fn created_namespaces(plan: &RunPlan, user_ns: bool) -> u32 {
    let pid_ns = if plan.pid_ns { k::CLONE_NEWPID } else { 0 };
    k::CLONE_NEWNS | plan.namespaces | pid_ns | if user_ns { k::CLONE_NEWUSER } else { 0 }
}

/// The container process's last steps before exec: the mount tree, the
/// lock on it, bwrap's PWD, the wrapper's JSON, the wait on `--block-fd`. `proc`
/// is the caller's /proc (see `run`).
fn finish_setup<'a>(plan: &RunPlan<'a>, user_ns: bool, env: &mut Environment, proc: Option<&OwnedFd>) -> Result<(), Failure<'a>> {
    use rustix::fs::{Mode, OFlags};
    // This process's /proc directory; dropped before the exec (and
    // close-on-exec regardless).
    let proc_self = match proc {
        Some(proc) => Some(
            rustix::fs::openat(borrow(proc), c"self", OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())
                .map_err(|e| Failure::new(c"open", c"/proc/self", e))?,
        ),
        None => None,
    };
    // This process's pid as the caller sees it: /proc/self of the host's procfs.
    let mut pid_text = [core::mem::MaybeUninit::<u8>::uninit(); 16];
    let pid = match proc {
        Some(proc) if announcing(plan) => rustix::fs::readlinkat_raw(borrow(proc), c"self", &mut pid_text)
            .map_or(0, |(got, _)| crate::base::num::parse_number(got, 10).unwrap_or(0) as i32),
        _ => 0,
    };
    // bwrap's --userns-block-fd: the caller, told the child's pid, writes
    // the id maps, then says go; the tree needs them.
    let announce_late = match (bwrap::maps_block_fd(plan), &proc_self) {
        (Some(fd), Some(proc_self)) => {
            crate::setup::wrapper::announce(plan, pid, proc_self, created_namespaces(plan, user_ns))?;
            bwrap::wait_for_maps(fd);
            false
        }
        _ => true,
    };
    // A --cap-add that cannot be honoured fails before anything is built.
    plan.process.caps.as_ref().map_or(Ok(0), crate::setup::caps::held)?;
    build_tree(plan, user_ns)?;
    bwrap::settle_workdir(plan, env).map_err(|e| Failure::new(c"set", c"PWD", e))?;
    bwrap::hold_locks(plan)?;
    // bwrap locks nothing when its workload has no CAP_SYS_ADMIN to undo a
    // read-only mount with (and a user namespace of its own locks them).
    let read_only = bwrap::locks_tree(plan, promises_read_only(plan));
    bwrap::limit_user_namespaces(plan, proc)?;
    if let (true, true, Some(proc_self)) = (user_ns, read_only, &proc_self) {
        crate::setup::userns::lock_mounts(proc_self)?;
    }
    // Without a user namespace nothing locks the mounts: the workload keeps
    // CAP_SYS_ADMIN over them, unless it is dropped.
    // (bwrap says nothing: as bwrap, nook keeps real root's capabilities.)
    let read_only = read_only & !persona::bwrap();
    if read_only && !user_ns && plan.process.caps.is_none_or(|c| c.drop & CAP_SYS_ADMIN == 0) {
        crate::base::error::warn(say!("no user namespace: the workload keeps CAP_SYS_ADMIN and can undo read-only; add --unshare-user or --cap-drop CAP_SYS_ADMIN"));
    }
    if let (true, true, Some(proc_self)) = (announce_late, announcing(plan), &proc_self) {
        crate::setup::wrapper::announce(plan, pid, proc_self, created_namespaces(plan, user_ns))?;
    }
    drop(proc_self);
    bwrap::join_last(plan)?;
    crate::setup::wrapper::wait_for_go(plan)
}

/// The container's last steps, then PROGRAM; returns only what failed.
fn setup_then_exec<'a>(plan: &RunPlan<'a>, user_ns: bool, env: &mut Environment, proc: Option<&OwnedFd>, mask: Option<SigSet>) -> Failure<'a> {
    match finish_setup(plan, user_ns, env, proc) {
        Ok(()) => exec_program(&plan.process, plan.fds.sync, env, mask),
        Err(f) => f,
    }
}

/// capabilities(7): CAP_SYS_ADMIN is number 21.
const CAP_SYS_ADMIN: u64 = 1 << 21;

/// Whether a wrapper asked for the container's JSON (`--info-fd`,
/// `--json-status-fd`).
fn announcing(plan: &RunPlan) -> bool {
    plan.fds.info.is_some() || plan.fds.json_status.is_some()
}

/// Whether the plan makes anything read-only that the workload, root of its
/// user namespace, could otherwise simply remount read-write: then the tree
/// is locked (see `userns::lock_mounts`). Locking has visible effects (the
/// workload sees identity id maps, cannot unmount what nook mounted, and
/// its shared mounts become slaves), so it is done only for that promise.
fn promises_read_only(plan: &RunPlan) -> bool {
    plan.ro_root
        || plan.ops.iter().any(|op| {
            matches!(op, Op::Bind { kind: crate::plan::BindKind::ReadOnly, .. } | Op::RemountRo { .. } | Op::Sys { .. })
        })
}

/// The id maps of the user namespace to create, or None for none: one is
/// made when asked for, and always for a caller without CAP_SYS_ADMIN.
fn user_namespace<'p>(plan: &'p RunPlan) -> Option<Maps<'p>> {
    let privileged = has_sys_admin();
    (plan.user.requested || !privileged).then(|| Maps::new(&plan.user, privileged))
}

/// unshare the user (when needed) and mount namespaces, and install the id
/// maps. Ok tells whether a user namespace was made; Err carries the exit
/// status, the error line printed.
fn enter_namespaces<'a>(plan: &RunPlan<'a>) -> Result<bool, Failure<'a>> {
    let maps = user_namespace(plan);
    let user_ns = maps.is_some();
    let flags = created_namespaces(plan, user_ns);
    let helper = match &maps {
        Some(m) if !m.self_writable() => Some(Helper::spawn(m)?),
        _ => None,
    };
    crate::base::out::trace(1, c"unshare", say!("namespaces"));
    if let Err(e) = Linux::new(MountApi::New).unshare(flags) {
        // Dropping the helper's pipe unblocks it; it exits quietly.
        return Err(unshare_failure(e, user_ns));
    }
    if let Some(m) = &maps {
        match helper {
            Some(h) => h.finish()?,
            None => m.install_self()?,
        }
        m.settle_identity()?;
    }
    crate::setup::namespaces::configure(plan)?;
    Ok(user_ns)
}

/// The mount tree, with a umask of 0 so that created directories are 0755
/// and files 0444 as promised; PROGRAM gets the caller's umask back.
// Out of line: smaller than inlined into its caller (measured).
#[inline(never)]
fn build_tree<'a>(plan: &RunPlan<'a>, user_ns: bool) -> Result<(), Failure<'a>> {
    let umask = rustix::process::umask(rustix::fs::Mode::empty());
    let built = build::build(&mut Linux::new(plan.mount_api), plan);
    rustix::process::umask(umask);
    built.map_err(|f| locked_hint(f, user_ns))
}

fn unshare_failure(e: Errno, user_ns: bool) -> Failure<'static> {
    Failure::new(c"unshare", if user_ns { say!("user and mount namespaces") } else { say!("mount namespace") }, e).hint_if(
        e == Errno::PERM || e == Errno::NOSPC,
        say!("user namespaces may be disabled (sysctl user.max_user_namespaces)"),
    )
}

/// An EPERM from a mount inside a user namespace usually means a flag or
/// mount the host locked.
/// ENOSYS there is a kernel without openat2, which nook cannot do without
/// (the mount API itself has a mount(2) fallback).
fn locked_hint(f: Failure, user_ns: bool) -> Failure {
    if user_ns && f.errno() == Errno::PERM && !f.has_hint() {
        f.hint(say!("a user namespace cannot undo the host's locked mounts and flags"))
    } else {
        let missing = f.errno() == Errno::NOSYS;
        f.hint_if(missing, say!("a system call is missing: nook needs openat2 (Linux 5.6), and the new mount API only with NOOK_MOUNT_API=new"))
    }
}

/// CAP_SYS_ADMIN in the effective set: the caller may build a mount
/// namespace without a user namespace.
fn has_sys_admin() -> bool {
    rustix::thread::capabilities(None)
        .map(|c| c.effective.contains(rustix::thread::CapabilitySet::SYS_ADMIN))
        .unwrap_or(false)
}
