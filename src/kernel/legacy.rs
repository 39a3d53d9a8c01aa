//! The mount(2) fallback, for kernels and seccomp filters without the new
//! mount API (open_tree, move_mount, fsopen and fsmount came in Linux 5.2,
//! mount_setattr in 5.12; seccomp profiles that predate them, as container
//! engines ship, answer ENOSYS).
//!
//! Mounts are still made by file descriptor: every source and target is
//! named to mount(2) as /proc/self/fd/N of an fd nook resolved itself
//! (inside the root, with openat2), and the kernel follows such a magic link
//! to exactly that file, never through a symlink of the rootfs. What the
//! new API does to a detached mount happens here once it is attached:
//! - a new filesystem gets its flags in the mount(2) call itself;
//! - a bind gets them with MS_REMOUNT | MS_BIND, on each submount too when
//!   the change is recursive (found in /proc/self/mountinfo), keeping every
//!   flag already set: in a user namespace the kernel refuses a remount that
//!   would clear a locked one (mount_namespaces(7)). bwrap does the same.
//! - the handle of a bind is moved (dup3) onto the mount it made, just as an
//!   open_tree fd becomes the attached mount.
//!
//! Everything here runs before pivot_root, while /proc is the host's.

use crate::kernel::mountinfo;
use crate::kernel::fd::borrow;
use crate::kernel::raw::MountAttr;
use crate::base::text::Buf;
use crate::base::num::parse_u32;
use crate::base::text::SplitOn;
use core::ffi::CStr;
use linux_raw_sys::general as k;
use rustix::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use rustix::fs::{Mode, OFlags, ResolveFlags};
use rustix::io::Errno;
use rustix::mount::MountFlags;

type Result<T> = core::result::Result<T, Errno>;

/// The per-mount flags a bind remount sets; the same bits in MOUNT_ATTR_*,
/// MS_* and statfs's ST_*.
const FLAG_BITS: u64 = (k::MS_RDONLY | k::MS_NOSUID | k::MS_NODEV | k::MS_NOEXEC) as u64;

/// "/proc/self/fd/N": the name mount(2) takes for an fd.
fn mount_name(fd: BorrowedFd<'_>) -> Buf<48> {
    crate::kernel::procfs::proc_fd(fd.as_raw_fd())
}

/// Mounts on top of `target`, then moves the new mount (checked to be the
/// one just made) onto `handle`, as an fsmount or open_tree fd becomes the
/// attached mount. With a `source`, a bind of it (`flags` MS_BIND, and
/// MS_REC for a recursive one); without, a new filesystem:
/// mount(fstype, fd, fstype, flags, "key=value,...") (the source named as
/// the type, as mount(8) and bwrap do). One path for both.
pub fn attach(source: Option<BorrowedFd<'_>>, fstype: &CStr, flags: u32, data: Option<&CStr>, target: BorrowedFd<'_>, handle: &OwnedFd) -> Result<()> {
    let mut from = source.map(mount_name);
    let from = match &mut from {
        Some(name) => name.as_cstr()?,
        None => fstype,
    };
    super::raw::mount(from, mount_name(target).as_cstr()?, fstype, flags, data)?;
    let mounted = new_mount_on(target)?;
    // A bind's new mount has the source for its root: anything else means
    // the target's name was swapped in between.
    if let Some(source) = source {
        let (a, b) = (rustix::fs::fstat(borrow(&mounted))?, rustix::fs::fstat(source)?);
        if (a.st_dev, a.st_ino) != (b.st_dev, b.st_ino) {
            return Err(Errno::STALE);
        }
    }
    move_onto(mounted, handle)
}

/// The flags of a bind, recursive or not.
pub fn bind_flags(recursive: bool) -> u32 {
    k::MS_BIND | if recursive { k::MS_REC } else { 0 }
}

/// The per-mount flags of a new filesystem's mount(2).
pub fn filesystem_flags(flags: u64) -> u32 {
    (flags & FLAG_BITS) as u32
}

