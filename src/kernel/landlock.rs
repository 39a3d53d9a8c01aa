//! Landlock (landlock(7)): the three system calls, and which access rights
//! each ABI version of the kernel knows.
//!
//! A ruleset names the rights it *handles*; a handled right is denied
//! everywhere except beneath the paths (or on the ports) a rule allows it
//! for. Rights a ruleset does not handle stay as they were. A kernel
//! refuses a ruleset that names a right it does not know (EINVAL), so the
//! rights asked for are first cut down to the kernel's ABI (`Access::for_abi`):
//! the best-effort downgrade the Landlock documentation describes. The
//! domain is inherited across fork and exec and can never be left or joined.
//!
//! The structs are linux-raw-sys's (feature "landlock"), passed at their
//! full current size: an older kernel reads a shorter struct and accepts
//! the rest when it is zero, which `for_abi` guarantees.

use super::raw::{check, syscall6};
use linux_raw_sys::general as g;
use linux_raw_sys::landlock as k;
use rustix::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use rustix::io::Errno;

/// Reading a file or directory and executing it: `--landlock-ro`.
pub const READ_ONLY: u64 = (k::LANDLOCK_ACCESS_FS_EXECUTE | k::LANDLOCK_ACCESS_FS_READ_FILE | k::LANDLOCK_ACCESS_FS_READ_DIR) as u64;

/// The rights a rule on a file (not a directory) may carry; the kernel
/// refuses the directory-only ones there (EINVAL).
pub const FILE_RIGHTS: u64 = (k::LANDLOCK_ACCESS_FS_EXECUTE
    | k::LANDLOCK_ACCESS_FS_WRITE_FILE
    | k::LANDLOCK_ACCESS_FS_READ_FILE
    | k::LANDLOCK_ACCESS_FS_TRUNCATE
    | k::LANDLOCK_ACCESS_FS_IOCTL_DEV) as u64;

/// Every filesystem right of ABI 1: EXECUTE up to MAKE_SYM, one bit each.
const FS_ABI1: u64 = ((k::LANDLOCK_ACCESS_FS_MAKE_SYM as u64) << 1) - 1;

/// TCP bind(2) and connect(2) by port.
pub const NET_ALL: u64 = (k::LANDLOCK_ACCESS_NET_BIND_TCP | k::LANDLOCK_ACCESS_NET_CONNECT_TCP) as u64;
pub const NET_BIND: u64 = k::LANDLOCK_ACCESS_NET_BIND_TCP as u64;
pub const NET_CONNECT: u64 = k::LANDLOCK_ACCESS_NET_CONNECT_TCP as u64;

/// No abstract unix socket and no signal to a process outside the domain.
pub const SCOPE_ALL: u64 = (k::LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | k::LANDLOCK_SCOPE_SIGNAL) as u64;

/// The first ABI with network rules, and the first with scopes.
pub const NET_ABI: u32 = 4;
pub const SCOPE_ABI: u32 = 6;

/// The rights a ruleset handles: `struct landlock_ruleset_attr`'s fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Access {
    pub fs: u64,
    pub net: u64,
    pub scoped: u64,
}

impl Access {
    /// Everything the kernel's Landlock ABI `abi` knows (0: no Landlock).
    /// ABI 2 added REFER, 3 TRUNCATE, 4 the TCP port rules, 5 IOCTL_DEV,
    /// 6 the scopes; ABI 7 added only logging flags.
    pub const fn for_abi(abi: u32) -> Access {
        let mut fs = if abi >= 1 { FS_ABI1 } else { 0 };
        if abi >= 2 {
            fs |= k::LANDLOCK_ACCESS_FS_REFER as u64;
        }
        if abi >= 3 {
            fs |= k::LANDLOCK_ACCESS_FS_TRUNCATE as u64;
        }
        if abi >= 5 {
            fs |= k::LANDLOCK_ACCESS_FS_IOCTL_DEV as u64;
        }
        Access {
            fs,
            net: if abi >= NET_ABI { NET_ALL } else { 0 },
            scoped: if abi >= SCOPE_ABI { SCOPE_ALL } else { 0 },
        }
    }

    /// The rights both sets have.
    pub const fn within(self, other: Access) -> Access {
        Access { fs: self.fs & other.fs, net: self.net & other.net, scoped: self.scoped & other.scoped }
    }

    pub const fn is_empty(self) -> bool {
        self.fs == 0 && self.net == 0 && self.scoped == 0
    }
}

/// The Landlock ABI version this kernel offers:
/// `landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)`.
/// ENOSYS: not built in; EOPNOTSUPP: built in but disabled at boot
/// (`lsm=` without landlock). See landlock_create_ruleset(2).
// Out of line: smaller than inlined into its caller (measured).
#[inline(never)]
pub fn abi() -> Result<u32, Errno> {
    // SAFETY: a null attribute pointer with size 0 is the documented
    // version query: the kernel reads no memory of ours.
    let ret = unsafe { syscall6(g::__NR_landlock_create_ruleset, 0, 0, k::LANDLOCK_CREATE_RULESET_VERSION as usize, 0, 0, 0) };
    check(ret).map(|v| v as u32)
}

