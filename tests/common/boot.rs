//! The qemu boot harness for the initramfs tests: root images, initramfs
//! images and TCG boots, through scripts/boot-harness and
//! scripts/mkinitramfs (which scripts/bench-boot calls too).
//!
//! A test builds an [`Image`] (ext4, xfs or btrfs, bare or in partition 1
//! of a GPT or MBR disk), an initramfs ([`initramfs`]), boots them with a
//! kernel command line ([`boot`]) and reads the root's marker line
//! ([`Boot::marker`]). Boots run one at a time (two TCG guests on this
//! machine's two cores would each take twice as long) and each is killed
//! after [`TIMEOUT`]. Everything lives in `/tmp/nook-boot-it.PID`; the
//! directories of test binaries that are gone are removed on the next run.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// No boot may take longer; scripts/boot-harness kills qemu then.
pub const TIMEOUT_SECS: u32 = 60;
/// The start of the line the root image's /sbin/init prints.
pub const MARKER: &str = "NOOK-BOOT-MARKER";

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn script(name: &str) -> PathBuf {
    repo().join("scripts").join(name)
}

/// Runs a command; panics with its stderr when it fails. Returns stdout.
fn run(command: &mut Command) -> String {
    let out = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?}: {}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What every boot of this test binary shares, set up once.
pub struct Harness {
    /// `/tmp/nook-boot-it.PID`.
    pub dir: PathBuf,
    /// The busybox rootfs the root images are made from.
    pub rootfs: PathBuf,
    /// The guest kernel's version (scripts/guest-kernel).
    pub kernel: String,
}

/// The harness, set up on first use: the guest kernel installed, the
/// rootfs built, stale directories of earlier runs removed.
pub fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        remove_stale_dirs();
        let dir = PathBuf::from(format!("/tmp/nook-boot-it.{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let kernel = run(&mut Command::new(script("guest-kernel"))).trim().to_owned();
        let rootfs = dir.join("rootfs");
        run(Command::new(script("mkrootfs")).arg("--owner").arg("0:0").arg(&rootfs));
        Harness { dir, rootfs, kernel }
    })
}

/// Removes `/tmp/nook-boot-it.PID` of every PID that no longer runs.
fn remove_stale_dirs() {
    let Ok(entries) = fs::read_dir("/tmp") else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix("nook-boot-it.").and_then(|p| p.parse::<u32>().ok())
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// A unique file name in the harness's directory.
fn fresh_path(stem: &str) -> PathBuf {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    harness().dir.join(format!("{stem}.{}", COUNT.fetch_add(1, Ordering::Relaxed)))
}

/// A root filesystem type the harness can build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fs {
    Ext4,
    Xfs,
    Btrfs,
}

impl Fs {
    pub fn name(self) -> &'static str {
        match self {
            Fs::Ext4 => "ext4",
            Fs::Xfs => "xfs",
            Fs::Btrfs => "btrfs",
        }
    }
}

/// A partition table around the filesystem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Gpt,
    Dos,
}

/// A root image on disk; removed when dropped.
#[derive(Debug)]
pub struct Image {
    pub path: PathBuf,
    pub fs: Fs,
    pub uuid: String,
    pub label: String,
    /// With a table: partition 1's PARTUUID as blkid prints it.
    pub partuuid: Option<String>,
}

impl Drop for Image {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Builds a root image of `fs`, in partition 1 of `table` if given.
pub fn image(fs: Fs, table: Option<Table>) -> Image {
    let path = fresh_path(&format!("{}.img", fs.name()));
    let mut command = Command::new(script("boot-harness"));
    command.arg("image").arg(&path).args(["--fs", fs.name()]).arg("--rootfs").arg(&harness().rootfs);
    match table {
        Some(Table::Gpt) => command.args(["--table", "gpt"]),
        Some(Table::Dos) => command.args(["--table", "dos"]),
        None => &mut command,
    };
    let out = run(&mut command);
    let field = |key: &str| out.lines().find_map(|line| line.strip_prefix(key)?.strip_prefix('=')).map(str::to_owned);
    Image {
        path,
        fs,
        uuid: field("UUID").expect("boot-harness printed no UUID="),
        label: field("LABEL").expect("boot-harness printed no LABEL="),
        partuuid: field("PARTUUID"),
    }
}

/// What goes to /init in an initramfs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Init {
    /// The built nook binary.
    Nook,
    /// scripts/baseline-init, the busybox baseline.
    Baseline,
}

/// An initramfs with `init` as /init and `modules` (and their
/// dependencies), gzip-compressed; built once per (init, modules).
pub fn initramfs(init: Init, modules: &[&str]) -> PathBuf {
    static BUILT: Mutex<Vec<(Init, String, PathBuf)>> = Mutex::new(Vec::new());
    let list = modules.join(",");
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, _, path)) = built.iter().find(|(i, l, _)| *i == init && *l == list) {
        return path.clone();
    }
    let path = fresh_path("initramfs.img");
    let mut command = Command::new(script("mkinitramfs"));
    command.arg(&path).args(["--kernel", &harness().kernel, "--modules", &list]);
    if init == Init::Baseline {
        command.arg("--busybox-baseline");
    } else {
        command.arg("--nook").arg(env!("CARGO_BIN_EXE_nook"));
    }
    run(&mut command);
    built.push((init, list, path.clone()));
    path
}

