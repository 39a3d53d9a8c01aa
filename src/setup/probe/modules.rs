//! /etc/nook/modules, the initramfs's module list, and module names as
//! modprobe compares them.
//!
//! The list holds one absolute path of a module file per line, in load
//! order (scripts/mkinitramfs writes it with each module's dependencies
//! before it). Blank lines and lines starting with `#` are skipped; spaces
//! and tabs around a path are not part of it.

use crate::base::packed::say;
use crate::base::text::{Pieces, SplitOn};

/// How a module file is compressed, from its name. The kernel decompresses
/// itself with finit_module's MODULE_INIT_COMPRESSED_FILE (Linux 6.4, with
/// CONFIG_MODULE_DECOMPRESS and the matching algorithm built in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Xz,
    Zstd,
}

/// What may follow a module file's last `.ko`: nothing, or the suffix
/// of its compression (none of them holds a `.ko`, so the last one is
/// the suffix's). A word table, where a table of whole suffixes cost 24
/// bytes of pointer, length and value each.
const COMPRESSIONS: crate::base::words::Words<Compression> = crate::base::words::words![
    "" => Compression::None, ".gz" => Compression::Gzip, ".xz" => Compression::Xz, ".zst" => Compression::Zstd,
];

/// One module of the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Module<'a> {
    /// The file, as written in the list (absolute).
    pub path: &'a [u8],
    /// The module's name: the file name without its suffix, as written
    /// (compare it with [`name_eq`]).
    pub name: &'a [u8],
    pub compression: Compression,
}

/// What is wrong with a line of the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListError<'a> {
    /// The path does not start with `/`.
    NotAbsolute { line: usize, text: &'a [u8] },
    /// The file name does not end in .ko, .ko.gz, .ko.xz or .ko.zst.
    NotAModule { line: usize, text: &'a [u8] },
}

impl ListError<'_> {
    /// The line (from 1) and the text of it, for the error message.
    pub fn line(&self) -> (usize, &[u8]) {
        match *self {
            ListError::NotAbsolute { line, text } | ListError::NotAModule { line, text } => (line, text),
        }
    }

    /// What is wrong, in words.
    pub fn reason(&self) -> &'static core::ffi::CStr {
        match self {
            ListError::NotAbsolute { .. } => say!("a module path must be absolute"),
            ListError::NotAModule { .. } => say!("a module file name ends in .ko, .ko.gz, .ko.xz or .ko.zst"),
        }
    }
}

/// The modules of a list's text, in order; an iterator of results, so a
/// caller reports the first bad line with its number.
pub fn list(text: &[u8]) -> ModuleList<'_> {
    ModuleList { lines: text.split_on(b'\n'), line: 0 }
}

/// The iterator [`list`] returns.
pub struct ModuleList<'a> {
    /// The lines (through the shared splitter).
    lines: Pieces<'a>,
    line: usize,
}

impl<'a> Iterator for ModuleList<'a> {
    type Item = Result<Module<'a>, ListError<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        for line in self.lines.by_ref() {
            self.line += 1;
            match trim(line) {
                [] | [b'#', ..] => continue,
                line => return Some(module(line, self.line)),
            }
        }
        None
    }
}

/// One line's module, or what is wrong with it.
fn module(path: &[u8], line: usize) -> Result<Module<'_>, ListError<'_>> {
    if path.first() != Some(&b'/') {
        return Err(ListError::NotAbsolute { line, text: path });
    }
    let file = basename(path);
    // The name before the last `.ko` (not empty), and the suffix after it.
    if let Some(dot) = file.windows(3).rposition(|w| w == b".ko").filter(|&dot| dot > 0)
        && let (Some(name), Some(rest)) = (file.get(..dot), file.get(dot + 3..))
        && let Some(compression) = COMPRESSIONS.find(rest)
    {
        return Ok(Module { path, name, compression });
    }
    Err(ListError::NotAModule { line, text: path })
}

/// The last component of a path.
fn basename(path: &[u8]) -> &[u8] {
    match path.iter().rposition(|&b| b == b'/') {
        Some(slash) => path.get(slash + 1..).unwrap_or_default(),
        None => path,
    }
}

