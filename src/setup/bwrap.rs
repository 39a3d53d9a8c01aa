//! The bwrap personality's last steps (README, "nook as bwrap"): where
//! PROGRAM starts, the lock files, the namespaces joined (the wrapper
//! fds' JSON in bwrap's layout is setup/wrapper.rs's).
//!
//! role/run.rs drives the container for `nook run` and nook as bwrap
//! alike: it calls the hooks here unconditionally, and a build without the
//! personality has their stand-ins (setup/mod.rs), constants and no-ops.

use crate::base::packed::say;
use crate::base::bwrap::msg;
use crate::base::error::Failure;
use crate::base::text::Buf;
use crate::kernel::raw::{self, Forked, SigSet};
use crate::plan::RunPlan;
use crate::setup::process::Environment;
use linux_raw_sys::general as k;
use rustix::io::Errno;

/// PWD is set by [`settle_workdir`], once the tree is built: not before it,
/// as `nook run` alone sets it (role/run.rs).
pub const SETTLES_WORKDIR: bool = true;

/// `--userns FD` and `--pidns FD`: joined before anything else is made.
pub fn join_first<'a>(plan: &RunPlan) -> Result<(), Failure<'a>> {
    join(plan.bwrap.userns, rustix::thread::LinkNameSpaceType::User, c"--userns")
        .and_then(|()| join(plan.bwrap.pidns, rustix::thread::LinkNameSpaceType::ProcessID, c"--pidns"))
}

/// `--userns2 FD` joined and `--assert-userns-disabled` checked: the last
/// steps before the wait for `--block-fd`.
// Out of line: see settle_workdir.
#[inline(never)]
pub fn join_last<'a>(plan: &RunPlan) -> Result<(), Failure<'a>> {
    join(plan.bwrap.userns2, rustix::thread::LinkNameSpaceType::User, c"--userns2")?;
    if plan.bwrap.assert_userns_disabled {
        assert_no_user_namespaces()?;
    }
    Ok(())
}

/// With `--pidns`, the clone makes no PID namespace: it is made one fork
/// later, below the joined one ([`nest_pid_namespace`]).
pub fn nests_pid_namespace(plan: &RunPlan) -> bool {
    plan.bwrap.pidns.is_some()
}

/// `--disable-userns`: the caller's /proc is needed
/// ([`limit_user_namespaces`]), and the tree is locked.
pub fn disables_user_namespaces(plan: &RunPlan) -> bool {
    plan.bwrap.disable_userns
}

/// `--userns-block-fd FD`, when given.
pub fn maps_block_fd(plan: &RunPlan) -> Option<i32> {
    plan.bwrap.userns_block
}

/// Whether the tree is locked (userns::lock_mounts), `read_only` being
/// `nook run`'s answer: bwrap locks nothing when PROGRAM holds no
/// CAP_SYS_ADMIN to undo a read-only mount with, and always with
/// `--disable-userns` (the lock's nested user namespace is the last one).
pub fn locks_tree(plan: &RunPlan, read_only: bool) -> bool {
    read_only && !plan.bwrap.powerless || plan.bwrap.disable_userns
}

/// After the tree is built (the process at `/` or `--chdir`): without
/// `--chdir`, PROGRAM starts in the caller's working directory when it
/// exists inside, else in $HOME when that does, else in `/`; PWD names it.
// Out of line, as join_last, hold_locks and limit_user_namespaces:
// role/run.rs's finish_setup, their one caller, is smaller without their
// bodies (measured, the four: -24 bytes every role, -40 bwrap).
#[inline(never)]
pub fn settle_workdir(plan: &RunPlan, env: &mut Environment) -> Result<(), Errno> {
    // $HOME as a C string, for chdir: only when it is needed.
    let mut home = Buf::<4096>::new();
    let pwd = match (plan.process.chdir, plan.bwrap.cwd) {
        (None, Some(cwd)) if rustix::process::chdir(cwd).is_ok() => cwd.to_bytes(),
        (None, Some(_)) => {
            home.push(env.get(b"HOME").unwrap_or(b""));
            match home.as_cstr() {
                Ok(h) if !h.is_empty() && rustix::process::chdir(h).is_ok() => h.to_bytes(),
                _ => b"/",
            }
        }
        (chdir, _) => chdir.map_or(&b"/"[..], |c| c.to_bytes()),
    };
    env.set(b"PWD", pwd)
}

