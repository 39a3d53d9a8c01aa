//! The few system calls rustix does not wrap, issued directly.
//!
//! rustix 1.x deliberately leaves out fork/clone, execve, sigprocmask and
//! friends (they live in its unstable, hidden `runtime` module, which is
//! undefined behaviour next to a libc), and it lacks mount_setattr and
//! close_range. Each wrapper here names its man page and returns
//! `rustix::io::Errno` so callers handle every error the same way.
//!
//! Only x86_64 is supported: nook ships as one x86_64 musl binary.

use core::arch::asm;
use core::ffi::{CStr, c_char};
use linux_raw_sys::general as k;
use rustix::fd::{AsRawFd, BorrowedFd, RawFd};
use rustix::io::Errno;

pub type Result<T> = core::result::Result<T, Errno>;

/// One system call, with every argument as a machine word (landlock.rs and
/// seccomp.rs build on it too).
///
/// # Safety
/// The arguments must be what system call `nr` expects: any pointer among
/// them valid for what the kernel reads or writes through it.
#[inline]
pub(super) unsafe fn syscall6(nr: u32, a: usize, b: usize, c: usize, d: usize, e: usize, f: usize) -> isize {
    let ret: isize;
    // SAFETY: the x86_64 Linux syscall ABI: number in rax, arguments in
    // rdi rsi rdx r10 r8 r9; the kernel clobbers rcx and r11.
    unsafe {
        asm!("syscall",
            inlateout("rax") nr as isize => ret,
            in("rdi") a, in("rsi") b, in("rdx") c, in("r10") d, in("r8") e, in("r9") f,
            lateout("rcx") _, lateout("r11") _,
            options(nostack));
    }
    ret
}

/// Turns the kernel's -errno convention into a Result.
pub(super) fn check(ret: isize) -> Result<usize> {
    if (-4095..0).contains(&ret) {
        Err(Errno::from_raw_os_error(-ret as i32))
    } else {
        Ok(ret as usize)
    }
}

/// The result of [`fork`].
pub enum Forked {
    Child,
    Parent(i32),
}

/// `clone(SIGCHLD | extra_flags, 0)`: a fork(2) that can also create
/// namespaces (CLONE_NEWPID etc.) for the child. See clone(2).
///
/// # Safety
/// The child is a copy of this single-threaded process. musl's cached TID
/// goes stale in the child, so the child must not call musl functions that
/// rely on it (nook calls none: all its system calls go through rustix or
/// this module).
pub unsafe fn fork(extra_flags: u64) -> Result<Forked> {
    let ret = if extra_flags & k::CLONE_NEWTIME as u64 != 0 {
        // CLONE_NEWTIME shares its bit with clone(2)'s exit signal: only
        // clone3(2) can create a time namespace for the child. (clone(2)
        // stays the default: some seccomp profiles refuse clone3.)
        let mut args = [0u64; 8];
        args[0] = extra_flags;
        args[4] = k::SIGCHLD as u64;
        unsafe { syscall6(k::__NR_clone3, args.as_ptr() as usize, core::mem::size_of_val(&args), 0, 0, 0, 0) }
    } else {
        let flags = extra_flags | k::SIGCHLD as u64;
        unsafe { syscall6(k::__NR_clone, flags as usize, 0, 0, 0, 0, 0) }
    };
    match check(ret)? {
        0 => Ok(Forked::Child),
        pid => Ok(Forked::Parent(pid as i32)),
    }
}

/// `execve(path, argv, envp)`: returns only on failure. See execve(2).
///
/// # Safety
/// `argv` and `envp` must be null-terminated arrays of pointers to
/// NUL-terminated strings that stay valid for the call.
pub unsafe fn execve(path: &CStr, argv: *const *const c_char, envp: *const *const c_char) -> Errno {
    let ret = unsafe {
        syscall6(k::__NR_execve, path.as_ptr() as usize, argv as usize, envp as usize, 0, 0, 0)
    };
    Errno::from_raw_os_error(-ret as i32)
}

