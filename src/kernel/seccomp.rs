//! seccomp (seccomp(2)): loading classic-BPF filters, and the one filter
//! nook builds itself (`--seccomp-deny`).
//!
//! A filter sees each system call's `struct seccomp_data` (number,
//! architecture, arguments) and returns an action. Filters stack: every one
//! loaded runs, and the strictest answer wins; none can be removed, and a
//! filter, like a Landlock domain, is inherited by every child and exec.
//!
//! The built filter first checks the architecture: a process may also
//! enter the kernel through the i386 entry (`int 0x80`) or with the x32
//! bit set, and both number their calls differently, so a list of x86_64
//! numbers would not stop them. Either kills the process. Then it returns
//! EPERM for every number listed and allows the rest.

use crate::base::packed::say;
use super::raw::{check, syscall6};
use linux_raw_sys::general as g;
use linux_raw_sys::ptrace as k;
use crate::base::error::Failure;
use core::ffi::CStr;
use rustix::fd::{AsRawFd, OwnedFd};
use rustix::io::Errno;

pub use linux_raw_sys::ptrace::sock_filter as Insn;

/// The most instructions one filter may have (BPF_MAXINSNS).
pub const MAX_INSNS: usize = k::BPF_MAXINSNS as usize;

/// The most system calls one `--seccomp-deny` filter lists: each jump to
/// the EPERM at the end must fit the instruction's 8-bit offset.
pub const MAX_DENIED: usize = 255;

/// Instructions around the list: the architecture and x32 checks, ALLOW and EPERM.
const FRAME: usize = 8;

/// The built filter: at most MAX_DENIED checks and the frame.
pub type DenyFilter = heapless::Vec<Insn, { MAX_DENIED + FRAME }>;

/// Numbers from here up are x32 calls (or garbage): never an x86_64 call.
pub const X32_BIT: u32 = g::__X32_SYSCALL_BIT;

const fn insn(code: u32, jt: u8, jf: u8, k: u32) -> Insn {
    Insn { code: code as u16, jt, jf, k }
}

const LOAD_WORD: u32 = k::BPF_LD | k::BPF_W | k::BPF_ABS;
const JUMP_EQ: u32 = k::BPF_JMP | k::BPF_JEQ | k::BPF_K;
const JUMP_GE: u32 = k::BPF_JMP | k::BPF_JGE | k::BPF_K;
const RETURN: u32 = k::BPF_RET | k::BPF_K;
const OFFSET_NR: u32 = core::mem::offset_of!(k::seccomp_data, nr) as u32;
const OFFSET_ARCH: u32 = core::mem::offset_of!(k::seccomp_data, arch) as u32;
pub const KILL: u32 = k::SECCOMP_RET_KILL_PROCESS;
pub const ALLOW: u32 = k::SECCOMP_RET_ALLOW;
pub const EPERM: u32 = k::SECCOMP_RET_ERRNO | 1; // EPERM

/// The filter that answers EPERM to each call in `denied` (x86_64
/// numbers; at most MAX_DENIED, else E2BIG).
// Out of line: inlined it took 33 bytes more.
#[inline(never)]
pub fn deny_filter(denied: &[u16]) -> Result<DenyFilter, Errno> {
    let n = denied.len();
    if n > MAX_DENIED {
        return Err(Errno::TOOBIG);
    }
    let mut f = DenyFilter::new();
    let head = [
        insn(LOAD_WORD, 0, 0, OFFSET_ARCH),
        insn(JUMP_EQ, 1, 0, k::AUDIT_ARCH_X86_64),
        insn(RETURN, 0, 0, KILL),
        insn(LOAD_WORD, 0, 0, OFFSET_NR),
        insn(JUMP_GE, 0, 1, X32_BIT),
        insn(RETURN, 0, 0, KILL),
    ];
    // Capacity is MAX_DENIED + FRAME, and n <= MAX_DENIED: no push fails.
    let _ = f.extend_from_slice(&head);
    for (i, &nr) in denied.iter().enumerate() {
        // From check i, skip the n - 1 - i checks after it and the ALLOW.
        let _ = f.push(insn(JUMP_EQ, (n - i) as u8, 0, nr as u32));
    }
    let _ = f.push(insn(RETURN, 0, 0, ALLOW));
    let _ = f.push(insn(RETURN, 0, 0, EPERM));
    Ok(f)
}

