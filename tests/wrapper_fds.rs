#![cfg(feature = "run")]
//! The wrapper fds of `nook run` (issue 4 part 6), black-box against the built
//! binary: `--info-fd`, `--json-status-fd`, `--block-fd` and `--sync-fd`.
//!
//! Each behaviour runs with and without `--unshare-pid` (see `pid_modes!`),
//! as root and as container-user. The fds are handed to nook the way a shell
//! wrapper would: a launcher script (run by [`Run::sh`], so as the right user)
//! redirects fd 3..6 to a fifo, a pipe or a file in a scratch dir. No --root:
//! PROGRAM (the host's /bin/sh) sees the scratch dir at its host path and
//! signals the test through files there (`ready`), waiting for `stop`.
//!
//! The namespace inodes nook reports are checked against the live process it
//! names, from the host: `/proc/CHILD/ns/NAME`, compared with the test's own.

#[macro_use]
mod common;

use common::*;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;


/// The info keys, the /proc/PID/ns entry each names, and the option that
/// creates it ("" = always created).
const NAMESPACES: [(&str, &str, &str); 8] = [
    ("user-namespace", "user", "--unshare-user"),
    ("mnt-namespace", "mnt", ""),
    ("pid-namespace", "pid", "--unshare-pid"),
    ("uts-namespace", "uts", "--unshare-uts"),
    ("ipc-namespace", "ipc", "--unshare-ipc"),
    ("net-namespace", "net", "--unshare-net"),
    ("cgroup-namespace", "cgroup", "--unshare-cgroup"),
    ("time-namespace", "time", "--unshare-time"),
];

// ------------------------------------------------------------------- JSON

type Obj = Vec<(String, String)>;

/// Parses one flat JSON object (string keys; numbers, plain strings, true,
/// false, null as values, kept as text), which is all nook writes: lenient
/// about whitespace, strict about the shape a wrapper's parser relies on.
fn parse_object(text: &str) -> Result<Obj, String> {
    let inner = (text.trim().strip_prefix('{').and_then(|t| t.strip_suffix('}')))
        .ok_or_else(|| format!("not one {{...}} object: {text:?}"))?;
    let mut obj = Obj::new();
    if inner.trim().is_empty() {
        return Ok(obj);
    }
    for member in inner.split(',') {
        let (k, v) = member.split_once(':').ok_or_else(|| format!("no ':' in {member:?}"))?;
        let key = k.trim().strip_prefix('"').and_then(|k| k.strip_suffix('"'));
        let v = v.trim();
        let value_ok = v.parse::<f64>().is_ok()
            || ["true", "false", "null"].contains(&v)
            || (v.len() >= 2 && v.starts_with('"') && v.ends_with('"'));
        match key {
            Some(key) if value_ok && !key.contains('"') && !has(&obj, key) => {
                obj.push((key.to_string(), v.trim_matches('"').to_string()))
            }
            _ => return Err(format!("bad or duplicate member {member:?}")),
        }
    }
    Ok(obj)
}

/// The value of `key` as an unsigned integer.
fn num(obj: &Obj, key: &str) -> Option<u64> {
    obj.iter().find(|(k, _)| k == key)?.1.parse().ok()
}

fn has(obj: &Obj, key: &str) -> bool {
    obj.iter().any(|(k, _)| k == key)
}

// ------------------------------------------------------- host-side checks

/// The inode of a /proc/.../ns/NAME (stat follows the link to the nsfs).
fn ns_ino(pid: &str, ns: &str) -> Option<u64> {
    fs::metadata(format!("/proc/{pid}/ns/{ns}")).ok().map(|m| m.ino())
}

/// The NSpid line of /proc/PID/status: PID in each nested PID namespace.
fn nspid(pid: u64) -> Vec<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("NSpid:"))
        .map(|l| l.split_whitespace().filter_map(|w| w.parse().ok()).collect())
        .unwrap_or_default()
}

