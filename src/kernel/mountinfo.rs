//! /proc/PID/mountinfo: nook's one reader of the mount table, used by the
//! mount(2) fallback (to find the submounts of a recursive change) and by
//! `nook mounts`.
//!
//! The file is read whole into one static buffer (1 MiB, in .bss: its pages
//! are touched only as far as the text goes, and never by PID 1), then
//! every line is checked and indexed before anyone looks at it: a table
//! that does not fit, a truncated line or a line not in the kernel's
//! format is an error, never a partial or wrong tree.
//!
//! A line (proc_pid_mountinfo(5)):
//! `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`:
//! mount id, parent id, device, root within the filesystem, mount point,
//! per-mount options, optional fields up to `-`, filesystem type, source,
//! superblock options. The kernel writes space, tab, newline and backslash
//! in names as `\ooo` (`\040`, `\011`, `\012`, `\134`).

use crate::base::text::SplitOn;
use crate::base::num::parse_u32 as number;
use crate::base::words::{Words, words};
use core::sync::atomic::{AtomicBool, Ordering};
use rustix::io::Errno;

/// The largest mount table read: 1 MiB is some 8,000 mounts.
pub const BUFFER: usize = 1 << 20;
/// The most mounts indexed (a line is at least 30 bytes).
pub const MAX_MOUNTS: usize = 16384;

/// One line of mountinfo. The text fields are as the kernel wrote them,
/// escapes and all: [`decode`] gives their bytes.
#[derive(Clone, Copy)]
pub struct Mount<'a> {
    pub id: u32,
    pub parent: u32,
    /// The text fields by number from the root on (the ids are read as
    /// numbers, the device is not kept), the last three (type, source,
    /// superblock options) at 3 to 5: see the accessors.
    fields: [&'a [u8]; 6],
    /// The optional fields, as written ("shared:1 master:2"; empty when
    /// the mount is private).
    pub optional: &'a [u8],
    /// The peer group it belongs to (`shared:N`), 0 for none.
    pub shared: u32,
    /// The peer group it receives from (`master:N`), 0 for none.
    pub master: u32,
    /// The nearest group it receives from that this namespace sees
    /// (`propagate_from:N`), 0 for none.
    pub from: u32,
    pub unbindable: bool,
}

impl<'a> Mount<'a> {
    /// The root of the mount within its filesystem.
    pub fn root(&self) -> &'a [u8] {
        self.fields[0]
    }
    /// The mount point.
    pub fn target(&self) -> &'a [u8] {
        self.fields[1]
    }
    /// The per-mount options.
    pub fn options(&self) -> &'a [u8] {
        self.fields[2]
    }
    pub fn fstype(&self) -> &'a [u8] {
        self.fields[3]
    }
    pub fn source(&self) -> &'a [u8] {
        self.fields[4]
    }
    pub fn super_options(&self) -> &'a [u8] {
        self.fields[5]
    }
}

/// The optional fields: `shared:N`, `master:N`, `propagate_from:N`, `unbindable`.
const TAGS: Words<u8> = words!["shared" => 0, "master" => 1, "propagate_from" => 2, "unbindable" => 3];

/// A line parsed: its fields, or None when it is not in the kernel's
/// format (a field missing or extra, an id that is not a number, a
/// backslash that does not start a `\ooo` escape, a mount point that is
/// not absolute).
pub fn parse(line: &[u8]) -> Option<Mount<'_>> {
    let mut m = Mount { id: 0, parent: 0, fields: [b""; 6], optional: b"", shared: 0, master: 0, from: 0, unbindable: false };
    // The field's number, that of the "-" that ends the optional fields,
    // where the current field and the optional ones start.
    let (mut n, mut dash, mut start, mut optional_at) = (0, 0, 0, 0);
    let mut i = 0;
    while i <= line.len() {
        match line.get(i) {
            Some(b'\\') => match line.get(i + 1..i + 4)? {
                [b'0'..=b'3', b'0'..=b'7', b'0'..=b'7'] => i += 3,
                _ => return None,
            },
            Some(&c) if c != b' ' => {}
            _ => {
                let field = line.get(start..i)?;
                // Only the source may be empty (a mount(2) source of "").
                if field.is_empty() && (dash == 0 || n != dash + 2) {
                    return None;
                }
                if n == 6 {
                    optional_at = start;
                }
                if dash != 0 || n < 6 {
                    match n {
                        0 => m.id = number(field)?,
                        1 => m.parent = number(field)?,
                        2 => {}
                        _ => *m.fields.get_mut(if dash == 0 { n - 3 } else { n - dash + 2 })? = field,
                    }
                } else if field == b"-" {
                    m.optional = line.get(optional_at..start.saturating_sub(1).max(optional_at)).unwrap_or(b"");
                    dash = n;
                } else {
                    optional(&mut m, field)?;
                }
                n += 1;
                start = i + 1;
            }
        }
        i += 1;
    }
    (dash != 0 && n == dash + 4 && m.id != 0 && m.target().first() == Some(&b'/')).then_some(m)
}

