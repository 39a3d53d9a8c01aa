//! `nook --help` and `nook --version`.

use crate::out::{Line, STDOUT, write_all};

const HELP: &str = "\
usage: nook [run] [OPTIONS] [--] PROGRAM [ARG...]
       nook init [INIT-OPTIONS] [--] PROGRAM [ARG...]
       nook enter --pid PID [OPTIONS] [--] PROGRAM [ARG...]
       nook --help | --version

A container by hand: user and mount namespaces, a root bound onto itself
and pivoted into, then PROGRAM. `run` may be omitted before an option.

Namespaces and identity:
  --unshare-user\tnew user namespace (implied without CAP_SYS_ADMIN)
  --map-root\tmap your uid/gid to 0 inside (the default)
  --map-user UID\tmap your uid to UID inside
  --map-group GID\tmap your gid to GID inside
  --uid-map IN:OUT:COUNT\ta uid range, repeatable (newuidmap if unprivileged)
  --gid-map IN:OUT:COUNT\ta gid range, likewise
  --setgroups allow|deny\tsetgroups(2) inside (deny when unprivileged)
  --unshare-pid\ta PID namespace; nook stays PID 1 (init below)

The root and mounts (DEST always resolves inside the new root):
  --propagation MODE\tprivate (default), slave, shared or unchanged
  --root DIR\tbind DIR onto itself, pivot_root into it
  --keep-old-root DIR\tkeep the old root mounted at DIR inside
  --ro-root\tmake the new root read-only after all mounts
  --bind SRC DEST\tbind mount (nosuid, nodev); also --bind-try
  --ro-bind SRC DEST\tread-only bind, recursively; also --ro-bind-try
  --dev-bind SRC DEST\tbind with device access; also --dev-bind-try
  --size BYTES\tsize of the next --tmpfs (k, m, g suffixes)
  --perms OCTAL\tmode of the next --tmpfs or --dir
  --tmpfs DEST\tmount a tmpfs
  --proc DEST\tmount a procfs (needs --unshare-pid)
  --dir DEST\tcreate a directory
  --symlink TARGET LINK\tcreate a symlink
  --remount-ro DEST\tmake a mount read-only, recursively
  --make-shared DEST\tper-mount propagation, in order; also
  --make-slave DEST\t  --make-private, --make-unbindable

The process:
  --chdir DIR\tworking directory inside (default /)
  --clearenv\tstart PROGRAM with an empty environment
  --setenv VAR VALUE\tset a variable
  --unsetenv VAR\tremove a variable
  --die-with-parent\tdie with the process that started nook
  --no-init\tPROGRAM itself is PID 1

PID 1 (nook init, and run --unshare-pid) reaps zombies, forwards signals:
  --signal-group\tforward to PROGRAM's process group
  --grace SECONDS\tthen TERM the rest, wait, KILL (default 0)
  --subreaper\tbecome a child subreaper (automatic if not PID 1)
  --pdeathsig SIGNAL\tsignal for nook when its parent dies

NOOK_ROOT, NOOK_PROPAGATION, NOOK_GRACE, NOOK_SIGNAL_GROUP, NOOK_SUBREAPER,
NOOK_PDEATHSIG, NOOK_HOSTNAME equal the options (argv wins); NOOK_VERBOSE=1|2
traces.

Exit: PROGRAM's, 128+N if killed by signal N; 125 nook failed, 126 PROGRAM
not executable, 127 not found.
";

/// The description column: HELP marks it with a tab, expanded here, which
/// keeps a kilobyte of padding out of the binary.
const COLUMN: usize = 28;

pub fn print_help() {
    let mut line = Line::new();
    let mut width = 0;
    for &b in HELP.as_bytes() {
        match b {
            b'\t' => {
                while width < COLUMN {
                    line.bytes(b" ");
                    width += 1;
                }
            }
            b'\n' => {
                line.bytes(b"\n");
                let _ = write_all(STDOUT, line.as_bytes());
                line = Line::new();
                width = 0;
            }
            _ => {
                line.bytes(&[b]);
                width += 1;
            }
        }
    }
}

pub fn print_version() {
    let text = concat!("nook ", env!("CARGO_PKG_VERSION"), " (", env!("NOOK_GIT_HASH"), ")\n");
    let _ = write_all(STDOUT, text.as_bytes());
}
