//! `nook enter --pid PID [--] PROGRAM...`: PROGRAM joins a running
//! container, as nsenter(1) does with all its namespaces, root and cwd.
//!
//! Kernel rules this relies on:
//! - setns(pidfd, types) joins several namespaces of a process at once and
//!   atomically (Linux 5.8); with a user namespace among them, the others
//!   are checked against the capabilities gained in it. Older kernels take
//!   one /proc/PID/ns/* fd per call, the user namespace first.
//! - Joining a PID namespace moves only the caller's future children into
//!   it, so nook forks for PROGRAM and waits for it.
//! - Everything of the host that is needed (the target's environment, root
//!   and cwd) is read or opened before the mount namespace changes.
//! - A process that is not dumpable (PR_SET_DUMPABLE 0, kept across fork,
//!   reset by execve) opens its /proc/PID/{environ,fd,exe,mem} and ptrace
//!   only to holders of CAP_SYS_PTRACE in the user namespace it was
//!   executed in: the caller's, not the container's, whose root lacks it.

use crate::base::packed::say;
use crate::base::text::SplitOn;
use crate::base::error::{Context, Failure, Result, Step};
use crate::plan::{Argv, RunPlan};
use crate::setup::process::{Environment, MAX_ENV};
use crate::kernel::raw::{self, Forked};
use crate::setup::namespaces::NAMESPACES;
use crate::base::text::Buf;
use crate::kernel::procfs::proc_file;
use core::ffi::{CStr, c_char};
use linux_raw_sys::general as k;
use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::OFlags;
use rustix::io::Errno;

/// The target's environment, read from /proc/PID/environ (in .bss: its
/// pages are touched only as far as the environment reaches).
static mut ENVIRON: [u8; ENVIRON_LEN] = [0; ENVIRON_LEN];
const ENVIRON_LEN: usize = 256 * 1024;

/// Room for the caller's NOOK_* variables across the re-exec (see
/// [`leave_the_host`]), in .bss.
static mut OWN_ENV: [*const c_char; 64] = [core::ptr::null(); 64];

/// `nook enter`, given the whole argv and envp (it re-executes itself).
#[inline(never)]
pub fn enter(plan: &RunPlan, argv: Argv<'static>, envp: Argv<'static>) -> i32 {
    let joined = match leave_the_host(plan, argv, envp) {
        Ok(()) => prepare_and_join(plan),
        Err(f) => Err(f),
    };
    joined.unwrap_or_else(Failure::exit)
}

/// Before the first setns, nothing of the caller's that nook holds may stay
/// reachable from the container, in enter or in the child it forks there:
/// - not dumpable (see the kernel rules above), from here on, in both;
/// - no fd beyond 0-2: whatever the caller passed in is closed now;
/// - not the host's binary: whatever runs in the container's PID namespace
///   (the child until it execs PROGRAM; enter itself where the container
///   shares the caller's) would let a root there who gets /proc/PID/exe
///   reopen the binary for writing (runc's CVE-2019-5736). So enter first
///   re-executes itself from a sealed copy, as run's init does, with the
///   same argv and only the caller's NOOK_* variables: the rest of the
///   caller's environment is not enter's to carry in;
/// - not the caller's session keyring (see `isolate::leave_session_keyring`).
fn leave_the_host(plan: &RunPlan, argv: Argv, envp: Argv) -> Result<'static, ()> {
    raw::set_dumpable(0);
    close_all_but(plan).map_err(|e| Failure::new(c"close", say!("fds from 3"), e))?;
    if crate::setup::selfcopy::running_sealed() {
        // Named after the file it executes, it would show as `memfd:nook`.
        let _ = raw::set_name(c"nook");
        return crate::setup::namespaces::leave_session_keyring();
    }
    let copy = crate::setup::selfcopy::sealed_copy().map_err(|e| Failure::new(say!("copy nook into"), say!("a sealed memfd"), e))?;
    // SAFETY: single-threaded, and only the execveat below reads it.
    let own = unsafe { &mut *core::ptr::addr_of_mut!(OWN_ENV) };
    let (mut n, mut too_many) = (0, false);
    for entry in envp.iter().filter(|e| e.to_bytes().starts_with(b"NOOK_")) {
        too_many = n + 1 == own.len();
        if too_many {
            break;
        }
        own[n] = entry.as_ptr();
        n += 1;
    }
    own[n] = core::ptr::null();
    let e = match too_many {
        // More NOOK_* variables than nook knows of, many times over.
        true => Errno::TOOBIG,
        // SAFETY: argv as the kernel gave it, and `own`: null-terminated
        // arrays of C strings that live until the exec.
        false => unsafe { raw::execveat(copy.as_fd(), argv.as_ptr(), own.as_ptr()) },
    };
    Err(Failure::new(say!("exec nook from"), say!("a sealed memfd"), e))
}