/// One optional field into `m`: None for a known tag with a bad number.
fn optional(m: &mut Mount, field: &[u8]) -> Option<()> {
    let colon = field.iter().position(|&c| c == b':').unwrap_or(field.len());
    let value = field.get(colon + 1..).unwrap_or(b"");
    let slot = match TAGS.find(field.get(..colon)?) {
        Some(0) => &mut m.shared,
        Some(1) => &mut m.master,
        Some(2) => &mut m.from,
        Some(_) => {
            m.unbindable = true;
            return Some(());
        }
        // A field a later kernel may add.
        None => return Some(()),
    };
    *slot = number(value)?;
    Some(())
}

/// Calls `f` with each byte of `fields`, their `\ooo` escapes decoded
/// (every backslash of a parsed field starts one: see [`parse`]).
#[inline(never)]
pub fn decode(fields: &[&[u8]], f: &mut dyn FnMut(u8)) {
    for field in fields {
        let mut i = 0;
        while let Some(&b) = field.get(i) {
            i += 1;
            match field.get(i..i + 3) {
                Some(&[x, y, z]) if b == b'\\' => {
                    f((x.wrapping_sub(b'0') << 6) | (y.wrapping_sub(b'0') << 3) | z.wrapping_sub(b'0'));
                    i += 3;
                }
                _ => f(b),
            }
        }
    }
}

/// What the index keeps of each line; `mark` and `depth` are the caller's.
#[derive(Clone, Copy)]
pub struct Entry {
    pub id: u32,
    pub parent: u32,
    pub shared: u32,
    pub master: u32,
    /// Where its line starts in the text, and its length (without the
    /// newline).
    at: u32,
    len: u32,
    pub depth: u16,
    pub mark: bool,
    visited: bool,
}

impl Entry {
    pub const ZERO: Entry = Entry { id: 0, parent: 0, shared: 0, master: 0, at: 0, len: 0, depth: 0, mark: false, visited: false };
}

/// Checks every line of `text` and indexes it into `entries`: the number
/// of mounts; EINVAL for a line not in the kernel's format (a text that
/// does not end with a newline was cut short) or two mounts of one id,
/// E2BIG for more mounts than `entries` holds.
pub fn index(text: &[u8], entries: &mut [Entry]) -> Result<usize, Errno> {
    if text.last().is_some_and(|&c| c != b'\n') {
        return Err(Errno::INVAL);
    }
    let mut count = 0;
    let mut at = 0;
    for line in text.split_on(b'\n') {
        if at == text.len() {
            break;
        }
        let m = parse(line).ok_or(Errno::INVAL)?;
        if entries[..count].iter().any(|e| e.id == m.id) {
            return Err(Errno::INVAL);
        }
        let slot = entries.get_mut(count).ok_or(Errno::TOOBIG)?;
        *slot = Entry { id: m.id, parent: m.parent, shared: m.shared, master: m.master, at: at as u32, len: line.len() as u32, ..Entry::ZERO };
        count += 1;
        at += line.len() + 1;
    }
    Ok(count)
}

/// A mount table, checked and indexed: the text and one entry per line.
pub struct Table<'t> {
    text: &'t [u8],
    pub entries: &'t mut [Entry],
}

static mut TEXT: [u8; BUFFER] = [0; BUFFER];
static mut ENTRIES: [Entry; MAX_MOUNTS] = [Entry::ZERO; MAX_MOUNTS];
/// Whether a [`Table`] over the static buffers is alive.
static IN_USE: AtomicBool = AtomicBool::new(false);

/// A table over the static buffers: the one a reader uses, released when
/// it is dropped.
pub struct Snapshot(Table<'static>);

impl core::ops::Deref for Snapshot {
    type Target = Table<'static>;
    fn deref(&self) -> &Table<'static> {
        &self.0
    }
}

