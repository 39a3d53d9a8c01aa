//! `nook init [INIT-OPTIONS] [--] PROGRAM [ARG...]`: the PID-1 stage's
//! options, which `run --unshare-pid` takes too.

use super::{Cursor, is_help, program, sandbox};
use crate::base::error::Result;
use crate::base::words::{Words, words};
use crate::cli::values::{MAX_GRACE, bad_value, number};
use crate::plan::{Argv, RunPlan};
use core::ffi::CStr;

#[derive(Clone, Copy)]
pub(super) enum InitOpt {
    SignalGroup, Subreaper, NewSession, Grace, Pdeathsig,
}

pub(super) const INIT_OPTIONS: Words<InitOpt> = words![
    "--signal-group" => InitOpt::SignalGroup, "--subreaper" => InitOpt::Subreaper, "--new-session" => InitOpt::NewSession, "--grace" => InitOpt::Grace, "--pdeathsig" => InitOpt::Pdeathsig,
];

/// The PID-1 options common to `run` and `init`; false when `arg` is not one.
pub(super) fn init_option<'a>(cur: &mut Cursor<'a>, arg: &'a CStr, plan: &mut RunPlan<'a>) -> Result<'a, bool> {
    let init = &mut plan.init;
    match INIT_OPTIONS.find(super::name(arg)) {
        None => return Ok(false),
        Some(InitOpt::SignalGroup) => init.signal_group = true,
        Some(InitOpt::Subreaper) => init.subreaper = true,
        Some(InitOpt::NewSession) => plan.process.new_session = true,
        Some(InitOpt::Grace) => {
            let v = cur.value()?;
            init.grace = number(arg, v, 10, MAX_GRACE)? as u32;
        }
        Some(InitOpt::Pdeathsig) => {
            let v = cur.value()?;
            init.pdeathsig = Some(
                crate::base::num::signal_number(v.to_bytes())
                    .ok_or_else(|| bad_value(arg, v, c"is not a signal name or number"))?,
            );
        }
    }
    Ok(true)
}

/// `nook init [INIT-OPTIONS] [--] PROGRAM [ARG...]`
pub(super) fn parse<'a>(argv: Argv<'a>, plan: &mut RunPlan<'a>) -> Result<'a, ()> {
    let mut cur = Cursor::new(argv, 2);
    while let Some(arg) = cur.next_option()? {
        match arg {
            _ if is_help(arg) => return Ok(()),
            _ if init_option(&mut cur, arg, plan)? => {}
            _ if sandbox::option(&mut cur, arg, &mut plan.process.sandbox)? => {}
            _ => return Err(super::suggest::unknown(arg, c"unknown init option")),
        }
    }
    program(argv, cur.next, plan)
}