/// A new ruleset handling `handled` (already cut to the kernel's ABI).
/// See landlock_create_ruleset(2).
pub fn create_ruleset(handled: Access) -> Result<OwnedFd, Errno> {
    let attr = k::landlock_ruleset_attr { handled_access_fs: handled.fs, handled_access_net: handled.net, scoped: handled.scoped };
    // SAFETY: `attr` is a live landlock_ruleset_attr of the size passed;
    // the kernel only reads it.
    let ret = unsafe {
        syscall6(
            g::__NR_landlock_create_ruleset,
            &attr as *const k::landlock_ruleset_attr as usize,
            core::mem::size_of::<k::landlock_ruleset_attr>(),
            0,
            0,
            0,
            0,
        )
    };
    // SAFETY: on success the kernel returned a new (close-on-exec) fd that
    // nothing else owns.
    check(ret).map(|fd| unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// Allows `allowed` beneath the file or directory `parent` (an O_PATH fd
/// is enough). See landlock_add_rule(2).
pub fn allow_beneath(ruleset: BorrowedFd<'_>, parent: BorrowedFd<'_>, allowed: u64) -> Result<(), Errno> {
    let attr = k::landlock_path_beneath_attr { allowed_access: allowed, parent_fd: parent.as_raw_fd() };
    add_rule(ruleset, k::landlock_rule_type::LANDLOCK_RULE_PATH_BENEATH, &attr as *const _ as usize)
}

/// Allows `allowed` (NET_BIND, NET_CONNECT) for TCP port `port`.
/// See landlock_add_rule(2).
pub fn allow_port(ruleset: BorrowedFd<'_>, port: u16, allowed: u64) -> Result<(), Errno> {
    let attr = k::landlock_net_port_attr { allowed_access: allowed, port: port as u64 };
    add_rule(ruleset, k::landlock_rule_type::LANDLOCK_RULE_NET_PORT, &attr as *const _ as usize)
}

fn add_rule(ruleset: BorrowedFd<'_>, kind: k::landlock_rule_type, attr: usize) -> Result<(), Errno> {
    // SAFETY: `attr` points at a live struct of the type `kind` names
    // (both callers pass a local); the kernel only reads it.
    let ret = unsafe { syscall6(g::__NR_landlock_add_rule, ruleset.as_raw_fd() as usize, kind as usize, attr, 0, 0, 0) };
    check(ret).map(drop)
}

/// Confines this thread (nook is single-threaded: the process) to the
/// ruleset, for good and for every child and exec. Needs no_new_privs (or
/// CAP_SYS_ADMIN). See landlock_restrict_self(2).
// Out of line: smaller than inlined into its caller (measured).
#[inline(never)]
pub fn restrict_self(ruleset: BorrowedFd<'_>) -> Result<(), Errno> {
    // SAFETY: integer arguments only.
    let ret = unsafe { syscall6(g::__NR_landlock_restrict_self, ruleset.as_raw_fd() as usize, 0, 0, 0, 0, 0) };
    check(ret).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_abi_adds_exactly_its_rights() {
        assert_eq!(Access::for_abi(0), Access::default());
        assert_eq!(Access::for_abi(1).fs, 0x1fff, "EXECUTE..MAKE_SYM");
        assert_eq!(Access::for_abi(2).fs, 0x3fff, "+REFER");
        assert_eq!(Access::for_abi(3).fs, 0x7fff, "+TRUNCATE");
        assert_eq!(Access::for_abi(3).net, 0);
        assert_eq!(Access::for_abi(4), Access { fs: 0x7fff, net: 3, scoped: 0 });
        assert_eq!(Access::for_abi(5).fs, 0xffff, "+IOCTL_DEV");
        assert_eq!(Access::for_abi(6), Access { fs: 0xffff, net: 3, scoped: 3 });
        assert_eq!(Access::for_abi(7), Access::for_abi(6), "ABI 7 adds only logging flags");
        assert_eq!(Access::for_abi(99), Access::for_abi(6), "a newer kernel gets what nook knows");
    }

    #[test]
    fn read_only_and_file_rights_are_what_the_kernel_calls_them() {
        assert_eq!(READ_ONLY, 1 | 4 | 8);
        assert_eq!(FILE_RIGHTS & !Access::for_abi(7).fs, 0);
        // A file rule keeps no directory right (MAKE_*, REMOVE_*, READ_DIR, REFER).
        assert_eq!(FILE_RIGHTS, 1 | 2 | 4 | 0x4000 | 0x8000);
    }

    #[test]
    fn downgrading_keeps_only_what_both_know() {
        let wanted = Access { fs: Access::for_abi(7).fs, net: NET_ALL, scoped: SCOPE_ALL };
        assert_eq!(wanted.within(Access::for_abi(3)), Access::for_abi(3));
        assert!(Access { fs: 0, net: NET_ALL, scoped: 0 }.within(Access::for_abi(3)).is_empty());
    }
}
