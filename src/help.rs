//! `nook --help` and `nook --version`.

use crate::out::{Line, STDOUT, write_all};

const HELP: &str = "\
usage: nook [run] [OPTIONS] [--] PROGRAM [ARG...]
       nook --help | --version

Build a container by hand: a user and mount namespace, a root bound onto
itself and pivoted into, then PROGRAM. `run` may be omitted when the first
argument starts with -. Options apply strictly left to right.

Namespaces and identity:
  --unshare-user\tnew user namespace (implied without CAP_SYS_ADMIN)
  --map-root\tmap your uid/gid to 0 inside (the default)
  --map-user UID\tmap your uid to UID inside
  --map-group GID\tmap your gid to GID inside
  --uid-map IN:OUT:COUNT\tuid range (repeatable; newuidmap when unprivileged)
  --gid-map IN:OUT:COUNT\tgid range (repeatable; newgidmap when unprivileged)
  --setgroups allow|deny\tsetgroups(2) inside (deny when unprivileged)

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
  --dir DEST\tcreate a directory
  --symlink TARGET LINK\tcreate a symlink
  --remount-ro DEST\tmake a mount read-only, recursively
  --make-shared DEST\tper-mount propagation, in order; also
  --make-slave DEST           --make-private, --make-unbindable

The process:
  --chdir DIR\tworking directory inside (default /)
  --clearenv\tstart PROGRAM with an empty environment
  --setenv VAR VALUE\tset a variable
  --unsetenv VAR\tremove a variable

Environment: NOOK_ROOT, NOOK_PROPAGATION, NOOK_VERBOSE (0..3) equal the
options; argv wins. NOOK_* never reaches PROGRAM.

Exit: PROGRAM's status, 128+N if killed by signal N, 125 if nook failed,
126 if PROGRAM could not be executed, 127 if it was not found.
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
                write_all(STDOUT, line.as_bytes());
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
    write_all(STDOUT, text.as_bytes());
}
