//! The seam between nook's setup logic and the kernel.
//!
//! Every system call that builds the container's mount tree goes through
//! [`Sys`]. [`Linux`] issues them; the recording double in `record.rs`
//! (tests only) writes them down, so the exact syscall sequence an argv
//! produces is checked without root, as youki does with its Syscall trait.

use crate::base::packed::say;
use crate::base::MountApi;
use crate::kernel::procfs::{fd_link, proc_fd};
use crate::kernel::raw::{self, MountAttr};
use core::ffi::CStr;
use crate::kernel::fd::borrow;
use rustix::fd::OwnedFd;
use rustix::fs::{AtFlags, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;
use rustix::mount::{
    FsMountFlags, FsOpenFlags, MountAttrFlags, MountPropagationFlags, MoveMountFlags, OpenTreeFlags,
    UnmountFlags,
};

pub type Result<T> = core::result::Result<T, Errno>;

/// How a path inside the new root is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Open {
    /// O_PATH: a handle to mount on or to walk from.
    Path,
    /// O_PATH | O_DIRECTORY.
    Directory,
}

/// The kernel calls of container setup. `Fd` is a real OwnedFd for
/// [`Linux`] and a numbered handle for the recording double.
///
/// The mount calls are described as the new mount API makes them. When
/// [`Linux`] falls back to mount(2) (legacy.rs), `clone_tree` and
/// `new_filesystem` return a promise (`Pending`) and `set_mount_attr` on
/// a bind only records its flags: `attach` keeps the promise.
pub trait Sys {
    type Fd;