/// Closes every fd from 3 but the seccomp filters the caller hands in
/// (`--seccomp FD`): read before the first setns, and never PROGRAM's.
fn close_all_but(plan: &RunPlan) -> core::result::Result<(), Errno> {
    let mut first = 3;
    loop {
        // The lowest filter fd from `first` on (u32::MAX, never an fd:
        // none); a plain loop, where `min` over the filtered iterator
        // counted the fds with a division.
        let mut kept = u32::MAX;
        for filter in plan.process.sandbox.filter_fds.iter() {
            let fd = filter.fd as u32;
            if fd >= first && fd < kept {
                kept = fd;
            }
        }
        if kept == u32::MAX {
            return raw::close_from(first);
        }
        if kept > first {
            raw::close_range(first, kept - 1)?;
        }
        first = kept + 1;
    }
}

fn prepare_and_join<'a>(plan: &RunPlan<'a>) -> Result<'a, i32> {
    // The caller's filters, read while nothing has changed.
    crate::setup::sandbox::read_filters(&plan.process.sandbox)?;
    let pid_text = plan.enter_pid.unwrap_or(c"0");
    let pid = crate::base::num::parse_number(pid_text.to_bytes(), 10).unwrap_or(0) as i32;
    let pid = container_of(pid).ok_or_else(|| {
        Failure::usage(say!("enter process"), pid_text, say!("is in no container: it has all of nook's own namespaces"))
            .hint(say!("give the container's PID 1, the child-pid of run's --info-fd"))
    })?;
    let target = rustix::process::Pid::from_raw(pid).ok_or_else(|| Failure::new(say!("enter process"), pid_text, Errno::SRCH))?;
    let pidfd = rustix::process::pidfd_open(target, rustix::process::PidfdFlags::empty())
        .map_err(|e| Failure::new(say!("enter process"), pid_text, e))?;

    // SAFETY: single-threaded, and ENVIRON is used only here, once.
    let environ = unsafe { &mut *core::ptr::addr_of_mut!(ENVIRON) };
    let environ = read_proc(pid, b"environ", environ).map_err(|e| gone(say!("read environment of"), pid_text, e))?;
    if environ.len() == ENVIRON_LEN {
        return Err(Failure::new(say!("read environment of"), pid_text, Errno::TOOBIG));
    }
    let root = open_proc_dir(pid, b"root").map_err(|e| gone(say!("open root of"), pid_text, e))?;
    let cwd = open_proc_dir(pid, b"cwd").map_err(|e| gone(say!("open working directory of"), pid_text, e))?;
    let flags = foreign_namespaces(pid).unwrap_or(0);
    let ids = if flags & k::CLONE_NEWUSER != 0 { target_ids(pid) } else { None };

    crate::base::out::trace(1, c"setns", pid_text);
    join(&pidfd, pid, flags).map_err(|e| {
        gone(say!("join namespaces of"), pid_text, e)
            .hint_if(e == Errno::PERM, say!("not permitted: the target belongs to another user or its user namespace is not yours"))
    })?;
    if let Some((uid, gid)) = ids {
        become_ids(uid, gid).at(say!("take the user of"), pid_text)?;
    }
    rustix::process::fchdir(&root).at(say!("enter root of"), pid_text)?;
    rustix::process::chroot(c".").at(say!("enter root of"), pid_text)?;
    match plan.process.chdir {
        Some(dir) => rustix::process::chdir(dir).at(say!("chdir to"), dir)?,
        None => rustix::process::fchdir(&cwd).at(say!("enter working directory of"), pid_text)?,
    }
    drop((root, cwd, pidfd));

    let mut pointers: heapless::Vec<*const c_char, { MAX_ENV + 1 }> = heapless::Vec::new();
    // Each NUL-ended entry but the empty ones, through the shared reader
    // of packed C strings.
    for entry in crate::base::text::c_strings(environ).filter(|e| !e.is_empty()) {
        pointers.push(entry.as_ptr()).map_err(|_| Failure::new(say!("read environment of"), pid_text, Errno::TOOBIG))?;
    }
    let count = pointers.len();
    let _ = pointers.push(core::ptr::null());
    // SAFETY: NUL-terminated strings in ENVIRON, then a null pointer.
    let envp = unsafe { Argv::from_raw(pointers.as_ptr(), count) };
    // SAFETY: the one environment of this process.
    let env = unsafe { Environment::shared(envp, false, &plan.process.env_edits) }?;

    let mask = crate::pid1::supervisor::block_all_signals().map_err(|e| Failure::new(c"block", c"signals", e))?;
    // SAFETY: single-threaded; the child execs or exits.
    match unsafe { raw::fork(0) }.map_err(|e| Failure::new(c"fork", c"PROGRAM", e))? {
        Forked::Child => raw::exit_group(crate::setup::process::exec_program(&plan.process, None, env, Some(mask)).exit()),
        Forked::Parent(child) => Ok(crate::setup::monitor::relay_signals(child)),
    }
}