impl core::ops::DerefMut for Snapshot {
    fn deref_mut(&mut self) -> &mut Table<'static> {
        &mut self.0
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        IN_USE.store(false, Ordering::Release);
    }
}

/// Reads /proc/PID/mountinfo (/proc/self/mountinfo for None) into the
/// static buffer and indexes it. EFBIG when the text fills the buffer
/// (so it may go on), EBUSY while another snapshot is alive; and
/// [`index`]'s errors.
pub fn read(pid: Option<i32>) -> Result<Snapshot, Errno> {
    if IN_USE.swap(true, Ordering::Acquire) {
        return Err(Errno::BUSY);
    }
    // SAFETY: IN_USE was false, so no reference to the buffers is alive;
    // the one made here lives in the Snapshot, which clears IN_USE when
    // it goes (and on the error paths, below).
    let (text, entries) = unsafe { (&mut *core::ptr::addr_of_mut!(TEXT), &mut *core::ptr::addr_of_mut!(ENTRIES)) };
    match fill(pid, text, entries) {
        Ok(table) => Ok(Snapshot(table)),
        Err(e) => {
            IN_USE.store(false, Ordering::Release);
            Err(e)
        }
    }
}

/// [`read`]'s reading and indexing, into the static buffers.
fn fill(pid: Option<i32>, text: &'static mut [u8], entries: &'static mut [Entry]) -> Result<Table<'static>, Errno> {
    let text = super::procfs::read_file(super::procfs::proc_file(pid, b"/mountinfo").as_cstr()?, text)?;
    if text.len() == BUFFER {
        return Err(Errno::FBIG);
    }
    let count = index(text, entries)?;
    Ok(Table { text, entries: entries.get_mut(..count).unwrap_or_default() })
}

impl<'t> Table<'t> {
    pub fn new(text: &'t [u8], entries: &'t mut [Entry]) -> Result<Self, Errno> {
        let count = index(text, entries)?;
        Ok(Table { text, entries: &mut entries[..count] })
    }

