//! The workload's process: its environment, PROGRAM's lookup in PATH, and
//! the final execve.

use crate::base::packed::say;
use crate::base::text::SplitOn;
use crate::base::error::{EXIT_CANNOT_EXEC, EXIT_NOT_FOUND, Failure};
use crate::kernel::raw::SigSet;
use crate::plan::{Argv, EnvEdit, ProcessPlan};
use crate::kernel::raw;
use crate::base::text::Buf;
use core::ffi::{CStr, c_char};
#[cfg(nook_process)]
use heapless::Vec;
use rustix::io::Errno;

/// Environment entries the workload can receive.
pub const MAX_ENV: usize = 4096;
/// Bytes for the "NAME=VALUE" strings that --setenv builds.
pub const SETENV_BYTES: usize = 32 * 1024;
/// musl's default when PATH is unset.
const DEFAULT_PATH: &[u8] = b"/usr/local/bin:/bin:/usr/bin";

#[cfg(nook_process)]
#[derive(Clone, Copy)]
enum Entry<'a> {
    Inherited(&'a CStr),
    /// Offset of a "NAME=VALUE\0" string in the arena (only run's,
    /// enter's and bwrap's edits build one: the init-only build has no
    /// code for it).
    Built(usize),
}

/// The workload's environment: nook's own, without NOOK_*, edited in order.
#[cfg(nook_process)]
pub struct Environment<'a> {
    entries: Vec<Entry<'a>, MAX_ENV>,
    /// The built entries' strings (see `Entry::Built`).
    arena: Buf<SETENV_BYTES>,
}

/// The same without run's, enter's and bwrap's edits (the init-only and
/// initramfs builds): nook's own entries but NOOK_* go straight into
/// [`ENVP`], the array execve takes, with no list of entries built first
/// and copied into it at exec.
#[cfg(not(nook_process))]
pub struct Environment<'a> {
    /// How many entries ENVP holds.
    len: usize,
    /// ENVP's entries are the caller's envp's strings.
    strings: core::marker::PhantomData<&'a CStr>,
}

/// The one environment a process execs with, in .bss: as a local it was a
/// 96 KB stack frame, probed page by page on every launch.
#[cfg(nook_process)]
static mut SHARED: Environment<'static> = Environment { entries: Vec::new(), arena: Buf::new() };
#[cfg(not(nook_process))]
static mut SHARED: Environment<'static> = Environment { len: 0, strings: core::marker::PhantomData };

/// The envp array handed to execve, in .bss for the same reason.
static mut ENVP: [*const c_char; MAX_ENV + 5] = [core::ptr::null(); MAX_ENV + 5];

impl Environment<'static> {
    /// Builds the process's environment in its static slot: `envp` but
    /// its NOOK_* entries (all of it with `keep_nook`: a re-executed
    /// init's PROGRAM, whose environment the outer nook built), then
    /// `edits`.
    ///
    /// # Safety
    /// At most once per process (a forked child has its own copy), and the
    /// result is the only reference to the slot.
    pub unsafe fn shared<'b>(envp: Argv<'static>, keep_nook: bool, edits: &[EnvEdit<'b>]) -> Result<&'static mut Environment<'static>, Failure<'b>> {
        // SAFETY: the caller's contract.
        let env = unsafe { &mut *core::ptr::addr_of_mut!(SHARED) };
        env.fill(envp, keep_nook, edits)?;
        Ok(env)
    }
}

