//! The PID-1 stage: start PROGRAM, forward signals to it, reap every zombie,
//! and exit with PROGRAM's status. Used by `nook init` and by `nook run
//! --unshare-pid`, where nook is PID 1 of the new namespace.
//!
//! Kernel rules this relies on:
//! - PID 1 of a namespace gets no signal whose disposition is SIG_DFL, even
//!   from inside (signal(7) / pid_namespaces(7)); a *blocked* signal is
//!   queued instead of dropped. So nook blocks every signal and takes them
//!   with sigtimedwait: no handlers, no signalfd, no fd at all.
//! - A fault (SIGSEGV, SIGBUS...) raised by nook itself is forced through
//!   the block by the kernel and still kills it; the same signals sent with
//!   kill(2) are merely queued and forwarded like any other.
//! - SIGCHLDs merge while pending: one wake-up may stand for many exits, so
//!   every wake-up reaps with waitpid(-1, WNOHANG) until nothing is left.
//! - Orphans are reparented to PID 1, or to the nearest child subreaper
//!   (PR_SET_CHILD_SUBREAPER), which is what nook becomes when not PID 1.

use crate::base::packed::say;
use crate::base::error::{EXIT_SETUP, Failure};
use crate::kernel::raw::{self, Forked, SigSet};
use crate::plan::InitOptions;
use rustix::io::Errno;
use rustix::process::Pid;
use rustix::time::Timespec;

/// Blocks every signal; returns the mask nook inherited, which PROGRAM gets
/// back before exec.
pub fn block_all_signals() -> Result<SigSet, Errno> {
    raw::sigprocmask(raw::SIG_BLOCK, &SigSet::full())
}

/// Prepares the init side before PROGRAM starts: subreaper and pdeathsig.
/// Failures here stop nook before PROGRAM runs.
pub fn prepare<'a>(opts: &InitOptions) -> Result<(), Failure<'a>> {
    let pid1 = rustix::process::getpid().as_raw_nonzero().get() == 1;
    if !pid1 || opts.subreaper {
        raw::set_child_subreaper().map_err(|e| Failure::new(c"become", say!("child subreaper"), e))?;
    }
    if let Some(sig) = opts.pdeathsig {
        raw::set_parent_death_signal(sig).map_err(|e| Failure::new(c"set", say!("--pdeathsig"), e))?;
    }
    Ok(())
}

/// Whether nook's process group owns the terminal on stdin. Inside a PID
/// namespace both groups may be invisible (0): that is taken as a yes, the
/// common case of a runtime that forked nook in the foreground.
pub fn owns_terminal() -> bool {
    matches!(raw::foreground_and_own_group(0), (Ok(fg), own) if fg == own)
}

/// Forks PROGRAM's process. In the child, `exec` runs with every signal
/// still blocked and must restore the mask and exec (never return). The
/// child gets its own process group and, when `foreground` (nook owns the
/// terminal), takes the terminal over (tini's isolate_child).
pub fn spawn<'a>(foreground: bool, new_session: bool, exec: impl FnOnce() -> i32) -> Result<i32, Failure<'a>> {
    // SAFETY: single-threaded; the child only sets its group, then execs.
    match unsafe { raw::fork(0) }.map_err(|e| Failure::new(c"fork", c"PROGRAM", e))? {
        Forked::Child => {
            if new_session {
                // No controlling terminal, so no TIOCSTI into the caller's.
                let _ = raw::setsid();
                raw::exit_group(exec())
            }
            let _ = rustix::process::setpgid(None, None);
            if foreground {
                // SIGTTOU is blocked, so a background group may take the
                // foreground (tcsetpgrp(3)).
                // SAFETY: stdin stays open for the process's lifetime.
                let stdin = unsafe { rustix::fd::BorrowedFd::borrow_raw(0) };
                let _ = rustix::termios::tcsetpgrp(stdin, rustix::process::getpid());
            }
            raw::exit_group(exec())
        }
        Forked::Parent(child) => {
            // Like tini, the init ignores SIGTTIN and SIGTTOU (it never
            // touches the terminal once PROGRAM has it); PROGRAM keeps what
            // nook inherited, for the init ignores them only once forked
            // (nothing to save and restore in the child: 192 bytes).
            // Ignored *and* blocked, a TTIN or TTOU sent to nook is still
            // queued and forwarded.
            for sig in [linux_raw_sys::general::SIGTTIN, linux_raw_sys::general::SIGTTOU] {
                let _ = raw::sigaction(sig as i32, &raw::IGNORE);
            }
            // Also from this side, so that a group signal sent before the
            // child ran cannot miss. Fails harmlessly once it has exec'd.
            if !new_session {
                let _ = rustix::process::setpgid(Pid::from_raw(child), Pid::from_raw(child));
            }
            Ok(child)
        }
    }
}

/// The directory PID 1 sits in, in a static of its own: a `c"..."`
/// literal would be among the C strings, which build.rs links into a
/// segment PID 1 never maps.
static ROOT: [u8; 2] = *b"/\0";

/// The children of nook's (only) thread, which a subreaper signals.
static CHILDREN: [u8; 27] = *b"/proc/thread-self/children\0";

