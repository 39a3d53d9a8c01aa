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
use rustix::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
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

/// The Errno of a failed system call's return value, which is in
/// -4095..0 ([`check`] makes sure; execve returns nothing else). rustix's
/// Errno is that value's low 16 bits (`#[repr(transparent)]` over a u16,
/// the errno kept negated); its `from_raw_os_error` asserts the range
/// again, which LLVM cannot see holds, so every system call kept a panic
/// path (88 bytes in the init-only build). The test below checks that
/// both agree on every errno.
fn errno_of(ret: isize) -> Errno {
    const _: () = assert!(core::mem::size_of::<Errno>() == 2);
    // SAFETY: Errno is a transparent u16 that holds -errno's low 16 bits,
    // and for -4095..0 those are what rustix's own constructor stores
    // (0xf001..=0xffff), which any u16 is a valid bit pattern for anyway.
    unsafe { core::mem::transmute::<u16, Errno>(ret as u16) }
}

/// Turns the kernel's -errno convention into a Result.
pub(super) fn check(ret: isize) -> Result<usize> {
    if (-4095..0).contains(&ret) {
        Err(errno_of(ret))
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
        // Like fork: no stack (the child continues on a copy of ours), no
        // pidfd, tid or tls to set.
        let args = k::clone_args {
            flags: extra_flags,
            pidfd: 0,
            child_tid: 0,
            parent_tid: 0,
            exit_signal: k::SIGCHLD as u64,
            stack: 0,
            stack_size: 0,
            tls: 0,
            set_tid: 0,
            set_tid_size: 0,
            cgroup: 0,
        };
        // SAFETY: `args` is a live clone_args of the size passed, which the
        // kernel only reads; with no stack given the child returns here on
        // its copy of this one thread's memory (the caller's contract).
        unsafe { syscall6(k::__NR_clone3, &raw const args as usize, core::mem::size_of_val(&args), 0, 0, 0, 0) }
    } else {
        let flags = extra_flags | k::SIGCHLD as u64;
        // SAFETY: a null stack: the child continues, like fork's, on its
        // copy of this thread's stack (the caller's contract); integers only.
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
    // SAFETY: `path` is a C string; argv and envp as the caller promised.
    let ret = unsafe {
        syscall6(k::__NR_execve, path.as_ptr() as usize, argv as usize, envp as usize, 0, 0, 0)
    };
    errno_of(ret)
}

/// `mount(source, target, fstype, flags, data)` of C strings. See mount(2).
/// The strings reach the out-of-line call as the bare pointers the kernel
/// takes: a `&CStr` is two words, so each call site set up three lengths
/// and pushed two arguments on the stack.
#[inline(always)]
pub fn mount(source: &CStr, target: &CStr, fstype: &CStr, flags: u32, data: Option<&CStr>) -> Result<()> {
    let data = data.map_or(core::ptr::null(), CStr::as_ptr);
    // SAFETY: C strings borrowed for the call, and a null or C-string data.
    unsafe { mount_strings(source.as_ptr(), target.as_ptr(), fstype.as_ptr(), flags, data) }
}

/// [`mount`]'s system call.
///
/// # Safety
/// `source`, `target` and `fstype` point to C strings, `data` to one or is
/// null, all valid for the call.
#[inline(never)]
unsafe fn mount_strings(source: *const c_char, target: *const c_char, fstype: *const c_char, flags: u32, data: *const c_char) -> Result<()> {
    // SAFETY: the caller's contract; the kernel only reads the strings.
    check(unsafe { syscall6(k::__NR_mount, source as usize, target as usize, fstype as usize, flags as usize, data as usize, 0) }).map(drop)
}

/// A kernel signal set: 64 bits on x86_64, bit N-1 for signal N.
/// Transparent: the kernel reads and writes it through pointers.
#[repr(transparent)]
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
}

pub const SIG_BLOCK: u32 = k::SIG_BLOCK;
pub const SIG_SETMASK: u32 = k::SIG_SETMASK;

