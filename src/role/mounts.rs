//! `nook mounts`: the mount table of nook's mount namespace, or of
//! `--pid`'s, as a tree with propagation and peer groups
//! (setup/mounts.rs), for a container that has no findmnt.

use crate::plan::mounts::MountsPlan;

/// Not inlined into `main`: it stays in the code PID 1 never maps (build.rs).
#[inline(never)]
pub fn mounts(plan: &MountsPlan) -> i32 {
    match crate::setup::mounts::show(plan) {
        Ok(()) => 0,
        Err(f) => f.exit(),
    }
}
