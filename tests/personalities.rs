//! nook as a drop-in for the runtimes' `--init` (issue 19, part 2): called
//! as `tini` or `docker-init` it reads tini 0.19's command line, as
//! `catatonit` catatonit's; and `nook init`'s own `--remap-exit`,
//! `--warn-on-reap`, `--rewrite` and `--pause`. Each is run side by side
//! with the real Debian tools (tini, tini-static, catatonit, dumb-init) on
//! the same argv, as root and as container-user.
//!
//! Two places for the init: on the host (a child subreaper: nook is one by
//! itself, tini with `-s`, catatonit by itself), signalled directly; and as
//! PID 1 of `unshare -Urpf --mount-proc`, where orphans are reparented to
//! it. PROGRAM is the host's /bin/sh.

#[macro_use]
mod common;

use common::*;
use std::fs;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

/// An init under test: its name in messages and the argv that starts it.
#[derive(Clone)]
struct Init {
    name: String,
    argv: Vec<String>,
}

impl Init {
    fn new(name: &str, argv: &[&str]) -> Init {
        Init { name: name.into(), argv: args(argv) }
    }

    /// This init with `opts` after its argv.
    fn with(&self, opts: &[&str]) -> Init {
        let mut argv = self.argv.clone();
        argv.extend(args(opts));
        Init { name: format!("{} {}", self.name, opts.join(" ")), argv }
    }

    /// The whole command line: the init, `--`, PROGRAM = `sh -c SCRIPT`.
    fn program(&self, script: &str) -> Vec<String> {
        let mut argv = self.argv.clone();
        argv.extend(args(&["--", "/bin/sh", "-c", script]));
        argv
    }

    fn pid1(&self) -> Init {
        let mut argv = args(&["unshare", "-Urpf", "--mount-proc"]);
        argv.extend(self.argv.iter().cloned());
        Init { name: format!("{} (PID 1)", self.name), argv }
    }
}

/// nook's personality links in the staging dir: tini, docker-init and
/// catatonit, each a symlink to the nook under test.
fn link(name: &str) -> String {
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let w = world();
        let dir = w.staging.join("as");
        fs::create_dir(&dir).unwrap();
        set_mode(&dir, 0o755);
        for name in ["tini", "docker-init", "catatonit", "podman-init", "bwrap"] {
            std::os::unix::fs::symlink(&w.nook, dir.join(name)).unwrap();
        }
        dir
    });
    p(&dir.join(name)).to_string()
}

fn tool(path: &str) -> String {
    assert!(Path::new(path).exists(), "{path} is missing: Debian's tini, catatonit and dumb-init (scripts/test installs them)");
    path.to_string()
}

fn nook_tini() -> Init {
    Init::new("nook as tini", &[&link("tini")])
}
fn nook_docker_init() -> Init {
    Init::new("nook as docker-init", &[&link("docker-init")])
}
fn nook_catatonit() -> Init {
    Init::new("nook as catatonit", &[&link("catatonit")])
}
fn nook_init() -> Init {
    Init::new("nook init", &[world().nook_path(), "init"])
}
fn tini() -> Init {
    Init::new("tini", &[&tool("/usr/bin/tini")])
}
fn tini_static() -> Init {
    Init::new("tini-static", &[&tool("/usr/bin/tini-static")])
}
fn catatonit() -> Init {
    Init::new("catatonit", &[&tool("/usr/bin/catatonit")])
}
fn dumb_init() -> Init {
    Init::new("dumb-init", &[&tool("/usr/bin/dumb-init")])
}

/// The tini-like inits, each with `-s` (a subreaper on the host).
fn tinis() -> Vec<Init> {
    [nook_tini(), nook_docker_init(), tini(), tini_static()].iter().map(|i| i.with(&["-s"])).collect()
}

/// Every init, as a subreaper on the host.
fn all() -> Vec<Init> {
    let mut v = tinis();
    v.extend([nook_catatonit(), catatonit(), dumb_init(), nook_init()]);
    v
}

