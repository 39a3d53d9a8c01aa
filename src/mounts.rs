//! The mount operations of a plan (`--bind`, `--tmpfs`, `--dir`, ...),
//! applied in argv order inside the new root.
//!
//! Every DEST is opened with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
//! relative to the root's fd, so `..` and symlinks (absolute or relative)
//! resolve as if the root were `/`: nothing is ever created or mounted
//! outside it. Mounts are attached by fd (move_mount; without the new mount
//! API, mount(2) on /proc/self/fd/N, see legacy.rs), never by a path looked
//! up again, so a path swapped after the check cannot redirect them.

use crate::error::{Context, Failure, Result};
use crate::plan::{BindKind, MakeKind, Op};
use crate::raw::MountAttr;
use crate::sys::{Open, Sys};
use crate::text::{Buf, c_tail};
use core::ffi::CStr;
use linux_raw_sys::general as k;
use rustix::io::Errno;

pub const DIR_MODE: u32 = 0o755;
pub const FILE_MODE: u32 = 0o444;

/// What to create when DEST is missing.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Missing {
    Dir(u32),
    File(u32),
}

/// Applies one operation. `root` is the new root (or the host's `/` when the
/// container keeps the host tree).
pub fn apply<'a, S: Sys>(sys: &mut S, root: &S::Fd, op: &Op<'a>) -> Result<'a, ()> {
    crate::out::trace(1, op.name(), op.dest());
    match *op {
        Op::Bind { src, dest, kind, optional } => bind(sys, root, src, dest, kind, optional),
        Op::Tmpfs { dest, size, perms } => tmpfs(sys, root, dest, size, perms),
        Op::Dir { dest, perms } => {
            let fd = ensure(sys, root, dest, Missing::Dir(perms.unwrap_or(DIR_MODE)))?;
            if let Some(mode) = perms {
                drop(fd);
                let fd = sys.open_in_root(root, dest, Open::DirectoryForChmod).at(c"open directory", dest)?;
                sys.chmod(&fd, mode).at(c"chmod", dest)?;
            }
            Ok(())
        }
        Op::Symlink { target, link } => symlink(sys, root, target, link),
        Op::Proc { dest } | Op::Sys { dest } | Op::Mqueue { dest } => {
            // The filesystem, its extra flag, the step, and the hint for an
            // EPERM from creating it or attaching it (with mount(2), in
            // legacy.rs, the kernel's refusal comes only then).
            let (fstype, read_only, step, hint) = match *op {
                Op::Proc { .. } => (c"proc", 0, c"mount proc on", Some(PROC_HINT)),
                Op::Sys { .. } => (c"sysfs", k::MOUNT_ATTR_RDONLY, c"mount sysfs on", Some(SYSFS_HINT)),
                _ => (c"mqueue", 0, c"mount mqueue on", None),
            };
            let attrs = (k::MOUNT_ATTR_NOSUID | k::MOUNT_ATTR_NODEV | k::MOUNT_ATTR_NOEXEC | read_only) as u64;
            let fs = sys.new_filesystem(fstype, &[], attrs).at(step, dest).map_err(|e| e.hint_on(Errno::PERM, hint))?;
            let target = ensure(sys, root, dest, Missing::Dir(DIR_MODE))?;
            sys.attach(&fs, &target).at(step, dest).map_err(|e| e.hint_on(Errno::PERM, hint))
        }
        Op::Dev { dest } => crate::devfs::mount_dev(sys, root, dest),
        Op::RemountRo { dest } | Op::Make { dest, .. } => {
            let (step, recursive, attr) = match *op {
                Op::Make { kind, .. } => {
                    let propagation = match kind {
                        MakeKind::Shared => k::MS_SHARED,
                        MakeKind::Slave => k::MS_SLAVE,
                        MakeKind::Private => k::MS_PRIVATE,
                        MakeKind::Unbindable => k::MS_UNBINDABLE,
                    };
                    (c"change propagation of", false, MountAttr { propagation: propagation as u64, ..MountAttr::default() })
                }
                _ => (c"remount read-only", true, MountAttr { set: k::MOUNT_ATTR_RDONLY as u64, ..MountAttr::default() }),
            };
            let fd = sys.open_in_root(root, dest, Open::Path).at(step, dest)?;
            sys.set_mount_attr(&fd, recursive, attr)
                .at(step, dest)
                .map_err(|e| e.hint_on(Errno::INVAL, Some(c"it is not a mount point; bind it first")))
        }
    }
}

