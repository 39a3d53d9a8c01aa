//! `nook mounts [--pid PID] [--all] [--json]`, and nook called `findmnt`
//! with no arguments or only these.

use super::{Action, Cursor, process_id, set_once};
use crate::base::error::{Failure, Result};
use crate::base::words::{Words, words};
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
pub(super) fn parse_mounts<'a>(argv: Argv<'a>, start: usize, plan: &mut MountsPlan<'a>) -> Result<'a, Action> {
    let mut cur = Cursor { argv, next: start, option: c"" };
    while let Some(arg) = cur.next_option() {
        match MOUNTS_OPTIONS.find(arg.to_bytes()) {
            Some(MountsOpt::Help) => return Ok(Action::Help),
            Some(MountsOpt::Pid) => {
                let v = cur.value()?;
                set_once(&mut plan.pid, (process_id(arg, v)?, v), arg)?;
            }
            Some(MountsOpt::All) => plan.all = true,
            Some(MountsOpt::Json) => plan.json = true,
            None => return Err(Failure::option(arg, c"unknown mounts option").hint(c"nook mounts [--pid PID] [--all] [--json]")),
        }
    }
    if let Some(extra) = argv.get(cur.next) {
        return Err(Failure::usage(c"usage", extra, c"nook mounts takes no arguments").hint(c"nook mounts [--pid PID] [--all] [--json]"));
    }
    Ok(Action::Mounts)
}
