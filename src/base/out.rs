//! Output without core::fmt: a fixed line buffer written with one write(2),
//! so a message from nook never interleaves with the workload's output.

use core::ffi::{CStr, c_char};
use core::mem::MaybeUninit;
use rustix::fd::BorrowedFd;

pub const STDOUT: i32 = 1;
pub const STDERR: i32 = 2;

/// Who nook speaks as: bwrap (argv[0] `bwrap`, with the `bwrap` feature)
/// prefixes its messages with `bwrap: `, and `<3>` before that with
/// `--level-prefix`, and ends a failure with status 1, as bwrap does.
#[cfg(feature = "bwrap")]
pub mod persona {
    use core::sync::atomic::{AtomicU8, Ordering};

    /// 0: nook; 1: bwrap; 2: bwrap with `--level-prefix`.
    static STATE: AtomicU8 = AtomicU8::new(0);

    /// bwrap's ways with real root's capabilities, which nook's `run` has
    /// not: flags for setup/caps.rs.
    static CAPS: AtomicU8 = AtomicU8::new(0);
    /// Told nothing of capabilities, bwrap never calls capset: PROGRAM gets
    /// no inheritable and so no ambient ones.
    pub const CAPS_UNTOUCHED: u8 = 1;
    /// Without a user namespace the bounding set stays as it was.
    pub const BOUNDING_KEPT: u8 = 2;

    /// This build has the personality.
    pub const BUILT: bool = true;

    pub fn set(state: u8) {
        STATE.store(state, Ordering::Relaxed);
    }

    pub fn set_caps(flags: u8) {
        CAPS.store(flags, Ordering::Relaxed);
    }

    pub fn caps(flag: u8) -> bool {
        CAPS.load(Ordering::Relaxed) & flag != 0
    }

    pub fn bwrap() -> bool {
        STATE.load(Ordering::Relaxed) != 0
    }

    /// The start of an error line (`level` 3) or a warning (4).
    pub fn prefix(level: u8) -> &'static [u8] {
        match STATE.load(Ordering::Relaxed) {
            0 => b"nook: ",
            1 => b"bwrap: ",
            _ if level == 3 => b"<3>bwrap: ",
            _ => b"<4>bwrap: ",
        }
    }
}

/// Without the bwrap personality nook speaks only as itself: the shared
/// code asks `persona` unconditionally, and these constant answers fold
/// its bwrap branches away.
#[cfg(not(feature = "bwrap"))]
pub mod persona {
    pub const BUILT: bool = false;
    pub const CAPS_UNTOUCHED: u8 = 1;
    pub const BOUNDING_KEPT: u8 = 2;

    #[inline(always)]
    pub fn caps(_flag: u8) -> bool {
        false
    }

    #[inline(always)]
    pub fn bwrap() -> bool {
        false
    }

    #[inline(always)]
    pub fn prefix(_level: u8) -> &'static [u8] {
        b"nook: "
    }
}

/// One line (or a few) of output, built in place. Text past the capacity is
/// cut and marked with "...", so an overlong path never hides the errno.
/// The buffer starts uninitialized, as a `Buf`'s does: only the first `len`
/// bytes are ever read, each written before `len` grew over it.
pub struct Line {
    buf: [MaybeUninit<u8>; 1024],
    len: usize,
    cut: bool,
}

impl Default for Line {
    fn default() -> Self {
        Self::new()
    }
}

impl Line {
    pub const fn new() -> Self {
        Line { buf: [MaybeUninit::uninit(); 1024], len: 0, cut: false }
    }

    #[inline(never)]
    pub fn bytes(&mut self, s: &[u8]) -> &mut Self {
        let room = (self.buf.len() - 8).saturating_sub(self.len);
        let n = s.len().min(room);
        self.put(&s[..n]);
        if n < s.len() && !self.cut {
            self.cut = true;
            self.raw(b"...");
        }
        self
    }

    pub fn str(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }

    /// A C string, given as its pointer (as failures and traces keep them).
    ///
    /// # Safety
    /// `s` points to a NUL-terminated string.
    #[inline(never)]
    pub unsafe fn c_str(&mut self, s: *const c_char) -> &mut Self {
        // SAFETY: the caller's contract.
        self.bytes(unsafe { CStr::from_ptr(s) }.to_bytes())
    }

