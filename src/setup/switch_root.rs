//! `switch-root`: make a mounted NEWROOT the root and exec its init, as
//! util-linux's switch_root(8) does.
//!
//! pivot_root(2) refuses the initramfs's rootfs (the rootfs can never be
//! unmounted, so it cannot be put aside), which is why this is a
//! `mount --move NEWROOT /` and a chroot. The old root's files would stay
//! in memory for good, so they are deleted first when the old root is a
//! ramfs or tmpfs (an initramfs), never crossing into another mount.

use crate::base::packed::say;
use crate::base::error::{Context, EXIT_CANNOT_EXEC, EXIT_NOT_FOUND, Failure, Result};
use crate::base::out::trace;
use crate::kernel::raw::{self, SigAction, SigSet};
use core::ffi::{CStr, c_char};
use core::mem::MaybeUninit;
use linux_raw_sys::general as k;
use rustix::fd::{AsFd, BorrowedFd};
use rustix::fs::{AtFlags, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

/// statfs(2)'s f_type of the filesystems an initramfs unpacks into.
const RAMFS_MAGIC: u32 = 0x8584_58f6;
const TMPFS_MAGIC: u32 = 0x0102_1994;

/// The API filesystems that move along into NEWROOT, packed (a table of
/// C strings cost 16 bytes of pointer and length each); a static of the
/// bytes themselves, so that they stay in setup's segment (build.rs).
static API_MOUNTS: [u8; 21] = *b"/proc\0/sys\0/dev\0/run\0";

/// How deep the deletion goes: an initramfs is a few levels deep; this
/// bounds the stack and the open directories.
const MAX_DEPTH: u32 = 64;

pub use crate::kernel::raw::mount;

/// Switches to `newroot` and execs `init` there with `argv` and `envp`
/// (null-terminated arrays); returns only on failure. Everything that can
/// be checked is checked before anything changes: that nook is PID 1
/// (unless `force`), that NEWROOT is a mount point other than the root,
/// and that INIT exists inside NEWROOT (resolved as the new root will see it).
///
/// # Safety
/// `argv` and `envp` are null-terminated arrays of pointers to C strings
/// that stay valid for the call.
pub unsafe fn switch_root<'a>(
    newroot: &'a CStr,
    init: &'a CStr,
    argv: *const *const c_char,
    envp: *const *const c_char,
    force: bool,
) -> Failure<'a> {
    if let Err(f) = switch(newroot, init, force) {
        return f;
    }
    // PID 1 starts with nothing blocked and every signal at its default:
    // nook's caller may have left some ignored, and an ignored signal stays
    // ignored across exec.
    let default = SigAction::default();
    // Signals 1 to 64: an exclusive range (an inclusive one carries a
    // flag for its last step).
    for sig in 1..65 {
        let _ = raw::sigaction(sig, &default);
    }
    let _ = raw::sigprocmask(raw::SIG_SETMASK, &SigSet::empty());
    trace(1, c"exec", init);
    // SAFETY: argv and envp are null-terminated arrays of C strings (the
    // caller's contract).
    let e = unsafe { raw::execve(init, argv, envp) };
    let status = if e == Errno::NOENT { EXIT_NOT_FOUND } else { EXIT_CANNOT_EXEC };
    Failure::new(c"exec", init, e).with_status(status)
}

