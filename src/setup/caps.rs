//! `--cap-drop` and `--cap-add`: the workload's capabilities.
//!
//! Kernel rules this relies on (capabilities(7)):
//! - execve recomputes the sets: a uid-0 process gets permitted =
//!   inheritable | bounding; any other gets permitted = ambient. So the
//!   bounding set decides for root and the ambient set for everyone else,
//!   and nook sets all five to the same mask so both cases agree.
//! - Dropping from the bounding set needs CAP_SETPCAP, so it comes first.
//! - An ambient capability must be permitted and inheritable when raised.

use crate::base::error::Failure;
use crate::plan::CapEdit;
use rustix::io::Errno;

// prctl(2) options (linux/prctl.h).
const PR_CAPBSET_DROP: u32 = 24;
const PR_CAP_AMBIENT: u32 = 47;
const PR_CAP_AMBIENT_RAISE: u32 = 2;
const PR_CAP_AMBIENT_CLEAR_ALL: u32 = 4;

/// capabilities(7) names in number order, without the CAP_ prefix.
const NAMES: &str = "chown dac_override dac_read_search fowner fsetid kill setgid setuid setpcap \
linux_immutable net_bind_service net_broadcast net_admin net_raw ipc_lock ipc_owner sys_module sys_rawio \
sys_chroot sys_ptrace sys_pacct sys_admin sys_boot sys_nice sys_resource sys_time sys_tty_config mknod \
lease audit_write audit_control setfcap mac_override mac_admin syslog wake_alarm block_suspend audit_read \
perfmon bpf checkpoint_restore";

/// The mask of a capability name (`CAP_NET_ADMIN`, `net_admin`, any case),
/// or of every capability for `ALL`.
pub fn parse(name: &[u8]) -> Option<u64> {
    let bare = match name.get(..4) {
        Some(p) if same_word(p, b"cap_") => &name[4..],
        _ => name,
    };
    if same_word(bare, b"all") {
        return Some(u64::MAX);
    }
    NAMES.as_bytes().split(|&c| c == b' ').position(|n| same_word(n, bare)).map(|i| 1 << i)
}

/// `a` and `b` equal but for ASCII case: a plain loop, where core's
/// `eq_ignore_ascii_case` is unrolled into 300 bytes.
fn same_word(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}

/// What nook holds (the permitted set), checked to cover what `edit` adds
/// (`ALL` adds only what is held). Also called before the mount tree is
/// built, so that this mistake fails before anything changes.
#[inline(never)]
pub fn held<'a>(edit: &CapEdit) -> Result<u64, Failure<'a>> {
    let held = get().map_err(|e| Failure::new(c"read", c"capabilities", e))?;
    if edit.add & !held != 0 && edit.add != u64::MAX {
        return Err(Failure::new(c"--cap-add", c"a capability nook does not hold", Errno::PERM));
    }
    Ok(held)
}

/// Sets the bounding, effective, permitted, inheritable and ambient sets
/// all to (what nook holds − drop) + add.
pub fn apply<'a>(edit: &CapEdit) -> Result<(), Failure<'a>> {
    let held = held(edit)?;
    let want = (held & !edit.drop) | (edit.add & held);
    for cap in 0..64 {
        if want & (1 << cap) == 0 {
            match prctl(PR_CAPBSET_DROP, cap, 0) {
                // Past the kernel's last capability.
                Err(Errno::INVAL) => break,
                r => r.map_err(|e| Failure::new(c"drop from bounding set", c"capabilities", e))?,
            }
        }
    }
    set(want).map_err(|e| Failure::new(c"set", c"capabilities", e))?;
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0).map_err(|e| Failure::new(c"clear", c"ambient capabilities", e))?;
    for cap in (0..64).filter(|c| want & (1 << c) != 0) {
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap).map_err(|e| Failure::new(c"raise", c"ambient capabilities", e))?;
    }
    Ok(())
}

fn prctl(option: u32, arg: u32, arg3: u32) -> Result<(), Errno> {
    crate::kernel::raw::prctl(option, arg as usize, arg3 as usize).map(drop)
}

/// capget(2): the permitted set.
fn get() -> Result<u64, Errno> {
    let mut data = [[0u32; 3]; 2];
    crate::kernel::raw::capget_capset(false, &mut data)?;
    Ok(data[0][1] as u64 | (data[1][1] as u64) << 32)
}

/// capset(2): effective = permitted = inheritable = `mask`.
fn set(mask: u64) -> Result<(), Errno> {
    let (low, high) = (mask as u32, (mask >> 32) as u32);
    let mut data = [[low; 3], [high; 3]];
    crate::kernel::raw::capget_capset(true, &mut data)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_with_or_without_prefix_in_any_case() {
        assert_eq!(super::parse(b"CAP_CHOWN"), Some(1));
        assert_eq!(super::parse(b"net_bind_service"), Some(1 << 10));
        assert_eq!(super::parse(b"Cap_Sys_Admin"), Some(1 << 21));
        assert_eq!(super::parse(b"checkpoint_restore"), Some(1 << 40));
        assert_eq!(super::parse(b"ALL"), Some(u64::MAX));
        assert_eq!(super::parse(b"CAP_BOGUS"), None);
        assert_eq!(super::parse(b""), None);
        assert_eq!(super::parse(b"CAP_"), None);
    }
}
