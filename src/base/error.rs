//! nook's one error shape: the step, the object, the errno and a hint, printed
//! as one line, e.g.
//!
//! `nook: mount proc on /proc: Operation not permitted (EPERM): proc needs its own PID namespace; add --unshare-pid`

use crate::base::text::SplitOn;
use crate::base::out::{Line, STDERR};
use core::ffi::{CStr, c_char};
use core::marker::PhantomData;
use rustix::io::Errno;

/// Exit status when nook itself fails before PROGRAM starts.
pub const EXIT_SETUP: i32 = 125;
/// PROGRAM exists but could not be executed.
pub const EXIT_CANNOT_EXEC: i32 = 126;
/// PROGRAM was not found.
pub const EXIT_NOT_FOUND: i32 = 127;

/// The bytes of a failure sent across a fork (see [`Failure::send`]).
pub const SENT_LEN: usize = core::mem::size_of::<Record>();
const _: () = assert!(SENT_LEN == 5 * 8 + 2 + 2 + 4, "Record must have no padding");

/// The most an object takes of the line, so the errno always fits.
const MAX_OBJECT: usize = 600;

/// What nook was doing, e.g. `c"mount proc on"`: a C string literal, so
/// that each of the some 200 places that report a failure passes one
/// pointer rather than a pointer and a length.
pub type Step = &'static CStr;

/// A failed step: the step, the object, the errno, and optionally a hint
/// and a `detail` that replaces strerror's text for usage errors.
///
/// A failure ends nook (it is reported and nook exits 125), so there is only
/// ever one that matters: the latest. It is written down once, in [`SLOT`],
/// and `Failure` is only the token that says so. Every `Result` then stays
/// as small as its value (a `Result<OwnedFd, Failure>` is one register)
/// rather than carrying some 80 bytes through every `?`. The token borrows
/// the object for `'a`, so the object it reports is still alive; a token
/// kept while a later failure is recorded reports that later one.
///
/// Not Copy, and must be used: each failure is turned into an exit status
/// (or a warning) once, by [`Failure::exit`] or [`Failure::report`].
#[must_use = "a failure must be reported or returned"]
pub struct Failure<'a>(PhantomData<&'a CStr>);

pub type Result<'a, T> = core::result::Result<T, Failure<'a>>;

/// What the slot holds: every text as a C string, passed and kept as one
/// pointer. The object's lifetime is erased here; the `Failure<'a>` token
/// that reads it carries it.
#[derive(Clone, Copy)]
#[repr(C)]
struct Record {
    step: *const c_char,
    /// What the step acted on: a path or name from argv, or a fixed word.
    object: *const c_char,
    /// A static C string, or null for none (strerror's text then). A
    /// failure with a detail is a usage error, which has no errno to show.
    detail: *const c_char,
    /// The value a usage error is about (from argv, like the object), or
    /// null: it stands before the detail, `FOO is not a capability name`.
    value: *const c_char,
    /// A static C string, or null for none.
    hint: *const c_char,
    /// rustix's Errno is a u16.
    errno: Errno,
    /// The exit status it ends nook with: EXIT_SETUP, or 126/127 for exec.
    status: u16,
    /// Spelled out, so that the record has no padding (see `Failure::send`).
    unused: u32,
}

/// A record before anything is written into it.
const EMPTY_RECORD: Record = Record {
    step: c"".as_ptr(),
    object: c"".as_ptr(),
    errno: Errno::INVAL,
    detail: core::ptr::null(),
    value: core::ptr::null(),
    hint: core::ptr::null(),
    status: EXIT_SETUP as u16,
    unused: 0,
};

/// The binary's one slot: nook is single-threaded (a forked child has its
/// own copy). Uninitialized until the first failure, so it takes no room in
/// the file (.bss rather than .data); it is read only through a `Failure`,
/// which exists only once a failure was written.
#[cfg(not(any(test, feature = "fuzzing")))]
static mut SLOT: core::mem::MaybeUninit<Record> = core::mem::MaybeUninit::uninit();

#[cfg(not(any(test, feature = "fuzzing")))]
fn set_slot(record: Record) {
    // SAFETY: single-threaded, and no reference to the slot is held here.
    unsafe { (*core::ptr::addr_of_mut!(SLOT)).write(record) };
}