const PROC_HINT: &CStr = c"proc needs --unshare-pid and, in a user namespace, a fully visible host /proc";
const SYSFS_HINT: &CStr = c"sysfs in a user namespace needs its own network namespace; add --unshare-net";

fn bind<'a, S: Sys>(sys: &mut S, root: &S::Fd, src: &'a CStr, dest: &'a CStr, kind: BindKind, optional: bool) -> Result<'a, ()> {
    // A detached, recursive copy of the source: its locked submounts come
    // along, and nothing is visible anywhere until it is attached.
    let tree = match sys.clone_tree(None, src) {
        Err(Errno::NOENT) if optional => return Ok(()),
        Err(e) => {
            return Err(Failure::new(c"bind source", src, e)
                .hint_if(e == Errno::NOENT, c"it does not exist on the host; use the -try variant to skip it"));
        }
        Ok(t) => t,
    };
    let missing = if sys.is_dir(&tree).at(c"stat bind source", src)? {
        Missing::Dir(DIR_MODE)
    } else {
        Missing::File(FILE_MODE)
    };
    let target = ensure(sys, root, dest, missing)?;
    let mut set = k::MOUNT_ATTR_NOSUID as u64;
    match kind {
        BindKind::ReadWrite => set |= k::MOUNT_ATTR_NODEV as u64,
        BindKind::ReadOnly => set |= (k::MOUNT_ATTR_NODEV | k::MOUNT_ATTR_RDONLY) as u64,
        BindKind::Devices => {}
    }
    // Recursive, so a read-only bind leaves no writable submount. Setting
    // bits never clears the ones the kernel locked.
    sys.set_mount_attr(&tree, true, MountAttr { set, ..MountAttr::default() }).at(c"set flags of bind", src)?;
    sys.attach(&tree, &target).at(c"bind mount on", dest)
}

fn tmpfs<'a, S: Sys>(sys: &mut S, root: &S::Fd, dest: &'a CStr, size: Option<u64>, perms: Option<u32>) -> Result<'a, ()> {
    let mut mode = Buf::<16>::new();
    mode.octal(perms.unwrap_or(DIR_MODE));
    let mut bytes = Buf::<24>::new();
    let mode = mode.as_cstr().at(c"tmpfs mode", dest)?;
    let attrs = (k::MOUNT_ATTR_NOSUID | k::MOUNT_ATTR_NODEV) as u64;
    let fs = match size {
        Some(n) => {
            let n = bytes.dec(n).as_cstr().at(c"tmpfs size", dest)?;
            sys.new_filesystem(c"tmpfs", &[(c"mode", mode), (c"size", n)], attrs)
        }
        None => sys.new_filesystem(c"tmpfs", &[(c"mode", mode)], attrs),
    }
    .at(c"create tmpfs for", dest)?;
    let target = ensure(sys, root, dest, Missing::Dir(DIR_MODE))?;
    sys.attach(&fs, &target).at(c"mount tmpfs on", dest)
}

fn symlink<'a, S: Sys>(sys: &mut S, root: &S::Fd, target: &'a CStr, link: &'a CStr) -> Result<'a, ()> {
    let (parent, name) = split_last(link);
    let mut buf = Buf::<4096>::new();
    let parent = buf.push(parent).as_cstr().at(c"create symlink", link)?;
    let dir = ensure_dir(sys, root, parent, link)?;
    match sys.make_symlink(target, &dir, name) {
        // Already there and the same: setting up twice is not an error.
        Err(Errno::EXIST) if sys.symlink_points_to(&dir, name, target).unwrap_or(false) => Ok(()),
        r => r.at(c"create symlink", link),
    }
}

