//! The values of options and variables: numbers, sizes, id ranges, modes,
//! words. Each returns the usage error that names the option (or, when
//! given, the value) on a mistake.

// Most values are run's options': a build without run uses a few.
#![cfg_attr(not(feature = "run"), allow(dead_code))]

use crate::base::packed::say;
use crate::base::text::SplitOn;
use crate::base::error::{Failure, Result};
use crate::base::num::parse_number;
use crate::base::words::{Words, words};
use crate::plan::{IdRange, Propagation};
use core::ffi::CStr;

pub(crate) fn boolean(v: &CStr) -> Option<bool> {
    const WORDS: Words<bool> = words![
        "1" => true, "true" => true, "yes" => true, "on" => true,
        "0" => false, "false" => false, "no" => false, "off" => false, "" => false,
    ];
    WORDS.find(v.to_bytes())
}

pub(crate) fn propagation<'a>(option: &'a CStr, v: &'a CStr) -> Result<'a, Propagation> {
    const MODES: Words<Propagation> = words![
        "private" => Propagation::Private,
        "slave" => Propagation::Slave,
        "shared" => Propagation::Shared,
        "unchanged" => Propagation::Unchanged,
    ];
    MODES.find(v.to_bytes())
        .ok_or_else(|| bad_value(option, v, say!("is not private, slave, shared or unchanged")))
}

/// An unsigned number in `radix`, at most `max`.
pub(crate) fn number<'a>(option: &'a CStr, v: &'a CStr, radix: u32, max: u64) -> Result<'a, u64> {
    parse_number(v.to_bytes(), radix)
        .filter(|&n| n <= max)
        .ok_or_else(|| bad_value(option, v, bad_number_text(radix)))
}

/// A process id for `--pid` (enter's and mounts'): 1 to 2^31 - 1.
pub(crate) fn pid<'a>(option: &'a CStr, v: &'a CStr) -> Result<'a, i32> {
    parse_number(v.to_bytes(), 10)
        .filter(|&n| n > 0 && n <= i32::MAX as u64)
        .map(|n| n as i32)
        .ok_or_else(|| bad_value(option, v, say!("is not a process id")))
}

/// A signal by name or number (`TERM`, `SIGTERM`, `15`, `RTMIN+2`).
pub(crate) fn signal<'a>(option: &'a CStr, v: &'a CStr) -> Result<'a, i32> {
    crate::base::num::signal_number(v.to_bytes()).ok_or_else(|| bad_value(option, v, say!("is not a signal name or number")))
}

/// A usage error of a value that does not parse: it names the option and
/// the value (see [`Failure::value`]).
pub(crate) fn bad_value<'a>(option: &'a CStr, v: &'a CStr, detail: &'static CStr) -> Failure<'a> {
    Failure::value(option, v, detail)
}

pub(crate) fn bad_number_text(radix: u32) -> &'static CStr {
    if radix == 8 { say!("is not an octal mode up to 7777") } else { say!("is not a number in range") }
}

/// BYTES, optionally with a k, m or g suffix (powers of 1024): from 1 to
/// 2^63 - 1, as bwrap takes. tmpfs reads a size of 0 as no limit, and one
/// within a page of 2^64 rounds up to 0 pages.
pub(crate) fn size<'a>(option: &'a CStr, v: &'a CStr) -> Result<'a, u64> {
    let b = v.to_bytes();
    let shift = match b.last() {
        Some(b'k' | b'K') => 10,
        Some(b'm' | b'M') => 20,
        Some(b'g' | b'G') => 30,
        _ => 0,
    };
    // The digits before the suffix: one cut for the three.
    let digits = if shift == 0 { b } else { b.split_last().map_or(b, |(_, head)| head) };
    parse_number(digits, 10)
        .and_then(|n| n.checked_mul(1 << shift))
        .filter(|&n| n > 0 && n <= u64::MAX >> 1)
        .ok_or_else(|| bad_value(option, v, say!("is not a size from 1 to 2^63-1 bytes")))
}

/// IN:OUT:COUNT
pub(crate) fn id_range<'a>(option: &'a CStr, v: &'a CStr) -> Result<'a, IdRange> {
    let mut fields = v.to_bytes().split_on(b':').map(|f| parse_number(f, 10).filter(|&n| n <= u32::MAX as u64));
    match (fields.next(), fields.next(), fields.next(), fields.next()) {
        (Some(Some(inside)), Some(Some(outside)), Some(Some(count)), None)
            if count > 0 && inside + count <= 1 << 32 && outside + count <= 1 << 32 =>
        {
            Ok(IdRange { inside: inside as u32, outside: outside as u32, count: count as u32 })
        }
        _ => Err(bad_value(option, v, say!("is not IN:OUT:COUNT"))),
    }
}

