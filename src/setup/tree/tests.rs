//! The syscall sequence the mount tree's build produces for a plan,
//! through the recording `Sys` (kernel/record.rs): what each option does to
//! the mount namespace, step by step, and what a failure leaves behind.
//!
//! The plans are written as `nook run` options, read by [`plan`] below
//! straight into the plan layer's types: setup may not import cli
//! (tests/layers.rs), and cli's own tests pin the parser.

use super::{build, dest};
use crate::kernel::record::Recorder;
use crate::plan::{BindKind, Op, Propagation, RunPlan};
use core::ffi::CStr;
use linux_raw_sys::general as k;
use std::ffi::CString;
use std::string::String;
use std::vec::Vec;

/// A C string that lives as long as the test process, as argv's do.
fn c(word: &str) -> &'static CStr {
    std::boxed::Box::leak(CString::new(word).unwrap().into_boxed_c_str())
}

/// The plan of `nook run ARGS...` for the options these tests use, read as
/// cli's parser reads them: left to right, `--size` and `--perms` held for
/// the `--tmpfs` or `--dir` right after them, everything after `--` left
/// for PROGRAM (which the tree never looks at). Every test here is a valid
/// command line, so the parser's checks are not repeated; a word it does
/// not know stops the test.
fn plan(args: &[&str]) -> RunPlan<'static> {
    let mut plan = RunPlan::new();
    let (mut size, mut perms) = (None, None);
    let mut words = args.iter().copied();
    while let Some(option) = words.next() {
        let mut value = || c(words.next().unwrap_or_else(|| panic!("{option} lacks its value in {args:?}")));
        let number = |v: &CStr, radix| u64::from_str_radix(v.to_str().unwrap(), radix).unwrap();
        let op = match option {
            "--" => break,
            "--root" => {
                plan.root = Some(value());
                continue;
            }
            "--keep-old-root" => {
                plan.keep_old_root = Some(value());
                continue;
            }
            "--chdir" => {
                plan.process.chdir = Some(value());
                continue;
            }
            "--ro-root" => {
                plan.ro_root = true;
                continue;
            }
            "--propagation" => {
                plan.propagation = match value().to_bytes() {
                    b"private" => Propagation::Private,
                    b"slave" => Propagation::Slave,
                    b"shared" => Propagation::Shared,
                    b"unchanged" => Propagation::Unchanged,
                    other => panic!("--propagation {other:?}"),
                };
                continue;
            }
            "--unshare-net" | "--unshare-ipc" => {
                plan.namespaces |= if option == "--unshare-net" { k::CLONE_NEWNET } else { k::CLONE_NEWIPC };
                continue;
            }
            "--size" => {
                size = Some(number(value(), 10));
                continue;
            }
            "--perms" => {
                perms = Some(number(value(), 8) as u32);
                continue;
            }
            "--bind" | "--bind-try" | "--ro-bind" | "--dev-bind" => {
                let kind = match option {
                    "--ro-bind" => BindKind::ReadOnly,
                    "--dev-bind" => BindKind::Devices,
                    _ => BindKind::ReadWrite,
                };
                Op::Bind { src: value(), dest: value(), kind, optional: option.ends_with("-try") }
            }
            "--tmpfs" => Op::Tmpfs { dest: value(), size: size.take(), perms: perms.take() },
            "--dir" => Op::Dir { dest: value(), perms: perms.take() },
            "--symlink" => Op::Symlink { target: value(), link: value() },
            "--remount-ro" => Op::RemountRo { dest: value() },
            "--dev" => Op::Dev { dest: value() },
            "--sys" => Op::Sys { dest: value() },
            "--mqueue" => Op::Mqueue { dest: value() },
            other => panic!("the tests' plan reader does not know {other} (in {args:?})"),
        };
        plan.ops.push(op).unwrap();
    }
    plan
}

/// The calls the build of `nook run ARGS...`'s tree makes, against a
/// recorder that `setup` has told what is missing, a file or failing; and
/// the error line, if it failed.
fn record(args: &[&str], setup: impl FnOnce(&mut Recorder)) -> (Vec<String>, Option<String>) {
    let plan = plan(args);
    let mut rec = Recorder::new();
    setup(&mut rec);
    let err = build::build(&mut rec, &plan).err().map(|f| {
        let mut line = crate::base::out::Line::new();
        f.render(&mut line);
        String::from_utf8_lossy(line.as_bytes()).into_owned()
    });
    (rec.calls, err)
}

