//! The bwrap personality's last steps (README, "nook as bwrap"): where
//! PROGRAM starts, and the wrapper fds' JSON in bwrap's layout.

use crate::base::text::Buf;
use crate::plan::RunPlan;
use crate::setup::process::Environment;
use linux_raw_sys::general as k;
use rustix::io::Errno;

/// After the tree is built (the process at `/` or `--chdir`): without
/// `--chdir`, PROGRAM starts in the caller's working directory when it
/// exists inside, else in $HOME when that does, else in `/`; PWD names it.
pub fn settle_workdir(plan: &RunPlan, env: &mut Environment) -> Result<(), Errno> {
    let mut pwd = Buf::<4096>::new();
    match (plan.process.chdir, plan.bwrap.cwd) {
        (None, Some(cwd)) if rustix::process::chdir(cwd).is_ok() => {
            pwd.push(cwd.to_bytes());
        }
        (None, Some(_)) => {
            let mut home = Buf::<4096>::new();
            home.push(env.get(b"HOME").unwrap_or(b""));
            match home.as_cstr() {
                Ok(h) if !h.is_empty() && rustix::process::chdir(h).is_ok() => pwd.push(h.to_bytes()),
                _ => pwd.push(b"/"),
            };
        }
        (chdir, _) => {
            pwd.push(chdir.map_or(&b"/"[..], |c| c.to_bytes()));
        }
    }
    env.set(b"PWD", pwd.as_bytes())
}

/// bwrap's `--info-fd` object (`info`: one key a line, four spaces in) or
/// `--json-status-fd` first line: the child's pid, then the namespaces
/// bwrap names (not user, not time), in its order.
pub fn describe(json: &mut Buf<512>, child_pid: i32, proc_self: &rustix::fd::OwnedFd, flags: u32, info: bool) {
    let (open, between, close): (&[u8], &[u8], &[u8]) =
        if info { (b"{\n    ", b",\n    ", b"\n}\n") } else { (b"{ ", b", ", b" }\n") };
    json.push(open).push(b"\"child-pid\": ").dec(child_pid as u64);
    for (name, flag) in crate::setup::namespaces::NAMESPACES {
        if flags & flag == 0 || flag & (k::CLONE_NEWUSER | k::CLONE_NEWTIME) != 0 {
            continue;
        }
        let mut path = Buf::<48>::new();
        path.push(b"ns/").push(name.as_bytes());
        let Ok(path) = path.as_cstr() else { continue };
        let Ok(st) = rustix::fs::statat(proc_self, path, rustix::fs::AtFlags::empty()) else { continue };
        json.push(between).push(b"\"").push(name.as_bytes()).push(b"-namespace\": ").dec(st.st_ino);
    }
    json.push(close);
}