/// `rt_sigprocmask(how, set, old, 8)`: returns the previous mask.
/// See sigprocmask(2).
pub fn sigprocmask(how: u32, set: &SigSet) -> Result<SigSet> {
    let mut old = SigSet::empty();
    // SAFETY: `set` and `old` are live 8-byte sets, the size passed; the
    // kernel reads one and writes the other.
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
    // SAFETY: integer arguments only.
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
    // SAFETY: an empty C string, and `kattr`, a live mount_attr of the size
    // passed; the kernel only reads both.
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
    // The fourth argument is "" too, not NULL: move_mount reads its target
    // path first, and a NULL there costs two page faults (the word-wise
    // read and its byte-wise retry) before EFAULT; "" is refused (ENOENT)
    // from a page already mapped.
    let empty = c"".as_ptr() as usize;
    // SAFETY: the arguments point at nothing the kernel may write.
    unsafe { syscall6(nr, usize::MAX, empty, 0, empty, 0, 0) == -(Errno::NOSYS.raw_os_error() as isize) }
}

/// `exit_group(code)`: ends the process without running atexit handlers,
/// which a forked child must not run. See exit_group(2).
pub fn exit_group(code: i32) -> ! {
    // SAFETY: an integer argument; and exit_group does not return.
    unsafe {
        syscall6(k::__NR_exit_group, code as usize, 0, 0, 0, 0, 0);
        core::hint::unreachable_unchecked()
    }
}

/// `rt_sigtimedwait(set, NULL, timeout, 8)`: takes one pending signal from
/// `set`, waiting up to `timeout` (forever when None). Returns its number,
/// or EAGAIN on timeout. See sigtimedwait(2).
pub fn sigtimedwait(set: &SigSet, timeout: Option<&rustix::time::Timespec>) -> Result<i32> {
    let timeout_ptr = timeout.map_or(0, |t| t as *const rustix::time::Timespec as usize);
    // SAFETY: `set` is a live 8-byte set, the size passed, and the timeout
    // null or a live timespec; the kernel only reads them (no siginfo asked).
    let ret = unsafe { syscall6(k::__NR_rt_sigtimedwait, set as *const SigSet as usize, 0, timeout_ptr, 8, 0, 0) };
    check(ret).map(|sig| sig as i32)
}

/// `wait4(pid, &status, flags, NULL)` (`pid` -1: any child): the pid of a
/// child that changed state and its wait status (see [`exit_code`]); pid
/// 0 when none has (with WNOHANG). See wait4(2). Of nook's own, rather
/// than rustix's waitpid, whose Option, Pid and WaitStatus took 96
/// bytes more to the init-only build.
pub fn wait(pid: i32, flags: u32) -> Result<(i32, u32)> {
    let mut status = 0u32;
    // SAFETY: `status` is a live u32 the kernel writes; no rusage asked.
    let ret = unsafe { syscall6(k::__NR_wait4, pid as isize as usize, &raw mut status as usize, flags as usize, 0, 0, 0) };
    check(ret).map(|pid| (pid as i32, status))
}

/// A wait status as a shell's exit status: an exit's code (WEXITSTATUS),
/// or 128 + the signal that killed the child (WTERMSIG); None for a stop
/// or a continue (the low 7 bits: 0 exited, 0x7f stopped or continued).
pub fn exit_code(status: u32) -> Option<i32> {
    match status & 0x7f {
        0 => Some((status >> 8 & 0xff) as i32),
        0x7f => None,
        sig => Some(128 + sig as i32),
    }
}