/// A run of `init` as `who`, started through a shell that records the pid
/// it execs into (the init, or unshare) in DIR/init.pid.
struct Started {
    run: Running,
    pid: u32,
}

fn start(who: Who, dir: &Path, argv: &[String], env: &[(&str, &str)]) -> Started {
    let pidfile = dir.join("init.pid");
    let mut run = Run::sh(who, &format!("echo $$ > {}; exec \"$@\"", sh_quote(p(&pidfile))), argv);
    for (k, v) in env {
        run = run.env(k, v);
    }
    let mut run = run.spawn();
    let read = || fs::read_to_string(&pidfile).ok().and_then(|t| t.trim().parse::<u32>().ok());
    until(SOON, || read().is_some() || run.has_exited());
    let Some(pid) = read() else { panic!("the launcher never recorded its pid\n{}", run.finish()) };
    Started { run, pid }
}

fn send(pid: u32, sig: i32) {
    let ok = std::process::Command::new("kill").args([format!("-{sig}"), pid.to_string()]).env("PATH", PATH).status().unwrap();
    assert!(ok.success(), "kill -{sig} {pid} failed");
}

/// The children of `pid` (every task's).
fn children(pid: u32) -> Vec<u32> {
    let mut kids = Vec::new();
    for task in fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten() {
        let text = fs::read_to_string(task.path().join("children")).unwrap_or_default();
        kids.extend(text.split_whitespace().filter_map(|w| w.parse::<u32>().ok()));
    }
    kids
}

/// Runs `script` as PROGRAM under `init` and returns what came of it.
fn run(who: Who, init: &Init, script: &str, env: &[(&str, &str)]) -> Out {
    let mut run = Run::argv(who, init.program(script));
    for (k, v) in env {
        run = run.env(k, v);
    }
    run.run()
}

// ------------------------------------------------------------ exit codes

