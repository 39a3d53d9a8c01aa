#![cfg(all(feature = "run", feature = "enter"))]
//! Issue 12 (hardening, round two), black-box against the built binary: what
//! a red team got through, each retried here as root and as container-user.
//!
//! - Part 1: `nook enter`'s child, inside the container's PID namespace, must
//!   give the workload nothing of the host: not the caller's environment, not
//!   its fds, not the host's nook binary through /proc/CHILD/exe.
//! - Part 2: the caller's session keyring stays out of reach of the workload.
//! - Part 4: no caller's or container's byte forges a line on stderr.
//!
//! (Part 3, the wrapper fds 0-2, is in wrapper_fds.rs.)
//!
//! The probes that busybox has no applet for (a fast /proc poller, keyctl)
//! are this test binary itself, which is static: run with H2_HELPER=ACTION,
//! its `helper` test does ACTION and exits (see [`helper`]).

#[macro_use]
mod common;

use common::*;
use std::collections::BTreeSet;
use std::fs;
use std::os::raw::{c_char, c_int, c_long};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

unsafe extern "C" {
    fn syscall(number: c_long, ...) -> c_long;
    fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
}

const F_GET_SEALS: c_int = 1034;
/// F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE.
const F_SEAL_ALL: c_int = 15;

const SYS_ADD_KEY: c_long = 248;
const SYS_REQUEST_KEY: c_long = 249;
const SYS_KEYCTL: c_long = 250;
const KEYCTL_SEARCH: c_long = 10;
const KEYCTL_READ: c_long = 11;
const KEY_SPEC_SESSION_KEYRING: c_long = -3;

/// The description of the test's key, and its secret payload.
const KEY_NAME: &std::ffi::CStr = c"nook-it-key";
const KEY_PAYLOAD: &str = "nook-it-key-payload";

/// How long a test waits for something that should happen at once.
const PATIENCE: Duration = Duration::from_secs(10);

// ------------------------------------------------------------------ helper

/// Not a test of nook: with H2_HELPER set (inside a container, or as a
/// launcher), this process is the helper and ends here; otherwise it passes.
///
/// * `poll`: the hostile workload of part 1 (see [`poll_proc`]).
/// * `addkey`: adds the key KEY_NAME to its session keyring, then runs the
///   shell command H2_EXEC with the key's serial in H2_KEY.
/// * `readkey`: tries every way to the key H2_KEY: read it by serial, search
///   the session keyring for it, request_key it; one line each.
#[test]
fn helper() {
    let Ok(action) = std::env::var("H2_HELPER") else { return };
    let report = match action.as_str() {
        "poll" => poll_proc(Path::new("/mnt/s")),
        "addkey" => add_key_then_exec(),
        "readkey" => read_key(),
        other => format!("unknown helper action {other}\n"),
    };
    print!("{report}");
    std::process::exit(0);
}

fn add_key_then_exec() -> String {
    // SAFETY: C strings and a buffer of the length given.
    let serial = unsafe {
        syscall(SYS_ADD_KEY, c"user".as_ptr(), KEY_NAME.as_ptr(), KEY_PAYLOAD.as_ptr(), KEY_PAYLOAD.len(), KEY_SPEC_SESSION_KEYRING)
    };
    if serial < 0 {
        return format!("add_key failed: errno {}\n", helper::errno());
    }
    let script = std::env::var("H2_EXEC").unwrap_or_default();
    let e = std::process::Command::new("/bin/sh")
        .args(["-c", &script])
        .env("H2_KEY", serial.to_string())
        .env_remove("H2_HELPER")
        .exec();
    format!("exec failed: {e}\n")
}

fn read_key() -> String {
    let serial: c_long = std::env::var("H2_KEY").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let kind = c"user".as_ptr();
    // Right after its call, while errno is still that call's.
    let verdict = |ret: c_long| if ret < 0 { format!("ERR {}", helper::errno()) } else { format!("OK {ret}") };
    let mut buf = [0u8; 256];
    // SAFETY: each call gets C strings and a buffer of the length given.
    let read = unsafe { syscall(SYS_KEYCTL, KEYCTL_READ, serial, buf.as_mut_ptr(), buf.len()) };
    let payload = String::from_utf8_lossy(&buf[..(read.max(0) as usize).min(buf.len())]).into_owned();
    let read = verdict(read);
    // SAFETY: as above.
    let search = verdict(unsafe { syscall(SYS_KEYCTL, KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, kind, KEY_NAME.as_ptr(), 0) });
    // SAFETY: as above.
    let request = verdict(unsafe { syscall(SYS_REQUEST_KEY, kind, KEY_NAME.as_ptr(), std::ptr::null::<c_char>(), 0) });
    format!("read {read} {payload}\nsearch {search}\nrequest {request}\n")
}