#[test]
fn the_seed_walkthrough_as_syscalls() {
    let (calls, err) = record(&["--root", "/srv/root", "--", "/bin/sh"], |_| {});
    assert_eq!(err, None);
    assert_eq!(
        calls,
        [
            "propagation rprivate /",
            "open-host /srv/root",
            "clone-tree host:/srv/root",
            "attach tree:host:/srv/root on host:/srv/root",
            "open dir / in tree:host:/srv/root",
            "fchdir tree:host:/srv/root",
            "pivot_root . .",
            "detach .",
            "fchdir /",
            "check-cwd",
        ]
    );
}

#[test]
fn operations_resolve_inside_the_root_and_mount_by_fd() {
    let (calls, err) = record(
        &["--propagation", "slave", "--root", "/r", "--ro-bind", "/usr", "/usr", "--size", "4096", "--tmpfs", "/tmp", "--chdir", "/tmp", "--", "p"],
        |_| {},
    );
    assert_eq!(err, None);
    assert_eq!(
        calls,
        [
            "propagation rslave /",
            "open-host /r",
            "clone-tree host:/r",
            "attach tree:host:/r on host:/r",
            "clone-tree /usr",
            "open path /usr in tree:host:/r",
            "setattr tree:/usr +ro,nosuid,nodev recursive",
            "attach tree:/usr on /usr",
            "new-fs tmpfs mode=755,size=4096 +nosuid,nodev",
            "open path /tmp in tree:host:/r",
            "attach fs:tmpfs on /tmp",
            "open dir /tmp in tree:host:/r",
            "fchdir tree:host:/r",
            "pivot_root . .",
            "detach .",
            "fchdir /tmp",
            "check-cwd",
        ]
    );
}

#[test]
fn a_missing_dest_is_created_with_its_parents() {
    let (calls, err) = record(&["--root", "/r", "--bind", "/etc/hostname", "/a/b/hostname", "--", "p"], |r| {
        r.files.push("/etc/hostname".into());
        r.missing.extend(["/a".into(), "/a/b".into(), "/a/b/hostname".into()]);
    });
    assert_eq!(err, None);
    assert_eq!(
        calls[4..],
        [
            "clone-tree /etc/hostname",
            "open path /a/b/hostname in tree:host:/r",
            "open dir / in tree:host:/r",
            "open dir /a in tree:host:/r",
            "mkdir a in / 755",
            "open child-dir a in /",
            "open dir /a/b in tree:host:/r",
            "mkdir b in /a 755",
            "open child-dir b in /a",
            "mkfile hostname in /a/b 444",
            "setattr tree:/etc/hostname +nosuid,nodev recursive",
            "attach tree:/etc/hostname on /a/b/hostname",
            "open dir / in tree:host:/r",
            "fchdir tree:host:/r",
            "pivot_root . .",
            "detach .",
            "fchdir /",
            "check-cwd",
        ]
    );
}

#[test]
fn without_a_root_nook_creates_only_inside_its_own_filesystems() {
    // The host's tree: a missing DEST is an error, and nothing is made.
    let (calls, err) = record(&["--bind", "/etc", "/src/x", "--", "p"], |r| r.missing.extend(["/src".into(), "/src/x".into()]));
    let err = err.unwrap();
    assert!(err.starts_with("nook: create /src/x: No such file or directory (ENOENT): without --root"), "{err}");
    assert!(!calls.iter().any(|c| c.starts_with("mkdir") || c.starts_with("mkfile")), "{calls:#?}");
    for args in [&["--symlink", "t", "/l"][..], &["--dir", "/d"], &["--tmpfs", "/t"], &["--dev", "/dv"]] {
        let mut argv = args.to_vec();
        argv.extend(["--", "p"]);
        let (calls, err) = record(&argv, |r| r.missing.extend(["/l".into(), "/d".into(), "/t".into(), "/dv".into()]));
        assert!(err.unwrap().contains("without --root"), "{args:?}");
        assert!(!calls.iter().any(|c| c.starts_with("mkdir") || c.starts_with("mkfile") || c.starts_with("symlink")), "{calls:#?}");
    }
    // Inside a tmpfs nook mounted it may, even through a parent made there.
    let (calls, err) = record(&["--tmpfs", "/tmp", "--bind", "/etc", "/tmp/a/b", "--", "p"], |r| {
        r.missing.extend(["/tmp/a".into(), "/tmp/a/b".into()])
    });
    assert_eq!(err, None);
    assert!(calls.contains(&"mkdir a in /tmp 755".to_string()) && calls.contains(&"mkdir b in /tmp/a 755".to_string()), "{calls:#?}");
    // ... but not beside it.
    let (_, err) = record(&["--tmpfs", "/tmp", "--dir", "/tmpx", "--", "p"], |r| r.missing.push("/tmpx".into()));
    assert!(err.unwrap().contains("without --root"));
}

