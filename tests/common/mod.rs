//! Shared helpers for nook's black-box integration tests.
//!
//! The tests run the built binary, never the library, as two callers:
//!
//! * `Who::Root`: the test process itself (the suite must run as root);
//! * `Who::User`: the unprivileged `container-user`, through
//!   `su container-user -s /bin/sh -c '...'`.
//!
//! container-user cannot read root's checkout, so the first test of each test
//! binary stages a world-readable directory `/tmp/nook-it.PID.NANOS` holding a
//! copy of the binary and a busybox rootfs (see [`world`]).
//!
//! Every run goes through [`Run::run`], which snapshots the host's
//! /proc/self/mountinfo before and after and fails the test unless the two are
//! byte-identical: nook must never change the caller's mount table, whether the
//! run succeeds or fails.
#![allow(dead_code)]

pub mod helper;

use std::fmt;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt, chown, symlink};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The unprivileged user the tests run nook as.
pub const USER: &str = "container-user";
/// PATH given to every run, as root and as container-user alike.
pub const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// No single run may take longer than this; a hung run is killed and fails.
pub const TIMEOUT: Duration = Duration::from_secs(60);
/// Exit status of nook's own failures (usage, setup).
pub const NOOK_FAILED: i32 = 125;

/// Who runs nook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    Root,
    User,
}

impl fmt::Display for Who {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Who::Root => f.write_str("root"),
            Who::User => f.write_str(USER),
        }
    }
}

/// Generate `mod NAME { #[test] fn as_root(); #[test] fn as_user(); }` for each
/// `fn NAME(who: Who)` in scope, so every behaviour runs for both callers.
/// (Declare the module with `#[macro_use] mod common;`.) A NAME may have
/// attributes, e.g. `#[cfg(feature = "run")] NAME` for a behaviour that
/// needs a role not in every build.
macro_rules! both {
    ($($(#[$attr:meta])* $name:ident),* $(,)?) => {
        $(
            $(#[$attr])*
            mod $name {
                #[test]
                fn as_root() {
                    super::$name($crate::common::Who::Root)
                }
                #[test]
                fn as_user() {
                    super::$name($crate::common::Who::User)
                }
            }
        )*
    };
}

/// What the tests share, set up once per test binary by [`world`].
pub struct World {
    /// `/tmp/nook-it.PID.NANOS`, mode 0755, owned by root.
    pub staging: PathBuf,
    /// The nook binary under test, copied into `staging`.
    pub nook: PathBuf,
    /// A busybox rootfs, owned by root and world-readable. Tests must not write
    /// into it: use `--tmpfs` for anything that needs writing.
    pub rootfs: PathBuf,
    /// The names in `rootfs`'s top directory, sorted.
    pub rootfs_entries: Vec<String>,
    /// A host file (world-readable) that a container with `--root` must never
    /// see unless it is bound in. Its content is [`MARKER_TEXT`].
    pub marker: PathBuf,
    /// container-user's uid and gid.
    pub uid: u32,
    pub gid: u32,
    /// container-user's subordinate ranges (start, count) from /etc/subuid and
    /// /etc/subgid.
    pub subuid: (u32, u32),
    pub subgid: (u32, u32),
    next_scratch: AtomicUsize,
}

pub const MARKER_TEXT: &str = "nook-it host marker\n";

/// The shared test world; the first caller builds it (thread-safe).
pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(World::build)
}

impl World {
    fn build() -> World {
        let euid = fs::metadata("/proc/self").expect("stat /proc/self").uid();
        assert_eq!(
            euid, 0,
            "nook's integration tests must run as root: they create `{USER}` and run nook \
             both as root and as that user (CI runs `bash .ci/run` as root; use scripts/test)"
        );
        let (uid, gid) = ensure_user();
        let subuid = ensure_subid("/etc/subuid", uid);
        let subgid = ensure_subid("/etc/subgid", uid);

        remove_stale_stagings();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let staging = PathBuf::from(format!("/tmp/nook-it.{}.{}", std::process::id(), nanos));
        fs::create_dir(&staging).expect("create the staging dir");
        set_mode(&staging, 0o755);

        let nook = staging.join("nook");
        fs::copy(env!("CARGO_BIN_EXE_nook"), &nook)
            .expect("copy the nook binary into the staging dir");
        set_mode(&nook, 0o755);

        let rootfs = staging.join("rootfs");
        build_rootfs(&rootfs);
        let mut rootfs_entries: Vec<String> = fs::read_dir(&rootfs)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        rootfs_entries.sort();

        let marker = staging.join("marker");
        fs::write(&marker, MARKER_TEXT).unwrap();
        set_mode(&marker, 0o644);

        let scratch = staging.join("s");
        fs::create_dir(&scratch).unwrap();
        set_mode(&scratch, 0o755);

        World {
            staging,
            nook,
            rootfs,
            rootfs_entries,
            marker,
            uid,
            gid,
            subuid,
            subgid,
            next_scratch: AtomicUsize::new(0),
        }
    }

    /// The rootfs path as a &str, for argv.
    pub fn root(&self) -> &str {
        self.rootfs.to_str().unwrap()
    }

    pub fn nook_path(&self) -> &str {
        self.nook.to_str().unwrap()
    }

    /// The caller's uid and gid as nook sees them.
    pub fn ids(&self, who: Who) -> (u32, u32) {
        match who {
            Who::Root => (0, 0),
            Who::User => (self.uid, self.gid),
        }
    }
}

/// A fresh empty host directory for one test, mode 0755, owned by whoever runs
/// nook in that test (so container-user can write to it).
pub fn scratch(who: Who, name: &str) -> PathBuf {
    let w = world();
    let n = w.next_scratch.fetch_add(1, Ordering::SeqCst);
    let dir = w.staging.join("s").join(format!("{n}-{name}-{who}"));
    fs::create_dir(&dir).expect("create a scratch dir");
    set_mode(&dir, 0o755);
    give(who, &dir);
    dir
}

/// Make `path` owned by `who`.
pub fn give(who: Who, path: &Path) {
    if who == Who::User {
        let w = world();
        chown(path, Some(w.uid), Some(w.gid)).expect("chown to container-user");
    }
}

pub fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn passwd_entry(name: &str) -> Option<(u32, u32)> {
    let passwd = fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() >= 4 && f[0] == name {
            Some((f[2].parse().ok()?, f[3].parse().ok()?))
        } else {
            None
        }
    })
}