/// The hostile workload of part 1. PIDs in a new PID namespace are handed
/// out in order, so it waits on the next one with a tight loop of opens,
/// and while that process lives tries its environ, its exe and each of its
/// fds from 3 up, as fast as it can. It prints what it got, one finding a
/// line (`environ PID TEXT`, `exe PID DEV:INO`, `fd PID DEV:INO`), then, once
/// the test has created `stop`, `exe-write DEV:INO` for each exe it still
/// holds and can reopen for writing (nothing runs that binary by then),
/// `caught N`: how many processes it saw alive, and `early N`: how many of
/// those it saw before their exec (also kept in `early`, for the test).
fn poll_proc(dir: &Path) -> String {
    // This process and its threads (libtest runs the test on one): each
    // has a /proc/TID too, listed or not.
    let numbers = |dir: &str| -> Vec<u32> {
        let entries = fs::read_dir(dir).into_iter().flatten().flatten();
        entries.filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok()).collect()
    };
    let me = numbers("/proc/self/task").into_iter().max().unwrap_or(0);
    let newest = numbers("/proc").into_iter().max().unwrap_or(1);
    let mut findings = BTreeSet::new();
    let mut held: Vec<(String, fs::File)> = Vec::new();
    let (mut caught, mut early) = (0, 0);
    let mut next = newest.max(me) + 1;
    fs::write(dir.join("ready"), "").unwrap();
    let mut misses = 0u32;
    loop {
        if let Some(before_exec) = probe(next, &mut findings, &mut held) {
            caught += 1;
            early += before_exec as u32;
            next += 1;
            fs::write(dir.join("early"), early.to_string()).unwrap();
            continue;
        }
        misses += 1;
        // Now and then: a pid that went by unseen (the kernel handed it out,
        // yet it is gone), or the test is done.
        if misses.is_multiple_of(16) {
            let last: u32 = fs::read_to_string("/proc/sys/kernel/ns_last_pid").ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0);
            // (The kernel hands out the pid before /proc shows the process:
            // only a later one proves it gone.)
            if last > next && probe(next, &mut findings, &mut held).is_none() {
                next += 1;
            }
        }
        if misses.is_multiple_of(4096) && dir.join("stop").exists() {
            break;
        }
    }
    for (id, file) in &held {
        let reopen = format!("/proc/self/fd/{}", std::os::unix::io::AsRawFd::as_raw_fd(file));
        if fs::OpenOptions::new().write(true).open(reopen).is_ok() {
            findings.insert(format!("exe-write {id}"));
        }
    }
    let mut out: String = findings.into_iter().map(|f| f + "\n").collect();
    out += &format!("caught {caught}\nearly {early}\n");
    out
}

/// Probes process `pid` until it is gone (or a zombie). None when it was
/// never there, else whether it was first seen before it exec'd PROGRAM.
fn probe(pid: u32, findings: &mut BTreeSet<String>, held: &mut Vec<(String, fs::File)>) -> Option<bool> {
    let base = format!("/proc/{pid}");
    let mut early = None;
    loop {
        match fs::read_to_string(format!("{base}/stat")) {
            Ok(stat) if !stat.contains(") Z ") => {}
            _ => return early,
        }
        // Seen before its exec: /proc/PID/exe is not yet PROGRAM's.
        early.get_or_insert_with(|| fs::read_link(format!("{base}/exe")).map_or(true, |e| !e.ends_with("busybox")));
        if let Ok(env) = fs::read(format!("{base}/environ")) {
            findings.insert(format!("environ {pid} {}", String::from_utf8_lossy(&env).replace('\0', " ")));
        }
        let exe = format!("{base}/exe");
        if let Ok(m) = fs::metadata(&exe) {
            let id = format!("{}:{}", m.dev(), m.ino());
            findings.insert(format!("exe {pid} {id}"));
            if !held.iter().any(|(h, _)| *h == id)
                && let Ok(f) = fs::File::open(&exe)
            {
                held.push((id, f));
            }
        }
        for fd in fs::read_dir(format!("{base}/fd")).into_iter().flatten().flatten() {
            let n: u32 = fd.file_name().to_str().and_then(|s| s.parse().ok()).unwrap_or(0);
            if n >= 3
                && let Ok(m) = fs::metadata(fd.path())
            {
                findings.insert(format!("fd {pid} {}:{}", m.dev(), m.ino()));
            }
        }
    }
}

