//! Paths into /proc for the calls that take only paths, and the read of a
//! small file whole (of /proc and /sys mostly).

use crate::base::text::Buf;
use rustix::io::Result;

/// "/proc/PID" (or "/proc/self") followed by `leaf`.
pub(crate) fn proc_file(pid: Option<i32>, leaf: &[u8]) -> Buf<48> {
    let mut path = Buf::new();
    match pid {
        Some(p) => path.push(b"/proc/").dec(p as u64),
        None => path.push(b"/proc/self"),
    };
    path.push(leaf);
    path
}

/// "/proc/self/fd/N": a path that names exactly the file behind fd N,
/// whatever its name is now (for calls that take only paths).
pub(crate) fn proc_fd(fd: i32) -> Buf<48> {
    let mut path = proc_file(None, b"/fd/");
    path.dec(fd as u64);
    path
}

/// Where fd N leads: readlink(/proc/self/fd/N), into `buf`.
pub(crate) fn fd_link(fd: i32, buf: &mut [core::mem::MaybeUninit<u8>]) -> Result<&[u8]> {
    Ok(rustix::fs::readlinkat_raw(rustix::fs::CWD, proc_fd(fd).as_cstr()?, buf)?.0)
}

/// Reads file `path` into `buf`: its bytes (at most the buffer's length).
/// Out of line where the mount table's reader and boot's share it (with
/// one caller, inlined: 40 bytes less).
#[cfg_attr(feature = "boot", inline(never))]
pub(crate) fn read_file<'b>(path: &core::ffi::CStr, buf: &'b mut [u8]) -> Result<&'b [u8]> {
    let fd = super::raw::open_cloexec(path, rustix::fs::OFlags::RDONLY)?;
    let n = super::raw::read_full(rustix::fd::AsFd::as_fd(&fd), buf)?;
    Ok(buf.get(..n).unwrap_or(&[]))
}
