//! The mount operations of a plan (`--bind`, `--tmpfs`, `--dir`, ...),
//! applied in argv order inside the new root.
//!
//! Every DEST is opened with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
//! relative to the root's fd, so `..` and symlinks (absolute or relative)
//! resolve as if the root were `/`: nothing is ever created or mounted
//! outside it. Mounts are attached by fd (move_mount; without the new mount
//! API, mount(2) on /proc/self/fd/N, see legacy.rs), never by a path looked
//! up again, so a path swapped after the check cannot redirect them.

use crate::base::packed::say;
use crate::base::error::{Context, Failure, Result};
use crate::plan::{BindKind, MakeKind, Op};
use crate::kernel::raw::MountAttr;
use crate::kernel::sys::{Open, Sys};
use crate::base::text::c_tail;
use crate::setup::tree::dest::{DIR_MODE, Missing, TMPFS_ATTRS, tmpfs_steps, Tree, create, ensure, ensure_dir, mount_new, place, split_last, with_tmpfs_options};
use core::ffi::CStr;
use linux_raw_sys::general as k;
use rustix::io::Errno;

/// Applies one operation inside the tree.
pub fn apply<'a, S: Sys>(sys: &mut S, tree: &mut Tree<'a, S>, op: &Op<'a>) -> Result<'a, ()> {
    crate::base::out::trace(1, op.name(), op.dest());
    crate::setup::tree::bwrap::before_op(tree, op);
    match *op {
        Op::Bind { src, dest, kind, optional } => bind(sys, tree, src, dest, kind, optional),
        Op::Tmpfs { dest, size, perms } => tmpfs(sys, tree, dest, size, perms),
        // An existing directory stays as it is, mode and all (as bwrap).
        Op::Dir { dest, perms } => ensure(sys, tree, dest, Missing::Dir(perms.unwrap_or(DIR_MODE))).map(drop),
        Op::Symlink { target, link } => symlink(sys, tree, target, link),
        Op::Proc { dest } | Op::Sys { dest } | Op::Mqueue { dest } => {
            // The filesystem, its extra flag, the step, and the hint for an
            // EPERM from creating it or attaching it (with mount(2), in
            // legacy.rs, the kernel's refusal comes only then).
            let (fstype, read_only, step, hint) = match *op {
                Op::Proc { .. } => (c"proc", 0, say!("mount proc on"), Some(say!("proc needs --unshare-pid and, in a user namespace, a fully visible host /proc"))),
                Op::Sys { .. } => (c"sysfs", k::MOUNT_ATTR_RDONLY, say!("mount sysfs on"), Some(say!("sysfs in a user namespace needs its own network namespace; add --unshare-net"))),
                _ => (c"mqueue", 0, say!("mount mqueue on"), None),
            };
            let attrs = (k::MOUNT_ATTR_NOSUID | k::MOUNT_ATTR_NODEV | k::MOUNT_ATTR_NOEXEC | read_only) as u64;
            mount_new(sys, tree, dest, fstype, &[], attrs, [step, step], hint).map(drop)
        }
        Op::Dev { dest } => crate::setup::tree::dev::mount_dev(sys, tree, dest),
        Op::RemountRo { dest } | Op::Make { dest, .. } => {
            let (step, recursive, attr) = match *op {
                Op::Make { kind, .. } => {
                    // MS_SHARED, MS_SLAVE, MS_PRIVATE and MS_UNBINDABLE are
                    // the bits 20 down to 17, in MakeKind's order: a shift,
                    // not a table of four.
                    const _: () = assert!(
                        MakeKind::Shared as u32 == 0
                            && k::MS_SHARED >> MakeKind::Slave as u32 == k::MS_SLAVE
                            && k::MS_SHARED >> MakeKind::Private as u32 == k::MS_PRIVATE
                            && k::MS_SHARED >> MakeKind::Unbindable as u32 == k::MS_UNBINDABLE
                    );
                    let propagation = k::MS_SHARED >> kind as u32;
                    (say!("change propagation of"), false, MountAttr { propagation: propagation as u64, ..MountAttr::default() })
                }
                _ => (say!("remount read-only"), true, MountAttr { set: k::MOUNT_ATTR_RDONLY as u64, ..MountAttr::default() }),
            };
            let fd = sys.open_in_root(&tree.root, dest, Open::Path).at(step, dest)?;
            sys.set_mount_attr(&fd, recursive, attr)
                .at(step, dest)
                .map_err(|e| e.hint_on(Errno::INVAL, Some(say!("it is not a mount point; bind it first"))))
        }
        // bwrap's own operations (setup/tree/bwrap.rs); none without it.
        #[allow(unreachable_patterns)]
        _ => crate::setup::tree::bwrap::apply(sys, tree, op),
    }
}

fn bind<'a, S: Sys>(sys: &mut S, tree: &mut Tree<'a, S>, src: &'a CStr, dest: &'a CStr, kind: BindKind, optional: bool) -> Result<'a, ()> {
    // A detached, recursive copy of the source: its locked submounts come
    // along, and nothing is visible anywhere until it is attached.
    let copy = match sys.clone_tree(None, src) {
        Err(Errno::NOENT) if optional => return Ok(()),
        Err(e) => {
            return Err(Failure::new(say!("bind source"), src, e)
                .hint_if(e == Errno::NOENT, say!("it does not exist on the host; use the -try variant to skip it")));
        }
        Ok(t) => t,
    };
    let dir = sys.is_dir(&copy).at(say!("stat bind source"), src)?;
    place(sys, tree, copy, dest, kind, dir, say!("set flags of bind"), src)
}

fn tmpfs<'a, S: Sys>(sys: &mut S, tree: &mut Tree<'a, S>, dest: &'a CStr, size: Option<u64>, perms: Option<u32>) -> Result<'a, ()> {
    let fs = with_tmpfs_options(size, perms, &mut |options| mount_new(sys, tree, dest, c"tmpfs", options, TMPFS_ATTRS, tmpfs_steps(), None))?;
    tree.made_by_nook(sys, &fs);
    Ok(())
}

// Out of line: smaller than inlined into its caller (measured).
#[inline(never)]
fn symlink<'a, S: Sys>(sys: &mut S, tree: &mut Tree<'a, S>, target: &'a CStr, link: &'a CStr) -> Result<'a, ()> {
    let (at, end) = split_last(link);
    let dir = ensure_dir(sys, tree, link, (at - 1).max(1))?;
    // Already there and the same: setting up twice is not an error.
    if sys.symlink_points_to(&dir, c_tail(link, at), target).unwrap_or(false) {
        return Ok(());
    }
    create(sys, tree, dir, link, at, end, Missing::Link(target)).map(drop)
}
