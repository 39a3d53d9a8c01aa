#![cfg(all(feature = "run", feature = "enter"))]
//! `nook enter` (issue 4 part 7), black-box against the built binary.
//!
//! Each test starts a container with `nook run ... --info-fd 3 -- /bin/sleep
//! TAG` in the background, learns its child-pid from the info line, and runs
//! `nook enter --pid CHILD -- PROGRAM` as the same user (root, or the
//! unprivileged container-user against its own container). PROGRAM is the
//! rootfs's busybox; what it prints inside is compared with what the host
//! sees of the target in /proc/CHILD. The unique TAG marks the container's
//! processes, so a failed test kills what it started.

#[macro_use]
mod common;

use common::*;
use std::fs;
use std::path::Path;
use std::process::Command;

/// The namespaces enter joins, as /proc/PID/ns names.
const NAMESPACES: [&str; 8] = ["user", "mnt", "pid", "uts", "ipc", "net", "cgroup", "time"];

/// The target of /proc/PID/ns/NAME (e.g. `mnt:[4026532177]`).
fn ns_link(pid: u32, ns: &str) -> String {
    fs::read_link(format!("/proc/{pid}/ns/{ns}"))
        .map(|l| l.to_string_lossy().into_owned())
        .unwrap_or_else(|e| format!("unreadable: {e}"))
}

/// A container running `/bin/sleep TAG` in the background.
struct Container {
    run: Option<Running>,
    /// The child-pid of its info line (a host pid).
    pid: u32,
    tag: Tag,
}

impl Container {
    /// `nook OPTS --info-fd 3 -- /bin/sleep TAG` as `who`, with the busybox
    /// rootfs as root; returns once the info line is there and the sleep runs
    /// (entering earlier would race with the mount setup).
    fn start(who: Who, opts: &[&str]) -> Container {
        let w = world();
        let dir = scratch(who, "ctr");
        let info = dir.join("info");
        let tag = Tag::new();
        let mut words = vec![w.nook_path(), "--root", w.root(), "--info-fd", "3"];
        words.extend_from_slice(opts);
        words.extend(["--", "/bin/sleep", &tag.0]);
        let (run, pid) = started(with_info_file(who, &info, &words).spawn(), &info, SOON, || tag.sleeping());
        Container { run: Some(run), pid, tag }
    }

    /// `nook enter --pid CHILD ENTER_OPTS -- PROGRAM...` as `who`, with an
    /// extra variable in enter's own environment that must not get inside.
    fn enter(&self, who: Who, opts: &[&str], program: &[&str]) -> Out {
        let pid = self.pid.to_string();
        let mut args = vec!["enter", "--pid", &pid];
        args.extend_from_slice(opts);
        args.push("--");
        args.extend_from_slice(program);
        Run::nook(who, &args).env("NOOK_IT_CALLER_ONLY", "leaked").run()
    }

    /// Kills the sleep and waits for nook.
    fn stop(mut self) -> Out {
        self.tag.kill();
        self.run.take().unwrap().finish()
    }
}

/// The value of the line `NAME=...` in `out`'s stdout.
fn field(out: &Out, name: &str) -> String {
    let prefix = format!("{name}=");
    out.lines()
        .iter()
        .find_map(|l| l.strip_prefix(&prefix).map(str::to_string))
        .unwrap_or_else(|| panic!("no line {prefix}... on stdout\n{out}"))
}

/// A shell script that reports, one `NAME=value` line each: the hostname,
/// $FOO, $$, its uid:gid, the working directory, `ls -A /`, PID 1's command
/// line, the pids under /proc, the command lines of all of them (on one
/// line, up to the first newline in one), each namespace link of itself,
/// and (after `env:`) its environment.
const REPORT: &str = r#"echo "host=$(hostname)"; echo "foo=${FOO-unset}"; echo "pid=$$"
echo "ids=$(id -u):$(id -g)"
echo "cwd=$(pwd)"; echo "ls=$(ls -A / | tr '\n' ' ')"
echo "init=$(tr '\0' ' ' < /proc/1/cmdline)"
echo "pids=$(cd /proc && echo [0-9]*)"
echo "procs=$(cat /proc/[0-9]*/cmdline | tr '\0' ' ')"
for n in user mnt pid uts ipc net cgroup time; do echo "ns_$n=$(readlink /proc/self/ns/$n)"; done
echo env:; env"#;