/// `--lock-file`s: a holder process, forked once the tree is built, opens
/// each DEST, takes a read lock on it (fcntl, the whole file) and keeps it
/// until its parent, the process that becomes PROGRAM, is gone (its
/// parent-death signal). bwrap's own init holds them; nook's PROGRAM (or its
/// init) execs, and an fcntl lock would not survive into PROGRAM without
/// leaving it an fd.
// Out of line: see settle_workdir.
#[inline(never)]
pub fn hold_locks<'a>(plan: &RunPlan<'a>) -> Result<(), Failure<'a>> {
    let Some(&first) = plan.bwrap.locks.first() else { return Ok(()) };
    // The holder's answer: a NUL once it holds every lock, or the failure
    // itself (sent whole, as the id maps' helper sends its own).
    let (report, reported) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).map_err(|e| Failure::new(say!("create pipe for"), c"--lock-file", e))?;
    let parent = rustix::process::getpid();
    // SAFETY: single-threaded; the child only locks, reports and waits.
    match unsafe { raw::fork(0) } {
        Err(e) => Err(Failure::new(c"fork", msg!("the --lock-file holder"), e)),
        Ok(Forked::Child) => {
            drop(report);
            if raw::set_parent_death_signal(k::SIGKILL as i32).is_err() || rustix::process::getppid() != Some(parent) {
                raw::exit_group(1);
            }
            // Every file opened first, then each locked: a missing one is
            // the failure even where an earlier one is locked by another.
            // The files stay open as long as the holder lives.
            let mut files = heapless::Vec::<rustix::fd::OwnedFd, { crate::plan::bwrap::MAX_LOCKS }>::new();
            let held = plan.bwrap.locks.iter().try_for_each(|&path| {
                let fd = raw::open_cloexec(path, rustix::fs::OFlags::RDONLY).map_err(|e| Failure::new(msg!("open lock file"), path, e))?;
                let _ = files.push(fd);
                Ok(())
            });
            let held = held.and_then(|()| {
                plan.bwrap.locks.iter().zip(files.iter()).try_for_each(|(&path, fd)| {
                    rustix::fs::fcntl_lock(fd, rustix::fs::FlockOperation::NonBlockingLockShared).map_err(|e| Failure::new(c"lock", path, e))
                })
            });
            if let Err(f) = held {
                f.send(rustix::fd::AsRawFd::as_raw_fd(&reported));
                raw::exit_group(1);
            }
            let _ = crate::base::out::write_all(rustix::fd::AsRawFd::as_raw_fd(&reported), b"\0");
            drop(reported);
            loop {
                let _ = raw::sigtimedwait(&SigSet::empty(), None);
            }
        }
        Ok(Forked::Parent(_)) => {
            drop(reported);
            let mut sent = [0u8; crate::base::error::SENT_LEN];
            match raw::read_full(rustix::fd::AsFd::as_fd(&report), &mut sent) {
                Ok(1) => Ok(()),
                Ok(crate::base::error::SENT_LEN) => Err(Failure::received(&sent)),
                _ => Err(Failure::new(c"lock", first, Errno::CHILD)),
            }
        }
    }
}

