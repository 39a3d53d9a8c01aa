//! The mount namespace, step by step as in the seed's walkthrough:
//! propagation for the whole tree, the root bound onto itself, the plan's
//! mount operations, pivot_root into the root, and the old root detached.
//!
//! The caller has already unshared the mount namespace, so none of this is
//! ever seen by the host.

use crate::base::packed::say;
use crate::base::error::{Context, Failure, Result};
use crate::setup::tree::dest::{Missing, Tree};
use crate::setup::tree::{bwrap, dest, ops};
use crate::plan::{Propagation, RunPlan};
use crate::kernel::raw::MountAttr;
use crate::kernel::sys::{Open, Sys};
use core::ffi::CStr;
use linux_raw_sys::general as k;
use rustix::io::Errno;
use rustix::mount::MountPropagationFlags as P;

/// Builds the container's mount tree and leaves the process in it, at
/// `--chdir` (default `/`).
pub fn build<'a, S: Sys>(sys: &mut S, plan: &RunPlan<'a>) -> Result<'a, ()> {
    // Before the first mount, so that nothing below leaks back to the host
    // (or, with `shared`, so that it deliberately does).
    // MS_PRIVATE, MS_SLAVE and MS_SHARED are the bits 18 to 20, in
    // Propagation's order: a shift, not a table.
    const _: () = assert!(
        Propagation::Private as u32 == 0
            && P::PRIVATE.bits() << Propagation::Slave as u32 == P::DOWNSTREAM.bits()
            && P::PRIVATE.bits() << Propagation::Shared as u32 == P::SHARED.bits()
    );
    if plan.propagation != Propagation::Unchanged {
        crate::base::out::trace(1, say!("propagation"), say!("/ (recursive)"));
        let flag = P::from_bits_retain(P::PRIVATE.bits() << plan.propagation as u32);
        propagate(sys, flag | P::REC)?;
    }
    let workdir = plan.process.chdir.unwrap_or(c"/");
    if bwrap::wants_empty_root(plan) {
        let mut tree = bwrap::empty_root(sys, plan)?;
        return build_root(sys, plan, say!("the empty root"), &mut tree);
    }
    let Some(dir) = plan.root else {
        // The seed's first experiment: the host's tree, in a namespace of
        // our own. DESTs still resolve as if inside a root: `/`.
        let mut tree = Tree::new(sys.open_host(c"/", Open::Directory).at(c"open", c"/")?, true);
        for op in plan.ops.iter() {
            ops::apply(sys, &mut tree, op)?;
        }
        return sys.chdir(workdir).at(say!("chdir to"), workdir);
    };
    let mut tree = Tree::new(bind_root(sys, plan, dir)?, false);
    let built = build_root(sys, plan, dir, &mut tree);
    if built.is_err() {
        // A failed run leaves the root as it found it.
        dest::undo(sys, &mut tree);
    }
    built
}

/// The root bound onto itself (pivot_root needs a mount point), by fd.
fn bind_root<'a, S: Sys>(sys: &mut S, plan: &RunPlan<'a>, dir: &'a CStr) -> Result<'a, S::Fd> {
    let host = sys.open_host(dir, Open::Directory).map_err(|e| {
        Failure::new(say!("open root"), dir, e)
            .hint_if(e == Errno::NOTDIR, say!("the root must be a directory"))
            .hint_if(e == Errno::NOENT, say!("the root directory does not exist"))
    })?;
    if plan.propagation == Propagation::Shared {
        // pivot_root refuses a shared new root, a shared parent of it, and a
        // shared current root. Slaves are allowed and still receive what the
        // host mounts, so turn exactly those mounts into slaves.
        make_ancestors_slaves(sys, &host, dir)?;
    }
    crate::base::out::trace(1, say!("bind root onto itself"), dir);
    let root = sys.clone_tree(Some(&host), c"").at(say!("bind root"), dir)?;
    // bwrap's `--bind DIR /` is nosuid (and nodev but for --dev-bind).
    let attrs = bwrap::root_attrs(plan);
    if attrs != 0 {
        let attr = MountAttr { set: attrs, ..MountAttr::default() };
        sys.set_mount_attr(&root, true, attr).at(say!("set flags of root"), dir)?;
    }
    sys.attach(&root, &host).at(say!("bind root"), dir)?;
    Ok(root)
}