#[cfg(not(any(test, feature = "fuzzing")))]
fn with_slot<R>(f: impl FnOnce(&mut Record) -> R) -> R {
    // SAFETY: single-threaded, no reference to the slot outlives `f`, and
    // the callers hold a `Failure`, so the slot was written.
    f(unsafe { (*core::ptr::addr_of_mut!(SLOT)).assume_init_mut() })
}

// Unit tests run on many threads: each has its own slot.
#[cfg(any(test, feature = "fuzzing"))]
std::thread_local! {
    static SLOT: core::cell::Cell<Record> = const { core::cell::Cell::new(EMPTY) };
}

#[cfg(any(test, feature = "fuzzing"))]
const EMPTY: Record = EMPTY_RECORD;

#[cfg(any(test, feature = "fuzzing"))]
fn set_slot(record: Record) {
    SLOT.with(|slot| slot.set(record));
}

#[cfg(any(test, feature = "fuzzing"))]
fn with_slot<R>(f: impl FnOnce(&mut Record) -> R) -> R {
    SLOT.with(|slot| {
        let mut record = slot.get();
        let out = f(&mut record);
        slot.set(record);
        out
    })
}

/// Writes a failure down: one out-of-line call per site instead of the
/// whole record built inline.
#[cold]
#[inline(never)]
fn record<'a>(step: *const c_char, object: *const c_char, errno: Errno, detail: *const c_char) -> Failure<'a> {
    set_slot(Record { step, object, errno, detail, value: core::ptr::null(), hint: core::ptr::null(), status: EXIT_SETUP as u16, unused: 0 });
    Failure(PhantomData)
}

/// A failure with strerror's text: most sites, one argument fewer each.
#[cold]
#[inline(never)]
fn record_errno<'a>(step: *const c_char, object: *const c_char, errno: Errno) -> Failure<'a> {
    record(step, object, errno, core::ptr::null())
}

/// A usage error (no errno to show): one argument fewer at each site.
#[cold]
#[inline(never)]
fn record_usage<'a>(step: *const c_char, object: *const c_char, detail: *const c_char) -> Failure<'a> {
    record(step, object, Errno::INVAL, detail)
}

#[cold]
#[inline(never)]
fn record_option<'a>(object: *const c_char, detail: *const c_char) -> Failure<'a> {
    record(c"option".as_ptr(), object, Errno::INVAL, detail)
}

impl<'a> Failure<'a> {
    #[inline]
    pub fn new(step: Step, object: &'a CStr, errno: Errno) -> Self {
        record_errno(step.as_ptr(), object.as_ptr(), errno)
    }

    /// A usage error: nothing was changed yet.
    #[inline]
    pub fn usage(step: Step, object: &'a CStr, detail: &'static CStr) -> Self {
        record_usage(step.as_ptr(), object.as_ptr(), detail.as_ptr())
    }

    /// A usage error of an option or its value (step "option"), the most
    /// common kind: one call with fewer arguments.
    #[inline]
    pub fn option(object: &'a CStr, detail: &'static CStr) -> Self {
        record_option(object.as_ptr(), detail.as_ptr())
    }

    /// A usage error about `value`, the value of `option`:
    /// `nook: option --cap-drop: FOO is not a capability name or ALL`.
    /// An empty value is left out (the detail then reads on the option).
    #[cold]
    #[inline(never)]
    pub fn value(option: &'a CStr, value: &'a CStr, detail: &'static CStr) -> Self {
        let failure = Self::option(option, detail);
        if !value.is_empty() {
            with_slot(|r| r.value = value.as_ptr());
        }
        failure
    }

    #[cold]
    #[inline(never)]
    pub fn hint(self, hint: &'static CStr) -> Self {
        with_slot(|r| r.hint = hint.as_ptr());
        self
    }

    pub fn hint_if(self, cond: bool, hint: &'static CStr) -> Self {
        if cond { self.hint(hint) } else { self }
    }

    /// The hint, if there is one and the failure's errno is `errno`.
    #[inline(never)]
    pub fn hint_on(self, errno: Errno, hint: Option<&'static CStr>) -> Self {
        match hint {
            Some(h) if self.errno() == errno => self.hint(h),
            _ => self,
        }
    }

