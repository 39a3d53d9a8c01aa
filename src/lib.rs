//! nook: a Linux container built by hand, in one small static binary.
//!
//! The stages, one file each: `cli` parses argv and NOOK_* into a `plan`;
//! `userns`, `root`/`mounts` and `process` carry it out, all kernel calls of
//! the mount tree going through the `sys` seam. `run` strings them together.
//!
//! The library is `no_std` so the binary stays small; its unit tests use std.
#![cfg_attr(not(test), no_std)]

pub mod cli;
pub mod error;
pub mod help;
pub mod init;
pub mod mounts;
pub mod out;
pub mod plan;
pub mod process;
pub mod raw;
#[cfg(test)]
pub mod record;
pub mod root;
pub mod run;
pub mod selfcopy;
pub mod sys;
pub mod text;
pub mod userns;

use plan::{Argv, RunPlan};

/// The whole program: argv and envp as the kernel gave them; returns the
/// exit status (or does not return, having exec'd PROGRAM).
pub fn main(argv: Argv, envp: Argv) -> i32 {
    let mut plan = RunPlan::new();
    match cli::parse(argv, envp, &mut plan) {
        Err(f) => {
            f.report();
            error::EXIT_SETUP
        }
        Ok(cli::Action::Help) => {
            help::print_help();
            0
        }
        Ok(cli::Action::Version) => {
            help::print_version();
            0
        }
        Ok(cli::Action::Run) => {
            out::set_verbosity(plan.verbose);
            run::run(&plan, envp)
        }
        Ok(cli::Action::Init) => run::init_role(&plan, envp),
    }
}
