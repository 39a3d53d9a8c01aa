//! Test helpers: disk images made by the real tools (mke2fs, mkfs.xfs,
//! mkfs.btrfs, sfdisk) in a temporary directory, and blkid's or partx's
//! view of them, the oracle each reader is checked against. No root, no
//! loop device, no mount: every tool here works on a plain file.
//! scripts/test installs the tools (e2fsprogs, xfsprogs, btrfs-progs,
//! fdisk, util-linux); a missing one fails the test, never skips it.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("nook-boot-{name}.{}.{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Runs a tool; panics with its output when it fails or is missing.
pub fn run(program: &str, args: &[&str]) -> String {
    run_with_input(program, args, None)
}

/// Runs a tool with `input` on its stdin.
pub fn run_with_input(program: &str, args: &[&str], input: Option<&str>) -> String {
    use std::io::Write;
    use std::process::Stdio;
    let path = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        .iter()
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!("{program} is not installed: scripts/test installs e2fsprogs xfsprogs btrfs-progs fdisk util-linux")
        });
    let mut child = Command::new(&path)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    if let Some(text) = input {
        stdin.write_all(text.as_bytes()).unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A sparse file of `size` bytes.
pub fn sparse_file(path: &Path, size: u64) {
    fs::File::create(path).unwrap().set_len(size).unwrap();
}

/// The first `len` bytes of a file (fewer if it is smaller).
pub fn head(path: &Path, len: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(len);
    fs::File::open(path).unwrap().take(len as u64).read_to_end(&mut bytes).unwrap();
    bytes
}

/// blkid's low-level probe of an image (`blkid -p -o export`), as a map:
/// TYPE, UUID, LABEL, ... (export's backslash escapes undone). Empty when
/// blkid finds nothing.
pub fn blkid(path: &Path) -> HashMap<String, String> {
    let out = Command::new("blkid").args(["-p", "-o", "export"]).arg(path).output().expect("blkid (util-linux)");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_owned(), unescape(v)))
        .collect()
}

/// `my\ root` as `my root`: export escapes each special byte with `\`.
fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' { chars.next().unwrap_or('\\') } else { c });
    }
    out
}