#[test]
fn a_failed_build_removes_what_it_created_newest_first() {
    let (calls, err) = record(
        &["--root", "/r", "--ro-root", "--dir", "/a/b", "--tmpfs", "/a", "--dir", "/a/t", "--symlink", "x", "/l", "--bind", "/nope", "/y", "--", "p"],
        |r| r.missing.extend(["/a".into(), "/a/b".into(), "/a/t".into(), "/l".into(), "/nope".into()]),
    );
    assert!(err.unwrap().starts_with("nook: bind source /nope"));
    let undo = calls.iter().position(|c| c == "setattr tree:host:/r -ro recursive").unwrap_or_else(|| panic!("{calls:#?}"));
    assert_eq!(
        calls[undo..],
        [
            // Read-only flags off; then each entry, newest first, with what
            // is mounted on it detached first. /a/t is in nook's tmpfs: gone
            // with the namespace, not recorded.
            "setattr tree:host:/r -ro recursive",
            "fchdir /",
            "detach l",
            "unlink l in /",
            "fchdir /a",
            "detach b",
            "rmdir b in /a",
            "fchdir /",
            "detach a",
            "detach a",
            "rmdir a in /",
        ]
    );
    // Nothing created, nothing to undo; success keeps the mount points.
    let (calls, _) = record(&["--root", "/r", "--bind", "/nope", "/y", "--", "p"], |r| r.missing.push("/nope".into()));
    assert!(!calls.iter().any(|c| c.starts_with("setattr") || c.starts_with("rmdir")), "{calls:#?}");
    let (calls, err) = record(&["--root", "/r", "--dir", "/a", "--", "p"], |r| r.missing.push("/a".into()));
    assert_eq!(err, None);
    assert!(!calls.iter().any(|c| c.starts_with("rmdir")), "{calls:#?}");
    // A missing --chdir fails before the pivot, and undoes; with
    // --keep-old-root after it, and undoes too.
    let (calls, err) = record(&["--root", "/r", "--dir", "/a", "--chdir", "/b", "--", "p"], |r| r.missing.extend(["/a".into(), "/b".into()]));
    assert!(err.unwrap().starts_with("nook: chdir to /b"));
    assert!(!calls.iter().any(|c| c.starts_with("pivot_root")), "{calls:#?}");
    assert_eq!(calls.last().unwrap(), "rmdir a in /");
    let (calls, err) = record(&["--root", "/r", "--keep-old-root", "/old", "--chdir", "/b", "--", "p"], |r| {
        r.missing.push("/old".into());
        r.fail.push(("chdir".into(), rustix::io::Errno::NOENT));
    });
    assert!(err.unwrap().starts_with("nook: chdir to /b"));
    assert_eq!(calls[calls.len() - 3..], ["fchdir /", "detach old", "rmdir old in /"]);
}

#[test]
fn more_new_entries_than_nook_can_remove_is_an_error_before_the_next() {
    let dirs: Vec<String> = (0..=dest::MAX_CREATED).map(|i| format!("/d{i}")).collect();
    let mut args = vec!["--root", "/r"];
    for d in &dirs {
        args.extend(["--dir", d]);
    }
    args.extend(["--", "p"]);
    let (calls, err) = record(&args, |r| r.missing.extend(dirs.iter().cloned()));
    assert!(err.unwrap().contains("create /d256: Too many open files (EMFILE): nook undoes at most 256"));
    assert_eq!(calls.iter().filter(|c| c.starts_with("mkdir")).count(), dest::MAX_CREATED);
    assert_eq!(calls.iter().filter(|c| c.starts_with("rmdir")).count(), dest::MAX_CREATED);
}

