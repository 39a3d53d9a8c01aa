//! `--dev DEST`: a minimal /dev, as bwrap builds it.
//!
//! Kernel rules this relies on:
//! - Inside a user namespace every new filesystem is nodev: device nodes
//!   made with mknod there would never open. The six nodes are therefore
//!   bind mounts of the host's, which keep their device-ness.
//! - A mount covers what was below it: without --root, the tmpfs on DEST
//!   /dev hides the host's nodes. So they are opened first, and each bind
//!   is cloned from its fd.
//! - Each devpts mount is a new instance (since Linux 4.7 the old
//!   `newinstance` option is implied, with either mount API), so the
//!   container's ptys are its own, numbered from 0, and ptmx comes with it.

use crate::base::packed::say;
use crate::base::error::{Context, Result};
use crate::setup::tree::dest::{DIR_MODE, FILE_MODE, TMPFS_ATTRS, tmpfs_steps, Tree, mount_new};
use crate::kernel::raw::MountAttr;
use crate::kernel::sys::{Open, Sys};
use crate::base::text::{c_strings, c_tail};
use core::ffi::CStr;
use heapless::Vec;
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

pub fn mount_dev<'a, S: Sys>(sys: &mut S, tree: &mut Tree<'a, S>, dest: &'a CStr) -> Result<'a, ()> {
    // The host's nodes and terminal, opened before the tmpfs goes on: with
    // DEST /dev and no --root, it covers them. O_PATH fds, cloned only
    // after the tmpfs: a clone made before it has a lower mount id, and
    // kernels from 6.8 list /proc/self/mountinfo by id, so the nodes would
    // come before the tmpfs they sit on (bwrap_compat's mount_sources).
    let mut host_nodes = Vec::<S::Fd, 6>::new();
    for host in c_strings(NODES) {
        let _ = host_nodes.push(sys.open_host(host, Open::Path).at(say!("bind device"), host)?);
    }
    let tty = sys.open_terminal().at(say!("bind terminal into"), dest)?;
    // nook's /dev is nosuid and noexec, its tmpfs and its binds (the nodes,
    // the console); bwrap's tmpfs is nosuid and nodev, as all its tmpfs
    // are, and its binds of devices nosuid.
    // Computed, not chosen: NOEXEC shifted down once is NODEV, four times
    // nothing (a constant without the personality).
    const _: () = assert!(k::MOUNT_ATTR_NOEXEC >> 1 == k::MOUNT_ATTR_NODEV && k::MOUNT_ATTR_NOEXEC >> 4 == 0);
    let bwrap = crate::base::out::persona::bwrap() as u32;
    let tmpfs_attrs = (k::MOUNT_ATTR_NOSUID | k::MOUNT_ATTR_NOEXEC >> bwrap) as u64;
    let bind_attr = MountAttr { set: (k::MOUNT_ATTR_NOSUID | k::MOUNT_ATTR_NOEXEC >> (bwrap * 4)) as u64, ..MountAttr::default() };
    let fs = mount_new(sys, tree, dest, c"tmpfs", &[(c"mode", c"755")], tmpfs_attrs, tmpfs_steps(), None)?;
    tree.made_by_nook(sys, &fs);
    // Everything below goes into that fresh tmpfs, which nothing else can
    // reach yet: each entry is created by name in it, and mounted on by the
    // fd that created it.
    let dir = sys.open_in_root(&tree.root, dest, Open::Directory).at(c"open", dest)?;
    for (host, node) in c_strings(NODES).zip(host_nodes.iter()) {
        let bind = sys.clone_tree(Some(node), c"").at(say!("bind device"), host)?;
        sys.set_mount_attr(&bind, false, bind_attr).at(say!("set flags of device"), host)?;
        // "null" of "/dev/null".
        attach_in(sys, &dir, c_tail(host, 5), &bind, false).at(say!("bind device into"), dest)?;
    }
    let mut links = c_strings(LINKS);
    while let (Some(name), Some(target)) = (links.next(), links.next()) {
        sys.make_symlink(target, &dir, name).at(say!("create symlink in"), dest)?;
    }
    // bwrap's shm is a plain directory (a `--tmpfs /dev/shm` may follow).
    if crate::base::out::persona::bwrap() {
        sys.make_dir(&dir, c"shm", DIR_MODE).at(say!("create shm in"), dest)?;
    } else {
        let shm = sys
            .new_filesystem(c"tmpfs", &[(c"mode", c"1777")], TMPFS_ATTRS)
            .at(say!("create tmpfs for shm in"), dest)?;
        attach_in(sys, &dir, c"shm", &shm, true).at(say!("mount shm in"), dest)?;
    }
    sys.new_filesystem(c"devpts", &[(c"ptmxmode", c"0666"), (c"mode", c"620")], NOSUID_NOEXEC)
        .and_then(|pts| attach_in(sys, &dir, c"pts", &pts, true))
        .at(say!("mount devpts in"), dest)?;
    if let Some(tty) = tty {
        let bind = sys.clone_tree(Some(&tty), c"").at(say!("bind terminal into"), dest)?;
        // With the nodes' flags (bwrap's too: all its binds are nosuid).
        sys.set_mount_attr(&bind, false, bind_attr).at(say!("bind terminal into"), dest)?;
        attach_in(sys, &dir, c"console", &bind, false).at(say!("bind console into"), dest)?;
    }
    Ok(())
}

/// A new directory (`as_dir`) or file `name` in `dir`, with `mount`
/// attached on it. One function for the four: the device nodes' and the
/// console's files, shm's and pts's directories.
fn attach_in<S: Sys>(sys: &mut S, dir: &S::Fd, name: &CStr, mount: &S::Fd, as_dir: bool) -> crate::kernel::sys::Result<()> {
    let point = if as_dir {
        sys.make_dir(dir, name, DIR_MODE)?;
        sys.open_child_dir(dir, name)?
    } else {
        sys.make_file(dir, name, FILE_MODE)?
    };
    sys.attach(mount, &point)
}
