//! The mount namespace, step by step as in the seed's walkthrough:
//! propagation for the whole tree, the root bound onto itself, the plan's
//! mount operations, pivot_root into the root, and the old root detached.
//!
//! The caller has already unshared the mount namespace, so none of this is
//! ever seen by the host.

use crate::error::{Context, Failure, Result};
use crate::mounts::{self, Missing};
use crate::plan::{Propagation, RunPlan};
use crate::raw::MountAttr;
use crate::sys::Sys;
use crate::text::Buf;
use core::ffi::CStr;
use linux_raw_sys::general as k;
use rustix::io::Errno;
use rustix::mount::MountPropagationFlags as P;

/// Builds the container's mount tree and leaves the process in it, at
/// `--chdir` (default `/`).
pub fn build<'a, S: Sys>(sys: &mut S, plan: &RunPlan<'a>) -> Result<'a, ()> {
    // Before the first mount, so that nothing below leaks back to the host
    // (or, with `shared`, so that it deliberately does).
    let whole_tree = match plan.propagation {
        Propagation::Private => Some(P::PRIVATE),
        Propagation::Slave => Some(P::DOWNSTREAM),
        Propagation::Shared => Some(P::SHARED),
        Propagation::Unchanged => None,
    };
    if let Some(flag) = whole_tree {
        crate::out::trace(1, c"propagation", c"/ (recursive)");
        sys.change_propagation(c"/", flag | P::REC).at(c"set propagation of", c"/")?;
    }
    match plan.root {
        None => {
            // The seed's first experiment: the host's tree, in a namespace
            // of our own. DESTs still resolve as if inside a root: `/`.
            let root = sys.open_host_dir(c"/").at(c"open", c"/")?;
            for op in plan.ops.iter() {
                mounts::apply(sys, &root, op)?;
            }
            sys.chdir(plan.chdir.unwrap_or(c"/")).at(c"chdir to", plan.chdir.unwrap_or(c"/"))
        }
        Some(dir) => build_root(sys, plan, dir),
    }
}

fn build_root<'a, S: Sys>(sys: &mut S, plan: &RunPlan<'a>, dir: &'a CStr) -> Result<'a, ()> {
    let host = sys.open_host_dir(dir).map_err(|e| {
        Failure::new(c"open root", dir, e)
            .hint_if(e == Errno::NOTDIR, c"the root must be a directory")
            .hint_if(e == Errno::NOENT, c"the root directory does not exist")
    })?;
    let shared = plan.propagation == Propagation::Shared;
    if shared {
        // pivot_root refuses a shared new root, a shared parent of it, and a
        // shared current root. Slaves are allowed and still receive what the
        // host mounts, so turn exactly those mounts into slaves.
        make_ancestors_slaves(sys, &host, dir)?;
    }
    // Bind the root onto itself: pivot_root needs a mount point.
    crate::out::trace(1, c"bind root onto itself", dir);
    let root = sys.clone_tree(Some(&host), c"").at(c"bind root", dir)?;
    sys.attach(&root, &host).at(c"bind root", dir)?;
    drop(host);
    let read_only = MountAttr { set: k::MOUNT_ATTR_RDONLY as u64, ..MountAttr::default() };
    if plan.ro_root {
        // Submounts that came with the root become read-only now; the root
        // itself only after the operations have created their mount points.
        sys.set_mount_attr(&root, true, read_only).at(c"make read-only", dir)?;
        let writable = MountAttr { clear: k::MOUNT_ATTR_RDONLY as u64, ..MountAttr::default() };
        sys.set_mount_attr(&root, false, writable).at(c"make writable for setup", dir)?;
    }
    for op in plan.ops.iter() {
        mounts::apply(sys, &root, op)?;
    }
    let put_old = match plan.keep_old_root {
        Some(keep) => Some(mounts::ensure(sys, &root, keep, Missing::Dir(mounts::DIR_MODE))?),
        None => None,
    };
    if plan.ro_root {
        sys.set_mount_attr(&root, false, read_only).at(c"make read-only", dir)?;
    }
    sys.enter_dir(&root).at(c"chdir to root", dir)?;
    crate::out::trace(1, c"pivot_root into", dir);
    sys.pivot_root(put_old.as_ref()).map_err(|e| {
        Failure::new(c"pivot_root into", dir, e)
            .hint_if(e == Errno::INVAL, c"an initramfs rootfs or a shared mount cannot be pivoted; try --propagation private")
    })?;
    if plan.keep_old_root.is_none() {
        // pivot_root(".", ".") stacked the old root on top of the new one, at
        // ".": detaching it leaves only the new root.
        sys.detach(c".").at(c"detach old root", c"/")?;
    }
    if shared {
        sys.change_propagation(c"/", P::SHARED).at(c"set propagation of", c"/")?;
    }
    let workdir = plan.chdir.unwrap_or(c"/");
    sys.chdir(workdir).at(c"chdir to", workdir)?;
    // Belt and braces: nothing of the old root may stay reachable through
    // the working directory.
    sys.check_cwd().at(c"verify working directory", workdir)
}

/// Makes slaves (non-recursively) of every mount on the canonical path of
/// the root, `/` included: whichever of them is the root's parent mount.
fn make_ancestors_slaves<'a, S: Sys>(sys: &mut S, host: &S::Fd, dir: &'a CStr) -> Result<'a, ()> {
    let mut canonical = [0u8; 4096];
    let n = sys.fd_path(host, &mut canonical).at(c"resolve root", dir)?;
    let path = &canonical[..n];
    let mut prefix = Buf::<4096>::new();
    for end in (0..=n).filter(|&i| i == n || path[i] == b'/') {
        prefix.clear();
        prefix.push(if end == 0 { b"/" } else { &path[..end] });
        let p = prefix.as_cstr().at(c"resolve root", dir)?;
        match sys.change_propagation(p, P::DOWNSTREAM) {
            Ok(()) | Err(Errno::INVAL) => {} // not a mount point
            Err(e) => return Err(Failure::new(c"set propagation for root", dir, e)),
        }
    }
    Ok(())
}
