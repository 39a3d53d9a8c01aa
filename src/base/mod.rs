//! The base layer: what every other layer may use, and which uses nothing
//! of nook's: fixed-capacity text, output lines with escaping, and the
//! error shape with its exit statuses, and the packed texts (errno texts
//! and --help).

#[cfg(feature = "bwrap")]
pub mod bwrap;
pub mod error;
pub mod num;
pub mod out;
pub mod packed;
pub mod text;
pub mod words;

/// Which mount API `Linux` uses (NOOK_MOUNT_API).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MountApi {
    /// The new one, unless the kernel (or a seccomp filter) lacks a call.
    Auto,
    New,
    Legacy,
}