    pub fn errno(&self) -> Errno {
        with_slot(|r| r.errno)
    }

    pub fn has_hint(&self) -> bool {
        with_slot(|r| !r.hint.is_null())
    }

    #[cfg(test)]
    pub fn detail(&self) -> Option<&'static str> {
        // SAFETY: from a &'static CStr (see Record).
        with_slot(|r| (!r.detail.is_null()).then(|| unsafe { CStr::from_ptr(r.detail) }.to_str().ok()).flatten())
    }

    pub fn render(&self, line: &mut Line) {
        // Its step, detail, hint (and a fixed object) may be `say!`'s.
        crate::base::packed::unpack_messages();
        let r = with_slot(|r| *r);
        // SAFETY: the object was borrowed for 'a, which this token outlives.
        let object = unsafe { CStr::from_ptr(r.object) }.to_bytes();
        // SAFETY: step, detail and hint are static C strings (see Record).
        unsafe { line.bytes(crate::base::out::persona::prefix(3)).c_str(r.step).str(" ") };
        // Keep room for the errno: cut an overlong path in the middle of the line.
        line.user_bytes(object, MAX_OBJECT);
        line.str(": ");
        if r.detail.is_null() {
            let known = lookup(r.errno);
            let (name, message) = known.unwrap_or(UNKNOWN);
            line.bytes(message).str(" (").bytes(name);
            if known.is_none() {
                line.dec(r.errno.raw_os_error() as u64);
            }
            line.str(")");
        } else {
            // A usage error: its own text, no errno (the kernel said nothing).
            if !r.value.is_null() {
                // SAFETY: borrowed for 'a, like the object.
                line.user_bytes(unsafe { CStr::from_ptr(r.value) }.to_bytes(), MAX_OBJECT).str(" ");
            }
            // SAFETY: as for the step.
            unsafe { line.c_str(r.detail) };
        }
        if !r.hint.is_null() {
            // SAFETY: as for the step.
            unsafe { line.str(": ").c_str(r.hint) };
        }
    }

    /// The exit status this failure ends nook with, when not EXIT_SETUP:
    /// PROGRAM's exec failing is 126 (cannot execute) or 127 (not found).
    #[inline(never)]
    pub fn with_status(self, status: i32) -> Self {
        with_slot(|r| r.status = status as u16);
        self
    }

    /// Ends the failure: reports it, and gives the exit status for the
    /// role to exit with. Takes `self`: each failure ends nook once.
    #[inline(never)]
    pub fn exit(self) -> i32 {
        self.report();
        // bwrap ends every failure of its own, exec's too, with status 1.
        if crate::base::out::persona::bwrap() {
            return 1;
        }
        with_slot(|r| r.status as i32)
    }

    /// Sends the failure of a forked helper to the nook that waits for it,
    /// as the record's bytes: both run the same image (fork without exec),
    /// so the record's pointers name the same strings in each.
    #[cold]
    #[inline(never)]
    pub fn send(self, fd: i32) {
        let record = with_slot(|r| *r);
        // SAFETY: Record is repr(C) with no padding (see its fields): every
        // byte of it is initialized.
        let bytes = unsafe { core::slice::from_raw_parts((&raw const record).cast::<u8>(), SENT_LEN) };
        let _ = crate::base::out::write_all(fd, bytes);
    }

    /// The failure a forked helper sent (see [`Failure::send`]), from the
    /// bytes it wrote.
    #[cold]
    #[inline(never)]
    pub fn received(bytes: &[u8; SENT_LEN]) -> Self {
        let mut record = EMPTY_RECORD;
        // SAFETY: Record is repr(C) without padding (see `send`), and any
        // bytes are a valid Record but for the errno, which every u16 is,
        // and the pointers, which come from this very image (the helper is
        // a fork of this process).
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), (&raw mut record).cast::<u8>(), SENT_LEN) };
        set_slot(record);
        Failure(PhantomData)
    }

    /// Prints the one-line report on stderr (for a warning, once the
    /// workload runs, or where the process goes on).
    pub fn report(&self) {
        let mut line = Line::new();
        self.render(&mut line);
        line.emit(STDERR);
    }
}