/// `--disable-userns`, first half: the container's user namespace may have
/// one more below it (the mount lock's nested one, made next), and so
/// PROGRAM, inside that, none (the count holds for every ancestor).
/// `proc` is the caller's /proc.
// Out of line: see settle_workdir.
#[inline(never)]
pub fn limit_user_namespaces<'a>(plan: &RunPlan, proc: Option<&rustix::fd::OwnedFd>) -> Result<(), Failure<'a>> {
    let (true, Some(proc)) = (plan.bwrap.disable_userns, proc) else { return Ok(()) };
    let file = c"sys/user/max_user_namespaces";
    let fd = rustix::fs::openat(proc, file, rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::CLOEXEC, rustix::fs::Mode::empty())
        .map_err(|e| Failure::new(c"open", msg!("/proc/sys/user/max_user_namespaces"), e))?;
    crate::base::out::write_all(rustix::fd::AsRawFd::as_raw_fd(&fd), b"1").map_err(|e| Failure::new(c"write", msg!("/proc/sys/user/max_user_namespaces"), e))
}

/// `--assert-userns-disabled`: a user namespace must not be possible here
/// (if it is, this process is in it, and fails).
fn assert_no_user_namespaces<'a>() -> Result<(), Failure<'a>> {
    // SAFETY: single-threaded, and no CLONE_FILES.
    match unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::NEWUSER) } {
        Err(_) => Ok(()),
        Ok(()) => Err(Failure::usage(msg!("user namespaces"), msg!("can be created"), msg!("not disabled as requested"))),
    }
}

/// `--userns FD`, `--pidns FD` (first, before any namespace is made) and
/// `--userns2 FD` (last, before PROGRAM): setns(2) into the namespace FD
/// names, of that type only. A PID namespace is the children's: nook as
/// bwrap always forks PROGRAM (or its init).
fn join<'a>(fd: Option<i32>, kind: rustix::thread::LinkNameSpaceType, option: &'static core::ffi::CStr) -> Result<(), Failure<'a>> {
    let Some(fd) = fd else { return Ok(()) };
    // SAFETY: only used for the call; the caller's fd stays the caller's.
    let borrowed = unsafe { rustix::fd::BorrowedFd::borrow_raw(fd) };
    rustix::thread::move_into_link_name_space(borrowed, Some(kind)).map_err(|e| {
        Failure::new(msg!("join the namespace of"), option, e)
            .hint_if(e == Errno::INVAL, msg!("a user namespace must be a descendant of the current one"))
    })
}

/// `--userns-block-fd FD`: waits for one byte on FD, or its EOF (a read
/// that fails does not wait, as with bwrap, which leaves FD open too).
pub fn wait_for_maps(fd: i32) {
    // SAFETY: only read here; the caller's fd stays the caller's.
    let _ = raw::read_byte(unsafe { rustix::fd::BorrowedFd::borrow_raw(fd) });
}

/// `--pidns FD` with `--unshare-pid`: a new PID namespace can only be made
/// below the one a process is in, and the clone that made this one only
/// put it into the joined one (setns sets the children's). So it forks once
/// more, into a new PID namespace; the child, its PID 1, returns to become
/// the container's init, and this process (as bwrap's intermediate) stays
/// in the joined namespace to relay signals to it and exit with its status.
pub fn nest_pid_namespace(plan: &RunPlan) {
    // SAFETY: single-threaded; the child returns to the container's setup,
    // the parent relays and exits.
    match unsafe { raw::fork(k::CLONE_NEWPID as u64) } {
        Ok(Forked::Child) => {}
        Ok(Forked::Parent(child)) => {
            // This process dies with the outer nook, and the init with
            // this one (its own parent-death signal): a SIGKILL of the
            // outer nook still ends the container. An outer nook gone
            // before this point has closed the init's go-ahead pipe.
            let _ = raw::set_parent_death_signal(k::SIGKILL as i32);
            crate::setup::monitor::hide_from_container();
            // The info is the container's to write: its reader's EOF must
            // not wait for this process (as in wrapper.rs, which imports
            // this file).
            if let Some(fd) = plan.fds.info {
                let _ = raw::close(fd);
            }
            raw::exit_group(crate::setup::monitor::relay_signals(child))
        }
        Err(e) => raw::exit_group(Failure::new(c"create", msg!("the nested PID namespace"), e).exit()),
    }
}
