//! Unit tests of the parser: argv and NOOK_* into a plan. (What the mount
//! tree's build makes of a plan is pinned beside it, in setup/tree/tests.rs.)

use super::*;
use crate::base::error::Failure;
use crate::plan::{Argv, BindKind, EnvEdit, IdRange, MakeKind, Op, Propagation, RunPlan};
use std::ffi::CString;
use std::string::String;
use std::vec::Vec;

/// Owned argv/envp with the kernel's layout: pointers, then a null.
pub struct Block {
    _strings: Vec<CString>,
    ptrs: Vec<*const core::ffi::c_char>,
}

impl Block {
    pub fn new(items: &[&str]) -> Block {
        let strings: Vec<CString> = items.iter().map(|s| CString::new(*s).unwrap()).collect();
        let mut ptrs: Vec<_> = strings.iter().map(|c| c.as_ptr()).collect();
        ptrs.push(core::ptr::null());
        Block { _strings: strings, ptrs }
    }

    pub fn argv(&self) -> Argv<'_> {
        // SAFETY: C strings owned by `_strings`, then a null pointer.
        unsafe { Argv::from_raw(self.ptrs.as_ptr(), self.ptrs.len() - 1) }
    }
}

fn parse_with<'a>(argv: &'a Block, env: &'a Block, plan: &mut RunPlan<'a>) -> core::result::Result<Action, Failure<'a>> {
    parse(argv.argv(), env.argv(), plan)
}

/// Parses `nook ARGS...` and returns the plan's debug text or the error line.
fn outcome(args: &[&str], env: &[&str]) -> core::result::Result<String, String> {
    let mut all = vec!["nook"];
    all.extend_from_slice(args);
    let argv = Block::new(&all);
    let envp = Block::new(env);
    let mut plan = RunPlan::new();
    match parse_with(&argv, &envp, &mut plan) {
        Ok(a) => Ok(format!("{a:?} {plan:?}")),
        Err(f) => {
            let mut line = crate::base::out::Line::new();
            f.render(&mut line);
            Err(String::from_utf8_lossy(line.as_bytes()).into_owned())
        }
    }
}

fn plan_of<'a>(argv: &'a Block, env: &'a Block) -> RunPlan<'a> {
    let mut plan = RunPlan::new();
    parse_with(argv, env, &mut plan).unwrap_or_else(|f| panic!("{f:?}"));
    plan
}

#[test]
fn run_is_implied_by_a_leading_option_and_program_is_the_tail() {
    let argv = Block::new(&["nook", "--root", "r", "--", "/bin/sh", "-c", "echo --bind"]);
    let env = Block::new(&[]);
    let plan = plan_of(&argv, &env);
    assert_eq!(plan.root, Some(c"r"));
    let prog: Vec<_> = plan.process.program().iter().collect();
    assert_eq!(prog, [c"/bin/sh", c"-c", c"echo --bind"]);
    // The tail is still null-terminated for execve.
    // SAFETY: PROGRAM's three pointers are followed by a fourth, in bounds.
    assert!(unsafe { (*plan.process.program().as_ptr().add(3)).is_null() });
}

#[test]
fn explicit_run_role_and_program_without_double_dash() {
    let argv = Block::new(&["nook", "run", "--ro-root", "ls", "-l"]);
    let env = Block::new(&[]);
    let plan = plan_of(&argv, &env);
    assert!(plan.ro_root);
    assert_eq!(plan.process.program().get(0), Some(c"ls"));
    assert_eq!(plan.process.program().get(1), Some(c"-l"));
}