#[test]
fn ro_root_protects_submounts_first_and_the_root_last() {
    let (calls, err) = record(&["--root", "/r", "--ro-root", "--dir", "/new", "--", "p"], |r| r.missing.push("/new".into()));
    assert_eq!(err, None, "{calls:?}");
    let interesting: Vec<_> = calls.iter().filter(|c| c.starts_with("setattr") || c.starts_with("mkdir")).cloned().collect();
    assert_eq!(
        interesting,
        [
            "setattr tree:host:/r +ro recursive",
            "setattr tree:host:/r -ro",
            "mkdir new in / 755",
            "setattr tree:host:/r +ro",
        ]
    );
}

#[test]
fn keep_old_root_pivots_onto_a_directory_inside_and_does_not_detach() {
    let (calls, err) = record(&["--root", "/r", "--keep-old-root", "/oldroot", "--", "p"], |_| {});
    assert_eq!(err, None, "{calls:?}");
    assert!(calls.contains(&"pivot_root . /oldroot".to_string()), "{calls:?}");
    assert!(!calls.iter().any(|c| c.starts_with("detach")), "{calls:?}");
}

#[test]
fn shared_propagation_slaves_the_pivot_path_then_shares_the_new_root() {
    let (calls, err) = record(&["--propagation", "shared", "--root", "/srv/r", "--", "p"], |_| {});
    assert_eq!(err, None, "{calls:?}");
    assert_eq!(
        &calls[..6],
        ["propagation rshared /", "open-host /srv/r", "propagation slave /", "propagation slave /srv", "propagation slave /srv/r", "clone-tree host:/srv/r"]
    );
    assert_eq!(calls[calls.len() - 3], "propagation shared /");
}

#[test]
fn unchanged_propagation_touches_nothing_first() {
    let (calls, err) = record(&["--propagation", "unchanged", "--", "p"], |_| {});
    assert_eq!(err, None, "{calls:?}");
    assert_eq!(calls, ["open-host /", "chdir /"]);
}

#[test]
fn a_failure_stops_the_sequence_and_names_step_object_errno() {
    let (calls, err) = record(&["--root", "/r", "--bind", "/nope", "/x", "--tmpfs", "/t", "--", "p"], |r| r.missing.push("/nope".into()));
    assert_eq!(calls.last().unwrap(), "clone-tree /nope");
    let err = err.unwrap();
    assert!(err.starts_with("nook: bind source /nope: No such file or directory (ENOENT)"), "{err}");

    let (calls, err) = record(&["--root", "/r", "--bind-try", "/nope", "/x", "--", "p"], |r| r.missing.push("/nope".into()));
    assert_eq!(err, None);
    assert!(!calls.iter().any(|c| c.contains("/x")), "{calls:?}");

    let (_, err) = record(&["--root", "/file", "--", "p"], |r| r.files.push("/file".into()));
    assert!(err.unwrap().contains("Not a directory (ENOTDIR): the root must be a directory"));

    let (_, err) = record(&["--remount-ro", "/x", "--", "p"], |r| r.fail.push(("setattr".into(), rustix::io::Errno::INVAL)));
    assert!(err.unwrap().contains("not a mount point"));
}

#[test]
fn symlink_and_dir_with_perms() {
    let (calls, err) = record(&["--root", "/r", "--perms", "700", "--dir", "/d", "--symlink", "../x", "/s/link", "--", "p"], |r| {
        r.missing.extend(["/d".into(), "/s".into(), "/s/link".into()])
    });
    assert_eq!(err, None, "{calls:?}");
    assert!(calls.contains(&"mkdir d in / 700".to_string()), "{calls:?}");
    assert!(calls.contains(&"symlink link -> ../x in /s".to_string()), "{calls:?}");
    // An existing directory keeps its mode, as with bwrap.
    let (calls, err) = record(&["--root", "/r", "--perms", "700", "--dir", "/d", "--", "p"], |_| {});
    assert_eq!(err, None);
    assert_eq!(calls[4..], ["open path /d in tree:host:/r", "open dir / in tree:host:/r", "fchdir tree:host:/r", "pivot_root . .", "detach .", "fchdir /", "check-cwd"]);
}

