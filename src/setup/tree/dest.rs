//! The tree as it is built: DESTs opened inside the root, what is missing
//! created (and recorded), and what a failed run created removed again.

use crate::base::packed::say;
use crate::base::text::SplitOn;
use crate::base::error::{Context, Failure, Result, Step};

use crate::kernel::raw::MountAttr;
use crate::kernel::sys::{Open, Sys};
use crate::plan::BindKind;
use crate::base::text::Buf;
use core::ffi::CStr;
use heapless::Vec;
use linux_raw_sys::general as k;
use rustix::io::Errno;

pub const DIR_MODE: u32 = 0o755;
pub const FILE_MODE: u32 = 0o444;
/// Filesystems nook mounts (tmpfs) that it may create in without --root.
const MAX_MADE: usize = 64;
/// New files, directories and symlinks outside those that a failed run
/// removes again: each holds its parent's fd until the tree is built.
pub const MAX_CREATED: usize = 256;

/// What to create when DEST is missing.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Missing<'t> {
    Dir(u32),
    File(u32),
    Link(&'t CStr),
}

/// One entry nook created: `name` (a component of a DEST), in `parent`.
/// The name as one slice, not its DEST and two offsets: 24 bytes, not 32,
/// and 256 of them are most of the tree's build's stack frame.
struct Created<'a, Fd> {
    parent: Fd,
    name: &'a [u8],
    dir: bool,
}

/// The tree the operations build, and what nook made in it.
pub struct Tree<'a, S: Sys> {
    /// The new root, or the host's `/` without --root.
    pub root: S::Fd,
    /// Without --root the tree is the host's own: nook creates nothing in
    /// it, except inside filesystems that it mounted itself.
    host: bool,
    /// The st_dev of each filesystem nook mounted: what is created there
    /// vanishes with the mount namespace.
    made: Vec<u64, MAX_MADE>,
    /// What nook created elsewhere (in --root's tree), oldest first.
    created: Vec<Created<'a, S::Fd>, MAX_CREATED>,
    /// The bits taken off [`DIR_MODE`] for missing parent directories:
    /// bwrap's follow `--perms` (setup/tree/bwrap.rs).
    pub parent_mode_cut: crate::plan::bwrap::BwrapOnly<u32>,
}

impl<'a, S: Sys> Tree<'a, S> {
    pub fn new(root: S::Fd, host: bool) -> Self {
        Tree {
            root,
            host,
            made: Vec::new(),
            created: Vec::new(),
            parent_mode_cut: crate::plan::bwrap::BwrapOnly::new(0),
        }
    }

    /// Notes a filesystem nook mounted (the handle of the mount). Past the
    /// capacity it is treated as anyone's: fail closed.
    pub fn made_by_nook(&mut self, sys: &mut S, fs: &S::Fd) {
        if let Ok(dev) = sys.dev_of(fs) {
            let _ = self.made.push(dev);
        }
    }
}

/// Opens DEST inside the root, creating it (and its missing parents, as
/// directories 0755) when absent.
pub fn ensure<'a, S: Sys>(sys: &mut S, tree: &mut Tree<'a, S>, dest: &'a CStr, missing: Missing) -> Result<'a, S::Fd> {
    match sys.open_in_root(&tree.root, dest, Open::Path) {
        Err(Errno::NOENT) => {}
        r => return r.at(c"open", dest),
    }
    let (at, end) = split_last(dest);
    // The parent without the slash before the name ("/" for "/x").
    let parent = ensure_dir(sys, tree, dest, (at - 1).max(1))?;
    made(create(sys, tree, parent, dest, at, end, missing)?, dest)
}

/// Opens the first `len` bytes of `object`, a directory inside the root,
/// walking it from the top down (each prefix resolved inside the root) and
/// creating each missing component. Each is created by fd in its
/// already-resolved parent, so a symlink planted in the path cannot
/// redirect the creation. Errors name `object`, the DEST the user gave.
pub(super) fn ensure_dir<'a, S: Sys>(sys: &mut S, tree: &mut Tree<'a, S>, object: &'a CStr, len: usize) -> Result<'a, S::Fd> {
    let path = &object.to_bytes()[..len];
    let mut prefix = Buf::<4096>::new();
    let mut dir = sys.open_in_root(&tree.root, c"/", Open::Directory).at(say!("open root for"), object)?;
    for component in path.split_on(b'/').filter(|c| !c.is_empty()) {
        let at = component.as_ptr() as usize - path.as_ptr() as usize;
        let end = at + component.len();
        prefix.clear();
        // The text's failure (never ENOENT) and the open's: one site.
        dir = match prefix.push(&path[..end]).as_cstr().and_then(|here| sys.open_in_root(&tree.root, here, Open::Directory)) {
            Err(Errno::NOENT) => {
                let mode = DIR_MODE & !tree.parent_mode_cut.get();
                made(create(sys, tree, dir, object, at, end, Missing::Dir(mode))?, object)?
            }
            r => r.at(say!("open parent directory of"), object)?,
        };
    }
    Ok(dir)
}

