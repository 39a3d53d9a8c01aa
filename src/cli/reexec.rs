//! The re-exec protocol: how `run --unshare-pid` hands its plan to the init
//! it re-executes from its sealed copy. The init is started as
//!
//! ```text
//! nook init [--signal-group] [--subreaper] [--new-session] [--grace N]
//!           [--pdeathsig N] [RUN'S PID-1 OPTIONS AS GIVEN]
//!           [SANDBOX-OPTIONS] [--add-seccomp-fd FD ...] -- PROGRAM [ARG...]
//! ```
//!
//! with [`VARIABLES`] variables of its own, which no user sets, first in
//! its environment and in this order; PROGRAM's environment follows them
//! as the outer nook built it (the caller's NOOK_* variables removed,
//! `--setenv NOOK_...` kept), and the init neither reads nor strips it:
//!
//! - `NOOK_INIT_SIGMASK=N`: the signal mask PROGRAM gets, as a decimal
//!   u64. Signals stay blocked across the exec so that none is lost on the
//!   way, so the init cannot read the caller's mask from its own.
//! - `NOOK_INIT_EXEC_FAIL_FD=N` (0 without `--json-status-fd`): the fd
//!   on which the init writes one byte when PROGRAM could not be executed.
//! - `NOOK_VERBOSE=N`: the caller's, so that the init traces too.
//! - `NOOK_INIT_FOREGROUND=0|1`, the last: whether the outer nook owned
//!   the terminal's foreground (the init cannot tell from inside its PID
//!   namespace, where the terminal's process group has no number).
//!
//! The encoder ([`encode`]) and the decoder ([`decode`]) live here side by
//! side; the names sit in env.rs's table of every NOOK_* variable, so that
//! one lookup serves them all.

use crate::base::packed::say;
use crate::base::num::parse_number;
use crate::base::text::Buf;
use crate::base::words::named;
use super::InitVariable;
use super::init::INIT_OPTIONS;
use crate::plan::RunPlan;
use core::ffi::{CStr, c_char};
use rustix::fd::{AsRawFd, OwnedFd};

/// What `run` hands on beyond its plan.
pub struct Handover<'h> {
    /// The signal mask PROGRAM gets.
    pub mask: u64,
    /// Whether the outer nook owned the terminal's foreground.
    pub foreground: bool,
    /// Where the init reports a failed exec, when a wrapper asked for it.
    pub exec_fail_fd: Option<i32>,
    /// The caller's seccomp filters, each in a memfd of its own (the
    /// init's PROGRAM loads them as `--add-seccomp-fd`).
    pub seccomp_fds: &'h [OwnedFd],
}

/// The text the encoded command points into: the variables and numbers.
pub type Numbers = Buf<384>;

/// How many variables lead the init's environment.
pub const VARIABLES: usize = 4;

/// The variables for the init's environment.
pub type InitVariables = [*const c_char; VARIABLES];

