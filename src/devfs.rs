//! `--dev DEST`: a minimal /dev, as bwrap builds it.
//!
//! Kernel rules this relies on:
//! - Inside a user namespace every new filesystem is nodev: device nodes
//!   made with mknod there would never open. The six nodes are therefore
//!   bind mounts of the host's, which keep their device-ness.
//! - Each devpts mount made with the new mount API is a new instance
//!   (the old `newinstance` option is implied), so the container's ptys
//!   are its own, numbered from 0, and ptmx comes with it.

use crate::error::{Context, Failure, Result, Step};
use crate::mounts::{DIR_MODE, FILE_MODE, Missing, ensure};
use crate::raw::MountAttr;
use crate::sys::{Open, Sys};
use crate::text::{Buf, c_strings};
use core::ffi::CStr;
use linux_raw_sys::general as k;

/// Bound from the host's /dev (C strings packed in one, see `c_strings`).
const NODES: &[u8] = b"/dev/null\0/dev/zero\0/dev/full\0/dev/random\0/dev/urandom\0/dev/tty\0";

/// The symlinks in DEST: each name, then its target.
const LINKS: &[u8] = b"fd\0/proc/self/fd\0\
    stdin\0/proc/self/fd/0\0\
    stdout\0/proc/self/fd/1\0\
    stderr\0/proc/self/fd/2\0\
    core\0/proc/kcore\0\
    ptmx\0pts/ptmx\0";

const NOSUID_NOEXEC: u64 = (k::MOUNT_ATTR_NOSUID | k::MOUNT_ATTR_NOEXEC) as u64;

pub fn mount_dev<'a, S: Sys>(sys: &mut S, root: &S::Fd, dest: &'a CStr) -> Result<'a, ()> {
    let fs = sys.new_filesystem(c"tmpfs", &[(c"mode", c"755")], NOSUID_NOEXEC).at(c"create tmpfs for", dest)?;
    attach_at(sys, root, dest, b"", &fs, Missing::Dir(DIR_MODE), c"mount tmpfs on")?;
    for host in c_strings(NODES) {
        let tree = sys.clone_tree(None, host).at(c"bind device", host)?;
        let attr = MountAttr { set: NOSUID_NOEXEC, ..MountAttr::default() };
        sys.set_mount_attr(&tree, false, attr).at(c"set flags of device", host)?;
        let name = &host.to_bytes()[4..];
        attach_at(sys, root, dest, name, &tree, Missing::File(FILE_MODE), c"bind device into")?;
    }
    let dir = sys.open_in_root(root, dest, Open::Directory).at(c"open", dest)?;
    let mut links = c_strings(LINKS);
    while let (Some(name), Some(target)) = (links.next(), links.next()) {
        sys.make_symlink(target, &dir, name).at(c"create symlink in", dest)?;
    }
    let shm = sys
        .new_filesystem(c"tmpfs", &[(c"mode", c"1777")], (k::MOUNT_ATTR_NOSUID | k::MOUNT_ATTR_NODEV) as u64)
        .at(c"create tmpfs for shm in", dest)?;
    attach_at(sys, root, dest, b"/shm", &shm, Missing::Dir(DIR_MODE), c"mount shm in")?;
    let pts = sys
        .new_filesystem(c"devpts", &[(c"ptmxmode", c"0666"), (c"mode", c"620")], NOSUID_NOEXEC)
        .at(c"mount devpts in", dest)?;
    attach_at(sys, root, dest, b"/pts", &pts, Missing::Dir(DIR_MODE), c"mount devpts in")?;
    if let Some(tty) = sys.clone_terminal().at(c"bind terminal into", dest)? {
        attach_at(sys, root, dest, b"/console", &tty, Missing::File(FILE_MODE), c"bind console into")?;
    }
    Ok(())
}

/// Attaches `mount` at DEST + `name`, creating the mount point.
fn attach_at<'a, S: Sys>(
    sys: &mut S,
    root: &S::Fd,
    dest: &'a CStr,
    name: &[u8],
    mount: &S::Fd,
    missing: Missing,
    step: Step,
) -> Result<'a, ()> {
    let mut path = Buf::<4096>::new();
    path.push(dest.to_bytes()).push(name);
    let path = path.as_cstr().at(step, dest)?;
    let target = ensure(sys, root, path, missing).map_err(|f| Failure::new(step, dest, f.errno()))?;
    sys.attach(mount, &target).at(step, dest)
}
