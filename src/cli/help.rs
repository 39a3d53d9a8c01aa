//! `nook --help` and `nook --version`.

use crate::base::out::{STDOUT, write_all};
use crate::base::packed::{HELP_LEN, HELP_TABS, help_text};

/// The description column: HELP marks it with a tab, expanded here, which
/// keeps a kilobyte of padding out of the binary.
const COLUMN: usize = 28;

/// Never inlined: its buffer for the help as shown (some 7 kB in the
/// default build) would be in the frame of `nook::main`, whose stack probes
/// touch every page of them, so every init would have more stack pages
/// resident; and the code would sit in PID 1's segment. The help is
/// written at once, its tabs expanded in a buffer of its own (a line at a
/// time through base/out.rs's `Line` took 56 bytes more in the init-only
/// build, 24 in the default one).
#[inline(never)]
pub fn print_help() {
    // Each tab takes at most COLUMN bytes as shown.
    let mut shown = [0u8; HELP_LEN + HELP_TABS * COLUMN];
    let (mut len, mut width) = (0, 0);
    let mut show = |b: u8| {
        if let Some(slot) = shown.get_mut(len) {
            *slot = b;
        }
        len += 1;
    };
    for &b in help_text() {
        match b {
            // At least one space, for an option longer than the column.
            b'\t' => loop {
                show(b' ');
                width += 1;
                if width >= COLUMN {
                    break;
                }
            },
            _ => {
                show(b);
                width = if b == b'\n' { 0 } else { width + 1 };
            }
        }
    }
    let _ = write_all(STDOUT, shown.get(..len).unwrap_or_default());
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
