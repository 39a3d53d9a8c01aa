//! `nook mounts`: a mount table (kernel/mountinfo.rs) shown as a tree, one
//! mount a line with its propagation, and a legend of the peer groups; or
//! as findmnt -J's JSON.
//!
//! The tree fits 80 columns: each column has a width, and a longer name is
//! cut in the middle, marked "…" (a name's own bytes outside printable
//! ASCII, space and backslash included, are shown `\xHH`, so the mark
//! cannot be mistaken for one). Pseudo filesystems ([`PSEUDO`]) are left
//! out unless `--all`; the mounts on them are still shown, one level up.

use crate::base::error::{Failure, Result};
use crate::base::out::{STDOUT, Writer, shown_width};
use crate::base::words::{Words, words};
use crate::kernel::mountinfo::{self, Mount, Table, decode};
use crate::plan::mounts::MountsPlan;
use rustix::io::Errno;

/// Filesystems of the kernel's own state rather than of anyone's files,
/// hidden without `--all`.
const PSEUDO: Words<()> = words![
    "proc" => (), "sysfs" => (), "cgroup" => (), "cgroup2" => (), "devpts" => (), "mqueue" => (),
    "debugfs" => (), "tracefs" => (), "securityfs" => (), "pstore" => (), "bpf" => (), "configfs" => (),
    "fusectl" => (), "hugetlbfs" => (), "autofs" => (), "binfmt_misc" => (), "efivarfs" => (),
    "selinuxfs" => (), "nsfs" => (), "rpc_pipefs" => (),
];

/// Column widths: target (with its indent), type, source, and the most
/// the propagation takes (with the rw/ro column, 79 in all).
const TARGET: usize = 30;
const FSTYPE: usize = 8;
const SOURCE: usize = 15;
const PROPAGATION: usize = 20;
/// Indentation stops deepening here, so a deep tree keeps its targets.
const MAX_INDENT: u16 = 8;

const HEADER: &[u8] = b"TARGET                         FSTYPE   SOURCE          RW PROPAGATION\n";

/// Shows the mount table `plan` asks for on stdout.
pub fn show<'a>(plan: &MountsPlan<'a>) -> Result<'a, ()> {
    let (step, object) = match plan.pid {
        Some((_, text)) => (c"read the mount table of process", text),
        None => (c"read", c"/proc/self/mountinfo"),
    };
    let mut table = mountinfo::read(plan.pid.map(|p| p.0)).map_err(|e| {
        Failure::new(step, object, e)
            .hint_on(Errno::INVAL, Some(c"a line is not in the kernel's format"))
            .hint_on(Errno::FBIG, Some(c"more than 1 MiB of mount table"))
            .hint_on(Errno::TOOBIG, Some(c"more than 16384 mounts"))
            .hint_on(Errno::NOENT, Some(c"no such process"))
    })?;
    if table.entries.is_empty() {
        return Err(Failure::new(step, object, Errno::SRCH).hint(c"no mount table left: the process has exited"));
    }
    let mut out = Writer::new(STDOUT);
    if plan.json {
        json(&mut table, plan.all, &mut out);
    } else {
        tree(&mut table, plan.all, &mut out);
    }
    out.finish().map_err(|e| Failure::new(c"write", c"stdout", e))
}

/// Calls `row` for each mount shown, in tree order, with its depth in the
/// tree shown; marks each entry shown or not. The number hidden.
fn each_shown(table: &mut Table, all: bool, row: &mut dyn FnMut(&Mount, u16)) -> u64 {
    let mut hidden = 0;
    table.walk(|t, i, parent| {
        let depth = parent.and_then(|p| t.entries.get(p)).map_or(0, |p| p.depth + p.mark as u16);
        let Some(m) = t.mount(i) else { return };
        let shown = all || PSEUDO.find(m.fstype()).is_none();
        if let Some(e) = t.entries.get_mut(i) {
            (e.depth, e.mark) = (depth, shown);
        }
        if shown {
            row(&m, depth);
        } else {
            hidden += 1;
        }
    });
    hidden
}

fn tree(table: &mut Table, all: bool, out: &mut Writer) {
    out.bytes(HEADER);
    let hidden = each_shown(table, all, &mut |m, depth| {
        let indent = 2 * depth.min(MAX_INDENT) as usize;
        out.spaces(indent);
        cell(out, &[m.target()], TARGET - indent, true);
        out.byte(b' ');
        cell(out, &[m.fstype()], FSTYPE, true);
        out.byte(b' ');
        cell(out, &source(m), SOURCE, true);
        out.bytes(if read_only(m) { b" ro " } else { b" rw " });
        cell(out, &[if m.optional.is_empty() { b"private" } else { m.optional }], PROPAGATION, false);
        out.byte(b'\n');
    });
    if hidden > 0 {
        out.byte(b'(').dec(hidden).bytes(b" pseudo filesystems not shown: nook mounts --all)\n");
    }
    legend(table, out);
}