/// Loads the filter `program` for this process (every thread: nook has
/// one) and all it runs from now on. Needs no_new_privs (or
/// CAP_SYS_ADMIN). See seccomp(2), SECCOMP_SET_MODE_FILTER.
pub fn load(program: &[Insn]) -> Result<(), Errno> {
    load_raw(program.as_ptr() as usize, program.len())
}

/// Loads a compiled filter as read from a file: an array of 8-byte
/// `struct sock_filter` in this machine's byte order. Its size must be a
/// non-zero multiple of 8 bytes of at most MAX_INSNS instructions (EINVAL).
/// The kernel copies the array, so it needs no alignment here.
pub fn load_bytes(program: &[u8]) -> Result<(), Errno> {
    let size = core::mem::size_of::<Insn>();
    if program.is_empty() || !program.len().is_multiple_of(size) || program.len() / size > MAX_INSNS {
        return Err(Errno::INVAL);
    }
    load_raw(program.as_ptr() as usize, program.len() / size)
}

fn load_raw(filter: usize, len: usize) -> Result<(), Errno> {
    let prog = k::sock_fprog { len: len as u16, filter: filter as *mut Insn };
    // SAFETY: `prog` points at `len` instructions that stay alive for the
    // call; the kernel copies and checks them, and only reads ours.
    let ret = unsafe {
        syscall6(
            g::__NR_seccomp,
            k::SECCOMP_SET_MODE_FILTER as usize,
            0,
            &prog as *const k::sock_fprog as usize,
            0,
            0,
            0,
        )
    };
    check(ret).map(drop)
}

/// Bytes for the compiled filters of one process, back to back: two of
/// the largest a kernel takes. In .bss: pages are touched only as far as
/// filters reach.
const STORE_BYTES: usize = 2 * MAX_INSNS * core::mem::size_of::<Insn>();
/// Filters one process holds.
const MAX_STORED: usize = 16;

/// The filters read from the caller's fds (`--seccomp`, `--add-seccomp-fd`),
/// kept from where nook starts, so that a bad one is an error before
/// anything changes, until the workload's last step.
struct Store {
    bytes: [u8; STORE_BYTES],
    /// Where each filter ends in `bytes`.
    ends: heapless::Vec<usize, MAX_STORED>,
    read: bool,
}

static mut STORE: Store = Store { bytes: [0; STORE_BYTES], ends: heapless::Vec::new(), read: false };

/// The object of a filter's error: its fd and its size.
static mut LABEL: crate::base::text::Buf<48> = crate::base::text::Buf::new();

/// The process's one store. Only [`read_filters`], [`load_filters`] and
/// [`carry_filters`] call it, none of them while holding what it returned,
/// and nook is single-threaded (a forked child has its own copy).
fn store() -> &'static mut Store {
    // SAFETY: see above: no two references to STORE are ever alive.
    unsafe { &mut *core::ptr::addr_of_mut!(STORE) }
}

/// Names filter `text` of `size` bytes in an error, e.g. `3 (13 bytes)`.
fn label(text: &CStr, size: usize) -> &'static CStr {
    // SAFETY: single-threaded, and only called to build a failure, which
    // ends nook before any later call could replace the text it points at.
    let label = unsafe { &mut *core::ptr::addr_of_mut!(LABEL) };
    label.clear();
    label.push(text.to_bytes()).push(b" (").dec(size as u64).push(b" bytes)");
    label.as_cstr().unwrap_or(say!("(filter)"))
}