    /// Bytes from the caller or the container (a path, an option), at most
    /// `limit` bytes of output, every byte but printable ASCII written as
    /// `\xHH` (the backslash too, so the text reads back unambiguously): a
    /// line stays one line for every splitter (newline, CR, NEL, U+2028,
    /// U+2029 are all escaped), and a terminal escape, 7-bit or 8-bit (C1),
    /// is shown, not obeyed.
    pub fn user_bytes(&mut self, s: &[u8], limit: usize) -> &mut Self {
        let end = self.len + limit;
        for &b in s {
            if self.len >= end {
                return self.bytes(b"...");
            }
            if !(0x20..0x7f).contains(&b) || b == b'\\' {
                self.bytes(&[b'\\', b'x', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
            } else {
                self.bytes(&[b]);
            }
        }
        self
    }

    /// Appends bytes in the small reserve kept behind the cut, so the
    /// closing text always fits.
    // Out of line: inlined into its callers it took more (measured).
    #[inline(never)]
    fn raw(&mut self, s: &[u8]) {
        let n = s.len().min(self.buf.len() - self.len);
        self.put(&s[..n]);
    }

    /// Appends `s`, which the callers have cut to fit.
    // Out of line: inlined into its callers it took 54 bytes more.
    #[inline(never)]
    fn put(&mut self, s: &[u8]) {
        let end = self.len + s.len();
        if end <= self.buf.len() {
            // SAFETY: `s` fits from `len` on (checked above); a borrowed `s`
            // cannot overlap the buffer borrowed mutably.
            unsafe { crate::base::text::copy_bytes(s, self.buf.as_mut_ptr().add(self.len).cast()) };
            self.len = end;
        }
    }

    /// `n` in decimal: an errno's number, a count of seconds (no caller
    /// has a negative one to show).
    pub fn dec(&mut self, n: u64) -> &mut Self {
        let mut digits = [0u8; 22];
        self.bytes(crate::base::text::digits_of(n, 10, &mut digits))
    }

    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: the first `len` bytes were written (see the type).
        unsafe { core::slice::from_raw_parts(self.buf.as_ptr().cast(), self.len) }
    }

    /// Writes the line (adding the newline) to `fd`, ignoring errors: there
    /// is nowhere left to report them.
    pub fn emit(&mut self, fd: i32) {
        if self.as_bytes().last() != Some(&b'\n') {
            self.raw(b"\n");
        }
        let _ = write_all(fd, self.as_bytes());
    }
}

/// Output in blocks of 4 KiB, for text of any length (the mount tree, its
/// JSON) where a [`Line`] would cut it. The first write error is kept for
/// [`Writer::finish`].
pub struct Writer {
    buf: [MaybeUninit<u8>; 4096],
    len: usize,
    fd: i32,
    error: Option<rustix::io::Errno>,
}

impl Writer {
    pub const fn new(fd: i32) -> Self {
        Writer { buf: [MaybeUninit::uninit(); 4096], len: 0, fd, error: None }
    }

    #[inline(never)]
    pub fn byte(&mut self, b: u8) -> &mut Self {
        if self.len == self.buf.len() {
            self.flush();
        }
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = MaybeUninit::new(b);
            self.len += 1;
        }
        self
    }

    #[inline(never)]
    pub fn bytes(&mut self, s: &[u8]) -> &mut Self {
        for &b in s {
            self.byte(b);
        }
        self
    }

    pub fn dec(&mut self, n: u64) -> &mut Self {
        let mut digits = [0u8; 22];
        self.bytes(crate::base::text::digits_of(n, 10, &mut digits))
    }

    /// `n` spaces.
    pub fn spaces(&mut self, n: usize) -> &mut Self {
        for _ in 0..n {
            self.byte(b' ');
        }
        self
    }

    /// A byte of a name from the caller or the system, shown as itself
    /// when it is printable ASCII other than space and backslash, else
    /// as `\xHH` (see [`shown_width`]): a name stays one unambiguous word.
    pub fn shown(&mut self, b: u8) -> &mut Self {
        if shown_width(b) == 1 { self.byte(b) } else { self.bytes(&[b'\\', b'x', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]) }
    }

    fn flush(&mut self) {
        // SAFETY: the first `len` bytes were written (see `byte`).
        let data = unsafe { core::slice::from_raw_parts(self.buf.as_ptr().cast::<u8>(), self.len) };
        if self.error.is_none() && let Err(e) = write_all(self.fd, data) {
            self.error = Some(e);
        }
        self.len = 0;
    }