/// Why `obj` (an info object, or the first status line) does not describe
/// the live container: `child-pid` must name a live process; a namespace key
/// is listed exactly when that process's namespace differs from the test's
/// own (nook created it), with the inode that /proc/CHILD/ns/NAME has; every
/// key in `want` is there. With `pidns`, child-pid is PID 1 inside;
/// otherwise it is PROGRAM, whose `$$` is `prog_pid`.
fn info_problems(obj: &Obj, want: &[&str], pidns: bool, prog_pid: Option<u64>) -> Vec<String> {
    let Some(pid) = num(obj, "child-pid") else {
        return vec!["no numeric \"child-pid\"".into()];
    };
    let mut problems = Vec::new();
    let ids = nspid(pid);
    if ids.is_empty() {
        return vec![format!("child-pid {pid} is not a live process")];
    }
    if pidns && (ids.len() < 2 || ids.last() != Some(&1)) {
        problems.push(format!("child-pid {pid} is not PID 1 of a new PID namespace (NSpid {ids:?})"));
    }
    if !pidns && prog_pid.is_some_and(|p| p != pid) {
        problems.push(format!("child-pid {pid} is not PROGRAM (its $$ is {prog_pid:?})"));
    }
    for (key, ns, _) in NAMESPACES {
        let mine = ns_ino("self", ns);
        let child = ns_ino(&pid.to_string(), ns);
        let created = child.is_some() && child != mine;
        match (num(obj, key), has(obj, key)) {
            (_, true) if !created => problems.push(format!(
                "{key} is listed but child-pid {pid} shares the caller's {ns} namespace"
            )),
            (v, true) if v != child => problems.push(format!(
                "{key} is {v:?} but /proc/{pid}/ns/{ns} has inode {child:?}"
            )),
            (_, false) if created => problems.push(format!(
                "{key} is missing though child-pid {pid} has its own {ns} namespace"
            )),
            _ => {}
        }
    }
    for key in want {
        if !has(obj, key) {
            problems.push(format!("{key} is missing though its option was given"));
        }
    }
    problems
}

/// The namespace keys `opts` (and `who`) must produce.
fn wanted(who: Who, pidns: bool, opts: &[&str]) -> Vec<&'static str> {
    NAMESPACES
        .iter()
        .filter(|(key, _, opt)| {
            opt.is_empty()
                || opts.contains(opt)
                || (*key == "user-namespace" && who == Who::User)
                || (*key == "pid-namespace" && pidns)
        })
        .map(|(key, _, _)| *key)
        .collect()
}

// ------------------------------------------------------------- the runs

/// `nook [--unshare-pid] OPTS -- /bin/sh -c SCRIPT`, over the host tree.
fn nook_argv(pidns: bool, opts: &[&str], script: &str) -> Vec<String> {
    let mut v = vec![world().nook_path().to_string()];
    if pidns {
        v.push("--unshare-pid".into());
    }
    v.extend(opts.iter().map(|o| o.to_string()));
    v.extend(["--", "/bin/sh", "-c", script].map(str::to_string));
    v
}

/// PROGRAM: reports whether it inherited fd `fd`, records its `$$`, says
/// `ready` and waits for `stop`, then exits with `code`.
fn waiting_program(dir: &Path, fd: u32, code: i32) -> String {
    format!(
        "[ -e /proc/self/fd/{fd} ] && echo fd{fd}-inherited; echo $$ > {d}/prog.pid; \
         touch {d}/ready; while [ ! -e {d}/stop ]; do sleep 0.05; done; exit {code}",
        d = sh_quote(p(dir))
    )
}

/// A launcher shell (`$1` = the scratch dir, then nook's argv) in progress.
struct Live {
    run: Option<Running>,
    dir: PathBuf,
}

