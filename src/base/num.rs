//! Numbers and signal names as the command line and /proc give them.

/// The number in `digits` (no sign, no prefix), or None when it is empty,
/// holds another character or overflows.
pub fn parse_number(digits: &[u8], radix: u32) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &d in digits {
        let v = (d as char).to_digit(radix)?;
        n = n.checked_mul(radix as u64)?.checked_add(v as u64)?;
    }
    Some(n)
}

/// The decimal number in `digits` if it fits in u32 (the mount table's
/// ids, the kernel command line's numbers).
pub fn parse_u32(digits: &[u8]) -> Option<u32> {
    u32::try_from(parse_number(digits, 10)?).ok()
}

/// Signal names for --pdeathsig: TERM, SIGTERM, 15, RTMIN, RTMIN+3, RTMAX-1.
pub fn signal_number(name: &[u8]) -> Option<i32> {
    // Signals 1 to 31 in order, in one string: a table of 31 slices would
    // cost 500 bytes of pointers. NUL-separated, as the word tables are,
    // and searched by their loop.
    const NAMES: &str = "HUP\0INT\0QUIT\0ILL\0TRAP\0ABRT\0BUS\0FPE\0KILL\0USR1\0SEGV\0USR2\0PIPE\0ALRM\0TERM\0STKFLT\0\
        CHLD\0CONT\0STOP\0TSTP\0TTIN\0TTOU\0URG\0XCPU\0XFSZ\0VTALRM\0PROF\0WINCH\0IO\0PWR\0SYS\0";
    const RTMIN: i32 = 34; // glibc and musl reserve 32 and 33
    const RTMAX: i32 = 64;
    if let Some(n) = parse_number(name, 10) {
        return (1..=RTMAX as u64).contains(&n).then_some(n as i32);
    }
    let name = match name {
        [b'S', b'I', b'G', rest @ ..] => rest,
        _ => name,
    };
    if let Some(i) = crate::base::words::index(NAMES, 31, name) {
        return Some(i as i32 + 1);
    }
    // RTMIN, RTMIN+N, RTMAX, RTMAX-N: the sign each takes, and its base.
    let (base, sign, rest) = match name {
        [b'R', b'T', b'M', b'I', b'N', rest @ ..] => (RTMIN, b'+', rest),
        [b'R', b'T', b'M', b'A', b'X', rest @ ..] => (RTMAX, b'-', rest),
        _ => return None,
    };
    let offset = match rest {
        [] => 0,
        [s, digits @ ..] if *s == sign => parse_number(digits, 10)? as i32,
        _ => return None,
    };
    let sig = if sign == b'+' { base.wrapping_add(offset) } else { base.wrapping_sub(offset) };
    (RTMIN..=RTMAX).contains(&sig).then_some(sig)
}

#[cfg(test)]
mod tests {
    use super::signal_number;

    #[test]
    fn signal_names() {
        assert_eq!(signal_number(b"TERM"), Some(15));
        assert_eq!(signal_number(b"SIGKILL"), Some(9));
        assert_eq!(signal_number(b"SYS"), Some(31));
        assert_eq!(signal_number(b"10"), Some(10));
        assert_eq!(signal_number(b"RTMIN"), Some(34));
        assert_eq!(signal_number(b"RTMIN+2"), Some(36));
        assert_eq!(signal_number(b"RTMAX-1"), Some(63));
        for bad in [&b"0"[..], b"65", b"TERMS", b"RTMIN-1", b"RTMAX+1", b"", b"sigterm"] {
            assert_eq!(signal_number(bad), None, "{bad:?}");
        }
    }
}