#[test]
fn mount_operations_keep_argv_order_and_modifiers_bind_to_the_next_one() {
    let argv = Block::new(&[
        "nook", "--bind", "/a", "/x", "--size", "1m", "--perms", "1777", "--tmpfs", "/tmp", "--ro-bind-try", "/b", "/y",
        "--perms", "700", "--dir", "/d", "--symlink", "t", "/l", "--remount-ro", "/x", "--make-slave", "/y", "--", "p",
    ]);
    let env = Block::new(&[]);
    let plan = plan_of(&argv, &env);
    assert_eq!(
        plan.ops.as_slice(),
        [
            Op::Bind { src: c"/a", dest: c"/x", kind: BindKind::ReadWrite, optional: false },
            Op::Tmpfs { dest: c"/tmp", size: Some(1 << 20), perms: Some(0o1777) },
            Op::Bind { src: c"/b", dest: c"/y", kind: BindKind::ReadOnly, optional: true },
            Op::Dir { dest: c"/d", perms: Some(0o700) },
            Op::Symlink { target: c"t", link: c"/l" },
            Op::RemountRo { dest: c"/x" },
            Op::Make { dest: c"/y", kind: MakeKind::Slave },
        ]
    );
}

#[test]
fn user_namespace_options() {
    let argv = Block::new(&[
        "nook", "--uid-map", "0:1000:1", "--uid-map", "1:100000:65536", "--map-group", "5", "--setgroups", "allow", "--", "p",
    ]);
    let env = Block::new(&[]);
    let plan = plan_of(&argv, &env);
    assert!(plan.user.requested);
    assert_eq!(
        plan.user.uid_map.as_slice(),
        [IdRange { inside: 0, outside: 1000, count: 1 }, IdRange { inside: 1, outside: 100000, count: 65536 }]
    );
    assert_eq!(plan.user.map_group, Some(5));
    assert_eq!(plan.user.setgroups, crate::plan::Setgroups::Allow);
}

#[test]
fn environment_edits_are_recorded_in_order() {
    let argv = Block::new(&["nook", "--setenv", "A", "1", "--clearenv", "--unsetenv", "B", "--", "p"]);
    let env = Block::new(&[]);
    let plan = plan_of(&argv, &env);
    assert_eq!(
        plan.process.env_edits.as_slice(),
        [EnvEdit::Set { name: c"A", value: c"1" }, EnvEdit::Clear, EnvEdit::Unset { name: c"B" }]
    );
}

#[test]
fn nook_variables_set_defaults_and_argv_wins() {
    let argv = Block::new(&["nook", "--", "p"]);
    let env = Block::new(&["NOOK_ROOT=/env/root", "NOOK_PROPAGATION=slave", "NOOK_VERBOSE=2", "NOOK_UNKNOWN=1"]);
    let plan = plan_of(&argv, &env);
    assert_eq!((plan.root, plan.propagation, plan.verbose), (Some(c"/env/root"), Propagation::Slave, 2));

    let argv = Block::new(&["nook", "--root", "/argv", "--propagation", "shared", "--", "p"]);
    let plan = plan_of(&argv, &env);
    assert_eq!((plan.root, plan.propagation), (Some(c"/argv"), Propagation::Shared));
}

/// The init `run` re-executes reads its own variables, the first four
/// entries up to NOOK_INIT_FOREGROUND, and nothing of PROGRAM's environment after them (a NOOK_*
/// there is PROGRAM's `--setenv`); NOOK_INIT_* anywhere else is ignored.
#[test]
fn a_reexecuted_init_reads_only_its_leading_variables() {
    let argv = Block::new(&["nook", "init", "--", "p"]);
    let head = ["NOOK_INIT_SIGMASK=5", "NOOK_INIT_EXEC_FAIL_FD=0", "NOOK_VERBOSE=2", "NOOK_INIT_FOREGROUND=1"];
    let env = Block::new(&[&head[..], &["NOOK_GRACE=x", "NOOK_INIT_SIGMASK=7", "NOOK_VERBOSE=3"]].concat());
    let plan = plan_of(&argv, &env);
    assert_eq!((plan.inherited_mask, plan.inherited_foreground, plan.exec_fail_fd, plan.verbose), (Some(5), 2, None, 2));
    let env = Block::new(&["NOOK_INIT_SIGMASK=5", "NOOK_INIT_EXEC_FAIL_FD=9", "NOOK_VERBOSE=0", "NOOK_INIT_FOREGROUND=0"]);
    assert_eq!(plan_of(&argv, &env).exec_fail_fd, Some(9));
    // Not first: a caller's, ignored; NOOK_GRACE is then read (and wrong).
    let env = Block::new(&["A=1", "NOOK_INIT_SIGMASK=5", "NOOK_INIT_FOREGROUND=1", "NOOK_GRACE=1"]);
    let plan = plan_of(&argv, &env);
    assert_eq!((plan.inherited_mask, plan.inherited_foreground, plan.init.grace), (None, 0, 1));
    assert!(outcome(&["init", "--", "p"], &[&head[..], &["NOOK_INIT_SIGMASK=x"]].concat()).is_ok());
}

