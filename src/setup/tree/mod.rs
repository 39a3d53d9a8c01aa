//! The container's mount tree: built (build.rs) from the plan's operations
//! (ops.rs), among them a minimal /dev (dev.rs).

#[cfg(feature = "bwrap")]
pub mod bwrap;
pub mod build;
pub mod dest;
pub mod dev;
pub mod ops;

#[cfg(test)]
mod tests;