    /// unshare(2).
    fn unshare(&mut self, flags: u32) -> Result<()>;
    /// mount(NULL, path, NULL, MS_{SHARED,SLAVE,PRIVATE,UNBINDABLE}[|MS_REC], NULL).
    fn change_propagation(&mut self, path: &CStr, flags: MountPropagationFlags) -> Result<()>;
    /// open(path, O_PATH [| O_DIRECTORY] | O_CLOEXEC) on the host, following
    /// symlinks: the caller named this path.
    fn open_host(&mut self, path: &CStr, how: Open) -> Result<Self::Fd>;
    /// openat2(root, path, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): `..` and
    /// symlinks, absolute or not, can never leave `root`.
    fn open_in_root(&mut self, root: &Self::Fd, path: &CStr, how: Open) -> Result<Self::Fd>;
    /// open_tree(dir, path, OPEN_TREE_CLONE | AT_RECURSIVE): a detached copy
    /// of the mount tree at `path` (relative to `dir`, or `dir` itself when
    /// `path` is empty).
    fn clone_tree(&mut self, dir: Option<&Self::Fd>, path: &CStr) -> Result<Self::Fd>;
    /// An O_PATH fd of the terminal on stdin (else stdout; nook as bwrap's:
    /// stdout's alone), opened by its path, or None without one.
    fn open_terminal(&mut self) -> Result<Option<Self::Fd>>;
    /// Whether the object behind `fd` is a directory (fstat).
    fn is_dir(&mut self, fd: &Self::Fd) -> Result<bool>;
    /// The st_dev of the filesystem `fd` is on (fstat): which filesystem
    /// instance it is.
    fn dev_of(&mut self, fd: &Self::Fd) -> Result<u64>;
    /// fsopen + fsconfig(key=value...) + FSCONFIG_CMD_CREATE + fsmount: a
    /// new, detached filesystem instance.
    fn new_filesystem(&mut self, fstype: &'static CStr, options: &[(&CStr, &CStr)], attrs: u64) -> Result<Self::Fd>;
    /// mount_setattr(2) on the mount `fd` refers to.
    fn set_mount_attr(&mut self, fd: &Self::Fd, recursive: bool, attr: MountAttr) -> Result<()>;
    /// move_mount(mount, "", dest, "", F_EMPTY_PATH | T_EMPTY_PATH): attaches
    /// a detached mount on top of `dest`.
    fn attach(&mut self, mount: &Self::Fd, dest: &Self::Fd) -> Result<()>;
    /// mkdirat(dir, name, mode).
    fn make_dir(&mut self, dir: &Self::Fd, name: &CStr, mode: u32) -> Result<()>;
    /// openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW): one component,
    /// which must be a directory itself (not a symlink to one).
    fn open_child_dir(&mut self, dir: &Self::Fd, name: &CStr) -> Result<Self::Fd>;
    /// openat(dir, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY, mode): the
    /// file just created, by the fd that created it.
    fn make_file(&mut self, dir: &Self::Fd, name: &CStr, mode: u32) -> Result<Self::Fd>;
    /// symlinkat(target, dir, name).
    fn make_symlink(&mut self, target: &CStr, dir: &Self::Fd, name: &CStr) -> Result<()>;
    /// readlinkat(dir, name): whether the link there points at `target`.
    fn symlink_points_to(&mut self, dir: &Self::Fd, name: &CStr, target: &CStr) -> Result<bool>;
    /// unlinkat(dir, name, AT_REMOVEDIR when `is_dir`).
    fn remove(&mut self, dir: &Self::Fd, name: &CStr, is_dir: bool) -> Result<()>;
    /// fchdir(2).
    fn enter_dir(&mut self, fd: &Self::Fd) -> Result<()>;
    /// pivot_root(".", put_old): with None, put_old is "." too (the old root
    /// is stacked on the new one, to be detached).
    fn pivot_root(&mut self, put_old: Option<&Self::Fd>) -> Result<()>;
    /// umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW).
    fn detach(&mut self, path: &CStr) -> Result<()>;
    /// chdir(2).
    fn chdir(&mut self, path: &CStr) -> Result<()>;
    /// getcwd(2) must name a path under the current root: the kernel
    /// prefixes "(unreachable)" to a directory outside it (ENOENT here).
    fn check_cwd(&mut self) -> Result<()>;
    /// The canonical host path of a directory fd (readlink /proc/self/fd/N),
    /// copied into `buf`; returns its length.
    fn fd_path(&mut self, fd: &Self::Fd, buf: &mut [u8]) -> Result<usize>;
    // From here on, the calls only nook as bwrap's operations make
    // (setup/tree/bwrap.rs). They are in every build: uncalled, they are
    // not linked in, and the trait stays one list for every build.

    /// chmod(2) of exactly the file `fd` names (/proc/self/fd/N), for
    /// bwrap's `--chmod`; the recording double does not record it.
    fn chmod(&mut self, _fd: &Self::Fd, _mode: u32) -> Result<()> {
        Err(rustix::io::Errno::NOSYS)
    }
    /// A handle of what the caller's fd `fd` names, for bwrap's `--bind-fd`.
    fn dup_fd(&mut self, _fd: i32) -> Result<Self::Fd> {
        Err(rustix::io::Errno::NOSYS)
    }
    /// Copies everything `from` (the caller's fd) holds into `file`, for
    /// bwrap's `--file`.
    fn copy_into(&mut self, _file: &Self::Fd, _from: i32) -> Result<()> {
        Err(rustix::io::Errno::NOSYS)
    }
    /// The existing file `path` inside `root` (resolved as
    /// [`Sys::open_in_root`] does) opened to be written anew: O_WRONLY |
    /// O_TRUNC, for bwrap's `--file`, which creat()s DEST.
    fn rewrite(&mut self, _root: &Self::Fd, _path: &CStr) -> Result<Self::Fd> {
        Err(rustix::io::Errno::NOSYS)
    }
    /// access(2) W_OK of `name` in `dir` (faccessat: the real ids, as
    /// bwrap's access()), for bwrap's read-only cover of /proc's sys, irq
    /// and the like. The recording double finds nothing writable.
    fn may_write(&mut self, _dir: &Self::Fd, _name: &CStr) -> Result<()> {
        Err(rustix::io::Errno::ROFS)
    }
    /// A detached mount of a new file (mode `mode`) holding what `from`
    /// holds, on a tmpfs of its own that nothing else can reach: bwrap's
    /// `--bind-data` and `--ro-bind-data`; `spot`, a directory of the new
    /// tree it may stack on for a moment (kernels before 6.15). The new
    /// mount API only.
    fn data_file(&mut self, _from: i32, _mode: u32, _spot: &Self::Fd) -> Result<Self::Fd> {
        Err(rustix::io::Errno::NOSYS)
    }
    /// A detached overlayfs of `lower` (its lowerdir option), with
    /// `upper` and `work` as its upperdir and workdir, or (`tmp`) both on a
    /// tmpfs of its own, or neither (read-only). The new mount API only.
    fn overlay(&mut self, _lower: &CStr, _upper: Option<(&CStr, &CStr)>, _tmp: bool) -> Result<Self::Fd> {
        Err(rustix::io::Errno::NOSYS)
    }
}

/// The real kernel, through the new mount API or, where it is missing,
/// through mount(2) on /proc/self/fd/N paths (`legacy.rs`).
pub struct Linux {
    legacy: bool,
    /// With mount(2), a "detached mount" is only a promise until `attach`
    /// makes it: the one not yet attached, by its handle's fd number.
    pending: Pending,
}

// There is one Pending, inside the one SysImpl, and no allocator to box
// the large variant with.
#[allow(clippy::large_enum_variant)]
enum Pending {
    None,
    /// A bind of the file the handle holds, and the flags to set once bound.
    Bind { handle: i32, recursive: bool, attr: Option<(bool, MountAttr)> },
    /// A new filesystem: its type, its "key=value,..." data and flags.
    Filesystem { handle: i32, fstype: &'static CStr, data: crate::base::text::Buf<256>, flags: u64 },
}

impl Linux {
    pub fn new(api: MountApi) -> Self {
        let legacy = match api {
            MountApi::Auto => crate::kernel::legacy::new_api_missing(),
            MountApi::New => false,
            MountApi::Legacy => true,
        };
        if legacy {
            crate::base::out::trace(1, say!("mount API"), say!("mount(2) on /proc/self/fd/N"));
        }
        Linux { legacy, pending: Pending::None }
    }

