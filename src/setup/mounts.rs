//! `nook mounts`: a mount table (kernel/mountinfo.rs) shown as a tree, one
//! mount a line with its propagation, and a legend of the peer groups; or
//! as findmnt -J's JSON.
//!
//! The tree fits 80 columns: each column has a width, and a longer name is
//! cut in the middle, marked "…" (a name's own bytes outside printable
//! ASCII, space and backslash included, are shown `\xHH`, so the mark
//! cannot be mistaken for one). Pseudo filesystems ([`PSEUDO`]) are left
//! out unless `--all`; the mounts on them are still shown, one level up.

use crate::base::packed::say;
use crate::base::text::SplitOn;
use crate::base::error::{Failure, Result};
use crate::base::out::{STDOUT, Writer, shown_width};
use crate::kernel::mountinfo::{self, Mount, Table, decode};
use crate::plan::mounts::MountsPlan;
use rustix::io::Errno;

/// The bytes of `text` in a static of the setup segment (build.rs): PID 1
/// never reads them, so they stay out of its pages.
macro_rules! setup_text {
    ($name:ident = $text:expr) => {
        #[cfg_attr(not(any(test, feature = "fuzzing")), unsafe(link_section = ".text.setup.mounts"))]
        static $name: [u8; $text.len()] = crate::base::text::bytes_of($text);
    };
}

// Filesystems of the kernel's own state rather than of anyone's files,
// hidden without `--all`; each ended by a NUL.
setup_text!(PSEUDO = "proc\0sysfs\0cgroup\0cgroup2\0devpts\0mqueue\0debugfs\0tracefs\0securityfs\0pstore\0\
    bpf\0configfs\0fusectl\0hugetlbfs\0autofs\0binfmt_misc\0efivarfs\0selinuxfs\0nsfs\0rpc_pipefs\0");

fn pseudo(fstype: &[u8]) -> bool {
    crate::base::words::listed(&PSEUDO, fstype)
}

/// Column widths: target (with its indent), type, source, and the most
/// the propagation takes (with the rw/ro column, 79 in all).
const TARGET: usize = 30;
const FSTYPE: usize = 8;
const SOURCE: usize = 15;
const PROPAGATION: usize = 20;
/// Indentation stops deepening here, so a deep tree keeps its targets.
const MAX_INDENT: u16 = 8;

setup_text!(HEADER = "TARGET                         FSTYPE   SOURCE          RW PROPAGATION\n");
setup_text!(LEGEND = "\nPeer groups: a mount or unmount on a peer happens on every peer and slave\n");

/// Shows the mount table `plan` asks for on stdout.
pub fn show<'a>(plan: &MountsPlan<'a>) -> Result<'a, ()> {
    // One failure site for both ways the table can be missing.
    let (e, left) = match mountinfo::read(plan.pid.map(|p| p.0)) {
        Ok(mut table) if !table.entries.is_empty() => {
            let mut out = Writer::new(STDOUT);
            render(&mut table, plan.all, plan.json, &mut out);
            return out.finish().map_err(|e| Failure::new(c"write", c"stdout", e));
        }
        Ok(_) => (Errno::SRCH, Some(say!("no mount table left: the process has exited"))),
        Err(e) => (e, None),
    };
    let (step, object) = match plan.pid {
        Some((_, text)) => (say!("read the mount table of process"), text),
        None => (c"read", c"/proc/self/mountinfo"),
    };
    Err(Failure::new(step, object, e)
        .hint_on(Errno::SRCH, left)
        .hint_on(Errno::INVAL, Some(say!("a line is not in the kernel's format")))
        .hint_on(Errno::FBIG, Some(say!("more than 1 MiB of mount table")))
        .hint_on(Errno::TOOBIG, Some(say!("more than 16384 mounts")))
        .hint_on(Errno::NOENT, Some(if plan.pid.is_some() { say!("no such process") } else { say!("no /proc here: mount one (nook --unshare-pid --proc /proc)") })))
}

/// The tree of `table` (or its JSON) into `out`.
pub fn render(table: &mut Table, all: bool, json: bool, out: &mut Writer) {
    if json { self::json(table, all, out) } else { tree(table, all, out) }
}

