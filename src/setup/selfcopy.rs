//! A sealed, anonymous copy of nook's own binary, for the init to run from.
//!
//! The init of `run --unshare-pid` is visible inside the container as PID 1,
//! and /proc/1/exe would lead to the host's nook binary: a root user inside
//! could open it and, once nothing executes it any more, write to it
//! (runc's CVE-2019-5736). So the init re-executes itself from a memfd that
//! holds a copy of the binary and is sealed against every change: /proc/1/exe
//! then names only that copy, which nobody can write. The fresh exec also
//! starts the init with a small address space of its own.

use crate::kernel::fd::borrow;
use rustix::fd::OwnedFd;
use rustix::fs::{MemfdFlags, OFlags, SealFlags};
use rustix::io::Errno;

/// No write, no change of size, and no change of the seals themselves.
const ALL_SEALS: SealFlags = SealFlags::SEAL.union(SealFlags::SHRINK).union(SealFlags::GROW).union(SealFlags::WRITE);

/// Copies /proc/self/exe into a sealed memfd (close-on-exec).
pub fn sealed_copy() -> Result<OwnedFd, Errno> {
    let exe = crate::kernel::raw::open_cloexec(c"/proc/self/exe", OFlags::RDONLY)?;
    // MFD_EXEC: with sysctl vm.memfd_noexec=1 a memfd is otherwise sealed
    // against exec (Linux 6.3+); older kernels refuse the flag (EINVAL).
    let flags = MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING;
    let copy = match rustix::fs::memfd_create(c"nook", flags | MemfdFlags::EXEC) {
        Err(Errno::INVAL) => rustix::fs::memfd_create(c"nook", flags)?,
        r => r?,
    };
    // In the kernel, without a round trip through nook's memory.
    loop {
        match rustix::fs::sendfile(borrow(&copy), borrow(&exe), None, 1 << 20) {
            Ok(0) => break,
            Ok(_) | Err(Errno::INTR) => {}
            Err(e) => return Err(e),
        }
    }
    rustix::fs::fcntl_add_seals(borrow(&copy), ALL_SEALS)?;
    Ok(copy)
}

/// Whether nook already runs from a copy sealed as [`sealed_copy`] seals
/// it: /proc/self/exe then takes F_GET_SEALS (a file on disk refuses it,
/// EINVAL) and holds every seal.
pub fn running_sealed() -> bool {
    crate::kernel::raw::open_cloexec(c"/proc/self/exe", OFlags::RDONLY)
        .and_then(|exe| rustix::fs::fcntl_get_seals(borrow(&exe)))
        .is_ok_and(|seals| seals.contains(ALL_SEALS))
}