    /// A handle for a mount made later: an O_PATH fd of `path` (relative to
    /// `dir`; `dir` itself when empty), following symlinks as open_tree does.
    fn promise_bind(&mut self, dir: Option<&OwnedFd>, path: &CStr, recursive: bool) -> Result<OwnedFd> {
        let flags = OFlags::PATH | OFlags::CLOEXEC;
        let fd = match dir {
            Some(d) if path.is_empty() => rustix::io::fcntl_dupfd_cloexec(borrow(d), 0)?,
            _ => rustix::fs::openat(dir.map_or(rustix::fs::CWD, borrow), path, flags, Mode::empty())?,
        };
        self.pending = Pending::Bind { handle: rustix::fd::AsRawFd::as_raw_fd(&fd), recursive, attr: None };
        Ok(fd)
    }
}

/// [`Sys::check_cwd`] for a working directory past 64 bytes, read into
/// .bss (untouched but here), not onto the stack.
#[cold]
#[inline(never)]
fn check_long_cwd() -> Result<()> {
    static mut LONG_CWD: [u8; 4096] = [0; 4096];
    // SAFETY: nook is single-threaded, and nothing else uses the buffer.
    let buf = unsafe { &mut *core::ptr::addr_of_mut!(LONG_CWD) };
    raw::getcwd(buf).and_then(|n| reachable(n, buf[0]))
}

/// Whether getcwd's path of `n` bytes, which starts with `first`, lies
/// under the root.
fn reachable(n: usize, first: u8) -> Result<()> {
    if n > 0 && first == b'/' { Ok(()) } else { Err(Errno::NOENT) }
}

/// Where fd N leads, as a C string in `raw` itself: what a copy into a
/// `Buf` of the same size gave (ENAMETOOLONG when it fills `raw`), without
/// the second buffer.
fn fd_link_cstr(fd: i32, raw: &mut [core::mem::MaybeUninit<u8>]) -> Result<&CStr> {
    let n = fd_link(fd, raw)?.len();
    let Some(end) = raw.get_mut(n) else { return Err(Errno::NAMETOOLONG) };
    *end = core::mem::MaybeUninit::new(0);
    // SAFETY: readlink wrote the first n bytes, none of them a NUL (a path
    // has none), and the NUL after them was just written.
    Ok(unsafe { CStr::from_bytes_with_nul_unchecked(core::slice::from_raw_parts(raw.as_ptr().cast(), n + 1)) })
}

fn open_flags(how: Open) -> OFlags {
    match how {
        Open::Path => OFlags::PATH,
        Open::Directory => OFlags::PATH | OFlags::DIRECTORY,
    }
}

const RESOLVE_INSIDE: ResolveFlags = ResolveFlags::IN_ROOT.union(ResolveFlags::NO_MAGICLINKS);

impl Sys for Linux {
    type Fd = OwnedFd;