/// The rendered line, for test failures.
impl core::fmt::Debug for Failure<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut line = Line::new();
        self.render(&mut line);
        f.write_str(core::str::from_utf8(line.as_bytes()).unwrap_or("nook: (not UTF-8)"))
    }
}

/// Prints `nook: warning: TEXT` on stderr, for a setup that goes on:
/// TEXT may be a `say!`, unpacked here.
#[cold]
#[inline(never)]
pub fn warn(text: &'static CStr) {
    crate::base::packed::unpack_messages();
    let mut line = Line::new();
    // SAFETY: a C string's pointer.
    unsafe { line.str("nook: warning: ").c_str(text.as_ptr()) };
    line.emit(STDERR);
}

/// Attaches a step and object to a bare errno.
pub trait Context<T> {
    fn at<'a>(self, step: Step, object: &'a CStr) -> Result<'a, T>;
}

impl<T> Context<T> for core::result::Result<T, Errno> {
    fn at<'a>(self, step: Step, object: &'a CStr) -> Result<'a, T> {
        self.map_err(|e| Failure::new(step, object, e))
    }
}

macro_rules! errnos {
    ($($name:ident $c_name:literal $text:literal,)*) => {
        /// The errnos a container setup meets, searched in one loop. The C
        /// names are spelled out: rustix's differ for some (ACCESS is
        /// EACCES, TOOBIG is E2BIG). A byte each (every one is below
        /// 128), where rustix's Errno takes two.
        const CODES: &[u8] = &[$(code(Errno::$name),)*];
        /// Each one's C name and strerror text, in table order, in one
        /// string: "EPERM\0Operation not permitted\0ENOENT\0...". Stored
        /// packed with the help (base/packed.rs: build.rs reads them from
        /// this table); this copy is the tests' check of that.
        #[cfg(test)]
        const TEXTS: &str = concat!($($c_name, "\0", $text, "\0",)*);
    };
}

/// The errno's C name and strerror text, if the table holds it.
fn lookup(e: Errno) -> Option<(&'static [u8], &'static [u8])> {
    let i = CODES.iter().position(|&c| c as i32 == e.raw_os_error())?;
    let mut words = crate::base::packed::errno_texts().split_on(0);
    Some((words.nth(2 * i)?, words.next()?))
}

/// The errno's symbolic name, e.g. "EPERM" (the table holds the ones a
/// container setup meets; others print as "E?" with their number).
#[cfg(test)]
pub fn name(e: Errno) -> &'static str {
    core::str::from_utf8(lookup(e).unwrap_or(UNKNOWN).0).unwrap_or("")
}

/// `e`'s number as a byte, for [`CODES`]: one of 128 or more fails the build.
const fn code(e: Errno) -> u8 {
    assert!(e.raw_os_error() < 128, "an errno of the table is 128 or more");
    e.raw_os_error() as u8
}

/// The name and text of an errno the table lacks.
const UNKNOWN: (&[u8], &[u8]) = (b"E?", b"Unknown error");

