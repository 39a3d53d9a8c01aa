//! nook called as `tini` or `docker-init` (what `docker run --init`
//! starts) reads tini 0.19's command line; called as `catatonit` or
//! `podman-init` (podman's `--init`: its catatonit, mounted at
//! /run/podman-init), catatonit's. Either sets the options of `nook init` (init.rs),
//! which then runs as it is: only the reading of argv differs. tini's
//! variables TINI_SUBREAPER and TINI_KILL_PROCESS_GROUP are read with the
//! NOOK_* ones (env.rs).
//!
//! Both tools read their options with getopt(3), and so does this: single
//! letters, combinable (`-sg`), a value attached or in the next word
//! (`-e3`, `-e 3`), `--` ends them, and so does the first word that is not
//! an option (`-` alone is one). glibc's getopt would go on past PROGRAM and
//! take PROGRAM's own options for tini's (hence tini's advice to put `--`
//! before PROGRAM); nook stops at PROGRAM, as getopt does with
//! POSIXLY_CORRECT set.

use crate::base::packed::say;
use super::Action;
use super::init::{InitOpt, set};
use crate::base::error::{Failure, Result};
use crate::plan::{Argv, RunPlan};

/// Option letters and what each sets, in the same order: getopt's letters
/// need no word table (a byte each, one loop over them, where a table of
/// "-s\0-g\0..." words took some 40 bytes more).
struct Letters {
    letters: &'static [u8],
    options: &'static [InitOpt],
}

/// tini 0.19's getopt string "p:hvwgle:s".
const TINI: Letters = Letters {
    letters: b"sgpevwlh",
    options: &[
        InitOpt::Subreaper, InitOpt::SignalGroup, InitOpt::Pdeathsig, InitOpt::RemapExit,
        InitOpt::Verbose, InitOpt::WarnOnReap, InitOpt::License, InitOpt::Help,
    ],
};

/// catatonit's "ghLPV" (and --version).
const CATATONIT: Letters = Letters {
    letters: b"gPhLV",
    options: &[InitOpt::SignalGroup, InitOpt::Pause, InitOpt::Help, InitOpt::License, InitOpt::Version],
};

// The two lists are one table: a letter without its option would be
// refused as unknown, an option without its letter never reached.
const _: () = assert!(
    TINI.letters.len() == TINI.options.len() && CATATONIT.letters.len() == CATATONIT.options.len(),
    "each getopt letter needs its option, in the same order"
);

/// argv (argv[0] included) as tini's (or, with `catatonit`, catatonit's)
/// into `plan`.
/// PID 1's (build.rs's PID1_FILES), as `parse` is, which calls it once:
/// inlined there in the init-only build (-88 bytes); out of line in the
/// others, where inlined it took 64 bytes more (default).
#[cfg_attr(not(nook_init_only), inline(never))]
pub(super) fn parse<'a>(argv: Argv<'a>, catatonit: bool, plan: &mut RunPlan<'a>) -> Result<'a, Action> {
    let table = if catatonit { &CATATONIT } else { &TINI };
    let mut next = 1;
    // Where the next letter is in argv[next], or 0 at a word's start.
    let mut at = 0;
    while let Some(arg) = argv.get(next) {
        let word = arg.to_bytes();
        if at == 0 {
            // tini takes --version only as its one argument; catatonit's
            // getopt_long anywhere among the options.
            if word == b"--version" && (catatonit || argv.len() == 2) {
                return Ok(Action::InitVersion);
            }
            if word.len() < 2 || word[0] != b'-' {
                break;
            }
            if word == b"--" {
                next += 1;
                break;
            }
            at = 1;
        }
        let letter = word.get(at).copied().unwrap_or(0);
        at += 1;
        if at >= word.len() {
            (next, at) = (next + 1, 0);
        }
        let found = table.letters.iter().position(|&c| c == letter).and_then(|i| table.options.get(i));
        let opt = *found.ok_or_else(|| Failure::option(arg, say!("unknown option")).hint(say!("see nook --help")))?;
        let mut value = c"";
        if opt.takes_value() {
            // The rest of the word, or the next one.
            value = match at {
                0 => argv.get(next).ok_or_else(|| Failure::option(arg, say!("missing value")))?,
                _ => crate::base::text::c_tail(arg, at),
            };
            (next, at) = (next + 1, 0);
        }
        match opt {
            InitOpt::License => return Ok(Action::License),
            InitOpt::Help => return Ok(Action::Help),
            InitOpt::Version => return Ok(Action::InitVersion),
            _ => set(opt, arg, value, plan)?,
        }
    }
    super::program(argv, next, plan)?;
    Ok(Action::Init)
}