/// A kernel signal set: 64 bits on x86_64, bit N-1 for signal N.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SigSet(pub u64);

impl SigSet {
    pub const fn empty() -> Self {
        SigSet(0)
    }
    pub const fn full() -> Self {
        SigSet(!0)
    }
    pub const fn with(self, sig: i32) -> Self {
        SigSet(self.0 | 1 << (sig - 1))
    }
    pub const fn without(self, sig: i32) -> Self {
        SigSet(self.0 & !(1 << (sig - 1)))
    }
    pub const fn contains(self, sig: i32) -> bool {
        self.0 & (1 << (sig - 1)) != 0
    }
}

pub const SIG_BLOCK: u32 = k::SIG_BLOCK;
pub const SIG_SETMASK: u32 = k::SIG_SETMASK;

/// `rt_sigprocmask(how, set, old, 8)`: returns the previous mask.
/// See sigprocmask(2).
pub fn sigprocmask(how: u32, set: &SigSet) -> Result<SigSet> {
    let mut old = SigSet::empty();
    let ret = unsafe {
        syscall6(
            k::__NR_rt_sigprocmask,
            how as usize,
            set as *const SigSet as usize,
            &mut old as *mut SigSet as usize,
            8,
            0,
            0,
        )
    };
    check(ret).map(|_| old)
}

/// `signalfd4(-1, mask, 8, SFD_CLOEXEC | SFD_NONBLOCK)`: see signalfd(2).
/// Returns an owned fd; reads yield 128-byte `signalfd_siginfo` records.
pub fn signalfd(mask: &SigSet) -> Result<rustix::fd::OwnedFd> {
    // SFD_CLOEXEC and SFD_NONBLOCK equal O_CLOEXEC and O_NONBLOCK.
    let flags = k::O_CLOEXEC | k::O_NONBLOCK;
    let ret = unsafe {
        syscall6(k::__NR_signalfd4, usize::MAX, mask as *const SigSet as usize, 8, flags as usize, 0, 0)
    };
    // SAFETY: on success the kernel returned a new fd that nothing else owns.
    check(ret).map(|fd| unsafe { rustix::fd::FromRawFd::from_raw_fd(fd as RawFd) })
}

/// `close_range(first, ~0, 0)`: closes every fd from `first` up.
/// See close_range(2).
pub fn close_from(first: u32) -> Result<()> {
    close_range(first, u32::MAX)
}

/// `close_range(first, last, 0)`: closes every fd from `first` to `last`.
/// See close_range(2).
pub fn close_range(first: u32, last: u32) -> Result<()> {
    // SAFETY: integer arguments only.
    check(unsafe { syscall6(k::__NR_close_range, first as usize, last as usize, 0, 0, 0, 0) }).map(drop)
}

/// `close_range(first, last, CLOSE_RANGE_CLOEXEC)`: marks fds close-on-exec
/// instead of closing them, so nook can keep using them until exec.
pub fn cloexec_range(first: u32, last: u32) -> Result<()> {
    const CLOSE_RANGE_CLOEXEC: usize = 1 << 2;
    check(unsafe {
        syscall6(k::__NR_close_range, first as usize, last as usize, CLOSE_RANGE_CLOEXEC, 0, 0, 0)
    })
    .map(drop)
}

/// Mount attributes to change, as for mount_setattr(2).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct MountAttr {
    pub set: u64,
    pub clear: u64,
    pub propagation: u64,
}