errnos! {
    PERM "EPERM" "Operation not permitted",
    NOENT "ENOENT" "No such file or directory",
    SRCH "ESRCH" "No such process",
    INTR "EINTR" "Interrupted system call",
    IO "EIO" "Input/output error",
    NXIO "ENXIO" "No such device or address",
    TOOBIG "E2BIG" "Argument list too long",
    NOEXEC "ENOEXEC" "Exec format error",
    BADF "EBADF" "Bad file descriptor",
    CHILD "ECHILD" "No child processes",
    AGAIN "EAGAIN" "Resource temporarily unavailable",
    NOMEM "ENOMEM" "Cannot allocate memory",
    ACCESS "EACCES" "Permission denied",
    FAULT "EFAULT" "Bad address",
    BUSY "EBUSY" "Device or resource busy",
    EXIST "EEXIST" "File exists",
    XDEV "EXDEV" "Invalid cross-device link",
    NODEV "ENODEV" "No such device",
    NOTDIR "ENOTDIR" "Not a directory",
    ISDIR "EISDIR" "Is a directory",
    INVAL "EINVAL" "Invalid argument",
    MFILE "EMFILE" "Too many open files",
    NOTTY "ENOTTY" "Inappropriate ioctl for device",
    TXTBSY "ETXTBSY" "Text file busy",
    FBIG "EFBIG" "File too large",
    NOSPC "ENOSPC" "No space left on device",
    ROFS "EROFS" "Read-only file system",
    PIPE "EPIPE" "Broken pipe",
    RANGE "ERANGE" "Numerical result out of range",
    NAMETOOLONG "ENAMETOOLONG" "File name too long",
    NOSYS "ENOSYS" "Function not implemented",
    NOTEMPTY "ENOTEMPTY" "Directory not empty",
    LOOP "ELOOP" "Too many levels of symbolic links",
    OVERFLOW "EOVERFLOW" "Value too large for defined data type",
    NOTSUP "ENOTSUP" "Operation not supported",
    STALE "ESTALE" "Stale file handle",
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::packed::{ERRNO_TEXTS_LEN, ERRNO_TEXTS_START, unpack};

    fn text(f: &Failure) -> std::string::String {
        let mut line = Line::new();
        f.render(&mut line);
        std::string::String::from_utf8(line.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn renders_the_protocol_example() {
        let f = Failure::new(c"mount proc on", c"/proc", Errno::PERM)
            .hint(c"proc needs its own PID namespace; add --unshare-pid");
        assert_eq!(
            text(&f),
            "nook: mount proc on /proc: Operation not permitted (EPERM): proc needs its own PID namespace; add --unshare-pid"
        );
    }

    #[test]
    fn usage_errors_carry_their_own_text() {
        let f = Failure::option(c"--bogus", c"unknown option");
        assert_eq!(text(&f), "nook: option --bogus: unknown option", "a usage error has no errno to show");
        let f = Failure::value(c"--cap-drop", c"FOO", c"is not a capability name or ALL");
        assert_eq!(text(&f), "nook: option --cap-drop: FOO is not a capability name or ALL");
        let f = Failure::value(c"--hostname", c"", c"is not a host name of 1 to 64 bytes");
        assert_eq!(text(&f), "nook: option --hostname: is not a host name of 1 to 64 bytes");
        let f = Failure::value(c"--cap-add", c"\x1b[2J", c"is not a capability name or ALL");
        assert_eq!(text(&f), "nook: option --cap-add: \\x1b[2J is not a capability name or ALL", "values are escaped");
    }

    #[test]
    fn the_packed_errno_texts_are_the_tables() {
        let mut texts = [0u8; ERRNO_TEXTS_START + ERRNO_TEXTS_LEN];
        unpack(&mut texts);
        assert_eq!(std::str::from_utf8(&texts[ERRNO_TEXTS_START..]).unwrap(), TEXTS, "build.rs read base/error.rs's table otherwise");
    }

    #[test]
    fn errno_names_are_the_c_names() {
        assert_eq!(name(Errno::ACCESS), "EACCES");
        assert_eq!(name(Errno::TOOBIG), "E2BIG");
        assert_eq!(name(Errno::NOENT), "ENOENT");
    }

    #[test]
    fn an_errno_outside_the_table_prints_its_number() {
        let f = Failure::new(c"frob", c"/x", Errno::from_raw_os_error(133));
        assert_eq!(text(&f), "nook: frob /x: Unknown error (E?133)");
    }

    #[test]
    fn an_overlong_object_is_cut_but_the_errno_survives() {
        let long = std::ffi::CString::new(vec![b'a'; 5000]).unwrap();
        let f = Failure::new(c"bind", long.as_c_str(), Errno::NAMETOOLONG);
        let t = text(&f);
        assert!(t.len() <= 1024, "{}", t.len());
        assert!(t.contains("..."));
    }

    #[test]
    fn control_bytes_are_escaped_and_the_line_stays_bounded() {
        let f = Failure::option(c"--a\nb\x1b[2J", c"unknown option");
        assert_eq!(text(&f), "nook: option --a\\x0ab\\x1b[2J: unknown option");
        // Each control byte grows fourfold: the fuzzer's crash (found 2026-11-29).
        let noisy = std::ffi::CString::new(vec![1u8; 3000]).unwrap();
        let t = text(&Failure::new(c"bind", noisy.as_c_str(), Errno::NOENT));
        assert!(t.len() <= 1024 && t.ends_with("(ENOENT)"), "{t}");
    }
}