    /// The mount of entry `i` (checked when indexed).
    pub fn mount(&self, i: usize) -> Option<Mount<'t>> {
        let text: &'t [u8] = self.text;
        let e = self.entries.get(i)?;
        parse(text.get(e.at as usize..)?.get(..e.len as usize)?)
    }

    /// The entry of mount `id`.
    pub fn find(&self, id: u32) -> Option<usize> {
        self.entries.iter().position(|e| e.id == id)
    }

    /// Calls `visit(table, i, parent)` for every mount in tree order: a
    /// mount, then each mount on it in table order, depth first; `parent`
    /// is the entry it was reached from (None for a root: a mount whose
    /// parent is not in the table, or is itself). Every mount is visited
    /// once: any left over (a cycle, in a table that is not the kernel's)
    /// is visited as a root of its own. No recursion and no stack: the way
    /// back up is the parent id.
    pub fn walk(&mut self, mut visit: impl FnMut(&mut Self, usize, Option<usize>)) {
        for e in self.entries.iter_mut() {
            e.visited = false;
        }
        for pass in 0..2 {
            for start in 0..self.entries.len() {
                let e = self.entries[start];
                if e.visited || (pass == 0 && self.find(e.parent).is_some_and(|p| p != start)) {
                    continue;
                }
                // One visit for the root and its descendants alike (each
                // site cost a call).
                let (mut at, mut from) = (start, None);
                'visit: loop {
                    if let Some(e) = self.entries.get_mut(at) {
                        e.visited = true;
                    }
                    visit(self, at, from);
                    loop {
                        let id = self.entries.get(at).map_or(0, |e| e.id);
                        match self.entries.iter().position(|c| !c.visited && c.parent == id) {
                            Some(child) => {
                                (at, from) = (child, Some(at));
                                continue 'visit;
                            }
                            None if at == start => break 'visit,
                            None => at = self.entries.get(at).and_then(|e| self.find(e.parent)).unwrap_or(start),
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &[u8] = b"22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard
28 27 0:25 /src /mnt/a\\040b ro,nosuid master:1 propagate_from:3 - tmpfs wei\\040rd ro,size=4k
29 28 0:26 / /mnt/a\\040b/t\\011\\012\\134 rw shared:4 master:1 unbindable - tmpfs  rw
";

    fn decoded(field: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        decode(&[field], &mut |b| out.push(b));
        out
    }

    fn table(text: &[u8]) -> Result<usize, Errno> {
        index(text, &mut [Entry::ZERO; 8])
    }

    #[test]
    fn parses_every_field_and_propagation() {
        let mut entries = [Entry::ZERO; 8];
        let t = Table::new(HOST, &mut entries).unwrap();
        assert_eq!(t.entries.len(), 4);
        let m = t.mount(2).unwrap();
        assert_eq!((m.id, m.parent, m.root(), m.target()), (28, 27, &b"/src"[..], &br"/mnt/a\040b"[..]));
        assert_eq!((m.options(), m.fstype(), m.source(), m.super_options()), (&b"ro,nosuid"[..], &b"tmpfs"[..], &br"wei\040rd"[..], &b"ro,size=4k"[..]));
        assert_eq!((m.shared, m.master, m.from, m.unbindable, m.optional), (0, 1, 3, false, &b"master:1 propagate_from:3"[..]));
        let m = t.mount(3).unwrap();
        assert_eq!((m.shared, m.master, m.unbindable, m.source()), (4, 1, true, &b""[..]));
        assert_eq!(decoded(m.target()), b"/mnt/a b/t\t\n\\");
        let m = t.mount(0).unwrap();
        assert_eq!((m.shared, m.master, m.optional), (0, 0, &b""[..]));
    }

    #[test]
    fn decodes_octal_escapes_only() {
        assert_eq!(decoded(br"/a\040b\134c\011"), b"/a b\\c\t");
        assert_eq!(decoded(br"/x\"), br"/x\");
    }

    #[test]
    fn refuses_truncated_and_garbled_tables() {
        assert_eq!(table(HOST), Ok(4));
        assert_eq!(table(b""), Ok(0));
        // Cut anywhere but after a newline: an error, never fewer mounts.
        for cut in 1..HOST.len() {
            let r = table(&HOST[..cut]);
            if HOST[cut - 1] == b'\n' {
                assert_eq!(r, Ok(HOST[..cut].iter().filter(|&&c| c == b'\n').count()), "{cut}");
            } else {
                assert_eq!(r, Err(Errno::INVAL), "cut at {cut}");
            }
        }
        for bad in [
            &b"garbage\n"[..],
            b"\n",
            b"22 27 0:21 / /proc rw,relatime proc proc rw\n",
            b"22 27 0:21 / /proc rw,relatime - proc proc rw extra\n",
            b"x 27 0:21 / /proc rw - proc proc rw\n",
            b"0 27 0:21 / /proc rw - proc proc rw\n",
            b"22 27 0:21 / proc rw - proc proc rw\n",
            b"22 27 0:21 / /pr\\oc rw - proc proc rw\n",
            b"22 27 0:21 / /pr\\400 rw - proc proc rw\n",
            b"22 27 0:21 / /proc rw shared:x - proc proc rw\n",
            b"22 27 0:21 / /proc rw shared:99999999999 - proc proc rw\n",
            b"22 27 0:21 / /proc rw -  proc rw\n",
            b"22 27 0:21 / /a rw - proc proc rw\n22 27 0:21 / /b rw - proc proc rw\n",
        ] {
            assert_eq!(table(bad), Err(Errno::INVAL), "{:?}", String::from_utf8_lossy(bad));
        }
        let many: Vec<u8> = (1..=9).flat_map(|i| format!("{i} 1 0:1 / /m{i} rw - tmpfs t rw\n").into_bytes()).collect();
        assert_eq!(table(&many), Err(Errno::TOOBIG));
    }

    fn order(text: &[u8]) -> Vec<(u32, Option<u32>)> {
        let mut entries = [Entry::ZERO; 8];
        let mut t = Table::new(text, &mut entries).unwrap();
        let mut seen = Vec::new();
        t.walk(|t, i, parent| seen.push((t.entries[i].id, parent.map(|p| t.entries[p].id))));
        seen
    }

    #[test]
    fn walks_the_tree_depth_first_in_table_order() {
        assert_eq!(order(HOST), [(27, None), (22, Some(27)), (28, Some(27)), (29, Some(28))]);
        // A moved mount listed before its parent, a root that is its own
        // parent, and a cycle no root reaches: each mount exactly once.
        let text = b"5 3 0:1 / /a/b rw - t t rw\n3 3 0:1 / / rw - t t rw\n4 3 0:1 / /a rw - t t rw\n7 8 0:1 / /x rw - t t rw\n8 7 0:1 / /y rw - t t rw\n";
        assert_eq!(order(text), [(3, None), (5, Some(3)), (4, Some(3)), (7, None), (8, Some(7))]);
    }
}