/// The mount just stacked on `target`, checked to be a mount other than
/// the one the target is on: the same one means the target's name was
/// swapped in between.
pub fn new_mount_on(target: BorrowedFd<'_>) -> Result<OwnedFd> {
    let mounted = mount_on(target)?;
    if mount_id(borrow(&mounted))? == mount_id(target)? {
        return Err(Errno::STALE);
    }
    Ok(mounted)
}

/// The mount now stacked on `covered`. A walk onto a name crosses into the
/// mounts on it, while /proc/self/fd/N and "." stay below them; so look the
/// name up again in the parent: `..` of a covered directory, or for a file
/// (or a directory nook may not search, whose `..` it cannot look up) its
/// canonical parent path, walked without following any symlink.
fn mount_on(covered: BorrowedFd<'_>) -> Result<OwnedFd> {
    let mut path = [core::mem::MaybeUninit::<u8>::uninit(); 4096];
    let path = crate::kernel::procfs::fd_link(covered.as_raw_fd(), &mut path)?;
    let cut = path.iter().rposition(|&c| c == b'/').ok_or(Errno::BUSY)?;
    let (dir, name) = (&path[..cut.max(1)], &path[cut + 1..]);
    let no_links = ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
    let dir_flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let up = rustix::fs::openat(covered, c"..", dir_flags, Mode::empty());
    if name.is_empty() {
        // `/` has no name to look up, but `..` at the root stays there and
        // then crosses into what is mounted on it (fs/namei.c, follow_dotdot).
        return up;
    }
    let parent = match up {
        Err(Errno::NOTDIR | Errno::ACCESS) => {
            let mut dir_buf = Buf::<4096>::new();
            rustix::fs::openat2(rustix::fs::CWD, dir_buf.push(dir).as_cstr()?, dir_flags, Mode::empty(), no_links)?
        }
        r => r?,
    };
    let mut name_buf = Buf::<256>::new();
    let name = name_buf.push(name).as_cstr()?;
    rustix::fs::openat2(borrow(&parent), name, OFlags::PATH | OFlags::CLOEXEC, Mode::empty(), no_links | ResolveFlags::BENEATH)
}

/// Replaces the file behind `handle` (an fd number nook owns) with `fd`.
fn move_onto(fd: OwnedFd, handle: &OwnedFd) -> Result<()> {
    // SAFETY: dup3 atomically replaces what the number refers to; the
    // handle keeps owning the number, and ManuallyDrop keeps this second
    // OwnedFd from closing it.
    let mut slot = core::mem::ManuallyDrop::new(unsafe { OwnedFd::from_raw_fd(handle.as_raw_fd()) });
    rustix::io::dup3(borrow(&fd), &mut slot, rustix::io::DupFlags::CLOEXEC)
}

/// The mount_setattr(2) of `attr` done with mount(2): on the mount `fd` is
/// the root of and, with `recursive`, on every mount below it.
pub fn set_attr(fd: BorrowedFd<'_>, recursive: bool, attr: &MountAttr) -> Result<()> {
    if attr.propagation != 0 {
        let rec = if recursive { k::MS_REC as u64 } else { 0 };
        let mut path = mount_name(fd);
        rustix::mount::mount_change(path.as_cstr()?, rustix::mount::MountPropagationFlags::from_bits_retain((attr.propagation | rec) as u32))?;
    }
    if (attr.set | attr.clear) & FLAG_BITS == 0 {
        return Ok(());
    }
    remount(fd, attr)?;
    if recursive {
        each_submount(fd, |sub| remount(sub, attr))?;
    }
    Ok(())
}

/// MS_REMOUNT | MS_BIND with the mount's current flags, changed by `attr`.
/// Issued even when nothing changes: like mount_setattr, it then still
/// refuses (EINVAL) a DEST that is not a mount point.
fn remount(fd: BorrowedFd<'_>, attr: &MountAttr) -> Result<()> {
    let now = rustix::fs::fstatfs(fd)?.f_flags as u64 & FLAG_BITS;
    let want = (now | attr.set) & !attr.clear & FLAG_BITS;
    let mut path = mount_name(fd);
    // No atime flag: a remount keeps the mount's atime setting.
    rustix::mount::mount_remount(path.as_cstr()?, MountFlags::from_bits_retain(k::MS_BIND | want as u32), c"")
}