/// The fd [`create`] returns for a directory or a file.
fn made<'a, Fd>(fd: Option<Fd>, path: &'a CStr) -> Result<'a, Fd> {
    fd.ok_or_else(|| Failure::new(c"create", path, Errno::EXIST))
}

/// Creates component `at..end` of `path` in `dir`, as `what`, and returns
/// it by the fd that made it (a file) or reopened without following a
/// symlink (a directory; None for a symlink): a swap in between fails
/// instead of redirecting.
///
/// In the host's own tree this is refused, except inside a filesystem that
/// nook mounted; anywhere else what is made is remembered, with `dir`, so
/// that [`undo`] can remove it again.
pub(super) fn create<'a, S: Sys>(
    sys: &mut S,
    tree: &mut Tree<'a, S>,
    dir: S::Fd,
    path: &'a CStr,
    at: usize,
    end: usize,
    what: Missing,
) -> Result<'a, Option<S::Fd>> {
    let mut name = Buf::<256>::new();
    let name = name.push(&path.to_bytes()[at..end]).as_cstr().at(c"create", path)?;
    let dev = sys.dev_of(&dir).at(c"create", path)?;
    // A plain loop: `contains` is unrolled eightfold.
    #[allow(clippy::manual_contains)]
    let outside = !tree.made.iter().any(|&d| d == dev);
    // In the host's tree, or past what `undo` can hold (an fd each).
    if outside && (tree.host || tree.created.is_full()) {
        return Err(Failure::new(c"create", path, if tree.host { Errno::NOENT } else { Errno::MFILE })
            .hint(if tree.host {
                say!("without --root nook creates nothing on the host: create it, or mount a --tmpfs above it")
            } else {
                say!("nook undoes at most 256 new entries: create some in the root first")
            }));
    }
    let made = match what {
        Missing::Dir(mode) => sys.make_dir(&dir, name, mode).map(|()| None),
        Missing::File(mode) => sys.make_file(&dir, name, mode).map(Some),
        Missing::Link(target) => sys.make_symlink(target, &dir, name).map(|()| None),
    };
    // EEXIST: something got there first (a racing creator, or a dangling
    // symlink, which open_in_root saw as missing); nook does not take it over.
    let file = made.map_err(|e| {
        Failure::new(c"create", path, e)
            .hint_if(
                matches!(e, Errno::ACCESS | Errno::ROFS | Errno::PERM),
                say!("the root is not writable here: create DEST in it first"),
            )
            // (--symlink's LINK itself may just be there already.)
            .hint_if(e == Errno::EXIST && !matches!(what, Missing::Link(_)), say!("a symlink on its way leads nowhere inside the root: nook creates nothing through it"))
    })?;
    let opened = match what {
        Missing::Dir(_) => Some(sys.open_child_dir(&dir, name)),
        _ => None,
    };
    if outside {
        let is_dir = matches!(what, Missing::Dir(_));
        let _ = tree.created.push(Created { parent: dir, name: &path.to_bytes()[at..end], dir: is_dir });
    }
    match opened {
        None => Ok(file),
        Some(r) => r.at(say!("verify created"), path).map(Some).map_err(|e| e.hint(say!("it was replaced while nook created it"))),
    }
}

/// After a failed build in --root's tree: removes what [`create`] made
/// there, newest first, each by its parent's fd and its name, never by a
/// path. Whatever nook mounted on an entry is detached first (umount2 of
/// the name, relative to the parent as working directory, without
/// following a symlink), and read-only flags, which would refuse the
/// removals, are cleared first (wherever the kernel has not locked them).
/// Only this namespace's mounts change: nothing runs in it any more.
pub fn undo<S: Sys>(sys: &mut S, tree: &mut Tree<'_, S>) {
    if tree.created.is_empty() {
        return;
    }
    let writable = MountAttr { clear: k::MOUNT_ATTR_RDONLY as u64, ..MountAttr::default() };
    if sys.set_mount_attr(&tree.root, true, writable).is_err() {
        let _ = sys.set_mount_attr(&tree.root, false, writable);
    }
    while let Some(made) = tree.created.pop() {
        let mut name = Buf::<256>::new();
        let Ok(name) = name.push(made.name).as_cstr() else { continue };
        if sys.enter_dir(&made.parent).is_ok() {
            while sys.detach(name).is_ok() {}
        }
        let _ = sys.remove(&made.parent, name, made.dir);
    }
}

/// Where the last component of "/a/b/c" is: its start and end ("c"; the
/// parent is everything before the slash at its start). Trailing slashes
/// are not part of it: "/a/b/" names b.
pub(super) fn split_last(path: &CStr) -> (usize, usize) {
    let bytes = path.to_bytes();
    let mut end = bytes.len();
    while end > 1 && bytes[end - 1] == b'/' {
        end -= 1;
    }
    // An absolute path has a slash before its last component.
    let at = bytes[..end].iter().rposition(|&c| c == b'/').map_or(1, |i| i + 1);
    (at, end)
}

