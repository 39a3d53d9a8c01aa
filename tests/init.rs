//! The PID-1 stage (issue 3), black-box against the built binary.
//!
//! Every behaviour runs in up to four modes (see [`Mode`]), each as root and
//! as container-user:
//!
//! * `run`: `nook --unshare-pid --proc /proc --root ROOTFS -- PROGRAM`, where
//!   nook's forked child is PID 1 and PROGRAM is PID 2;
//! * `init_pid1`: `nook --unshare-pid --no-init ... -- /mnt/nook init -- PROGRAM`,
//!   the init role as PID 1 of a namespace;
//! * `unshare`: `unshare -Urpf --mount-proc nook init -- PROGRAM`, the init role
//!   as PID 1 of a namespace that nook did not make;
//! * `subreaper`: `nook init -- PROGRAM` on the host, a child subreaper.
//!
//! PROGRAM is busybox's sh in every mode (the rootfs's, also on the host), so
//! the scripts mean the same everywhere. A test that needs to know when
//! PROGRAM runs has it create a file in a scratch dir (bound at /mnt/s inside
//! a `--root`); signals go to "the outer process" exactly as a user's `kill`
//! would: the outer nook in `run` and `init_pid1`, nook itself in `subreaper`,
//! and in `unshare` (whose `unshare --fork` forwards nothing) the nook that
//! unshare started.

#[macro_use]
mod common;

use common::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};


// ------------------------------------------------------------------ modes

/// Where nook's PID-1 stage runs (see the module comment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Run,
    InitPid1,
    Unshare,
    Subreaper,
}

impl Mode {
    /// The mode named by a test module (`in_modes!`).
    fn named(name: &str) -> Mode {
        match name {
            "run" => Mode::Run,
            "init_pid1" => Mode::InitPid1,
            "unshare" => Mode::Unshare,
            "subreaper" => Mode::Subreaper,
            _ => panic!("unknown mode {name}"),
        }
    }

    /// Whether nook is PID 1 of a PID namespace in this mode.
    fn pid_ns(self) -> bool {
        self != Mode::Subreaper
    }

    /// Whether PROGRAM runs inside the busybox rootfs.
    fn rooted(self) -> bool {
        matches!(self, Mode::Run | Mode::InitPid1)
    }

    /// The scratch dir `dir` as PROGRAM sees it.
    fn inside(self, dir: &Path) -> String {
        if self.rooted() {
            "/mnt/s".into()
        } else {
            p(dir).into()
        }
    }

    /// Busybox applet `name` as PROGRAM can name it.
    fn tool(self, name: &str) -> String {
        if self.rooted() {
            format!("/bin/{name}")
        } else {
            format!("{}/bin/{name}", world().root())
        }
    }

    /// PROGRAM = busybox `sh -c SCRIPT`.
    fn sh(self, script: &str) -> Vec<String> {
        vec![self.tool("sh"), "-c".into(), script.into()]
    }

    /// The whole command line: nook's PID-1 stage with `init_opts` (for `run`
    /// given as run options) around PROGRAM, the scratch dir `dir` at
    /// [`Mode::inside`].
    fn argv(self, dir: &Path, init_opts: &[&str], program: &[String]) -> Vec<String> {
        self.argv_with(dir, &[], init_opts, program)
    }

    /// Like [`Mode::argv`], with options of `run` (`run` and `init_pid1`
    /// only).
    fn argv_with(
        self,
        dir: &Path,
        run_opts: &[&str],
        init_opts: &[&str],
        program: &[String],
    ) -> Vec<String> {
        let w = world();
        let mut v: Vec<&str> = Vec::new();
        let tree = argv("--proc /proc --root {} --tmpfs /dev --dev-bind /dev/null /dev/null --tmpfs /mnt --bind {} /mnt/s", &[w.root(), p(dir)]);
        let tree = tree.iter().map(String::as_str);
        match self {
            Mode::Run => {
                v.extend([w.nook_path(), "--unshare-pid"]);
                v.extend_from_slice(init_opts);
                v.extend_from_slice(run_opts);
                v.extend(tree);
            }
            Mode::InitPid1 => {
                v.extend([w.nook_path(), "--unshare-pid", "--no-init"]);
                v.extend_from_slice(run_opts);
                v.extend(tree);
                // --bind: a read-only promise would print the real-root
                // warning (nothing locks it without a user namespace).
                v.extend(["--bind", w.nook_path(), "/mnt/nook", "--", "/mnt/nook", "init"]);
                v.extend_from_slice(init_opts);
            }
            Mode::Unshare | Mode::Subreaper => {
                assert!(run_opts.is_empty(), "run options in mode {self:?}");
                if self == Mode::Unshare {
                    v.extend(["unshare", "-Urpf", "--mount-proc"]);
                }
                v.extend([w.nook_path(), "init"]);
                v.extend_from_slice(init_opts);
            }
        }
        v.push("--");
        let mut argv: Vec<String> = v.into_iter().map(str::to_string).collect();
        argv.extend(program.iter().cloned());
        argv
    }
}

/// `in_modes!(NAME: [MODE, ...], ...)`: for each `fn NAME(who: Who, mode:
/// Mode)`, the tests `NAME::MODE::as_root` and `NAME::MODE::as_user`.
macro_rules! in_modes {
    ($($name:ident: [$($mode:ident),+ $(,)?]),* $(,)?) => {
        $(
            mod $name {
                $(
                    mode_cfg! {
                        $mode,
                        fn $mode(who: $crate::common::Who) {
                            super::$name(who, $crate::Mode::named(stringify!($mode)))
                        }
                        both!($mode);
                    }
                )+
            }
        )*
    };
}