/// Checks what REPORT printed inside against the target, seen from the host:
/// every namespace equal to the target's, the rootfs as `/`, $FOO from the
/// target's environment, no NOOK_* and nothing of enter's own environment,
/// and the target's ids (root inside: every container here maps root).
fn check_report(c: &Container, out: &Out, host: &str, cwd: &str) {
    out.ok();
    let w = world();
    let mut problems = Vec::new();
    for ns in NAMESPACES {
        let (inside, target) = (field(out, &format!("ns_{ns}")), ns_link(c.pid, ns));
        if inside != target {
            problems.push(format!("{ns} namespace {inside:?}, the target's is {target:?}"));
        }
    }
    let mut ls: Vec<String> = field(out, "ls").split_whitespace().map(str::to_string).collect();
    ls.sort();
    if ls != w.rootfs_entries {
        problems.push(format!("`ls -A /` gives {ls:?}, not the rootfs {:?}", w.rootfs_entries));
    }
    for (name, want) in [("host", host), ("foo", "bar"), ("cwd", cwd), ("ids", "0:0")] {
        if field(out, name) != want {
            problems.push(format!("{name} is {:?}, want {want:?}", field(out, name)));
        }
    }
    let env: Vec<&str> = out.stdout.split("env:\n").nth(1).unwrap_or("").lines().collect();
    if let Some(bad) = env.iter().find(|l| l.starts_with("NOOK_")) {
        problems.push(format!("{bad} reached PROGRAM's environment"));
    }
    if !env.contains(&"FOO=bar") {
        problems.push("FOO=bar is missing from PROGRAM's environment".into());
    }
    assert!(problems.is_empty(), "{}\n{out}", problems.join("\n"));
}

/// The brief's example: a container with its own PID and UTS namespaces
/// and /proc. PROGRAM sees the container's hostname, environment, root and
/// processes, and lands in its PID namespace with a small pid.
fn enter_pid_container(who: Who) {
    let c = Container::start(
        who,
        &["--unshare-pid", "--unshare-uts", "--hostname", "inside", "--proc", "/proc", "--setenv", "FOO", "bar"],
    );
    let out = c.enter(who, &[], &["/bin/sh", "-c", REPORT]);
    check_report(&c, &out, "inside", "/");
    let pid: u32 = field(&out, "pid").parse().unwrap();
    let pids: Vec<u32> = field(&out, "pids").split_whitespace().filter_map(|s| s.parse().ok()).collect();
    let (init, procs) = (field(&out, "init"), field(&out, "procs"));
    assert!(
        (2..100).contains(&pid)
            && pids.contains(&1)
            && pids.contains(&pid)
            && pids.len() < 10
            && init.contains("nook")
            && procs.contains(&c.tag.0)
            && !out.stdout.contains("NOOK_IT_CALLER_ONLY"),
        "want a small $$ in the container's PID namespace, /proc holding only the \
         container's processes (nook as 1, the sleep) and enter's own environment not passed on\n{out}"
    );
    c.stop();
}

/// Without a PID namespace the target is PROGRAM itself: enter takes its
/// working directory (--chdir /tmp at run) and its namespaces.
fn enter_container_without_pidns(who: Who) {
    let c = Container::start(
        who,
        &["--unshare-uts", "--hostname", "inside", "--bind", "/proc", "/proc", "--chdir", "/tmp", "--setenv", "FOO", "bar"],
    );
    let out = c.enter(who, &[], &["/bin/sh", "-c", REPORT]);
    check_report(&c, &out, "inside", "/tmp");
    c.stop();
}

/// A container with every namespace (--unshare-all): enter joins each one.
fn enter_all_namespaces(who: Who) {
    let c = Container::start(
        who,
        &["--unshare-all", "--hostname", "inside", "--proc", "/proc", "--setenv", "FOO", "bar"],
    );
    let out = c.enter(who, &[], &["/bin/sh", "-c", REPORT]);
    check_report(&c, &out, "inside", "/");
    c.stop();
}