/// `mount_setattr(fd, "", AT_EMPTY_PATH [| AT_RECURSIVE], attr)`: changes
/// the flags of the mount `fd` refers to, touching only the bits named, so
/// flags the kernel locked in a user namespace (nosuid, nodev, atime...)
/// survive a read-only remount. See mount_setattr(2).
pub fn mount_setattr(fd: BorrowedFd<'_>, recursive: bool, attr: &MountAttr) -> Result<()> {
    let kattr = k::mount_attr {
        attr_set: attr.set,
        attr_clr: attr.clear,
        propagation: attr.propagation,
        userns_fd: 0,
    };
    let flags = k::AT_EMPTY_PATH | if recursive { k::AT_RECURSIVE } else { 0 };
    check(unsafe {
        syscall6(
            k::__NR_mount_setattr,
            fd.as_raw_fd() as usize,
            c"".as_ptr() as usize,
            flags as usize,
            &kattr as *const k::mount_attr as usize,
            core::mem::size_of::<k::mount_attr>(),
            0,
        )
    })
    .map(drop)
}

/// Whether system call `nr` is missing (ENOSYS, from the kernel or a
/// seccomp filter). It is called with an fd of -1 and empty arguments, which
/// every call probed this way refuses without doing anything.
pub fn answers_enosys(nr: u32) -> bool {
    // SAFETY: the arguments point at nothing the kernel may write.
    unsafe { syscall6(nr, usize::MAX, c"".as_ptr() as usize, 0, 0, 0, 0) == -(Errno::NOSYS.raw_os_error() as isize) }
}

/// `exit_group(code)`: ends the process without running atexit handlers,
/// which a forked child must not run. See exit_group(2).
pub fn exit_group(code: i32) -> ! {
    unsafe {
        syscall6(k::__NR_exit_group, code as usize, 0, 0, 0, 0, 0);
        // SAFETY: exit_group does not return.
        core::hint::unreachable_unchecked()
    }
}

/// `rt_sigtimedwait(set, NULL, timeout, 8)`: takes one pending signal from
/// `set`, waiting up to `timeout` (forever when None). Returns its number,
/// or EAGAIN on timeout. See sigtimedwait(2).
pub fn sigtimedwait(set: &SigSet, timeout: Option<&rustix::time::Timespec>) -> Result<i32> {
    let timeout_ptr = timeout.map_or(0, |t| t as *const rustix::time::Timespec as usize);
    let ret = unsafe { syscall6(k::__NR_rt_sigtimedwait, set as *const SigSet as usize, 0, timeout_ptr, 8, 0, 0) };
    check(ret).map(|sig| sig as i32)
}

/// `kill(pid, sig)`: any signal number, realtime ones included (rustix's
/// Signal type names only the classic ones). See kill(2).
pub fn kill(pid: i32, sig: i32) -> Result<()> {
    check(unsafe { syscall6(k::__NR_kill, pid as isize as usize, sig as usize, 0, 0, 0, 0) }).map(drop)
}

/// `prctl(PR_SET_PDEATHSIG, sig)`: any signal number. See PR_SET_PDEATHSIG(2const).
pub fn set_parent_death_signal(sig: i32) -> Result<()> {
    const PR_SET_PDEATHSIG: u32 = 1;
    prctl(PR_SET_PDEATHSIG, sig as usize, 0).map(drop)
}

const PR_GET_DUMPABLE: u32 = 3;
const PR_SET_DUMPABLE: u32 = 4;

/// `prctl(PR_GET_DUMPABLE)`: 0 (not dumpable), 1 or 2. See PR_GET_DUMPABLE(2const).
pub fn dumpable() -> usize {
    prctl(PR_GET_DUMPABLE, 0, 0).unwrap_or(0)
}

/// `prctl(PR_SET_DUMPABLE, value)`: also decides who owns /proc/PID/* and
/// who may open /proc/PID/exe. See PR_SET_DUMPABLE(2const).
pub fn set_dumpable(value: usize) {
    let _ = prctl(PR_SET_DUMPABLE, value, 0);
}

