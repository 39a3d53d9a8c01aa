//! The test binary as a helper inside a container, for the system calls the
//! busybox rootfs has no applet for (a pty, TIOCSTI, F_GET_SEALS, a remount
//! that prints its errno). Test binaries are static (musl, see
//! .cargo/config.toml), so a copy runs in any root.
//!
//! Inside, `IT_HELPER='ACTION ARG...' HELPER --exact common::helper::run
//! ...` (see [`command`]) runs ACTION, prints one line and exits; without
//! IT_HELPER, [`run`] is a test that passes at once.
//!
//! * `pty`: open /dev/ptmx, unlock and open its slave, send a line through,
//!   print `pty-ok N MODE` (N the pty number, MODE the slave's permissions).
//! * `sti`: TIOCSTI one byte into fd 0, print `sti-ok` or `sti-err ERRNO`.
//! * `seals PATH`: open PATH read-only and print `seals N` (F_GET_SEALS), or
//!   `seals-err open|fcntl ERRNO`.
//! * `remount ro|rw PATH`: mount(2) MS_REMOUNT|MS_BIND on PATH, keeping its
//!   other per-mount flags (from statvfs), so that only read-only changes;
//!   print `remount-ok ro|rw PATH` or `remount-err ro|rw PATH ERRNO`.
//!
//! ERRNO is the number, as the kernel returns it (1 is EPERM).

use std::ffi::CString;
use std::fs;
use std::io::{Read, Write};
use std::os::raw::{c_char, c_int, c_ulong, c_void};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::sync::OnceLock;

unsafe extern "C" {
    fn ioctl(fd: c_int, request: c_ulong, ...) -> c_int;
    fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
    fn mount(src: *const c_char, target: *const c_char, fstype: *const c_char, flags: c_ulong, data: *const c_void) -> c_int;
    fn statvfs(path: *const c_char, buf: *mut c_void) -> c_int;
}

const TIOCSPTLCK: c_ulong = 0x4004_5431;
const TIOCGPTN: c_ulong = 0x8004_5430;
const TIOCSTI: c_ulong = 0x5412;
const O_NOCTTY: i32 = 0o400;
const F_GET_SEALS: c_int = 1034;
const MS_RDONLY: c_ulong = 1;
const MS_REMOUNT: c_ulong = 32;
const MS_BIND: c_ulong = 4096;
/// statvfs's f_flag bits that mount(2) takes with the same value: nosuid,
/// nodev, noexec, noatime, nodiratime (mount_setattr(2) locks all of them).
const KEPT_FLAGS: c_ulong = 2 | 4 | 8 | 1024 | 2048;
const ST_RELATIME: c_ulong = 4096;
const MS_RELATIME: c_ulong = 1 << 21;

/// The F_GET_SEALS bits of a sealed memfd: F_SEAL_SEAL, F_SEAL_SHRINK,
/// F_SEAL_GROW and F_SEAL_WRITE.
pub const ALL_SEALS: u32 = 1 | 2 | 4 | 8;

/// Whether a `seals` line in `stdout` names every one of [`ALL_SEALS`].
pub fn all_sealed(stdout: &str) -> bool {
    let seals = stdout.lines().find_map(|l| l.strip_prefix("seals ")?.parse::<u32>().ok());
    seals.is_some_and(|s| s & ALL_SEALS == ALL_SEALS)
}

#[test]
fn run() {
    let Ok(words) = std::env::var("IT_HELPER") else {
        return;
    };
    let words: Vec<&str> = words.split(' ').collect();
    let line = match words[..] {
        ["pty"] => openpty(),
        ["sti"] => {
            let c = b'#';
            // SAFETY: TIOCSTI reads one byte through the pointer.
            match unsafe { ioctl(0, TIOCSTI, &c as *const u8) } {
                0 => "sti-ok".to_string(),
                _ => format!("sti-err {}", errno()),
            }
        }
        ["seals", path] => seals(path),
        ["remount", how @ ("ro" | "rw"), path] => remount(how == "ro", path),
        _ => format!("unknown helper action {words:?}"),
    };
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
    std::process::exit(0);
}