#[test]
fn nook_mount_api_chooses_the_mount_calls() {
    use crate::base::MountApi;
    let argv = Block::new(&["nook", "--", "p"]);
    assert_eq!(plan_of(&argv, &Block::new(&[])).mount_api, MountApi::Auto);
    for (value, api) in [("auto", MountApi::Auto), ("new", MountApi::New), ("legacy", MountApi::Legacy)] {
        let env = Block::new(&[&format!("NOOK_MOUNT_API={value}")]);
        assert_eq!(plan_of(&argv, &env).mount_api, api);
    }
}

#[test]
fn help_and_version() {
    assert!(outcome(&["--help"], &[]).unwrap().starts_with("Help"));
    assert!(outcome(&["--version"], &[]).unwrap().starts_with("Version"));
    assert!(outcome(&["--bind", "/a", "/b", "--help"], &[]).unwrap().starts_with("Help"));
}

#[test]
fn every_mistake_is_one_usage_error() {
    let long = "/".repeat(5000);
    let cases: &[(&[&str], &[&str], &str)] = &[
        (&[], &[], "nothing to run"),
        (&["--bogus", "--", "p"], &[], "unknown option"),
        (&["/bin/sh"], &[], "unknown role"),
        (&["bogus-role"], &[], "unknown role"),
        (&["--bind", "/a"], &[], "option --bind: missing DEST"),
        (&["--bind", "/a", "--", "p"], &[], "option --bind: missing DEST"),
        (&["--root"], &[], "option --root: missing DIR"),
        (&["--setenv", "FOO", "--", "sh"], &[], "option --setenv: missing VALUE"),
        (&["--symlink", "t"], &[], "option --symlink: missing LINK"),
        (&["--bind=/a"], &[], "option --bind=/a: missing DEST"),
        (&["--ro-root=1", "--", "p"], &[], "option --ro-root=1: takes no value"),
        (&["--ro-root=", "--", "p"], &[], "takes no value"),
        (&["--unshare-nett", "--", "p"], &[], "unknown option: did you mean --unshare-net?"),
        (&["--unshrae-net", "--", "p"], &[], "did you mean --unshare-net?"),
        (&["--ro-bnid", "/a", "/b", "--", "p"], &[], "did you mean --ro-bind?"),
        (&["--uid", "5", "--", "p"], &[], "did you mean --map-user?"),
        (&["-r", "--", "p"], &[], "did you mean --map-root?"),
        (&["--mount-proc", "--", "p"], &[], "did you mean --proc?"),
        (&["--fork", "--", "p"], &[], "did you mean --unshare-pid?"),
        (&["--ipc", "--", "p"], &[], "did you mean --unshare-ipc?"),
        (&["-U", "--", "p"], &[], "did you mean --unshare-user?"),
        (&["--frobnicate", "--", "p"], &[], "unknown option: see nook --help"),
        (&["enter", "--pdi", "1", "p"], &[], "unknown enter option: did you mean --pid?"),
        (&["init", "--grace"], &[], "option --grace: missing SECONDS"),
        (&["enter", "--pid", "--", "p"], &[], "option --pid: missing PID"),
        (&["--bind", "/a", "rel", "--", "p"], &[], "absolute"),
        (&["--tmpfs", "tmp", "--", "p"], &[], "absolute"),
        (&["--chdir", "x", "--", "p"], &[], "absolute"),
        (&["--chdir", "/a", "--chdir", "/b", "--", "p"], &[], "given twice"),
        (&["--root", "/a", "--root", "/b", "--", "p"], &[], "given twice"),
        (&["--propagation", "sideways", "--", "p"], &[], "is not private"),
        (&["--size", "10", "--dir", "/d", "--", "p"], &[], "must come right before"),
        (&["--size", "10", "--bind", "/a", "/b", "--", "p"], &[], "must come right before"),
        (&["--perms", "10", "--", "p"], &[], "is not followed"),
        (&["--perms", "99z", "--tmpfs", "/t", "--", "p"], &[], "octal"),
        (&["--perms", "17777", "--tmpfs", "/t", "--", "p"], &[], "octal"),
        (&["--size", "0", "--tmpfs", "/t", "--", "p"], &[], "size"),
        (&["--map-user", "abc", "--", "p"], &[], "number"),
        (&["--map-user", "4294967295", "--", "p"], &[], "number"),
        (&["--uid-map", "1:2", "--", "p"], &[], "IN:OUT:COUNT"),
        (&["--uid-map", "1:2:0", "--", "p"], &[], "IN:OUT:COUNT"),
        (&["--uid-map", "0:1000:10", "--uid-map", "5:2000:1", "--", "p"], &[], "overlaps"),
        (&["--gid-map", "0:1000:10", "--gid-map", "20:1005:1", "--", "p"], &[], "overlaps"),
        (&["--map-user", "1", "--uid-map", "0:1:1", "--", "p"], &[], "conflicts"),
        (&["--setgroups", "maybe", "--", "p"], &[], "allow or deny"),
        (&["--setenv", "A=B", "1", "--", "p"], &[], "without ="),
        (&["--setenv", "", "1", "--", "p"], &[], "without ="),
        (&["--root", "", "--", "p"], &[], "empty path"),
        (&["--root", &long, "--", "p"], &[], "ENAMETOOLONG"),
        (&["--root", "/r"], &[], "no program"),
        (&["--root", "/r", "--"], &[], "no program"),
        (&["--root", "/r", "--", ""], &[], "empty program"),
        (&["--keep-old-root", "/old", "--", "p"], &[], "needs --root"),
        (&["--hostname", "box", "--", "p"], &[], "needs --unshare-uts"),
        (&["--unshare-uts", "--hostname", "", "--", "p"], &[], "1 to 64 bytes"),
        (&["--unshare-uts", "--hostname", &"h".repeat(65), "--", "p"], &[], "1 to 64 bytes"),
        (&["--unshare-uts", "--hostname", "a", "--hostname", "b", "--", "p"], &[], "given twice"),
        (&["--", "p"], &["NOOK_HOSTNAME=box"], "environment NOOK_HOSTNAME: needs --unshare-uts"),
        (&["--hostname", "box", "--", "p"], &["NOOK_HOSTNAME=env"], "option --hostname: needs --unshare-uts"),
        (&["--unshare-uts", "--hostname", "a", "--hostname", "b", "--", "p"], &["NOOK_HOSTNAME=env"], "given twice"),
        (&["--root", "/a", "--root", "/b", "--", "p"], &["NOOK_ROOT=/env"], "option --root: given twice"),
        (&["--mqueue", "/dev/mqueue", "--", "p"], &[], "add --unshare-ipc"),
        (&["--dev", "dev", "--", "p"], &[], "absolute"),
        (&["--sys", "--", "p"], &[], "option --sys: missing DEST"),
        (&["--sys", "sys", "--", "p"], &[], "absolute"),
        (&["--cap-drop", "CAP_BOGUS", "--", "p"], &[], "capability"),
        (&["--cap-add", "", "--", "p"], &[], "capability"),
        (&["--cap-drop"], &[], "option --cap-drop: missing CAP"),
        (&["--cap-drop", "CAP_BOGUS", "--", "p"], &[], "option --cap-drop: CAP_BOGUS is not a capability name"),
        (&["--info-fd", "x", "--", "p"], &[], "number"),
        (&["--block-fd", "987654", "--", "p"], &[], "EBADF"),
        (&["--sync-fd", "-1", "--", "p"], &[], "number"),
        (&["--pid", "1", "--", "p"], &[], "belongs to nook enter"),
        // (--info-fd and --json-status-fd on one fd: tests/wrapper_fds.rs,
        // which has an fd from 3 up to give.)
        (&["--info-fd", "2", "--", "p"], &[], "cannot be 0, 1 or 2"),
        (&["--json-status-fd", "1", "--", "p"], &[], "cannot be 0, 1 or 2"),
        (&["--block-fd", "0", "--", "p"], &[], "cannot be 0, 1 or 2"),
        (&["--sync-fd", "2", "--", "p"], &[], "cannot be 0, 1 or 2"),
        (&["enter", "p"], &[], "--pid"),
        (&["enter", "--pid", "0", "p"], &[], "process id"),
        (&["enter", "--pid", "x", "p"], &[], "process id"),
        (&["enter", "--pid", "1", "--pid", "2", "p"], &[], "given twice"),
        (&["enter", "--pid", "1", "--root", "/", "p"], &[], "unknown enter option"),
        (&["--proc", "/proc", "--", "p"], &[], "add --unshare-pid"),
        (&["--grace", "5", "--", "p"], &[], "needs --unshare-pid"),
        (&["--unshare-pid", "--pdeathsig", "SIGBOGUS", "--", "p"], &[], "signal"),
        (&["init", "--bogus", "p"], &[], "unknown init option"),
        (&["init", "--grace", "x", "p"], &[], "number"),
        (&["init"], &[], "no program"),
        (&["--", "p"], &["NOOK_PROPAGATION=up"], "is not private"),
        (&["--", "p"], &["NOOK_VERBOSE=9"], "number"),
        (&["--", "p"], &["NOOK_MOUNT_API=fast"], "is not auto, new or legacy"),
        (&["--root", "/r", "--version"], &[], "must come first"),
    ];
    for (args, env, expect) in cases {
        let err = outcome(args, env).expect_err(&format!("{args:?} should fail"));
        assert!(err.starts_with("nook: "), "{err}");
        assert!(!err.contains('\n'), "{err}");
        assert!(!err.contains("(EINVAL)"), "a usage error has no errno to show: {err}");
        assert!(err.contains(expect), "{args:?}: {err:?} lacks {expect:?}");
    }
}