/// Reads every filter of `fds` (the fd, and its number as given) to EOF,
/// once per process (later calls do nothing), and checks each is a
/// non-empty whole number of instructions, at most MAX_INSNS.
pub fn read_filters<'a>(fds: impl Iterator<Item = (i32, &'a CStr)>) -> Result<(), Failure<'a>> {
    let store = store();
    if core::mem::replace(&mut store.read, true) {
        return Ok(());
    }
    let mut at = 0;
    for (fd, text) in fds {
        // SAFETY: an fd the parser checked open; only read here.
        let fd = unsafe { rustix::fd::BorrowedFd::borrow_raw(fd) };
        let start = at;
        // One byte past the largest filter tells "too large" from "full".
        let limit = STORE_BYTES.min(start + MAX_INSNS * core::mem::size_of::<Insn>() + 1);
        at += crate::kernel::raw::read_full(fd, &mut store.bytes[start..limit])
            .map_err(|e| Failure::new(say!("read seccomp filter from fd"), text, e))?;
        let size = at - start;
        if size == 0 || !size.is_multiple_of(core::mem::size_of::<Insn>()) || size / core::mem::size_of::<Insn>() > MAX_INSNS {
            let f = Failure::new(say!("load seccomp filter from fd"), label(text, size), if at == limit { Errno::TOOBIG } else { Errno::INVAL });
            return Err(f.hint(say!("a filter is 1 to 4096 struct sock_filter of 8 bytes (64 KiB for all)")));
        }
        store.ends.push(at).map_err(|_| Failure::new(say!("read seccomp filter from fd"), text, Errno::TOOBIG))?;
    }
    Ok(())
}

/// Loads every filter of `fds`, reading them first where that has not
/// happened yet.
pub fn load_filters<'a>(fds: impl Iterator<Item = (i32, &'a CStr)> + Clone) -> Result<(), Failure<'a>> {
    read_filters(fds.clone())?;
    let store = store();
    let mut start = 0;
    for (&end, (_, text)) in store.ends.iter().zip(fds) {
        if let Err(e) = load_bytes(&store.bytes[start..end]) {
            let f = Failure::new(say!("load seccomp filter from fd"), label(text, end - start), e);
            return Err(f.hint_if(e == Errno::INVAL, say!("not a valid classic-BPF program")));
        }
        start = end;
    }
    Ok(())
}

/// Each filter read, in a new memfd (not close-on-exec, at offset 0), for
/// a process nook executes (run's init) to read as `--add-seccomp-fd`.
pub fn carry_filters(out: &mut heapless::Vec<OwnedFd, MAX_STORED>) -> Result<(), Errno> {
    let store = store();
    let mut start = 0;
    for &end in store.ends.iter() {
        let fd = rustix::fs::memfd_create(c"nook-seccomp", rustix::fs::MemfdFlags::empty())?;
        crate::base::out::write_all(fd.as_raw_fd(), &store.bytes[start..end])?;
        rustix::fs::seek(&fd, rustix::fs::SeekFrom::Start(0))?;
        let _ = out.push(fd);
        start = end;
    }
    Ok(())
}

macro_rules! syscalls {
    ($($name:ident: $nr:ident,)*) => {
        /// The x86_64 numbers of the calls `--seccomp-deny` knows by name
        /// (linux-raw-sys's), in NAMES's order. In the setup segment
        /// (build.rs), like NAMES: PID 1 reads them only for a
        /// `--seccomp-deny` it was given.
        #[unsafe(link_section = ".text.setup.seccomp")]
        static NUMBERS: [u16; [$(g::$nr,)*].len()] = [$(g::$nr as u16,)*];
        /// Their names, each ended by a NUL, in one string (a table of
        /// slices would spend 16 bytes of pointer and length on each).
        #[unsafe(link_section = ".text.setup.seccomp")]
        static NAMES: [u8; concat!($(stringify!($name), "\0",)*).len()] =
            crate::base::text::bytes_of(concat!($(stringify!($name), "\0",)*));
        /// The constants' names, for the test that each name is its own.
        #[cfg(test)]
        const CONSTANTS: &[&str] = &[$(stringify!($nr),)*];
    };
}