#[cfg(nook_process)]
impl<'a> Environment<'a> {
    /// A separate environment (tests, the fuzzer).
    #[cfg(any(test, feature = "fuzzing"))]
    pub fn new<'b>(envp: Argv<'a>, edits: &[EnvEdit<'b>]) -> Result<std::boxed::Box<Self>, Failure<'b>> {
        let mut env = std::boxed::Box::new(Environment { entries: Vec::new(), arena: Buf::new() });
        env.fill(envp, false, edits)?;
        Ok(env)
    }

    /// Fills an empty environment: a new one, or the shared one (built once).
    // Out of line: inlined into both callers it took 105 bytes more.
    #[inline(never)]
    fn fill<'b>(&mut self, envp: Argv<'a>, keep_nook: bool, edits: &[EnvEdit<'b>]) -> Result<(), Failure<'b>> {
        // A write first: the shared slot's page, untouched so far, then
        // faults in once, where a read of the length first maps the zero
        // page and the first push faults again to replace it.
        // SAFETY: 0 entries is within the capacity, and the slot is empty.
        unsafe { self.entries.set_len(0) };
        for entry in envp.iter() {
            if !keep_nook && entry.to_bytes().starts_with(b"NOOK_") {
                continue;
            }
            self.entries.push(Entry::Inherited(entry)).map_err(|_| Failure::new(c"build", say!("environment"), Errno::TOOBIG))?;
        }
        // Only run's and enter's options edit it.
        for edit in edits {
            match *edit {
                EnvEdit::Clear => self.entries.clear(),
                EnvEdit::Unset { name } => self.remove(name.to_bytes()),
                EnvEdit::Set { name, value } => {
                    self.set(name.to_bytes(), value.to_bytes()).map_err(|e| Failure::new(c"--setenv", name, e))?;
                }
            }
        }
        Ok(())
    }

    /// Sets NAME=VALUE in place of any earlier value; E2BIG when full.
    pub fn set(&mut self, name: &[u8], value: &[u8]) -> Result<(), Errno> {
        self.remove(name);
        let at = self.arena.len();
        self.arena.push(name).push(b"=").push(value).push(b"\0");
        if self.arena.overflowed() {
            return Err(Errno::TOOBIG);
        }
        self.entries.push(Entry::Built(at)).map_err(|_| Errno::TOOBIG)
    }

    fn entry(&self, e: &Entry<'a>) -> &[u8] {
        match *e {
            Entry::Inherited(c) => c.to_bytes(),
            Entry::Built(at) => {
                let rest = self.arena.as_bytes().get(at..).unwrap_or_default();
                &rest[..rest.iter().position(|&b| b == 0).unwrap_or(rest.len())]
            }
        }
    }

    fn remove(&mut self, name: &[u8]) {
        let mut i = 0;
        while i < self.entries.len() {
            let bytes = self.entry(&self.entries[i]);
            if bytes.len() > name.len() && bytes.starts_with(name) && bytes[name.len()] == b'=' {
                self.entries.remove(i);
            } else {
                i += 1;
            }
        }
    }

    /// The value of a variable.
    pub fn get(&self, name: &[u8]) -> Option<&[u8]> {
        self.entries.iter().rev().map(|e| self.entry(e)).find_map(|bytes| {
            (bytes.len() > name.len() && bytes.starts_with(name) && bytes[name.len()] == b'=')
                .then(|| bytes.get(name.len() + 1..).unwrap_or_default())
        })
    }

    /// The null-terminated envp array for execve, with `extra` C strings
    /// (nook's own, for a re-executed init, at most 4) first. It lives in
    /// one static array: build it once, right before exec.
    pub fn to_envp(&self, extra: &[*const c_char]) -> *const *const c_char {
        // SAFETY: single-threaded; the array is only read by execve after.
        let out = unsafe { &mut *core::ptr::addr_of_mut!(ENVP) };
        // The extra ones, the entries and the null, through an iterator
        // over the array, which has room for them all (4 + MAX_ENV + 1):
        // no index to check.
        let mut slots = out.iter_mut();
        // (`extra` first: zip takes from its left before it learns that the
        // right is at its end.)
        for (&p, slot) in extra.iter().zip(slots.by_ref()) {
            *slot = p;
        }
        for e in self.entries.iter() {
            let Some(slot) = slots.next() else { break };
            *slot = match *e {
                Entry::Inherited(c) => c.as_ptr(),
                // SAFETY: `at` is within the arena, which outlives the exec.
                Entry::Built(at) => unsafe { self.arena.as_bytes().as_ptr().add(at) as *const c_char },
            };
        }
        if let Some(slot) = slots.next() {
            *slot = core::ptr::null();
        }
        out.as_ptr()
    }

    /// Variable names and values as text, for tests.
    #[cfg(test)]
    pub fn lines(&self) -> std::vec::Vec<std::string::String> {
        self.entries.iter().map(|e| std::string::String::from_utf8_lossy(self.entry(e)).into_owned()).collect()
    }
}

#[cfg(not(nook_process))]
impl<'a> Environment<'a> {
    /// Fills ENVP with the entries of `envp` but NOOK_*: there are no
    /// edits in these builds (`edits` is always empty). Inlined into
    /// `shared`, its one caller (-32 bytes).
    fn fill<'b>(&mut self, envp: Argv<'a>, keep_nook: bool, _edits: &[EnvEdit<'b>]) -> Result<(), Failure<'b>> {
        // SAFETY: single-threaded; the array is only read by execve after.
        let out = unsafe { &mut *core::ptr::addr_of_mut!(ENVP) };
        self.len = 0;
        for entry in envp.iter() {
            if !keep_nook && entry.to_bytes().starts_with(b"NOOK_") {
                continue;
            }
            // At most MAX_ENV entries, as the list of the other builds.
            match out.get_mut(self.len) {
                Some(slot) if self.len < MAX_ENV => *slot = entry.as_ptr(),
                _ => return Err(Failure::new(c"build", say!("environment"), Errno::TOOBIG)),
            }
            self.len += 1;
        }
        // The null after them (MAX_ENV + 5 slots: always room).
        if let Some(slot) = out.get_mut(self.len) {
            *slot = core::ptr::null();
        }
        Ok(())
    }

    /// The value of a variable (its last entry's, as in the other builds).
    pub fn get(&self, name: &[u8]) -> Option<&[u8]> {
        // SAFETY: single-threaded; ENVP's first `len` slots hold C strings
        // of the caller's envp (`fill`), which live as long as `self`.
        let entries = unsafe { &*core::ptr::addr_of!(ENVP) }.get(..self.len)?;
        entries.iter().rev().find_map(|&p| {
            // SAFETY: as above.
            let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
            (bytes.len() > name.len() && bytes.starts_with(name) && bytes[name.len()] == b'=')
                .then(|| bytes.get(name.len() + 1..).unwrap_or_default())
        })
    }

    /// The null-terminated envp array for execve: ENVP itself, filled.
    pub fn envp(&self) -> *const *const c_char {
        core::ptr::addr_of!(ENVP).cast()
    }
}

/// Executes PROGRAM, searching PATH (from the workload's environment) when
/// it has no slash, as execvp does. Returns only on failure, with the exit
/// status the contract gives it: 127 not found, 126 not executable.
/// `path`, bwrap's `--argv0`, is the file to execute when PROGRAM's argv[0]
/// is another word (never in a build without bwrap).
pub fn exec<'a>(program: Argv<'a>, path: Option<&'a CStr>, env: &Environment) -> Failure<'a> {
    let name = path.unwrap_or(program.get(0).unwrap_or(c""));
    #[cfg(nook_process)]
    let envp = env.to_envp(&[]);
    #[cfg(not(nook_process))]
    let envp = env.envp();
    let fail = |e: Errno, searched: bool| {
        let status = if matches!(e, Errno::NOENT | Errno::NOTDIR) { EXIT_NOT_FOUND } else { EXIT_CANNOT_EXEC };
        Failure::new(c"exec", name, e).hint_if(searched && status == EXIT_NOT_FOUND, say!("not found in the container's PATH")).with_status(status)
    };
    if crate::base::text::has_byte(name.to_bytes(), b'/') {
        // SAFETY: argv and envp are null-terminated arrays of C strings.
        let e = unsafe { raw::execve(name, program.as_ptr(), envp) };
        return fail(e, false);
    }
    let path = env.get(b"PATH").unwrap_or(DEFAULT_PATH);
    let mut denied = false;
    let mut full = Buf::<4096>::new();
    for dir in path.split_on(b':') {
        full.clear();
        // An empty PATH element means the working directory.
        full.push(if dir.is_empty() { b"." } else { dir }).push(b"/").push(name.to_bytes());
        let Ok(candidate) = full.as_cstr() else { continue };
        crate::base::out::trace(2, c"try", candidate);
        // SAFETY: as above.
        match unsafe { raw::execve(candidate, program.as_ptr(), envp) } {
            Errno::NOENT | Errno::NOTDIR | Errno::NAMETOOLONG => {}
            Errno::ACCESS => denied = true,
            e => return fail(e, true),
        }
    }
    fail(if denied { Errno::ACCESS } else { Errno::NOENT }, true)
}

/// The last steps before PROGRAM: no_new_privs, no stray fds, a new
/// session, the capabilities, the sandbox, the inherited signal mask, then exec.
/// `keep` is the one fd beyond stdio that crosses into PROGRAM (`--sync-fd`
/// when PROGRAM is the container itself, without a PID namespace).
/// Returns only when something failed (the exec itself or a step before).
pub fn exec_program<'a>(plan: &ProcessPlan<'a>, keep: Option<i32>, env: &Environment, mask: Option<SigSet>) -> Failure<'a> {
    let program = plan.program();
    // The workload may never gain privileges through setuid binaries or file
    // capabilities (prctl(2), PR_SET_NO_NEW_PRIVS).
    if let Err(e) = raw::set_no_new_privs() {
        return Failure::new(c"set", say!("no_new_privs"), e);
    }
    // No fd of nook's, nor any inherited beyond stdio, survives into PROGRAM
    // but `keep` (as bwrap, but the caller's: see close_on_exec_but).
    if let Err(f) = close_on_exec_but(keep, &plan.sandbox.filter_fds) {
        return f;
    }
    // A new session has no controlling terminal: PROGRAM cannot push input
    // into the caller's with TIOCSTI. The init's spawn already made one.
    if plan.new_session
        && !raw::leads_session()
        && let Err(e) = raw::setsid()
    {
        return Failure::new(c"start", say!("a new session"), e);
    }
    // Capabilities, Landlock, then seccomp: the last steps of all (run's
    // and enter's options; the init-only build has none of them).
    #[cfg(nook_process)]
    if let Err(f) = drop_privileges(plan).and_then(|()| crate::setup::sandbox::apply(&plan.sandbox)) {
        return f;
    }
    if let Some(m) = mask {
        let _ = raw::sigprocmask(raw::SIG_SETMASK, &m);
    }
    crate::base::out::trace(1, c"exec", program.get(0).unwrap_or(c""));
    exec(program, plan.exec_path.get(), env)
}

/// Marks every fd from 3 close-on-exec except `keep`, the one that must
/// cross the exec. As bwrap, nook hands PROGRAM every fd its caller left
/// open, as bwrap does (a wrapper's sockets and pipes): then only the
/// seccomp filters' fds (`filters`; in the init, the memfds that carried
/// them) are marked, since every fd nook opens is close-on-exec already
/// and those its options took were marked when parsed (cli/bwrap.rs).
pub fn close_on_exec_but(keep: Option<i32>, filters: &[crate::plan::sandbox::FilterFd]) -> Result<(), Failure<'static>> {
    let marked = match crate::base::out::persona::bwrap() {
        true => filters.iter().try_for_each(|f| raw::cloexec_range(f.fd as u32, f.fd as u32)),
        false => raw::cloexec_range(3, u32::MAX),
    };
    marked
        .and_then(|()| match keep {
            // SAFETY: a plan's fd, checked open by the parser; only its
            // flags change.
            Some(fd) => rustix::io::fcntl_setfd(unsafe { crate::kernel::fd::borrow_given(fd) }, rustix::io::FdFlags::empty()),
            None => Ok(()),
        })
        .map_err(|e| Failure::new(say!("close-on-exec"), say!("fds from 3"), e))
}