#[test]
fn dev_binds_six_host_nodes_into_a_fresh_tmpfs_with_its_own_devpts() {
    // The tmpfs is fresh: what nook makes in it is missing before.
    let (calls, err) = record(&["--root", "/r", "--dev", "/dev", "--", "p"], |r| r.missing.extend(["/dev/shm".into(), "/dev/pts".into()]));
    assert_eq!(err, None);
    let dev: Vec<&str> = calls.iter().map(String::as_str).skip_while(|c| !c.starts_with("new-fs tmpfs")).collect();
    assert_eq!(dev[0], "new-fs tmpfs mode=755 +nosuid,noexec", "{calls:#?}");
    let nodes = ["null", "zero", "full", "random", "urandom", "tty"];
    // The host's nodes and terminal are opened before the tmpfs covers them.
    let before: Vec<String> = nodes.iter().map(|n| format!("open-host /dev/{n}")).chain(["open-terminal".into()]).collect();
    let at = calls.iter().position(|c| c == "open-host /dev/null").unwrap_or_else(|| panic!("{calls:#?}"));
    assert_eq!(calls[at..at + 7], before[..], "{calls:#?}");
    for node in nodes {
        let clone = format!("clone-tree host:/dev/{node}");
        let at = dev.iter().position(|c| *c == clone).unwrap_or_else(|| panic!("{clone} missing: {calls:#?}"));
        // Bound read-write but nosuid/noexec, onto a file made inside the tmpfs.
        assert_eq!(dev[at + 1], format!("setattr tree:host:/dev/{node} +nosuid,noexec"));
        assert_eq!(dev[at + 2], format!("mkfile {node} in /dev 444"), "{calls:#?}");
        assert_eq!(dev[at + 3], format!("attach tree:host:/dev/{node} on /dev/{node}"), "{calls:#?}");
    }
    for link in ["fd -> /proc/self/fd", "stdin -> /proc/self/fd/0", "core -> /proc/kcore", "ptmx -> pts/ptmx"] {
        assert!(dev.contains(&format!("symlink {link} in /dev").as_str()), "{link}: {calls:#?}");
    }
    assert!(dev.contains(&"new-fs tmpfs mode=1777 +nosuid,nodev"), "{calls:#?}");
    assert!(dev.contains(&"new-fs devpts ptmxmode=0666,mode=620 +nosuid,noexec"), "{calls:#?}");
    for (fs, name) in [("tmpfs", "shm"), ("devpts", "pts")] {
        let at = dev.iter().position(|c| *c == format!("mkdir {name} in /dev 755")).unwrap_or_else(|| panic!("{calls:#?}"));
        assert_eq!(dev[at + 1..at + 3], [format!("open child-dir {name} in /dev"), format!("attach fs:{fs} on /dev/{name}")], "{calls:#?}");
    }
    // All of it before the pivot: the host's nodes are reachable only then.
    let pivot = calls.iter().position(|c| c == "pivot_root . .").unwrap();
    assert!(calls.iter().position(|c| c == "attach tree:host:/dev/tty on /dev/tty").unwrap() < pivot);
}

#[test]
fn sys_is_read_only_and_mqueue_is_its_own_filesystem() {
    let (calls, err) = record(&["--unshare-net", "--unshare-ipc", "--sys", "/sys", "--mqueue", "/dev/mqueue", "--", "p"], |_| {});
    assert_eq!(err, None);
    assert!(calls.contains(&"new-fs sysfs  +ro,nosuid,nodev,noexec".to_string()), "{calls:#?}");
    assert!(calls.contains(&"new-fs mqueue  +nosuid,nodev,noexec".to_string()), "{calls:#?}");
    let (_, err) = record(&["--unshare-net", "--sys", "/sys", "--", "p"], |r| r.fail.push(("new-fs sysfs".into(), rustix::io::Errno::PERM)));
    assert!(err.unwrap().ends_with("(EPERM): sysfs in a user namespace needs its own network namespace; add --unshare-net"));
}
