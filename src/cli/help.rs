//! `nook --help` and `nook --version`.

use crate::base::out::{Line, STDOUT, write_all};

/// The text of src/help.txt, packed by build.rs (`pack_help`): bytes below
/// 0x80 stand for themselves; a byte from 0x80 and the next one repeat
/// `3 + (b >> 4 & 7)` bytes from `(b & 15) << 8 | next` bytes back.
/// In the setup segment (build.rs): PID 1 never reads it, and in the first
/// segment its pages would be resident in every init.
#[unsafe(link_section = ".text.setup.help")]
static HELP: [u8; include!(concat!(env!("OUT_DIR"), "/help_packed_len.rs"))] =
    *include_bytes!(concat!(env!("OUT_DIR"), "/help.packed"));
pub(super) const HELP_LEN: usize = include!(concat!(env!("OUT_DIR"), "/help_len.rs"));

/// The text of `nook --help`, unpacked into `out`.
pub(super) fn unpack(out: &mut [u8; HELP_LEN]) {
    let mut len = 0;
    let mut i = 0;
    while i < HELP.len() && len < out.len() {
        let b = HELP[i];
        i += 1;
        if b < 0x80 {
            out[len] = b;
            len += 1;
        } else {
            let count = 3 + (b >> 4 & 7) as usize;
            let from = len.wrapping_sub(((b & 15) as usize) << 8 | *HELP.get(i).unwrap_or(&0) as usize);
            i += 1;
            // Byte by byte: a run may overlap what it repeats.
            for k in 0..count {
                if let (Some(&c), true) = (out.get(from.wrapping_add(k)), len < out.len()) {
                    out[len] = c;
                    len += 1;
                }
            }
        }
    }
}

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
    let mut text = [0u8; HELP_LEN];
    unpack(&mut text);
    for &b in text.iter() {
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