/// `clock_gettime(CLOCK_MONOTONIC)` in nanoseconds, as a plain system call:
/// rustix's vDSO lookup costs kilobytes and nook reads the clock only while
/// waiting out a grace period. See clock_gettime(2).
pub fn monotonic_ns() -> u64 {
    let mut ts = [0i64; 2];
    unsafe { syscall6(k::__NR_clock_gettime, k::CLOCK_MONOTONIC as usize, ts.as_mut_ptr() as usize, 0, 0, 0, 0) };
    ts[0] as u64 * 1_000_000_000 + ts[1] as u64
}

/// `execveat(fd, "", argv, envp, AT_EMPTY_PATH)`: executes the file `fd`
/// refers to (fexecve). Returns only on failure. See execveat(2).
///
/// # Safety
/// As for [`execve`].
pub unsafe fn execveat(fd: BorrowedFd<'_>, argv: *const *const c_char, envp: *const *const c_char) -> Errno {
    let ret = unsafe {
        syscall6(
            k::__NR_execveat,
            fd.as_raw_fd() as usize,
            c"".as_ptr() as usize,
            argv as usize,
            envp as usize,
            k::AT_EMPTY_PATH as usize,
            0,
        )
    };
    Errno::from_raw_os_error(-ret as i32)
}

/// The process group of the terminal's foreground on `fd` (ioctl
/// TIOCGPGRP) and the caller's own (getpgrp), as the caller's PID
/// namespace sees them: 0 for a group it cannot see, which rustix's Pid
/// cannot express. See tcgetpgrp(3).
pub fn foreground_and_own_group(fd: i32) -> (Result<i32>, i32) {
    const TIOCGPGRP: usize = 0x540F;
    let mut pgrp: i32 = 0;
    let fg = check(unsafe { syscall6(k::__NR_ioctl, fd as usize, TIOCGPGRP, &mut pgrp as *mut i32 as usize, 0, 0, 0) })
        .map(|_| pgrp);
    let own = unsafe { syscall6(k::__NR_getpgrp, 0, 0, 0, 0, 0, 0) } as i32;
    (fg, own)
}

/// A kernel `struct sigaction` on x86_64: handler, flags, restorer, mask.
pub type SigAction = [usize; 4];
/// Disposition SIG_IGN, no flags.
pub const IGNORE: SigAction = [1, 0, 0, 0];

/// `rt_sigaction(sig, new, old, 8)`: only for SIG_IGN/SIG_DFL-style
/// dispositions (no handler code, so no restorer). See sigaction(2).
pub fn sigaction(sig: i32, new: &SigAction, old: &mut SigAction) -> Result<()> {
    check(unsafe {
        syscall6(k::__NR_rt_sigaction, sig as usize, new.as_ptr() as usize, old.as_mut_ptr() as usize, 8, 0, 0)
    })
    .map(drop)
}

/// `prctl(option, arg2, arg3, 0, 0)` for the integer-only options. See prctl(2).
/// Returns what the kernel returned (the value, for the PR_GET_* options).
pub fn prctl(option: u32, arg2: usize, arg3: usize) -> Result<usize> {
    check(unsafe { syscall6(k::__NR_prctl, option as usize, arg2, arg3, 0, 0, 0) })
}

/// capget(2) (or capset(2) when `write`) of this thread, version 3: two
/// `{effective, permitted, inheritable}` words, low 32 capabilities first.
pub fn capget_capset(write: bool, data: &mut [[u32; 3]; 2]) -> Result<()> {
    const VERSION_3: u32 = 0x2008_0522;
    let mut header = [VERSION_3, 0];
    let nr = if write { k::__NR_capset } else { k::__NR_capget };
    check(unsafe { syscall6(nr, header.as_mut_ptr() as usize, data.as_mut_ptr() as usize, 0, 0, 0, 0) }).map(drop)
}

