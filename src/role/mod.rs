//! The roles: one thin driver each, strung together from the layers below.
//! No role imports another.

pub mod boot;
pub mod enter;
pub mod init;
pub mod mounts;
pub mod run;
pub mod switch_root;