#[test]
fn more_operations_than_the_plan_holds_is_a_usage_error() {
    let mut args = vec!["nook"];
    for _ in 0..crate::plan::MAX_OPS + 1 {
        args.extend_from_slice(&["--dir", "/d"]);
    }
    args.extend_from_slice(&["--", "p"]);
    let argv = Block::new(&args);
    let env = Block::new(&[]);
    let mut plan = RunPlan::new();
    let err = parse_with(&argv, &env, &mut plan).unwrap_err();
    assert_eq!(err.detail(), Some("more mount operations than nook holds (2048)"));
}

#[test]
fn namespace_options_fold_into_clone_flags_and_caps_fold_left_to_right() {
    use linux_raw_sys::general as k;
    let argv = Block::new(&["nook", "--unshare-uts", "--unshare-net", "--cap-drop", "ALL", "--cap-add", "CAP_CHOWN", "--cap-drop", "chown", "--cap-add", "net_raw", "--", "p"]);
    let env = Block::new(&[]);
    let plan = plan_of(&argv, &env);
    assert_eq!(plan.namespaces, k::CLONE_NEWUTS | k::CLONE_NEWNET);
    let caps = plan.process.caps.unwrap();
    assert_eq!((caps.drop, caps.add), (!(1u64 << 13), 1 << 13));
    let argv = Block::new(&["nook", "--unshare-all", "--", "p"]);
    let plan = plan_of(&argv, &env);
    assert!(plan.pid_ns && plan.user.requested);
    assert_eq!(plan.namespaces, crate::cli::ALL_NAMESPACES);
}

