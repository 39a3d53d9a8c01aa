//! What `nook mounts` was asked for.

use core::ffi::CStr;

/// `nook mounts [--pid PID] [--all] [--json]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MountsPlan<'a> {
    /// The process whose mount table to show, and its number as given
    /// (for errors to name); None for nook's own.
    pub pid: Option<(i32, &'a CStr)>,
    /// Also the pseudo filesystems hidden by default.
    pub all: bool,
    /// findmnt -J's shape instead of the tree.
    pub json: bool,
}
