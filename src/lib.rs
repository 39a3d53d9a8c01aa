//! nook: a Linux container built by hand, in one small static binary.
//!
//! The layers, one folder each; imports only point down
//! (`tests/layers.rs` keeps it so):
//! - `base`: text buffers, output lines, the error shape, numbers, words;
//! - `kernel`: raw system calls, the `Sys` seam of the mount tree and its
//!   mount(2) fallback and recording double, /proc paths, Landlock, seccomp;
//! - `plan`: what the command line asked for, in fixed capacity;
//! - `cli` (argv and NOOK_* into a plan), `pid1` (the supervisor loop) and
//!   `setup` (namespaces, maps, the mount tree, caps, exec): they never
//!   import each other;
//! - `role`: run, init, enter, mounts, switch-root and boot, thin drivers
//!   that never import each other, each in the builds whose features have
//!   it (Cargo.toml; init in every build);
//! - this file, which picks the role.
//!
//! The library is `no_std` so the binary stays small; its unit tests use std.
#![cfg_attr(not(any(test, feature = "fuzzing")), no_std)]

pub mod base;
pub mod cli;
#[cfg(all(any(test, feature = "fuzzing"), feature = "run", feature = "mounts"))]
pub mod fuzz;
pub mod kernel;
pub mod pid1;
pub mod plan;
pub mod role;
pub mod setup;

use plan::{Argv, RunPlan};

/// The binary's one plan. In .bss rather than on the stack: a stack frame
/// this large is probed page by page, and every probed page would count in
/// the resident memory of nook as PID 1; pages of .bss are touched only
/// when a mount operation is actually stored.
static mut PLAN: RunPlan<'static> = RunPlan::new();

/// The whole program: argv and envp as the kernel gave them; returns the
/// exit status (or does not return, having exec'd PROGRAM).
///
/// # Safety
/// Called once, from the binary's single thread (it uses the one PLAN).
pub unsafe fn main(argv: Argv<'static>, envp: Argv<'static>) -> i32 {
    // SAFETY: the caller's contract: nothing else touches PLAN.
    let plan = unsafe { &mut *core::ptr::addr_of_mut!(PLAN) };
    match cli::parse(argv, envp, plan) {
        Err(f) => f.exit(),
        Ok(cli::Action::Help) => {
            cli::help::print_help();
            0
        }
        Ok(cli::Action::Version) => {
            cli::help::print_version();
            0
        }
        Ok(cli::Action::License) => {
            cli::help::print_license();
            0
        }
        #[cfg(feature = "bwrap")]
        Ok(cli::Action::Exit(code)) => code,
        Ok(cli::Action::InitVersion) => {
            cli::help::print_init_version();
            0
        }
        // Each role's arm only in the builds that have it (Cargo.toml).
        #[cfg(nook_container)]
        Ok(cli::Action::Run) => {
            base::out::set_verbosity(plan.verbose);
            role::run::run(plan, envp)
        }
        Ok(cli::Action::Init) => {
            base::out::set_verbosity(plan.verbose);
            role::init::init_role(plan, envp)
        }
        #[cfg(feature = "enter")]
        Ok(cli::Action::Enter) => {
            base::out::set_verbosity(plan.verbose);
            role::enter::enter(plan, argv, envp)
        }
        #[cfg(feature = "mounts")]
        Ok(cli::Action::Mounts) => role::mounts::mounts(&plan.mounts),
        #[cfg(feature = "switch-root")]
        Ok(cli::Action::SwitchRoot) => {
            base::out::set_verbosity(plan.verbose);
            role::switch_root::switch_root(plan, envp)
        }
        #[cfg(feature = "boot")]
        Ok(cli::Action::Boot) => role::boot::boot(plan, envp),
    }
}
