//! The nook that waits beside the container: it relays signals to the
//! container's first process and returns its status, and is kept out of
//! the container's reach.

use crate::kernel::raw::{self, SigSet};
use linux_raw_sys::general as k;

/// The outer nook of `--unshare-pid` (and the monitor of `run` without
/// it): forwards every signal it gets to the container's first process,
/// and returns its status.
pub fn relay_signals(child: i32) -> i32 {
    let all = SigSet::full();
    loop {
        match raw::sigtimedwait(&all, None) {
            Ok(sig) if sig == k::SIGCHLD as i32 => {}
            Ok(sig) => {
                let _ = raw::kill(child, sig);
            }
            Err(_) => {}
        }
        if let Ok((1.., st)) = raw::wait(child, k::WNOHANG)
            && let Some(code) = raw::exit_code(st)
        {
            return code;
        }
    }
}

/// A nook that waits beside a container sharing its PID namespace (the
/// monitor) is visible to it in /proc, and its
/// /proc/PID/exe is the host's binary (runc's CVE-2019-5736). Non-dumpable,
/// it can be opened only with CAP_SYS_PTRACE in the host's user namespace:
/// the container's root cannot, unless it is the host's root.
pub fn hide_from_container() {
    raw::set_dumpable(0);
}