/// Writes the init's argv (null-terminated) into `argv`, pointing into
/// `numbers` and `plan`, and returns its variables; None when the command
/// does not fit in `argv`.
pub fn encode(plan: &RunPlan, handover: &Handover, numbers: &mut Numbers, argv: &mut [*const c_char]) -> Option<InitVariables> {
    let mask_at = numbers.len();
    numbers.push(b"NOOK_INIT_SIGMASK=").dec(handover.mask).push(b"\0");
    let foreground_at = numbers.len();
    numbers.push(if handover.foreground { b"NOOK_INIT_FOREGROUND=1\0" } else { b"NOOK_INIT_FOREGROUND=0\0" });
    let grace_at = numbers.len();
    numbers.dec(plan.init.grace as u64).push(b"\0");
    let pdeathsig_at = numbers.len();
    numbers.dec(plan.init.pdeathsig.unwrap_or(0) as u64).push(b"\0");
    let fail_fd_at = numbers.len();
    numbers.push(b"NOOK_INIT_EXEC_FAIL_FD=").dec(handover.exec_fail_fd.unwrap_or(0) as u64).push(b"\0");
    let verbose_at = numbers.len();
    // One digit: run's NOOK_VERBOSE is at most 3.
    numbers.push(b"NOOK_VERBOSE=").push(&[b'0' + plan.verbose, 0]);
    let mut seccomp_at = heapless::Vec::<usize, 16>::new();
    for fd in handover.seccomp_fds {
        let _ = seccomp_at.push(numbers.len());
        numbers.dec(fd.as_raw_fd() as u64).push(b"\0");
    }

    let base = numbers.as_bytes().as_ptr() as *const c_char;
    // SAFETY: every offset given is where a string of `numbers` starts.
    let at = |offset: usize| unsafe { base.add(offset) };

    let mut out = ArgvOut { argv, used: 0, fits: true };
    // nook as bwrap's init speaks as bwrap (cli::parse knows the name).
    out.push(super::bwrap::init_name(plan).as_ptr());
    out.push(c"init".as_ptr());
    if plan.init.signal_group {
        out.push(named!(INIT_OPTIONS, "--signal-group").as_ptr());
    }
    if plan.init.subreaper {
        out.push(named!(INIT_OPTIONS, "--subreaper").as_ptr());
    }
    if plan.process.new_session {
        out.push(named!(INIT_OPTIONS, "--new-session").as_ptr());
    }
    if plan.init.grace > 0 {
        out.push(named!(INIT_OPTIONS, "--grace").as_ptr());
        out.push(at(grace_at));
    }
    if plan.init.pdeathsig.is_some() {
        out.push(named!(INIT_OPTIONS, "--pdeathsig").as_ptr());
        out.push(at(pdeathsig_at));
    }
    // The other PID-1 options of run's argv, as given (those above come
    // from the NOOK_* variables too, which the init does not see, and from
    // bwrap's options: run's argv does not hand them on again).
    for word in plan.init_words.iter() {
        out.push(word.as_ptr());
    }
    super::sandbox::hand_on(&plan.process.sandbox, &mut |word| out.push(word));
    for &offset in seccomp_at.iter() {
        out.push(named!(super::sandbox::SANDBOX_OPTIONS, "--add-seccomp-fd").as_ptr());
        out.push(at(offset));
    }
    out.push(c"--".as_ptr());
    // `--argv0`: the file first, then PROGRAM's words (BWRAP_INIT_ARGV0).
    if let Some(path) = plan.process.exec_path.get() {
        out.push(path.as_ptr());
    }
    for arg in plan.process.program().iter() {
        out.push(arg.as_ptr());
    }
    out.push(core::ptr::null());
    if !out.fits {
        return None;
    }
    Some([at(mask_at), at(fail_fd_at), at(verbose_at), at(foreground_at)])
}

/// The init's argv as [`encode`] writes it, word by word; `fits` turns
/// false at the first word past its end (the words after it are dropped,
/// and encode gives up).
struct ArgvOut<'v> {
    argv: &'v mut [*const c_char],
    used: usize,
    fits: bool,
}

impl ArgvOut<'_> {
    /// Appends one word. Out of line: a push inlined at each of encode's
    /// some twenty sites cost more than the call.
    #[inline(never)]
    fn push(&mut self, word: *const c_char) {
        match self.argv.get_mut(self.used) {
            Some(slot) => {
                *slot = word;
                self.used += 1;
            }
            None => self.fits = false,
        }
    }
}

/// Reads one of the init's variables into `plan` (`first`: whether it is
/// the environment's first entry); true after the last of them. On a bad
/// value, what is wrong with it. They are the re-exec's only from a
/// NOOK_INIT_SIGMASK first on: one anywhere else is a caller's, ignored
/// (and, as every NOOK_* variable, never PROGRAM's).
pub(super) fn decode(variable: InitVariable, value: &CStr, first: bool, plan: &mut RunPlan) -> Result<bool, &'static CStr> {
    let leading = match variable {
        InitVariable::Sigmask => first,
        _ => plan.inherited_mask.is_some(),
    };
    let number = parse_number(value.to_bytes(), 10);
    match variable {
        _ if !leading => {}
        InitVariable::Sigmask => plan.inherited_mask = Some(number.ok_or(say!("is not a signal mask"))?),
        InitVariable::Foreground => {
            let on = super::values::boolean(value).ok_or(say!("is not 0 or 1"))?;
            plan.inherited_foreground = 1 + on as u8;
            return Ok(true);
        }
        InitVariable::ExecFailFd => {
            // 0 without --json-status-fd (the pipe's end is never fd 0);
            // nothing but nook sets it, there, so no value is an error.
            plan.exec_fail_fd = number.filter(|&n| n != 0 && n <= i32::MAX as u64).map(|n| n as i32);
        }
    }
    Ok(false)
}