/// Supervises PROGRAM (pid `program`) until it exits; returns its status.
/// From here on nook only warns: the container depends on PID 1 staying up.
pub fn supervise(program: i32, opts: &InitOptions) -> i32 {
    let pid1 = rustix::process::getpid().as_raw_nonzero().get() == 1;
    // The init keeps no directory busy and no fd open (PROGRAM has its own).
    if let Ok(root) = core::ffi::CStr::from_bytes_until_nul(&ROOT) {
        let _ = rustix::process::chdir(root);
    }
    let _ = raw::close_from(3);
    let all = SigSet::full();
    let mut status = None;
    while status.is_none() {
        match raw::sigtimedwait(&all, None) {
            Ok(sig) if sig == linux_raw_sys::general::SIGCHLD as i32 => {}
            // --pause: no PROGRAM to forward to; TERM and INT end nook.
            Ok(sig) if opts.pause => {
                if sig == linux_raw_sys::general::SIGTERM as i32 || sig == linux_raw_sys::general::SIGINT as i32 {
                    status = Some(0);
                }
            }
            Ok(sig) => forward(program, opts.forwarded(sig), opts.signal_group),
            Err(_) => {}
        }
        status = reap(program, opts.warn_on_reap).program.or(status);
    }
    let status = opts.exit_status(status.unwrap_or(EXIT_SETUP));
    finish(pid1, opts.grace);
    status
}

/// Forwards a signal to PROGRAM (or its group); ESRCH means it is already
/// gone, which the next reap notices.
fn forward(program: i32, sig: i32, group: bool) {
    let target = if group { -program } else { program };
    let _ = raw::kill(target, sig);
}

/// What a round of [`reap`] found.
struct Reaped {
    /// PROGRAM's status, if it was among the reaped.
    program: Option<i32>,
    /// Whether children remain (none of which has exited yet).
    children_left: bool,
}

/// Reaps every zombie without blocking; returns PROGRAM's status once it
/// has been reaped, and whether any child remains. With `warn`, each other
/// process reaped is a warning line (tini's -w).
fn reap(program: i32, warn: bool) -> Reaped {
    let mut found = None;
    loop {
        match raw::wait(-1, linux_raw_sys::general::WNOHANG) {
            // Children remain but none has exited.
            Ok((0, _)) => return Reaped { program: found, children_left: true },
            Ok((pid, st)) => {
                if pid == program {
                    found = raw::exit_code(st).or(found);
                } else if warn {
                    warn_reaped(pid);
                }
            }
            Err(Errno::INTR) => {}
            // ECHILD: none.
            Err(_) => return Reaped { program: found, children_left: false },
        }
    }
}

/// After PROGRAM: the rest get TERM, `grace` seconds while being reaped, then
/// KILL. As PID 1 "the rest" is everything in the namespace (kill(-1)); as a
/// subreaper it is the children left to nook. With no grace as a subreaper,
/// nook leaves them be, as tini does.
fn finish(pid1: bool, grace: u32) {
    if !pid1 && grace == 0 {
        reap(0, false);
        return;
    }
    if !has_children() {
        return;
    }
    if grace > 0 {
        signal_rest(pid1, linux_raw_sys::general::SIGTERM as i32);
        let deadline = now().saturating_add(grace as u64 * 1_000_000_000);
        let chld = SigSet::empty().with(linux_raw_sys::general::SIGCHLD as i32);
        // Each round reaps those that exited while it waited.
        while has_children() {
            let left = deadline.saturating_sub(now());
            if left == 0 {
                break;
            }
            let t = Timespec { tv_sec: (left / 1_000_000_000) as i64, tv_nsec: (left % 1_000_000_000) as i64 };
            let _ = raw::sigtimedwait(&chld, Some(&t));
        }
    }
    while has_children() {
        signal_rest(pid1, linux_raw_sys::general::SIGKILL as i32);
        // Block until one exits; the next round sweeps the rest.
        let _ = raw::wait(-1, 0);
    }
}

/// Whether any child remains, reaping those that already exited: the
/// reaping loop itself (a loop of its own took 48 bytes more). Inlined:
/// a call of its own at each of finish's three uses took 8 bytes more.
#[inline(always)]
fn has_children() -> bool {
    reap(0, false).children_left
}

fn signal_rest(pid1: bool, sig: i32) {
    if pid1 {
        // kill(-1) from a namespace's init reaches every other process in it.
        let _ = raw::kill(-1, sig);
        return;
    }
    // As a subreaper: each remaining child (their own children reparent to
    // nook as they die and are caught by the next round).
    // /proc/thread-self is /proc/self/task/TID as the proc mount's own PID
    // namespace numbers it (a pid from getpid() may be another
    // namespace's); one fixed path, in a static for the reason of ROOT's.
    // SAFETY: CHILDREN ends with its only NUL.
    let path = unsafe { core::ffi::CStr::from_bytes_with_nul_unchecked(&CHILDREN) };
    let Ok(fd) = crate::kernel::raw::open_cloexec(path, rustix::fs::OFlags::RDONLY) else {
        return;
    };
    // Read in small pieces, a pid's digits carried over from one to the
    // next: a page-sized buffer would be a stack page more in PID 1's
    // resident memory (its stack stays within one page). 160 rather than
    // 128: the compiler zeroes 128 bytes with eight vector stores inline,
    // 160 with one call to memset (-32 bytes).
    let mut buf = [0u8; 160];
    let mut pid = 0i32;
    while let Ok(n @ 1..) = rustix::io::read(&fd, &mut buf) {
        for &c in buf.get(..n).unwrap_or_default() {
            if c.is_ascii_digit() {
                pid = pid.wrapping_mul(10).wrapping_add((c - b'0') as i32);
            } else if pid > 0 {
                let _ = raw::kill(core::mem::take(&mut pid), sig);
            }
        }
    }
    if pid > 0 {
        let _ = raw::kill(pid, sig);
    }
}

#[inline(never)]
fn warn_reaped(pid: i32) {
    let mut line = crate::base::text::Buf::<64>::new();
    line.push(b"nook: warning: reaped zombie process ").dec(pid as u64).push(b"\n");
    let _ = crate::base::out::write_all(crate::base::out::STDERR, line.as_bytes());
}

fn now() -> u64 {
    raw::monotonic_ns()
}