/// Calls `row` for each mount shown, in tree order, with its depth in the
/// tree shown; marks each entry shown or not. The number hidden.
fn each_shown(table: &mut Table, all: bool, row: &mut dyn FnMut(&Mount, u16)) -> u64 {
    let mut hidden = 0;
    table.walk(|t, i, parent| {
        let depth = parent.and_then(|p| t.entries.get(p)).map_or(0, |p| p.depth + p.mark as u16);
        let Some(m) = t.mount(i) else { return };
        let shown = all || !pseudo(m.fstype());
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
    out.bytes(&HEADER);
    let hidden = each_shown(table, all, &mut |m, depth| {
        let indent = 2 * depth.min(MAX_INDENT) as usize;
        out.spaces(indent);
        cell(out, &[m.target()], TARGET - indent, Cell::Padded);
        cell(out, &[m.fstype()], FSTYPE, Cell::Padded);
        cell(out, &source(m), SOURCE, Cell::Padded);
        out.bytes(if read_only(m) { b"ro " } else { b"rw " });
        cell(out, &[if m.optional.is_empty() { b"private" } else { m.optional }], PROPAGATION, Cell::Words);
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
            if e.shared > last {
                group = group.min(e.shared);
            }
            if e.master > last {
                group = group.min(e.master);
            }
        }
        if group == u32::MAX {
            return;
        }
        if last == 0 {
            out.bytes(&LEGEND);
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
                cell(out, &[m.target()], 80 - 1 - role.len(), Cell::Last);
                out.byte(b'\n');
            }
        }
    }
}

/// findmnt's SOURCE: the source, and the root within its filesystem in
/// brackets when it is not the filesystem's own root (a bind).
// Out of line: inlined into both its callers it took 53 bytes more.
#[inline(never)]
fn source<'m>(m: &Mount<'m>) -> [&'m [u8]; 4] {
    if m.root() == b"/" { [m.source(), b"", b"", b""] } else { [m.source(), b"[", m.root(), b"]"] }
}

