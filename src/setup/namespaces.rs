//! The namespaces beyond user, mount and PID: what is set up inside them
//! (host name, loopback), and how a wrapper learns which were made.

use crate::base::packed::say;
use crate::base::error::Failure;
use crate::plan::RunPlan;
use crate::base::text::Buf;
use linux_raw_sys::general as k;

/// Configures the new UTS and network namespaces from inside them.
pub fn configure<'a>(plan: &RunPlan<'a>) -> Result<(), Failure<'a>> {
    if let Some(name) = plan.hostname {
        crate::base::out::trace(1, say!("sethostname"), name);
        rustix::system::sethostname(name.to_bytes()).map_err(|e| Failure::new(say!("set hostname"), name, e))?;
    }
    if plan.namespaces & k::CLONE_NEWNET != 0 {
        // A new network namespace has only `lo`, and it is down: without it
        // even 127.0.0.1 is unreachable.
        crate::base::out::trace(1, say!("bring up"), c"lo");
        crate::kernel::raw::loopback_up().map_err(|e| Failure::new(say!("bring up"), say!("loopback interface lo"), e))?;
    }
    Ok(())
}

/// Keyrings are not namespaced, and a session keyring is inherited across
/// fork and exec: through the caller's, the workload could read, revoke or
/// plant the caller's keys (a Kerberos `KEYRING:` cache, say). So `run` and
/// `enter` join a new anonymous one before anything of the container runs,
/// as runc does. A refusal (a seccomp filter, a kernel without keys) is an
/// error: nook cannot tell what the workload could reach instead.
pub fn leave_session_keyring() -> Result<(), Failure<'static>> {
    crate::kernel::raw::join_new_session_keyring().map_err(|e| {
        Failure::new(c"join", say!("a new session keyring"), e)
            .hint(say!("a seccomp filter (or a kernel without keys) refuses keyctl(2)"))
    })
}

/// Every namespace type: its /proc/PID/ns entry (also the stem of bwrap's
/// JSON key, in bwrap's order) and its clone flag. For the JSON, CLONE_NEWNS
/// stands for "always": run always makes a mount namespace.
pub const NAMESPACES: [(&str, u32); 8] = [
    ("cgroup", k::CLONE_NEWCGROUP),
    ("ipc", k::CLONE_NEWIPC),
    ("mnt", k::CLONE_NEWNS),
    ("net", k::CLONE_NEWNET),
    ("pid", k::CLONE_NEWPID),
    ("uts", k::CLONE_NEWUTS),
    ("time", k::CLONE_NEWTIME),
    ("user", k::CLONE_NEWUSER),
];

/// The JSON object of `--info-fd` and the first line of
/// `--json-status-fd`: `{"child-pid": N, "cgroup-namespace": INODE, ...}`
/// for the namespaces in `flags`, read through `proc_self` (this process's
/// /proc directory), laid out as `layout` says (what opens the object up
/// to the pid, what stands between a value and the next key's name, what
/// closes it: nook's, or bwrap's two, setup/wrapper.rs). A process that unshared a time namespace enters it only
/// at exec, and one that is inside it has it as its children's too: so
/// `time_for_children` is the one to report.
pub fn describe(json: &mut Buf<512>, child_pid: i32, proc_self: &rustix::fd::OwnedFd, flags: u32, layout: &[&[u8]; 3]) {
    let [open, between, close] = *layout;
    json.push(open).dec(child_pid as u64);
    for &(name, flag) in &NAMESPACES {
        if flags & flag == 0 {
            continue;
        }
        let mut path = Buf::<48>::new();
        path.push(b"ns/").push(name.as_bytes());
        if flag == k::CLONE_NEWTIME {
            path.push(b"_for_children");
        }
        let Ok(path) = path.as_cstr() else { continue };
        let Ok(st) = rustix::fs::statat(crate::kernel::fd::borrow(proc_self), path, rustix::fs::AtFlags::empty()) else { continue };
        json.push(between).push(name.as_bytes()).push(b"-namespace\": ").dec(st.st_ino);
    }
    json.push(close);
}
