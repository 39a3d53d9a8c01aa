//! The roles: one thin driver each, strung together from the layers below.
//! No role imports another. Each is built only with its feature
//! (Cargo.toml); init is in every build.

#[cfg(feature = "boot")]
pub mod boot;
#[cfg(feature = "enter")]
pub mod enter;
pub mod init;
#[cfg(feature = "mounts")]
pub mod mounts;
// nook run's, and nook as bwrap's (build.rs's nook_container).
#[cfg(nook_container)]
pub mod run;
#[cfg(feature = "switch-root")]
pub mod switch_root;
