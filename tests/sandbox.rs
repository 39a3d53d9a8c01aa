#![cfg(all(feature = "run", feature = "enter"))]
//! The workload's sandbox (issue 17), black-box against the built binary,
//! as root and as container-user: Landlock paths, ports and scopes, seccomp
//! filters read from fds or built by nook, through `run` (with and without
//! a PID namespace, whose init gets them handed on), `init` and `enter`.
//!
//! Each confinement is checked against a control run without it, so a
//! sandbox that does nothing fails. The system calls busybox has no applet
//! for (a TCP connect or bind to a chosen port, an abstract unix socket)
//! are made by this test binary itself, bound into the root as
//! /mnt/helper and run with SANDBOX_HELPER='ACTION ARG' (see
//! [`sandbox_helper`]).

#[macro_use]
mod common;

use common::*;
use std::fs;
use std::io::Write;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener};
use std::path::Path;

unsafe extern "C" {
    fn syscall(nr: i64, ...) -> i64;
}

/// The host's Landlock ABI (0: none), as nook probes it.
fn landlock_abi() -> i64 {
    // SAFETY: landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION).
    unsafe { syscall(444, std::ptr::null::<u8>(), 0usize, 1u32) }.max(0)
}

/// Inside a container: `connect PORT` / `bind PORT` (TCP on 127.0.0.1),
/// `abstract NAME` (connect to the abstract unix socket @NAME). Prints
/// `ACTION-ok` or `ACTION-err ERRNO`. Without SANDBOX_HELPER it passes.
#[test]
fn sandbox_helper() {
    let Ok(words) = std::env::var("SANDBOX_HELPER") else { return };
    let (action, arg) = words.split_once(' ').unwrap();
    let result = match action {
        "connect" => std::net::TcpStream::connect(("127.0.0.1", arg.parse::<u16>().unwrap())).map(drop),
        "bind" => std::net::TcpListener::bind(("127.0.0.1", arg.parse::<u16>().unwrap())).map(drop),
        "abstract" => SocketAddr::from_abstract_name(arg).and_then(|a| std::os::unix::net::UnixStream::connect_addr(&a)).map(drop),
        _ => panic!("unknown helper action {words:?}"),
    };
    let line = match result {
        Ok(()) => format!("{action}-ok"),
        Err(e) => format!("{action}-err {}", e.raw_os_error().unwrap_or(0)),
    };
    println!("{line}");
    std::process::exit(0);
}

/// `--root R --tmpfs /tmp --tmpfs /mnt --bind HELPER /mnt/helper` (no
/// read-only promise: root would be warned that it does not hold).
fn helper_root() -> Vec<String> {
    let w = world();
    ["--root", w.root(), "--tmpfs", "/tmp", "--tmpfs", "/mnt", "--bind", helper::bin(), "/mnt/helper"].map(String::from).to_vec()
}

/// A /bin/sh script that runs the helper once for each of `actions`.
fn helper_script(actions: &[&str]) -> String {
    let helper = sh_join(&helper::test_argv("/mnt/helper", "sandbox_helper"));
    actions.iter().map(|a| format!("SANDBOX_HELPER='{a}' {helper}; ")).collect()
}

/// The helper's result lines in `out` (libtest prints its own around them).
fn results(out: &Out) -> Vec<String> {
    out.lines().into_iter().filter(|l| l.contains("-ok") || l.contains("-err")).collect()
}

fn nook_sh(who: Who, opts: &[String], script: &str) -> Out {
    let mut args = opts.to_vec();
    args.extend(["--", "/bin/sh", "-c", script].map(String::from));
    Run::nook(who, &args).run()
}

// ----------------------------------------------------------------- Landlock