/// `--cap-drop`/`--cap-add`, the last privileged step.
pub fn drop_privileges<'a>(plan: &ProcessPlan<'a>) -> Result<(), Failure<'a>> {
    match &plan.caps {
        Some(edit) => crate::setup::caps::apply(edit),
        None => Ok(()),
    }
}

// The environment edits are run's and enter's (see `fill`).
#[cfg(all(test, nook_process))]
mod tests {
    use super::*;
    use std::ffi::CString;

    fn argv(items: &[&str]) -> (std::vec::Vec<CString>, std::vec::Vec<*const c_char>) {
        let owned: std::vec::Vec<CString> = items.iter().map(|s| CString::new(*s).unwrap()).collect();
        let mut ptrs: std::vec::Vec<*const c_char> = owned.iter().map(|c| c.as_ptr()).collect();
        ptrs.push(core::ptr::null());
        (owned, ptrs)
    }

    #[test]
    fn nook_variables_never_reach_the_workload_and_edits_apply_in_order() {
        let (_o, p) = argv(&["A=1", "NOOK_ROOT=/r", "B=2", "NOOK_VERBOSE=1"]);
        // SAFETY: C strings owned by `_o`, then a null pointer.
        let envp = unsafe { Argv::from_raw(p.as_ptr(), p.len() - 1) };
        let edits = [
            EnvEdit::Set { name: c"A", value: c"3" },
            EnvEdit::Unset { name: c"B" },
            EnvEdit::Set { name: c"C", value: c"x=y" },
        ];
        let env = Environment::new(envp, &edits).unwrap();
        assert_eq!(env.lines(), ["A=3", "C=x=y"]);
        assert_eq!(env.get(b"C"), Some(&b"x=y"[..]));
    }

    #[test]
    fn clearenv_drops_everything_before_it() {
        let (_o, p) = argv(&["A=1", "PATH=/bin"]);
        // SAFETY: C strings owned by `_o`, then a null pointer.
        let envp = unsafe { Argv::from_raw(p.as_ptr(), p.len() - 1) };
        let edits = [EnvEdit::Set { name: c"X", value: c"1" }, EnvEdit::Clear, EnvEdit::Set { name: c"Y", value: c"2" }];
        let env = Environment::new(envp, &edits).unwrap();
        assert_eq!(env.lines(), ["Y=2"]);
        assert_eq!(env.get(b"PATH"), None);
    }
}