/// The errno of the last failed call of this thread.
pub fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn openpty() -> String {
    let rw = |path: &str| fs::OpenOptions::new().read(true).write(true).custom_flags(O_NOCTTY).open(path);
    let mut master = match rw("/dev/ptmx") {
        Ok(f) => f,
        Err(e) => return format!("pty-err open /dev/ptmx: {e}"),
    };
    let (unlock, mut n): (c_int, c_int) = (0, -1);
    // SAFETY: both ioctls take a pointer to one int.
    if unsafe { ioctl(master.as_raw_fd(), TIOCSPTLCK, &unlock as *const c_int) } != 0
        // SAFETY: as above.
        || unsafe { ioctl(master.as_raw_fd(), TIOCGPTN, &mut n as *mut c_int) } != 0
    {
        return format!("pty-err ioctl: {}", std::io::Error::last_os_error());
    }
    let slave_path = format!("/dev/pts/{n}");
    let mut slave = match rw(&slave_path) {
        Ok(f) => f,
        Err(e) => return format!("pty-err open {slave_path}: {e}"),
    };
    let mode = slave.metadata().unwrap().permissions().mode() & 0o7777;
    master.write_all(b"through\n").unwrap();
    let mut buf = [0u8; 64];
    let got = slave.read(&mut buf).unwrap_or(0);
    if &buf[..got] != b"through\n" {
        return format!("pty-err read {:?} from the slave", String::from_utf8_lossy(&buf[..got]));
    }
    format!("pty-ok {n} {mode:o}")
}

fn seals(path: &str) -> String {
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return format!("seals-err open {}", e.raw_os_error().unwrap_or(0)),
    };
    // SAFETY: F_GET_SEALS takes no argument.
    match unsafe { fcntl(file.as_raw_fd(), F_GET_SEALS) } {
        -1 => format!("seals-err fcntl {}", errno()),
        seals => format!("seals {seals}"),
    }
}

fn remount(ro: bool, path: &str) -> String {
    let how = if ro { "ro" } else { "rw" };
    let c_path = CString::new(path).unwrap();
    // struct statvfs on x86_64 (musl and glibc alike): eleven longs, f_flag
    // the tenth; the rest is room to spare.
    let mut buf = [0u64; 16];
    // SAFETY: buf is larger than struct statvfs.
    if unsafe { statvfs(c_path.as_ptr(), buf.as_mut_ptr().cast()) } != 0 {
        return format!("remount-err {how} {path} statvfs {}", errno());
    }
    let flag = buf[9] as c_ulong;
    let mut flags = MS_REMOUNT | MS_BIND | (flag & KEPT_FLAGS);
    if flag & ST_RELATIME != 0 {
        flags |= MS_RELATIME;
    }
    if ro {
        flags |= MS_RDONLY;
    }
    // SAFETY: a remount reads only the target path.
    match unsafe { mount(std::ptr::null(), c_path.as_ptr(), std::ptr::null(), flags, std::ptr::null()) } {
        0 => format!("remount-ok {how} {path}"),
        _ => format!("remount-err {how} {path} {}", errno()),
    }
}

/// A copy of this test binary that container-user can run (in the staging
/// directory): bind it into a root, e.g. `--tmpfs /mnt --ro-bind BIN
/// /mnt/helper`.
pub fn bin() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let dest = super::world().staging.join("helper");
        fs::copy(std::env::current_exe().unwrap(), &dest).expect("copy the test binary");
        super::set_mode(&dest, 0o755);
        super::p(&dest).to_string()
    })
}

/// argv that runs the helper at `path` (the action goes in IT_HELPER: nook
/// strips NOOK_* variables from PROGRAM's environment).
pub fn argv(path: &str) -> Vec<String> {
    test_argv(path, "common::helper::run")
}

/// argv that runs only the test `name` of the test binary at `path`
/// (a copy from [`bin`]), quietly, its output let through: for a test
/// binary with a helper of its own.
pub fn test_argv(path: &str, name: &str) -> Vec<String> {
    [path, "--exact", name, "--nocapture", "--quiet", "--test-threads=1"].map(str::to_string).to_vec()
}

/// A shell command that runs ACTION with the helper at `path`.
pub fn command(path: &str, action: &str) -> String {
    format!("IT_HELPER={} {}", super::sh_quote(action), super::sh_join(&argv(path)))
}