/// Brings the loopback interface of the current network namespace up:
/// `ioctl(SIOCGIFFLAGS)`, then `SIOCSIFFLAGS` with IFF_UP, on a throwaway
/// datagram socket. See netdevice(7).
pub fn loopback_up() -> Result<()> {
    const SIOCGIFFLAGS: usize = 0x8913;
    const SIOCSIFFLAGS: usize = 0x8914;
    const IFF_UP: u16 = 1;
    const AF_INET: usize = 2;
    const SOCK_DGRAM: usize = 2;
    let fd = check(unsafe { syscall6(k::__NR_socket, AF_INET, SOCK_DGRAM | k::O_CLOEXEC as usize, 0, 0, 0, 0) })?;
    // SAFETY: a new fd nothing else owns; closed when `_socket` drops.
    let _socket: rustix::fd::OwnedFd = unsafe { rustix::fd::FromRawFd::from_raw_fd(fd as RawFd) };
    // struct ifreq: the name in 16 bytes, then a 24-byte union whose first
    // field is the flags.
    let mut ifreq = [0u8; 40];
    ifreq[..2].copy_from_slice(b"lo");
    let req = ifreq.as_mut_ptr() as usize;
    check(unsafe { syscall6(k::__NR_ioctl, fd, SIOCGIFFLAGS, req, 0, 0, 0) })?;
    let flags = u16::from_ne_bytes([ifreq[16], ifreq[17]]) | IFF_UP;
    ifreq[16..18].copy_from_slice(&flags.to_ne_bytes());
    check(unsafe { syscall6(k::__NR_ioctl, fd, SIOCSIFFLAGS, req, 0, 0, 0) }).map(drop)
}

/// `close(fd)` of a raw fd nook does not own as an OwnedFd (the wrapper's
/// fds). See close(2).
pub fn close(fd: i32) -> Result<()> {
    check(unsafe { syscall6(k::__NR_close, fd as usize, 0, 0, 0, 0, 0) }).map(drop)
}

/// `setns(fd, nstype)`: joins the namespaces of a pidfd (every type in
/// `nstype` at once, Linux 5.8+) or of one /proc/PID/ns/* file. See setns(2).
pub fn setns(fd: BorrowedFd<'_>, nstype: u32) -> Result<()> {
    check(unsafe { syscall6(k::__NR_setns, fd.as_raw_fd() as usize, nstype as usize, 0, 0, 0, 0) }).map(drop)
}

/// `keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL)`: this process leaves its
/// session keyring for a new anonymous one, so it possesses none of the keys
/// it could reach through the old one. See keyctl_join_session_keyring(3).
pub fn join_new_session_keyring() -> Result<()> {
    const KEYCTL_JOIN_SESSION_KEYRING: usize = 1;
    // SAFETY: a null name: the kernel reads no memory of ours.
    check(unsafe { syscall6(k::__NR_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0, 0) }).map(drop)
}

/// `getcwd(buf, len)`: the working directory's path as the kernel sees it,
/// including the "(unreachable)" prefix glibc hides. Returns its length
/// without the NUL. See getcwd(2).
pub fn getcwd(buf: &mut [u8]) -> Result<usize> {
    let n = check(unsafe { syscall6(k::__NR_getcwd, buf.as_mut_ptr() as usize, buf.len(), 0, 0, 0, 0) })?;
    Ok(n.saturating_sub(1))
}

/// Waits for one byte on `fd`, retrying on EINTR: Ok(1) for a byte, Ok(0) at
/// EOF. The go-ahead and block pipes between nook's processes use it.
pub fn read_byte(fd: BorrowedFd<'_>) -> Result<usize> {
    let mut byte = [0u8; 1];
    loop {
        match rustix::io::read(fd, &mut byte) {
            Err(Errno::INTR) => {}
            r => return r,
        }
    }
}

/// Reads until `buf` is full or the writer is gone (EOF); the bytes read.
pub fn read_full(fd: BorrowedFd<'_>, buf: &mut [u8]) -> Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match rustix::io::read(fd, &mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(Errno::INTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}