/// argv that runs this test binary's own [`helper`] at `path` (a copy
/// from `helper::bin`).
fn helper_argv(path: &str) -> Vec<String> {
    helper::test_argv(path, "helper")
}

/// A container in the background: `nook --root ROOTFS --unshare-pid --proc
/// /proc --tmpfs /mnt --ro-bind HELPER /mnt/h --bind DIR /mnt/s OPTS
/// --info-fd 3 -- PROGRAM`, DIR a scratch dir of `who`'s.
struct Container {
    run: Option<Running>,
    /// The child-pid of its info line (a host pid).
    pid: u32,
    dir: PathBuf,
}

impl Container {
    /// Starts it and waits for the info line and for `ready` in DIR when
    /// `wait_ready` (else only for the info line).
    fn start(who: Who, opts: &[&str], env: &[(&str, &str)], program: &[String], wait_ready: bool) -> Container {
        let w = world();
        let dir = scratch(who, "ctr");
        let info = dir.join("info");
        let mut words = argv("{} --root {}", &[w.nook_path(), w.root()]);
        words.extend(args(userns(who)));
        words.extend(argv("--unshare-pid --proc /proc --tmpfs /mnt --ro-bind {} /mnt/h --bind {} /mnt/s", &[helper::bin(), p(&dir)]));
        words.extend(args(opts));
        words.extend(args(&["--info-fd", "3", "--"]));
        words.extend(program.iter().cloned());
        let mut run = with_info_file(who, &info, &words);
        for (k, v) in env {
            run = run.env(k, v);
        }
        let (run, pid) = started(run.spawn(), &info, PATIENCE, || !wait_ready || dir.join("ready").exists());
        Container { run: Some(run), pid, dir }
    }

    /// Tells the helper to stop (the file `stop`) and waits for the end.
    fn stop(mut self) -> Out {
        fs::write(self.dir.join("stop"), "").unwrap();
        self.run.take().unwrap().finish()
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        if let Some(mut run) = self.run.take() {
            run.kill();
        }
    }
}

// ------------------------------------------------- part 1: enter's child

/// A workload that polls /proc for new PIDs (see [`poll_proc`]) races 200
/// `nook enter` calls. Each caller holds a secret in its environment (one
/// plain variable, and one NOOK_*, which enter keeps), an fd 3 open on the
/// host's marker file, and runs enter from a copy of nook it owns, which
/// nothing else runs. The workload must get none of them: no environ with a
/// secret, no fd on the marker, no exe that is the copy (let alone reopen it
/// for writing, CVE-2019-5736). It must have caught at least 100 of them
/// before their exec, or the race proves nothing (on a busy machine the test
/// enters more often, up to 1000 times).
///
/// Without the defences it catches the first enter already: the child is
/// born dumpable in the container's user namespace, which the workload's
/// root owns, so ptrace_may_access lets it read everything of the child's
/// until it execs PROGRAM.
fn enter_child_is_unreachable(who: Who) {
    let w = world();
    let dir = scratch(who, "enter-race");
    let copy = dir.join("nook");
    fs::copy(&w.nook, &copy).unwrap();
    set_mode(&copy, 0o755);
    give(who, &copy);
    // enter takes PROGRAM's environment from the target, which the workload
    // controls: a PATH of 1000 missing directories before /bin keeps each
    // child searching, in nook, for a millisecond or so.
    let path: Vec<String> = (0..1000).map(|n| format!("/x/{n}")).chain(["/bin".into()]).collect();
    let path = path.join(":");
    let c = Container::start(who, &["--setenv", "PATH", &path], &[("H2_HELPER", "poll")], &helper_argv("/mnt/h"), true);
    let (secret, nook_secret) = ("h2-caller-secret", "h2-nook-secret");
    let script = r#"nook=$1 pid=$2 marker=$3 i=0
        while [ $i -lt 50 ]; do
            "$nook" enter --pid "$pid" -- true 3<"$marker" || exit 1
            i=$((i + 1))
        done"#;
    // 200 at least; more (up to 1000) on a machine so busy that the poller
    // caught fewer than 100 of them before their exec.
    let early = || -> u32 { fs::read_to_string(c.dir.join("early")).ok().and_then(|s| s.parse().ok()).unwrap_or(0) };
    let mut entered = 0;
    while entered < 200 || (early() < 100 && entered < 1000) {
        Run::sh(who, script, &[p(&copy), &c.pid.to_string(), p(&w.marker)])
            .env("H2_SECRET", secret)
            .env("NOOK_IT_SECRET", nook_secret)
            .run()
            .ok();
        entered += 50;
    }
    let out = c.stop();
    out.ok();
    let (copy_id, marker_id) = (dev_ino(&copy), dev_ino(&w.marker));
    let mut problems = Vec::new();
    for line in out.lines() {
        let leak = (line.starts_with("environ ") && (line.contains(secret) || line.contains(nook_secret)))
            || (line.starts_with("exe") && line.ends_with(&copy_id))
            || (line.starts_with("fd ") && line.ends_with(&marker_id));
        if leak {
            problems.push(line);
        }
    }
    let early: u32 = out.lines().iter().find_map(|l| l.strip_prefix("early ")?.parse().ok()).unwrap_or(0);
    assert!(
        problems.is_empty(),
        "the workload reached enter's child ({} findings; the copy is {copy_id}, the marker {marker_id}):\n{}\n{out}",
        problems.len(),
        problems.join("\n")
    );
    assert!(early >= 100, "the poller saw only {early} of {entered} enter children before their exec: the race proves nothing\n{out}");
}

