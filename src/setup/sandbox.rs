//! The workload's sandbox, its very last steps before exec: the Landlock
//! domain, then the seccomp filters (README, "The sandbox: Landlock and seccomp").
//!
//! Both come after everything else (the pivot, the mounts, no_new_privs,
//! the capabilities), so neither has to allow a step of nook's, and
//! seccomp after Landlock, so a filter need not allow Landlock's calls.
//! Paths are opened here, inside the new root. Only PROGRAM is confined:
//! the init that `run --unshare-pid` and `nook init` keep as PID 1 is not,
//! as with bwrap, so a filter cannot break the reaping and forwarding.

use crate::base::error::Result;
use crate::kernel::seccomp;
use crate::plan::sandbox::Sandbox;
// Landlock and --seccomp-deny: only with run or enter, which read them
// (cli/sandbox.rs; nook as bwrap's build has neither).
#[cfg(nook_own_process)]
use {
    crate::base::error::{Failure, warn},
    crate::base::packed::say,
    crate::kernel::landlock::{self, Access},
    rustix::fd::AsFd,
    rustix::fs::OFlags,
    rustix::io::Errno,
    core::ffi::CStr,
};

const _: () = assert!(crate::plan::sandbox::MAX_DENIED <= seccomp::MAX_DENIED);

/// The filter fds with their numbers as given, as the kernel layer takes them.
fn filter_fds<'s, 'a>(sb: &'s Sandbox<'a>) -> impl Iterator<Item = (i32, &'a core::ffi::CStr)> + Clone + 's {
    sb.filter_fds.iter().map(|f| (f.fd, f.text))
}

/// Reads the `--seccomp`/`--add-seccomp-fd` filters now: where nook
/// starts (run, enter), so that a bad one is an error before anything
/// changes. Otherwise [`apply`] reads them.
pub fn read_filters<'a>(sb: &Sandbox<'a>) -> Result<'a, ()> {
    // No filter: the store is left alone, its page of .bss unmapped (two
    // page faults, a read and then a write, on every launch).
    if sb.filter_fds.is_empty() {
        return Ok(());
    }
    seccomp::read_filters(filter_fds(sb))
}

/// Confines this process, and all it executes, as `sb` asks.
pub fn apply<'a>(sb: &Sandbox<'a>) -> Result<'a, ()> {
    // The Landlock options too are read only with run or enter.
    #[cfg(nook_own_process)]
    if sb.landlock() {
        restrict(sb)?;
    }
    if !sb.filter_fds.is_empty() {
        seccomp::load_filters(filter_fds(sb))?;
    }
    // --seccomp-deny is read only with run or enter (cli/sandbox.rs): in
    // nook as bwrap's build the list is always empty (and so are the
    // Landlock rules).
    #[cfg(nook_own_process)]
    if !sb.denied.is_empty() {
        seccomp::deny_filter(&sb.denied)
            .and_then(|f| seccomp::load(&f))
            .map_err(|e| Failure::new(c"load", say!("the --seccomp-deny filter"), e))?;
    }
    Ok(())
}

/// The rights the options ask Landlock to handle: every filesystem right
/// once a path is listed, TCP bind and connect once a port is, the scopes
/// with `--landlock-scope`. Anything else stays as it was.
#[cfg(nook_own_process)]
// Out of line: smaller than inlined into its caller (measured).
#[inline(never)]
fn wanted(sb: &Sandbox) -> Access {
    let all = Access::for_abi(u32::MAX);
    Access {
        fs: if sb.paths.is_empty() { 0 } else { all.fs },
        net: if sb.ports.is_empty() { 0 } else { all.net },
        scoped: if sb.scope { all.scoped } else { 0 },
    }
}

/// Rules the kernel's Landlock ABI lacks (`lacking`): refused, naming
/// `option` with `hint`, or with best effort the `warning`. Out of line:
/// its two callers' texts in registers took less than a table of them.
#[cfg(nook_own_process)]
#[inline(never)]
fn beyond_abi(lacking: bool, best_effort: bool, option: &'static CStr, hint: &'static CStr, warning: &'static CStr) -> Result<'static, ()> {
    if lacking {
        if !best_effort {
            return Err(Failure::new(c"landlock", option, Errno::NOTSUP).hint(hint));
        }
        warn(warning);
    }
    Ok(())
}

#[cfg(nook_own_process)]
fn restrict<'a>(sb: &Sandbox<'a>) -> Result<'a, ()> {
    let wanted = wanted(sb);
    let abi = match landlock::abi() {
        Ok(abi) => abi,
        Err(e) if sb.best_effort && matches!(e, Errno::NOSYS | Errno::NOTSUP) => {
            warn(say!("this kernel has no Landlock: running without its rules"));
            return Ok(());
        }
        Err(e) => {
            return Err(Failure::new(c"create", say!("a Landlock ruleset"), e).hint_if(
                matches!(e, Errno::NOSYS | Errno::NOTSUP),
                say!("this kernel has no Landlock; --landlock-best-effort runs without it"),
            ));
        }
    };
    let handled = wanted.within(Access::for_abi(abi));
    // What the kernel cannot handle is refused, or with best effort left
    // out: the workload then keeps TCP (or abstract sockets and signals).
    beyond_abi(wanted.net != handled.net, sb.best_effort, say!("--landlock-net-bind/--landlock-net-connect"),
        say!("needs Landlock ABI 4 (Linux 6.7); or --landlock-best-effort"), say!("no Landlock ABI 4: running without the port rules"))?;
    beyond_abi(wanted.scoped != handled.scoped, sb.best_effort, say!("--landlock-scope"),
        say!("needs Landlock ABI 6 (Linux 6.12); or --landlock-best-effort"), say!("no Landlock ABI 6: running without --landlock-scope"))?;
    if handled.is_empty() {
        return Ok(());
    }
    let ruleset = landlock::create_ruleset(handled).map_err(|e| Failure::new(c"create", say!("a Landlock ruleset"), e))?;
    for rule in sb.paths.iter() {
        let (fd, st) = crate::kernel::raw::open_cloexec(rule.path, OFlags::PATH)
            .and_then(|fd| rustix::fs::fstat(&fd).map(|st| (fd, st)))
            .map_err(|e| Failure::new(say!("open Landlock path"), rule.path, e))?;
        let mut allowed = if rule.write { handled.fs } else { landlock::READ_ONLY & handled.fs };
        if rustix::fs::FileType::from_raw_mode(st.st_mode) != rustix::fs::FileType::Directory {
            allowed &= landlock::FILE_RIGHTS;
        }
        landlock::allow_beneath(ruleset.as_fd(), fd.as_fd(), allowed).map_err(|e| Failure::new(say!("add Landlock rule for"), rule.path, e))?;
    }
    if handled.net != 0 {
        for port in sb.ports.iter() {
            let right = if port.connect { landlock::NET_CONNECT } else { landlock::NET_BIND };
            landlock::allow_port(ruleset.as_fd(), port.port, right).map_err(|e| Failure::new(say!("add Landlock rule for port"), port.text, e))?;
        }
    }
    landlock::restrict_self(ruleset.as_fd()).map_err(|e| Failure::new(c"enforce", say!("the Landlock ruleset"), e))
}