/// `kill(pid, sig)`: any signal number, realtime ones included (rustix's
/// Signal type names only the classic ones). See kill(2).
pub fn kill(pid: i32, sig: i32) -> Result<()> {
    // SAFETY: integer arguments only.
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
    let mut ts = k::__kernel_timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a live timespec the kernel writes.
    unsafe { syscall6(k::__NR_clock_gettime, k::CLOCK_MONOTONIC as usize, &raw mut ts as usize, 0, 0, 0, 0) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// `execveat(fd, "", argv, envp, AT_EMPTY_PATH)`: executes the file `fd`
/// refers to (fexecve). Returns only on failure. See execveat(2).
///
/// # Safety
/// As for [`execve`].
pub unsafe fn execveat(fd: BorrowedFd<'_>, argv: *const *const c_char, envp: *const *const c_char) -> Errno {
    // SAFETY: an empty C string; argv and envp as the caller promised.
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
    errno_of(ret)
}

/// The process group of the terminal's foreground on `fd` (ioctl
/// TIOCGPGRP) and the caller's own (getpgrp), as the caller's PID
/// namespace sees them: 0 for a group it cannot see, which rustix's Pid
/// cannot express. See tcgetpgrp(3).
pub fn foreground_and_own_group(fd: i32) -> (Result<i32>, i32) {
    const TIOCGPGRP: usize = 0x540F;
    let mut pgrp: i32 = 0;
    // SAFETY: TIOCGPGRP writes one int, through a pointer to `pgrp`.
    let fg = check(unsafe { syscall6(k::__NR_ioctl, fd as usize, TIOCGPGRP, &mut pgrp as *mut i32 as usize, 0, 0, 0) })
        .map(|_| pgrp);
    // SAFETY: no arguments.
    let own = unsafe { syscall6(k::__NR_getpgrp, 0, 0, 0, 0, 0, 0) } as i32;
    (fg, own)
}

/// The kernel's `struct sigaction` on x86_64 (linux-raw-sys's
/// `kernel_sigaction`), with the handler as a plain word: nook only ever
/// sets SIG_IGN, or puts back a disposition the kernel gave it, and never
/// runs handler code (so it needs no restorer either).
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SigAction {
    /// SIG_DFL (0), SIG_IGN (1), or an address the kernel handed out.
    pub handler: usize,
    pub flags: u64,
    pub restorer: usize,
    pub mask: SigSet,
}
const _: () = assert!(core::mem::size_of::<SigAction>() == core::mem::size_of::<k::kernel_sigaction>());

/// Disposition SIG_IGN, no flags.
pub const IGNORE: SigAction = SigAction { handler: 1, flags: 0, restorer: 0, mask: SigSet::empty() };

/// `rt_sigaction(sig, new, old, 8)`: only for SIG_IGN/SIG_DFL-style
/// dispositions (no handler code, so no restorer): sets `new`, returns
/// the disposition it replaced. See sigaction(2).
pub fn sigaction(sig: i32, new: &SigAction) -> Result<SigAction> {
    let mut old = SigAction::default();
    // SAFETY: `new` and `old` are live kernel sigactions with 8-byte masks,
    // the size passed; the kernel reads one and writes the other. `new`
    // runs no code of ours: SIG_IGN, SIG_DFL, or what the kernel reported.
    check(unsafe {
        syscall6(k::__NR_rt_sigaction, sig as usize, new as *const SigAction as usize, &raw mut old as usize, 8, 0, 0)
    })
    .map(|_| old)
}

/// `prctl(option, arg2, arg3, 0, 0)` for the integer-only options. See prctl(2).
/// Returns what the kernel returned (the value, for the PR_GET_* options).
pub fn prctl(option: u32, arg2: usize, arg3: usize) -> Result<usize> {
    // SAFETY: the options nook uses take integers, never pointers.
    check(unsafe { syscall6(k::__NR_prctl, option as usize, arg2, arg3, 0, 0, 0) })
}

/// Whether this process leads its session: getsid(0) == getpid() (an
/// error, which getsid(0) never gives, is a no). See getsid(2). Compared
/// raw: rustix's Result<Pid> of each took 40 bytes more.
pub fn leads_session() -> bool {
    // SAFETY: no arguments but 0; neither call changes anything.
    unsafe { syscall6(k::__NR_getsid, 0, 0, 0, 0, 0, 0) == syscall6(k::__NR_getpid, 0, 0, 0, 0, 0, 0) }
}

/// `setsid()`: a new session and process group, this process their
/// leader, with no controlling terminal. See setsid(2). Of nook's own, as
/// [`leads_session`] is: rustix's decoded its Pid in 65 bytes.
pub fn setsid() -> Result<()> {
    // SAFETY: no arguments.
    check(unsafe { syscall6(k::__NR_setsid, 0, 0, 0, 0, 0, 0) }).map(drop)
}

/// `prctl(PR_SET_NO_NEW_PRIVS, 1)`: no exec gains privileges from here on
/// (setuid, file capabilities). See PR_SET_NO_NEW_PRIVS(2const). This and
/// the two below in place of rustix's, which linked a prctl wrapper of
/// its own beside [`prctl`].
pub fn set_no_new_privs() -> Result<()> {
    const PR_SET_NO_NEW_PRIVS: u32 = 38;
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0).map(drop)
}

/// `prctl(PR_SET_CHILD_SUBREAPER, 1)`: orphans below this process are
/// reparented to it. See PR_SET_CHILD_SUBREAPER(2const).
pub fn set_child_subreaper() -> Result<()> {
    const PR_SET_CHILD_SUBREAPER: u32 = 36;
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0).map(drop)
}