/// The items of a mode's tests: those of `run` and `init_pid1`, which
/// start nook with `run`, only in a build that has it (Cargo.toml).
macro_rules! mode_cfg {
    (run, $($item:item)*) => { $(#[cfg(feature = "run")] $item)* };
    (init_pid1, $($item:item)*) => { $(#[cfg(feature = "run")] $item)* };
    ($mode:ident, $($item:item)*) => { $($item)* };
}

// ------------------------------------------------------- host-side helpers

/// /proc/PID/stat after the command name: [state, ppid, pgrp, session,
/// tty_nr, tpgid, ...].
fn stat(pid: u32) -> Option<Vec<String>> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = text.get(text.rfind(')')? + 2..)?;
    Some(rest.split_whitespace().map(str::to_string).collect())
}

fn state(pid: u32) -> String {
    match stat(pid) {
        Some(f) => format!("state {} ppid {} pgrp {} tpgid {}", f[0], f[1], f[2], f[5]),
        None => "gone".into(),
    }
}

fn cmdline(pid: u32) -> Vec<String> {
    let raw = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    raw.split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// PID's children, from every task's `children` file.
fn children(pid: u32) -> Vec<u32> {
    let mut kids = Vec::new();
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return kids;
    };
    for task in tasks.flatten() {
        let text = fs::read_to_string(task.path().join("children")).unwrap_or_default();
        kids.extend(
            text.split_whitespace()
                .filter_map(|w| w.parse::<u32>().ok()),
        );
    }
    kids
}

/// PID and everything below it.
fn tree(pid: u32) -> Vec<u32> {
    let mut all = vec![pid];
    let mut i = 0;
    while i < all.len() {
        let kids = children(all[i]);
        all.extend(kids);
        i += 1;
    }
    all
}

/// The open fds of PID, sorted.
fn fds(pid: u32) -> Vec<u32> {
    let mut v: Vec<u32> = fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// `kill -SIG PID` (a pid that is already gone is no error here).
fn send(pid: u32, sig: i32) {
    Command::new("kill")
        .args([format!("-{sig}"), pid.to_string()])
        .env("PATH", PATH)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run kill");
}

/// With signals forwarded to the group (`how`), the TERM just sent to
/// `target` must kill PROGRAM's child too.
fn expect_child_killed(live: &mut Live, how: &str, target: u32, prog: u32, sleep_pid: u32) {
    if !until(SOON, || !pid_alive(sleep_pid)) {
        let msg = format!(
            "with {how}, TERM to pid {target} did not kill the child (pid {sleep_pid}, {}) of PROGRAM (pid {prog}, {})",
            state(sleep_pid),
            state(prog)
        );
        live.fail(&msg);
    }
}

/// A pid written to `path` by a shell (`echo $$ > path`).
fn pid_in(path: &Path) -> Option<u32> {
    let text = fs::read_to_string(path).ok()?;
    text.strip_suffix('\n')?.trim().parse().ok()
}

fn lines_of(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Signal names for messages.
fn signame(sig: i32) -> String {
    const NAMES: [&str; 31] = [
        "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
        "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
        "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ];
    match sig {
        1..=31 => format!("SIG{} ({sig})", NAMES[sig as usize - 1]),
        _ => format!("signal {sig}"),
    }
}

// ---------------------------------------------------------- a live container

/// A nook run in progress, started through a shell that records the pid it
/// execs into (the outer process) in DIR/outer.pid.
struct Live {
    mode: Mode,
    /// None only while [`Live::fail`] tears the run down.
    run: Option<Running>,
    /// What the launcher exec'd: the outer nook (`run`, `init_pid1`),
    /// `unshare`, or `nook init` (`subreaper`).
    outer: u32,
    dir: PathBuf,
}

impl Live {
    /// Starts `argv` as `who`, from /.
    fn start(who: Who, mode: Mode, dir: &Path, argv: Vec<String>) -> Live {
        Live::start_with(who, mode, dir, "/", "", false, argv)
    }

    /// Like [`Live::start`], from `cwd`; `prelude` (shell commands ending in
    /// `;`) runs in the launching shell first. With `pty`, under `script`: a
    /// new pseudo-terminal is the controlling terminal and stdin, fed from the
    /// test's pipe.
    fn start_with(
        who: Who,
        mode: Mode,
        dir: &Path,
        cwd: &str,
        prelude: &str,
        pty: bool,
        argv: Vec<String>,
    ) -> Live {
        let pidfile = dir.join("outer.pid");
        let record = format!("echo $$ > {}", sh_quote(p(&pidfile)));
        let run = if pty {
            let cmd = format!("{prelude}{record}; exec {}", sh_join(&argv));
            let script: Vec<String> = ["script", "-qec", &cmd, "/dev/null"]
                .map(str::to_string)
                .to_vec();
            Run::argv(who, script)
        } else {
            Run::sh(who, &format!("{prelude}{record}; exec \"$@\""), &argv)
        };
        let mut run = run.cwd(cwd).spawn();
        until(SOON, || pid_in(&pidfile).is_some() || run.has_exited());
        if pid_in(&pidfile).is_none() {
            let out = run.finish();
            panic!("the launcher never recorded its pid in {pidfile:?}\n{out}");
        }
        let outer = pid_in(&pidfile).unwrap();
        Live {
            mode,
            run: Some(run),
            outer,
            dir: dir.to_path_buf(),
        }
    }

    /// The one child of `pid` (waits for it to appear).
    fn only_child(&mut self, pid: u32, what: &str) -> u32 {
        let mut kids = Vec::new();
        let found = until(SOON, || {
            kids = children(pid);
            kids.len() == 1
        });
        if !found {
            let kids = children(pid);
            self.fail(&format!(
                "expected exactly one child ({what}) of pid {pid}, found {kids:?}"
            ));
        }
        kids[0]
    }

    /// The nook process that acts as init (PID 1 or the subreaper), as a host
    /// pid.
    fn init(&mut self) -> u32 {
        match self.mode {
            Mode::Subreaper => self.outer,
            _ => self.only_child(self.outer, "the init"),
        }
    }

    /// Where a user's signal goes: the outer nook, or in `unshare` mode the
    /// nook that unshare forked.
    fn target(&mut self) -> u32 {
        match self.mode {
            Mode::Unshare => self.init(),
            _ => self.outer,
        }
    }

    /// PROGRAM, as a host pid.
    fn program(&mut self) -> u32 {
        let init = self.init();
        self.only_child(init, "PROGRAM")
    }

    /// Waits for DIR/NAME, made by PROGRAM; fails the test when it does not
    /// come.
    fn ready(&mut self, name: &str) {
        let path = self.dir.join(name);
        if !self.running().wait_for(&path, SOON) {
            self.fail(&format!("PROGRAM never created {}", p(&path)));
        }
    }

    /// Whether DIR/NAME shows up within [`SOON`].
    fn appears(&mut self, name: &str) -> bool {
        let path = self.dir.join(name);
        self.running().wait_for(&path, SOON)
    }

    fn running(&mut self) -> &mut Running {
        self.run.as_mut().unwrap()
    }

    fn finish(mut self) -> Out {
        self.run.take().unwrap().finish()
    }

    /// Like [`Live::finish`] for a run that should end at once (after a
    /// signal): fails fast, saying `why`, when it is still running after
    /// [`SOON`].
    fn finish_soon(mut self, why: &str) -> Out {
        if !until(SOON, || self.running().has_exited()) {
            let outer = self.outer;
            let states: Vec<String> = tree(outer)
                .iter()
                .map(|p| format!("{p} {:?}: {}", cmdline(*p).first(), state(*p)))
                .collect();
            self.fail(&format!(
                "still running 5 s after {why}; processes: {states:?}"
            ));
        }
        self.finish()
    }

    /// Kills everything the run started, then panics with `msg` and the run's
    /// output.
    fn fail(&mut self, msg: &str) -> ! {
        let pids = tree(self.outer);
        for pid in &pids {
            send(*pid, 9);
        }
        let mut run = self.run.take().unwrap();
        run.kill();
        let out = run.finish();
        panic!("[mode {:?}] {msg}\n{out}", self.mode);
    }
}

// ------------------------------------------------------------- exit codes

/// Every exit code 0..=255 passes through: 256 runs from one launcher shell.
fn exit_codes(who: Who, mode: Mode) {
    let dir = scratch(who, "codes");
    let codes: Vec<u32> = (0..=255).collect();
    let list: Vec<String> = codes.iter().map(u32::to_string).collect();
    let argv = mode.argv(&dir, &[], &[mode.tool("sh"), "-c".into()]);
    let script = format!(
        "for c in {}; do \"$@\" \"exit $c\"; echo \"$c $?\"; done",
        list.join(" ")
    );
    let out = Run::sh(who, &script, &argv).run();
    out.ok();
    let got = out.lines();
    let wrong: Vec<&String> = got
        .iter()
        .filter(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            f.len() != 2 || f[0] != f[1]
        })
        .collect();
    assert!(
        wrong.is_empty() && got.len() == codes.len() && out.stderr.is_empty(),
        "[mode {mode:?}] PROGRAM's exit codes must pass through (lines \"want got\"): \
         wrong {wrong:?}, {} of {} results, stderr {:?}\nper call: {} 'exit N'\n{out}",
        got.len(),
        codes.len(),
        out.stderr,
        sh_join(&argv)
    );
}

// ---------------------------------------------------------------- signals

/// TERM, INT, HUP, USR1 and USR2 sent to the outer process reach PROGRAM,
/// whose death by the signal becomes exit status 128+N (nook itself exits;
/// it is not killed).
fn terminating_signals(who: Who, mode: Mode) {
    let mut problems = Vec::new();
    for (sig, want) in [(15, 143), (2, 130), (1, 129), (10, 138), (12, 140)] {
        let tag = Tag::new();
        let dir = scratch(who, "sig");
        let inside = mode.inside(&dir);
        let program = mode.sh(&format!("touch {inside}/ready; exec sleep {tag}"));
        let mut live = Live::start(who, mode, &dir, mode.argv(&dir, &[], &program));
        live.ready("ready");
        let target = live.target();
        let started = Instant::now();
        send(target, sig);
        let out = live.finish_soon(&format!("{} to pid {target}", signame(sig)));
        if out.status.code() != Some(want) {
            problems.push(format!(
                "{} sent to pid {target}: want exit status {want}, got {} after {:?}\n{out}",
                signame(sig),
                out.status,
                started.elapsed()
            ));
        }
        assert!(tag.live_pids().is_empty(), "PROGRAM outlived nook\n{out}");
    }
    assert!(
        problems.is_empty(),
        "[mode {mode:?}]\n{}",
        problems.join("\n")
    );
}

/// Every catchable signal 1..=31 (not KILL, STOP, CHLD) and three realtime
/// ones, sent one at a time to the outer process, reach PROGRAM, which traps
/// each and appends its number to a file. The stop/continue signals and the
/// ones whose default is to ignore are covered too because PROGRAM traps
/// them.
fn every_signal(who: Who, mode: Mode) {
    let mut sigs: Vec<i32> = (1..=31).filter(|s| ![9, 17, 19].contains(s)).collect();
    sigs.extend([34, 40, 64]);
    let tag = Tag::new();
    let dir = scratch(who, "every");
    let inside = mode.inside(&dir);
    let traps: Vec<String> = sigs
        .iter()
        .map(|s| format!("trap 'echo {s} >> {inside}/got' {s}"))
        .collect();
    let script = format!(
        "sleep {tag} & k=$!\n{}\ntouch {inside}/ready\n\
         while [ ! -e {inside}/stop ] && kill -0 $k; do wait $k; done\n\
         kill $k; exit 77\n",
        traps.join("\n")
    );
    let program = mode.sh(&script);
    let mut live = Live::start(who, mode, &dir, mode.argv(&dir, &[], &program));
    live.ready("ready");
    let target = live.target();
    let got_file = dir.join("got");
    let mut missing = Vec::new();
    for &sig in &sigs {
        send(target, sig);
        // Once one is missing, the rest get less patience (fail fast).
        let patience = if missing.is_empty() { 2000 } else { 300 };
        let seen = until(Duration::from_millis(patience), || {
            lines_of(&got_file).iter().any(|l| *l == sig.to_string())
        });
        if !seen {
            missing.push(signame(sig));
        }
    }
    fs::write(dir.join("stop"), "").unwrap();
    send(target, 10);
    let out = live.finish_soon(&format!(
        "SIGUSR1 to pid {target} (PROGRAM exits on it once DIR/stop exists); \
         signals PROGRAM missed: {missing:?}"
    ));
    let got = lines_of(&got_file);
    assert!(
        missing.is_empty(),
        "[mode {mode:?}] signals sent to pid {target} never reached PROGRAM: {}\n\
         PROGRAM saw, in order: {got:?}\n{out}",
        missing.join(", ")
    );
    out.code(77);
    let want: Vec<String> = sigs.iter().map(i32::to_string).collect();
    assert_eq!(
        got[..want.len().min(got.len())],
        want[..],
        "[mode {mode:?}] PROGRAM saw the signals out of order or twice\n{out}"
    );
}

/// The pids of PROGRAM and of its `sleep` child, once that runs.
fn programs_sleep(live: &mut Live) -> (u32, u32) {
    let init = live.init();
    let prog = live.only_child(init, "PROGRAM");
    let mut sleep_pid = None;
    let sleeping = until(SOON, || {
        sleep_pid = children(prog)
            .into_iter()
            .find(|k| cmdline(*k).first().is_some_and(|a| a.ends_with("sleep")));
        sleep_pid.is_some()
    });
    if !sleeping {
        live.fail("PROGRAM's sleep never started");
    }
    (prog, sleep_pid.unwrap())
}

/// --signal-group: TERM reaches PROGRAM's whole process group, so the child
/// of a PROGRAM that survives TERM (a shell with a trap) dies too. Without
/// it, only PROGRAM gets the signal and the child sleeps on.
fn signal_group(who: Who, mode: Mode) {
    for group in [true, false] {
        let tag = Tag::new();
        let dir = scratch(who, "group");
        let inside = mode.inside(&dir);
        // In group mode the sleep would last 30 s unless TERM kills it.
        let sleep = if group { tag.to_string() } else { "2".into() };
        let script = format!(
            "trap 'echo sh-trapped-TERM' TERM; touch {inside}/ready; sleep {sleep}; \
             echo sleep-status $?"
        );
        let opts: &[&str] = if group { &["--signal-group"] } else { &[] };
        let mut live = Live::start(who, mode, &dir, mode.argv(&dir, opts, &mode.sh(&script)));
        live.ready("ready");
        // The shell is waiting for its sleep: let the sleep start.
        let (prog, sleep_pid) = programs_sleep(&mut live);
        let target = live.target();
        let started = Instant::now();
        send(target, 15);
        if group {
            expect_child_killed(&mut live, "--signal-group", target, prog, sleep_pid);
        }
        let out = live.finish();
        let took = started.elapsed();
        let lines = out.lines();
        let want_sleep = if group {
            "sleep-status 143"
        } else {
            "sleep-status 0"
        };
        assert!(
            out.status.code() == Some(0)
                && lines.iter().any(|l| l == "sh-trapped-TERM")
                && lines.iter().any(|l| l == want_sleep),
            "[mode {mode:?}] TERM to pid {target} {}: PROGRAM (a shell trapping TERM) must \
             see it and its sleep must print {want_sleep:?}; exit 0 (after {took:?})\n{out}",
            if group {
                "with --signal-group"
            } else {
                "without --signal-group"
            }
        );
        if group {
            assert!(
                took < Duration::from_secs(10),
                "[mode {mode:?}] the sleep was not killed at once ({took:?})\n{out}"
            );
        }
    }
}

// ---------------------------------------------------------------- zombies

/// Orphans are reparented to nook (PID 1 or the subreaper), and a burst of
/// 1,000 of them exiting at once leaves no zombie behind. The orphans are
/// `cat`s reading a FIFO (through a read end they inherit) whose only writer
/// PROGRAM holds: while it is open they are all alive (and counted as nook's
/// children); closing it ends them together, so their SIGCHLDs merge.
fn orphan_burst(who: Who, mode: Mode) {
    let dir = scratch(who, "orphans");
    let inside = mode.inside(&dir);
    let script = orphan_burst_script(1000, &format!("{inside}/fifo"), "$PPID", true);
    let live = Live::start(who, mode, &dir, mode.argv(&dir, &[], &mode.sh(&script)));
    // As a subreaper, nook init is the launched process itself.
    let outer = live.outer;
    let out = live.finish();
    let parent = if mode.pid_ns() {
        "1".to_string()
    } else {
        outer.to_string()
    };
    assert_eq!(
        out.lines(),
        vec![
            format!("parent {parent}"),
            "orphans 1000".into(),
            "left 0".into()
        ],
        "[mode {mode:?}] 1,000 orphans must be nook's children (pid {parent} as PROGRAM sees \
         it), and all of them reaped within 5 s of their exit (\"left\" counts nook's \
         children other than PROGRAM, zombies included)\n{out}"
    );
    out.ok();
}

// ------------------------------------------------------------- the process

/// `echo $$` prints 2 (PROGRAM is PID 2 under nook), 1 with --no-init. As a
/// subreaper, PROGRAM's parent is nook.
fn pid_numbers(who: Who, mode: Mode) {
    let dir = scratch(who, "pids");
    let script = "echo $$; echo $PPID; cat /proc/$PPID/comm";
    let live = Live::start(who, mode, &dir, mode.argv(&dir, &[], &mode.sh(script)));
    let outer = live.outer;
    let out = live.finish();
    let lines = out.ok_lines();
    // PID 1 of `run` runs from a sealed memfd copy, named "memfd:nook".
    let nook_comm = lines
        .get(2)
        .is_some_and(|c| c == "nook" || c == "memfd:nook");
    let (own, parent) = if mode.pid_ns() {
        ("2".to_string(), "1".to_string())
    } else {
        let own = lines.first().cloned().unwrap_or_default();
        assert!(
            own != "1" && own != "2",
            "PROGRAM must not be in a new PID namespace\n{out}"
        );
        (own, outer.to_string())
    };
    assert!(
        lines.len() == 3 && lines[0] == own && lines[1] == parent && nook_comm,
        "[mode {mode:?}] `echo $$; echo $PPID; cat /proc/$PPID/comm` inside: want {own}, \
         {parent}, nook\n{out}"
    );
    if mode == Mode::Run {
        let w = world();
        let argv = [
            "--unshare-pid",
            "--no-init",
            "--proc",
            "/proc",
            "--root",
            w.root(),
            "--",
            "/bin/sh",
            "-c",
            "echo $$",
        ];
        nook(who, &argv).ok().stdout_is("1\n");
    }
}

/// `ps` inside sees PID 1 (nook) and itself (PID 2), nothing of the host.
fn ps_inside(who: Who, mode: Mode) {
    let dir = scratch(who, "ps");
    let program = [mode.tool("ps"), "-o".into(), "pid,comm".into()];
    let out = Run::argv(who, mode.argv(&dir, &[], &program)).run();
    let rows: Vec<String> = out.words_lines();
    // PID 1 of `run` runs from a sealed memfd copy, which the kernel would
    // name "memfd:nook": nook renames itself, so ps, top and pgrep find it.
    let init_ok = rows.get(1).is_some_and(|r| r == "1 nook");
    assert!(
        out.code == 0
            && rows.len() == 3
            && rows[0] == "PID COMMAND"
            && init_ok
            && rows[2] == "2 ps",
        "[mode {mode:?}] `ps -o pid,comm` inside must list only nook (1) and ps (2)\n{out}"
    );
}

/// Under a pseudo-terminal PROGRAM is in the foreground: it reads a line from
/// the terminal, and Ctrl-C kills it with SIGINT (exit 130).
fn pty_ctrl_c(who: Who, mode: Mode) {
    let tag = Tag::new();
    let dir = scratch(who, "pty");
    let inside = mode.inside(&dir);
    let script =
        format!("touch {inside}/ready; read x; echo got:$x; touch {inside}/read; sleep {tag}");
    let argv = mode.argv(&dir, &[], &mode.sh(&script));
    let mut live = Live::start_with(who, mode, &dir, "/", "", true, argv);
    live.ready("ready");
    live.running().write_stdin(b"hello\n");
    if !live.appears("read") {
        let prog = live.program();
        let init = live.init();
        let msg = format!(
            "PROGRAM never read the line typed on the terminal. PROGRAM (pid {prog}): {}; \
             init (pid {init}): {}; outer (pid {}): {}",
            state(prog),
            state(init),
            live.outer,
            state(live.outer)
        );
        live.fail(&msg);
    }
    live.running().write_stdin(b"\x03");
    let out = live.finish_soon("Ctrl-C on the terminal");
    assert!(
        out.status.code() == Some(130) && out.stdout.contains("got:hello"),
        "[mode {mode:?}] under a pty: want \"got:hello\" and exit status 130 after Ctrl-C\n{out}"
    );
}

/// PROGRAM keeps the working directory nook gives it (run: --chdir; init:
/// the one it was started in).
fn working_directory(who: Who, mode: Mode) {
    let dir = scratch(who, "cwd");
    let pwd = [mode.tool("pwd")];
    let cases: Vec<(Vec<String>, String, &str)> = match mode {
        Mode::Run | Mode::InitPid1 => vec![
            (
                mode.argv_with(&dir, &["--chdir", "/etc"], &[], &pwd),
                "/".into(),
                "/etc",
            ),
            (
                mode.argv_with(&dir, &["--chdir", "/tmp"], &[], &pwd),
                "/".into(),
                "/tmp",
            ),
            (mode.argv(&dir, &[], &pwd), p(&dir).into(), "/"),
        ],
        Mode::Unshare | Mode::Subreaper => vec![
            (mode.argv(&dir, &[], &pwd), p(&dir).into(), p(&dir)),
            (mode.argv(&dir, &[], &pwd), "/".into(), "/"),
        ],
    };
    for (argv, cwd, want) in cases {
        Run::argv(who, argv)
            .cwd(&cwd)
            .run()
            .ok()
            .stdout_is(&format!("{want}\n"));
    }
}

/// The init holds only fds 0, 1 and 2 and sits at /, though started with
/// extra inherited fds; PROGRAM gets only 0, 1 and 2 as well, and keeps its
/// working directory.
fn init_fds(who: Who, mode: Mode) {
    let tag = Tag::new();
    let dir = scratch(who, "fds");
    let inside = mode.inside(&dir);
    let launcher_fds = dir.join("launcher-fds");
    let prelude = format!(
        "exec 5</dev/null 7>/dev/null 9>&1; ls /proc/$$/fd > {}; ",
        sh_quote(p(&launcher_fds))
    );
    let program = mode.sh(&format!("touch {inside}/ready; exec sleep {tag}"));
    let (argv, cwd, prog_cwd) = match mode {
        Mode::Run | Mode::InitPid1 => (
            mode.argv_with(&dir, &["--chdir", "/etc"], &[], &program),
            "/".to_string(),
            "/etc".to_string(),
        ),
        _ => (
            mode.argv(&dir, &[], &program),
            p(&dir).to_string(),
            p(&dir).to_string(),
        ),
    };
    let mut live = Live::start_with(who, mode, &dir, &cwd, &prelude, false, argv);
    live.ready("ready");
    let launched: Vec<String> = lines_of(&launcher_fds);
    for fd in ["5", "7", "9"] {
        assert!(
            launched.iter().any(|l| l == fd),
            "the launcher did not hold fd {fd}: {launched:?}"
        );
    }
    let init = live.init();
    let prog = live.program();
    let exec_done = until(SOON, || {
        cmdline(prog).first().is_some_and(|a| a.ends_with("sleep"))
    });
    let settled = until(SOON, || {
        fds(init) == [0, 1, 2]
            && fs::read_link(format!("/proc/{init}/cwd")).is_ok_and(|c| c == Path::new("/"))
    });
    let (init_fds, init_cwd) = (fds(init), fs::read_link(format!("/proc/{init}/cwd")));
    let (prog_fds, prog_cwd_now) = (fds(prog), fs::read_link(format!("/proc/{prog}/cwd")));
    let target = live.target();
    send(target, 15);
    let out = live.finish_soon(&format!("SIGTERM to pid {target}"));
    assert!(
        exec_done,
        "[mode {mode:?}] PROGRAM never exec'd sleep\n{out}"
    );
    assert!(
        settled,
        "[mode {mode:?}] the init (pid {init}) must hold only fds [0, 1, 2] and sit at /: \
         fds {init_fds:?}, cwd {init_cwd:?}\n{out}"
    );
    assert_eq!(
        prog_fds,
        [0, 1, 2],
        "[mode {mode:?}] PROGRAM (pid {prog}) must hold only fds 0, 1, 2\n{out}"
    );
    assert_eq!(
        prog_cwd_now.ok(),
        Some(PathBuf::from(&prog_cwd)),
        "[mode {mode:?}] PROGRAM's working directory\n{out}"
    );
    assert_eq!(out.status.code(), Some(143), "[mode {mode:?}] TERM\n{out}");
}

// ------------------------------------------------------------ parent death

/// Starts `argv` in the background of a launcher shell (as `who`) that
/// records its own pid and nook's, and waits; PROGRAM must create DIR/ready.
/// Returns the run, the launcher's pid and nook's pid.
fn launch_in_background(who: Who, dir: &Path, argv: &[String]) -> (Running, u32, u32) {
    let script = format!(
        "echo $$ > {d}/launcher; \"$@\" & echo $! > {d}/nook.tmp; mv {d}/nook.tmp {d}/nook; wait",
        d = sh_quote(p(dir))
    );
    let mut run = Run::sh(who, &script, argv).spawn();
    // PROGRAM may be ready before the launcher has written nook's pid,
    // which it renames into place whole.
    if !run.wait_for(&dir.join("ready"), SOON) || !run.wait_for(&dir.join("nook"), SOON) {
        run.kill();
        panic!("PROGRAM never started: {}", run.desc);
    }
    let launcher = pid_in(&dir.join("launcher")).expect("launcher pid");
    let nook = pid_in(&dir.join("nook")).expect("nook pid");
    assert_eq!(
        stat(nook).map(|f| f[1].clone()),
        Some(launcher.to_string()),
        "nook's parent must be the launcher"
    );
    (run, launcher, nook)
}

/// PROGRAM of the parent-death tests: a shell that writes DIR/term when TERM
/// reaches it, then ends its tagged sleep and exits.
fn pdeath_program(dir: &Path, tag: &Tag) -> String {
    pdeath_program_at(p(dir), tag)
}

/// [`pdeath_program`] with the scratch dir as PROGRAM sees it (`d`).
fn pdeath_program_at(d: &str, tag: &Tag) -> String {
    format!("trap 'echo TERM > {d}/term; kill $k; exit 0' TERM; sleep {tag} & k=$!; touch {d}/ready; wait")
}

/// SIGKILLs the launcher of `argv` and asserts that nook's parent-death
/// signal fired: PROGRAM got TERM, and nook and everything tagged are gone.
fn assert_pdeathsig_fires(who: Who, dir: &Path, tag: &Tag, argv: &[String]) {
    let (run, launcher, nook_pid) = launch_in_background(who, dir, argv);
    send(launcher, 9);
    let gone = until(SOON, || !pid_alive(nook_pid) && tag.live_pids().is_empty());
    let term = dir.join("term").exists();
    let left: Vec<String> = tag
        .live_pids()
        .iter()
        .map(|p| format!("{p} {:?}", cmdline(*p)))
        .collect();
    // Whatever is left holds the run's stdout: end it before waiting.
    tag.kill();
    let out = run.finish();
    assert!(
        gone && term,
        "after SIGKILL to the launcher (pid {launcher}) of `{}`: PROGRAM got TERM: {term}; \
         nook (pid {nook_pid}) exited: {}; left: {left:?}\n{out}",
        sh_join(argv),
        !pid_alive(nook_pid)
    );
}

/// `nook init --pdeathsig TERM`: when the launcher is SIGKILLed, nook gets
/// TERM, forwards it to PROGRAM and exits. Without --pdeathsig nook outlives
/// the launcher (so the signal really comes from --pdeathsig).
fn pdeathsig(who: Who) {
    for with in [true, false] {
        let tag = Tag::new();
        let dir = scratch(who, "pdeath");
        let script = pdeath_program(&dir, &tag);
        let opts: &[&str] = if with { &["--pdeathsig", "TERM"] } else { &[] };
        let argv = Mode::Subreaper.argv(&dir, opts, &Mode::Subreaper.sh(&script));
        if with {
            assert_pdeathsig_fires(who, &dir, &tag, &argv);
        } else {
            let (run, launcher, nook_pid) = launch_in_background(who, &dir, &argv);
            send(launcher, 9);
            thread::sleep(Duration::from_secs(1));
            let survived = pid_alive(nook_pid) && !dir.join("term").exists();
            send(nook_pid, 15);
            let ended = until(SOON, || !pid_alive(nook_pid) && tag.live_pids().is_empty());
            // Whatever is left holds the run's stdout: end it before waiting.
            tag.kill();
            let out = run.finish();
            assert!(
                survived && ended && dir.join("term").exists(),
                "without --pdeathsig nook must outlive its launcher (did: {survived}) and still \
                 forward TERM (ended: {ended})\n{out}"
            );
        }
    }
}

/// `run --unshare-pid --pdeathsig TERM`: the nook whose parent dies is the
/// outer one, which stays in the caller's namespaces; it gets TERM and hands
/// it on to PID 1, which forwards it to PROGRAM, and all of them exit. (Set
/// only on PID 1, it would fire only when the outer nook died.)
#[cfg(feature = "run")]
fn run_pdeathsig(who: Who) {
    let tag = Tag::new();
    let dir = scratch(who, "runpdeath");
    let script = pdeath_program_at(&Mode::Run.inside(&dir), &tag);
    let argv = Mode::Run.argv(&dir, &["--pdeathsig", "TERM"], &Mode::Run.sh(&script));
    assert_pdeathsig_fires(who, &dir, &tag, &argv);
}

/// The init that run re-executes gets each PID-1 option once: those it is
/// handed from the plan (`--pdeathsig`, `--grace`, `--signal-group`,
/// `--subreaper`, `--new-session`) not again as run's argv gave them; the
/// others as given.
#[cfg(feature = "run")]
fn run_hands_each_init_option_once(who: Who) {
    let w = world();
    let argv = [
        w.nook_path(), "--unshare-pid", "--pdeathsig", "TERM", "--grace", "3", "--signal-group", "--subreaper",
        "--new-session", "--remap-exit", "3", "--root", w.root(), "--proc", "/proc", "--", "/bin/cat", "/proc/1/cmdline",
    ];
    let out = Run::argv(who, args(&argv)).run();
    out.ok();
    let words: Vec<&str> = out.stdout.split('\0').collect();
    assert_eq!(
        words[1..words.iter().position(|&w| w == "--").unwrap()],
        ["init", "--signal-group", "--subreaper", "--new-session", "--grace", "3", "--pdeathsig", "15", "--remap-exit", "3"],
        "{out}"
    );
}

/// `run --unshare-pid --die-with-parent`: SIGKILL to the launcher takes down
/// the outer nook, PID 1 and PROGRAM. Without the option they live on.
#[cfg(feature = "run")]
fn die_with_parent(who: Who) {
    let w = world();
    for with in [true, false] {
        let tag = Tag::new();
        let dir = scratch(who, "dwp");
        let mut argv: Vec<String> = vec![w.nook_path().into(), "--unshare-pid".into()];
        if with {
            argv.push("--die-with-parent".into());
        }
        let rest = [
            "--proc",
            "/proc",
            "--root",
            w.root(),
            "--bind",
            p(&dir),
            "/mnt",
            "--",
            "/bin/sh",
            "-c",
        ];
        argv.extend(rest.map(str::to_string));
        argv.push(format!("touch /mnt/ready; exec sleep {tag}"));
        let (run, launcher, outer) = launch_in_background(who, &dir, &argv);
        // The outer nook, PID 1 and PROGRAM (once it has exec'd sleep).
        let mut all = Vec::new();
        let complete = until(SOON, || {
            all = tree(outer);
            all.len() == 3
                && cmdline(all[2])
                    .first()
                    .is_some_and(|a| a.ends_with("sleep"))
        });
        assert!(complete, "expected nook, PID 1 and sleep: {all:?}");
        send(launcher, 9);
        if with {
            let gone = until(SOON, || all.iter().all(|p| !pid_alive(*p)));
            let states: Vec<String> = all.iter().map(|p| format!("{p}: {}", state(*p))).collect();
            // Whatever is left holds the run's stdout: end it before waiting.
            tag.kill();
            let out = run.finish();
            assert!(
                gone,
                "after SIGKILL to the launcher (pid {launcher}) of `{}`, the outer nook, PID 1 \
                 and PROGRAM must die: {states:?}\n{out}",
                sh_join(&argv)
            );
        } else {
            thread::sleep(Duration::from_secs(1));
            let survived = all.iter().all(|p| pid_alive(*p));
            send(outer, 15);
            let ended = until(SOON, || all.iter().all(|p| !pid_alive(*p)));
            // Whatever is left holds the run's stdout: end it before waiting.
            tag.kill();
            let out = run.finish();
            assert!(
                survived && ended,
                "without --die-with-parent the container outlives its launcher (did: \
                 {survived}) and TERM still ends it (ended: {ended})\n{out}"
            );
        }
    }
}

// ----------------------------------------------------------------- memory

/// The executable mappings of the binary that PID runs (the one mapped at
/// 0x400000), as (resident kB, smaps line), and its peak resident memory
/// (VmHWM) in kB.
/// The resident kB and line of each of nook's code mappings in `pid`, the
/// resident kB of its .bss (the anonymous mapping right after the
/// binary's writable one; 0 when there is none), and its VmHWM.
fn code_residency(pid: u32) -> (Vec<(u64, String)>, u64, u64) {
    let smaps = fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
    let mut maps: Vec<(u64, String)> = Vec::new();
    for line in smaps.lines() {
        let first = line.split_whitespace().next().unwrap_or("");
        if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            maps.push((0, line.to_string()));
        } else if let (Some(kb), Some(last)) = (line.strip_prefix("Rss:"), maps.last_mut()) {
            last.0 = kb.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
        }
    }
    let path = |line: &str| line.split_whitespace().skip(5).collect::<Vec<_>>().join(" ");
    let binary = maps
        .iter()
        .find(|(_, l)| l.starts_with("00400000-"))
        .map(|(_, l)| path(l))
        .unwrap_or_default();
    let writable = maps.iter().position(|(_, l)| l.split_whitespace().nth(1) == Some("rw-p") && !binary.is_empty() && path(l) == binary);
    let bss = writable
        .and_then(|at| maps.get(at + 1))
        .filter(|(_, l)| path(l).is_empty())
        .map_or(0, |(kb, _)| *kb);
    let code = maps
        .into_iter()
        .filter(|(_, l)| matches!(l.split_whitespace().nth(1), Some("r-xp" | "r--p")) && !binary.is_empty() && path(l) == binary)
        .collect();
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(u64::MAX);
    (code, hwm, bss)
}

/// The init keeps little of nook resident: at most 40 kB at its peak (issue
/// 20: 24 to 28 kB measured, the rest for a stack that the environment's
/// strings and the kernel's random gap spread over more pages). The code
/// that builds containers and the read-only data that only it reads (the
/// C strings) are linked into a segment of their own (build.rs,
/// SETUP_ONLY), and no page of it may be mapped into the init, not even
/// once it has forwarded a signal.
fn init_memory(who: Who, mode: Mode) {
    let tag = Tag::new();
    let dir = scratch(who, "memory");
    let inside = mode.inside(&dir);
    let script = format!(
        "trap 'touch {inside}/got' USR1\nsleep {tag} & k=$!\ntouch {inside}/ready\n\
         while [ ! -e {inside}/stop ] && kill -0 $k; do wait $k; done\nkill $k\n"
    );
    let mut live = Live::start(who, mode, &dir, mode.argv(&dir, &[], &mode.sh(&script)));
    live.ready("ready");
    let target = live.target();
    send(target, 10);
    if !live.appears("got") {
        live.fail("PROGRAM never got the SIGUSR1 sent to the outer process");
    }
    let init = live.init();
    let (code, peak, bss) = code_residency(init);
    fs::write(dir.join("stop"), "").unwrap();
    send(target, 10);
    let out = live.finish_soon("SIGUSR1 (PROGRAM exits on it once DIR/stop exists)");
    let shown: Vec<String> = code.iter().map(|(kb, l)| format!("{kb} kB resident: {l}")).collect();
    // The 40 kB hold for the release build only: an unoptimized nook has
    // several times the code (tests/binary.rs skips its budget likewise).
    let peak_ok = peak <= 40 || cfg!(debug_assertions);
    assert!(
        code.len() == 2 && code[1].0 == 0 && peak_ok,
        "[mode {mode:?}] the init (pid {init}) must map nook's code and read-only data in two \
         segments, none of the second (setup's) resident, and peak at 40 kB at most; \
         VmHWM {peak} kB, segments:\n{}\n{out}",
        shown.join("\n")
    );
    // PID 1 writes no static beyond .data's page (a store of a default
    // value once made a .bss page resident: 4 kB of the 32 of issue 20).
    assert!(
        bss == 0 || cfg!(debug_assertions),
        "[mode {mode:?}] the init (pid {init}) must leave its .bss untouched: {bss} kB resident\n{out}"
    );
}

in_modes!(
    exit_codes: [run, init_pid1, unshare, subreaper],
    init_memory: [run, init_pid1, unshare, subreaper],
    terminating_signals: [run, init_pid1, unshare, subreaper],
    every_signal: [run, init_pid1, unshare, subreaper],
    signal_group: [run, init_pid1, unshare, subreaper],
    orphan_burst: [run, init_pid1, unshare, subreaper],
    pid_numbers: [run, init_pid1, unshare, subreaper],
    ps_inside: [run, init_pid1, unshare],
    pty_ctrl_c: [run, init_pid1, unshare, subreaper],
    working_directory: [run, init_pid1, unshare, subreaper],
    init_fds: [run, init_pid1, unshare, subreaper],
);

both!(pdeathsig, #[cfg(feature = "run")] run_pdeathsig, #[cfg(feature = "run")] run_hands_each_init_option_once, #[cfg(feature = "run")] die_with_parent);

// ------------------------------------------------------------------- grace

/// How the child that PROGRAM leaves behind takes TERM.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OnTerm {
    /// Its trap writes DIR/termed and exits 0.
    Exit,
    /// Its trap does nothing (`trap ':' TERM`): it lives on.
    Shrug,
}

/// What [`leave_child`] saw.
struct Left {
    out: Out,
    /// From the moment the test let PROGRAM exit (DIR/go) to the end of the
    /// run.
    took: Duration,
    dir: PathBuf,
    /// On the child's command line; dropping it kills what is left.
    tag: Tag,
}

impl Left {
    /// Whether the child's TERM trap wrote DIR/termed.
    fn termed(&self) -> bool {
        fs::read_to_string(self.dir.join("termed")).is_ok_and(|t| t == "termed\n")
    }

    /// The live processes carrying the tag (the child, if it survived).
    fn survivors(&self) -> Vec<String> {
        self.tag
            .live_pids()
            .iter()
            .map(|p| format!("{p} {:?}: {}", cmdline(*p).first(), state(*p)))
            .collect()
    }

    /// The survivors but the subshell's own passing children: a fork
    /// caught before it execs `sleep` still carries the tag, and its
    /// parent is a survivor too.
    fn survivors_but_forks(&self) -> Vec<String> {
        let pids = self.tag.live_pids();
        let tagged_parent = |p: &u32| {
            stat(*p).and_then(|f| f.get(1).and_then(|ppid| ppid.parse::<u32>().ok())).is_some_and(|ppid| pids.contains(&ppid))
        };
        pids.iter()
            .filter(|p| !tagged_parent(p))
            .map(|p| format!("{p} {:?}: {}", cmdline(*p).first(), state(*p)))
            .collect()
    }
}

/// PROGRAM starts a background child (a subshell with a [`Tag`] on its
/// command line, stdio on /dev/null, sleeping in steps of 0.1 s) that takes
/// TERM as `on_term` says, waits for the test's go (DIR/go) and exits 3.
/// `env` is exported to nook by the launching shell. Returns once the run has
/// ended (failing after 20 s).
fn leave_child(
    who: Who,
    mode: Mode,
    init_opts: &[&str],
    env: &[(&str, &str)],
    on_term: OnTerm,
) -> Left {
    let tag = Tag::new();
    let dir = scratch(who, "grace");
    let inside = mode.inside(&dir);
    let trap = match on_term {
        OnTerm::Exit => format!("echo termed > {inside}/termed; exit 0"),
        OnTerm::Shrug => ":".to_string(),
    };
    let script = format!(
        ": {tag}\n\
         ( trap '{trap}' TERM; touch {inside}/ready; while :; do sleep 0.1; done ) \
         </dev/null >/dev/null 2>&1 &\n\
         while [ ! -e {inside}/go ]; do sleep 0.01; done\n\
         exit 3\n"
    );
    let prelude: String = env
        .iter()
        .map(|(k, v)| format!("export {k}={}; ", sh_quote(v)))
        .collect();
    let argv = mode.argv(&dir, init_opts, &mode.sh(&script));
    let mut live = Live::start_with(who, mode, &dir, "/", &prelude, false, argv);
    live.ready("ready");
    let started = Instant::now();
    fs::write(dir.join("go"), "").unwrap();
    if !until(Duration::from_secs(20), || live.running().has_exited()) {
        let left: Vec<String> = tag
            .live_pids()
            .iter()
            .map(|p| format!("{p} {:?}: {}", cmdline(*p).first(), state(*p)))
            .collect();
        live.fail(&format!(
            "nook was still running 20 s after PROGRAM was let go to exit 3; tagged \
             processes: {left:?}"
        ));
    }
    let out = live.finish();
    let took = started.elapsed();
    Left {
        out,
        took,
        dir,
        tag,
    }
}

/// `--grace 10`: after PROGRAM exits 3, its left-over child gets TERM (its
/// trap writes DIR/termed and exits); nook exits 3 as soon as nothing is
/// left, far sooner than 10 s.
fn grace_term(who: Who, mode: Mode) {
    let left = leave_child(who, mode, &["--grace", "10"], &[], OnTerm::Exit);
    let (out, took, survivors) = (&left.out, left.took, left.survivors());
    assert!(
        out.code == 3 && left.termed() && took < Duration::from_secs(5) && survivors.is_empty(),
        "[mode {mode:?}] with --grace 10, PROGRAM's left-over child must get TERM (its trap \
         wrote DIR/termed: {}), and nook exit 3 (got {}) as soon as the child is gone (took \
         {took:?}, want < 5 s); left alive: {survivors:?}\n{out}",
        left.termed(),
        out.code
    );
}

/// A child that survives TERM: with `opts`/`env` meaning a grace of 1 s, nook
/// exits 3 after at least 1 s (and well before 4 s), and the child is gone.
fn check_grace_kill(who: Who, mode: Mode, opts: &[&str], env: &[(&str, &str)], how: &str) {
    let left = leave_child(who, mode, opts, env, OnTerm::Shrug);
    let (out, took) = (&left.out, left.took);
    // As PID 1 the kernel ends the namespace with it; as a subreaper nook
    // must have killed and reaped the child before exiting.
    let mut survivors = left.survivors();
    if mode.pid_ns() {
        until(Duration::from_secs(1), || {
            survivors = left.survivors();
            survivors.is_empty()
        });
    }
    assert!(
        out.code == 3
            && took >= Duration::from_secs(1)
            && took < Duration::from_secs(4)
            && survivors.is_empty(),
        "[mode {mode:?}] with {how}, a left-over child that shrugs off TERM must be KILLed \
         after the grace: want exit 3 (got {}) after 1 s to 4 s (took {took:?}) and the child \
         gone (left alive: {survivors:?})\n{out}",
        out.code
    );
}

/// `--grace 1` against a child that traps TERM and carries on.
fn grace_kill(who: Who, mode: Mode) {
    check_grace_kill(who, mode, &["--grace", "1"], &[], "--grace 1");
}

/// NOOK_GRACE=1 equals --grace 1.
fn env_grace(who: Who, mode: Mode) {
    check_grace_kill(who, mode, &[], &[("NOOK_GRACE", "1")], "NOOK_GRACE=1");
}

/// Without a grace (the default, or `--grace 0`, which wins over
/// NOOK_GRACE=30): as PID 1 nook KILLs what PROGRAM left at once (no TERM:
/// the child's trap never writes DIR/termed); as a subreaper it leaves it be
/// (it outlives nook, untouched).
/// Extra nook options and environment variables for one case.
type Args<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);

fn grace_default(who: Who, mode: Mode) {
    let mut cases: Vec<(Args, &str)> = vec![((&[], &[]), "no --grace")];
    // In init_pid1 the variable would reach only the outer nook (--no-init).
    if mode != Mode::InitPid1 {
        cases.push(((&["--grace", "0"], &[("NOOK_GRACE", "30")]), "NOOK_GRACE=30 and --grace 0 (argv wins)"));
    }
    for ((opts, env), how) in cases {
        let left = leave_child(who, mode, opts, env, OnTerm::Exit);
        let (out, took) = (&left.out, left.took);
        if mode.pid_ns() {
            let mut survivors = left.survivors();
            until(Duration::from_secs(1), || {
                survivors = left.survivors();
                survivors.is_empty()
            });
            assert!(
                out.code == 3
                    && !left.termed()
                    && survivors.is_empty()
                    && took < Duration::from_secs(4),
                "[mode {mode:?}] with {how}, PID 1 must SIGKILL PROGRAM's left-over child at \
                 once, without TERM: want exit 3 (got {}) within 4 s (took {took:?}), no \
                 DIR/termed (termed: {}), nothing left (left alive: {survivors:?})\n{out}",
                out.code,
                left.termed()
            );
        } else {
            // Were it TERMed, its trap would run within 0.1 s.
            thread::sleep(Duration::from_millis(500));
            let survivors = left.survivors_but_forks();
            assert!(
                out.code == 3
                    && !left.termed()
                    && survivors.len() == 1
                    && took < Duration::from_secs(4),
                "[mode {mode:?}] with {how}, nook as a subreaper must exit 3 (got {}) at once \
                 (took {took:?}, want < 4 s) and leave PROGRAM's child alone: want it alive \
                 (tagged processes alive: {survivors:?}) and never TERMed (termed: {})\n{out}",
                out.code,
                left.termed()
            );
        }
    }
}

// ------------------------------------------------- what PROGRAM inherits

/// PROGRAM starts with the signal mask and the ignored signals nook
/// inherited: a python launcher blocks USR2 and ignores HUP (python itself
/// ignores PIPE and XFSZ), prints its SigBlk and SigIgn, and execs the
/// command line; PROGRAM (busybox grep) prints its own.
fn inherited_signals(who: Who, mode: Mode) {
    let dir = scratch(who, "sigmask");
    let launcher = "import os, signal, sys\n\
                    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})\n\
                    signal.signal(signal.SIGHUP, signal.SIG_IGN)\n\
                    for line in open('/proc/self/status'):\n\
                    \x20   if line.startswith(('SigBlk:', 'SigIgn:')):\n\
                    \x20       sys.stdout.write('launcher ' + line)\n\
                    sys.stdout.flush()\n\
                    os.execvp(sys.argv[1], sys.argv[1:])\n";
    let program = [
        mode.tool("grep"),
        "-E".into(),
        "^Sig(Blk|Ign):".into(),
        "/proc/self/status".into(),
    ];
    let mut argv: Vec<String> = vec!["python3".into(), "-c".into(), launcher.into()];
    argv.extend(mode.argv(&dir, &[], &program));
    let out = Run::argv(who, argv).run();
    let lines = out.ok_lines();
    let field = |prefix: &str| -> Option<u64> {
        let line = lines.iter().find(|l| l.starts_with(prefix))?;
        u64::from_str_radix(line[prefix.len()..].trim(), 16).ok()
    };
    let (lb, li) = (field("launcher SigBlk:"), field("launcher SigIgn:"));
    let (pb, pi) = (field("SigBlk:"), field("SigIgn:"));
    assert!(
        lb.is_some_and(|m| m & 0x800 != 0) && li.is_some_and(|m| m & 0x1 != 0),
        "[mode {mode:?}] the launcher did not block USR2 and ignore HUP\n{out}"
    );
    assert!(
        lines.len() == 4 && pb == lb && pi == li,
        "[mode {mode:?}] PROGRAM must start with the launcher's signal mask (SigBlk \
         {lb:x?}, got {pb:x?}) and ignored signals (SigIgn {li:x?}, got {pi:x?})\n{out}"
    );
}

// ------------------------------------------------------------ environment

/// NOOK_SIGNAL_GROUP=1 equals --signal-group: TERM reaches PROGRAM's whole
/// group, so the 30 s sleep of a shell that traps TERM dies at once.
fn env_signal_group(who: Who, mode: Mode) {
    let tag = Tag::new();
    let dir = scratch(who, "envgroup");
    let inside = mode.inside(&dir);
    let script = format!(
        "trap 'echo sh-trapped-TERM' TERM; touch {inside}/ready; sleep {tag}; \
         echo sleep-status $?"
    );
    let argv = mode.argv(&dir, &[], &mode.sh(&script));
    let prelude = "export NOOK_SIGNAL_GROUP=1; ";
    let mut live = Live::start_with(who, mode, &dir, "/", prelude, false, argv);
    live.ready("ready");
    let (prog, sleep_pid) = programs_sleep(&mut live);
    let target = live.target();
    send(target, 15);
    expect_child_killed(&mut live, "NOOK_SIGNAL_GROUP=1", target, prog, sleep_pid);
    let out = live.finish();
    let lines = out.lines();
    assert!(
        out.code == 0
            && lines.iter().any(|l| l == "sh-trapped-TERM")
            && lines.iter().any(|l| l == "sleep-status 143"),
        "[mode {mode:?}] with NOOK_SIGNAL_GROUP=1, TERM to pid {target}: PROGRAM (a shell \
         trapping TERM) must see it and its sleep die of it; exit 0\n{out}"
    );
}

/// `--subreaper` and NOOK_SUBREAPER=1 are accepted: PROGRAM runs, exit 0.
fn subreaper_accepted(who: Who, mode: Mode) {
    let dir = scratch(who, "subreaper");
    let program = mode.sh("echo ran");
    let runs = [
        Run::argv(who, mode.argv(&dir, &["--subreaper"], &program)),
        Run::argv(who, mode.argv(&dir, &[], &program)).env("NOOK_SUBREAPER", "1"),
    ];
    for run in runs {
        run.run().ok().stdout_is("ran\n");
    }
}

/// NOOK_VERBOSE=1 traces `nook init` too, as its --help says: the line for
/// PROGRAM's exec on stderr (it used to be read and then never applied).
fn env_verbose(who: Who, mode: Mode) {
    let dir = scratch(who, "verbose");
    let program = mode.sh("echo ran");
    let out = Run::argv(who, mode.argv(&dir, &[], &program)).env("NOOK_VERBOSE", "1").run();
    out.ok().stdout_is("ran\n");
    assert!(
        out.stderr.lines().any(|l| l.starts_with("nook: + exec ") && l.ends_with("/bin/sh")),
        "[mode {mode:?}] NOOK_VERBOSE=1: `nook init` must trace PROGRAM's exec on stderr\n{out}"
    );
}

/// No NOOK_* variable reaches PROGRAM: neither the caller's (known or not)
/// nor NOOK_INIT_SIGMASK / NOOK_INIT_FOREGROUND, which `run` hands to the
/// init it re-executes. Other variables pass.
fn env_hidden(who: Who, mode: Mode) {
    let dir = scratch(who, "envhidden");
    let program = [mode.tool("env")];
    let vars = [
        ("NOOK_GRACE", "0"),
        ("NOOK_SIGNAL_GROUP", "0"),
        ("NOOK_SUBREAPER", "0"),
        ("NOOK_PDEATHSIG", "TERM"),
        ("NOOK_VERBOSE", "0"),
        ("NOOK_PROPAGATION", "private"),
        ("NOOK_INIT_SIGMASK", "0"),
        ("NOOK_INIT_FOREGROUND", "0"),
        ("NOOK_FROM_A_NEWER_NOOK", "1"),
    ];
    let plain = Run::argv(who, mode.argv(&dir, &[], &program)).env("KEEP_ME", "1");
    let mut with_vars = plain.clone();
    for (k, v) in vars {
        with_vars = with_vars.env(k, v);
    }
    for run in [plain, with_vars] {
        let out = run.run();
        let lines = out.ok_lines();
        let leaked: Vec<&String> = lines.iter().filter(|l| l.starts_with("NOOK_")).collect();
        assert!(
            leaked.is_empty() && lines.iter().any(|l| l == "KEEP_ME=1"),
            "[mode {mode:?}] PROGRAM's environment must hold no NOOK_* variable (leaked: \
             {leaked:?}) but keep KEEP_ME=1\n{out}"
        );
    }
}

/// NOOK_PDEATHSIG=TERM equals --pdeathsig TERM (see [`pdeathsig`]): when the
/// launcher is SIGKILLed, nook gets TERM, forwards it to PROGRAM and exits.
fn env_pdeathsig(who: Who) {
    let tag = Tag::new();
    let dir = scratch(who, "envpdeath");
    let script = pdeath_program(&dir, &tag);
    // `env` execs nook: the launcher's $! is nook's pid.
    let mut argv: Vec<String> = vec!["env".into(), "NOOK_PDEATHSIG=TERM".into()];
    argv.extend(Mode::Subreaper.argv(&dir, &[], &Mode::Subreaper.sh(&script)));
    assert_pdeathsig_fires(who, &dir, &tag, &argv);
}

// ------------------------------------------------------------ bad values

/// A PID-1 option or variable whose value does not parse: exit 125 and one
/// "nook: " line on stderr naming the value, and PROGRAM (`touch MARKER`)
/// never runs. The control: the same invocations with good values do run it.
fn bad_init_values(who: Who) {
    let dir = scratch(who, "bad-init");
    let marker = dir.join("ran");
    let program = ["--", "/bin/touch", p(&marker)];
    #[allow(clippy::type_complexity)]
    let mut cases: Vec<(&[&str], &[(&str, &str)], &str, &[&str], &[(&str, &str)])> = vec![
        (&["init", "--grace", "x"], &[], "option --grace: x is not", &["init", "--grace", "1"], &[]),
        (&["init"], &[("NOOK_GRACE", "x")], "environment NOOK_GRACE:", &["init"], &[("NOOK_GRACE", "1")]),
        (&["init", "--pdeathsig", "NOPE"], &[], "option --pdeathsig: NOPE is not", &["init", "--pdeathsig", "TERM"], &[]),
        (&["init"], &[("NOOK_PDEATHSIG", "NOPE")], "environment NOOK_PDEATHSIG:", &["init"], &[("NOOK_PDEATHSIG", "TERM")]),
        (&["init"], &[("NOOK_SIGNAL_GROUP", "maybe")], "environment NOOK_SIGNAL_GROUP:", &["init"], &[("NOOK_SIGNAL_GROUP", "1")]),
    ];
    // run's PID 1, in a build that has run.
    if cfg!(feature = "run") {
        cases.extend([
            (&["--unshare-pid", "--signal-group", "--grace", "-1"][..], &[][..], "option --grace: -1 is not", &["--unshare-pid", "--signal-group", "--grace", "1"][..], &[][..]),
            (&["--unshare-pid"], &[("NOOK_GRACE", "-1")], "environment NOOK_GRACE:", &["--unshare-pid"], &[("NOOK_GRACE", "1")]),
        ]);
    }
    assert_eq!(cases.len(), if cfg!(feature = "run") { 7 } else { 5 });
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut run = Run::nook(who, &[args, &program[..]].concat());
        for (k, v) in env {
            run = run.env(k, v);
        }
        run.run_collect()
    };
    let mut problems = Vec::new();
    for (args, env, says, good_args, good_env) in cases {
        let out = run(args, env);
        if let Some(problem) = out.nook_failure_problem(NOOK_FAILED) {
            problems.push(format!("{problem}\n{out}"));
        } else if !out.stderr.starts_with(&format!("nook: {says}")) {
            problems.push(format!("stderr does not start with \"nook: {says}\"\n{out}"));
        }
        if marker.exists() {
            problems.push(format!("PROGRAM ran\n{out}"));
        }
        let _ = fs::remove_file(&marker);
        let control = run(good_args, good_env);
        if control.code != 0 || !marker.exists() {
            problems.push(format!("control: PROGRAM did not run with good values\n{control}"));
        }
        let _ = fs::remove_file(&marker);
    }
    assert!(problems.is_empty(), "want exit 125, one \"nook: \" line on stderr, and PROGRAM not run:\n{}", problems.join("\n"));
}

in_modes!(
    grace_term: [run, init_pid1, unshare, subreaper],
    grace_kill: [run, init_pid1, unshare, subreaper],
    env_grace: [run, unshare, subreaper],
    grace_default: [run, init_pid1, unshare, subreaper],
    inherited_signals: [run, init_pid1, unshare, subreaper],
    env_signal_group: [run, unshare, subreaper],
    subreaper_accepted: [run, init_pid1, unshare, subreaper],
    env_hidden: [run, init_pid1, unshare, subreaper],
    env_verbose: [run, unshare, subreaper],
);

both!(env_pdeathsig, bad_init_values);
