//! PROGRAM and the last steps that start it: the part of the plan `run`,
//! `init` and `enter` share, and all that setup/process.rs needs.

use super::sandbox::Sandbox;
use super::Argv;
use core::ffi::CStr;
use heapless::Vec;

/// --setenv/--unsetenv/--clearenv edits.
pub const MAX_ENV_EDITS: usize = 256;

/// Capability changes: the caller's set, minus `drop`, plus `add`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CapEdit {
    pub drop: u64,
    pub add: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvEdit<'a> {
    Clear,
    Set { name: &'a CStr, value: &'a CStr },
    Unset { name: &'a CStr },
}

/// PROGRAM and how it starts. In C's layout, what PID 1 sets first (see
/// RunPlan).
#[derive(Debug)]
#[repr(C)]
pub struct ProcessPlan<'a> {
    /// PROGRAM and its arguments: a tail of the kernel's argv array, which the
    /// kernel terminates with a null pointer, so execve can take it as is.
    /// None until parsed: an all-zero plan can live in .bss (see `new`).
    pub program: Option<Argv<'a>>,
    /// `--new-session`: PROGRAM starts a new session (setsid) instead of a
    /// process group.
    pub new_session: bool,
    /// `--chdir`: PROGRAM's working directory.
    pub chdir: Option<&'a CStr>,
    /// `--clearenv`, `--setenv`, `--unsetenv`, in argv order.
    pub env_edits: Vec<EnvEdit<'a>, MAX_ENV_EDITS>,
    /// `--cap-drop`/`--cap-add`, folded left to right; None leaves the
    /// capabilities as the namespace gives them.
    pub caps: Option<CapEdit>,
    /// Landlock and seccomp: the workload's last steps (`plan/sandbox.rs`).
    pub sandbox: Sandbox<'a>,
    /// bwrap's `--argv0`: the file to execute, when PROGRAM's argv[0] is
    /// another word.
    pub exec_path: super::bwrap::BwrapOnly<Option<&'a CStr>>,
}

impl<'a> ProcessPlan<'a> {
    /// Const, and all zeros (see `RunPlan::new`).
    pub const fn new() -> Self {
        ProcessPlan {
            program: None,
            chdir: None,
            env_edits: Vec::new(),
            caps: None,
            new_session: false,
            sandbox: Sandbox::new(),
            exec_path: super::bwrap::BwrapOnly::new(None),
        }
    }

    /// PROGRAM and its arguments (empty before parsing).
    pub fn program(&self) -> Argv<'a> {
        self.program.unwrap_or_else(Argv::empty)
    }
}

impl Default for ProcessPlan<'_> {
    fn default() -> Self {
        Self::new()
    }
}
