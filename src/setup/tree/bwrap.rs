//! What the bwrap personality adds to the tree's build (README, "nook as
//! bwrap"): its empty tmpfs root, its parent-directory modes, `--chmod`.
//!
//! The empty root is a tmpfs attached on top of the host's `/`, in the new
//! mount namespace. A path walk starts at the process's root as it is and
//! never climbs onto a mount stacked on that very directory (which is why
//! switch_root must chroot after moving a root over `/`): so every SRC
//! still resolves on the host, while every DEST resolves inside the tmpfs
//! (by its fd). pivot_root then makes the tmpfs the root. It is
//! unbindable until then, so that a recursive bind of the host's `/`
//! (`--bind / /host`) does not carry a copy of it along.

use crate::base::error::{Context, Result};
use crate::kernel::raw::MountAttr;
use crate::kernel::sys::{Open, Sys};
use crate::plan::Op;
use crate::setup::tree::dest::Tree;
use linux_raw_sys::general as k;

/// The new, empty root: a tmpfs (mode 0755, as bwrap's) on the host's `/`.
pub fn empty_root<'a, S: Sys>(sys: &mut S) -> Result<'a, Tree<'a, S>> {
    crate::base::out::trace(1, c"mount tmpfs on", c"/ (the empty root)");
    let attrs = (k::MOUNT_ATTR_NOSUID | k::MOUNT_ATTR_NODEV) as u64;
    let fs = sys.new_filesystem(c"tmpfs", &[(c"mode", c"755")], attrs).at(c"create tmpfs for", c"the root")?;
    let host = sys.open_host(c"/", Open::Directory).at(c"open", c"/")?;
    sys.attach(&fs, &host).at(c"mount tmpfs on", c"/")?;
    let unbindable = MountAttr { propagation: k::MS_UNBINDABLE as u64, ..MountAttr::default() };
    sys.set_mount_attr(&fs, false, unbindable).at(c"make unbindable", c"the root")?;
    let mut tree = Tree::new(fs, false);
    // Entries created in it vanish with the namespace: nothing to undo.
    let root = sys.open_in_root(&tree.root, c"/", Open::Directory).at(c"open", c"the root")?;
    tree.made_by_nook(sys, &root);
    Ok(tree)
}

/// The mode of the parent directories an operation creates: bwrap's 0755,
/// less the group's r-x when `--perms` gives the group nothing, less the
/// others' when it gives them nothing (0750 gives 0750, 0000 gives 0700).
pub fn parent_mode(op: &Op) -> u32 {
    let perms = match *op {
        Op::Dir { perms: Some(p), .. } | Op::Tmpfs { perms: Some(p), .. } => p,
        _ => return crate::setup::tree::dest::DIR_MODE,
    };
    let mut mode = 0o755;
    if perms & 0o070 == 0 {
        mode &= !0o050;
    }
    if perms & 0o007 == 0 {
        mode &= !0o005;
    }
    mode
}

/// `--chmod OCTAL PATH`: PATH, resolved inside the root, must exist.
pub fn chmod<'a, S: Sys>(sys: &mut S, tree: &mut Tree<'a, S>, dest: &'a core::ffi::CStr, perms: u32) -> Result<'a, ()> {
    let fd = sys.open_in_root(&tree.root, dest, Open::Path).at(c"chmod", dest)?;
    sys.chmod(&fd, perms).at(c"chmod", dest)
}