    fn unshare(&mut self, flags: u32) -> Result<()> {
        // SAFETY: nook is single-threaded and does not pass CLONE_FILES, the
        // flag that made unshare unsafe in rustix.
        unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::from_bits_retain(flags)) }
    }

    fn change_propagation(&mut self, path: &CStr, flags: MountPropagationFlags) -> Result<()> {
        rustix::mount::mount_change(path, flags)
    }

    fn open_host(&mut self, path: &CStr, how: Open) -> Result<OwnedFd> {
        super::raw::open_cloexec(path, open_flags(how))
    }

    fn open_in_root(&mut self, root: &OwnedFd, path: &CStr, how: Open) -> Result<OwnedFd> {
        let flags = open_flags(how);
        // A scoped lookup refuses a `..` it cannot prove safe: when a rename
        // or a mount happened anywhere on the system meanwhile (global
        // sequence counts, fs/namei.c handle_dots), openat2 answers EAGAIN
        // and asks the caller to retry (openat2(2)). A busy host does that
        // all the time, so retry; a bounded number of times, so that a host
        // that never pauses cannot hold nook forever.
        let mut retries = 0;
        loop {
            match rustix::fs::openat2(borrow(root), path, flags | OFlags::CLOEXEC, Mode::empty(), RESOLVE_INSIDE) {
                Err(Errno::AGAIN) if retries < 1000 => retries += 1,
                r => return r,
            }
        }
    }

    fn clone_tree(&mut self, dir: Option<&OwnedFd>, path: &CStr) -> Result<OwnedFd> {
        if self.legacy {
            return self.promise_bind(dir, path, true);
        }
        let mut flags = OpenTreeFlags::OPEN_TREE_CLONE | OpenTreeFlags::OPEN_TREE_CLOEXEC | OpenTreeFlags::AT_RECURSIVE;
        if path.is_empty() {
            flags |= OpenTreeFlags::AT_EMPTY_PATH;
        }
        rustix::mount::open_tree(dir.map_or(rustix::fs::CWD, borrow), path, flags)
    }

    // Out of line: inlined into /dev's setup it took 112 bytes more.
    #[inline(never)]
    fn open_terminal(&mut self) -> Result<Option<OwnedFd>> {
        // bwrap's is stdout's alone (its ttyname(1)).
        for fd in crate::base::out::persona::bwrap() as i32..2 {
            // SAFETY: stdin and stdout stay open for nook's lifetime.
            let borrowed = unsafe { rustix::fd::BorrowedFd::borrow_raw(fd) };
            if !rustix::termios::isatty(borrowed) {
                continue;
            }
            // The terminal's mount belongs to the caller's mount namespace,
            // and open_tree clones only mounts of our own: go by its path in
            // our copy of the tree, and only if it is the same device there.
            let mut raw = [core::mem::MaybeUninit::<u8>::uninit(); 256];
            let path = fd_link_cstr(fd, &mut raw)?;
            let same = match (rustix::fs::fstat(borrowed), rustix::fs::stat(path)) {
                (Ok(a), Ok(b)) => a.st_rdev == b.st_rdev,
                _ => false,
            };
            return if same { self.open_host(path, Open::Path).map(Some) } else { Ok(None) };
        }
        Ok(None)
    }

    fn is_dir(&mut self, fd: &OwnedFd) -> Result<bool> {
        // fstat, as dev_of: one wrapper for both (statx took 112 bytes more).
        let st = rustix::fs::fstat(borrow(fd))?;
        Ok(rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Directory)
    }

    fn dev_of(&mut self, fd: &OwnedFd) -> Result<u64> {
        Ok(rustix::fs::fstat(borrow(fd))?.st_dev)
    }