pub(crate) fn overlaps(a: &IdRange, b: &IdRange) -> bool {
    let meet = |a0: u32, b0: u32| {
        let (a0, b0) = (a0 as u64, b0 as u64);
        a0 < b0 + b.count as u64 && b0 < a0 + a.count as u64
    };
    meet(a.inside, b.inside) || meet(a.outside, b.outside)
}

/// capabilities(7) names in number order, without the CAP_ prefix.
/// In the setup segment (build.rs): only `run`'s parser reads it, and in
/// the first segment its bytes would be resident in every init.
#[cfg_attr(not(any(test, feature = "fuzzing")), unsafe(link_section = ".text.setup.caps"))]
static NAMES: [u8; NAMES_TEXT.len()] = crate::base::text::bytes_of(NAMES_TEXT);
const NAMES_TEXT: &str = "chown dac_override dac_read_search fowner fsetid kill setgid setuid setpcap \
linux_immutable net_bind_service net_broadcast net_admin net_raw ipc_lock ipc_owner sys_module sys_rawio \
sys_chroot sys_ptrace sys_pacct sys_admin sys_boot sys_nice sys_resource sys_time sys_tty_config mknod \
lease audit_write audit_control setfcap mac_override mac_admin syslog wake_alarm block_suspend audit_read \
perfmon bpf checkpoint_restore";

/// The mask of a capability name (`CAP_NET_ADMIN`, `net_admin`, any case),
/// or of every capability for `ALL`.
pub fn capability(name: &[u8]) -> Option<u64> {
    let bare = match name.get(..4) {
        Some(p) if same_word(p, b"cap_") => &name[4..],
        _ => name,
    };
    if same_word(bare, b"all") {
        return Some(u64::MAX);
    }
    NAMES.split_on(b' ').position(|n| same_word(n, bare)).map(|i| 1 << i)
}

/// `a` and `b` equal but for ASCII case: a plain loop, where core's
/// `eq_ignore_ascii_case` is unrolled into 300 bytes.
fn same_word(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}

/// The longest --grace: a day.
pub(crate) const MAX_GRACE: u64 = 86_400;

/// The value of `--hostname` or NOOK_HOSTNAME: at most HOST_NAME_MAX
/// (64) bytes.
pub(crate) fn hostname<'a>(option: &'a CStr, name: &'a CStr) -> Result<'a, &'a CStr> {
    if name.is_empty() || name.to_bytes().len() > 64 {
        return Err(bad_value(option, name, say!("is not a host name of 1 to 64 bytes")));
    }
    Ok(name)
}

/// A file descriptor number that must be open now, and not 0, 1 or 2: nook
/// closes or reads each of these fds at a moment of its own, and PROGRAM
/// must start with its stdin, stdout and stderr.
pub(crate) fn open_fd<'a>(option: &'a CStr, v: &'a CStr) -> Result<'a, i32> {
    let fd = number(option, v, 10, i32::MAX as u64)? as i32;
    if fd < 3 {
        return Err(Failure::option(option, say!("cannot be 0, 1 or 2: they stay PROGRAM's stdio")).hint(say!("give the wrapper's end an fd of its own, e.g. 3>&1")));
    }
    // SAFETY: only queried (fcntl F_GETFD); nook does not take ownership.
    let borrowed = unsafe { rustix::fd::BorrowedFd::borrow_raw(fd) };
    rustix::io::fcntl_getfd(borrowed).map_err(|e| Failure::new(c"option", option, e).hint(say!("the fd is not open")))?;
    Ok(fd)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_with_or_without_prefix_in_any_case() {
        assert_eq!(super::capability(b"CAP_CHOWN"), Some(1));
        assert_eq!(super::capability(b"net_bind_service"), Some(1 << 10));
        assert_eq!(super::capability(b"Cap_Sys_Admin"), Some(1 << 21));
        assert_eq!(super::capability(b"checkpoint_restore"), Some(1 << 40));
        assert_eq!(super::capability(b"ALL"), Some(u64::MAX));
        assert_eq!(super::capability(b"CAP_BOGUS"), None);
        assert_eq!(super::capability(b""), None);
        assert_eq!(super::capability(b"CAP_"), None);
    }
}
