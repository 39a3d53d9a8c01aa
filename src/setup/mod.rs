//! The setup layer: the steps that carry out a plan. The user namespace
//! and its maps, the other namespaces, the mount tree (tree/), the
//! capabilities, the wrapper fds, the sealed self-copy, the mount table
//! shown (mounts.rs), the workload's last steps before exec, the readers
//! that find a root to boot (probe/), and the initramfs's boot and
//! switch-root.

pub mod boot;
#[cfg(feature = "bwrap")]
pub mod bwrap;
/// Without the bwrap personality its hooks (setup/bwrap.rs), which
/// role/run.rs calls unconditionally, do nothing and answer no: constants
/// that fold their callers' bwrap branches away.
#[cfg(not(feature = "bwrap"))]
pub mod bwrap {
    use crate::base::error::Failure;
    use crate::plan::RunPlan;
    use crate::setup::process::Environment;
    use rustix::fd::OwnedFd;
    use rustix::io::Errno;

    pub const SETTLES_WORKDIR: bool = false;

    #[inline(always)]
    pub fn join_first<'a>(_plan: &RunPlan) -> Result<(), Failure<'a>> {
        Ok(())
    }

    #[inline(always)]
    pub fn join_last<'a>(_plan: &RunPlan) -> Result<(), Failure<'a>> {
        Ok(())
    }

    #[inline(always)]
    pub fn nests_pid_namespace(_plan: &RunPlan) -> bool {
        false
    }

    #[inline(always)]
    pub fn nest_pid_namespace(_plan: &RunPlan) {}

    #[inline(always)]
    pub fn disables_user_namespaces(_plan: &RunPlan) -> bool {
        false
    }

    #[inline(always)]
    pub fn maps_block_fd(_plan: &RunPlan) -> Option<i32> {
        None
    }

    #[inline(always)]
    pub fn wait_for_maps(_fd: i32) {}

    #[inline(always)]
    pub fn locks_tree(_plan: &RunPlan, read_only: bool) -> bool {
        read_only
    }

    #[inline(always)]
    pub fn settle_workdir(_plan: &RunPlan, _env: &mut Environment) -> Result<(), Errno> {
        Ok(())
    }

    #[inline(always)]
    pub fn hold_locks<'a>(_plan: &RunPlan<'a>) -> Result<(), Failure<'a>> {
        Ok(())
    }

    #[inline(always)]
    pub fn limit_user_namespaces<'a>(_plan: &RunPlan, _proc: Option<&OwnedFd>) -> Result<(), Failure<'a>> {
        Ok(())
    }
}
pub mod caps;
pub mod monitor;
pub mod mounts;
pub mod namespaces;
pub mod probe;
pub mod process;
pub mod sandbox;
pub mod selfcopy;
pub mod switch_root;
pub mod tree;
pub mod userns;
pub mod wrapper;