/// A line without the spaces, tabs and carriage return around it.
fn trim(mut line: &[u8]) -> &[u8] {
    while let [b' ' | b'\t' | b'\r', rest @ ..] = line {
        line = rest;
    }
    while let [rest @ .., b' ' | b'\t' | b'\r'] = line {
        line = rest;
    }
    line
}

/// True when two module names are the same module: the kernel names a
/// module after its file with every `-` turned into `_` (KBUILD_MODNAME),
/// and modprobe compares names the same way, so `virtio-blk` is
/// `virtio_blk`.
pub fn name_eq(a: &[u8], b: &[u8]) -> bool {
    let fold = |c: u8| if c == b'-' { b'_' } else { c };
    a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| fold(x) == fold(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modules(text: &[u8]) -> Vec<Result<Module<'_>, ListError<'_>>> {
        list(text).collect()
    }

    #[test]
    fn a_list_gives_each_module_in_order_with_its_name_and_compression() {
        let text = b"/lib/modules/6.1.0/kernel/drivers/virtio/virtio_ring.ko\n\
                     /lib/modules/6.1.0/kernel/fs/ext4/ext4.ko.zst\n\
                     /lib/modules/6.1.0/kernel/crypto/crc32c-generic.ko.xz\n\
                     /m/zlib.ko.gz";
        let got: Vec<_> = modules(text).into_iter().map(Result::unwrap).collect();
        let names: Vec<&[u8]> = got.iter().map(|m| m.name).collect();
        assert_eq!(names, [&b"virtio_ring"[..], b"ext4", b"crc32c-generic", b"zlib"]);
        let kinds: Vec<_> = got.iter().map(|m| m.compression).collect();
        assert_eq!(kinds, [Compression::None, Compression::Zstd, Compression::Xz, Compression::Gzip]);
        assert_eq!(got[1].path, b"/lib/modules/6.1.0/kernel/fs/ext4/ext4.ko.zst");
    }

    #[test]
    fn blank_lines_comments_and_surrounding_blanks_are_not_modules() {
        let text = b"\n# the storage\n  /a/virtio_blk.ko\t\r\n\r\n\t#indented comment\n/b/ext4.ko\n\n";
        let got: Vec<_> = modules(text).into_iter().map(|m| m.unwrap().path).collect();
        assert_eq!(got, [&b"/a/virtio_blk.ko"[..], b"/b/ext4.ko"]);
        assert!(modules(b"").is_empty());
        assert!(modules(b"\n\n# only comments\n").is_empty());
    }

    #[test]
    fn a_bad_line_is_reported_with_its_number() {
        let got = modules(b"/a/ok.ko\n\nvirtio_blk.ko\n");
        assert_eq!(got[1], Err(ListError::NotAbsolute { line: 3, text: b"virtio_blk.ko" }));
        assert_eq!(got[1].unwrap_err().line(), (3, &b"virtio_blk.ko"[..]));
        let got = modules(b"/a/ext4.o\n/a/.ko\n/a/b.ko.bz2");
        assert_eq!(got[0], Err(ListError::NotAModule { line: 1, text: b"/a/ext4.o" }));
        assert_eq!(got[1], Err(ListError::NotAModule { line: 2, text: b"/a/.ko" }));
        assert_eq!(got[2], Err(ListError::NotAModule { line: 3, text: b"/a/b.ko.bz2" }));
        assert!(got[2].unwrap_err().reason().to_str().unwrap().contains(".ko.zst"));
    }

    #[test]
    fn module_names_treat_dash_and_underscore_alike() {
        assert!(name_eq(b"virtio-blk", b"virtio_blk"));
        assert!(name_eq(b"crc32c_generic", b"crc32c-generic"));
        assert!(name_eq(b"ext4", b"ext4"));
        assert!(!name_eq(b"ext4", b"ext3"));
        assert!(!name_eq(b"virtio_blk", b"virtio_blk2"));
        assert!(!name_eq(b"Ext4", b"ext4"));
    }
}