/// The mount id of the mount `fd` is on (the "mnt_id:" of its fdinfo, which
/// every kernel with openat2 has; statx's STATX_MNT_ID came later).
fn mount_id(fd: BorrowedFd<'_>) -> Result<u32> {
    let mut path = crate::kernel::procfs::proc_file(None, b"/fdinfo/");
    path.dec(fd.as_raw_fd() as u64);
    let mut buf = [0u8; 256];
    let info = crate::kernel::procfs::read_file(path.as_cstr()?, &mut buf)?;
    // "mnt_id:\t25" on a line of its own.
    info.split_on(b'\n')
        .find_map(|line| line.strip_prefix(b"mnt_id:"))
        .and_then(|value| parse_u32(value.trim_ascii_start()))
        .ok_or(Errno::NOSYS)
}

/// Calls `f` with each mount below the mount `top` is the root of, reached
/// by its path inside `top` without following any symlink: a mount whose
/// path does not resolve to it (a mount stacked on it hides it) is skipped.
fn each_submount(top: BorrowedFd<'_>, mut f: impl FnMut(BorrowedFd<'_>) -> Result<()>) -> Result<()> {
    let top_id = mount_id(top)?;
    let table = mountinfo::read(None)?;
    let mut top_point = Buf::<4096>::new();
    if let Some(m) = table.find(top_id).and_then(|i| table.mount(i)) {
        unescape(m.target(), &mut top_point);
    }
    // Below `top`: a mount whose chain of parents reaches it (at most as
    // many steps as there are mounts: a cycle ends there).
    let is_below = |mut id: u32| {
        for _ in 0..table.entries.len() {
            let Some(e) = table.find(id).and_then(|i| table.entries.get(i)) else { return false };
            if e.parent == top_id {
                return true;
            }
            id = e.parent;
        }
        false
    };
    let top_point = top_point.as_bytes();
    let mut point = Buf::<4096>::new();
    for i in 0..table.entries.len() {
        let Some(m) = table.mount(i).filter(|m| is_below(m.id)) else { continue };
        point.clear();
        unescape(m.target(), &mut point);
        // The path inside `top`: after top's own mount point and the slash
        // after it, cut from the C string in place (no copy).
        let at = top_point.len() + usize::from(point.as_bytes().get(top_point.len()) == Some(&b'/'));
        if at >= point.len() || !point.as_bytes().starts_with(top_point) {
            continue;
        }
        let relative = crate::base::text::c_tail(point.as_cstr()?, at);
        let beneath = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
        let sub = rustix::fs::openat2(top, relative, OFlags::PATH | OFlags::CLOEXEC, Mode::empty(), beneath)?;
        if mount_id(borrow(&sub))? == m.id {
            f(borrow(&sub))?;
        }
    }
    Ok(())
}

/// A mount point as mountinfo writes it, decoded.
fn unescape(field: &[u8], out: &mut Buf<4096>) {
    mountinfo::decode(&[field], &mut |b| {
        out.push(&[b]);
    });
}

/// Whether this kernel (or the seccomp filter around nook) lacks one of
/// the new mount API's calls: each is called with an fd of -1, which any
/// kernel that has it refuses with another errno.
pub fn new_api_missing() -> bool {
    [k::__NR_open_tree, k::__NR_move_mount, k::__NR_fsopen, k::__NR_fsmount, k::__NR_mount_setattr]
        .into_iter()
        .any(crate::kernel::raw::answers_enosys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_mountinfo_octal() {
        let mut out = Buf::<4096>::new();
        unescape(br"/a\040b\134c\011", &mut out);
        assert_eq!(out.as_bytes(), b"/a b\\c\t");
    }
}