/// --chdir, --clearenv, --setenv and --unsetenv edit what PROGRAM gets,
/// in order, starting from the target's environment.
fn enter_chdir_and_env(who: Who) {
    let c = Container::start(who, &["--unshare-pid", "--proc", "/proc", "--setenv", "FOO", "bar", "--setenv", "KEEP", "k"]);
    c.enter(who, &["--clearenv", "--setenv", "A", "1", "--setenv", "B", "x y"], &["/bin/env"])
        .ok()
        .stdout_is("A=1\nB=x y\n");
    let script = r#"pwd; echo "${FOO-unset} ${KEEP-unset} $BAR""#;
    c.enter(who, &["--chdir", "/etc", "--unsetenv", "FOO", "--setenv", "BAR", "baz"], &["/bin/sh", "-c", script])
        .ok()
        .stdout_is("/etc\nunset k baz\n");
    // A NOOK_* variable given with --setenv is PROGRAM's like any other.
    c.enter(who, &["--clearenv", "--setenv", "NOOK_IT_SET", "kept"], &["/bin/env"])
        .ok()
        .stdout_is("NOOK_IT_SET=kept\n");
    c.enter(who, &["--chdir", "/nonexistent-nook-it"], &["/bin/true"]).usage_error();
    c.stop();
}

/// PROGRAM's status passes through: its code, 128+signal, 127 when it is not
/// found (looked up in the target's PATH, so a bare name works).
fn enter_exit_status(who: Who) {
    let c = Container::start(who, &["--unshare-pid", "--proc", "/proc"]);
    c.enter(who, &[], &["/bin/sh", "-c", "exit 7"]).code(7);
    c.enter(who, &[], &["/bin/sh", "-c", "kill -TERM $$"]).code(143);
    c.enter(who, &[], &["hostname"]).ok();
    let out = c.enter(who, &[], &["/nonexistent-nook-it"]);
    out.code(127);
    c.stop();
}