/// From the host, while PROGRAM of an enter runs: enter's own process (the
/// sleep's parent) runs from a sealed memfd (its /proc/PID/exe is
/// `/memfd:nook (deleted)`, sealed against writes, not the host binary),
/// holds no fd beyond 0-2 (the caller passed 3 and 7), and its environment
/// holds only the caller's NOOK_* variables, not the rest (H2_SECRET). As
/// container-user it is also visibly not dumpable: its /proc files belong to
/// root (proc(5)), though it runs as container-user.
fn enter_holds_nothing_of_the_host(who: Who) {
    let w = world();
    let tag = Tag::new();
    let c = Container::start(who, &[], &[], &args(&["/bin/sleep", "60"]), false);
    let pid = c.pid.to_string();
    let enter = [w.nook_path(), "enter", "--pid", &pid, "--", "/bin/sleep", &tag.0];
    let script = format!(r#"exec 3<{m} 7<{m}; exec "$@""#, m = p(&w.marker));
    let run = Run::sh(who, &script, &enter).env("H2_SECRET", "h2-caller-secret").env("NOOK_IT_SECRET", "kept").spawn();
    let ppid = |p: &u32| -> Option<u32> {
        let status = fs::read_to_string(format!("/proc/{p}/status")).ok()?;
        status.lines().find_map(|l| l.strip_prefix("PPid:")?.trim().parse().ok())
    };
    // The sleep: the tagged process that runs busybox; enter is its parent.
    let sleep = || {
        tag.live_pids().into_iter().find(|p| fs::read_link(format!("/proc/{p}/exe")).is_ok_and(|e| e.ends_with("busybox")))
    };
    let enter_pid = until(PATIENCE, || sleep().is_some()).then(sleep).flatten().and_then(|s| ppid(&s));
    let look = |what: &str| enter_pid.map(|p| format!("/proc/{p}/{what}"));
    let exe = look("exe").and_then(|e| fs::read_link(e).ok()).map(|e| e.display().to_string()).unwrap_or_default();
    let seals = look("exe").and_then(|e| fs::File::open(e).ok()).map(|f| {
        // SAFETY: an fd this test owns; F_GET_SEALS only reads.
        unsafe { fcntl(std::os::unix::io::AsRawFd::as_raw_fd(&f), F_GET_SEALS) }
    });
    let mut fds: Vec<u32> = look("fd")
        .and_then(|d| fs::read_dir(d).ok())
        .map(|d| d.flatten().filter_map(|e| e.file_name().to_str()?.parse().ok()).collect())
        .unwrap_or_default();
    fds.sort();
    let environ = look("environ").and_then(|e| fs::read(e).ok()).map(|e| String::from_utf8_lossy(&e).replace('\0', " "));
    let owner = look("status").and_then(|s| fs::metadata(s).ok()).map(|m| m.uid());
    tag.kill();
    let out = run.finish();
    drop(c);
    assert!(enter_pid.is_some(), "enter's PROGRAM never ran\n{out}");
    assert!(exe.starts_with("/memfd:nook"), "enter runs {exe:?}, not the sealed copy\n{out}");
    assert_eq!(seals, Some(F_SEAL_ALL), "the copy enter runs is not sealed against change\n{out}");
    assert_eq!(fds, [0, 1, 2], "enter's process holds fds beyond stdio\n{out}");
    let environ = environ.unwrap_or_default();
    assert!(
        !environ.contains("h2-caller-secret") && environ.contains("NOOK_IT_SECRET=kept"),
        "enter's environment must hold only the caller's NOOK_* variables: {environ:?}\n{out}"
    );
    if who == Who::User {
        assert_eq!(owner, Some(0), "enter is dumpable: its /proc files belong to container-user\n{out}");
    }
}

// ------------------------------------------ part 2: the session keyring

/// The lines of `readkey` (see [`helper`]) that say the key was reached:
/// read by serial, found by a search of the session keyring or by
/// request_key, or its payload printed at all.
fn key_reached(out: &Out) -> Vec<String> {
    out.lines().into_iter().filter(|l| l.contains(" OK ") || l.contains(KEY_PAYLOAD)).collect()
}

/// The caller holds a key in its session keyring (added by the `addkey`
/// helper, which then runs nook); PROGRAM tries to read it by its serial,
/// to find it in its session keyring and to request_key it. The control,
/// the same probe without nook, reads it. Inside, every way fails: through
/// `run` exec'ing PROGRAM, under its init (`--unshare-all --cap-drop ALL`),
/// behind its monitor (`--new-session`), and through `enter`. Without the
/// new session keyring, each inside run reads the payload: the workload
/// possesses the caller's keyring, and possession grants read.
fn session_keyring_stays_outside(who: Who) {
    let w = world();
    let inner = sh_join(&helper_argv("/mnt/h"));
    let launch = |exec: &str| {
        let mut argv = helper_argv(helper::bin());
        argv.insert(0, "env".into());
        argv.insert(1, "H2_HELPER=addkey".into());
        argv.insert(2, format!("H2_EXEC={exec}"));
        Run::argv(who, argv).run()
    };
    let control = launch(&format!("exec env H2_HELPER=readkey {}", sh_join(&helper_argv(helper::bin()))));
    assert!(control.ok().stdout.contains(&format!("read OK {} {KEY_PAYLOAD}", KEY_PAYLOAD.len())), "control: the caller reads its key\n{control}");

    let mut problems = Vec::new();
    let base = format!("{} --root {} --tmpfs /mnt --ro-bind {} /mnt/h --setenv H2_HELPER readkey", w.nook_path(), w.root(), helper::bin());
    let userns = userns(who).join(" ");
    for opts in [userns.as_str(), "--unshare-all --cap-drop ALL", &format!("{userns} --new-session")] {
        let out = launch(&format!("exec {base} {opts} -- {inner}"));
        out.ok();
        if !key_reached(&out).is_empty() || !out.stdout.contains("read ERR") {
            problems.push(format!("run {opts}: {:?}\n{out}", key_reached(&out)));
        }
    }
    let c = Container::start(who, &[], &[], &args(&["/bin/sleep", "60"]), false);
    let enter = format!(
        "exec {} enter --pid {} --setenv H2_HELPER readkey --setenv H2_KEY \"$H2_KEY\" -- {inner}",
        w.nook_path(),
        c.pid
    );
    let out = launch(&enter);
    drop(c);
    out.ok();
    if !key_reached(&out).is_empty() || !out.stdout.contains("read ERR") {
        problems.push(format!("enter: {:?}\n{out}", key_reached(&out)));
    }
    assert!(problems.is_empty(), "the workload reached the caller's key:\n{}", problems.join("\n"));
}

/// Where keyctl(2) is refused (strace's fault injection stands in for a
/// seccomp filter: EPERM, and ENOSYS as for a kernel without keys), `run`
/// and `enter` stop with one line naming the session keyring, exit 125,
/// before PROGRAM runs.
fn keyring_refusal_is_one_line(who: Who) {
    assert!(Path::new("/usr/bin/strace").exists(), "strace is needed (scripts/test installs it)");
    let w = world();
    let c = Container::start(who, &[], &[], &args(&["/bin/sleep", "60"]), false);
    let pid = c.pid.to_string();
    let mut problems = Vec::new();
    for errno in ["EPERM", "ENOSYS"] {
        let inject = format!("-einject=keyctl:error={errno}");
        let strace = ["strace", "-f", "-qq", "-o", "/dev/null", &inject, w.nook_path()];
        let userns = userns(who);
        let runs: [Vec<&str>; 3] = [
            [&strace[..], &["--root", w.root()], userns, &["--", "/bin/echo", "ran"]].concat(),
            [&strace[..], &["--root", w.root(), "--unshare-pid"], userns, &["--", "/bin/echo", "ran"]].concat(),
            [&strace[..], &["enter", "--pid", &pid, "--", "/bin/echo", "ran"]].concat(),
        ];
        for argv in runs {
            let out = Run::argv(who, argv.iter().map(|s| s.to_string()).collect()).run_collect();
            match out.nook_failure_problem(NOOK_FAILED) {
                Some(problem) => problems.push(format!("{problem}\n{out}")),
                None if !out.stderr.contains("a new session keyring") => problems.push(format!("the line does not name the keyring\n{out}")),
                None => {}
            }
        }
    }
    drop(c);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ------------------------------------------------ part 4: forged lines

/// Names a caller (or an image) may hand nook, each made to break a line
/// or to drive the terminal: newline with a forged nook line after it, CR,
/// ESC sequences, BEL, DEL, NEL, U+2028, U+2029, C1 CSI, a bidi override.
const HOSTILE: [&str; 11] = [
    "nl\nnook: exec /bin/evil: ok",
    "cr\rnook: forged",
    "esc\x1b[31mred\x1b]0;title\x07",
    "nel\u{85}nook: forged",
    "ls\u{2028}nook: forged",
    "ps\u{2029}nook: forged",
    "csi\u{9b}2J",
    "del\x7fx",
    "tab\tx\x0bx\x0cx",
    "bidi\u{202e}live",
    "back\\x0aslash",
];

/// Why `stderr` is not all nook's own lines: each must start with
/// `nook: ` and hold nothing but printable ASCII.
fn forged(stderr: &str) -> Option<String> {
    if let Some(b) = stderr.bytes().find(|&b| b != b'\n' && !(0x20..0x7f).contains(&b)) {
        return Some(format!("a raw byte {b:#04x} on stderr"));
    }
    stderr.lines().find(|l| !l.starts_with("nook: ")).map(|l| format!("a line not nook's: {l:?}"))
}

/// Each hostile name, in a DEST traced with NOOK_VERBOSE=2, as a PROGRAM
/// that is not found (traced at each PATH candidate, then the error), in a
/// missing --bind SRC, in an unknown option and in NOOK_ROOT: every byte on
/// stderr is printable ASCII, every line starts with `nook: `, and the name
/// is there, escaped (its first bytes are). Before the fix, traces printed
/// DEST raw, and errors let NEL, U+2028 and U+2029 through.
fn hostile_names_stay_escaped(who: Who) {
    let w = world();
    let mut base = vec!["--root", w.root()];
    base.extend(userns(who));
    let mut problems = Vec::new();
    for name in HOSTILE {
        let dest = format!("/tmp/{name}");
        let missing = format!("/nonexistent/{name}");
        let bogus = format!("--{name}");
        #[allow(clippy::type_complexity)]
        let runs: Vec<(Vec<&str>, Vec<(&str, &str)>, i32)> = vec![
            ([&base[..], &["--tmpfs", "/tmp", "--dir", &dest, "--", "true"]].concat(), vec![("NOOK_VERBOSE", "2")], 0),
            ([&base[..], &["--", name]].concat(), vec![("NOOK_VERBOSE", "2")], 127),
            ([&base[..], &["--bind", &missing, "/mnt", "--", "true"]].concat(), vec![("NOOK_VERBOSE", "1")], NOOK_FAILED),
            (vec![&bogus, "--", "true"], vec![], NOOK_FAILED),
            (vec!["--", "true"], vec![("NOOK_ROOT", &missing)], NOOK_FAILED),
        ];
        for (argv, env, code) in runs {
            let mut run = Run::nook(who, &argv);
            for (k, v) in env {
                run = run.env(k, v);
            }
            let out = run.run_collect();
            let shown = name.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap();
            let problem = forged(&out.stderr)
                .or_else(|| (out.code != code).then(|| format!("exit status {}, want {code}", out.code)))
                .or_else(|| (!out.stderr.contains(&format!("{shown}\\x"))).then(|| "the name is not shown escaped".into()))
                .or_else(|| out.mount_diff.clone());
            if let Some(problem) = problem {
                problems.push(format!("{name:?}: {problem}\n{out}"));
            }
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

both!(enter_child_is_unreachable, enter_holds_nothing_of_the_host, session_keyring_stays_outside, keyring_refusal_is_one_line,
    hostile_names_stay_escaped);
