//! `nook init [INIT-OPTIONS] [--] PROGRAM [ARG...]`: the PID-1 stage's
//! options, which `run --unshare-pid` takes too (all but `--pause`), and
//! which the personalities tini and catatonit (tini.rs) set by their own
//! names.

use crate::base::packed::say;
use super::{Cursor, is_help, program};
use crate::base::error::Result;
use crate::base::num::signal_number;
use crate::base::words::{Words, words};
use crate::cli::values::{MAX_GRACE, bad_value, number, signal};
use crate::plan::{Argv, RunPlan};
use core::ffi::CStr;

/// What a PID-1 option sets. The last four are only the personalities'.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum InitOpt {
    SignalGroup, Subreaper, NewSession, WarnOnReap, Pause, Grace, Pdeathsig, RemapExit, Rewrite,
    Verbose, License, Help, Version,
}

pub(super) const INIT_OPTIONS: Words<InitOpt> = words![
    "--signal-group" => InitOpt::SignalGroup, "--subreaper" => InitOpt::Subreaper, "--new-session" => InitOpt::NewSession, "--grace" => InitOpt::Grace, "--pdeathsig" => InitOpt::Pdeathsig,
    "--remap-exit" => InitOpt::RemapExit, "--warn-on-reap" => InitOpt::WarnOnReap, "--rewrite" => InitOpt::Rewrite,
];

/// The option of `init` alone (`run` needs a PROGRAM). Compared as bytes:
/// a table of one word would be a C string, in the segment PID 1 never
/// maps (build.rs).
const PAUSE: &[u8] = b"--pause";

impl InitOpt {
    pub(super) fn takes_value(self) -> bool {
        matches!(self, InitOpt::Grace | InitOpt::Pdeathsig | InitOpt::RemapExit | InitOpt::Rewrite)
    }

    /// Whether the init that run re-executes is handed this one from the
    /// plan (cli/reexec.rs, which reads NOOK_* variables' values too), so
    /// that run's argv words for it are not handed on a second time.
    pub(super) fn plan_hands_on(self) -> bool {
        matches!(self, InitOpt::SignalGroup | InitOpt::Subreaper | InitOpt::NewSession | InitOpt::Grace | InitOpt::Pdeathsig)
    }
}

/// The PID-1 options common to `run` and `init`; None when `arg` is not one.
pub(super) fn init_option<'a>(cur: &mut Cursor<'a>, arg: &'a CStr, plan: &mut RunPlan<'a>) -> Result<'a, Option<InitOpt>> {
    let Some(opt) = INIT_OPTIONS.find(cur.name) else { return Ok(None) };
    let value = if opt.takes_value() { cur.value()? } else { c"" };
    set(opt, arg, value, plan)?;
    Ok(Some(opt))
}

/// Sets what `opt` (the `option` on argv, with `value` if it takes one)
/// asks for.
pub(super) fn set<'a>(opt: InitOpt, option: &'a CStr, value: &'a CStr, plan: &mut RunPlan<'a>) -> Result<'a, ()> {
    let init = &mut plan.init;
    match opt {
        InitOpt::SignalGroup => init.signal_group = true,
        InitOpt::Subreaper => init.subreaper = true,
        InitOpt::NewSession => plan.process.new_session = true,
        InitOpt::WarnOnReap => init.warn_on_reap = true,
        InitOpt::Pause => init.pause = true,
        InitOpt::Grace => init.grace = number(option, value, 10, MAX_GRACE)? as u32,
        InitOpt::Pdeathsig => init.pdeathsig = Some(signal(option, value)?),
        InitOpt::RemapExit => {
            let code = number(option, value, 10, 255)? as usize;
            if let Some(bits) = init.remap_exit.get_mut(code / 64) {
                *bits |= 1 << (code % 64);
            }
        }
        InitOpt::Rewrite => {
            // SIG:SIG, the second 0 for "not at all" (dumb-init's).
            let bytes = value.to_bytes();
            let colon = bytes.iter().position(|&b| b == b':').unwrap_or(0);
            match (signal_or_zero(bytes.get(..colon)), signal_or_zero(bytes.get(colon + 1..))) {
                // A signal is at most 64, the table's last index.
                (Some(from @ 1..), Some(to)) => {
                    if let Some(slot) = init.rewrite.get_mut(from as usize) {
                        *slot = to as u8 + 1;
                    }
                }
                _ => return Err(bad_value(option, value, say!("is not SIG:SIG"))),
            }
        }
        InitOpt::Verbose => plan.verbose = plan.verbose.saturating_add(1),
        // The personalities' actions: they stop reading argv first.
        _ => {}
    }
    Ok(())
}

/// A signal name or number, or 0 (--rewrite's "not at all").
#[inline(never)]
fn signal_or_zero(word: Option<&[u8]>) -> Option<i32> {
    match word? {
        b"0" => Some(0),
        name => signal_number(name),
    }
}

/// `nook init [INIT-OPTIONS] [--] PROGRAM [ARG...]`
pub(super) fn parse<'a>(argv: Argv<'a>, plan: &mut RunPlan<'a>) -> Result<'a, ()> {
    let mut cur = Cursor::new(argv, 2);
    while let Some(arg) = cur.next_option()? {
        match arg {
            _ if is_help(arg) => {
                // Help, not a pause (which also leaves PROGRAM unset).
                plan.init.pause = false;
                return Ok(());
            }
            _ if cur.name == PAUSE => plan.init.pause = true,
            _ if init_option(&mut cur, arg, plan)?.is_some() => {}
            // run hands its sandbox on to the init it re-executes.
            #[cfg(nook_process)]
            _ if super::sandbox::option(&mut cur, arg, &mut plan.process.sandbox)? => {}
            _ => return Err(super::suggest::unknown(arg, say!("unknown init option"))),
        }
    }
    program(argv, cur.next, plan)
}