/// Opens DEST inside the root, creating it (and its missing parents, as
/// directories 0755) when absent.
pub fn ensure<'a, S: Sys>(sys: &mut S, root: &S::Fd, dest: &'a CStr, missing: Missing) -> Result<'a, S::Fd> {
    match sys.open_in_root(root, dest, Open::Path) {
        Err(Errno::NOENT) => {}
        r => return r.at(c"open", dest),
    }
    let (parent, name) = split_last(dest);
    let mut buf = Buf::<4096>::new();
    buf.push(parent);
    let parent_path = buf.as_cstr().at(c"open", dest)?;
    let parent_fd = ensure_dir(sys, root, parent_path, dest)?;
    let made = match missing {
        Missing::Dir(mode) => sys.make_dir(&parent_fd, name, mode).map(|()| None),
        Missing::File(mode) => sys.make_file(&parent_fd, name, mode).map(Some),
    };
    match made {
        // What nook just created, by the fd that created it (a file), or
        // as the one component it names, never through a symlink (a
        // directory): a swap in between fails instead of redirecting.
        Ok(Some(file)) => Ok(file),
        Ok(None) => sys
            .open_child_dir(&parent_fd, name)
            .at(c"verify created", dest)
            .map_err(|e| e.hint(c"it was replaced while nook created it")),
        // Lost a race with another creator, or a dangling symlink sits there:
        // resolve it inside the root like any existing DEST.
        Err(Errno::EXIST) => sys.open_in_root(root, dest, Open::Path).at(c"open", dest),
        Err(e) => Err(Failure::new(c"create", dest, e).hint_if(
            matches!(e, Errno::ACCESS | Errno::ROFS | Errno::PERM),
            c"the root is not writable here: create DEST in it first",
        )),
    }
}

/// Opens a directory inside the root, creating each missing component from
/// the top down. Each component is created by fd in its already-resolved
/// parent, so a symlink planted in the path cannot redirect the creation.
/// Errors name `object`, the DEST the user gave.
fn ensure_dir<'a, S: Sys>(sys: &mut S, root: &S::Fd, path: &CStr, object: &'a CStr) -> Result<'a, S::Fd> {
    match sys.open_in_root(root, path, Open::Directory) {
        Err(Errno::NOENT) => {}
        r => return r.at(c"open parent directory of", object),
    }
    let mut dir = sys.open_in_root(root, c"/", Open::Directory).at(c"open root for", object)?;
    let mut prefix = Buf::<4096>::new();
    for component in path.to_bytes().split(|&c| c == b'/').filter(|c| !c.is_empty()) {
        prefix.push(b"/").push(component);
        let mut name = Buf::<256>::new();
        let name = name.push(component).as_cstr().at(c"create parent directory of", object)?;
        match sys.make_dir(&dir, name, DIR_MODE) {
            Ok(()) | Err(Errno::EXIST) => {}
            Err(e) => return Err(Failure::new(c"create parent directory of", object, e)),
        }
        let here = prefix.as_cstr().at(c"open parent directory of", object)?;
        dir = sys.open_in_root(root, here, Open::Directory).at(c"open parent directory of", object)?;
    }
    Ok(dir)
}

/// Splits "/a/b/c" into ("/a/b", "c"). The parent of "/x" is "/".
fn split_last(path: &CStr) -> (&[u8], &CStr) {
    let bytes = path.to_bytes();
    // Ignore trailing slashes: "/a/b/" names b.
    let mut end = bytes.len();
    while end > 1 && bytes[end - 1] == b'/' {
        end -= 1;
    }
    match bytes[..end].iter().rposition(|&c| c == b'/') {
        Some(0) => (b"/", c_tail(path, 1)),
        Some(i) => (&bytes[..i], c_tail(path, i + 1)),
        None => (b"/", path),
    }
}
