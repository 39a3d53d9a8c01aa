//! `--cap-drop` and `--cap-add`: the workload's capabilities.
//!
//! Kernel rules this relies on (capabilities(7)):
//! - execve recomputes the sets: a uid-0 process gets permitted =
//!   inheritable | bounding; any other gets permitted = ambient. So the
//!   bounding set decides for root and the ambient set for everyone else,
//!   and nook sets all five to the same mask so both cases agree.
//! - Dropping from the bounding set needs CAP_SETPCAP, so it comes first.
//! - An ambient capability must be permitted and inheritable when raised.

use crate::base::packed::say;
use crate::base::error::Failure;
use crate::plan::CapEdit;
use rustix::io::Errno;

// prctl(2) options (linux/prctl.h).
const PR_CAPBSET_DROP: u32 = 24;
const PR_CAP_AMBIENT: u32 = 47;
const PR_CAP_AMBIENT_RAISE: u32 = 2;
const PR_CAP_AMBIENT_CLEAR_ALL: u32 = 4;

/// What nook holds (the permitted set), checked to cover what `edit` adds
/// (`ALL` adds only what is held). Also called before the mount tree is
/// built, so that this mistake fails before anything changes.
#[inline(never)]
pub fn held<'a>(edit: &CapEdit) -> Result<u64, Failure<'a>> {
    let held = get().map_err(|e| Failure::new(c"read", say!("capabilities"), e))?;
    if edit.add & !held != 0 && edit.add != u64::MAX {
        return Err(Failure::new(say!("--cap-add"), say!("a capability nook does not hold"), Errno::PERM));
    }
    Ok(held)
}

/// Sets the bounding, effective, permitted, inheritable and ambient sets
/// all to (what nook holds − drop) + add.
pub fn apply<'a>(edit: &CapEdit) -> Result<(), Failure<'a>> {
    let held = held(edit)?;
    let want = (held & !edit.drop) | (edit.add & held);
    use crate::base::out::persona;
    // bwrap's real root, outside a user namespace, keeps its bounding set.
    let kept = persona::caps(persona::BOUNDING_KEPT);
    let bounding = if kept { u64::MAX } else { want };
    // Then an exec as root (the init's, before PROGRAM's) would take
    // permitted = bounding back: no_new_privs now, as bwrap sets it first.
    if kept {
        crate::kernel::raw::set_no_new_privs().map_err(|e| Failure::new(c"set", say!("no_new_privs"), e))?;
    }
    for cap in 0..64 {
        if bounding & (1 << cap) == 0 {
            match prctl(PR_CAPBSET_DROP, cap, 0) {
                // Past the kernel's last capability.
                Err(Errno::INVAL) => break,
                r => r.map_err(|e| Failure::new(say!("drop from bounding set"), say!("capabilities"), e))?,
            }
        }
    }
    // bwrap's real root, told nothing of capabilities, gets no inheritable
    // and so no ambient ones (base/out.rs's persona).
    let untouched = persona::caps(persona::CAPS_UNTOUCHED);
    let inheritable = if untouched { 0 } else { want };
    set(want, inheritable).map_err(|e| Failure::new(c"set", say!("capabilities"), e))?;
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0).map_err(|e| Failure::new(c"clear", say!("ambient capabilities"), e))?;
    for cap in (0..64).filter(|c| inheritable & (1 << c) != 0) {
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap).map_err(|e| Failure::new(c"raise", say!("ambient capabilities"), e))?;
    }
    Ok(())
}

fn prctl(option: u32, arg: u32, arg3: u32) -> Result<(), Errno> {
    crate::kernel::raw::prctl(option, arg as usize, arg3 as usize).map(drop)
}

/// capget(2): the permitted set.
fn get() -> Result<u64, Errno> {
    crate::kernel::raw::capget().map(|sets| sets.permitted)
}

/// capset(2): effective = permitted = `mask`, and `inheritable`.
fn set(mask: u64, inheritable: u64) -> Result<(), Errno> {
    crate::kernel::raw::capset(&crate::kernel::raw::CapSets { effective: mask, permitted: mask, inheritable })
}