impl Live {
    fn start(who: Who, dir: &Path, launcher: &str, argv: Vec<String>) -> Live {
        let mut args = vec![p(dir).to_string()];
        args.extend(argv);
        let run = Run::sh(who, launcher, &args).spawn();
        Live { run: Some(run), dir: dir.to_path_buf() }
    }

    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.dir.join(name)).unwrap_or_default()
    }

    fn exited(&mut self) -> bool {
        self.run.as_mut().unwrap().has_exited()
    }

    /// Waits until DIR/NAME exists and `done` holds of its text; fails the
    /// test, saying `what` did not happen, when it does not within SOON.
    fn wait(&mut self, name: &str, what: &str, done: impl Fn(&str) -> bool) {
        if !self.came(name, done) {
            self.fail(&format!("{what} (DIR/{name} holds {:?})", self.read(name)));
        }
    }

    /// Whether DIR/NAME exists with `done` holding of its text within SOON
    /// (false at once when the launcher has ended).
    fn came(&mut self, name: &str, done: impl Fn(&str) -> bool) -> bool {
        let there = |c: &Self| c.dir.join(name).exists() && done(&c.read(name));
        until(SOON, || there(self) || self.exited());
        there(self)
    }

    /// PROGRAM's `$$`, once it is ready.
    fn prog_pid(&self) -> Option<u64> {
        self.read("prog.pid").trim().parse().ok()
    }

    /// Stops PROGRAM and waits for the launcher.
    fn finish(mut self) -> Out {
        fs::write(self.dir.join("stop"), "").unwrap();
        self.run.take().unwrap().finish()
    }

    /// Kills the run, then panics with `msg` and its output. The marker
    /// files end every wait loop of PROGRAM and of the launchers first (a
    /// group kill may not reach past `su`).
    fn fail(&mut self, msg: &str) -> ! {
        for name in ["stop", "go", "byte"] {
            fs::write(self.dir.join(name), "").unwrap();
        }
        let mut run = self.run.take().unwrap();
        run.kill();
        panic!("{msg}\nDIR = {}\n{}", p(&self.dir), run.finish());
    }
}

/// `pid_modes!(NAME, ...)`: for each `fn NAME(who: Who, pidns: bool)`, the
/// tests `NAME::{no_pidns,pidns}::{as_root,as_user}`.
macro_rules! pid_modes {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use $crate::common::Who;
                fn no_pidns(who: Who) { super::$name(who, false) }
                fn pidns(who: Who) { super::$name(who, true) }
                both!(no_pidns, pidns);
            }
        )*
    };
}

// ---------------------------------------------------------------- --info-fd

/// Reads fd 3's fifo to EOF into `info.json`, then says `info.eof`, while
/// nook runs in the background; exits with nook's status.
const INFO_FIFO: &str = r#"d=$1; shift
mkfifo "$d/info.fifo" || exit 99
"$@" 3>"$d/info.fifo" &
nook=$!
cat "$d/info.fifo" > "$d/info.json"
touch "$d/info.eof"
wait $nook"#;

/// --info-fd: one JSON line naming the container's first process and its
/// new namespaces, then EOF for the reader while the container still runs
/// (neither nook nor PROGRAM keeps a copy of the fd).
fn info_fd(who: Who, pidns: bool) {
    let dir = scratch(who, "info");
    let argv = nook_argv(pidns, &["--info-fd", "3"], &waiting_program(&dir, 3, 0));
    let mut live = Live::start(who, &dir, INFO_FIFO, argv);
    live.wait("ready", "PROGRAM never started", |_| true);
    live.wait("info.eof", "the info fd never reached EOF while PROGRAM runs", |_| true);
    let text = live.read("info.json");
    if live.exited() {
        live.fail("the run ended before PROGRAM was told to stop");
    }
    if !text.ends_with('\n') || text.lines().count() != 1 {
        live.fail(&format!("--info-fd must get exactly one line, got {text:?}"));
    }
    let obj = parse_object(&text).unwrap_or_else(|e| live.fail(&format!("bad JSON {text:?}: {e}")));
    let problems = info_problems(&obj, &wanted(who, pidns, &[]), pidns, live.prog_pid());
    if !problems.is_empty() {
        live.fail(&format!("info {text:?}:\n  {}", problems.join("\n  ")));
    }
    let out = live.finish();
    out.ok();
    assert!(!out.stdout.contains("inherited"), "PROGRAM inherited the info fd\n{out}");
}

