//! `enter`'s options: the process whose namespaces to join, and the
//! process options it shares with `run`.

use crate::base::packed::say;
use super::run::{Opt, RUN_OPTIONS, process_option, run_option};
use super::{Cursor, program, sandbox, set_once};
use crate::base::error::{Failure, Result};
use crate::base::words::named;
use crate::cli::values::pid;
use crate::plan::{Argv, RunPlan};

/// `nook enter --pid PID [--chdir DIR] [--clearenv] [--setenv VAR VALUE]
/// [--unsetenv VAR] [SANDBOX-OPTIONS] [--] PROGRAM [ARG...]`
/// Never inlined: build.rs keeps it out of PID 1's segment, and inlined
/// into `cli::parse` it would be in it.
#[inline(never)]
pub(super) fn parse<'a>(argv: Argv<'a>, plan: &mut RunPlan<'a>) -> Result<'a, ()> {
    let mut cur = Cursor::new(argv, 2);
    while let Some(arg) = cur.next_option()? {
        match run_option(super::name(arg)) {
            Some(Opt::Help) => return Ok(()),
            Some(Opt::Pid) => {
                let v = cur.value()?;
                pid(arg, v)?;
                set_once(&mut plan.enter_pid, v, arg)?;
            }
            Some(opt @ Opt::Process(_)) => process_option(&mut cur, arg, opt, plan)?,
            _ if sandbox::option(&mut cur, arg, &mut plan.process.sandbox)? => {}
            _ => return Err(super::suggest::unknown(arg, say!("unknown enter option"))),
        }
    }
    if plan.enter_pid.is_none() {
        return Err(Failure::option(named!(RUN_OPTIONS, "--pid"), say!("is required")).hint(say!("nook enter --pid PID -- PROGRAM")));
    }
    program(argv, cur.next, plan)
}
