//! What the bwrap personality adds to the tree's build (README, "nook as
//! bwrap"): its empty tmpfs root, its parent-directory modes, `--chmod`,
//! the data files, the fd binds, the overlays, and /proc's read-only covers.
//!
//! The empty root is a tmpfs attached on top of the host's `/`, in the new
//! mount namespace. A path walk starts at the process's root as it is and
//! never climbs onto a mount stacked on that very directory (which is why
//! switch_root must chroot after moving a root over `/`): so every SRC
//! still resolves on the host, while every DEST resolves inside the tmpfs
//! (by its fd). pivot_root then makes the tmpfs the root. It is
//! unbindable until then, so that a recursive bind of the host's `/`
//! (`--bind / /host`) does not carry a copy of it along.

use crate::base::packed::say;
use crate::base::bwrap::msg;
use crate::base::error::{Context, Result};
use crate::kernel::raw::MountAttr;
use crate::kernel::sys::{Open, Sys};
use crate::plan::bwrap::BwrapOnly;
use crate::plan::{BindKind, Op, RunPlan};
use crate::setup::tree::dest::{Missing, TMPFS_ATTRS, Tree, ensure, place, with_tmpfs_options};
use core::ffi::CStr;
use rustix::io::Errno;
use linux_raw_sys::general as k;

/// Whether the tree is built on [`empty_root`]: no `--bind DIR /`.
pub fn wants_empty_root(plan: &RunPlan) -> bool {
    plan.root.is_none() && plan.bwrap.empty_root
}

/// A build_root given no root builds on [`empty_root`] (a build without
/// bwrap has no empty root).
pub const EMPTY_ROOT: bool = true;

/// The MOUNT_ATTR_* flags set recursively on `--bind DIR /`'s root.
pub fn root_attrs(plan: &RunPlan) -> u64 {
    plan.bwrap.root_attrs
}

/// One of bwrap's own operations (ops.rs hands them here). Out of line:
/// inlined into ops.rs's `apply`, whose every operation goes through it,
/// it took 8 bytes more (measured).
#[inline(never)]
pub fn apply<'a, S: Sys>(sys: &mut S, tree: &mut Tree<'a, S>, op: &Op<'a>) -> Result<'a, ()> {
    match *op {
        Op::Chmod { dest, perms } => chmod(sys, tree, dest, perms),
        Op::Data { fd, dest, perms, bind } => data(sys, tree, fd, dest, perms, bind),
        Op::BindFd { fd, dest, kind } => bind_fd(sys, tree, fd, dest, kind),
        Op::Overlay { dest, lower, upper, work, kind } => overlay(sys, tree, dest, lower, upper, work, kind),
        // The shared ones are ops.rs's.
        _ => Ok(()),
    }
}

/// Before each operation: the mode of the parent directories it creates.
pub fn before_op<S: Sys>(tree: &mut Tree<S>, op: &Op) {
    if crate::base::out::persona::bwrap() {
        tree.parent_mode_cut = BwrapOnly(parent_mode_cut(op));
    }
}

/// The new, empty root: a tmpfs (mode 0755, as bwrap's, or `--tmpfs /`'s
/// mode and size) on the host's `/`.
pub fn empty_root<'a, S: Sys>(sys: &mut S, plan: &RunPlan) -> Result<'a, Tree<'a, S>> {
    crate::base::out::trace(1, say!("mount tmpfs on"), msg!("/ (the empty root)"));
    let (size, perms) = plan.bwrap.root_tmpfs;
    let fs = with_tmpfs_options(size, perms, &mut |options| sys.new_filesystem(c"tmpfs", options, TMPFS_ATTRS).at(say!("create tmpfs for"), msg!("the root")))?;
    let host = sys.open_host(c"/", Open::Directory).at(c"open", c"/")?;
    sys.attach(&fs, &host).at(say!("mount tmpfs on"), c"/")?;
    let unbindable = MountAttr { propagation: k::MS_UNBINDABLE as u64, ..MountAttr::default() };
    sys.set_mount_attr(&fs, false, unbindable).at(msg!("make unbindable"), msg!("the root"))?;
    let mut tree = Tree::new(fs, false);
    // Entries created in it vanish with the namespace: nothing to undo.
    let root = sys.open_in_root(&tree.root, c"/", Open::Directory).at(c"open", msg!("the root"))?;
    tree.made_by_nook(sys, &root);
    Ok(tree)
}

/// The bits taken off bwrap's 0755 (DIR_MODE) for the parent directories
/// an operation creates: the group's r-x when `--perms` gives the group
/// nothing, the others' when it gives them nothing (0750 gives 0750, 0000
/// gives 0700).
fn parent_mode_cut(op: &Op) -> u32 {
    let perms = match *op {
        Op::Dir { perms: Some(p), .. } | Op::Tmpfs { perms: Some(p), .. } | Op::Data { perms: p, .. } => p,
        _ => return 0,
    };
    let mut cut = 0;
    if perms & 0o070 == 0 {
        cut |= 0o050;
    }
    if perms & 0o007 == 0 {
        cut |= 0o005;
    }
    cut
}

/// `--chmod OCTAL PATH`: PATH, resolved inside the root, must exist.
pub fn chmod<'a, S: Sys>(sys: &mut S, tree: &mut Tree<'a, S>, dest: &'a CStr, perms: u32) -> Result<'a, ()> {
    // One failure site: the open's and the chmod's are the same message.
    sys.open_in_root(&tree.root, dest, Open::Path).and_then(|fd| sys.chmod(&fd, perms)).at(c"chmod", dest)
}

