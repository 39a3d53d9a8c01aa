//! The command lines of the initramfs roles: `switch-root [--force]
//! NEWROOT [INIT [ARG...]]` (util-linux's switch_root's, also read when
//! nook is called `switch_root`) and `boot`, which takes none.

use crate::base::packed::say;
use super::{Action, Cursor, apply_environment, check_path, is_help};
use crate::base::error::{Failure, Result};
use crate::plan::{Argv, RunPlan};

#[inline(always)]
fn usage() -> &'static core::ffi::CStr {
    say!("nook switch-root [--force] NEWROOT [INIT [ARG...]]")
}

/// `switch-root`'s options and words, from argv[`start`] on.
#[inline(never)]
pub(super) fn parse_switch_root<'a>(argv: Argv<'a>, start: usize, envp: Argv<'a>, plan: &mut RunPlan<'a>) -> Result<'a, Action> {
    apply_environment(envp, plan, false)?;
    let mut cur = Cursor::new(argv, start);
    while let Some(arg) = cur.next_option()? {
        if arg.to_bytes() == b"--force" {
            plan.force = true;
        } else if is_help(arg) {
            return Ok(Action::Help);
        } else {
            return Err(Failure::option(arg, say!("unknown switch-root option")).hint(usage()));
        }
    }
    let newroot = cur.argv.get(cur.next).ok_or_else(|| Failure::usage(c"usage", c"NEWROOT", say!("no new root given")).hint(usage()))?;
    check_path(c"NEWROOT", newroot)?;
    plan.root = Some(newroot);
    if let Some(init) = argv.get(cur.next + 1) {
        check_path(c"INIT", init)?;
        plan.process.program = Some(argv.tail(cur.next + 1));
    }
    Ok(Action::SwitchRoot)
}

/// `boot [ARG...]`: the ARGs go to the root's init (as /init, the kernel
/// passes the words after `--` on its command line); argv[`start`] on.
/// Only with the `boot` feature (this file is switch-root's).
#[cfg(feature = "boot")]
#[inline(never)]
pub(super) fn parse_boot<'a>(argv: Argv<'a>, start: usize, envp: Argv<'a>, plan: &mut RunPlan<'a>) -> Result<'a, Action> {
    apply_environment(envp, plan, false)?;
    if argv.get(start).is_some_and(is_help) {
        return Ok(Action::Help);
    }
    plan.process.program = Some(argv.tail(start));
    Ok(Action::Boot)
}
