//! The kernel layer: every raw system call (raw.rs), and the `Sys` seam
//! through which the mount tree is built (sys.rs), with its mount(2)
//! fallback (legacy.rs) and, for unit tests, its recording double
//! (record.rs), and the fds they borrow without rustix's -1 check
//! (fd.rs); the one reader of /proc/PID/mountinfo (mountinfo.rs);
//! Landlock (landlock.rs) and seccomp (seccomp.rs); the C
//! memory routines (mem.rs). Only this
//! layer holds `unsafe` system calls.

pub mod fd;
pub mod legacy;
pub mod module;
pub mod landlock;
pub mod mem;
pub mod mountinfo;
pub mod procfs;
pub mod raw;
pub mod seccomp;
#[cfg(any(test, feature = "fuzzing"))]
pub mod record;
pub mod sys;
