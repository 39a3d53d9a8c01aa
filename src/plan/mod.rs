//! The plan: what argv and the NOOK_* environment asked for, in fixed
//! capacity, before anything is changed. The parser (cli/) fills it; the
//! executors (setup/) carry it out.
//!
//! `run`, `init` and `enter` share one plan, [`RunPlan`]: `init` and
//! `enter` take a subset of `run`'s options, the NOOK_* defaults apply to
//! all three, and the plan lives in .bss, where the pages of what a role
//! leaves unused are never touched. What they share in substance, PROGRAM
//! and the steps that start it, is its own plan, [`ProcessPlan`]
//! (`process.rs`), the one the executors of the last steps take.
//!
//! Every string is borrowed from the kernel's argv/envp block, which lives as
//! long as the process: parsing copies nothing.

#[cfg(feature = "bwrap")]
pub mod bwrap;
/// Without the bwrap personality its part of the plan is empty: the
/// shared plan holds it in every build, and the values only nook as bwrap
/// sets read as their defaults, constants that fold the shared code's
/// bwrap branches away.
#[cfg(not(feature = "bwrap"))]
pub mod bwrap {
    use core::marker::PhantomData;

    #[derive(Clone, Debug, PartialEq, Eq, Default)]
    pub struct BwrapPlan<'a>(PhantomData<&'a ()>);

    impl BwrapPlan<'_> {
        pub const fn new() -> Self {
            BwrapPlan(PhantomData)
        }
    }

    /// Nothing: only nook as bwrap sets another value than `T`'s default,
    /// the one `get` returns.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
    pub struct BwrapOnly<T>(PhantomData<T>);

    impl<T: Copy + Default> BwrapOnly<T> {
        /// `T`'s default (the one value a shared plan starts with).
        pub const fn new(_default: T) -> Self {
            BwrapOnly(PhantomData)
        }

        #[inline(always)]
        pub fn get(&self) -> T {
            T::default()
        }
    }

    /// Never called: every operation is the shared `Op::name`'s.
    #[inline(always)]
    pub fn op_name(_op: &super::Op) -> &'static core::ffi::CStr {
        c""
    }

    /// Never called: every operation is the shared `Op::dest`'s.
    #[inline(always)]
    pub fn op_dest<'a>(_op: &super::Op<'a>) -> &'a core::ffi::CStr {
        c""
    }
}
pub mod mounts;
pub mod process;
pub mod sandbox;
pub use process::{CapEdit, EnvEdit, MAX_ENV_EDITS, ProcessPlan};
pub use sandbox::Sandbox;
use crate::base::packed::say;
use core::ffi::{CStr, c_char};
use heapless::Vec;

/// Mount operations one `run` can hold. A larger argv is a usage error.
pub const MAX_OPS: usize = 2048;
/// Ranges in one uid or gid map (the kernel allows 340; newuidmap fewer).
pub const MAX_ID_RANGES: usize = 32;

/// The propagation applied recursively to the whole tree before any mount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Propagation {
    Private,
    Slave,
    Shared,
    Unchanged,
}

/// A per-mount propagation change (`--make-*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MakeKind {
    Shared,
    Slave,
    Private,
    Unbindable,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindKind {
    /// `--bind`: nosuid, nodev.
    ReadWrite,
    /// `--ro-bind`: nosuid, nodev, read-only, recursively.
    ReadOnly,
    /// `--dev-bind`: nosuid, device nodes usable.
    Devices,
}