/// `prctl(PR_SET_NAME, name)`: the thread's name as ps and top show it
/// (the kernel keeps its first 15 bytes). See PR_SET_NAME(2const).
pub fn set_name(name: &CStr) -> Result<()> {
    const PR_SET_NAME: usize = 15;
    // SAFETY: `name` is a C string the kernel only reads.
    check(unsafe { syscall6(k::__NR_prctl, PR_SET_NAME, name.as_ptr() as usize, 0, 0, 0, 0) }).map(drop)
}

/// A thread's three capability sets, bit N for capability N.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct CapSets {
    pub effective: u64,
    pub permitted: u64,
    pub inheritable: u64,
}

/// capget(2) (or capset(2) when `write`) of this thread, version 3: the
/// kernel's two `{effective, permitted, inheritable}` structs, low 32
/// capabilities first.
fn capget_capset(nr: u32, data: &mut [k::__user_cap_data_struct; 2]) -> Result<()> {
    let mut header = k::__user_cap_header_struct { version: k::_LINUX_CAPABILITY_VERSION_3, pid: 0 };
    // SAFETY: `header` and `data` are live and of the sizes version 3
    // takes; capget writes both, capset reads them.
    check(unsafe { syscall6(nr, &raw mut header as usize, data.as_mut_ptr() as usize, 0, 0, 0, 0) }).map(drop)
}

/// capget(2): this thread's capability sets.
pub fn capget() -> Result<CapSets> {
    let mut data = [k::__user_cap_data_struct { effective: 0, permitted: 0, inheritable: 0 }; 2];
    capget_capset(k::__NR_capget, &mut data)?;
    let join = |low: u32, high: u32| low as u64 | (high as u64) << 32;
    Ok(CapSets {
        effective: join(data[0].effective, data[1].effective),
        permitted: join(data[0].permitted, data[1].permitted),
        inheritable: join(data[0].inheritable, data[1].inheritable),
    })
}

/// capset(2): sets this thread's capability sets.
pub fn capset(sets: &CapSets) -> Result<()> {
    let half = |shift: u32| k::__user_cap_data_struct {
        effective: (sets.effective >> shift) as u32,
        permitted: (sets.permitted >> shift) as u32,
        inheritable: (sets.inheritable >> shift) as u32,
    };
    capget_capset(k::__NR_capset, &mut [half(0), half(32)])
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
    // SAFETY: integer arguments only.
    let fd = check(unsafe { syscall6(k::__NR_socket, AF_INET, SOCK_DGRAM | k::O_CLOEXEC as usize, 0, 0, 0, 0) })?;
    // SAFETY: a new fd nothing else owns; closed when `_socket` drops.
    let _socket = unsafe { OwnedFd::from_raw_fd(fd as RawFd) };
    let mut ifreq = IfreqFlags { name: [0; 16], flags: 0, _rest: [0; 22] };
    ifreq.name[..2].copy_from_slice(b"lo");
    // SAFETY: SIOCGIFFLAGS reads the name and writes the flags of `ifreq`,
    // a live struct ifreq.
    check(unsafe { syscall6(k::__NR_ioctl, fd, SIOCGIFFLAGS, &raw mut ifreq as usize, 0, 0, 0) })?;
    ifreq.flags |= IFF_UP;
    // SAFETY: SIOCSIFFLAGS only reads `ifreq`.
    check(unsafe { syscall6(k::__NR_ioctl, fd, SIOCSIFFLAGS, &raw const ifreq as usize, 0, 0, 0) }).map(drop)
}

/// The kernel's `struct ifreq` as SIOC[GS]IFFLAGS use it: the interface's
/// name in IFNAMSIZ bytes, then a 24-byte union whose member is the flags.
#[repr(C)]
struct IfreqFlags {
    name: [u8; 16],
    flags: u16,
    _rest: [u8; 22],
}
const _: () = assert!(core::mem::size_of::<IfreqFlags>() == 40);