/// Each peer group a shown mount is in or receives from, in order: its
/// peers, its slaves, and the group its peers receive from.
fn legend(table: &Table, out: &mut Writer) {
    let mut last = 0;
    loop {
        let mut group = u32::MAX;
        for e in table.entries.iter().filter(|e| e.mark) {
            for g in [e.shared, e.master] {
                if g > last && g < group {
                    group = g;
                }
            }
        }
        if group == u32::MAX {
            return;
        }
        if last == 0 {
            out.bytes(b"\nPeer groups: a mount or unmount on a peer happens on every peer and slave\n");
        }
        last = group;
        out.bytes(b"group ").dec(group as u64);
        match table.entries.iter().find(|e| e.mark && e.shared == group) {
            None => out.bytes(b" (no peer in this mount namespace)"),
            Some(e) if e.master != 0 => out.bytes(b", receives from group ").dec(e.master as u64),
            Some(_) => out,
        };
        out.byte(b'\n');
        for (i, e) in table.entries.iter().enumerate() {
            let role: &[u8] = if !e.mark {
                continue;
            } else if e.shared == group {
                b"  peer  "
            } else if e.master == group {
                b"  slave "
            } else {
                continue;
            };
            if let Some(m) = table.mount(i) {
                out.bytes(role);
                cell(out, &[m.target()], 80 - 1 - role.len(), false);
                out.byte(b'\n');
            }
        }
    }
}

/// findmnt's SOURCE: the source, and the root within its filesystem in
/// brackets when it is not the filesystem's own root (a bind).
fn source<'m>(m: &Mount<'m>) -> [&'m [u8]; 4] {
    if m.root() == b"/" { [m.source(), b"", b"", b""] } else { [m.source(), b"[", m.root(), b"]"] }
}

/// Read-only when the mount or its filesystem is (findmnt's "ro").
fn read_only(m: &Mount) -> bool {
    [m.options(), m.super_options()].iter().any(|o| o.split(|&c| c == b',').any(|w| w == b"ro"))
}

/// The decoded bytes of `parts` in `width` columns, each shown as
/// [`Writer::shown`] does; cut in the middle with "…" when longer, padded
/// with spaces to `width` with `pad`.
fn cell(out: &mut Writer, parts: &[&[u8]], width: usize, pad: bool) {
    let mut total = 0;
    decode(parts, &mut |b| total += shown_width(b));
    let head = if total <= width { total } else { (width - 1) / 2 };
    let tail = width.saturating_sub(head + 1);
    let (mut at, mut used, mut marked) = (0, 0, false);
    decode(parts, &mut |b| {
        let w = shown_width(b);
        // The head, then the mark once, then the tail.
        let mut show = at + w <= head;
        if !show {
            if !marked {
                out.bytes("…".as_bytes());
                (used, marked) = (used + 1, true);
            }
            show = total - at <= tail;
        }
        if show {
            out.shown(b);
            used += w;
        }
        at += w;
    });
    if pad {
        out.spaces(width.saturating_sub(used));
    }
}

fn json(table: &mut Table, all: bool, out: &mut Writer) {
    out.bytes(b"{\"filesystems\": [");
    let mut open: Option<u16> = None;
    each_shown(table, all, &mut |m, depth| {
        match open {
            Some(d) if depth > d => {
                out.bytes(b", \"children\": [");
            }
            Some(d) => {
                out.byte(b'}');
                for _ in depth..d {
                    out.bytes(b"]}");
                }
                out.byte(b',');
            }
            None => {}
        }
        open = Some(depth);
        out.byte(b'\n').spaces(2 * depth as usize + 2);
        string(out, b"{\"target\": \"", &[m.target()]);
        string(out, b"\", \"source\": \"", &source(m));
        string(out, b"\", \"fstype\": \"", &[m.fstype()]);
        // findmnt's OPTIONS: rw or ro, then the other options of the mount
        // and of its filesystem.
        out.bytes(b"\", \"options\": \"").bytes(if read_only(m) { b"ro" } else { b"rw" });
        for options in [m.options(), m.super_options()] {
            for option in options.split(|&c| c == b',') {
                if option != b"rw" && option != b"ro" {
                    string(out, b",", &[option]);
                }
            }
        }
        // findmnt's PROPAGATION.
        out.bytes(b"\", \"propagation\": \"").bytes(if m.shared != 0 { b"shared" } else { b"private" });
        if m.master != 0 {
            out.bytes(b",slave");
        }
        if m.unbindable {
            out.bytes(b",unbindable");
        }
        out.byte(b'"');
    });
    if let Some(d) = open {
        out.byte(b'}');
        for _ in 0..d {
            out.bytes(b"]}");
        }
    }
    out.bytes(b"\n]}\n");
}

/// `before`, then the decoded bytes of `parts` as the inside of a JSON
/// string. Bytes from 0x80 up pass as they are (a UTF-8 name stays
/// itself, as findmnt prints it).
fn string(out: &mut Writer, before: &[u8], parts: &[&[u8]]) {
    out.bytes(before);
    decode(parts, &mut |b| {
        match b {
            b'"' | b'\\' => out.bytes(&[b'\\', b]),
            0..0x20 => out.bytes(b"\\u00").bytes(&[b'0' + (b >> 4), b"0123456789abcdef"[(b & 15) as usize]]),
            _ => out.byte(b),
        };
    });
}