    /// Writes what is left; the first error of any write.
    pub fn finish(&mut self) -> Result<(), rustix::io::Errno> {
        self.flush();
        self.error.map_or(Ok(()), Err)
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The columns [`Writer::shown`] takes for `b`: 1, or 4 for `\xHH`.
pub fn shown_width(b: u8) -> usize {
    if (0x21..0x7f).contains(&b) && b != b'\\' { 1 } else { 4 }
}

/// Writes everything, retrying on EINTR and short writes.
pub fn write_all(fd: i32, mut data: &[u8]) -> Result<(), rustix::io::Errno> {
    // What the kernel would answer, here so that borrow_raw's assert (and
    // its panic path) goes.
    if fd == -1 {
        return Err(rustix::io::Errno::BADF);
    }
    // SAFETY: fds 0-2 and the wrapper fds named by the user are borrowed only
    // for the duration of the write.
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    while !data.is_empty() {
        match rustix::io::write(fd, data) {
            Ok(0) => return Err(rustix::io::Errno::IO),
            // The kernel wrote at most what it was given.
            Ok(n) => data = data.get(n..).unwrap_or_default(),
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// NOOK_VERBOSE: 0 silent, 1 each setup step, 2 also each PATH candidate,
/// 3 the same (reserved). Set once at startup; nook is single-threaded.
/// In .data, not .bss: every trace reads it, and its .bss page, untouched
/// otherwise, cost a fault for the zero page in the setup child and in
/// the init's child (the setup child's next write to the page, a second);
/// .data's page the kernel's loader has written already in every process.
/// Only in the builds with a container (which have a .data anyway): in
/// the init-only and initramfs builds it would make a .data section of
/// its own (96 and 80 bytes).
#[cfg_attr(all(nook_container, not(any(test, feature = "fuzzing"))), unsafe(link_section = ".data.verbose"))]
static VERBOSE: core::sync::atomic::AtomicU8 = core::sync::atomic::AtomicU8::new(0);

/// Stores only a level above 0, the static's own: a store would make its
/// .bss page resident, in PID 1 too (`nook init`), for nothing.
pub fn set_verbosity(level: u8) {
    if level != 0 {
        VERBOSE.store(level, core::sync::atomic::Ordering::Relaxed);
    }
}

/// Prints "nook: + STEP OBJECT" on stderr when NOOK_VERBOSE >= `level`,
/// the object escaped as an error's is (it is often a DEST or PROGRAM).
/// Both are C strings, passed on as one pointer each (as failures' are).
#[inline(always)]
pub fn trace(level: u8, step: &'static CStr, object: &CStr) {
    trace_line(level, step.as_ptr(), object.as_ptr());
}

#[inline(never)]
fn trace_line(level: u8, step: *const c_char, object: *const c_char) {
    if VERBOSE.load(core::sync::atomic::Ordering::Relaxed) >= level {
        // The step (or a fixed object) may be a `say!`.
        crate::base::packed::unpack_messages();
        let mut line = Line::new();
        // SAFETY: the C strings `trace` was given.
        unsafe { line.str("nook: + ").c_str(step).str(" ").user_bytes(CStr::from_ptr(object).to_bytes(), 900) };
        line.emit(STDERR);
    }
}

#[cfg(test)]
mod tests {
    use super::Line;

    fn shown(bytes: &[u8]) -> std::string::String {
        let mut line = Line::new();
        line.user_bytes(bytes, 600);
        std::string::String::from_utf8(line.as_bytes().to_vec()).unwrap()
    }

    /// Every line splitter and terminal escape a caller could put in a path,
    /// shown as text; printable ASCII passes unchanged.
    #[test]
    fn caller_bytes_cannot_forge_a_line_or_an_escape() {
        let table: &[(&[u8], &str)] = &[
            (b"/usr/bin/env", "/usr/bin/env"),
            (b"a\nnook: exec /bin/evil", "a\\x0anook: exec /bin/evil"),
            (b"a\rb", "a\\x0db"),
            (b"\x1b[2J\x1b]0;title\x07", "\\x1b[2J\\x1b]0;title\\x07"),
            (b"a\xc2\x85b", "a\\xc2\\x85b"),
            (b"a\xe2\x80\xa8b\xe2\x80\xa9c", "a\\xe2\\x80\\xa8b\\xe2\\x80\\xa9c"),
            (b"\xc2\x9b31m\x9b31m", "\\xc2\\x9b31m\\x9b31m"),
            (b"\x7f\x00\x0b\x0c", "\\x7f\\x00\\x0b\\x0c"),
            (b"caf\xc3\xa9 \xe2\x80\xae", "caf\\xc3\\xa9 \\xe2\\x80\\xae"),
            (b"a\\x0ab", "a\\x5cx0ab"),
        ];
        for (input, want) in table {
            assert_eq!(shown(input), *want, "{input:?}");
        }
    }
}
