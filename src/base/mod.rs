//! The base layer: what every other layer may use, and which uses nothing
//! of nook's: fixed-capacity text, output lines with escaping, and the
//! error shape with its exit statuses.

pub mod error;
pub mod out;
pub mod text;