/// Bad invocations: one line, 125. A pid that names no process says so
/// (ESRCH), also for a container that has just exited.
fn enter_errors(who: Who) {
    let mut problems = Vec::new();
    let cases: [&[&str]; 8] = [
        &["enter", "--", "/bin/true"],
        &["enter", "/bin/true"],
        &["enter", "--pid"],
        &["enter", "--pid", "abc", "--", "/bin/true"],
        &["enter", "--pid", "", "--", "/bin/true"],
        &["enter", "--pid", "-5", "--", "/bin/true"],
        &["enter", "--pid", "12x", "--", "/bin/true"],
        &["enter", "--pid", "1", "--bogus-option", "--", "/bin/true"],
    ];
    for args in cases {
        let out = Run::nook(who, args).run_collect();
        if let Some(pr) = out.nook_failure_problem(NOOK_FAILED) {
            problems.push(format!("{args:?}: {pr}\n{out}"));
        }
    }
    let c = Container::start(who, &["--unshare-pid", "--proc", "/proc"]);
    let pid = c.pid;
    c.stop();
    assert!(until(SOON, || !Path::new(&format!("/proc/{pid}")).exists()), "pid {pid} lingers");
    let out = Run::nook(who, &["enter", "--pid", &pid.to_string(), "--", "/bin/true"]).run_collect();
    let says = out.stderr.contains("No such process") || out.stderr.contains("ESRCH");
    if let Some(pr) = out.nook_failure_problem(NOOK_FAILED).or((!says).then(|| "no ESRCH".into())) {
        problems.push(format!("a pid that just exited: {pr}\n{out}"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A target that has exited but is not yet reaped (a zombie in the
/// container: the `true` that the exec'd sleep never waits for) is refused
/// with one line and 125 that names it (and, as root, says it has exited),
/// and PROGRAM
/// (`touch /mnt/ran`, /mnt bound from the host) never runs. The control:
/// the same enter into the live sleep does run it.
fn enter_zombie(who: Who) {
    let w = world();
    let dir = scratch(who, "zombie");
    let shared = scratch(who, "zombie-mnt");
    let info = dir.join("info");
    let tag = Tag::new();
    let script = format!("/bin/true & exec /bin/sleep {}", tag.0);
    // The shell gives a background job /dev/null as stdin.
    let dev = ["--tmpfs", "/dev", "--dev-bind", "/dev/null", "/dev/null"];
    let mut argv = vec![w.nook_path(), "--root", w.root(), "--info-fd", "3", "--bind", p(&shared), "/mnt"];
    argv.extend(dev);
    argv.extend(["--", "/bin/sh", "-c", &script]);
    let mut run = with_info_file(who, &info, &argv).spawn();
    let sleeper = || child_pid(&fs::read_to_string(&info).unwrap_or_default());
    let zombie = || {
        let pid = sleeper()?;
        let kids = fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
        kids.split_whitespace().find(|k| {
            let stat = fs::read_to_string(format!("/proc/{k}/stat")).unwrap_or_default();
            stat.rsplit(')').next().is_some_and(|s| s.trim_start().starts_with('Z'))
        }).map(str::to_string)
    };
    if !until(SOON, || zombie().is_some()) {
        tag.kill();
        panic!("no zombie appeared in the container\n{}", run.finish());
    }
    let zpid = zombie().unwrap();
    let touch = ["--", "/bin/touch", "/mnt/ran"];
    let out = Run::nook(who, &[&["enter", "--pid", &zpid][..], &touch].concat()).run_collect();
    let ran = shared.join("ran").exists();
    let live = sleeper().unwrap().to_string();
    let control = Run::nook(who, &[&["enter", "--pid", &live][..], &touch].concat()).run_collect();
    tag.kill();
    run.kill();
    let _ = run.finish();
    out.usage_error().stderr_has(&format!(" of {zpid}: "));
    // As container-user the kernel answers EACCES instead (procfs makes the
    // files of a task without memory root's), and nook's hint for that
    // names another user: only root's line is held to "exited".
    if who == Who::Root {
        out.stderr_has("the target has exited");
    }
    assert!(!ran, "PROGRAM ran in a zombie's namespaces\n{out}");
    control.ok();
    assert!(shared.join("ran").exists(), "control: enter into the live sleep did not run PROGRAM\n{control}");
}

/// enter takes the target's uid and gid in its user namespace: 1000:1000
/// in a container run with --map-user 1000 --map-group 1000.
fn enter_takes_targets_ids(who: Who) {
    let opts = ["--unshare-user", "--map-user", "1000", "--map-group", "1000", "--unshare-pid", "--proc", "/proc"];
    let c = Container::start(who, &opts);
    c.enter(who, &[], &["/bin/sh", "-c", "id -u; id -g"]).ok().stdout_is("1000\n1000\n");
    c.stop();
}

/// enter waits for PROGRAM and relays signals: TERM sent to the enter
/// process reaches PROGRAM, whose trap's `exit 5` becomes enter's status.
fn enter_relays_signals(who: Who) {
    let dir = scratch(who, "sig");
    let c = Container::start(who, &["--unshare-pid", "--proc", "/proc", "--bind", p(&dir), "/mnt"]);
    let pidfile = dir.join("enter.pid");
    let program = r#"trap 'exit 5' TERM; touch /mnt/ready; while :; do sleep 0.05; done"#;
    let pid = c.pid.to_string();
    let argv = [world().nook_path(), "enter", "--pid", &pid, "--", "/bin/sh", "-c", program];
    let record = format!(r#"echo $$ > {}; exec "$@""#, sh_quote(p(&pidfile)));
    let mut run = Run::sh(who, &record, &argv).spawn();
    if !run.wait_for(&dir.join("ready"), SOON) {
        run.kill();
        panic!("PROGRAM never started\n{}", run.finish());
    }
    let enter_pid = fs::read_to_string(&pidfile).unwrap().trim().to_string();
    Command::new("kill").args(["-TERM", &enter_pid]).env("PATH", PATH).status().unwrap();
    if !until(SOON, || run.has_exited()) {
        run.kill();
        panic!("enter (pid {enter_pid}) still runs 5 s after SIGTERM\n{}", run.finish());
    }
    run.finish().code(5);
    c.stop();
}

/// The parent of `pid`, from /proc/PID/status.
fn parent_of(pid: u32) -> u32 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status.lines().find_map(|l| l.strip_prefix("PPid:")).and_then(|v| v.trim().parse().ok()).unwrap()
}

/// `enter --pid` of the outer nook of `run --unshare-pid` (what `pgrep
/// nook` shows first; it stays in the caller's namespaces to wait) enters
/// the container it started. A pid in no container (the shell that started
/// nook) is refused with one line that says so and names --info-fd's
/// child-pid, and PROGRAM never runs: a `sleep` of `who`'s on the host.
fn enter_through_the_outer_nook(who: Who) {
    let c = Container::start(who, &["--unshare-pid", "--unshare-uts", "--hostname", "inside", "--proc", "/proc"]);
    let outer = parent_of(c.pid);
    let cmdline = fs::read_to_string(format!("/proc/{outer}/cmdline")).unwrap_or_default();
    assert!(cmdline.contains("--info-fd"), "{outer} is not the outer nook: {cmdline:?}");
    let out = Run::nook(who, &["enter", "--pid", &outer.to_string(), "--", "/bin/sh", "-c", "hostname; echo $$"]).run();
    out.ok();
    let lines = out.lines();
    assert_eq!(lines.first().map(String::as_str), Some("inside"), "{out}");
    assert!(lines.get(1).and_then(|l| l.parse::<u32>().ok()).is_some_and(|p| p < 100), "not in the container's PID namespace\n{out}");
    c.stop();
    let tag = Tag::new();
    let host = Run::sh(who, r#"exec /bin/sleep "$1""#, &[tag.0.as_str()]).spawn();
    assert!(until(SOON, || tag.sleeping()), "the host's sleep never started");
    // The sleep itself, not the su(1) or sh that has the tag in its command line.
    let comm = |pid: &u32| fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    let pid = *tag.pids().iter().find(|p| comm(p) == "sleep\n").expect("no sleep process");
    let marker = scratch(who, "outer").join("ran");
    let out = Run::nook(who, &["enter", "--pid", &pid.to_string(), "--", "/bin/touch", p(&marker)]).run_collect();
    tag.kill();
    host.finish();
    out.nook_failure(NOOK_FAILED)
        .stderr_has(&format!("nook: enter process {pid}: is in no container"))
        .stderr_has("child-pid");
    assert!(!marker.exists(), "PROGRAM ran\n{out}");
}

both!(
    enter_through_the_outer_nook,
    enter_pid_container,
    enter_takes_targets_ids,
    enter_relays_signals,
    enter_container_without_pidns,
    enter_all_namespaces,
    enter_chdir_and_env,
    enter_exit_status,
    enter_errors,
    enter_zombie,
);

/// container-user may not enter a container root started without a user
/// namespace, nor a host process of root's: 125, EPERM or EACCES.
#[test]
fn user_cannot_enter_roots_processes() {
    let c = Container::start(Who::Root, &["--unshare-pid", "--unshare-uts", "--hostname", "inside", "--proc", "/proc"]);
    let tag = Tag::new();
    let mut host = Command::new("/bin/sleep").arg(&tag.0).spawn().expect("spawn sleep");
    let mut problems = Vec::new();
    for (what, pid) in [("root's container", c.pid), ("root's host process", host.id())] {
        let out = Run::nook(Who::User, &["enter", "--pid", &pid.to_string(), "--", "/bin/sh", "-c", "echo ENTERED"])
            .run_collect();
        let denied = ["Operation not permitted", "Permission denied", "EPERM", "EACCES"]
            .iter()
            .any(|s| out.stderr.contains(s));
        if let Some(pr) = out.nook_failure_problem(NOOK_FAILED).or((!denied).then(|| "no EPERM/EACCES".into())) {
            problems.push(format!("{what} (pid {pid}): {pr}\n{out}"));
        }
    }
    let _ = host.kill();
    let _ = host.wait();
    c.stop();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Root may enter container-user's container, user namespace and all.
#[test]
fn root_enters_users_container() {
    let c = Container::start(
        Who::User,
        &["--unshare-pid", "--unshare-uts", "--hostname", "inside", "--proc", "/proc", "--setenv", "FOO", "bar"],
    );
    let out = c.enter(Who::Root, &[], &["/bin/sh", "-c", REPORT]);
    check_report(&c, &out, "inside", "/");
    c.stop();
}