/// A write outside the `--landlock-rw` paths fails with EACCES; a listed
/// `--landlock-ro` file reads, and a directory not listed does not.
fn landlock_paths(who: Who) {
    let w = world();
    let base = [helper_root(), args(&["--bind", p(&w.marker), "/mnt/marker"])].concat();
    let script = "cat /mnt/marker; echo x > /tmp/ok && echo wrote-tmp; echo y > /mnt/no && echo wrote-mnt; ls /etc > /tmp/list && echo listed-etc";
    let control = nook_sh(who, &base, script);
    control.ok().stdout_has("wrote-tmp").stdout_has("wrote-mnt").stdout_has("listed-etc");
    for pid in [&[][..], &["--unshare-pid"]] {
        let opts = [&base[..], &args(pid), &args(&["--landlock-ro", "/bin", "--landlock-ro", "/mnt/marker", "--landlock-rw", "/tmp"])].concat();
        let out = nook_sh(who, &opts, script);
        out.stdout_has(MARKER_TEXT.trim()).stdout_has("wrote-tmp");
        assert!(!out.stdout.contains("wrote-mnt") && !out.stdout.contains("listed-etc"), "Landlock let the write or the listing through\n{out}");
        out.stderr_has("/mnt/no: Permission denied");
    }
    // A path that does not exist inside is one line, before PROGRAM.
    let opts = [&base[..], &args(&["--landlock-ro", "/nonexistent"])].concat();
    nook_sh(who, &opts, "echo ran").nook_failure(NOOK_FAILED).stderr_has("open Landlock path /nonexistent: No such file or directory (ENOENT)");
}

/// TCP connect and bind are allowed only for the listed ports (ABI 4+);
/// without network rules in the kernel the options are refused, or with
/// `--landlock-best-effort` warned about.
fn landlock_ports(who: Who) {
    let base = [helper_root(), args(&["--unshare-net"])].concat();
    let script = helper_script(&["connect 8080", "connect 8081", "bind 9000", "bind 9001"]);
    let control = nook_sh(who, &base, &script);
    assert_eq!(results(control.ok()), ["connect-err 111", "connect-err 111", "bind-ok", "bind-ok"], "{control}");
    let opts = [&base[..], &args(&["--landlock-net-connect", "8080", "--landlock-net-bind", "9000"])].concat();
    let out = nook_sh(who, &opts, &script);
    if landlock_abi() >= 4 {
        // 111 is ECONNREFUSED (allowed, nothing listens), 13 EACCES.
        assert_eq!(results(out.ok()), ["connect-err 111", "connect-err 13", "bind-ok", "bind-err 13"], "{out}");
    } else {
        eprintln!("Landlock ABI {} has no port rules: checking the refusal instead", landlock_abi());
        out.nook_failure(NOOK_FAILED).stderr_has("ABI 4");
    }
}

/// With `--landlock-scope` the host's abstract unix sockets are out of
/// reach of a workload sharing the network namespace (ABI 6+).
fn landlock_scope(who: Who) {
    let name = format!("nook-it-scope-{}-{who}", std::process::id());
    let listener = UnixListener::bind_addr(&SocketAddr::from_abstract_name(&name).unwrap()).unwrap();
    let script = helper_script(&[&format!("abstract {name}")]);
    let control = nook_sh(who, &helper_root(), &script);
    assert_eq!(results(control.ok()), ["abstract-ok"], "{control}");
    let opts = [helper_root(), args(&["--landlock-scope"])].concat();
    let out = nook_sh(who, &opts, &script);
    if landlock_abi() >= 6 {
        assert_eq!(results(out.ok()), ["abstract-err 1"], "the host's socket was reachable\n{out}");
    } else {
        out.nook_failure(NOOK_FAILED).stderr_has("ABI 6");
    }
    drop(listener);
}

/// Where Landlock is missing (strace's fault injection stands in for such
/// a kernel: ENOSYS, and EOPNOTSUPP for one that has it disabled), the
/// options fail with one line; `--landlock-best-effort` warns and runs.
fn landlock_missing(who: Who) {
    assert!(Path::new("/usr/bin/strace").exists(), "strace is needed (scripts/test installs it)");
    let w = world();
    for errno in ["ENOSYS", "EOPNOTSUPP"] {
        let inject = format!("-einject=landlock_create_ruleset:error={errno}");
        let argv = args(&["strace", "-f", "-qq", "-o", "/dev/null", &inject, w.nook_path(), "--root", w.root(), "--landlock-ro", "/"]);
        let run = |extra: &[&str]| Run::argv(who, [&argv[..], &args(extra), &args(&["--", "/bin/echo", "ran"])].concat()).run();
        run(&[]).nook_failure(NOOK_FAILED).stderr_has("this kernel has no Landlock");
        let out = run(&["--landlock-best-effort"]);
        out.ok().stdout_is("ran\n").stderr_has("nook: warning: this kernel has no Landlock");
    }
}