/// A step on the target that failed, with the hint its errno calls for
/// when the target is gone or not the caller's. Out of line: the four
/// steps share it.
#[cold]
#[inline(never)]
fn gone<'a>(step: Step, pid_text: &'a CStr, e: Errno) -> Failure<'a> {
    Failure::new(step, pid_text, e)
        .hint_if(matches!(e, Errno::SRCH | Errno::NOENT), say!("the target has exited"))
        .hint_if(matches!(e, Errno::ACCESS | Errno::PERM), say!("not permitted: the target belongs to another user"))
}

/// The namespaces of `pid` that are not nook's own, as CLONE_NEW* flags;
/// None when they cannot be read (the steps after then say why).
#[inline(never)]
fn foreign_namespaces(pid: i32) -> Option<u32> {
    let mut flags = 0;
    for &(name, flag) in &NAMESPACES {
        let theirs = ns_inode(Some(pid), name);
        match (ns_inode(None, name), theirs) {
            (Some(mine), Some(theirs)) if mine != theirs => flags |= flag,
            (Some(_), None) => return None,
            _ => {}
        }
    }
    Some(flags)
}

/// The process to enter for `--pid PID`: PID itself when it is in a
/// container (or cannot be told); when it shares all of nook's namespaces,
/// the container it started: its first child that has namespaces of its
/// own. So the outer nook of `run --unshare-pid`, which stays in the
/// caller's namespaces to wait (the one `pgrep nook` shows first), stands
/// for its container. None: PID is in no container.
fn container_of(pid: i32) -> Option<i32> {
    if foreign_namespaces(pid) != Some(0) {
        return Some(pid);
    }
    let mut entry = Buf::<48>::new();
    entry.push(b"task/").dec(pid as u64).push(b"/children");
    let mut children = [0u8; 1024];
    read_proc(pid, entry.as_bytes(), &mut children)
        .ok()?
        .split_on(b' ')
        .filter_map(|word| crate::base::num::parse_number(word, 10))
        .map(|child| child as i32)
        .find(|&child| foreign_namespaces(child).is_some_and(|flags| flags != 0))
}

