//! The NOOK_* variables of the environment: the defaults argv can override.

use crate::base::packed::say;
use super::{InitVariable, split_env};
use crate::base::error::{Failure, Result};
use crate::plan::{Argv, RunPlan};
use crate::base::num::parse_number;
use crate::base::words::{Words, words};
use crate::cli::values::{MAX_GRACE, boolean};
use core::ffi::CStr;

#[derive(Clone, Copy)]
#[cfg_attr(nook_init_only, allow(dead_code))]
enum Var {
    Root, Propagation, Verbose, Grace, SignalGroup, Subreaper, Pdeathsig, Hostname, MountApi,
    /// The re-exec protocol's own (cli/reexec.rs), ignored without run.
    #[cfg_attr(not(nook_container), allow(dead_code))]
    Init(InitVariable),
    /// tini's TINI_SUBREAPER (false) and TINI_KILL_PROCESS_GROUP (true),
    /// read only as tini: set, to anything, means on.
    Tini(bool),
}

/// Every variable, in every build but the init-only one (a build without
/// run ignores the re-exec's).
#[cfg(not(nook_init_only))]
const VARIABLES: Words<Var> = words![
    "NOOK_ROOT" => Var::Root, "NOOK_PROPAGATION" => Var::Propagation, "NOOK_VERBOSE" => Var::Verbose,
    "NOOK_GRACE" => Var::Grace, "NOOK_SIGNAL_GROUP" => Var::SignalGroup, "NOOK_SUBREAPER" => Var::Subreaper,
    "NOOK_PDEATHSIG" => Var::Pdeathsig, "NOOK_INIT_SIGMASK" => Var::Init(InitVariable::Sigmask),
    "NOOK_INIT_FOREGROUND" => Var::Init(InitVariable::Foreground), "NOOK_HOSTNAME" => Var::Hostname,
    "NOOK_INIT_EXEC_FAIL_FD" => Var::Init(InitVariable::ExecFailFd), "NOOK_MOUNT_API" => Var::MountApi,
    "TINI_SUBREAPER" => Var::Tini(false), "TINI_KILL_PROCESS_GROUP" => Var::Tini(true),
];

/// The init-only build's: the init's own (it strips every other NOOK_*
/// variable from PROGRAM's environment, as it does an unknown one).
#[cfg(nook_init_only)]
const VARIABLES: Words<Var> = words![
    "NOOK_VERBOSE" => Var::Verbose, "NOOK_GRACE" => Var::Grace, "NOOK_SIGNAL_GROUP" => Var::SignalGroup,
    "NOOK_SUBREAPER" => Var::Subreaper, "NOOK_PDEATHSIG" => Var::Pdeathsig,
    "TINI_SUBREAPER" => Var::Tini(false), "TINI_KILL_PROCESS_GROUP" => Var::Tini(true),
];

/// NOOK_MOUNT_API's values (see sys::MountApi).
#[cfg(not(nook_init_only))]
const MOUNT_APIS: Words<crate::base::MountApi> = {
    use crate::base::MountApi;
    words!["auto" => MountApi::Auto, "new" => MountApi::New, "legacy" => MountApi::Legacy]
};

/// The NOOK_* variables, read before argv so that argv wins. Unknown NOOK_*
/// names are only stripped from the workload's environment, so a wrapper
/// written for a newer nook still runs. `tini`: nook was called as tini.
pub(super) fn apply_environment<'a>(envp: Argv<'a>, plan: &mut RunPlan<'a>, tini: bool) -> Result<'a, ()> {
    // Where the re-exec's variables start (reexec.rs).
    #[cfg(nook_container)]
    let first = envp.get(0).map_or(core::ptr::null(), CStr::as_ptr);
    'entries: for entry in envp.iter() {
        let Some((name, value)) = split_env(entry) else { continue };
        let Some((name, var)) = VARIABLES.find_named(name) else { continue };
        // What is wrong with the value, for the one error line below.
        let detail: &'static CStr = 'bad: {
            let number = |max: u64| parse_number(value.to_bytes(), 10).filter(|&n| n <= max);
            match var {
                #[cfg(not(nook_init_only))]
                Var::Root if value.is_empty() => break 'bad say!("empty path"),
                #[cfg(not(nook_init_only))]
                Var::Root => plan.root = Some(value),
                #[cfg(not(nook_init_only))]
                Var::Propagation => {
                    // Named as the variable, as the others are (the option's error names the value).
                    let Ok(mode) = crate::cli::values::propagation(c"", value) else { break 'bad say!("is not private, slave, shared or unchanged") };
                    plan.propagation = mode;
                }
                Var::Verbose => {
                    let Some(n) = number(3) else { break 'bad say!("is not a number from 0 to 3") };
                    plan.verbose = n as u8;
                }
                Var::Grace => {
                    let Some(n) = number(MAX_GRACE) else { break 'bad say!("is not a number of seconds") };
                    plan.init.grace = n as u32;
                }
                Var::SignalGroup | Var::Subreaper => {
                    let Some(on) = boolean(value) else { break 'bad say!("is not 0 or 1") };
                    match var {
                        Var::SignalGroup => plan.init.signal_group = on,
                        _ => plan.init.subreaper = on,
                    }
                }
                Var::Pdeathsig => {
                    let Some(sig) = crate::base::num::signal_number(value.to_bytes()) else {
                        break 'bad say!("is not a signal name or number");
                    };
                    plan.init.pdeathsig = Some(sig);
                }
                #[cfg(not(nook_init_only))]
                Var::Hostname => plan.hostname = Some(crate::cli::values::hostname(crate::base::words::named!(VARIABLES, "NOOK_HOSTNAME"), value)?),
                #[cfg(nook_container)]
                Var::Init(variable) => {
                    match super::reexec::decode(variable, value, first == entry.as_ptr(), plan) {
                        Err(detail) => break 'bad detail,
                        // A re-executed init's own variables come first:
                        // the rest is PROGRAM's, not nook's to read.
                        Ok(true) => break 'entries,
                        Ok(false) => {}
                    }
                }
                Var::Tini(group) if tini => match group {
                    true => plan.init.signal_group = true,
                    false => plan.init.subreaper = true,
                },
                Var::Tini(_) => {}
                #[cfg(not(nook_init_only))]
                Var::MountApi => {
                    let Some(api) = MOUNT_APIS.find(value.to_bytes()) else { break 'bad say!("is not auto, new or legacy") };
                    plan.mount_api = api;
                }
                #[allow(unreachable_patterns)] // a build with every role
                _ => {}
            }
            continue 'entries;
        };
        return Err(Failure::usage(say!("environment"), name, detail));
    }
    Ok(())
}