/// One boot's outcome.
#[derive(Debug)]
pub struct Boot {
    /// The whole console, kernel log included.
    pub console: String,
    /// boot-harness's status: qemu's, or 124 on the timeout.
    pub status: i32,
    /// boot-harness's summary line (seconds to the marker and to exit).
    pub summary: String,
}

/// Boots the guest kernel with `initrd` and `image` as /dev/vda, command
/// line `console=ttyS0 panic=-1 APPEND`; returns once qemu has exited or
/// was killed after [`TIMEOUT_SECS`].
pub fn boot(initrd: &Path, image: &Image, append: &str) -> Boot {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let out = Command::new(script("boot-harness"))
        .arg("boot")
        .arg("--initrd")
        .arg(initrd)
        .arg("--image")
        .arg(&image.path)
        .args(["--append", append, "--kernel", &harness().kernel, "--timeout", &TIMEOUT_SECS.to_string()])
        .output()
        .expect("scripts/boot-harness");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let summary = stderr.lines().filter(|l| l.starts_with("boot-harness:")).collect::<Vec<_>>().join("\n");
    Boot {
        console: String::from_utf8_lossy(&out.stdout).replace('\r', ""),
        status: out.status.code().unwrap_or(-1),
        summary: if summary.is_empty() { stderr } else { summary },
    }
}

/// The marker line's fields.
#[derive(Debug, PartialEq, Eq)]
pub struct Marker {
    pub pid: String,
    /// readlink /proc/1/exe.
    pub exe: String,
    /// st_dev of /proc/1/exe and of /: equal when PID 1 runs the root's
    /// own busybox.
    pub exe_dev: String,
    pub root_dev: String,
    /// The image's /etc/nook-image: its filesystem type.
    pub image: String,
    /// The root's mount options in /proc/mounts.
    pub root_opts: String,
    /// The root init's arguments, space-separated.
    pub args: String,
}

impl Boot {
    /// The marker line's fields, or None when no marker was printed.
    pub fn marker(&self) -> Option<Marker> {
        let line = self.console.lines().find(|l| l.starts_with(MARKER))?;
        let field = |key: &str| {
            let start = line.find(&format!(" {key}="))? + key.len() + 2;
            let rest = &line[start..];
            let end = if key == "args" { rest.find(']')? + 1 } else { rest.find(' ').unwrap_or(rest.len()) };
            Some(rest[..end].to_owned())
        };
        let args = field("args")?;
        Some(Marker {
            pid: field("pid")?,
            exe: field("exe")?,
            exe_dev: field("exe-dev")?,
            root_dev: field("root-dev")?,
            image: field("image")?,
            root_opts: field("root-opts")?,
            args: args.trim_start_matches('[').trim_end_matches(']').to_owned(),
        })
    }

    /// Asserts that `image` was booted: its init printed the marker as
    /// PID 1, running the root's own busybox, and the guest powered off
    /// (no timeout). Returns the marker.
    pub fn assert_booted(&self, image: &Image) -> Marker {
        let marker = self.marker().unwrap_or_else(|| panic!("no marker line\n{}\n{}", self.summary, self.console));
        assert_eq!(marker.pid, "1", "the root's init is not PID 1\n{}", self.console);
        assert_eq!(marker.exe_dev, marker.root_dev, "PID 1 does not run the root's own binary: {marker:?}");
        assert_eq!(marker.image, image.fs.name(), "another image was booted: {marker:?}");
        assert_eq!(self.status, 0, "qemu did not exit cleanly\n{}", self.summary);
        marker
    }

    /// True when a console line contains `text`.
    pub fn has_line(&self, text: &str) -> bool {
        self.console.lines().any(|l| l.contains(text))
    }
}

/// A copy of `initrd` with a second, uncompressed newc archive appended
/// that holds `files` (path without the leading /, contents; a path that
/// ends in / is a directory): the kernel unpacks both in turn, and a later
/// file replaces an earlier one. Lets a test change /etc/nook/modules
/// without another mkinitramfs.
pub fn with_files(initrd: &Path, files: &[(&str, &[u8])]) -> PathBuf {
    fn record(out: &mut Vec<u8>, ino: u32, mode: u32, name: &str, data: &[u8]) {
        let name = format!("{name}\0");
        let fields = [ino, mode, 0, 0, 1, 0, data.len() as u32, 0, 0, 0, 0, name.len() as u32, 0];
        out.extend_from_slice(b"070701");
        for field in fields {
            out.extend_from_slice(format!("{field:08X}").as_bytes());
        }
        out.extend_from_slice(name.as_bytes());
        out.resize(out.len().next_multiple_of(4), 0);
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    let mut bytes = fs::read(initrd).unwrap();
    bytes.resize(bytes.len().next_multiple_of(4), 0);
    for (i, (name, data)) in files.iter().enumerate() {
        match name.strip_suffix('/') {
            Some(dir) => record(&mut bytes, 1000 + i as u32, 0o040755, dir, b""),
            None => record(&mut bytes, 1000 + i as u32, 0o100644, name, data),
        }
    }
    record(&mut bytes, 0, 0, "TRAILER!!!", b"");
    let path = fresh_path("initramfs-plus.img");
    fs::write(&path, bytes).unwrap();
    path
}