/// open(2) with O_CLOEXEC and no mode: one out-of-line copy for the some
/// twenty places nook opens a path, each of which inlined rustix's.
///
/// The init-only build, which opens nothing else, makes the system call
/// itself: rustix's open is then not linked, and OwnedFd's assert that the
/// fd is not -1 goes with the check below, and with it that build's last
/// panic path and the panic machinery (-128 bytes there). The other builds
/// call rustix's openat from elsewhere too, and there this took 24 more.
#[inline(never)]
pub fn open_cloexec(path: &CStr, flags: rustix::fs::OFlags) -> Result<OwnedFd> {
    #[cfg(nook_init_only)]
    {
        let flags = (flags | rustix::fs::OFlags::CLOEXEC).bits() as usize;
        // SAFETY: `path` is a C string the kernel only reads; no mode.
        let fd = check(unsafe { syscall6(k::__NR_open, path.as_ptr() as usize, flags, 0, 0, 0, 0) })?;
        // What an fd never is (the kernel keeps them below 2^30).
        if fd as RawFd == -1 {
            return Err(Errno::BADF);
        }
        // SAFETY: a new fd nothing else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
    }
    #[cfg(not(nook_init_only))]
    rustix::fs::open(path, flags | rustix::fs::OFlags::CLOEXEC, rustix::fs::Mode::empty())
}

/// `close(fd)` of a raw fd nook does not own as an OwnedFd (the wrapper's
/// fds). See close(2).
pub fn close(fd: i32) -> Result<()> {
    // SAFETY: an integer argument; the callers own the fd as a number.
    check(unsafe { syscall6(k::__NR_close, fd as usize, 0, 0, 0, 0, 0) }).map(drop)
}

/// `faccessat(dir, name, W_OK, 0)`: whether this process may write to
/// `name` in `dir`, by its real ids, as access(2) decides. See access(2).
pub fn may_write(dir: BorrowedFd<'_>, name: &CStr) -> Result<()> {
    // SAFETY: an fd, a NUL-terminated path that outlives the call, integers.
    check(unsafe { syscall6(k::__NR_faccessat, dir.as_raw_fd() as usize, name.as_ptr() as usize, 2, 0, 0, 0) }).map(drop)
}

/// A wrapper's fd among 0, 1 and 2 (bwrap takes them) moved above stdio:
/// returns a close-on-exec copy numbered 3 or more (fcntl F_DUPFD_CLOEXEC).
/// `fd` itself is marked close-on-exec, so PROGRAM starts without it, as
/// bwrap's does, while nook keeps the number (and its messages, for
/// stderr); or, with `close_here`, replaced by a close-on-exec O_PATH fd
/// of `/` (dup3), so that what it was is closed but no fd nook opens later
/// takes the number. See fcntl(2), dup(2).
pub fn lift_above_stdio(fd: i32, close_here: bool) -> Result<i32> {
    // SAFETY: integer arguments only.
    let copy = check(unsafe { syscall6(k::__NR_fcntl, fd as usize, k::F_DUPFD_CLOEXEC as usize, 3, 0, 0, 0) })?;
    if close_here {
        let cover = open_cloexec(c"/", rustix::fs::OFlags::PATH)?;
        // SAFETY: integer arguments only; dup3 closes what `fd` was.
        check(unsafe { syscall6(k::__NR_dup3, cover.as_raw_fd() as usize, fd as usize, k::O_CLOEXEC as usize, 0, 0, 0) })?;
    } else {
        cloexec_range(fd as u32, fd as u32)?;
    }
    Ok(copy as i32)
}

/// `setns(fd, nstype)`: joins the namespaces of a pidfd (every type in
/// `nstype` at once, Linux 5.8+) or of one /proc/PID/ns/* file. See setns(2).
pub fn setns(fd: BorrowedFd<'_>, nstype: u32) -> Result<()> {
    // SAFETY: integer arguments only.
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
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
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

/// Reads until `buf` is full or the writer is gone (EOF), retrying on
/// EINTR; the number of bytes read.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_of_is_rustixs() {
        for errno in 1..=4095 {
            assert_eq!(errno_of(-errno), Errno::from_raw_os_error(errno as i32), "errno {errno}");
            assert_eq!(check(-errno), Err(Errno::from_raw_os_error(errno as i32)));
        }
        assert_eq!(check(0), Ok(0));
        assert_eq!(check(-4096), Ok(-4096isize as usize));
    }
}