// ------------------------------------------------------------------ seccomp

/// A classic-BPF filter built here, independently of nook's: EPERM for
/// the x86_64 system calls `denied`, everything else allowed (and another
/// architecture killed).
fn filter(denied: &[u32]) -> Vec<u8> {
    let insn = |code: u16, jt: u8, jf: u8, k: u32| [&code.to_ne_bytes()[..], &[jt, jf], &k.to_ne_bytes()].concat();
    let mut f = [insn(0x20, 0, 0, 4), insn(0x15, 1, 0, 0xc000_003e), insn(0x06, 0, 0, 0x8000_0000), insn(0x20, 0, 0, 0)].concat();
    for nr in denied {
        f.extend(insn(0x15, 0, 1, *nr));
        f.extend(insn(0x06, 0, 0, 0x0005_0001));
    }
    f.extend(insn(0x06, 0, 0, 0x7fff_0000));
    f
}

const MKDIR: [u32; 2] = [83, 258];
const SYMLINK: [u32; 2] = [88, 266];

/// The shell line each seccomp test runs: mkdir must fail with EPERM, the
/// rest work.
const MKDIR_SCRIPT: &str = "mkdir /tmp/d && echo made-dir; touch /tmp/f && echo touched; ln -s f /tmp/l && echo linked";

/// `sh -c 'exec "$@" 3<F3 4<F4' sh NOOK ARGS...`: the filters on fds 3 and 4.
fn with_fds(who: Who, files: &[&Path], args: &[String]) -> Out {
    let redirects: String = files.iter().enumerate().map(|(i, f)| format!(" {}<{}", i + 3, sh_quote(p(f)))).collect();
    let mut argv = vec![world().nook_path().to_string()];
    argv.extend(args.iter().cloned());
    Run::sh(who, &format!("exec \"$@\"{redirects}"), &argv).run()
}

fn write_filter(who: Who, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = scratch(who, name);
    let path = dir.join("filter.bpf");
    fs::File::create(&path).unwrap().write_all(bytes).unwrap();
    path
}

/// `--seccomp FD` makes mkdir fail with EPERM while the rest works;
/// `--add-seccomp-fd FD` stacks a second filter. In `run` with and without
/// a PID namespace (whose init gets them as memfds).
fn seccomp_from_fds(who: Who) {
    let w = world();
    let root = args(&["--root", w.root(), "--tmpfs", "/tmp"]);
    let control = nook_sh(who, &root, MKDIR_SCRIPT);
    control.ok().stdout_has("made-dir").stdout_has("linked");
    let mkdir = write_filter(who, "mkdir", &filter(&MKDIR));
    let symlink = write_filter(who, "symlink", &filter(&SYMLINK));
    for pid in [&[][..], &["--unshare-pid"]] {
        let tail = args(&["--", "/bin/sh", "-c", MKDIR_SCRIPT]);
        let one = with_fds(who, &[&mkdir], &[&root[..], &args(pid), &args(&["--seccomp", "3"]), &tail].concat());
        one.stdout_has("touched").stdout_has("linked").stderr_has("Operation not permitted");
        assert!(!one.stdout.contains("made-dir"), "the filter let mkdir through\n{one}");
        let two = with_fds(who, &[&mkdir, &symlink], &[&root[..], &args(pid), &args(&["--seccomp", "3", "--add-seccomp-fd", "4"]), &tail].concat());
        two.stdout_has("touched");
        assert!(!two.stdout.contains("made-dir") && !two.stdout.contains("linked"), "a stacked filter was lost\n{two}");
    }
}