/// The operations, the read-only root, pivot_root into it and the old
/// root detached.
fn build_root<'a, S: Sys>(sys: &mut S, plan: &RunPlan<'a>, dir: &'a CStr, tree: &mut Tree<'a, S>) -> Result<'a, ()> {
    let read_only = MountAttr { set: k::MOUNT_ATTR_RDONLY as u64, ..MountAttr::default() };
    if plan.ro_root {
        // Submounts that came with the root become read-only now; the root
        // itself only after the operations have created their mount points.
        sys.set_mount_attr(&tree.root, true, read_only).at(say!("make read-only"), dir)?;
        let writable = MountAttr { clear: k::MOUNT_ATTR_RDONLY as u64, ..MountAttr::default() };
        sys.set_mount_attr(&tree.root, false, writable).at(say!("make writable for setup"), dir)?;
    }
    for op in plan.ops.iter() {
        ops::apply(sys, tree, op)?;
        bwrap::after_op(sys, tree, op)?;
    }
    let put_old = match plan.keep_old_root {
        Some(keep) => Some(dest::ensure(sys, tree, keep, Missing::Dir(dest::DIR_MODE))?),
        None => None,
    };
    // The working directory is resolved before the pivot, so that a
    // missing one fails while the build can still be undone (after it, the
    // mount(2) fallback has no /proc for that). With --keep-old-root it may
    // lie in the old root, which appears only with the pivot.
    let workdir = plan.process.chdir.unwrap_or(c"/");
    let workdir_fd = match plan.keep_old_root {
        None => Some(sys.open_in_root(&tree.root, workdir, Open::Directory).at(say!("chdir to"), workdir)?),
        Some(_) => None,
    };
    if plan.ro_root {
        sys.set_mount_attr(&tree.root, false, read_only).at(say!("make read-only"), dir)?;
    }
    sys.enter_dir(&tree.root).at(say!("chdir to root"), dir)?;
    crate::base::out::trace(1, say!("pivot_root into"), dir);
    sys.pivot_root(put_old.as_ref()).map_err(|e| {
        Failure::new(say!("pivot_root into"), dir, e)
            .hint_if(e == Errno::INVAL, say!("an initramfs rootfs or a shared mount cannot be pivoted; try --propagation private"))
    })?;
    if plan.keep_old_root.is_none() {
        // pivot_root(".", ".") stacked the old root on top of the new one, at
        // ".": detaching it leaves only the new root.
        sys.detach(c".").at(say!("detach old root"), c"/")?;
    }
    // The empty root was unbindable only while the host's `/` was bound
    // (bwrap's, whose propagation is never shared: one call for both).
    let empty_root = bwrap::EMPTY_ROOT && plan.root.is_none();
    if plan.propagation == Propagation::Shared || empty_root {
        let flag = if empty_root { P::PRIVATE } else { P::SHARED };
        propagate(sys, flag)?;
    }
    match workdir_fd {
        Some(fd) => sys.enter_dir(&fd),
        None => sys.chdir(workdir),
    }
    .at(say!("chdir to"), workdir)?;
    // Belt and braces: nothing of the old root may stay reachable through
    // the working directory.
    sys.check_cwd().at(say!("verify working directory"), workdir)
}

/// The propagation of `/`: before the first mount and after the pivot,
/// one failure site for both.
#[inline(never)]
fn propagate<'a, S: Sys>(sys: &mut S, flags: P) -> Result<'a, ()> {
    sys.change_propagation(c"/", flags).at(say!("set propagation of"), c"/")
}

/// Makes slaves (non-recursively) of every mount on the canonical path of
/// the root, `/` included: whichever of them is the root's parent mount.
// Out of line: its 4 KiB buffer would otherwise be part of
// role::run::build_tree's frame, probed page by page on every launch.
#[inline(never)]
fn make_ancestors_slaves<'a, S: Sys>(sys: &mut S, host: &S::Fd, dir: &'a CStr) -> Result<'a, ()> {
    // One byte more than the path may fill: each prefix is cut in place by
    // a NUL after it (a copy of it took a second 4 KiB buffer).
    let mut canonical = [0u8; 4097];
    let n = sys
        .fd_path(host, canonical.get_mut(..4096).unwrap_or(&mut []))
        .and_then(|n| if n < 4096 { Ok(n) } else { Err(Errno::NAMETOOLONG) })
        .at(say!("resolve root"), dir)?;
    for end in 0..=n {
        if end < n && canonical.get(end) != Some(&b'/') {
            continue;
        }
        // `/` itself first: the path's first byte.
        let cut = end.max(1);
        let Some(&kept) = canonical.get(cut) else { break };
        canonical[cut] = 0;
        let changed = match crate::base::text::c_strings(&canonical[..=cut]).next() {
            Some(p) => sys.change_propagation(p, P::DOWNSTREAM),
            None => Ok(()),
        };
        canonical[cut] = kept;
        match changed {
            Ok(()) | Err(Errno::INVAL) => {} // not a mount point
            Err(e) => return Err(Failure::new(say!("set propagation for root"), dir, e)),
        }
    }
    Ok(())
}