/// Each namespace option adds exactly its key to the info, with the right
/// inode; as root, a user namespace is listed only when one was asked for.
fn info_fd_namespaces(who: Who, pidns: bool) {
    let variants: [&[&str]; 8] = [&[], &["--unshare-user"], &["--unshare-uts"], &["--unshare-ipc"],
        &["--unshare-net"], &["--unshare-cgroup"], &["--unshare-time"], &["--unshare-all"]];
    let launcher = r#"d=$1; shift; exec "$@" 3>"$d/info.json""#;
    let mut problems = Vec::new();
    for opts in variants {
        let dir = scratch(who, "ns");
        let mut all = vec!["--info-fd", "3"];
        all.extend_from_slice(opts);
        let argv = nook_argv(pidns, &all, &waiting_program(&dir, 3, 0));
        let mut live = Live::start(who, &dir, launcher, argv);
        // A failing option must not hide the others: note it, go on.
        if !live.came("ready", |_| true) || !live.came("info.json", |t| t.ends_with('\n')) {
            let (info, out) = (live.read("info.json"), live.finish());
            problems.push(format!("{opts:?}: PROGRAM never ran or no info line ({info:?})\n{out}"));
            continue;
        }
        let text = live.read("info.json");
        // --unshare-all's meaning for the user namespace is left to nook:
        // the "differs from the caller's" rule still checks it.
        let want = if opts == ["--unshare-all"] {
            let all_opts: Vec<&str> = NAMESPACES.iter().skip(2).map(|n| n.2).collect();
            wanted(who, true, &all_opts)
        } else {
            wanted(who, pidns, opts)
        };
        match parse_object(&text) {
            Err(e) => problems.push(format!("{opts:?}: bad JSON {text:?}: {e}")),
            Ok(obj) => {
                for pr in info_problems(&obj, &want, pidns || opts == ["--unshare-all"], None) {
                    problems.push(format!("{opts:?}: {pr} (info {text:?})"));
                }
            }
        }
        let out = live.finish();
        if out.code != 0 {
            problems.push(format!("{opts:?}: exit status {}\n{out}", out.code));
        }
    }
    assert!(problems.is_empty(), "as {who}, pidns {pidns}:\n{}", problems.join("\n"));
}

// ------------------------------------------------------- --json-status-fd