/// Create container-user when missing; return its uid and gid.
fn ensure_user() -> (u32, u32) {
    if let Some(ids) = passwd_entry(USER) {
        return ids;
    }
    let out = Command::new("useradd")
        .args(["--create-home", "--shell", "/bin/sh", USER])
        .env("PATH", PATH)
        .output()
        .expect("run useradd (Debian package `passwd`)");
    // Another test binary may have created it meanwhile: only its absence counts.
    passwd_entry(USER).unwrap_or_else(|| {
        panic!(
            "useradd {USER} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Make sure `file` (/etc/subuid or /etc/subgid) gives container-user a range
/// of at least 65536 ids; add one past every existing range when missing.
fn ensure_subid(file: &str, uid: u32) -> (u32, u32) {
    let text = fs::read_to_string(file).unwrap_or_default();
    let mut end_of_all = 200_000u64;
    for line in text.lines() {
        let f: Vec<&str> = line.trim().split(':').collect();
        if f.len() != 3 {
            continue;
        }
        let (Ok(start), Ok(count)) = (f[1].parse::<u64>(), f[2].parse::<u64>()) else {
            continue;
        };
        if (f[0] == USER || f[0] == uid.to_string()) && count >= 65536 {
            return (start as u32, count as u32);
        }
        end_of_all = end_of_all.max(start + count);
    }
    let start = end_of_all.div_ceil(65536) * 65536;
    let mut f = fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(file)
        .unwrap_or_else(|e| panic!("open {file} for appending: {e}"));
    let sep = if text.is_empty() || text.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    writeln!(f, "{sep}{USER}:{start}:65536").unwrap();
    set_mode(Path::new(file), 0o644);
    (start as u32, 65536)
}

/// Remove /tmp/nook-it.* dirs left by test processes that no longer exist.
/// A dir with anything mounted under it is left alone.
fn remove_stale_stagings() {
    let mountinfo = String::from_utf8_lossy(&mountinfo()).into_owned();
    let Ok(entries) = fs::read_dir("/tmp") else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("nook-it.") else {
            continue;
        };
        let Some(pid) = rest.split('.').next() else {
            continue;
        };
        if pid.is_empty() || Path::new("/proc").join(pid).exists() {
            continue;
        }
        let path = format!("/tmp/{name}");
        let mounted = mountinfo
            .lines()
            .filter_map(|l| l.split(' ').nth(4))
            .any(|mp| mp == path || mp.starts_with(&format!("{path}/")));
        if !mounted {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

/// Where busybox-static put its binary.
pub fn host_busybox() -> &'static str {
    ["/bin/busybox", "/usr/bin/busybox", "/sbin/busybox"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("no busybox on this machine: install Debian's busybox-static (scripts/test does)")
}

/// The same tree as scripts/mkrootfs: busybox and its applets in /bin, the
/// usual empty top-level dirs, a tiny /etc/passwd and /etc/group.
fn build_rootfs(root: &Path) {
    fs::create_dir(root).unwrap();
    set_mode(root, 0o755);
    for (dir, mode) in [
        ("bin", 0o755),
        ("dev", 0o755),
        ("etc", 0o755),
        ("mnt", 0o755),
        ("proc", 0o755),
        ("root", 0o700),
        ("sys", 0o755),
        ("tmp", 0o1777),
    ] {
        let d = root.join(dir);
        fs::create_dir(&d).unwrap();
        set_mode(&d, mode);
    }
    let busybox = root.join("bin/busybox");
    fs::copy(host_busybox(), &busybox).unwrap();
    set_mode(&busybox, 0o755);
    let list = Command::new(&busybox)
        .arg("--list")
        .output()
        .expect("busybox --list");
    assert!(list.status.success(), "busybox --list failed");
    let applets = String::from_utf8(list.stdout).unwrap();
    let mut count = 0;
    for applet in applets.lines().map(str::trim) {
        if applet.is_empty() || applet == "busybox" || applet.contains('/') {
            continue;
        }
        symlink("busybox", root.join("bin").join(applet)).unwrap();
        count += 1;
    }
    assert!(
        count > 100,
        "busybox lists only {count} applets: is it busybox-static?"
    );
    for applet in [
        "sh", "ls", "cat", "env", "id", "pwd", "true", "false", "stat", "touch", "mount",
    ] {
        assert!(
            root.join("bin").join(applet).exists(),
            "busybox lacks `{applet}`"
        );
    }
    fs::write(
        root.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    )
    .unwrap();
    fs::write(root.join("etc/group"), "root:x:0:\nnobody:x:65534:\n").unwrap();
    set_mode(&root.join("etc/passwd"), 0o644);
    set_mode(&root.join("etc/group"), 0o644);
}

/// The caller's (the test process's) mount table, as bytes.
pub fn mountinfo() -> Vec<u8> {
    fs::read("/proc/self/mountinfo").expect("read /proc/self/mountinfo")
}

/// Lines only in `before` ("-") or only in `after` ("+").
pub fn mountinfo_diff(before: &[u8], after: &[u8]) -> String {
    let b = String::from_utf8_lossy(before);
    let a = String::from_utf8_lossy(after);
    let bl: Vec<&str> = b.lines().collect();
    let al: Vec<&str> = a.lines().collect();
    let mut out = String::new();
    for l in &bl {
        if !al.contains(l) {
            out += &format!("  - {l}\n");
        }
    }
    for l in &al {
        if !bl.contains(l) {
            out += &format!("  + {l}\n");
        }
    }
    if out.is_empty() {
        out = "  (same lines, different order or bytes)\n".into();
    }
    out
}

/// A shell script that makes `count` orphans at once and reports how many
/// are left: `cat`s reading a FIFO (made at the shell word `fifo`, removed
/// once open) whose only writer the script holds. While it is open they are
/// all alive and counted (processes whose parent is `parent`, a shell word:
/// `1`, or `$PPID` for nook as a subreaper); closing it ends them together,
/// so their SIGCHLDs merge. It prints `parent $PPID` first when
/// `report_parent`, then `orphans N`, then `left N` after up to 5 s.
pub fn orphan_burst_script(count: u32, fifo: &str, parent: &str, report_parent: bool) -> String {
    let report = if report_parent { "echo \"parent $PPID\"\n" } else { "" };
    format!(
        r#"f={fifo}
mkfifo $f
exec 3<>$f 4<$f
rm $f
i=0
while [ $i -lt {count} ]; do ( cat <&4 3>&- 4<&- >/dev/null 2>&1 & ); i=$((i+1)); done
count() {{ cat /proc/[0-9]*/stat 2>/dev/null | awk -v pp={parent} -v me=$$ '$4 == pp && $1 != me' | wc -l; }}
{report}echo "orphans $(count)"
exec 3>&- 4<&-
n=0
while :; do
  left=$(count)
  [ "$left" -eq 0 ] && break
  n=$((n+1)); [ $n -ge 100 ] && break
  sleep 0.05
done
echo "left $left"
"#
    )
}

/// Quote `s` for /bin/sh.
pub fn sh_quote(s: &str) -> String {
    let safe = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:=@%+,".contains(&b));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

pub fn sh_join<S: AsRef<str>>(argv: &[S]) -> String {
    argv.iter()
        .map(|a| sh_quote(a.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Owned copies of `words`, for an argv that is built up piece by piece.
pub fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// An argv written as one line: `template` split at runs of white space,
/// each `{}` in it replaced by the next of `values`, in order. A value
/// stays inside its word whatever it holds (spaces, quotes, nothing at
/// all), so paths and `sh -c` scripts go in as values:
///
/// `argv("--root {} --bind {} /mnt/s -- /bin/sh -c {}", &[w.root(), p(&dir), "ls /mnt/s"])`
///
/// Too few or too many values is the test's mistake, and panics.
#[track_caller]
pub fn argv(template: &str, values: &[&str]) -> Vec<String> {
    let mut values = values.iter();
    let words = template
        .split_whitespace()
        .map(|word| {
            let mut parts = word.split("{}");
            let mut out = parts.next().unwrap_or("").to_string();
            for part in parts {
                out += values.next().unwrap_or_else(|| panic!("argv {template:?}: too few values"));
                out += part;
            }
            out
        })
        .collect();
    assert!(values.next().is_none(), "argv {template:?}: more values than {{}}");
    words
}

/// A command to run as root or as container-user, with a clean environment
/// (PATH plus what the test adds) and a chosen working directory.
#[derive(Clone)]
pub struct Run {
    pub who: Who,
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    pub cwd: String,
}

impl Run {
    /// `nook ARGS...`.
    pub fn nook<S: AsRef<str>>(who: Who, args: &[S]) -> Run {
        let mut argv = vec![world().nook_path().to_string()];
        argv.extend(args.iter().map(|a| a.as_ref().to_string()));
        Run::argv(who, argv)
    }

    /// `/bin/sh -c SCRIPT ARGS...` (for wrappers such as `unshare -m`).
    pub fn sh<S: AsRef<str>>(who: Who, script: &str, args: &[S]) -> Run {
        let mut argv = vec![
            "/bin/sh".to_string(),
            "-c".to_string(),
            script.to_string(),
            "sh".to_string(),
        ];
        argv.extend(args.iter().map(|a| a.as_ref().to_string()));
        Run::argv(who, argv)
    }

    pub fn argv(who: Who, argv: Vec<String>) -> Run {
        world();
        let mut env = vec![("PATH".into(), PATH.into())];
        // scripts/test runs the mount-heavy suites a second time with
        // NOOK_TEST_MOUNT_API=legacy: every nook they start then takes the
        // mount(2) fallback.
        if let Ok(api) = std::env::var("NOOK_TEST_MOUNT_API") {
            env.push(("NOOK_MOUNT_API".into(), api));
        }
        Run { who, argv, env, cwd: "/".into() }
    }

    pub fn env(mut self, key: &str, value: &str) -> Run {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn cwd(mut self, dir: &str) -> Run {
        self.cwd = dir.into();
        self
    }

    /// What a human would type to reproduce this run.
    pub fn describe(&self) -> String {
        let env: Vec<String> = self
            .env
            .iter()
            .map(|(k, v)| format!("{k}={}", sh_quote(v)))
            .collect();
        format!(
            "[as {}, cwd {}] env -i {} {}",
            self.who,
            self.cwd,
            env.join(" "),
            sh_join(&self.argv)
        )
    }

    fn command(&self) -> Command {
        let mut cmd = match self.who {
            Who::Root => {
                let mut c = Command::new(&self.argv[0]);
                c.args(&self.argv[1..]);
                c.env_clear();
                c.envs(self.env.iter().map(|(k, v)| (k, v)));
                c.current_dir(&self.cwd);
                c
            }
            Who::User => {
                let assignments: Vec<String> = self
                    .env
                    .iter()
                    .map(|(k, v)| sh_quote(&format!("{k}={v}")))
                    .collect();
                let script = format!(
                    "cd {} && exec env -i {} {}",
                    sh_quote(&self.cwd),
                    assignments.join(" "),
                    sh_join(&self.argv)
                );
                let mut c = Command::new("su");
                c.args([USER, "-s", "/bin/sh", "-c", &script]);
                c.env_clear();
                c.env("PATH", PATH);
                c.current_dir("/");
                c
            }
        };
        // Its own process group, so a hung run can be killed with everything
        // it started.
        cmd.process_group(0);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd
    }

    /// Run to completion with stdin from /dev/null; fail the test if the host's
    /// mount table changed.
    pub fn run(self) -> Out {
        let out = self.run_collect();
        if let Some(diff) = &out.mount_diff {
            panic!("the host's /proc/self/mountinfo changed across this run:\n{diff}\n{out}");
        }
        out
    }

    /// Like [`Run::run`], but a changed mount table is only recorded in
    /// `Out::mount_diff`, for tests that collect many failures.
    pub fn run_collect(self) -> Out {
        let before = mountinfo();
        let mut cmd = self.command();
        cmd.stdin(Stdio::null());
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", self.describe()));
        let (status, stdout, stderr) = wait_with_timeout(child, &self.describe());
        let after = mountinfo();
        let mount_diff = (before != after).then(|| mountinfo_diff(&before, &after));
        Out::new(self.describe(), status, stdout, stderr, mount_diff)
    }

    /// Start with stdin piped, for tests that look at the host while the
    /// container runs. Finish with [`Running::finish`].
    pub fn spawn(self) -> Running {
        let before = mountinfo();
        let mut cmd = self.command();
        cmd.stdin(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", self.describe()));
        let stdin = child.stdin.take();
        Running {
            desc: self.describe(),
            child,
            stdin,
            before,
        }
    }
}

/// A run in progress (see [`Run::spawn`]).
pub struct Running {
    pub desc: String,
    child: Child,
    stdin: Option<ChildStdin>,
    /// The host's mount table just before the start.
    pub before: Vec<u8>,
}

impl Running {
    pub fn write_stdin(&mut self, data: &[u8]) {
        self.stdin.as_mut().unwrap().write_all(data).unwrap();
    }

    /// Whether the spawned process has exited (without reaping it for good:
    /// [`Running::finish`] still reports its status).
    pub fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Close stdin, wait (with the usual timeout), and check the host's mount
    /// table against the one before the start.
    pub fn finish(mut self) -> Out {
        drop(self.stdin.take());
        let (status, stdout, stderr) = wait_with_timeout(self.child, &self.desc);
        let after = mountinfo();
        let mount_diff = (self.before != after).then(|| mountinfo_diff(&self.before, &after));
        let out = Out::new(self.desc, status, stdout, stderr, mount_diff);
        if let Some(diff) = &out.mount_diff {
            panic!("the host's /proc/self/mountinfo changed across this run:\n{diff}\n{out}");
        }
        out
    }

    /// Wait until `path` exists; false on timeout or when the run has ended
    /// without making it.
    pub fn wait_for(&mut self, path: &Path, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if path.exists() {
                return true;
            }
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            thread::sleep(Duration::from_millis(10));
        }
        path.exists()
    }

    /// Kill the whole process group (cleanup after a failed assertion).
    pub fn kill(&mut self) {
        kill_group(self.child.id());
        let _ = self.child.wait();
    }
}

fn kill_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .env("PATH", PATH)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

fn reader<R: Read + Send + 'static>(mut r: R) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}

fn wait_with_timeout(mut child: Child, desc: &str) -> (ExitStatus, Vec<u8>, Vec<u8>) {
    let deadline = Instant::now() + TIMEOUT;
    let out_rx = reader(child.stdout.take().unwrap());
    let err_rx = reader(child.stderr.take().unwrap());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            kill_group(child.id());
            let _ = child.wait();
            let so = out_rx
                .recv_timeout(Duration::from_secs(2))
                .unwrap_or_default();
            let se = err_rx
                .recv_timeout(Duration::from_secs(2))
                .unwrap_or_default();
            panic!(
                "timed out after {TIMEOUT:?}: {desc}\n--- stdout:\n{}--- stderr:\n{}",
                String::from_utf8_lossy(&so),
                String::from_utf8_lossy(&se)
            );
        }
        thread::sleep(Duration::from_millis(5));
    };
    let left = deadline.saturating_duration_since(Instant::now()) + Duration::from_secs(1);
    let get = |rx: mpsc::Receiver<Vec<u8>>, what: &str| {
        rx.recv_timeout(left).unwrap_or_else(|_| {
            kill_group(child.id());
            panic!("{desc}: exited ({status}) but something it started still holds its {what} open")
        })
    };
    let stdout = get(out_rx, "stdout");
    let stderr = get(err_rx, "stderr");
    (status, stdout, stderr)
}

/// The result of a run.
pub struct Out {
    pub cmd: String,
    pub status: ExitStatus,
    /// The exit code, or 128+N when killed by signal N.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// Set when the host's mount table changed across the run.
    pub mount_diff: Option<String>,
}

impl Out {
    fn new(
        cmd: String,
        status: ExitStatus,
        stdout: Vec<u8>,
        stderr: Vec<u8>,
        mount_diff: Option<String>,
    ) -> Out {
        let code = status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
        Out {
            cmd,
            status,
            code,
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            mount_diff,
        }
    }

    /// Assert exit status 0.
    #[track_caller]
    pub fn ok(&self) -> &Out {
        assert_eq!(self.code, 0, "expected success\n{self}");
        self
    }

    /// Assert this exit status.
    #[track_caller]
    pub fn code(&self, code: i32) -> &Out {
        assert_eq!(self.code, code, "expected exit status {code}\n{self}");
        self
    }

    /// Assert exit 0 and return stdout's lines.
    #[track_caller]
    pub fn ok_lines(&self) -> Vec<String> {
        self.ok();
        self.lines()
    }

    pub fn lines(&self) -> Vec<String> {
        self.stdout.lines().map(str::to_string).collect()
    }

    /// stdout's lines with runs of whitespace squeezed to one space (for
    /// /proc/self/uid_map and the like).
    pub fn words_lines(&self) -> Vec<String> {
        self.stdout
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// Why this is not a well-formed nook failure with this status (one line
    /// on stderr starting with "nook: ", nothing on stdout), or None.
    pub fn nook_failure_problem(&self, code: i32) -> Option<String> {
        let mut problems = Vec::new();
        if self.code != code {
            problems.push(format!("exit status {} (want {code})", self.code));
        }
        if !self.stderr.starts_with("nook: ") {
            problems.push("stderr does not start with \"nook: \"".to_string());
        }
        if !self.stderr.ends_with('\n') || self.stderr.matches('\n').count() != 1 {
            problems.push(format!(
                "stderr is not exactly one line ({} newlines)",
                self.stderr.matches('\n').count()
            ));
        }
        if !self.stdout.is_empty() {
            problems.push("stdout is not empty".to_string());
        }
        if let Some(diff) = &self.mount_diff {
            problems.push(format!("the host's mount table changed:\n{diff}"));
        }
        (!problems.is_empty()).then(|| problems.join("; "))
    }

    /// Assert a well-formed nook failure: this status, one line on stderr
    /// starting with "nook: ", nothing on stdout.
    #[track_caller]
    pub fn nook_failure(&self, code: i32) -> &Out {
        if let Some(problem) = self.nook_failure_problem(code) {
            panic!("expected a one-line nook failure with status {code}: {problem}\n{self}");
        }
        self
    }

    /// Assert a usage/setup error: exit 125, one "nook: " line.
    #[track_caller]
    pub fn usage_error(&self) -> &Out {
        self.nook_failure(NOOK_FAILED)
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Out {
        assert!(
            self.stderr.contains(needle),
            "expected {needle:?} on stderr\n{self}"
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Out {
        assert!(
            self.stdout.contains(needle),
            "expected {needle:?} on stdout\n{self}"
        );
        self
    }

    #[track_caller]
    pub fn stdout_is(&self, want: &str) -> &Out {
        assert_eq!(self.stdout, want, "unexpected stdout\n{self}");
        self
    }
}

impl fmt::Display for Out {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "command: {}", self.cmd)?;
        writeln!(f, "status:  {} (code {})", self.status, self.code)?;
        writeln!(f, "--- stdout:\n{}", self.stdout)?;
        writeln!(f, "--- stderr:\n{}", self.stderr)?;
        if let Some(d) = &self.mount_diff {
            writeln!(f, "--- host mountinfo diff:\n{d}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Out {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Run nook as root with extra environment variables; checked mount table.
pub fn run_root(args: &[&str], env: &[(&str, &str)]) -> Out {
    run_checked(Who::Root, args, env)
}

/// Run nook as container-user; checked mount table.
pub fn run_unpriv(args: &[&str]) -> Out {
    run_checked(Who::User, args, &[])
}

/// Run nook as `who` with extra environment variables, asserting that the
/// host's /proc/self/mountinfo is byte-identical before and after.
pub fn run_checked(who: Who, args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut run = Run::nook(who, args);
    for (k, v) in env {
        run = run.env(k, v);
    }
    run.run()
}

/// `nook ARGS...` as `who`; checked mount table.
pub fn nook<S: AsRef<str>>(who: Who, args: &[S]) -> Out {
    Run::nook(who, args).run()
}

/// How long a test waits for something that should happen at once.
pub const SOON: Duration = Duration::from_secs(5);

/// Polls `f` every 10 ms until it holds or `timeout` passes.
pub fn until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Wait until `path` exists, polling; false on timeout.
pub fn wait_for(path: &Path, timeout: Duration) -> bool {
    until(timeout, || path.exists())
}

/// Runs a command on the host as root (cp, chown, ...); fails the test
/// when it fails.
#[track_caller]
pub fn host(argv: &[&str]) {
    let out = Command::new(argv[0]).args(&argv[1..]).env("PATH", PATH).output().unwrap();
    assert!(out.status.success(), "{argv:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// "DEV:INO" of `path`, as busybox `stat -c %d:%i` prints it.
pub fn dev_ino(path: &Path) -> String {
    let m = fs::metadata(path).unwrap();
    format!("{}:{}", m.dev(), m.ino())
}

/// The option that gives `who` a user namespace: root needs
/// --unshare-user; container-user always gets one.
pub fn userns(who: Who) -> &'static [&'static str] {
    if who == Who::Root { &["--unshare-user"] } else { &[] }
}

/// The number after `"child-pid":` in an info line (`--info-fd`).
pub fn child_pid(info: &str) -> Option<u32> {
    let rest = info.split("\"child-pid\"").nth(1)?.trim_start().strip_prefix(':')?;
    let digits: String = rest.trim_start().chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// `ARGV... 3>INFO` as `who`, through /bin/sh: a nook given `--info-fd 3`
/// writes its info line into the file `info`. Start it with [`Run::spawn`]
/// and wait for it with [`started`].
pub fn with_info_file<S: AsRef<str>>(who: Who, info: &Path, argv: &[S]) -> Run {
    let mut words = vec![p(info).to_string()];
    words.extend(argv.iter().map(|a| a.as_ref().to_string()));
    Run::sh(who, r#"i=$1; shift; exec "$@" 3>"$i""#, &words)
}

/// Waits until the info line in `info` is complete and `ready` holds (the
/// workload has started); returns the run and the info line's child-pid.
/// A run that ends first, or gives no child-pid within `timeout`, is killed
/// and fails the test.
pub fn started(mut run: Running, info: &Path, timeout: Duration, mut ready: impl FnMut() -> bool) -> (Running, u32) {
    let read = || fs::read_to_string(info).unwrap_or_default();
    let came = until(timeout, || run.has_exited() || (read().ends_with('\n') && ready()));
    match child_pid(&read()) {
        Some(pid) if came && !run.has_exited() => (run, pid),
        _ => {
            run.kill();
            panic!("the container never started (info {:?})\n{}", read(), run.finish());
        }
    }
}

/// The mount points (field 5) of a mountinfo text, unescaped only for spaces.
pub fn mount_points(mountinfo: &str) -> Vec<String> {
    mountinfo
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(|mp| mp.replace("\\040", " "))
        .collect()
}

/// The mountinfo line whose mount point is `mp` (the last one: the top mount).
pub fn mountinfo_line<'a>(mountinfo: &'a str, mp: &str) -> Option<&'a str> {
    mountinfo
        .lines().rfind(|l| l.split(' ').nth(4) == Some(mp))
}

/// The optional fields of a mountinfo line (between field 6 and " - ").
pub fn optional_fields(line: &str) -> Vec<String> {
    let head = line.split(" - ").next().unwrap_or("");
    head.split(' ').skip(6).map(str::to_string).collect()
}

/// A unique `sleep` duration of about 30 s naming one test's processes on
/// the host. Dropping it SIGKILLs whatever still carries it, so a failed test
/// leaves nothing behind.
pub struct Tag(pub String);

impl Tag {
    pub fn new() -> Tag {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        // Fixed width: no tag is a substring of another.
        Tag(format!("30.{:07}{:05}", std::process::id(), n % 100_000))
    }

    /// The processes whose raw command line (NUL-separated) passes `f`.
    pub fn matching(&self, f: impl Fn(&str) -> bool) -> Vec<u32> {
        let Ok(entries) = fs::read_dir("/proc") else { return Vec::new() };
        entries
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                let raw = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                f(&String::from_utf8_lossy(&raw))
            })
            .collect()
    }

    /// The processes whose command line holds the tag (launchers included).
    pub fn pids(&self) -> Vec<u32> {
        self.matching(|cmdline| cmdline.contains(&self.0))
    }

    /// Whether `/bin/sleep TAG` itself runs (not merely a launcher naming
    /// the tag): the container is set up and PROGRAM has started.
    pub fn sleeping(&self) -> bool {
        !self.matching(|cmdline| cmdline == format!("/bin/sleep\0{}\0", self.0)).is_empty()
    }

    /// The live ones (neither zombie nor dead) among [`Tag::pids`].
    pub fn live_pids(&self) -> Vec<u32> {
        self.pids().into_iter().filter(|p| pid_alive(*p)).collect()
    }

    /// SIGKILLs every live process that carries the tag.
    pub fn kill(&self) {
        for _ in 0..3 {
            let pids = self.live_pids();
            if pids.is_empty() {
                break;
            }
            for pid in pids {
                let _ = std::process::Command::new("kill")
                    .args(["-9", &pid.to_string()])
                    .env("PATH", PATH)
                    .stderr(std::process::Stdio::null())
                    .status();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tag {
    fn drop(&mut self) {
        self.kill();
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether PID exists and is neither a zombie nor dead (/proc/PID/stat).
pub fn pid_alive(pid: u32) -> bool {
    let Ok(text) = fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    let state = text.rfind(')').and_then(|i| text.get(i + 2..i + 3));
    !matches!(state, None | Some("Z") | Some("X"))
}
