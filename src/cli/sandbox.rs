//! The sandbox options (README, "The sandbox: Landlock and seccomp"), which `run`,
//! `init` and `enter` share: Landlock rules and seccomp filters.

use crate::base::packed::say;
use crate::base::text::SplitOn;
use super::Cursor;
use crate::base::error::{Failure, Result};
use crate::base::text::c_tail;
use crate::base::num::parse_number;
use crate::base::words::{Words, words};
use crate::cli::values::{bad_value, number, open_fd};
use crate::kernel::seccomp;
use crate::plan::sandbox::{FilterFd, LandlockPath, Port, Sandbox};
use core::ffi::{CStr, c_char};

#[derive(Clone, Copy)]
pub(super) enum SandboxOpt {
    Ro, Rw, Bind, Connect, Scope, BestEffort, Filter, Deny,
}

pub(super) const SANDBOX_OPTIONS: Words<SandboxOpt> = words![
    "--landlock-ro" => SandboxOpt::Ro, "--landlock-rw" => SandboxOpt::Rw,
    "--landlock-net-bind" => SandboxOpt::Bind, "--landlock-net-connect" => SandboxOpt::Connect,
    "--landlock-scope" => SandboxOpt::Scope, "--landlock-best-effort" => SandboxOpt::BestEffort,
    "--seccomp" => SandboxOpt::Filter, "--add-seccomp-fd" => SandboxOpt::Filter, "--seccomp-deny" => SandboxOpt::Deny,
];

/// Reads one sandbox option into `sb`; false when `arg` is not one.
pub(super) fn option<'a>(cur: &mut Cursor<'a>, arg: &'a CStr, sb: &mut Sandbox<'a>) -> Result<'a, bool> {
    let Some(opt) = SANDBOX_OPTIONS.find(super::name(arg)) else { return Ok(false) };
    // Without run and enter (nook as bwrap's build) only seccomp filters
    // are ever set: bwrap's --seccomp and --add-seccomp-fd, and the init's
    // --add-seccomp-fd that its re-exec hands on. The Landlock options and
    // --seccomp-deny are then no options (that build's --help lists none):
    // without a reader, their rules' code leaves the binary.
    #[cfg(not(nook_own_process))]
    if !matches!(opt, SandboxOpt::Filter) {
        return Ok(false);
    }
    let full = || Failure::option(arg, say!("given too many times"));
    match opt {
        SandboxOpt::Ro | SandboxOpt::Rw => {
            let path = cur.absolute()?;
            sb.paths.push(LandlockPath { path, write: matches!(opt, SandboxOpt::Rw) }).map_err(|_| full())?;
        }
        SandboxOpt::Bind | SandboxOpt::Connect => {
            let text = cur.value()?;
            let port = number(arg, text, 10, u16::MAX as u64)? as u16;
            sb.ports.push(Port { text, port, connect: matches!(opt, SandboxOpt::Connect) }).map_err(|_| full())?;
        }
        SandboxOpt::Scope => sb.scope = true,
        SandboxOpt::BestEffort => sb.best_effort = true,
        SandboxOpt::Filter => {
            let text = cur.value()?;
            let fd = open_fd(arg, text)?;
            sb.filter_fds.push(FilterFd { fd, text }).map_err(|_| full())?;
        }
        SandboxOpt::Deny => {
            let list = cur.value()?;
            deny_list(arg, list, sb)?;
            sb.deny_lists.push(list).map_err(|_| full())?;
        }
    }
    Ok(true)
}

/// `SYSCALL[,SYSCALL...]`: names from the kernel layer's table, or x86_64
/// numbers. An error names the list from the bad entry on.
fn deny_list<'a>(option: &'a CStr, list: &'a CStr, sb: &mut Sandbox<'a>) -> Result<'a, ()> {
    let mut at = 0;
    for name in list.to_bytes().split_on(b',') {
        let entry = c_tail(list, at);
        at += name.len() + 1;
        let nr = seccomp::syscall_number(name)
            .or_else(|| parse_number(name, 10).filter(|&n| n <= u16::MAX as u64).map(|n| n as u32))
            .ok_or_else(|| {
                bad_value(option, entry, say!("is not a system call nook knows by name, nor a number (see README)"))
            })?;
        // A plain loop: slice::contains of u16 is unrolled in chunks.
        #[allow(clippy::manual_contains)]
        let listed = sb.denied.iter().any(|&d| d == nr as u16);
        if !listed {
            sb.denied.push(nr as u16).map_err(|_| Failure::option(option, say!("lists more than 255 system calls")))?;
        }
    }
    Ok(())
}

/// Hands the sandbox options on to the init `run` re-executes, through
/// `push` (one argv pointer each: reexec's writer knows when argv is
/// full). The filter fds go separately (kernel::seccomp::carry_filters).
#[cfg(all(nook_container, nook_own_process))]
pub(super) fn hand_on(sb: &Sandbox, push: &mut impl FnMut(*const c_char)) {
    use crate::base::words::named;
    for rule in sb.paths.iter() {
        push(if rule.write { named!(SANDBOX_OPTIONS, "--landlock-rw") } else { named!(SANDBOX_OPTIONS, "--landlock-ro") }.as_ptr());
        push(rule.path.as_ptr());
    }
    for port in sb.ports.iter() {
        push(if port.connect { named!(SANDBOX_OPTIONS, "--landlock-net-connect") } else { named!(SANDBOX_OPTIONS, "--landlock-net-bind") }.as_ptr());
        push(port.text.as_ptr());
    }
    if sb.scope {
        push(named!(SANDBOX_OPTIONS, "--landlock-scope").as_ptr());
    }
    if sb.best_effort {
        push(named!(SANDBOX_OPTIONS, "--landlock-best-effort").as_ptr());
    }
    for list in sb.deny_lists.iter() {
        push(named!(SANDBOX_OPTIONS, "--seccomp-deny").as_ptr());
        push(list.as_ptr());
    }
}

/// Without run and enter only the filters are read (see `option`), and
/// they go separately: nothing to hand on.
#[cfg(all(nook_container, not(nook_own_process)))]
pub(super) fn hand_on(_sb: &Sandbox, _push: &mut impl FnMut(*const c_char)) {}
