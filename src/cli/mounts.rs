//! `nook mounts [--pid PID] [--all] [--json]`, and nook called `findmnt`
//! with no arguments or only these.

use crate::base::packed::say;
use super::{Action, Cursor, set_once};
use crate::base::error::{Failure, Result};
use crate::base::words::{Words, words};
use crate::cli::values::pid;
use crate::plan::Argv;
use crate::plan::mounts::MountsPlan;

#[derive(Clone, Copy)]
enum MountsOpt {
    Help, Pid, All, Json,
}

const MOUNTS_OPTIONS: Words<MountsOpt> = words![
    "--help" => MountsOpt::Help, "-h" => MountsOpt::Help, "--pid" => MountsOpt::Pid,
    "--all" => MountsOpt::All, "--json" => MountsOpt::Json,
];

/// The options from argv[start] on; nothing may follow them.
/// Never inlined: build.rs keeps this file out of PID 1's segment, and
/// inlined into `parse` it would be in it.
#[inline(never)]
pub(super) fn parse<'a>(argv: Argv<'a>, start: usize, plan: &mut MountsPlan<'a>) -> Result<'a, Action> {
    let mut cur = Cursor::new(argv, start);
    while let Some(arg) = cur.next_option()? {
        match MOUNTS_OPTIONS.find(super::name(arg)) {
            Some(MountsOpt::Help) => return Ok(Action::Help),
            Some(MountsOpt::Pid) => {
                let v = cur.value()?;
                set_once(&mut plan.pid, (pid(arg, v)?, v), arg)?;
            }
            Some(MountsOpt::All) => plan.all = true,
            Some(MountsOpt::Json) => plan.json = true,
            None => return Err(super::suggest::unknown(arg, say!("unknown mounts option"))),
        }
    }
    if let Some(extra) = argv.get(cur.next) {
        return Err(Failure::usage(c"usage", extra, say!("nook mounts takes no arguments")).hint(say!("nook mounts [--pid PID] [--all] [--json]")));
    }
    Ok(Action::Mounts)
}
