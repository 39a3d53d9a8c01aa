//! The container's mount tree: built (build.rs) from the plan's operations
//! (ops.rs), among them a minimal /dev (dev.rs).

#[cfg(feature = "bwrap")]
pub mod bwrap;
/// Without the bwrap personality its hooks (bwrap.rs), which build.rs and
/// ops.rs call unconditionally, do nothing and answer no: constants that
/// fold their callers' bwrap branches away.
#[cfg(not(feature = "bwrap"))]
pub mod bwrap {
    use crate::base::error::Result;
    use crate::kernel::sys::Sys;
    use crate::plan::{Op, RunPlan};
    use crate::setup::tree::dest::Tree;

    #[inline(always)]
    pub fn wants_empty_root(_plan: &RunPlan) -> bool {
        false
    }

    /// Never called: [`wants_empty_root`] says no.
    #[inline(always)]
    pub fn empty_root<'a, S: Sys>(_sys: &mut S, _plan: &RunPlan) -> Result<'a, Tree<'a, S>> {
        Err(crate::base::error::Failure::new(c"mount", crate::base::packed::say!("an empty root"), rustix::io::Errno::NOSYS))
    }

    pub const EMPTY_ROOT: bool = false;

    #[inline(always)]
    pub fn root_attrs(_plan: &RunPlan) -> u64 {
        0
    }

    /// Never called: every operation is ops.rs's.
    #[inline(always)]
    pub fn apply<'a, S: Sys>(_sys: &mut S, _tree: &mut Tree<'a, S>, _op: &Op<'a>) -> Result<'a, ()> {
        Ok(())
    }

    #[inline(always)]
    pub fn before_op<S: Sys>(_tree: &mut Tree<S>, _op: &Op) {}

    #[inline(always)]
    pub fn after_op<'a, S: Sys>(_sys: &mut S, _tree: &mut Tree<'a, S>, _op: &Op<'a>) -> Result<'a, ()> {
        Ok(())
    }
}
pub mod build;
pub mod dest;
pub mod dev;
pub mod ops;

#[cfg(test)]
mod tests;