/// Every exit code 0..=255 passes through every init (256 runs of each
/// from one shell), and --remap-exit / tini's -e turn the named ones into
/// 0, alike for nook and tini.
fn exit_codes(who: Who) {
    let mut problems = Vec::new();
    let codes: Vec<String> = (0..=255).map(|c: u32| c.to_string()).collect();
    let loop_over = |init: &Init, want: &dyn Fn(u32) -> u32| {
        let script = format!("for c in {}; do \"$@\" \"exit $c\"; echo \"$c $?\"; done", codes.join(" "));
        let mut argv = init.argv.clone();
        argv.extend(args(&["--", "/bin/sh", "-c"]));
        let out = Run::sh(who, &script, &argv).run();
        let wrong: Vec<String> = out
            .lines()
            .iter()
            .filter(|l| {
                let f: Vec<u32> = l.split(' ').filter_map(|w| w.parse().ok()).collect();
                f.len() != 2 || want(f[0]) != f[1]
            })
            .cloned()
            .collect();
        if !wrong.is_empty() || out.lines().len() != 256 {
            Some(format!("{}: wrong (\"code got\"): {wrong:?}, {} results\n{out}", init.name, out.lines().len()))
        } else {
            None
        }
    };
    for init in all() {
        problems.extend(loop_over(&init, &|c| c));
    }
    let remapped = |c: u32| if [3, 143, 255].contains(&c) { 0 } else { c };
    for init in tinis() {
        problems.extend(loop_over(&init.with(&["-e", "3", "-e143", "-e", "255"]), &remapped));
    }
    problems.extend(loop_over(&nook_init().with(&["--remap-exit", "3", "--remap-exit=143", "--remap-exit", "255"]), &remapped));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A PROGRAM killed by a signal (here: the one forwarded by the init) is
/// 128+N, and -e / --remap-exit apply to that status too.
fn remap_signal_status(who: Who) {
    for init in [tini().with(&["-s", "-e", "143"]), nook_tini().with(&["-s", "-e", "143"]), nook_init().with(&["--remap-exit", "143"])] {
        run(who, &init, "kill -TERM $$; sleep 5", &[]).ok();
        run(who, &init, "kill -INT $$; sleep 5", &[]).code(130);
    }
}

// --------------------------------------------------------------- signals

/// Signals whose default kills `sleep`, each sent to the init, reach
/// PROGRAM (a shell that execs sleep), which dies of it: 128+N. The real
/// tini and catatonit keep the signals the kernel sends for their own
/// faults (ILL, TRAP, ABRT, BUS, FPE, SEGV, SYS) unblocked, so those kill
/// them instead; nook blocks and forwards them too (see the README).
fn signals_128_plus_n(who: Who) {
    let own_faults = [4, 5, 6, 7, 8, 11, 31];
    let mut sigs: Vec<i32> = vec![1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 24, 25, 26, 27, 29, 30, 31];
    sigs.extend([34, 40, 64]);
    let mut problems = Vec::new();
    for init in [nook_tini().with(&["-s"]), tini().with(&["-s"]), tini_static().with(&["-s"]), nook_catatonit(), catatonit(), nook_init()] {
        let real = !init.name.starts_with("nook");
        for &sig in &sigs {
            if real && own_faults.contains(&sig) {
                continue;
            }
            let dir = scratch(who, "sig");
            let ready = dir.join("ready");
            let argv = init.program(&format!("touch {}; exec sleep 30", sh_quote(p(&ready))));
            let mut s = start(who, &dir, &argv, &[]);
            if !s.run.wait_for(&ready, SOON) {
                problems.push(format!("{}: PROGRAM never started\n{}", init.name, s.run.finish()));
                continue;
            }
            // The sleep runs once the shell has exec'd it.
            until(SOON, || children(s.pid).iter().any(|&k| fs::read_to_string(format!("/proc/{k}/comm")).is_ok_and(|c| c.trim() == "sleep")));
            send(s.pid, sig);
            let out = s.run.finish();
            if out.code != 128 + sig {
                problems.push(format!("{}: signal {sig}: want {}, got {}\n{out}", init.name, 128 + sig, out.code));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// -g, TINI_KILL_PROCESS_GROUP (set, even empty) and catatonit's -g send
/// the signal to PROGRAM's process group: a shell that ignores TERM waits
/// for its sleep, which the TERM to the group kills (exit 143 at once).
fn signal_group(who: Who) {
    let cases: Vec<(Init, Vec<(&str, &str)>)> = vec![
        (tini().with(&["-sg"]), vec![]),
        (nook_tini().with(&["-sg"]), vec![]),
        (tini().with(&["-s"]), vec![("TINI_KILL_PROCESS_GROUP", "")]),
        (nook_tini().with(&["-s"]), vec![("TINI_KILL_PROCESS_GROUP", "")]),
        (nook_docker_init().with(&["-s"]), vec![("TINI_KILL_PROCESS_GROUP", "1")]),
        (catatonit().with(&["-g"]), vec![]),
        (nook_catatonit().with(&["-g"]), vec![]),
        (dumb_init(), vec![]),
        (nook_init().with(&["--signal-group"]), vec![]),
    ];
    for (init, env) in cases {
        let dir = scratch(who, "group");
        let ready = dir.join("ready");
        // The sleep starts before the trap: it keeps TERM's default.
        let script = format!("sleep 30 & trap '' TERM; touch {}; wait $!", sh_quote(p(&ready)));
        let mut s = start(who, &dir, &init.program(&script), &env);
        assert!(s.run.wait_for(&ready, SOON), "{}: PROGRAM never started", init.name);
        send(s.pid, 15);
        let started = std::time::Instant::now();
        let out = s.run.finish();
        assert!(
            out.code == 143 && started.elapsed() < Duration::from_secs(10),
            "{} {env:?}: TERM to the group must kill PROGRAM's sleep (exit 143)\n{out}",
            init.name
        );
    }
}

/// nook init --rewrite against dumb-init's: TERM forwarded as USR1, and a
/// signal rewritten to 0 not forwarded at all.
fn rewrite(who: Who) {
    let script = |ready: &Path| {
        format!(
            "trap 'echo got-usr1; exit 3' USR1; trap 'echo got-term; exit 4' TERM; trap 'echo got-hup; exit 5' HUP; \
             touch {}; while :; do sleep 0.05; done",
            sh_quote(p(ready))
        )
    };
    for (init, sends, want, line) in [
        (dumb_init().with(&["--rewrite", "15:10"]), vec![15], 3, "got-usr1"),
        (nook_init().with(&["--rewrite", "15:10"]), vec![15], 3, "got-usr1"),
        (nook_init().with(&["--rewrite=TERM:SIGUSR1"]), vec![15], 3, "got-usr1"),
        (dumb_init().with(&["--rewrite", "15:0"]), vec![15, 1], 5, "got-hup"),
        (nook_init().with(&["--rewrite", "15:0"]), vec![15, 1], 5, "got-hup"),
    ] {
        let dir = scratch(who, "rewrite");
        let ready = dir.join("ready");
        let mut s = start(who, &dir, &init.program(&script(&ready)), &[]);
        assert!(s.run.wait_for(&ready, SOON), "{}: PROGRAM never started", init.name);
        for sig in sends {
            send(s.pid, sig);
            std::thread::sleep(Duration::from_millis(300));
        }
        let out = s.run.finish();
        assert!(out.code == want && out.lines() == [line], "{}: want {line:?} and exit {want}\n{out}", init.name);
    }
}

// --------------------------------------------------------------- zombies

/// As PID 1, every init reaps a burst of 300 orphans: none is left (the
/// same script as tests/init.rs's orphan_burst, smaller).
fn orphan_burst(who: Who) {
    let script = &orphan_burst_script(300, "$(mktemp -u)", "1", false);
    for init in [nook_tini(), tini(), tini_static(), nook_catatonit(), catatonit(), dumb_init(), nook_init()] {
        let init = init.pid1();
        let out = run(who, &init, script, &[("TMPDIR", "/tmp")]);
        assert_eq!(out.lines(), ["orphans 300", "left 0"], "{}: 300 orphans, all reaped\n{out}", init.name);
        out.ok();
    }
}

/// tini's -w and nook's --warn-on-reap: one warning line for each orphan
/// reaped (three here), none for PROGRAM, none without the flag. With -v
/// (tini's INFO level) nook also traces PROGRAM's exec, one line, as
/// NOOK_VERBOSE=1 does; tini's own -v lines are not asked for here.
fn warn_on_reap(who: Who) {
    let script = "(sleep 0.1 &); (sleep 0.1 &); (sleep 0.1 &); sleep 1";
    for (init, marker, want, traces) in [
        (tini().with(&["-w"]), "Reaped zombie process", 3, 0),
        (tini(), "Reaped zombie process", 0, 0),
        (nook_tini().with(&["-w"]), "nook: warning: reaped zombie process", 3, 0),
        (nook_tini().with(&["-vw"]), "nook: warning: reaped zombie process", 3, 1),
        (nook_tini(), "reaped", 0, 0),
        (nook_init().with(&["--warn-on-reap"]), "nook: warning: reaped zombie process", 3, 0),
    ] {
        let init = init.pid1();
        let out = run(who, &init, script, &[]);
        out.ok();
        let warnings = out.stderr.lines().filter(|l| l.contains(marker)).count();
        let traced = out.stderr.lines().filter(|l| l.starts_with("nook: + exec ")).count();
        assert!(
            warnings == want && traced == traces && out.stderr.lines().count() == want + traces,
            "{}: want {want} warning lines and {traces} trace lines\n{out}",
            init.name
        );
    }
}

// ------------------------------------------------------------ pause mode

/// catatonit -P and nook init --pause: no PROGRAM; HUP and USR1 are
/// ignored, TERM or INT ends it with 0, on the host and as PID 1.
fn pause_mode(who: Who) {
    for (init, end) in [
        (catatonit().with(&["-P"]), 15),
        (nook_catatonit().with(&["-P"]), 15),
        (nook_catatonit().with(&["-gP"]), 2),
        (nook_init().with(&["--pause"]), 2),
        (catatonit().with(&["-P"]).pid1(), 15),
        (nook_catatonit().with(&["-P"]).pid1(), 15),
        (nook_init().with(&["--pause"]).pid1(), 2),
    ] {
        let dir = scratch(who, "pause");
        let mut s = start(who, &dir, &init.argv, &[]);
        let pid1 = init.name.ends_with("(PID 1)");
        // The pausing init: unshare's child as PID 1, else the launched one.
        let mut target = s.pid;
        if pid1 {
            until(SOON, || children(s.pid).len() == 1);
            target = children(s.pid)[0];
        }
        std::thread::sleep(Duration::from_millis(200));
        for sig in [1, 10] {
            send(target, sig);
        }
        std::thread::sleep(Duration::from_millis(300));
        assert!(!s.run.has_exited(), "{}: HUP and USR1 must not end pause mode", init.name);
        send(target, end);
        let out = s.run.finish();
        out.ok();
    }
    // With a PROGRAM, pause mode is a usage error for nook.
    for init in [nook_catatonit().with(&["-P"]), nook_init().with(&["--pause"])] {
        Run::argv(who, init.program("true")).run().usage_error();
    }
}

// ------------------------------------------------------ the command line

/// The same argv means the same to nook and to the real tools: combined
/// and attached flags, `--`, TINI_SUBREAPER; the informational options
/// exit 0 with a line of the same shape; and a bad option or value is a
/// usage error, where nook's is its one-line error and 125 (tini and
/// catatonit exit 1).
fn command_line(who: Who) {
    let flags = ["-sgvw", "-e3", "-pSIGKILL", "-e", "4"];
    for init in [tini(), tini_static(), nook_tini(), nook_docker_init()] {
        let init = init.with(&flags);
        run(who, &init, "exit 3", &[]).ok();
        run(who, &init, "exit 4", &[]).ok();
        run(who, &init, "exit 5", &[]).code(5);
        let v = Run::argv(who, init.argv[..1].iter().cloned().chain(["--version".to_string()]).collect()).run();
        v.ok();
        assert!(v.stdout.starts_with("tini version "), "{}: --version\n{v}", init.name);
        for flag in ["-h", "-l"] {
            Run::argv(who, vec![init.argv[0].clone(), flag.into()]).run().ok();
        }
    }
    for init in [catatonit(), nook_catatonit()] {
        for flag in ["-V", "--version"] {
            let v = Run::argv(who, vec![init.argv[0].clone(), flag.into()]).run();
            v.ok();
            assert!(v.stdout.starts_with("tini version "), "{}: {flag}\n{v}", init.name);
        }
        run(who, &init.with(&["-g"]), "exit 7", &[]).code(7);
    }
    // podman mounts its init (catatonit) at /run/podman-init.
    let podman = Init::new("nook as podman-init", &[&link("podman-init")]);
    run(who, &podman.with(&["-g"]), "exit 7", &[]).code(7);
    Run::argv(who, podman.with(&["-P"]).program("true")).run().usage_error();
    for init in [nook_tini(), nook_catatonit(), podman] {
        let v = Run::argv(who, vec![init.argv[0].clone(), "--version".into()]).run();
        assert!(v.stdout.contains("_nook"), "{}: --version must say it is nook\n{v}", init.name);
    }
    let license = Run::argv(who, vec![link("tini"), "-l".into()]).run();
    license.ok().stdout_has("nook").stdout_has("MIT");
    Run::argv(who, vec![link("catatonit"), "-L".into()]).run().ok().stdout_has("nook");

    // TINI_SUBREAPER (set, even empty): the orphan PROGRAM leaves is the
    // init's child.
    let script = "sh -c 'sleep 2 & echo $! > \"$0\"' $TMPDIR/o; sleep 0.3; o=$(cat $TMPDIR/o); \
                  awk '{print $4}' /proc/$o/stat; echo $PPID; kill $o";
    for init in [tini(), nook_tini()] {
        let dir = scratch(who, "subreaper");
        let out = run(who, &init, script, &[("TINI_SUBREAPER", ""), ("TMPDIR", p(&dir))]);
        let lines = out.ok_lines();
        assert!(lines.len() == 2 && lines[0] == lines[1], "{}: with TINI_SUBREAPER the orphan's parent is the init\n{out}", init.name);
    }

    // Usage errors: tini and catatonit exit 1, nook 125 with one line.
    for (argv, real) in [
        (vec!["-x", "--", "true"], tini()),
        (vec!["-e", "256", "--", "true"], tini()),
        (vec!["-p", "NOPE", "--", "true"], tini()),
        (vec!["-e"], tini()),
        (vec![], tini()),
        (vec!["-x", "--", "true"], catatonit()),
        (vec![], catatonit()),
    ] {
        let mut r = real.argv.clone();
        r.extend(args(&argv));
        Run::argv(who, r).run().code(1);
        let nook = if real.name == "tini" { link("tini") } else { link("catatonit") };
        let mut n = vec![nook];
        n.extend(args(&argv));
        Run::argv(who, n).run().usage_error();
    }
    for bad in [["--rewrite", "15"], ["--rewrite", "0:1"], ["--rewrite", "TERM:NOPE"], ["--remap-exit", "256"]] {
        Run::argv(who, nook_init().with(&bad).program("true")).run().usage_error();
    }
}

// ------------------------------------------------------------------- run

/// `run --unshare-pid` hands --remap-exit, --warn-on-reap and --rewrite on
/// to the init it re-executes.
#[cfg(feature = "run")]
fn run_hands_them_on(who: Who) {
    let w = world();
    let argv = |opts: &[&str], script: &str| {
        let mut v = args(&["--unshare-pid", "--proc", "/proc", "--root", w.root()]);
        v.extend(args(opts));
        v.extend(args(&["--", "/bin/sh", "-c", script]));
        v
    };
    nook(who, &argv(&["--remap-exit", "3", "--remap-exit=9"], "exit 3")).ok();
    nook(who, &argv(&["--remap-exit", "3"], "exit 4")).code(4);
    let out = nook(who, &argv(&["--warn-on-reap"], "(sleep 0.1 &); (sleep 0.1 &); sleep 1"));
    out.ok();
    assert_eq!(out.stderr.matches("nook: warning: reaped zombie process").count(), 2, "{out}");
    let out = nook(who, &argv(&["--rewrite", "USR2:USR1"], "trap 'echo got-usr1; exit 3' USR1; kill -USR2 1; sleep 1; exit 9"));
    assert!(out.code == 3 && out.lines() == ["got-usr1"], "--rewrite USR2:USR1 inside run\n{out}");
    nook(who, &argv(&["--pause"], "true")).usage_error();
}

both!(
    exit_codes,
    remap_signal_status,
    signals_128_plus_n,
    signal_group,
    rewrite,
    orphan_burst,
    warn_on_reap,
    pause_mode,
    command_line,
    #[cfg(feature = "run")] run_hands_them_on
);

/// nook as `bwrap` is only in a build with the `bwrap` feature
/// (tests/bwrap_compat.rs); without it the name is refused, by name.
#[cfg(not(feature = "bwrap"))]
fn bwrap_not_built(who: Who) {
    let out = Run::argv(who, args(&[&link("bwrap"), "--ro-bind", "/", "/", "true"])).run();
    assert_eq!(out.code, NOOK_FAILED, "{out}");
    assert_eq!(out.stderr, "nook: role bwrap: not in this build: build nook with --features bwrap\n", "{out}");
}

#[cfg(not(feature = "bwrap"))]
both!(bwrap_not_built);