/// setns with the pidfd, or one namespace file at a time where the kernel
/// predates pidfd setns (EINVAL).
// Out of line: inlined into its caller it took 46 bytes more.
#[inline(never)]
fn join(pidfd: &OwnedFd, pid: i32, flags: u32) -> core::result::Result<(), Errno> {
    match raw::setns(pidfd.as_fd(), flags) {
        Err(Errno::INVAL) if flags != 0 => {}
        r => return r,
    }
    // Opened first: once in the target's mount namespace, its /proc is gone.
    let mut files: [Option<OwnedFd>; 8] = Default::default();
    for (slot, (name, flag)) in files.iter_mut().zip(&NAMESPACES) {
        if flags & flag != 0 {
            let mut path = Buf::<48>::new();
            path.push(b"ns/").push(name.as_bytes());
            *slot = Some(open_proc(pid, path.as_bytes(), OFlags::RDONLY)?);
        }
    }
    // The user namespace first: it grants the capabilities the others need.
    for user_pass in [true, false] {
        for (file, &(_, flag)) in files.iter().zip(&NAMESPACES) {
            if let Some(fd) = file.as_ref().filter(|_| (flag == k::CLONE_NEWUSER) == user_pass) {
                raw::setns(fd.as_fd(), flag)?;
            }
        }
    }
    Ok(())
}

/// The target's effective uid and gid as its own user namespace sees them,
/// from /proc/PID/status and its maps (both in the caller's terms).
fn target_ids(pid: i32) -> Option<(u32, u32)> {
    let mut status = [0u8; 4096];
    let status = read_proc(pid, b"status", &mut status).ok()?;
    let effective = |key: &[u8]| {
        let line = status.split_on(b'\n').find(|l| l.starts_with(key))?;
        line.get(key.len()..)?.split_on(b'\t').filter(|f| !f.is_empty()).nth(1).and_then(|f| crate::base::num::parse_number(f, 10))
    };
    let inside = |map: &[u8], outside: u64| {
        let mut buf = [0u8; 2048];
        read_proc(pid, map, &mut buf).ok()?.split_on(b'\n').find_map(|line| {
            let mut f = line.split_on(b' ').filter(|f| !f.is_empty()).map(|f| crate::base::num::parse_number(f, 10));
            let (first, lower, count) = (f.next()??, f.next()??, f.next()??);
            (outside >= lower && outside - lower < count).then(|| (first + outside - lower) as u32)
        })
    };
    Some((inside(b"uid_map", effective(b"Uid:")?)?, inside(b"gid_map", effective(b"Gid:")?)?))
}

/// Becomes `uid`/`gid` inside the joined user namespace, without the
/// caller's supplementary groups (when the namespace allows setgroups).
fn become_ids(uid: u32, gid: u32) -> core::result::Result<(), Errno> {
    use rustix::process::{Gid, Uid};
    if rustix::process::getuid().as_raw() == uid && rustix::process::getgid().as_raw() == gid {
        return Ok(());
    }
    let _ = rustix::thread::set_thread_groups(&[]);
    let g = Gid::from_raw(gid);
    rustix::thread::set_thread_res_gid(g, g, g)?;
    let u = Uid::from_raw(uid);
    rustix::thread::set_thread_res_uid(u, u, u)
}

/// The inode of /proc/PID/ns/NAME (PID None: this process).
fn ns_inode(pid: Option<i32>, name: &str) -> Option<u64> {
    let mut path = proc_file(pid, b"/ns/");
    path.push(name.as_bytes());
    rustix::fs::stat(path.as_cstr().ok()?).ok().map(|st| st.st_ino)
}

fn open_proc(pid: i32, entry: &[u8], flags: OFlags) -> core::result::Result<OwnedFd, Errno> {
    let mut path = proc_file(Some(pid), b"/");
    path.push(entry);
    crate::kernel::raw::open_cloexec(path.as_cstr()?, flags)
}

fn open_proc_dir(pid: i32, entry: &[u8]) -> core::result::Result<OwnedFd, Errno> {
    open_proc(pid, entry, OFlags::PATH | OFlags::DIRECTORY)
}

/// Reads a whole /proc/PID file into `buf`; returns the part read (one
/// checked slice here rather than one at each caller).
fn read_proc<'b>(pid: i32, entry: &[u8], buf: &'b mut [u8]) -> core::result::Result<&'b [u8], Errno> {
    let fd = open_proc(pid, entry, OFlags::RDONLY)?;
    let n = raw::read_full(fd.as_fd(), buf)?;
    Ok(buf.get(..n).unwrap_or_default())
}
