//! What the bwrap personality asks of the shared setup beyond nook's own
//! options (README, "nook as bwrap"): bwrap's root model and its working
//! directory. Only in a build with the `bwrap` feature.

use crate::base::packed::say;
use super::Op;
use core::ffi::CStr;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct BwrapPlan<'a> {
    /// Without `--bind DIR /` (which is `root`), the new root is an empty
    /// tmpfs that the operations fill.
    pub empty_root: bool,
    /// `--tmpfs /` (before every operation): the empty root's size and
    /// mode (default 0755), from its `--size` and `--perms`.
    pub root_tmpfs: (Option<u64>, Option<u32>),
    /// MOUNT_ATTR_* flags set recursively on `--bind DIR /`'s root (bwrap's
    /// binds are nosuid, and nodev but for --dev-bind).
    pub root_attrs: u64,
    /// The caller's working directory: PROGRAM starts there when it exists
    /// inside and no `--chdir` was given (else in $HOME, else in `/`).
    pub cwd: Option<&'a CStr>,
    /// PROGRAM will hold no CAP_SYS_ADMIN to undo a read-only mount with:
    /// then, as bwrap, nook does not lock the tree (userns::lock_mounts).
    pub powerless: bool,
    /// `--lock-file DEST`: read-locked (fcntl) inside, once the tree is
    /// built, for as long as PROGRAM runs.
    pub locks: heapless::Vec<&'a CStr, MAX_LOCKS>,
    /// `--disable-userns`: PROGRAM runs in a nested user namespace (the
    /// mount lock's) beyond which no more may be made.
    pub disable_userns: bool,
    /// `--assert-userns-disabled`: fail unless a user namespace cannot be
    /// made.
    pub assert_userns_disabled: bool,
    /// `--userns FD`, `--pidns FD`: namespaces to join before the others
    /// are made; `--userns2 FD`: the user namespace to join last, just
    /// before PROGRAM.
    pub userns: Option<i32>,
    pub pidns: Option<i32>,
    pub userns2: Option<i32>,
    /// `--userns-block-fd FD`: the caller writes the id maps itself, once
    /// `--info-fd` has named the child; nook waits for a byte on FD (or
    /// its EOF) before it builds the tree, and writes none.
    pub userns_block: Option<i32>,
}

/// A value of the shared plan (or the tree) that only nook as bwrap sets:
/// `T` itself here; without the personality (plan/mod.rs) nothing, read as
/// `T`'s default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(transparent)]
pub struct BwrapOnly<T>(pub T);

impl<T: Copy> BwrapOnly<T> {
    pub const fn new(value: T) -> Self {
        BwrapOnly(value)
    }

    #[inline(always)]
    pub fn get(&self) -> T {
        self.0
    }
}

/// The option that asked for one of bwrap's operations, for traces
/// (`Op::name` hands them here).
#[inline(always)]
pub fn op_name(op: &Op) -> &'static CStr {
    match *op {
        Op::Chmod { .. } => c"--chmod",
        Op::Data { bind: None, .. } => c"--file",
        Op::Data { .. } => say!("--bind-data"),
        Op::BindFd { .. } => say!("--bind-fd"),
        Op::Overlay { .. } => say!("--overlay"),
        // The shared ones are `Op::name`'s. Named here, not caught by a
        // `_`, so that a new operation that `Op::name` forgets fails the
        // bwrap build (as the match before these hooks failed every build).
        Op::Bind { .. }
        | Op::Tmpfs { .. }
        | Op::Dir { .. }
        | Op::Symlink { .. }
        | Op::RemountRo { .. }
        | Op::Make { .. }
        | Op::Proc { .. }
        | Op::Dev { .. }
        | Op::Sys { .. }
        | Op::Mqueue { .. } => c"",
    }
}

/// The path inside the new root one of bwrap's operations acts on
/// (`Op::dest` hands them here).
#[inline(always)]
pub fn op_dest<'a>(op: &Op<'a>) -> &'a CStr {
    match *op {
        Op::Chmod { dest, .. } | Op::Data { dest, .. } | Op::BindFd { dest, .. } | Op::Overlay { dest, .. } => dest,
        // The shared ones are `Op::dest`'s (named, as in `op_name`).
        Op::Bind { .. }
        | Op::Tmpfs { .. }
        | Op::Dir { .. }
        | Op::Symlink { .. }
        | Op::RemountRo { .. }
        | Op::Make { .. }
        | Op::Proc { .. }
        | Op::Dev { .. }
        | Op::Sys { .. }
        | Op::Mqueue { .. } => c"",
    }
}

/// Which overlay an `Op::Overlay` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverlayKind {
    /// `--overlay RWSRC WORKDIR DEST`.
    Writable,
    /// `--tmp-overlay DEST`: writes go to a tmpfs nothing else sees.
    Tmp,
    /// `--ro-overlay DEST`.
    ReadOnly,
}

/// The source of the bind that is `--proc DEST` without a PID namespace
/// (the host's procfs): told from a user's `--bind /proc` by its address,
/// since no argument lives there.
pub static HOST_PROC: &CStr = c"/proc";

/// `--lock-file`s one plan holds.
pub const MAX_LOCKS: usize = 16;

impl BwrapPlan<'_> {
    pub const fn new() -> Self {
        BwrapPlan { empty_root: false, root_tmpfs: (None, None), root_attrs: 0, cwd: None, powerless: false, locks: heapless::Vec::new(), disable_userns: false, assert_userns_disabled: false, userns: None, pidns: None, userns2: None, userns_block: None }
    }
}