/// `--seccomp-deny mkdirat,mkdir` (and the same by number) does what the
/// filter above does, in `run` and in `nook init`.
fn seccomp_deny(who: Who) {
    let w = world();
    for list in ["mkdirat,mkdir", "83,258"] {
        for pid in [&[][..], &["--unshare-pid"]] {
            let opts = [&args(&["--root", w.root(), "--tmpfs", "/tmp"])[..], &args(pid), &args(&["--seccomp-deny", list])].concat();
            let out = nook_sh(who, &opts, MKDIR_SCRIPT);
            out.stdout_has("touched").stdout_has("linked").stderr_has("Operation not permitted");
            assert!(!out.stdout.contains("made-dir"), "--seccomp-deny {list} let mkdir through\n{out}");
        }
    }
    let dir = scratch(who, "init");
    let script = format!("mkdir {0}/d && echo made-dir; touch {0}/f && echo touched", p(&dir));
    let out = Run::nook(who, &["init", "--seccomp-deny", "mkdir,mkdirat", "--", "/bin/sh", "-c", &script]).run();
    out.stdout_has("touched").stderr_has("Operation not permitted");
    assert!(!dir.join("d").exists(), "nook init let mkdir through\n{out}");
    Run::nook(who, &["--seccomp-deny", "mkdir,mkdri", "--", "true"]).run().usage_error().stderr_has("option --seccomp-deny: mkdri is not a system call");
}

/// An empty filter, or one that is not a whole number of 8-byte
/// instructions, is one line naming its size, before anything changes.
fn seccomp_truncated(who: Who) {
    let w = world();
    let good = filter(&MKDIR);
    for (bytes, size) in [(&good[..13], "13 bytes"), (&[][..], "0 bytes"), (&good[..good.len() - 1], &*format!("{} bytes", good.len() - 1))] {
        let file = write_filter(who, "cut", bytes);
        for pid in [&[][..], &["--unshare-pid"]] {
            let args = [&args(&["--root", w.root()])[..], &args(pid), &args(&["--seccomp", "3", "--", "/bin/echo", "ran"])].concat();
            let out = with_fds(who, &[&file], &args);
            out.nook_failure(NOOK_FAILED).stderr_has(&format!("load seccomp filter from fd 3 ({size}): Invalid argument (EINVAL)"));
        }
    }
}

// -------------------------------------------------------------------- enter

/// Neither a Landlock domain nor a seccomp filter can be joined: what
/// `nook enter` runs is confined only by the options enter is given.
fn enter_is_confined_by_its_own_options(who: Who) {
    let w = world();
    let dir = scratch(who, "ctr");
    let info = dir.join("info");
    let tag = Tag::new();
    let nook = argv(
        "{} --root {} --tmpfs /tmp --info-fd 3 --seccomp-deny mkdir,mkdirat --landlock-ro / -- /bin/sleep {}",
        &[w.nook_path(), w.root(), &tag.0],
    );
    let (run, pid) = started(with_info_file(who, &info, &nook).spawn(), &info, SOON, || tag.sleeping());
    let pid = pid.to_string();
    // The container's own process is confined: Seccomp 2 is filter mode.
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(status.lines().any(|l| l == "Seccomp:\t2"), "the container has no filter:\n{status}");
    let enter = |opts: &[&str]| {
        let mut args = vec!["enter", "--pid", &pid];
        args.extend_from_slice(opts);
        args.extend(["--", "/bin/sh", "-c", "mkdir /tmp/e$$ && echo made-dir; echo x > /tmp/w$$ && echo wrote"]);
        Run::nook(who, &args).run()
    };
    let free = enter(&[]);
    free.ok().stdout_has("made-dir").stdout_has("wrote");
    let own = enter(&["--seccomp-deny", "mkdir,mkdirat", "--landlock-ro", "/"]);
    own.stderr_has("Operation not permitted").stderr_has("Permission denied");
    assert!(!own.stdout.contains("made-dir") && !own.stdout.contains("wrote"), "enter's own options did not hold\n{own}");
    // A filter by fd crosses enter's re-execution and its closing of fds.
    let file = write_filter(who, "enter", &filter(&MKDIR));
    let by_fd = with_fds(who, &[&file], &args(&["enter", "--pid", &pid, "--seccomp", "3", "--", "/bin/sh", "-c", "mkdir /tmp/f$$ && echo made-dir; echo ok"]));
    by_fd.stdout_has("ok").stderr_has("Operation not permitted");
    assert!(!by_fd.stdout.contains("made-dir"), "{by_fd}");
    tag.kill();
    run.finish();
}

both!(
    landlock_paths,
    landlock_ports,
    landlock_scope,
    landlock_missing,
    seccomp_from_fds,
    seccomp_deny,
    seccomp_truncated,
    enter_is_confined_by_its_own_options,
);