/// One setup operation, applied in argv order inside the new root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op<'a> {
    Bind { dest: &'a CStr, src: &'a CStr, kind: BindKind, optional: bool },
    Tmpfs { dest: &'a CStr, size: Option<u64>, perms: Option<u32> },
    Dir { dest: &'a CStr, perms: Option<u32> },
    Symlink { link: &'a CStr, target: &'a CStr },
    RemountRo { dest: &'a CStr },
    Make { dest: &'a CStr, kind: MakeKind },
    /// `--proc`: a procfs of the new PID namespace.
    Proc { dest: &'a CStr },
    /// `--dev`: a minimal /dev (see devfs.rs).
    Dev { dest: &'a CStr },
    /// `--sys`: a read-only sysfs.
    Sys { dest: &'a CStr },
    /// `--mqueue`: a POSIX message queue filesystem.
    Mqueue { dest: &'a CStr },
    /// bwrap's `--chmod OCTAL PATH`: PATH must exist.
    #[cfg(feature = "bwrap")]
    Chmod { dest: &'a CStr, perms: u32 },
    /// bwrap's `--file FD DEST` (bind None), `--bind-data FD DEST` and
    /// `--ro-bind-data FD DEST`: a file holding what FD holds.
    #[cfg(feature = "bwrap")]
    Data { dest: &'a CStr, fd: i32, perms: u32, bind: Option<BindKind> },
    /// bwrap's `--bind-fd FD DEST` and `--ro-bind-fd FD DEST`.
    #[cfg(feature = "bwrap")]
    BindFd { dest: &'a CStr, fd: i32, kind: BindKind },
    /// bwrap's overlays: `lower` is overlayfs's lowerdir (the layers top
    /// first, `:` between, escaped), `upper` and `work` are `--overlay`'s
    /// (empty otherwise).
    #[cfg(feature = "bwrap")]
    Overlay { dest: &'a CStr, lower: &'a CStr, upper: &'a CStr, work: &'a CStr, kind: bwrap::OverlayKind },
}

impl<'a> Op<'a> {
    /// The option that asked for this operation, for traces.
    pub fn name(&self) -> &'static CStr {
        match *self {
            Op::Bind { kind: BindKind::ReadWrite, .. } => c"--bind",
            Op::Bind { kind: BindKind::ReadOnly, .. } => say!("--ro-bind"),
            Op::Bind { kind: BindKind::Devices, .. } => say!("--dev-bind"),
            Op::Tmpfs { .. } => c"--tmpfs",
            Op::Dir { .. } => c"--dir",
            Op::Symlink { .. } => say!("--symlink"),
            Op::RemountRo { .. } => say!("--remount-ro"),
            Op::Make { .. } => say!("--make-*"),
            Op::Proc { .. } => c"--proc",
            Op::Dev { .. } => c"--dev",
            Op::Sys { .. } => c"--sys",
            Op::Mqueue { .. } => c"--mqueue",
            // bwrap's own operations (plan/bwrap.rs); none without it.
            #[allow(unreachable_patterns)]
            _ => bwrap::op_name(self),
        }
    }

    /// The path inside the new root this operation acts on.
    pub fn dest(&self) -> &'a CStr {
        match *self {
            Op::Bind { dest, .. }
            | Op::Tmpfs { dest, .. }
            | Op::Dir { dest, .. }
            | Op::RemountRo { dest }
            | Op::Make { dest, .. }
            | Op::Proc { dest }
            | Op::Dev { dest }
            | Op::Sys { dest }
            | Op::Mqueue { dest } => dest,
            Op::Symlink { link, .. } => link,
            #[allow(unreachable_patterns)]
            _ => bwrap::op_dest(self),
        }
    }
}

/// One line of a uid_map or gid_map: `inside outside count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdRange {
    pub inside: u32,
    pub outside: u32,
    pub count: u32,
}

/// The user namespace and its id maps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserPlan {
    /// `--unshare-user`, or any mapping option (which needs one).
    pub requested: bool,
    /// `--map-user`: the caller's id inside (default 0, `--map-root`).
    pub map_user: Option<u32>,
    pub map_group: Option<u32>,
    pub uid_map: Vec<IdRange, MAX_ID_RANGES>,
    pub gid_map: Vec<IdRange, MAX_ID_RANGES>,
    /// `--setgroups allow|deny`.
    pub setgroups: Setgroups,
    /// bwrap's `--userns-block-fd`: the caller writes the maps, not nook.
    pub by_caller: bwrap::BwrapOnly<bool>,
}

/// `--setgroups`, when given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Setgroups {
    /// Deny for an unprivileged caller; as inherited for a privileged one.
    #[default]
    Unset,
    Allow,
    Deny,
}

/// File descriptors a wrapper hands nook (bwrap's protocol).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct WrapperFds {
    /// One JSON object about the container, then closed.
    pub info: Option<i32>,
    /// JSON lines: the same object first, `{"exit-code": N}` last.
    pub json_status: Option<i32>,
    /// Read one byte (or EOF) before PROGRAM starts.
    pub block: Option<i32>,
    /// Held open while the container lives.
    pub sync: Option<i32>,
}

/// Everything `nook run` will do.
///
/// In C's layout, the fields PID 1 writes first: the plan is the first
/// thing in .bss (build.rs), so that they share the page of .data, which
/// PID 1 has resident anyway, rather than dirtying pages of their own
/// across the plan (`init` at one end, NOOK_INIT_* at the other).
#[derive(Debug)]
#[repr(C)]
pub struct RunPlan<'a> {
    /// The PID-1 stage's options (`run --unshare-pid` and `init`).
    pub init: InitOptions,
    /// NOOK_INIT_SIGMASK: the signal mask PROGRAM gets, when `run` re-executes
    /// nook as its init with every signal still blocked.
    pub inherited_mask: Option<u64>,
    /// NOOK_INIT_FOREGROUND: whether the outer nook of `run` owned the
    /// terminal (the re-executed init cannot tell from inside its namespace).
    /// A u8 (0 unset, 1 no, 2 yes): an `Option<bool>`'s None is not zero,
    /// and one non-zero byte would move the whole plan from .bss into the
    /// binary.
    pub inherited_foreground: u8,
    pub verbose: u8,
    /// NOOK_MOUNT_API: auto (the new mount API where the kernel has it),
    /// new, or legacy (mount(2) on /proc/self/fd/N paths). Up here because
    /// `nook init` parses it too: from the far end of the plan its store
    /// would make a page of .bss resident in PID 1.
    pub mount_api: crate::base::MountApi,
    /// NOOK_INIT_EXEC_FAIL_FD: where the re-executed init reports that
    /// PROGRAM could not be executed (for `--json-status-fd`).
    pub exec_fail_fd: Option<i32>,
    /// PROGRAM and the steps that start it, which `init` and `enter` share.
    pub process: ProcessPlan<'a>,
    pub user: UserPlan,
    pub propagation: Propagation,
    pub root: Option<&'a CStr>,
    pub keep_old_root: Option<&'a CStr>,
    pub ro_root: bool,
    /// `--unshare-pid`: nook forks, and the child is PID 1 inside.
    pub pid_ns: bool,
    /// `--no-init`: PROGRAM itself is PID 1.
    pub no_init: bool,
    /// `--die-with-parent`.
    pub die_with_parent: bool,
    /// CLONE_NEW* flags of the namespaces asked for beyond user, mount and
    /// PID (`--unshare-uts` ... `--unshare-time`).
    pub namespaces: u32,
    /// `--hostname` (or NOOK_HOSTNAME).
    pub hostname: Option<&'a CStr>,
    /// The wrapper fds (`--info-fd` ...), as bwrap has them.
    pub fds: WrapperFds,
    /// `enter --pid`: the process whose namespaces to join.
    pub enter_pid: Option<&'a CStr>,
    /// `nook mounts`'s options.
    pub mounts: mounts::MountsPlan<'a>,
    /// `switch-root --force`: switch even when nook is not PID 1 (NEWROOT
    /// is `root`, INIT and its arguments the process's program).
    pub force: bool,
    /// What the bwrap personality adds (plan/bwrap.rs; empty without it).
    pub bwrap: bwrap::BwrapPlan<'a>,
    /// `run`'s PID-1 options and their values, the words as given, which
    /// the init it re-executes reads again.
    pub init_words: Vec<&'a CStr, 64>,
    /// The mount operations, in order. With `init_words`, last: their
    /// unused capacity (most of the plan) then lies past every flag, which
    /// share a page or two instead of lying on both sides of it (each side
    /// a page fault more in every process of a launch).
    pub ops: Vec<Op<'a>, MAX_OPS>,
}

impl<'a> RunPlan<'a> {
    /// Const, and all zeros: the binary keeps its one plan in .bss, where
    /// the pages of unused capacity are never touched (PID 1's memory).
    pub const fn new() -> Self {
        RunPlan {
            user: UserPlan {
                requested: false,
                map_user: None,
                map_group: None,
                uid_map: Vec::new(),
                gid_map: Vec::new(),
                setgroups: Setgroups::Unset,
                by_caller: bwrap::BwrapOnly::new(false),
            },
            propagation: Propagation::Private,
            root: None,
            keep_old_root: None,
            ro_root: false,
            ops: Vec::new(),
            process: ProcessPlan::new(),
            verbose: 0,
            pid_ns: false,
            no_init: false,
            die_with_parent: false,
            namespaces: 0,
            hostname: None,
            exec_fail_fd: None,
            fds: WrapperFds { info: None, json_status: None, block: None, sync: None },
            enter_pid: None,
            mounts: mounts::MountsPlan { pid: None, all: false, json: false },
            init: InitOptions {
                signal_group: false,
                grace: 0,
                subreaper: false,
                pdeathsig: None,
                remap_exit: [0; 4],
                warn_on_reap: false,
                pause: false,
                rewrite: [0; 65],
            },
            init_words: Vec::new(),
            inherited_mask: None,
            inherited_foreground: 0,
            mount_api: crate::base::MountApi::Auto,
            force: false,
            bwrap: bwrap::BwrapPlan::new(),
        }
    }
}

impl Default for RunPlan<'_> {
    fn default() -> Self {
        Self::new()
    }
}

/// A borrowed, null-terminated array of C strings: argv or envp as the
/// kernel laid them out (or a test's imitation of that).
#[derive(Clone, Copy, Debug)]
pub struct Argv<'a> {
    /// The entries, not counting the terminating null pointer, which must
    /// follow them in memory.
    ptrs: &'a [*const c_char],
}

static EMPTY: [usize; 1] = [0];

impl<'a> Argv<'a> {
    pub fn empty() -> Self {
        let p = EMPTY.as_ptr() as *const *const c_char;
        // SAFETY: EMPTY is one null pointer: an empty, terminated array.
        Argv { ptrs: unsafe { core::slice::from_raw_parts(p, 0) } }
    }

    /// # Safety
    /// `ptrs[..len]` must be valid C strings living for 'a, and `ptrs[len]`
    /// must be a null pointer.
    pub unsafe fn from_raw(ptrs: *const *const c_char, len: usize) -> Self {
        // SAFETY: the caller's contract: `len` pointers, then a null one.
        Argv { ptrs: unsafe { core::slice::from_raw_parts(ptrs, len) } }
    }

    /// Counts the entries of a null-terminated array (envp).
    ///
    /// # Safety
    /// As for [`Argv::from_raw`], with the terminator found by scanning.
    pub unsafe fn from_null_terminated(ptrs: *const *const c_char) -> Self {
        let mut len = 0;
        // SAFETY: the caller's contract: every entry up to the first null
        // one is readable.
        while unsafe { !(*ptrs.add(len)).is_null() } {
            len += 1;
        }
        // SAFETY: `len` entries, then the null one just found.
        unsafe { Self::from_raw(ptrs, len) }
    }

    pub fn len(&self) -> usize {
        self.ptrs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ptrs.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&'a CStr> {
        // SAFETY: from_raw's contract.
        self.ptrs.get(i).map(|&p| unsafe { CStr::from_ptr(p) })
    }

    /// The entries from `i` on, still null-terminated.
    pub fn tail(&self, i: usize) -> Argv<'a> {
        Argv { ptrs: &self.ptrs[i.min(self.ptrs.len())..] }
    }

    /// The null-terminated pointer array, for execve.
    pub fn as_ptr(&self) -> *const *const c_char {
        self.ptrs.as_ptr()
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a CStr> + 'a {
        // SAFETY: from_raw's contract.
        self.ptrs.iter().map(|&p| unsafe { CStr::from_ptr(p) })
    }
}