#[test]
fn a_dest_of_the_root_and_sizes_tmpfs_reads_as_no_limit_are_usage_errors() {
    let refused = "cannot mount or create on / itself: the root is --root DIR's (read-only host: --root / --ro-root)";
    for args in [
        &["--bind", "/a", "/"][..],
        &["--ro-bind", "/", "/"],
        &["--dev-bind-try", "/a", "//"],
        &["--tmpfs", "/."],
        &["--dir", "/.."],
        &["--symlink", "t", "/./"],
        &["--unshare-pid", "--proc", "/"],
        &["--dev", "/"],
        &["--unshare-net", "--sys", "/"],
        &["--unshare-ipc", "--mqueue", "/"],
    ] {
        let mut argv = args.to_vec();
        argv.extend(["--", "p"]);
        let err = outcome(&argv, &[]).expect_err(&format!("{args:?}"));
        assert!(err.ends_with(refused), "{args:?}: {err}");
    }
    // They act on the root itself, and so do these DESTs that only start at it.
    for args in [&["--remount-ro", "/"][..], &["--make-slave", "/"], &["--tmpfs", "/..x"], &["--dir", "/a/.."]] {
        let mut argv = args.to_vec();
        argv.extend(["--", "p"]);
        assert!(outcome(&argv, &[]).is_ok(), "{args:?}");
    }
    for size in ["18446744073709551615", "9223372036854775808", "8589934592g", "99999999999999999999", "0", "0k"] {
        let err = outcome(&["--size", size, "--tmpfs", "/t", "--", "p"], &[]).expect_err(size);
        assert!(err.contains("is not a size from 1 to 2^63-1 bytes"), "{size}: {err}");
    }
    for (size, bytes) in [("9223372036854775807", 9223372036854775807u64), ("8589934591g", 8589934591 << 30), ("1", 1)] {
        let argv = Block::new(&["nook", "--size", size, "--tmpfs", "/t", "--", "p"]);
        let env = Block::new(&[]);
        let plan = plan_of(&argv, &env);
        assert_eq!(plan.ops[0], Op::Tmpfs { dest: c"/t", size: Some(bytes), perms: None });
    }
}