    fn new_filesystem(&mut self, fstype: &'static CStr, options: &[(&CStr, &CStr)], attrs: u64) -> Result<OwnedFd> {
        if self.legacy {
            // Only a handle to pair with `attach`: the filesystem is made there.
            let handle = super::raw::open_cloexec(c"/", OFlags::PATH)?;
            let fd = rustix::fd::AsRawFd::as_raw_fd(&handle);
            // The options written in place (a Buf built apart was copied in).
            self.pending = Pending::Filesystem { handle: fd, fstype, data: crate::base::text::Buf::new(), flags: attrs };
            if let Pending::Filesystem { data, .. } = &mut self.pending {
                for (i, (key, value)) in options.iter().enumerate() {
                    data.push(if i > 0 { b"," } else { b"" }).push(key.to_bytes()).push(b"=").push(value.to_bytes());
                }
            }
            return Ok(handle);
        }
        let fs = rustix::mount::fsopen(fstype, FsOpenFlags::FSOPEN_CLOEXEC)?;
        // The mount table's source is the type ("proc", "tmpfs"), as mount(8)
        // and bwrap's mount(2) name it, not "none".
        rustix::mount::fsconfig_set_string(borrow(&fs), c"source", fstype)?;
        for (key, value) in options {
            rustix::mount::fsconfig_set_string(borrow(&fs), *key, *value)?;
        }
        rustix::mount::fsconfig_create(borrow(&fs))?;
        let attrs = MountAttrFlags::from_bits_retain(attrs as u32);
        rustix::mount::fsmount(borrow(&fs), FsMountFlags::FSMOUNT_CLOEXEC, attrs)
    }

    fn set_mount_attr(&mut self, fd: &OwnedFd, recursive: bool, attr: MountAttr) -> Result<()> {
        if !self.legacy {
            return raw::mount_setattr(borrow(fd), recursive, &attr);
        }
        match &mut self.pending {
            Pending::Bind { handle, attr: later, .. } if *handle == rustix::fd::AsRawFd::as_raw_fd(fd) => {
                *later = Some((recursive, attr));
                Ok(())
            }
            _ => crate::kernel::legacy::set_attr(borrow(fd), recursive, &attr),
        }
    }

    fn attach(&mut self, mount: &OwnedFd, dest: &OwnedFd) -> Result<()> {
        if self.legacy {
            use crate::kernel::legacy;
            let handle = rustix::fd::AsRawFd::as_raw_fd(mount);
            // Used in place, then cleared (a move of it out copied its
            // 256-byte options).
            let attached = match &mut self.pending {
                Pending::Filesystem { handle: h, fstype, data, flags } if *h == handle => {
                    let flags = legacy::filesystem_flags(*flags);
                    let data = if data.is_empty() { Ok(None) } else { data.as_cstr().map(Some) };
                    data.and_then(|data| legacy::attach(None, fstype, flags, data, borrow(dest), mount))
                }
                Pending::Bind { handle: h, recursive, attr } if *h == handle => {
                    legacy::attach(Some(borrow(mount)), c"", legacy::bind_flags(*recursive), None, borrow(dest), mount).and_then(|()| match attr {
                        Some((recursive, attr)) => legacy::set_attr(borrow(mount), *recursive, attr),
                        None => Ok(()),
                    })
                }
                _ => Err(Errno::INVAL),
            };
            self.pending = Pending::None;
            return attached;
        }
        let flags = MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH | MoveMountFlags::MOVE_MOUNT_T_EMPTY_PATH;
        rustix::mount::move_mount(borrow(mount), c"", borrow(dest), c"", flags)
    }

    fn make_dir(&mut self, dir: &OwnedFd, name: &CStr, mode: u32) -> Result<()> {
        rustix::fs::mkdirat(borrow(dir), name, Mode::from_raw_mode(mode))
    }

    fn open_child_dir(&mut self, dir: &OwnedFd, name: &CStr) -> Result<OwnedFd> {
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        rustix::fs::openat(borrow(dir), name, flags, Mode::empty())
    }