// The calls Docker's and Flatpak's default profiles deny (beyond those
// they refuse only for some arguments), and some more.
syscalls! {
    // Docker's default profile
    acct: __NR_acct, add_key: __NR_add_key, bpf: __NR_bpf, clock_adjtime: __NR_clock_adjtime,
    clock_settime: __NR_clock_settime, create_module: __NR_create_module,
    delete_module: __NR_delete_module, finit_module: __NR_finit_module,
    get_kernel_syms: __NR_get_kernel_syms, get_mempolicy: __NR_get_mempolicy,
    init_module: __NR_init_module, ioperm: __NR_ioperm, iopl: __NR_iopl, kcmp: __NR_kcmp,
    kexec_file_load: __NR_kexec_file_load, kexec_load: __NR_kexec_load, keyctl: __NR_keyctl,
    lookup_dcookie: __NR_lookup_dcookie, mbind: __NR_mbind, mount: __NR_mount,
    move_pages: __NR_move_pages, name_to_handle_at: __NR_name_to_handle_at, nfsservctl: __NR_nfsservctl,
    open_by_handle_at: __NR_open_by_handle_at, perf_event_open: __NR_perf_event_open,
    personality: __NR_personality, pivot_root: __NR_pivot_root, process_vm_readv: __NR_process_vm_readv,
    process_vm_writev: __NR_process_vm_writev, ptrace: __NR_ptrace, query_module: __NR_query_module,
    quotactl: __NR_quotactl, reboot: __NR_reboot, request_key: __NR_request_key,
    set_mempolicy: __NR_set_mempolicy, setns: __NR_setns, settimeofday: __NR_settimeofday,
    swapoff: __NR_swapoff, swapon: __NR_swapon, sysfs: __NR_sysfs, _sysctl: __NR__sysctl,
    umount2: __NR_umount2, unshare: __NR_unshare, uselib: __NR_uselib, userfaultfd: __NR_userfaultfd,
    ustat: __NR_ustat, afs_syscall: __NR_afs_syscall,
    // Flatpak's
    syslog: __NR_syslog, migrate_pages: __NR_migrate_pages, chroot: __NR_chroot, clone3: __NR_clone3,
    open_tree: __NR_open_tree, move_mount: __NR_move_mount, fsopen: __NR_fsopen,
    fsconfig: __NR_fsconfig, fsmount: __NR_fsmount, fspick: __NR_fspick,
    mount_setattr: __NR_mount_setattr, vhangup: __NR_vhangup, io_uring_setup: __NR_io_uring_setup,
    io_uring_enter: __NR_io_uring_enter, io_uring_register: __NR_io_uring_register,
    quotactl_fd: __NR_quotactl_fd,
    // and some a user may well want to deny
    mkdir: __NR_mkdir, mkdirat: __NR_mkdirat, symlink: __NR_symlink, symlinkat: __NR_symlinkat,
    socket: __NR_socket, connect: __NR_connect, bind: __NR_bind, execve: __NR_execve,
    execveat: __NR_execveat, memfd_create: __NR_memfd_create, clone: __NR_clone, ioctl: __NR_ioctl,
}