#[test]
fn sandbox_options_are_read_by_run_init_and_enter() {
    let env = Block::new(&[]);
    let argv = Block::new(&[
        "nook", "--landlock-ro", "/usr", "--landlock-rw", "/tmp", "--landlock-net-connect", "443", "--landlock-net-bind", "0",
        "--landlock-scope", "--seccomp-deny", "mkdir,83,ptrace", "--seccomp-deny", "bpf", "--", "p",
    ]);
    let plan = plan_of(&argv, &env);
    let sb = &plan.process.sandbox;
    assert_eq!(sb.paths.iter().map(|p| (p.path, p.write)).collect::<Vec<_>>(), [(c"/usr", false), (c"/tmp", true)]);
    assert_eq!(sb.ports.iter().map(|p| (p.port, p.connect)).collect::<Vec<_>>(), [(443, true), (0, false)]);
    assert!(sb.scope && !sb.best_effort && sb.landlock());
    // mkdir is 83: listed once.
    assert_eq!(&sb.denied[..], [83, 101, 321]);
    assert_eq!(&sb.deny_lists[..], [c"mkdir,83,ptrace", c"bpf"]);
    for role in [&["init"][..], &["enter", "--pid", "1"]] {
        let argv = Block::new(&[&["nook"][..], role, &["--landlock-best-effort", "--seccomp-deny", "bpf", "--", "p"]].concat());
        let plan = plan_of(&argv, &env);
        assert!(plan.process.sandbox.best_effort && !plan.process.sandbox.landlock());
        assert_eq!(&plan.process.sandbox.denied[..], [321]);
    }
    for (args, needle) in [
        (&["--landlock-ro", "usr"][..], "option --landlock-ro: needs an absolute path"),
        (&["--landlock-net-bind", "65536"], "option --landlock-net-bind: 65536 is not a number in range"),
        (&["--seccomp-deny", "mkdir,,bpf"], "option --seccomp-deny: ,bpf is not a system call"),
        (&["--seccomp-deny", "65536"], "option --seccomp-deny: 65536 is not a system call"),
        (&["--seccomp", "2"], "cannot be 0, 1 or 2"),
        (&["--seccomp", "999"], "the fd is not open"),
    ] {
        let got = outcome(&[args, &["--", "p"]].concat(), &[]).unwrap_err();
        assert!(got.contains(needle), "{args:?}: {got}");
    }
}