/// A launcher that puts nook's fd FD on the fifo DIR/NAME.fifo, whose
/// reader (in the background) copies it to DIR/NAME.json, then says
/// DIR/NAME.eof. nook runs in the foreground (`{pipe}"$@" {redirs}`); the
/// launcher reports when the reader saw no EOF within 5 s of nook's exit,
/// and exits with nook's status.
fn fifo_launcher(fd: u32, name: &str, pipe: &str, redirs: &str) -> String {
    format!(
        r#"d=$1; shift
mkfifo "$d/{name}.fifo" || exit 99
{{ cat "$d/{name}.fifo" > "$d/{name}.json"; touch "$d/{name}.eof"; }} </dev/null >/dev/null 2>&1 &
{pipe}"$@" {redirs} {fd}>"$d/{name}.fifo"
st=$?
i=0
while [ ! -e "$d/{name}.eof" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
[ -e "$d/{name}.eof" ] || echo "{name} fd still open 5 s after nook exited"
exit $st"#
    )
}

/// The exit-code of a status stream's last line, after checking that every
/// line is a JSON object and that only the last one has "exit-code".
fn status_lines(text: &str) -> Result<(Vec<Obj>, Option<u64>), String> {
    if !text.is_empty() && !text.ends_with('\n') {
        return Err(format!("the last line is unterminated: {text:?}"));
    }
    let mut objs = Vec::new();
    for line in text.lines() {
        objs.push(parse_object(line).map_err(|e| format!("bad JSON line {line:?}: {e}"))?);
    }
    let codes: Vec<usize> = (0..objs.len()).filter(|i| has(&objs[*i], "exit-code")).collect();
    match codes[..] {
        [] => Ok((objs, None)),
        [i] if i + 1 == objs.len() => {
            let code = num(&objs[i], "exit-code").ok_or("a non-numeric exit-code")?;
            Ok((objs, Some(code)))
        }
        _ => Err(format!("\"exit-code\" is not on the last line alone: {text:?}")),
    }
}

/// --json-status-fd: while PROGRAM runs, the first line already names
/// child-pid and the namespaces; the last line is {"exit-code": 7} for
/// PROGRAM's `exit 7`, and the reader gets EOF once nook has exited.
fn json_status_fd(who: Who, pidns: bool) {
    let dir = scratch(who, "status");
    let argv = nook_argv(pidns, &["--json-status-fd", "4"], &waiting_program(&dir, 4, 7));
    let mut live = Live::start(who, &dir, &fifo_launcher(4, "status", "", ""), argv);
    live.wait("ready", "PROGRAM never started", |_| true);
    live.wait("status.json", "no first status line while PROGRAM runs", |t| t.contains('\n'));
    let first = live.read("status.json").lines().next().unwrap().to_string();
    let obj = parse_object(&first).unwrap_or_else(|e| live.fail(&format!("bad JSON {first:?}: {e}")));
    let mut problems = info_problems(&obj, &wanted(who, pidns, &[]), pidns, live.prog_pid());
    if has(&obj, "exit-code") {
        problems.push("an exit-code while PROGRAM still runs".into());
    }
    if !problems.is_empty() {
        live.fail(&format!("first status line {first:?}:\n  {}", problems.join("\n  ")));
    }
    let out = live.finish();
    out.code(7);
    assert!(!out.stdout.contains("inherited"), "PROGRAM inherited the status fd\n{out}");
    assert!(!out.stdout.contains("still open"), "{out}");
    let text = fs::read_to_string(dir.join("status.json")).unwrap();
    match status_lines(&text) {
        Ok((objs, Some(7))) if objs.len() >= 2 && objs[0] == obj => {}
        other => panic!("want the first line again, then {{\"exit-code\": 7}} last; got {other:?}\n{out}"),
    }
}

/// The exit-code line equals nook's exit status, for exit codes and for
/// deaths by signal (128+N).
fn json_status_exit_codes(who: Who, pidns: bool) {
    let dir = scratch(who, "codes");
    let cases = [("exit 0", 0), ("exit 1", 1), ("exit 42", 42), ("exit 255", 255), ("kill -TERM $$", 143), ("kill -KILL $$", 137)];
    let mut argv = nook_argv(pidns, &["--json-status-fd", "4"], "");
    argv.pop();
    // One launcher, one nook per case: `"$@" SCRIPT` with the status to DIR/st.I.
    let list: Vec<String> = cases.iter().map(|(c, _)| sh_quote(c)).collect();
    let script = format!(
        r#"d=$1; shift; i=0
for c in {}; do "$@" "$c" 4>"$d/st.$i"; echo "$i $?"; i=$((i+1)); done"#,
        list.join(" ")
    );
    let mut args = vec![p(&dir).to_string()];
    args.extend(argv);
    let out = Run::sh(who, &script, &args).run();
    let got = out.ok_lines();
    let mut problems = Vec::new();
    for (i, (case, want)) in cases.iter().enumerate() {
        if !got.contains(&format!("{i} {want}")) {
            problems.push(format!("`{case}`: want nook's status {want}, got lines {got:?}"));
        }
        let text = fs::read_to_string(dir.join(format!("st.{i}"))).unwrap_or_default();
        match status_lines(&text) {
            Ok((_, Some(c))) if c == *want as u64 => {}
            other => problems.push(format!("`{case}`: want exit-code {want} last, got {other:?}")),
        }
    }
    assert!(problems.is_empty(), "{}\n{out}", problems.join("\n"));
}

/// No exit-code line when PROGRAM never ran: not found (127), not
/// executable (126), a setup failure (125).
fn json_status_no_exit_code_when_exec_fails(who: Who, pidns: bool) {
    let dir = scratch(who, "noexec");
    let plain = dir.join("plain");
    fs::write(&plain, "#!/bin/sh\nexit 0\n").unwrap();
    set_mode(&plain, 0o644);
    let w = world();
    let cases: [(&str, Vec<&str>, i32); 3] = [
        ("not found", vec!["--", "/nonexistent/nook-it-program"], 127),
        ("not executable", vec!["--", p(&plain)], 126),
        ("setup failure", vec!["--root", w.root(), "--bind", "/nonexistent-nook-it", "/mnt", "--", "/bin/true"], 125),
    ];
    for (i, (what, args, want)) in cases.iter().enumerate() {
        let mut argv = vec![w.nook_path(), "--json-status-fd", "4"];
        if pidns {
            argv.push("--unshare-pid");
        }
        argv.extend(args);
        let file = dir.join(format!("st.{i}"));
        let script = r#"f=$1; shift; exec "$@" 4>"$f""#;
        let mut a = vec![p(&file)];
        a.extend(argv);
        let out = Run::sh(who, script, &a).run();
        out.code(*want);
        let text = fs::read_to_string(&file).unwrap_or_default();
        match status_lines(&text) {
            Ok((_, None)) => {}
            other => panic!("{what}: want no exit-code line, got {other:?} from {text:?}\n{out}"),
        }
    }
}

// --------------------------------------------------------------- --block-fd

/// nook with fd 5 on a pipe whose writer waits for DIR/go, then either sends
/// one byte and keeps the pipe open until DIR/stop (with DIR/byte) or closes
/// it (EOF); fd 3 (info) goes to a file.
const BLOCK_PIPE: &str = r#"d=$1; shift
{ while [ ! -e "$d/go" ]; do sleep 0.05; done
  if [ -e "$d/byte" ]; then printf x; while [ ! -e "$d/stop" ]; do sleep 0.05; done; fi
} | "$@" 5<&0 0</dev/null 3>"$d/info.json""#;

/// --block-fd: the info is written, namespaces and all, before nook waits;
/// PROGRAM does not start until a byte arrives (the writer still open) or
/// the writer closes; PROGRAM does not inherit the fd.
fn block_fd(who: Who, pidns: bool) {
    for byte in [true, false] {
        let dir = scratch(who, "block");
        let program = format!("touch {}/started; {}", sh_quote(p(&dir)), waiting_program(&dir, 5, 0));
        let argv = nook_argv(pidns, &["--info-fd", "3", "--block-fd", "5"], &program);
        let mut live = Live::start(who, &dir, BLOCK_PIPE, argv);
        live.wait("info.json", "no info while nook is blocked", |t| t.ends_with('\n'));
        let text = live.read("info.json");
        let obj = parse_object(&text).unwrap_or_else(|e| live.fail(&format!("bad JSON {text:?}: {e}")));
        let problems = info_problems(&obj, &wanted(who, pidns, &[]), pidns, None);
        if !problems.is_empty() {
            live.fail(&format!("info {text:?} while blocked:\n  {}", problems.join("\n  ")));
        }
        thread::sleep(Duration::from_millis(500));
        if dir.join("started").exists() || live.exited() {
            live.fail("PROGRAM ran (or nook ended) before anything was written to the block fd");
        }
        if byte {
            fs::write(dir.join("byte"), "").unwrap();
        }
        fs::write(dir.join("go"), "").unwrap();
        let what = if byte { "one byte" } else { "EOF" };
        live.wait("ready", &format!("PROGRAM never started after {what} on the block fd"), |_| true);
        let out = live.finish();
        out.ok();
        assert!(!out.stdout.contains("inherited"), "PROGRAM inherited the block fd\n{out}");
    }
}

// ---------------------------------------------------------------- --sync-fd

/// --sync-fd: no EOF while the container runs, EOF once it has exited. fd 6
/// itself: without a PID namespace PROGRAM is the container and holds it
/// (the sync fifo); with one, the outer nook holds it, and neither PROGRAM
/// nor PID 1 (seen in a /proc of the container's own) has a copy.
fn sync_fd(who: Who, pidns: bool) {
    let dir = scratch(who, "sync");
    let fifo = format!("{}/sync.fifo", p(&dir));
    let (opts, probe): (&[&str], _) = match pidns {
        false => (&["--sync-fd", "6"], "echo \"self: $(readlink /proc/self/fd/6)\""),
        true => (&["--sync-fd", "6", "--proc", "/proc"], "echo \"self: $(readlink /proc/self/fd/6)\"; echo \"init: $(readlink /proc/1/fd/6)\""),
    };
    let program = format!("{probe}; {}", waiting_program(&dir, 6, 3));
    let argv = nook_argv(pidns, opts, &program);
    let mut live = Live::start(who, &dir, &fifo_launcher(6, "sync", "", ""), argv);
    live.wait("ready", "PROGRAM never started", |_| true);
    thread::sleep(Duration::from_millis(500));
    if dir.join("sync.eof").exists() {
        live.fail("the sync fd reached EOF while the container still runs");
    }
    let out = live.finish();
    out.code(3);
    assert!(!out.stdout.contains("still open"), "{out}");
    let want = match pidns {
        false => vec![format!("self: {fifo}"), "fd6-inherited".into()],
        true => vec!["self: ".into(), "init: ".into()],
    };
    assert_eq!(out.lines(), want, "who holds the sync fd\n{out}");
}

// ------------------------------------------------- all four, and bad fds

/// All four at once: info and the first status line agree; the wrapper reads
/// the info, then unblocks; the status ends with PROGRAM's code; sync EOFs.
fn all_four(who: Who, pidns: bool) {
    let dir = scratch(who, "all");
    // The block fd is a pipe whose writer exits (EOF) once DIR/go exists.
    let block = r#"{ while [ ! -e "$d/go" ]; do sleep 0.05; done; } | "#;
    let redirs = r#"5<&0 0</dev/null 3>"$d/info.json" 4>"$d/status.json""#;
    let script = fifo_launcher(6, "sync", block, redirs);
    let opts = ["--info-fd", "3", "--json-status-fd", "4", "--block-fd", "5", "--sync-fd", "6"];
    let argv = nook_argv(pidns, &opts, &waiting_program(&dir, 99, 9));
    let mut live = Live::start(who, &dir, &script, argv);
    live.wait("info.json", "no info while blocked", |t| t.ends_with('\n'));
    let info = parse_object(&live.read("info.json")).unwrap_or_else(|e| live.fail(&e));
    thread::sleep(Duration::from_millis(300));
    if dir.join("ready").exists() {
        live.fail("PROGRAM started before the block fd said go");
    }
    fs::write(dir.join("go"), "").unwrap();
    live.wait("ready", "PROGRAM never started after EOF on the block fd", |_| true);
    let problems = info_problems(&info, &wanted(who, pidns, &[]), pidns, live.prog_pid());
    if !problems.is_empty() {
        live.fail(&problems.join("\n"));
    }
    let out = live.finish();
    out.code(9);
    let text = fs::read_to_string(dir.join("status.json")).unwrap();
    match status_lines(&text) {
        Ok((objs, Some(9))) if objs[0] == info => {}
        other => panic!("want the info as the first status line and exit-code 9 last: {other:?}\n{out}"),
    }
    assert!(!out.stdout.contains("still open"), "no EOF on the sync fd after the exit\n{out}");
}

/// An fd that is not open, and values that are no fd, are refused with one
/// line and 125 before anything runs; the same option on an open fd 7 (the
/// control) works.
fn bad_fds(who: Who) {
    let mut problems = Vec::new();
    for opt in ["--info-fd", "--json-status-fd", "--block-fd", "--sync-fd"] {
        let open = if opt == "--block-fd" { "exec 7</dev/null" } else { "exec 7>/dev/null" };
        let argv = [world().nook_path(), opt, "7", "--", "/bin/sh", "-c", "echo ran"];
        let out = Run::sh(who, &format!(r#"{open}; exec "$@""#), &argv).run_collect();
        if out.code != 0 || out.stdout != "ran\n" || out.mount_diff.is_some() {
            problems.push(format!("{opt} 7 with 7 open on /dev/null must run PROGRAM\n{out}"));
        }
        for value in ["7", "abc", "", "-1", "3x", "99999999999"] {
            let argv = [world().nook_path(), opt, value, "--", "/bin/true"];
            let out = Run::sh(who, r#"exec 7>&-; exec "$@""#, &argv).run_collect();
            if let Some(pr) = out.nook_failure_problem(NOOK_FAILED) {
                problems.push(format!("{opt} {value:?} (7 is closed): {pr}\n{out}"));
            }
        }
        let out = Run::nook(who, &[opt]).run_collect();
        if let Some(pr) = out.nook_failure_problem(NOOK_FAILED) {
            problems.push(format!("{opt} without a value: {pr}\n{out}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

pid_modes!(
    info_fd,
    info_fd_namespaces,
    json_status_fd,
    json_status_exit_codes,
    json_status_no_exit_code_when_exec_fails,
    block_fd,
    sync_fd,
    all_four,
);
/// A wrapper that cannot be told is a setup failure, with or without a PID
/// namespace: a read-only fd (EBADF on write) or a pipe whose reader is
/// gone (EPIPE, not a silent SIGPIPE death), and PROGRAM never starts. The
/// same fd for both JSON options is refused: info closes its fd.
fn unwritable_wrapper_fds(who: Who) {
    let mut problems = Vec::new();
    let dir = scratch(who, "unwritable");
    let marker = dir.join("ran");
    let program = format!("touch {}", marker.display());
    for pidns in [false, true] {
        for opt in ["--info-fd", "--json-status-fd"] {
            let status = dir.join("status");
            let no_reader = format!(
                r#"exec 3>&1; {{ sleep 0.3; "$@" 7>&1 1>&3; echo $? > {st}; }} | true; exit $(cat {st})"#,
                st = status.display()
            );
            for (what, setup) in [("read-only fd", "exec 7</dev/null"), ("pipe without reader", no_reader.as_str())] {
                let argv = nook_argv(pidns, &[opt, "7"], &program);
                // For the pipe, its reader (`true`) exits at once and nook
                // writes 0.3 s later: EPIPE. Its stdout stays the caller's.
                let script = format!(r#"{setup}; exec "$@""#);
                let out = Run::sh(who, &script, &argv).run_collect();
                let failed_cleanly = out.stderr.lines().count() == 1 && out.stderr.starts_with("nook: write ");
                if !failed_cleanly || out.code == 0 || marker.exists() || out.mount_diff.is_some() {
                    problems.push(format!("{opt} on a {what} (pid ns: {pidns}): want one `nook: write` line, exit != 0, PROGRAM not run\n{out}"));
                }
            }
        }
    }
    let argv = [world().nook_path(), "--info-fd", "7", "--json-status-fd", "7", "--", "/bin/true"];
    let out = Run::sh(who, r#"exec 7>/dev/null; exec "$@""#, &argv).run_collect();
    if let Some(pr) = out.nook_failure_problem(NOOK_FAILED) {
        problems.push(format!("the same fd for --info-fd and --json-status-fd: {pr}\n{out}"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Issue 12 part 3: fds 0, 1 and 2 are PROGRAM's stdio, and each wrapper fd
/// is closed or read by nook at a moment of its own (`--info-fd 2` closed
/// stderr after the JSON; `--sync-fd 2` under --unshare-pid closed PID 1's
/// stderr, so a setup error went unsaid). So each of the four options
/// refuses 0, 1 and 2 with one line naming it, exit 125, PROGRAM not run,
/// with and without a PID namespace. The way the hint gives (a new fd that
/// is a copy: `3>&1`) works: the JSON reaches stdout and PROGRAM still has
/// its stdio, and a setup error under `--sync-fd 3 3>&2` is still said.
fn stdio_is_no_wrapper_fd(who: Who) {
    let dir = scratch(who, "stdio");
    let ran = dir.join("ran");
    let mut problems = Vec::new();
    for pidns in [false, true] {
        for opt in ["--info-fd", "--json-status-fd", "--block-fd", "--sync-fd"] {
            for fd in ["0", "1", "2"] {
                let argv = nook_argv(pidns, &[opt, fd], &format!("touch {}", ran.display()));
                let out = Run::argv(who, argv).run_collect();
                match out.nook_failure_problem(NOOK_FAILED) {
                    Some(pr) => problems.push(format!("{opt} {fd} (pid ns: {pidns}): {pr}\n{out}")),
                    None if !out.stderr.contains(opt) || !out.stderr.contains("0, 1 or 2") => {
                        problems.push(format!("{opt} {fd}: the line must name the option and the rule\n{out}"))
                    }
                    None if ran.exists() => problems.push(format!("{opt} {fd}: PROGRAM ran\n{out}")),
                    None => {}
                }
            }
        }
        let probe = "echo ran; ls /proc/self/fd | tr '\\n' ' '; echo";
        for (opt, redirect, want) in [
            ("--info-fd", "3>&1", "\"child-pid\""),
            ("--json-status-fd", "3>&1", "{\"exit-code\": 0}"),
            ("--block-fd", "3</dev/null", "ran"),
        ] {
            let argv = nook_argv(pidns, &[opt, "3"], probe);
            let out = Run::sh(who, &format!(r#"exec {redirect}; exec "$@""#), &argv).run();
            let stdio = out.lines().iter().any(|l| l.starts_with("0 1 2 "));
            if out.code != 0 || !out.stdout.contains("ran\n") || !out.stdout.contains(want) || !stdio {
                problems.push(format!("{opt} 3 {redirect} (pid ns: {pidns}): want {want:?}, `ran` and fds 0 1 2 open\n{out}"));
            }
        }
        let argv = nook_argv(pidns, &["--sync-fd", "3", "--bind", "/nonexistent-src", "/tmp"], "true");
        let out = Run::sh(who, r#"exec 3>&2; exec "$@""#, &argv).run_collect();
        if let Some(pr) = out.nook_failure_problem(NOOK_FAILED) {
            problems.push(format!("a setup error under --sync-fd 3 3>&2 (pid ns: {pidns}): {pr}\n{out}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

both!(bad_fds, unwritable_wrapper_fds, stdio_is_no_wrapper_fd);
