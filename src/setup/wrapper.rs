//! The file-descriptor protocol of shell wrappers, with bwrap's keys:
//! `--info-fd`, `--json-status-fd`, `--block-fd` (`--sync-fd` needs no code
//! beyond being kept open by the right process; see run.rs).

use crate::base::packed::say;
use crate::base::error::Failure;
use crate::plan::RunPlan;
use crate::kernel::raw::{self, SigSet};
use linux_raw_sys::general as k;
use rustix::fd::OwnedFd;
use rustix::io::Errno;

/// Writes the container's pid and namespaces to `--info-fd` and as the first
/// line of `--json-status-fd`, then closes both here (the monitor or the
/// outer nook keeps the status fd for the last line). Written by the
/// container's first process itself, after setup, so the namespaces are its
/// final ones. A wrapper that cannot be told is a setup failure.
pub fn announce(plan: &RunPlan, child: i32, proc_self: &OwnedFd, flags: u32) -> Result<(), Failure<'static>> {
    let bwrap = bwrap_layout();
    let mut json = crate::base::text::Buf::<512>::new();
    // nook's layout is the same for both fds: described once.
    if !bwrap {
        crate::setup::namespaces::describe(&mut json, child, proc_self, flags, &[b"{\"child-pid\": ", b", \"", b"}\n"]);
    }
    // bwrap's differ: `--info-fd`'s has one key a line, four spaces in,
    // `--json-status-fd`'s spaces inside the braces, and neither names the
    // user or time namespace.
    let info: &[&[u8]; 3] = &[b"{\n    \"child-pid\": ", b",\n    \"", b"\n}\n"];
    let status: &[&[u8]; 3] = &[b"{ \"child-pid\": ", b", \"", b" }\n"];
    for (fd, name, layout) in [(plan.fds.info, say!("--info-fd"), info), (plan.fds.json_status, say!("--json-status-fd"), status)] {
        let Some(fd) = fd else { continue };
        if bwrap {
            json.clear();
            crate::setup::namespaces::describe(&mut json, child, proc_self, flags & !(k::CLONE_NEWUSER | k::CLONE_NEWTIME), layout);
        }
        let written = write_to_wrapper(fd, json.as_bytes());
        let _ = raw::close(fd);
        written.map_err(|e| Failure::new(c"write", name, e))?;
    }
    Ok(())
}

/// Whether the wrapper fds' JSON is in bwrap's layout: never in a build
/// without the personality.
fn bwrap_layout() -> bool {
    crate::base::out::persona::bwrap()
}

/// write(2) all of `data` to a wrapper's fd. A reader that went away is
/// EPIPE, not a SIGPIPE that would kill nook without a word: the signal is
/// ignored for the write (and, where nook blocks every signal, taken off
/// the queue so it is not relayed to the container).
fn write_to_wrapper(fd: i32, data: &[u8]) -> Result<(), Errno> {
    let pipe = k::SIGPIPE as i32;
    let old = raw::sigaction(pipe, &raw::IGNORE)?;
    let result = crate::base::out::write_all(fd, data);
    if result == Err(Errno::PIPE) {
        let zero = rustix::time::Timespec { tv_sec: 0, tv_nsec: 0 };
        let _ = raw::sigtimedwait(&SigSet::empty().with(pipe), Some(&zero));
    }
    let _ = raw::sigaction(pipe, &old);
    result
}

/// The last line of `--json-status-fd`, unless PROGRAM never ran.
pub fn finish_status(plan: &RunPlan, status: i32, exec_failed: Option<&OwnedFd>) -> i32 {
    if let (Some(fd), Some(pipe)) = (plan.fds.json_status, exec_failed) {
        // Every writer is gone by now: one byte means failure, EOF success.
        if raw::read_byte(crate::kernel::fd::borrow(pipe)) == Ok(0) {
            let mut line = crate::base::text::Buf::<40>::new();
            // bwrap's has spaces inside the braces.
            let (open, close): (&[u8], &[u8]) =
                if bwrap_layout() { (b"{ \"exit-code\": ", b" }\n") } else { (b"{\"exit-code\": ", b"}\n") };
            line.push(open).dec(status as u64).push(close);
            // PROGRAM has run: from here nook only warns.
            if let Err(e) = write_to_wrapper(fd, line.as_bytes()) {
                Failure::new(c"write", say!("--json-status-fd"), e).report();
            }
        }
    }
    status
}

/// With `--json-status-fd`: a pipe whose write end reports a PROGRAM that
/// could not be executed.
pub fn exec_failure_pipe(plan: &RunPlan) -> Result<Option<(OwnedFd, OwnedFd)>, Failure<'static>> {
    if plan.fds.json_status.is_none() {
        return Ok(None);
    }
    rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
        .map(Some)
        .map_err(|e| Failure::new(say!("create pipe for"), say!("--json-status-fd"), e))
}

/// The side that stays outside (the outer nook, the monitor) closes its copy
/// of `--info-fd`: the container's first process writes the info, and the
/// reader's EOF must not wait for nook.
pub fn leave_info_to_container(plan: &RunPlan) {
    if let Some(fd) = plan.fds.info {
        let _ = raw::close(fd);
    }
}

pub fn report_exec_failure(fd: Option<&OwnedFd>) {
    if let Some(fd) = fd {
        let _ = crate::base::out::write_all(rustix::fd::AsRawFd::as_raw_fd(fd), b"!");
    }
}

/// `--block-fd`: PROGRAM starts after one byte, or EOF, arrives.
pub fn wait_for_go(plan: &RunPlan) -> Result<(), Failure<'static>> {
    let Some(fd) = plan.fds.block else { return Ok(()) };
    crate::base::out::trace(1, say!("wait for"), say!("--block-fd"));
    // SAFETY: a plan's fd (checked open by the parser), read only and
    // closed after.
    let borrowed = unsafe { crate::kernel::fd::borrow_given(fd) };
    raw::read_byte(borrowed).map_err(|e| Failure::new(c"read", say!("--block-fd"), e))?;
    let _ = raw::close(fd);
    Ok(())
}
