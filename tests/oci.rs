//! nook as the ENTRYPOINT of an OCI container under a real runtime: Debian's
//! crun runs a bundle from `scripts/oci-bundle` (the busybox rootfs, nook
//! embedded as /sbin/nook, `process.args = ["/sbin/nook", "init", "--",
//! ...]`), rootful as root and rootless (`crun spec --rootless`) as
//! container-user. This is the proof behind examples/Containerfile and
//! examples/pod.yaml: docker, podman and Kubernetes start their images with
//! such a runtime.
//!
//! crun refuses this machine's hybrid cgroups, so every run happens in a
//! mount namespace of its own (`unshare -m`, checked to differ from PID 1's
//! before anything is unmounted) where cgroup2 alone is mounted on
//! /sys/fs/cgroup, with `--cgroup-manager=disabled`. The host's mount table
//! is compared before and after as in every test ([`Run::run`]); crun's
//! state (`--root`) and XDG_RUNTIME_DIR live in the bundle's directory.

#[macro_use]
mod common;

use common::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One of the repo's scripts.
fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts").join(name)
}

/// A fresh bundle from scripts/oci-bundle with `command` as PID 2: rootful
/// and root's for `Who::Root`, rootless and container-user's for
/// `Who::User`. Returns its directory.
fn bundle(who: Who, name: &str, command: &[&str]) -> PathBuf {
    let w = world();
    let parent = w.staging.join("oci");
    let _ = fs::create_dir(&parent);
    set_mode(&parent, 0o755);
    let dir = parent.join(format!("{name}-{who}"));
    let mut cmd = Command::new(script("oci-bundle"));
    cmd.env("PATH", PATH).arg("--nook").arg(&w.nook);
    if who == Who::User {
        cmd.args(["--rootless", "--owner", USER]);
    }
    let out = cmd.arg(&dir).args(command).output().expect("run scripts/oci-bundle");
    assert!(
        out.status.success(),
        "scripts/oci-bundle failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// Runs `scenario` (a /bin/sh script) as `who` inside a mount namespace
/// with only cgroup2 on /sys/fs/cgroup. In it, `$crun` is crun with the
/// bundle's state directory and no cgroup manager, `$bundle` the bundle.
/// Whatever the scenario leaves running is deleted on exit.
fn in_crun_namespace(who: Who, bundle: &Path, scenario: &str) -> Out {
    assert!(
        Path::new("/usr/bin/crun").exists(),
        "crun is not installed: Debian's package crun (scripts/test installs it)"
    );
    let b = sh_quote(p(bundle));
    let script = format!(
        "set -u
bundle={b}
mkdir -p \"$bundle/state\" \"$bundle/run\"
chmod 0700 \"$bundle/run\"
export XDG_RUNTIME_DIR=\"$bundle/run\"
crun=\"crun --root $bundle/state --cgroup-manager=disabled\"
trap '$crun delete -f c >/dev/null 2>&1 || true' EXIT
{scenario}"
    );
    let as_who = match who {
        Who::Root => format!("sh -c {}", sh_quote(&script)),
        Who::User => format!("su {USER} -s /bin/sh -c {}", sh_quote(&script)),
    };
    // Never on the host's own mount table: the guard refuses to go on
    // unless this shell's mount namespace differs from PID 1's.
    let outer = format!(
        "[ \"$(readlink /proc/self/ns/mnt)\" != \"$(readlink /proc/1/ns/mnt)\" ] || \
           {{ echo 'oci: still in the host mount namespace' >&2; exit 99; }}
umount -R /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup || exit 98
{as_who}"
    );
    Run::sh(Who::Root, "exec unshare -m sh -c \"$1\"", &[outer]).run()
}

/// PROGRAM's exit status passes through nook and crun: codes 0 to 255 and
/// 128+N for a workload killed by signal N.
fn exit_status_passes_through(who: Who) {
    let dir = bundle(who, "status", &["/bin/sh", "-c", ". /status.sh"]);
    let status_file = dir.join("rootfs/status.sh");
    for (snippet, want) in [
        ("exit 0", 0),
        ("exit 3", 3),
        ("exit 125", 125),
        ("exit 255", 255),
        ("kill -USR1 $$", 128 + 10),
        ("kill -KILL $$", 128 + 9),
    ] {
        fs::write(&status_file, snippet).unwrap();
        set_mode(&status_file, 0o644);
        let out = in_crun_namespace(
            who,
            &dir,
            "status=0; $crun run -b \"$bundle\" c </dev/null || status=$?; echo \"status=$status\"",
        );
        out.ok();
        assert!(
            out.stdout.contains(&format!("status={want}\n")),
            "`{snippet}` under nook under crun: want crun's exit status {want}\n{out}"
        );
    }
}

/// `crun kill c TERM` signals nook (PID 1), which forwards it to the
/// workload: a `sleep` that dies of it, so nook and crun exit 143.
fn crun_kill_reaches_workload(who: Who) {
    let tag = Tag::new();
    let dir = bundle(who, "kill", &["/bin/sleep", &tag.0]);
    let out = in_crun_namespace(
        who,
        &dir,
        &format!(
            "$crun run -b \"$bundle\" c </dev/null & runner=$!
# Until the workload runs: crun's state names nook's pid, and its one
# child is the sleep.
i=0
while :; do
    pid=$($crun state c 2>/dev/null | sed -n 's/^ *\"pid\": *\\([0-9]*\\).*/\\1/p')
    if [ -n \"$pid\" ]; then
        for k in $(cat /proc/$pid/task/$pid/children 2>/dev/null); do
            if tr '\\0' ' ' </proc/$k/cmdline | grep -q {tag}; then break 2; fi
        done
    fi
    i=$((i + 1))
    [ $i -lt 1000 ] || {{ echo 'the workload never started' >&2; kill $runner; exit 97; }}
    sleep 0.01
done
echo \"init=$(tr '\\0' ' ' </proc/$pid/cmdline)\"
$crun kill c TERM
status=0; wait $runner || status=$?
echo \"status=$status\""
        ),
    );
    out.ok();
    out.stdout_has("init=/sbin/nook init -- /bin/sleep ");
    assert!(
        out.stdout.contains("status=143\n"),
        "crun kill c TERM: want the workload killed by TERM, exit 143 through nook and crun\n{out}"
    );
    assert!(tag.live_pids().is_empty(), "the workload outlived its container\n{out}");
}

/// An orphan burst inside: 100 subshells each leave a `sleep 3` to PID 1
/// and exit. Once none of them is alive, no zombie is left in the
/// container (counted in its /proc: every process's state).
fn orphan_burst_leaves_no_zombie(who: Who) {
    let burst = r#"
n=100 i=0
while [ $i -lt $n ]; do (sleep 3 &); i=$((i + 1)); done
set -- $(cat /proc/1/task/1/children)
echo "orphans=$(($# - 1))"
# state PID: st becomes the process's state letter (the field after
# "(comm) "), or empty when it is gone. No subshell: the count must not
# see processes of its own.
state() { st=; read -r line 2>/dev/null </proc/$1/stat || return 0; line=${line##*) }; st=${line%% *}; }
count() {
    live=0 zombies=0
    for d in /proc/[0-9]*; do
        p=${d#/proc/}
        [ "$p" = 1 ] || [ "$p" = $$ ] && continue
        state "$p"
        case $st in Z) zombies=$((zombies + 1)) ;; '') ;; *) live=$((live + 1)) ;; esac
    done
}
t=0
while count; [ $live -gt 0 ] || [ $zombies -gt 0 ]; do
    t=$((t + 1)); [ $t -lt 1500 ] || break
    sleep 0.01
done
echo "live=$live zombies=$zombies"
"#;
    let dir = bundle(who, "burst", &["/bin/sh", "-c", burst]);
    let out = in_crun_namespace(who, &dir, "$crun run -b \"$bundle\" c </dev/null");
    out.ok();
    out.stdout_has("orphans=100\n");
    out.stdout_has("live=0 zombies=0\n");
}

/// nook is PID 1 of the container (its command line and its name) and the
/// workload PID 2.
fn nook_is_pid1_workload_pid2(who: Who) {
    let dir = bundle(
        who,
        "pids",
        &["/bin/sh", "-c", "echo \"pid=$$\"; echo \"cmdline=$(tr '\\0' ' ' </proc/1/cmdline)\"; echo \"comm=$(cat /proc/1/comm)\"; echo \"parent=$PPID\""],
    );
    let out = in_crun_namespace(who, &dir, "$crun run -b \"$bundle\" c </dev/null");
    out.ok();
    out.stdout_has("pid=2\n");
    out.stdout_has("cmdline=/sbin/nook init -- /bin/sh -c ");
    out.stdout_has("comm=nook\n");
    out.stdout_has("parent=1\n");
}

both!(
    exit_status_passes_through,
    crun_kill_reaches_workload,
    orphan_burst_leaves_no_zombie,
    nook_is_pid1_workload_pid2,
);

/// examples/Containerfile's ENTRYPOINT is what the bundles above run.
#[test]
fn containerfile_entrypoint_is_the_tested_one() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/Containerfile");
    let text = fs::read_to_string(&file).expect("read examples/Containerfile");
    assert!(
        text.lines().any(|l| l.trim() == r#"ENTRYPOINT ["/sbin/nook", "init", "--"]"#),
        "examples/Containerfile must have ENTRYPOINT [\"/sbin/nook\", \"init\", \"--\"], as scripts/oci-bundle's process.args"
    );
}