/// The checks, then the switch itself, up to the exec.
#[inline(never)]
fn switch<'a>(newroot: &'a CStr, init: &'a CStr, force: bool) -> Result<'a, ()> {
    let step = say!("switch-root to");
    if !force && !rustix::process::getpid().is_init() {
        return Err(Failure::usage(step, newroot, say!("refused: nook is not PID 1")).hint(say!("--force switches anyway")));
    }
    let old = crate::kernel::raw::open_cloexec(c"/", OFlags::RDONLY | OFlags::DIRECTORY).at(c"open", c"/")?;
    let root_dev = rustix::fs::fstat(&old).at(c"open", c"/")?.st_dev;
    // A mount point is where `..` crosses into another mount (EXDEV under
    // RESOLVE_NO_XDEV): also a bind of a directory on the same filesystem,
    // which a comparison of st_dev with the parent's would miss. (/ is its
    // own parent: refused too.)
    let dir = crate::kernel::raw::open_cloexec(newroot, OFlags::PATH | OFlags::DIRECTORY).at(step, newroot)?;
    match rustix::fs::openat2(&dir, c"..", OFlags::PATH | OFlags::CLOEXEC, Mode::empty(), ResolveFlags::NO_XDEV) {
        Err(Errno::XDEV) => {}
        Ok(_) => return Err(Failure::usage(step, newroot, say!("is not a mount point (other than /)")).hint(say!("mount the new root there first"))),
        Err(e) => return Err(Failure::new(step, newroot, e)),
    }
    // INIT as the new root will resolve it: an absolute symlink such as
    // /sbin/init -> /lib/systemd/systemd points inside NEWROOT.
    rustix::fs::openat2(&dir, init, OFlags::PATH | OFlags::CLOEXEC, Mode::empty(), ResolveFlags::IN_ROOT)
        .at(say!("find init"), init)
        .map_err(|f| f.hint(say!("INIT is looked up inside NEWROOT")))?;

    // The old root's files are deleted only when NEWROOT is on another
    // filesystem: a bind of a directory of the old root shares its files.
    let initramfs = rustix::fs::fstatfs(&old).is_ok_and(|s| matches!(s.f_type as u32, RAMFS_MAGIC | TMPFS_MAGIC))
        && rustix::fs::fstat(&dir).is_ok_and(|st| st.st_dev != root_dev);
    rustix::process::fchdir(&dir).at(say!("chdir to"), newroot)?;
    for api in crate::base::text::c_strings(&API_MOUNTS) {
        // Mounted: on another device than the old root. It moves to the
        // same name inside NEWROOT (the working directory), or, where
        // NEWROOT has no such directory, is only detached.
        if rustix::fs::stat(api).is_ok_and(|st| st.st_dev != root_dev) {
            trace(1, c"move", api);
            if mount(api, crate::base::text::c_tail(api, 1), c"", k::MS_MOVE, None).is_err() {
                let _ = rustix::mount::unmount(api, rustix::mount::UnmountFlags::DETACH);
            }
        }
    }
    trace(1, say!("move onto /"), newroot);
    mount(c".", c"/", c"", k::MS_MOVE, None).at(say!("move onto / the new root"), newroot)?;
    rustix::process::chroot(c".").at(say!("chroot to"), newroot)?;
    rustix::process::chdir(c"/").at(say!("chdir to"), c"/")?;
    if initramfs {
        trace(1, say!("delete the old root's files"), c"/");
        remove_contents(old.as_fd(), root_dev, 0);
    }
    Ok(())
}

/// Deletes what directory `dir` holds on device `dev`, depth first: files
/// and symlinks (never followed) and directories, but not a directory on
/// another device (a mount) nor anything in it. What cannot be deleted
/// stays: the old root is on its way out, and nothing after this depends
/// on it being empty.
pub fn remove_contents(dir: BorrowedFd<'_>, dev: u64, depth: u32) {
    find_entry(dir, &mut |name| {
        if matches!(name.to_bytes(), b"." | b"..") {
            return false;
        }
        let mut flags = AtFlags::empty();
        // Opened as a directory without following a symlink: a symlink, a
        // file or a device fails here and is unlinked as a name.
        let flags_dir = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        if let Ok(sub) = rustix::fs::openat(dir, name, flags_dir, Mode::empty()) {
            if depth >= MAX_DEPTH || rustix::fs::fstat(&sub).map(|s| s.st_dev) != Ok(dev) {
                return false;
            }
            remove_contents(sub.as_fd(), dev, depth + 1);
            flags = AtFlags::REMOVEDIR;
        }
        let _ = rustix::fs::unlinkat(dir, name, flags);
        false
    });
}