/// The x86_64 number of the call named `name` (as in syscalls(2)), if the
/// table has it: through the word tables' shared lookup in a packed list
/// (an iterator of its own, inlined, took more).
pub fn syscall_number(name: &[u8]) -> Option<u32> {
    crate::base::words::find_in(&NAMES, &NUMBERS, name).map(u32::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    const I386: u32 = k::AUDIT_ARCH_I386;
    const X86_64: u32 = k::AUDIT_ARCH_X86_64;

    /// Runs a filter as the kernel would over `seccomp_data {nr, arch}`:
    /// the instructions the builder uses, each checked for what it is.
    fn run(filter: &[Insn], nr: u32, arch: u32) -> u32 {
        let mut pc = 0;
        let mut a = 0u32;
        loop {
            let i = filter[pc];
            pc += 1;
            match i.code as u32 {
                LOAD_WORD if i.k == OFFSET_NR => a = nr,
                LOAD_WORD if i.k == OFFSET_ARCH => a = arch,
                JUMP_EQ => pc += if a == i.k { i.jt } else { i.jf } as usize,
                JUMP_GE => pc += if a >= i.k { i.jt } else { i.jf } as usize,
                RETURN => return i.k,
                other => panic!("unexpected instruction {other:#x} at {}", pc - 1),
            }
        }
    }

    #[test]
    fn listed_calls_get_eperm_and_the_rest_pass() {
        let mkdir = syscall_number(b"mkdir").unwrap();
        let mkdirat = syscall_number(b"mkdirat").unwrap();
        let f = deny_filter(&[mkdirat as u16, mkdir as u16]).unwrap();
        assert_eq!(run(&f, mkdir, X86_64), EPERM);
        assert_eq!(run(&f, mkdirat, X86_64), EPERM);
        assert_eq!(EPERM & 0xffff, 1);
        for nr in [0, 1, 59, 82, 84, 257, 259, 461] {
            assert_eq!(run(&f, nr, X86_64), ALLOW, "{nr}");
        }
    }

    #[test]
    fn another_architecture_or_an_x32_call_kills() {
        let f = deny_filter(&[83]).unwrap();
        // i386's mkdir is 39; 83 there is something else: neither may pass.
        assert_eq!(run(&f, 39, I386), KILL);
        assert_eq!(run(&f, 83, I386), KILL);
        assert_eq!(run(&f, 83 | X32_BIT, X86_64), KILL);
        assert_eq!(run(&f, u32::MAX, X86_64), KILL);
    }

    #[test]
    fn every_jump_lands_inside_the_filter_for_the_longest_list() {
        let all: std::vec::Vec<u16> = (0..MAX_DENIED as u16).map(|i| i * 2).collect();
        let f = deny_filter(&all).unwrap();
        assert_eq!(f.len(), MAX_DENIED + FRAME);
        for (i, nr) in all.iter().enumerate() {
            assert_eq!(run(&f, *nr as u32, X86_64), EPERM, "entry {i}");
            assert_eq!(run(&f, *nr as u32 + 1, X86_64), ALLOW);
        }
        assert_eq!(deny_filter(&[0; MAX_DENIED + 1]).unwrap_err(), Errno::TOOBIG);
        assert_eq!(run(&deny_filter(&[]).unwrap(), 83, X86_64), ALLOW);
    }

    #[test]
    fn the_table_has_the_profiles_calls_under_their_numbers() {
        assert_eq!(syscall_number(b"mkdir"), Some(83));
        assert_eq!(syscall_number(b"mkdirat"), Some(258));
        assert_eq!(syscall_number(b"_sysctl"), Some(156));
        assert_eq!(syscall_number(b"ioctl"), Some(16));
        for name in ["kexec_load", "init_module", "bpf", "perf_event_open", "add_key", "keyctl", "ptrace", "personality", "userfaultfd"] {
            assert!(syscall_number(name.as_bytes()).is_some(), "{name}");
        }
        assert_eq!(syscall_number(b"mkdi"), None);
        assert_eq!(syscall_number(b""), None);
        // Each name ended by a NUL, one for each number, each found as itself.
        let names: std::vec::Vec<_> = NAMES.strip_suffix(b"\0").unwrap().split(|&b| b == 0).collect();
        assert_eq!(names.len(), NUMBERS.len());
        for (name, &nr) in names.iter().zip(&NUMBERS) {
            assert_eq!(syscall_number(name), Some(nr as u32));
        }
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "a name twice");
        for (name, constant) in names.iter().zip(CONSTANTS) {
            assert_eq!(format!("__NR_{}", std::str::from_utf8(name).unwrap()), *constant);
        }
    }

    #[test]
    fn a_compiled_filter_must_be_whole_instructions() {
        assert_eq!(load_bytes(&[]), Err(Errno::INVAL));
        assert_eq!(load_bytes(&[0; 13]), Err(Errno::INVAL));
        assert_eq!(load_bytes(&[0; 8 * (MAX_INSNS + 1)]), Err(Errno::INVAL));
    }
}