/// Read-only when the mount or its filesystem is (findmnt's "ro").
fn read_only(m: &Mount) -> bool {
    [m.options(), m.super_options()].iter().any(|o| o.split_on(b',').any(|w| w == b"ro"))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cell {
    /// Padded with spaces to its width, then the space between columns.
    Padded,
    /// The last of its line.
    Last,
    /// The last, and words the kernel separates with spaces (the
    /// propagation): shown separated with commas.
    Words,
}

/// The decoded bytes of `parts` in `width` columns, each shown as
/// [`Writer::shown`] does; cut in the middle with "…" when longer.
fn cell(out: &mut Writer, parts: &[&[u8]], width: usize, kind: Cell) {
    let words = kind == Cell::Words;
    let mut total = 0;
    decode(parts, &mut |b| total += if b == b' ' && words { 1 } else { shown_width(b) });
    let head = if total <= width { total } else { (width - 1) / 2 };
    let tail = width.saturating_sub(head + 1);
    let (mut at, mut used, mut marked) = (0, 0, false);
    decode(parts, &mut |b| {
        let b = if b == b' ' && words { b',' } else { b };
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
    if kind == Cell::Padded {
        out.spaces(width.saturating_sub(used) + 1);
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
                close(out, d - depth);
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
            for option in options.split_on(b',') {
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
        close(out, d);
    }
    out.bytes(b"\n]}\n");
}

/// Ends a filesystem's object and `levels` of the children around it.
fn close(out: &mut Writer, levels: u16) {
    out.byte(b'}');
    for _ in 0..levels {
        out.bytes(b"]}");
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::mountinfo::Entry;
    use std::io::{Read, Seek};
    use std::os::fd::AsRawFd;

    pub(crate) fn rendered(text: &[u8], all: bool, json: bool) -> String {
        let mut entries = vec![Entry::ZERO; 64];
        let mut table = Table::new(text, &mut entries).unwrap();
        let path = std::env::temp_dir().join(format!("nook-mounts-test.{}.{:?}", std::process::id(), std::thread::current().id()));
        let mut file = std::fs::File::options().read(true).write(true).create(true).truncate(true).open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let mut out = Writer::new(file.as_raw_fd());
        render(&mut table, all, json, &mut out);
        out.finish().unwrap();
        let mut shown = String::new();
        file.rewind().unwrap();
        file.read_to_string(&mut shown).unwrap();
        shown
    }

    const TABLE: &[u8] = b"27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard
22 27 0:21 / /proc rw,nosuid - proc proc rw
30 22 0:30 / /proc/sys/x rw - tmpfs tmpfs rw
28 27 0:25 /src /mnt/a\\040b ro,nosuid master:1 - tmpfs src ro,size=4k
29 28 0:26 / /mnt/a\\040b/t\\011\\012\\134/\"q\" rw shared:4 master:1 - tmpfs none ro
31 27 0:27 / /mnt/long/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/end rw shared:4 unbindable - tmpfs a-very-long-source-name rw
";

    #[test]
    fn the_tree_fits_80_columns_and_names_are_unambiguous() {
        let text = rendered(TABLE, false, false);
        assert_eq!(
            text,
            "TARGET                         FSTYPE   SOURCE          RW PROPAGATION
/                              ext4     /dev/vda        rw shared:1
  /proc/sys/x                  tmpfs    tmpfs           rw private
  /mnt/a\\x20b                  tmpfs    src[/src]       ro master:1
    /mnt/a\\x20b/…\\x0a\\x5c/\"q\"  tmpfs    none            ro shared:4,master:1
  /mnt/long/aaa…aaaaaaaaaa/end tmpfs    a-very-…ce-name rw shared:4,unbindable
(1 pseudo filesystems not shown: nook mounts --all)

Peer groups: a mount or unmount on a peer happens on every peer and slave
group 1
  peer  /
  slave /mnt/a\\x20b
  slave /mnt/a\\x20b/t\\x09\\x0a\\x5c/\"q\"
group 4, receives from group 1
  peer  /mnt/a\\x20b/t\\x09\\x0a\\x5c/\"q\"
  peer  /mnt/long/aaaaaaaaaaaaaaaaaaaaaaaaa…aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/end
"
        );
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "{line:?}");
        }
        let all = rendered(TABLE, true, false);
        assert!(all.contains("\n  /proc                        proc     proc            rw private\n    /proc/sys/x "), "{all}");
        assert!(!all.contains("not shown"));
    }

    #[test]
    fn json_is_findmnts_shape() {
        let text = rendered(TABLE, true, true);
        assert!(text.starts_with("{\"filesystems\": [\n  {\"target\": \"/\", \"source\": \"/dev/vda\", \"fstype\": \"ext4\", \"options\": \"rw,relatime,discard\", \"propagation\": \"shared\", \"children\": ["), "{text}");
        assert!(text.contains("{\"target\": \"/mnt/a b/t\\u0009\\u000a\\\\/\\\"q\\\"\", \"source\": \"none\", \"fstype\": \"tmpfs\", \"options\": \"ro\", \"propagation\": \"shared,slave\"}"), "{text}");
        assert!(text.contains("\"source\": \"src[/src]\", \"fstype\": \"tmpfs\", \"options\": \"ro,nosuid,size=4k\", \"propagation\": \"private,slave\""), "{text}");
        assert!(text.ends_with("\"propagation\": \"shared,unbindable\"}]}\n]}\n"), "{text}");
        let python = std::process::Command::new("python3")
            .args(["-c", "import json,sys; t = json.load(sys.stdin); print(len(t['filesystems'][0]['children']))"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        python.stdin.as_ref().unwrap().write_all(text.as_bytes()).unwrap();
        let parsed = python.wait_with_output().unwrap();
        assert_eq!(String::from_utf8_lossy(&parsed.stdout), "3\n", "{text}");
        // Balanced: the nesting closes exactly.
        assert_eq!(text.matches('[').count(), text.matches(']').count());
        assert_eq!(text.matches('{').count(), text.matches('}').count());
    }
}