/// Calls `found` with the name of each entry of directory `dir` (`.` and
/// `..` too) until it returns true; whether one did (a read error ends the
/// scan). Out of line, `found` a trait object: the deletion above and boot's
/// scan of /sys/class/block share one copy of the getdents loop (without
/// boot it has one caller: inlined, 80 bytes less in the default build).
#[cfg_attr(feature = "boot", inline(never))]
pub fn find_entry(dir: BorrowedFd<'_>, found: &mut dyn FnMut(&CStr) -> bool) -> bool {
    let mut buf = [MaybeUninit::<u8>::uninit(); 2048];
    let mut entries = rustix::fs::RawDir::new(dir, &mut buf);
    while let Some(Ok(entry)) = entries.next() {
        if found(entry.file_name()) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::{MetadataExt, symlink};
    use std::path::PathBuf;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("nook-switch-root-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Everything a directory holds, relative paths, sorted.
    fn listing(dir: &std::path::Path) -> Vec<String> {
        let mut out = Vec::new();
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            if path.is_dir() && !path.is_symlink() {
                out.extend(listing(&path).into_iter().map(|sub| format!("{name}/{sub}")));
            }
            out.push(name);
        }
        out.sort();
        out
    }

    fn open_dir(path: &std::path::Path) -> rustix::fd::OwnedFd {
        let path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        rustix::fs::open(path.as_c_str(), OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()).unwrap()
    }

    /// A tree like an initramfs's, with symlinks out of it that must not
    /// be followed: the walk empties it and leaves what the links name.
    #[test]
    fn the_walk_deletes_the_whole_tree_but_never_follows_a_symlink() {
        let root = temp_dir("tree");
        let outside = temp_dir("outside");
        fs::write(outside.join("keep"), "kept").unwrap();
        fs::create_dir_all(root.join("lib/modules/6.1/kernel/fs/ext4")).unwrap();
        fs::write(root.join("lib/modules/6.1/kernel/fs/ext4/ext4.ko"), [0u8; 4096]).unwrap();
        fs::write(root.join("init"), "nook").unwrap();
        fs::create_dir_all(root.join("etc/nook")).unwrap();
        fs::write(root.join("etc/nook/modules"), "/lib/modules/6.1/kernel/fs/ext4/ext4.ko\n").unwrap();
        fs::create_dir(root.join("empty")).unwrap();
        symlink(&outside, root.join("link-to-dir")).unwrap();
        symlink(outside.join("keep"), root.join("etc/link-to-file")).unwrap();
        symlink("/nonexistent", root.join("dangling")).unwrap();
        let fd = open_dir(&root);
        remove_contents(fd.as_fd(), fs::metadata(&root).unwrap().dev(), 0);
        assert_eq!(listing(&root), Vec::<String>::new());
        assert_eq!(fs::read_to_string(outside.join("keep")).unwrap(), "kept", "a symlink was followed");
        fs::remove_dir_all(&root).unwrap();
        fs::remove_dir_all(&outside).unwrap();
    }

    /// A directory on another device is another mount: the walk deletes
    /// what is on its own device around it and never enters it. (Here the
    /// device the walk keeps to is made up, so every directory is foreign.)
    #[test]
    fn the_walk_never_enters_a_directory_on_another_device() {
        let root = temp_dir("foreign");
        fs::create_dir_all(root.join("mnt/data")).unwrap();
        fs::write(root.join("mnt/data/file"), "x").unwrap();
        fs::create_dir(root.join("empty")).unwrap();
        fs::write(root.join("top"), "x").unwrap();
        let fd = open_dir(&root);
        let other = fs::metadata(&root).unwrap().dev() + 1;
        remove_contents(fd.as_fd(), other, 0);
        assert_eq!(listing(&root), ["empty", "mnt", "mnt/data", "mnt/data/file"]);
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn the_walk_stops_at_its_depth_limit() {
        let root = temp_dir("deep");
        let mut deep = root.clone();
        for _ in 0..MAX_DEPTH + 2 {
            deep = deep.join("d");
        }
        fs::create_dir_all(&deep).unwrap();
        fs::write(deep.join("file"), "x").unwrap();
        let fd = open_dir(&root);
        remove_contents(fd.as_fd(), fs::metadata(&root).unwrap().dev(), 0);
        assert!(deep.join("file").exists(), "the walk went past its limit");
        assert!(!listing(&root).is_empty());
        fs::remove_dir_all(&root).unwrap();
    }
}