/// The steps of a tmpfs's creation and of its attaching on DEST.
#[inline(always)]
pub fn tmpfs_steps() -> [Step; 2] {
    [say!("create tmpfs for"), say!("mount tmpfs on")]
}

/// A new filesystem of `fstype` attached on DEST (a directory, created if
/// missing): its handle. `steps` name the creation and the attaching; an
/// EPERM from either gets `eperm_hint`. Here, one layer below ops.rs and
/// dev.rs, which both use it. Eight arguments: a struct of the steps and
/// the hint, in a static, took 160 bytes more.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
pub fn mount_new<'a, S: Sys>(
    sys: &mut S,
    tree: &mut Tree<'a, S>,
    dest: &'a CStr,
    fstype: &'static CStr,
    options: &[(&CStr, &CStr)],
    attrs: u64,
    steps: [Step; 2],
    eperm_hint: Option<&'static CStr>,
) -> Result<'a, S::Fd> {
    let fs = sys.new_filesystem(fstype, options, attrs).at(steps[0], dest).map_err(|e| e.hint_on(Errno::PERM, eperm_hint))?;
    let target = ensure(sys, tree, dest, Missing::Dir(DIR_MODE))?;
    sys.attach(&fs, &target).at(steps[1], dest).map_err(|e| e.hint_on(Errno::PERM, eperm_hint))?;
    Ok(fs)
}

/// A detached copy, flagged as a bind of `kind` is (bind_flags), attached
/// on DEST (a directory or a file made there if missing, as `dir` says);
/// a failure to flag it is `step` `object`. Also bwrap's binds of data and
/// of fds (tree/bwrap.rs); `--bind`'s in ops.rs.
#[allow(clippy::too_many_arguments)]
pub fn place<'a, S: Sys>(sys: &mut S, tree: &mut Tree<'a, S>, copy: S::Fd, dest: &'a CStr, kind: BindKind, dir: bool, step: Step, object: &'a CStr) -> Result<'a, ()> {
    let target = ensure(sys, tree, dest, if dir { Missing::Dir(DIR_MODE) } else { Missing::File(FILE_MODE) })?;
    // Recursive, so a read-only bind leaves no writable submount. Setting
    // bits never clears the ones the kernel locked.
    let set = bind_flags(kind);
    sys.set_mount_attr(&copy, true, MountAttr { set, ..MountAttr::default() }).at(step, object)?;
    sys.attach(&copy, &target).at(say!("bind mount on"), dest)
}

/// The mount attributes a bind of `kind` gets: nosuid always; nodev but for
/// --dev-bind; read-only for the ro- forms (bwrap's binds are the same).
pub fn bind_flags(kind: BindKind) -> u64 {
    let mut set = k::MOUNT_ATTR_NOSUID as u64;
    match kind {
        BindKind::ReadWrite => set |= k::MOUNT_ATTR_NODEV as u64,
        BindKind::ReadOnly => set |= (k::MOUNT_ATTR_NODEV | k::MOUNT_ATTR_RDONLY) as u64,
        BindKind::Devices => {}
    }
    set
}

/// A tmpfs's flags: nosuid and nodev (`--tmpfs`'s, bwrap's root's).
pub const TMPFS_ATTRS: u64 = (k::MOUNT_ATTR_NOSUID | k::MOUNT_ATTR_NODEV) as u64;

/// What [`with_tmpfs_options`] hands its `f`: a filesystem's options.
pub type Options<'o> = &'o [(&'o CStr, &'o CStr)];

/// `f` of a tmpfs's options (`--tmpfs`'s, bwrap's root's): mode `perms`
/// (default 0755) and, when given, `size` bytes. `f` is a `dyn`, so that
/// one copy serves both callers where bwrap's root is built (LLVM inlines
/// it into `--tmpfs`'s, its only caller, in the other builds).
pub fn with_tmpfs_options<'a, F>(size: Option<u64>, perms: Option<u32>, f: &mut dyn FnMut(Options) -> Result<'a, F>) -> Result<'a, F> {
    // Both always fit (11 and 20 digits at most) and hold no NUL: as_cstr
    // cannot fail here, so no failure site of their own.
    let mut mode = Buf::<16>::new();
    mode.octal(perms.unwrap_or(DIR_MODE));
    let mut bytes = Buf::<24>::new();
    let mode = mode.as_cstr().unwrap_or(c"");
    // size= only when given: the options are the first one or both.
    let n = bytes.dec(size.unwrap_or(0)).as_cstr().unwrap_or(c"");
    let options = [(c"mode", mode), (c"size", n)];
    f(options.get(..1 + usize::from(size.is_some())).unwrap_or(&[]))
}
