//! The sandbox of the workload: Landlock rules and seccomp filters, applied
//! as its very last steps before exec (README, "The sandbox: Landlock and seccomp").
//! `run`, `init` and `enter` all take them; `run` with a PID namespace
//! hands them on to the init it re-executes.

use core::ffi::CStr;
use heapless::Vec;

/// `--landlock-ro`/`--landlock-rw` paths one plan holds.
pub const MAX_LANDLOCK_PATHS: usize = 64;
/// `--landlock-net-bind`/`--landlock-net-connect` ports.
pub const MAX_PORTS: usize = 64;
/// `--seccomp`/`--add-seccomp-fd` filters.
pub const MAX_FILTER_FDS: usize = 16;
/// System calls of `--seccomp-deny`, all lists together (the kernel layer's
/// built filter takes as many).
pub const MAX_DENIED: usize = 255;
/// `--seccomp-deny` options (each a comma-separated list).
pub const MAX_DENY_LISTS: usize = 16;

/// A `--landlock-ro PATH` (write false) or `--landlock-rw PATH`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LandlockPath<'a> {
    pub path: &'a CStr,
    pub write: bool,
}

/// A `--landlock-net-bind PORT` (connect false) or `--landlock-net-connect PORT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Port<'a> {
    /// As given, to hand on to a re-executed init.
    pub text: &'a CStr,
    pub port: u16,
    pub connect: bool,
}

/// A `--seccomp FD` or `--add-seccomp-fd FD`: both stack one filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FilterFd<'a> {
    pub fd: i32,
    /// The number as given, for messages.
    pub text: &'a CStr,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Sandbox<'a> {
    pub paths: Vec<LandlockPath<'a>, MAX_LANDLOCK_PATHS>,
    pub ports: Vec<Port<'a>, MAX_PORTS>,
    /// `--landlock-scope`: no abstract unix socket or signal outside the domain.
    pub scope: bool,
    /// `--landlock-best-effort`: a kernel without (enough of) Landlock is a
    /// warning, not an error.
    pub best_effort: bool,
    pub filter_fds: Vec<FilterFd<'a>, MAX_FILTER_FDS>,
    /// `--seccomp-deny`: the x86_64 numbers, and the lists as given (for a
    /// re-executed init).
    pub denied: Vec<u16, MAX_DENIED>,
    pub deny_lists: Vec<&'a CStr, MAX_DENY_LISTS>,
}

impl Sandbox<'_> {
    /// All zeros, like the plan that holds it.
    pub const fn new() -> Self {
        Sandbox {
            paths: Vec::new(),
            ports: Vec::new(),
            scope: false,
            best_effort: false,
            filter_fds: Vec::new(),
            denied: Vec::new(),
            deny_lists: Vec::new(),
        }
    }

    /// Whether any Landlock rule was asked for (`--landlock-best-effort`
    /// alone asks for none).
    pub fn landlock(&self) -> bool {
        !self.paths.is_empty() || !self.ports.is_empty() || self.scope
    }
}

impl Default for Sandbox<'_> {
    fn default() -> Self {
        Self::new()
    }
}
