//! The setup layer: the steps that carry out a plan. The user namespace
//! and its maps, the other namespaces, the mount tree (tree/), the
//! capabilities, the wrapper fds, the sealed self-copy, the mount table
//! shown (mounts.rs), the workload's last steps before exec, the readers
//! that find a root to boot (probe/), and the initramfs's boot and
//! switch-root.

pub mod boot;
#[cfg(feature = "bwrap")]
pub mod bwrap;
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
