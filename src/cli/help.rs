//! `nook --help` and `nook --version`.

use crate::base::out::{Line, STDOUT, write_all};
use crate::base::packed::{ERRNO_TEXTS_LEN, HELP_LEN, unpack};

/// The description column: HELP marks it with a tab, expanded here, which
/// keeps a kilobyte of padding out of the binary.
const COLUMN: usize = 28;

/// Never inlined: its buffer for the unpacked text (some 6 kB) would be
/// in the frame of `nook::main`, whose stack probes touch every page of
/// it, so every init would have two more stack pages resident; and the
/// code would sit in PID 1's segment.
#[inline(never)]
pub fn print_help() {
    let mut line = Line::new();
    let mut width = 0;
    let mut text = [0u8; ERRNO_TEXTS_LEN + HELP_LEN];
    unpack(&mut text);
    for &b in text[ERRNO_TEXTS_LEN..].iter() {
        match b {
            // At least one space, for an option longer than the column.
            b'\t' => loop {
                line.bytes(b" ");
                width += 1;
                if width >= COLUMN {
                    break;
                }
            },
            b'\n' => {
                line.bytes(b"\n");
                let _ = write_all(STDOUT, line.as_bytes());
                line = Line::new();
                width = 0;
            }
            _ => {
                line.bytes(&[b]);
                width += 1;
            }
        }
    }
}

#[inline(never)]
pub fn print_version() {
    let text = concat!("nook ", env!("CARGO_PKG_VERSION"), " (", env!("NOOK_GIT_HASH"), ")\n");
    let _ = write_all(STDOUT, text.as_bytes());
}

/// tini's -l and catatonit's -L.
#[inline(never)]
pub fn print_license() {
    let _ = write_all(STDOUT, b"nook is licensed under MIT OR Apache-2.0.\n");
}

/// tini's and catatonit's --version: `tini version VERSION - git.COMMIT`,
/// the shape `docker info` reads, with nook in the version (as catatonit
/// puts itself there).
#[inline(never)]
pub fn print_init_version() {
    let text = concat!("tini version ", env!("CARGO_PKG_VERSION"), "_nook - git.", env!("NOOK_GIT_HASH"), "\n");
    let _ = write_all(STDOUT, text.as_bytes());
}