    fn make_file(&mut self, dir: &OwnedFd, name: &CStr, mode: u32) -> Result<OwnedFd> {
        let flags = OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::WRONLY | OFlags::CLOEXEC;
        rustix::fs::openat(borrow(dir), name, flags, Mode::from_raw_mode(mode))
    }

    fn make_symlink(&mut self, target: &CStr, dir: &OwnedFd, name: &CStr) -> Result<()> {
        rustix::fs::symlinkat(target, borrow(dir), name)
    }

    fn symlink_points_to(&mut self, dir: &OwnedFd, name: &CStr, target: &CStr) -> Result<bool> {
        let mut buf = [core::mem::MaybeUninit::<u8>::uninit(); 4096];
        let (got, _) = rustix::fs::readlinkat_raw(borrow(dir), name, &mut buf)?;
        Ok(got == target.to_bytes())
    }

    fn remove(&mut self, dir: &OwnedFd, name: &CStr, is_dir: bool) -> Result<()> {
        rustix::fs::unlinkat(borrow(dir), name, if is_dir { AtFlags::REMOVEDIR } else { AtFlags::empty() })
    }

    fn enter_dir(&mut self, fd: &OwnedFd) -> Result<()> {
        rustix::process::fchdir(borrow(fd))
    }

    fn pivot_root(&mut self, put_old: Option<&OwnedFd>) -> Result<()> {
        match put_old {
            None => rustix::process::pivot_root(c".", c"."),
            Some(fd) => {
                // The directory was resolved inside the root; name exactly it.
                rustix::process::pivot_root(c".", proc_fd(rustix::fd::AsRawFd::as_raw_fd(fd)).as_cstr()?)
            }
        }
    }

    fn detach(&mut self, path: &CStr) -> Result<()> {
        rustix::mount::unmount(path, UnmountFlags::DETACH | UnmountFlags::NOFOLLOW)
    }

    fn chdir(&mut self, path: &CStr) -> Result<()> {
        rustix::process::chdir(path)
    }

    fn check_cwd(&mut self) -> Result<()> {
        // Into 64 bytes first, which the usual working directories fit:
        // inlined into the tree's build, a 4 KiB buffer made its stack
        // frame a page deeper (probed on every launch). A longer path
        // (ERANGE) is read again whole, out of line.
        let mut buf = [0u8; 64];
        match raw::getcwd(&mut buf) {
            Err(Errno::RANGE) => check_long_cwd(),
            r => r.and_then(|n| reachable(n, buf[0])),
        }
    }

    fn fd_path(&mut self, fd: &OwnedFd, buf: &mut [u8]) -> Result<usize> {
        // Read straight into `buf`, not into a buffer of its own and copied.
        rustix::fs::readlinkat_raw(rustix::fs::CWD, proc_fd(rustix::fd::AsRawFd::as_raw_fd(fd)).as_cstr()?, buf)
    }

    // bwrap's calls (see the trait): in every build, linked only by it.
    fn chmod(&mut self, fd: &OwnedFd, mode: u32) -> Result<()> {
        rustix::fs::chmod(proc_fd(rustix::fd::AsRawFd::as_raw_fd(fd)).as_cstr()?, Mode::from_raw_mode(mode))
    }

    /// The fd's mount belongs to the caller's mount namespace, and
    /// open_tree clones only mounts of our own: reopened by its path in our
    /// copy of the tree, which must be the same file.
    fn dup_fd(&mut self, fd: i32) -> Result<OwnedFd> {
        let mut raw = [core::mem::MaybeUninit::<u8>::uninit(); 4096];
        let path = fd_link_cstr(fd, &mut raw)?;
        let reopened = self.open_host(path, Open::Path)?;
        // SAFETY: a plan's fd, only queried; the caller's fd stays the caller's.
        let given = rustix::fs::fstat(unsafe { crate::kernel::fd::borrow_given(fd) })?;
        let found = rustix::fs::fstat(borrow(&reopened))?;
        if (given.st_dev, given.st_ino) != (found.st_dev, found.st_ino) {
            return Err(Errno::XDEV);
        }
        Ok(reopened)
    }

