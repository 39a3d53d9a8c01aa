//! `nook --help` and `nook --version`.

use crate::out::{STDOUT, write_all};

const HELP: &str = "\
usage: nook [run] [OPTIONS] [--] PROGRAM [ARG...]
       nook --help | --version

Build a container by hand: a user and mount namespace, a root bound onto
itself and pivoted into, then PROGRAM. `run` may be omitted when the first
argument starts with -. Options apply strictly left to right.

Namespaces and identity:
  --unshare-user            new user namespace (implied without CAP_SYS_ADMIN)
  --map-root                map your uid/gid to 0 inside (the default)
  --map-user UID            map your uid to UID inside
  --map-group GID           map your gid to GID inside
  --uid-map IN:OUT:COUNT    uid range (repeatable; newuidmap when unprivileged)
  --gid-map IN:OUT:COUNT    gid range (repeatable; newgidmap when unprivileged)
  --setgroups allow|deny    setgroups(2) inside (deny when unprivileged)

The root and mounts (DEST always resolves inside the new root):
  --propagation MODE        private (default), slave, shared or unchanged
  --root DIR                bind DIR onto itself, pivot_root into it
  --keep-old-root DIR       keep the old root mounted at DIR inside
  --ro-root                 make the new root read-only after all mounts
  --bind SRC DEST           bind mount (nosuid, nodev); also --bind-try
  --ro-bind SRC DEST        read-only bind, recursively; also --ro-bind-try
  --dev-bind SRC DEST       bind with device access; also --dev-bind-try
  --size BYTES              size of the next --tmpfs (k, m, g suffixes)
  --perms OCTAL             mode of the next --tmpfs or --dir
  --tmpfs DEST              mount a tmpfs
  --dir DEST                create a directory
  --symlink TARGET LINK     create a symlink
  --remount-ro DEST         make a mount read-only, recursively
  --make-shared DEST        per-mount propagation, in order; also
  --make-slave DEST           --make-private, --make-unbindable

The process:
  --chdir DIR               working directory inside (default /)
  --clearenv                start PROGRAM with an empty environment
  --setenv VAR VALUE        set a variable
  --unsetenv VAR            remove a variable

Environment: NOOK_ROOT, NOOK_PROPAGATION, NOOK_VERBOSE (0..3) equal the
options; argv wins. NOOK_* never reaches PROGRAM.

Exit: PROGRAM's status, 128+N if killed by signal N, 125 if nook failed,
126 if PROGRAM could not be executed, 127 if it was not found.
";

pub fn print_help() {
    write_all(STDOUT, HELP.as_bytes());
}

pub fn print_version() {
    let text = concat!("nook ", env!("CARGO_PKG_VERSION"), " (", env!("NOOK_GIT_HASH"), ")\n");
    write_all(STDOUT, text.as_bytes());
}