#[test]
fn an_option_takes_its_first_value_after_an_equals_sign() {
    let argv = Block::new(&["nook", "--root=/r", "--bind=/a", "/b", "--setenv=X", "1=2", "--perms=700", "--dir=/d", "--", "p"]);
    let env = Block::new(&[]);
    let plan = plan_of(&argv, &env);
    assert_eq!(plan.root, Some(c"/r"));
    assert_eq!(
        plan.ops.as_slice(),
        [
            Op::Bind { src: c"/a", dest: c"/b", kind: BindKind::ReadWrite, optional: false },
            Op::Dir { dest: c"/d", perms: Some(0o700) },
        ]
    );
    assert_eq!(plan.process.env_edits.as_slice(), [EnvEdit::Set { name: c"X", value: c"1=2" }]);
    // Only the first `=` splits, and only a long option's: `-h=x` is no option.
    assert!(outcome(&["-h=x", "--", "p"], &[]).unwrap_err().contains("unknown option"));
}

/// tini's and catatonit's command lines, read as getopt(3) reads them:
/// letters combined, values attached or in the next word, `--`, and the
/// first non-option as PROGRAM.
#[test]
fn the_personalities_read_getopt_style() {
    let env = Block::new(&["TINI_KILL_PROCESS_GROUP=", "TINI_SUBREAPER"]);
    let argv = Block::new(&["/usr/bin/docker-init", "-sw", "-e3", "-e", "255", "-pSIGKILL", "--", "prog", "-g"]);
    let mut plan = RunPlan::new();
    assert_eq!(parse_with(&argv, &env, &mut plan).unwrap(), Action::Init);
    let init = plan.init;
    assert!(init.subreaper && init.warn_on_reap && init.signal_group, "{init:?}");
    assert_eq!((init.pdeathsig, init.exit_status(3), init.exit_status(255), init.exit_status(4)), (Some(9), 0, 0, 4));
    let program: Vec<&[u8]> = plan.process.program().iter().map(|a| a.to_bytes()).collect();
    assert_eq!(program, [&b"prog"[..], b"-g"]);

    // TINI_SUBREAPER without "=" is no variable; catatonit reads no TINI_*.
    for (name, args) in [("tini", &["prog"][..]), ("catatonit", &["-g", "prog", "-s"][..])] {
        let mut all = vec![name];
        all.extend_from_slice(args);
        let argv = Block::new(&all);
        let env = Block::new(&["TINI_SUBREAPER"]);
        let plan = plan_of(&argv, &env);
        assert!(!plan.init.subreaper && plan.init.signal_group == (name == "catatonit"), "{name}: {:?}", plan.init);
        assert_eq!(plan.process.program().len(), args.len() - (name == "catatonit") as usize);
    }

    let action = |args: &[&str]| {
        let argv = Block::new(args);
        let env = Block::new(&[]);
        let mut plan = RunPlan::new();
        parse_with(&argv, &env, &mut plan).map_err(|f| format!("{f:?}"))
    };
    assert_eq!(action(&["tini", "--version"]), Ok(Action::InitVersion));
    assert!(action(&["tini", "-s", "--version"]).is_err(), "tini takes --version only alone");
    assert_eq!(action(&["catatonit", "-g", "--version"]), Ok(Action::InitVersion));
    assert_eq!(action(&["catatonit", "-V"]), Ok(Action::InitVersion));
    assert_eq!(action(&["tini", "-sl"]), Ok(Action::License));
    assert_eq!(action(&["catatonit", "-L"]), Ok(Action::License));
    assert_eq!(action(&["tini", "-h"]), Ok(Action::Help));
    assert_eq!(action(&["catatonit", "-P"]), Ok(Action::Init));
    for (args, want) in [
        (&["tini", "-x", "p"][..], "nook: option -x: unknown option: see nook --help"),
        (&["tini", "-se"], "nook: option -se: missing value"),
        (&["tini", "-e256", "p"], "nook: option -e256: 256 is not a number in range"),
        (&["tini", "-P", "p"], "nook: option -P: unknown option: see nook --help"),
        (&["catatonit", "-s", "p"], "nook: option -s: unknown option: see nook --help"),
        (&["catatonit", "-P", "p"], "nook: usage p: is a PROGRAM; pause mode has none"),
        (&["tini"], "nook: usage PROGRAM: no program given: PROGRAM [ARG...] comes after the options"),
    ] {
        assert_eq!(action(args), Err(want.to_string()), "{args:?}");
    }
}