    fn copy_into(&mut self, file: &OwnedFd, from: i32) -> Result<()> {
        // SAFETY: a plan's fd, only read from; the caller's fd stays the caller's.
        let from = unsafe { crate::kernel::fd::borrow_given(from) };
        let mut buf = [0u8; 4096];
        loop {
            let n = match rustix::io::read(from, &mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(Errno::INTR) => continue,
                Err(e) => return Err(e),
            };
            crate::base::out::write_all(rustix::fd::AsRawFd::as_raw_fd(file), &buf[..n])?;
        }
    }

    fn rewrite(&mut self, root: &OwnedFd, path: &CStr) -> Result<OwnedFd> {
        let flags = OFlags::WRONLY | OFlags::TRUNC | OFlags::CLOEXEC;
        rustix::fs::openat2(borrow(root), path, flags, Mode::empty(), RESOLVE_INSIDE)
    }

    fn may_write(&mut self, dir: &OwnedFd, name: &CStr) -> Result<()> {
        raw::may_write(borrow(dir), name)
    }

    fn overlay(&mut self, lower: &CStr, upper: Option<(&CStr, &CStr)>, tmp: bool) -> Result<OwnedFd> {
        if self.legacy {
            return Err(Errno::NOSYS);
        }
        use linux_raw_sys::general as k;
        let fs = rustix::mount::fsopen(c"overlay", FsOpenFlags::FSOPEN_CLOEXEC)?;
        rustix::mount::fsconfig_set_string(borrow(&fs), c"lowerdir", lower)?;
        // The tmpfs's fd must stay open until the overlay is made.
        let scratch = match tmp {
            true => Some(self.new_filesystem(c"tmpfs", &[(c"mode", c"755")], (k::MOUNT_ATTR_NOSUID | k::MOUNT_ATTR_NODEV) as u64)?),
            false => None,
        };
        for (key, name, given) in [(c"upperdir", c"upper", upper.map(|d| d.0)), (c"workdir", c"work", upper.map(|d| d.1))] {
            let mut path = crate::base::text::Buf::<64>::new();
            let dir = match (given, &scratch) {
                (Some(dir), _) => dir,
                (None, Some(t)) => {
                    self.make_dir(t, name, 0o755)?;
                    path.push(proc_fd(rustix::fd::AsRawFd::as_raw_fd(t)).as_bytes()).push(b"/").push(name.to_bytes());
                    path.as_cstr()?
                }
                // Read-only: lower layers only.
                (None, None) => break,
            };
            rustix::mount::fsconfig_set_string(borrow(&fs), key, dir)?;
        }
        rustix::mount::fsconfig_set_flag(borrow(&fs), c"userxattr")?;
        rustix::mount::fsconfig_create(borrow(&fs))?;
        drop(scratch);
        rustix::mount::fsmount(borrow(&fs), FsMountFlags::FSMOUNT_CLOEXEC, MountAttrFlags::empty())
    }

    fn data_file(&mut self, from: i32, mode: u32, spot: &OwnedFd) -> Result<OwnedFd> {
        if self.legacy {
            return Err(Errno::NOSYS);
        }
        use linux_raw_sys::general as k;
        let attrs = (k::MOUNT_ATTR_NOSUID | k::MOUNT_ATTR_NODEV) as u64;
        let fs = self.new_filesystem(c"tmpfs", &[(c"mode", c"700")], attrs)?;
        let file = self.make_file(&fs, c"data", mode)?;
        self.copy_into(&file, from)?;
        drop(file);
        match self.clone_tree(Some(&fs), c"data") {
            // Before Linux 6.15 open_tree clones only from a mount of the
            // caller's namespace: the tmpfs is stacked on `spot` for a
            // moment, cloned from there and lazily unmounted again (by its
            // own fd's /proc/self/fd name, which leads to its root), so
            // nothing but the clone is left of it.
            Err(Errno::INVAL) => {
                self.attach(&fs, spot)?;
                let copy = self.clone_tree(Some(&fs), c"data");
                rustix::mount::unmount(proc_fd(rustix::fd::AsRawFd::as_raw_fd(&fs)).as_cstr()?, UnmountFlags::DETACH)?;
                copy
            }
            copy => copy,
        }
    }
}