/// The PID-1 options shared by `init` and `run` (and the personalities
/// tini, docker-init and catatonit, which only read argv differently).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InitOptions {
    /// Forward signals to PROGRAM's process group instead of PROGRAM alone.
    pub signal_group: bool,
    /// Seconds between TERM and KILL for what is left after PROGRAM exits.
    pub grace: u32,
    /// PR_SET_CHILD_SUBREAPER even when nook is PID 1 (always when not).
    pub subreaper: bool,
    /// The signal nook gets when its parent dies.
    pub pdeathsig: Option<i32>,
    /// `--remap-exit` (tini's -e): bit N (of 256) set: PROGRAM's status N
    /// becomes 0.
    pub remap_exit: [u64; 4],
    /// `--warn-on-reap` (tini's -w): a warning line for each process reaped
    /// that is not PROGRAM.
    pub warn_on_reap: bool,
    /// `--pause` (catatonit's -P): no PROGRAM; reap until TERM or INT.
    pub pause: bool,
    /// `--rewrite` (dumb-init's): entry N is 1 + the signal that signal N is
    /// forwarded as (1 + 0: not at all), or 0 to forward it as it is; zero,
    /// the plan stays in .bss.
    pub rewrite: [u8; 65],
}

impl InitOptions {
    /// Whether `--remap-exit` names PROGRAM's exit status `status`.
    pub fn remaps(&self, status: i32) -> bool {
        self.remap_exit.get((status as usize) / 64).is_some_and(|w| w >> (status & 63) & 1 != 0)
    }

    /// What PROGRAM's exit status `status` becomes.
    pub fn exit_status(&self, status: i32) -> i32 {
        if self.remaps(status) { 0 } else { status }
    }

    /// The signal that `sig`, sent to nook, is forwarded as (`--rewrite`);
    /// 0 for none (kill(2) then only checks that PROGRAM exists).
    pub fn forwarded(&self, sig: i32) -> i32 {
        match self.rewrite.get(sig as usize) {
            Some(&to) if to != 0 => to as i32 - 1,
            _ => sig,
        }
    }
}