/// `--file FD DEST`: FD's bytes in DEST, as bwrap's creat(): a file that
/// exists there (on a host bind too) is truncated and written, its mode
/// kept, else a new one is made (mode `perms`); `--bind-data` and
/// `--ro-bind-data`: a file of their own, unreachable but through DEST,
/// bound on it.
pub fn data<'a, S: Sys>(sys: &mut S, tree: &mut Tree<'a, S>, fd: i32, dest: &'a CStr, perms: u32, bind: Option<BindKind>) -> Result<'a, ()> {
    let made = make_data(sys, tree, fd, dest, perms, bind);
    // Read once, as bwrap does: then closed.
    let _ = crate::kernel::raw::close(fd);
    made
}

fn make_data<'a, S: Sys>(sys: &mut S, tree: &mut Tree<'a, S>, fd: i32, dest: &'a CStr, perms: u32, bind: Option<BindKind>) -> Result<'a, ()> {
    let Some(kind) = bind else {
        let file = match sys.rewrite(&tree.root, dest) {
            Err(Errno::NOENT) => ensure(sys, tree, dest, Missing::File(perms))?,
            r => r.at(c"create", dest)?,
        };
        return sys.copy_into(&file, fd).at(msg!("copy --file data into"), dest);
    };
    let copy = sys.data_file(fd, perms, &tree.root).at(msg!("copy data for"), dest).map_err(|e| e.hint_on(Errno::NOSYS, Some(msg!("--bind-data needs the new mount API"))))?;
    place(sys, tree, copy, dest, kind, false, msg!("set flags of bind on"), dest)
}

/// After `--proc DEST` (its own procfs, or the host's bound): as bwrap
/// does, each of DEST's sys, sysrq-trigger, irq and bus that this process
/// may write to (access(2); not where that is EACCES, ENOENT or EROFS) is
/// bound onto itself read-only.
#[inline(never)]
pub fn after_op<'a, S: Sys>(sys: &mut S, tree: &mut Tree<'a, S>, op: &Op<'a>) -> Result<'a, ()> {
    let dest = match *op {
        Op::Proc { dest } => dest,
        Op::Bind { src, dest, .. } if core::ptr::eq(src.as_ptr(), crate::plan::bwrap::HOST_PROC.as_ptr()) => dest,
        _ => return Ok(()),
    };
    if !crate::base::out::persona::bwrap() {
        return Ok(());
    }
    let dir = sys.open_in_root(&tree.root, dest, Open::Directory).at(c"open", dest)?;
    for name in crate::base::text::c_strings(b"sys\0sysrq-trigger\0irq\0bus\0") {
        cover(sys, &dir, name).at(msg!("cover read-only in"), dest)?;
    }
    Ok(())
}

/// `name` in the procfs `dir` bound onto itself read-only, if writable.
fn cover<S: Sys>(sys: &mut S, dir: &S::Fd, name: &CStr) -> core::result::Result<(), Errno> {
    match sys.may_write(dir, name) {
        Err(Errno::ACCESS | Errno::NOENT | Errno::ROFS) => return Ok(()),
        r => r?,
    }
    // Resolved with the procfs as its root.
    let target = sys.open_in_root(dir, name, Open::Path)?;
    let copy = sys.clone_tree(Some(&target), c"")?;
    let set = crate::setup::tree::dest::bind_flags(BindKind::ReadOnly);
    sys.set_mount_attr(&copy, true, MountAttr { set, ..MountAttr::default() })?;
    sys.attach(&copy, &target)
}

/// `--bind-fd FD DEST`: what FD (O_PATH is enough) names, bound on DEST.
pub fn bind_fd<'a, S: Sys>(sys: &mut S, tree: &mut Tree<'a, S>, fd: i32, dest: &'a CStr, kind: BindKind) -> Result<'a, ()> {
    let source = sys.dup_fd(fd);
    // Used once, as bwrap does: then closed.
    let _ = crate::kernel::raw::close(fd);
    // The dup's failure and the clone's are one message: one site.
    let copy = source.and_then(|source| sys.clone_tree(Some(&source), c"")).at(c"bind source", c"--bind-fd")?;
    let dir = sys.is_dir(&copy).at(say!("stat bind source"), c"--bind-fd")?;
    place(sys, tree, copy, dest, kind, dir, msg!("set flags of bind on"), dest)
}

/// `--overlay`, `--tmp-overlay`, `--ro-overlay`: an overlayfs of the
/// `--overlay-src` layers on DEST (a directory, created if missing).
pub fn overlay<'a, S: Sys>(
    sys: &mut S,
    tree: &mut Tree<'a, S>,
    dest: &'a CStr,
    lower: &'a CStr,
    upper: &'a CStr,
    work: &'a CStr,
    kind: crate::plan::bwrap::OverlayKind,
) -> Result<'a, ()> {
    use crate::plan::bwrap::OverlayKind;
    let dirs = (kind == OverlayKind::Writable).then_some((upper, work));
    let fs = sys
        .overlay(lower, dirs, kind == OverlayKind::Tmp)
        .at(msg!("mount overlay on"), dest)
        .map_err(|e| e.hint_on(Errno::NOSYS, Some(msg!("overlays need the new mount API"))))?;
    let target = ensure(sys, tree, dest, Missing::Dir(crate::setup::tree::dest::DIR_MODE))?;
    sys.attach(&fs, &target).at(msg!("mount overlay on"), dest)
}