#[test]
fn the_new_init_options() {
    let plan = |args: &[&str]| outcome(args, &[]);
    let ok = plan(&["init", "--rewrite", "TERM:USR1", "--rewrite=1:0", "--remap-exit", "143", "--warn-on-reap", "--", "p"]);
    assert!(ok.as_ref().is_ok_and(|p| p.starts_with("Init ")), "{ok:?}");
    let argv = Block::new(&["nook", "init", "--rewrite", "TERM:USR1", "--rewrite=1:0", "--remap-exit", "143", "--", "p"]);
    let env = Block::new(&[]);
    let p = plan_of(&argv, &env);
    assert_eq!((p.init.forwarded(15), p.init.forwarded(1), p.init.forwarded(2)), (10, 0, 2));
    assert_eq!((p.init.exit_status(143), p.init.exit_status(142)), (0, 142));
    assert!(plan(&["init", "--pause"]).is_ok_and(|p| p.starts_with("Init ")));
    assert!(plan(&["init", "--pause", "--help"]).is_ok_and(|p| p.starts_with("Help ")));
    assert!(plan(&["--unshare-pid", "--pause", "--", "p"]).is_err(), "--pause is init's alone");
    for bad in [&["init", "--rewrite", "15", "--", "p"][..], &["init", "--rewrite", "0:1", "--", "p"], &["init", "--remap-exit", "-1", "--", "p"]] {
        assert!(plan(bad).is_err(), "{bad:?}");
    }
    // run records its PID-1 words as given, for the init it re-executes.
    let argv = Block::new(&["nook", "--unshare-pid", "--remap-exit=3", "--rewrite", "1:2", "--", "p"]);
    let p = plan_of(&argv, &env);
    let words: Vec<&[u8]> = p.init_words.iter().map(|w| w.to_bytes()).collect();
    assert_eq!(words, [&b"--remap-exit=3"[..], b"--rewrite", b"1:2"]);
    // But not those the plan hands on (cli/reexec.rs): once, not twice.
    let argv = Block::new(&["nook", "--unshare-pid", "--pdeathsig", "TERM", "--grace=2", "--signal-group", "--subreaper", "--new-session", "--warn-on-reap", "--", "p"]);
    let p = plan_of(&argv, &env);
    let words: Vec<&[u8]> = p.init_words.iter().map(|w| w.to_bytes()).collect();
    assert_eq!(words, [&b"--warn-on-reap"[..]]);
    assert!(p.init.pdeathsig == Some(15) && p.init.grace == 2 && p.init.signal_group && p.init.subreaper && p.process.new_session);
}
