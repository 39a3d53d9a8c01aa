//! The user namespace: its uid/gid maps and the setgroups switch.
//!
//! The kernel (user_namespaces(7)) lets a process write its own maps after
//! unshare(CLONE_NEWUSER) only when each map is one line mapping its own id,
//! and, for gid_map, only after setgroups is set to "deny". Anything else
//! must be written from the parent namespace: by a privileged process
//! directly, or through the setuid newuidmap/newgidmap (Debian's `uidmap`),
//! which check /etc/subuid and /etc/subgid. For that, nook forks a helper
//! before unsharing; it waits on a pipe, writes the maps for its parent, and
//! exits.

use crate::base::packed::say;
use crate::base::text::SplitOn;
use crate::kernel::procfs::proc_file;
use crate::base::error::{Context, Failure, Result};
use crate::base::out::write_all;
use crate::plan::{IdRange, MAX_ID_RANGES, Setgroups, UserPlan};
use crate::kernel::raw::{self, Forked};
use crate::kernel::fd::borrow;
use crate::base::text::Buf;
use core::ffi::{CStr, c_char};
use heapless::Vec;
use rustix::fd::{AsRawFd, FromRawFd, OwnedFd};
use rustix::io::Errno;

/// The maps to install, decided before anything changes.
pub struct Maps<'p> {
    uid: Ranges<'p>,
    gid: Ranges<'p>,
    /// What to write to /proc/PID/setgroups; None leaves it as inherited
    /// (a privileged caller's default: a parent namespace may already deny
    /// it, and then writing "allow" fails).
    setgroups: Option<bool>,
    privileged: bool,
    /// bwrap's `--userns-block-fd`: the caller writes the maps, nook none
    /// (and keeps the ids they give it).
    by_caller: crate::plan::bwrap::BwrapOnly<bool>,
}

/// One map: the plan's ranges or, none given, the caller's own id once
/// (inside as `--uid`/`--gid` say, else 0). The plan's are borrowed, not
/// copied (a copy of the two lists, 392 bytes each, took 128 bytes more).
struct Ranges<'p> {
    given: &'p [IdRange],
    /// Its `outside` is the caller's id outside, also what tells a
    /// self-map from a real range.
    own: IdRange,
}

impl<'p> Ranges<'p> {
    fn new(given: &'p [IdRange], inside: Option<u32>, outside: u32) -> Self {
        Ranges { given, own: IdRange { inside: inside.unwrap_or(0), outside, count: 1 } }
    }

    fn get(&self) -> &[IdRange] {
        if self.given.is_empty() { core::slice::from_ref(&self.own) } else { self.given }
    }

    /// Whether the map is the caller's own id alone.
    fn is_self_map(&self) -> bool {
        matches!(self.get(), [r] if r.count == 1 && r.outside == self.own.outside)
    }

    /// Whether the map leaves the caller's own id unmapped but maps root:
    /// then the process becomes root inside (`Maps::settle_identity`).
    fn becomes_root(&self) -> bool {
        let id = self.own.outside;
        let covers_own = self.get().iter().any(|r| id >= r.outside && id - r.outside < r.count);
        !covers_own && self.get().iter().any(|r| r.inside == 0)
    }
}

impl<'p> Maps<'p> {
    pub fn new(plan: &'p UserPlan, privileged: bool) -> Self {
        Maps {
            uid: Ranges::new(&plan.uid_map, plan.map_user, rustix::process::getuid().as_raw()),
            gid: Ranges::new(&plan.gid_map, plan.map_group, rustix::process::getgid().as_raw()),
            setgroups: match plan.setgroups {
                Setgroups::Allow => Some(true),
                Setgroups::Deny => Some(false),
                Setgroups::Unset if privileged => None,
                Setgroups::Unset => Some(false),
            },
            privileged,
            by_caller: plan.by_caller,
        }
    }

    /// Whether the process can write the maps itself after unsharing.
    pub fn self_writable(&self) -> bool {
        if self.by_caller.get() {
            return true;
        }
        self.uid.is_self_map() && self.gid.is_self_map() && self.setgroups == Some(false)
    }

    /// Writes the maps of `pid` ("self" when None) from this process.
    /// `via_tools` routes the non-self maps of an unprivileged caller through
    /// newuidmap/newgidmap.
    fn install<'a>(&self, pid: Option<i32>, via_tools: bool) -> Result<'a, ()> {
        if self.by_caller.get() {
            return Ok(());
        }
        let uid_tool = via_tools && !self.privileged && !self.uid.is_self_map();
        let gid_tool = via_tools && !self.privileged && !(self.gid.is_self_map() && self.setgroups == Some(false));
        if uid_tool {
            run_map_tool(c"newuidmap", pid.unwrap_or(0), self.uid.get())?;
        } else {
            write_map(pid, self.uid.get(), c"uid_map")?;
        }
        // setgroups must be settled before gid_map is written.
        // newgidmap decides "allow" itself; "deny" must come first.
        if let Some(allow) = self.setgroups.filter(|&allow| !(allow && gid_tool)) {
            let word: &[u8] = if allow { b"allow" } else { b"deny" };
            write_proc(pid, c"setgroups", word).at(c"write", c"setgroups")?;
        }
        if gid_tool {
            run_map_tool(c"newgidmap", pid.unwrap_or(0), self.gid.get())
        } else {
            write_map(pid, self.gid.get(), c"gid_map")
        }
    }

    /// After the maps exist: if the caller's own id is not mapped but 0 is,
    /// become 0 inside, so the setup (and PROGRAM) runs as a mapped user.
    /// Also checks that `--setgroups allow` held: newgidmap denies setgroups
    /// when the gid map holds no range of /etc/subgid, and an unprivileged
    /// self-map can only be written with it denied.
    pub fn settle_identity<'a>(&self) -> Result<'a, ()> {
        if self.by_caller.get() {
            return Ok(());
        }
        if self.setgroups == Some(true) {
            let mut word = [0u8; 8];
            let fd = crate::kernel::raw::open_cloexec(c"/proc/self/setgroups", rustix::fs::OFlags::RDONLY)
                .at(c"read", c"setgroups")?;
            // The bytes past what was read stay zeros: "deny" there was read.
            rustix::io::read(borrow(&fd), &mut word).at(c"read", c"setgroups")?;
            if word.starts_with(b"deny") {
                return Err(Failure::new(say!("--setgroups"), c"allow", Errno::PERM)
                    .hint(say!("unprivileged, it needs a --gid-map range from /etc/subgid")));
            }
        }
        if self.gid.becomes_root() {
            let g = rustix::process::Gid::from_raw(0);
            rustix::thread::set_thread_res_gid(g, g, g).at(say!("setresgid"), c"0")?;
        }
        if self.uid.becomes_root() {
            let u = rustix::process::Uid::from_raw(0);
            rustix::thread::set_thread_res_uid(u, u, u).at(say!("setresuid"), c"0")?;
        }
        Ok(())
    }

    /// Writes the maps of process `pid`, a child born in the namespace, from
    /// the parent namespace: directly when privileged, else through
    /// newuidmap/newgidmap.
    pub fn install_for<'a>(&self, pid: i32) -> Result<'a, ()> {
        self.install(Some(pid), true)
    }

    /// Writes the maps from inside, right after unshare (the simple case).
    pub fn install_self<'a>(&self) -> Result<'a, ()> {
        self.install(None, false)
    }
}

/// The longest map text: MAX_ID_RANGES lines of three u32 ("4294967295"),
/// two spaces and a newline. Sized to that, not to a page: a 4 KiB buffer
/// made the frame reach one stack page deeper, a page fault on every launch.
const MAP_TEXT_BYTES: usize = MAX_ID_RANGES * (3 * 10 + 3);

/// Writes `map` to /proc/PID/`what` (`uid_map`, `gid_map`).
fn write_map<'a>(pid: Option<i32>, map: &[IdRange], what: &'static CStr) -> Result<'a, ()> {
    let mut text = Buf::<MAP_TEXT_BYTES>::new();
    for r in map {
        text.dec(r.inside as u64).push(b" ").dec(r.outside as u64).push(b" ").dec(r.count as u64).push(b"\n");
    }
    write_proc(pid, what, text.as_bytes()).map_err(|e| {
        Failure::new(c"write", what, e).hint_if(
            e == Errno::PERM,
            say!("other ids need privilege, or ranges in /etc/subuid and /etc/subgid"),
        )
    })
}

/// Writes /proc/PID/`leaf` ("self" when None).
fn write_proc(pid: Option<i32>, leaf: &CStr, data: &[u8]) -> core::result::Result<(), Errno> {
    let mut path = proc_file(pid, b"/");
    path.push(leaf.to_bytes());
    write_file_at(rustix::fs::CWD, path.as_cstr()?, data)
}

/// Writes a /proc file (relative to `dir`) in the one write these files take.
fn write_file_at(dir: rustix::fd::BorrowedFd<'_>, path: &CStr, data: &[u8]) -> core::result::Result<(), Errno> {
    use rustix::fs::{Mode, OFlags};
    let fd = rustix::fs::openat(dir, path, OFlags::WRONLY | OFlags::CLOEXEC, Mode::empty())?;
    // These proc files take the whole text in one write.
    let n = rustix::io::write(borrow(&fd), data)?;
    if n != data.len() { Err(Errno::IO) } else { Ok(()) }
}

/// Runs newuidmap/newgidmap PID IN OUT COUNT... and waits for it.
fn run_map_tool<'a>(tool: &'static CStr, pid: i32, map: &[IdRange]) -> Result<'a, ()> {
    // argv as NUL-separated strings in one buffer.
    let mut strings = Buf::<2048>::new();
    strings.push(tool.to_bytes()).push(b"\0").dec(pid as u64).push(b"\0");
    for r in map {
        for v in [r.inside, r.outside, r.count] {
            strings.dec(v as u64).push(b"\0");
        }
    }
    if strings.overflowed() {
        return Err(Failure::new(c"run", tool, Errno::TOOBIG));
    }
    let mut argv: Vec<*const c_char, { 3 + 3 * MAX_ID_RANGES }> = Vec::new();
    for arg in strings.as_bytes().split_inclusive(|&b| b == 0) {
        let _ = argv.push(arg.as_ptr() as *const c_char);
    }
    let _ = argv.push(core::ptr::null());
    let envp: [*const c_char; 1] = [core::ptr::null()];
    // SAFETY: single-threaded; the child only execs or exits.
    match unsafe { raw::fork(0) }.at(say!("fork for"), tool)? {
        Forked::Child => {
            // nook reports the failure in its own single line.
            silence_stderr();
            for dir in [c"/usr/bin/", c"/bin/", c"/usr/sbin/", c"/sbin/"] {
                let mut path = Buf::<64>::new();
                path.push(dir.to_bytes()).push(tool.to_bytes());
                if let Ok(p) = path.as_cstr() {
                    // SAFETY: argv and envp are null-terminated arrays of C
                    // strings that live until the exec.
                    unsafe { raw::execve(p, argv.as_ptr(), envp.as_ptr()) };
                }
            }
            Failure::new(c"run", tool, Errno::NOENT).hint(say!("install Debian's uidmap package")).report();
            raw::exit_group(crate::base::error::EXIT_SETUP);
        }
        Forked::Parent(child) => match wait_for(child) {
            Ok(0) => Ok(()),
            Ok(crate::base::error::EXIT_SETUP) => Err(Failure::usage(c"run", tool, say!("could not be started"))),
            Ok(_) => Err(Failure::new(c"run", tool, Errno::PERM)
                .hint(say!("check that /etc/subuid and /etc/subgid give you these ranges"))),
            Err(e) => Err(Failure::new(say!("wait for"), tool, e)),
        },
    }
}

/// Points fd 2 at /dev/null.
fn silence_stderr() {
    use rustix::fs::OFlags;
    if let Ok(null) = crate::kernel::raw::open_cloexec(c"/dev/null", OFlags::WRONLY) {
        // SAFETY: fd 2 is only borrowed: dup2 replaces it, and forget keeps
        // this OwnedFd from closing it.
        let mut stderr = unsafe { rustix::fd::OwnedFd::from_raw_fd(2) };
        let _ = rustix::io::dup2(borrow(&null), &mut stderr);
        core::mem::forget(stderr);
    }
}

/// Waits for one child; its exit code, or 128+signal.
pub fn wait_for(pid: i32) -> core::result::Result<i32, Errno> {
    if pid <= 0 {
        return Err(Errno::INVAL);
    }
    loop {
        match crate::kernel::raw::wait(pid, 0) {
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e),
            Ok((_, status)) => match crate::kernel::raw::exit_code(status) {
                Some(code) => return Ok(code),
                None => continue,
            },
        }
    }
}

/// A helper process in the parent namespace, waiting to write our maps.
pub struct Helper {
    pid: i32,
    go: OwnedFd,
    /// Where the helper's failure arrives: EOF when it had none.
    report: OwnedFd,
}

impl Helper {
    /// Forks the helper. It blocks until [`Helper::finish`] says the
    /// namespace exists, and exits quietly if nook dies first.
    pub fn spawn<'a>(maps: &Maps<'_>) -> Result<'a, Helper> {
        let (wait_end, go) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).at(say!("create pipe for"), say!("id maps"))?;
        // The helper's failure comes back on this pipe, for nook to report.
        let (report, report_end) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).at(say!("create pipe for"), say!("id maps"))?;
        let parent = rustix::process::getpid().as_raw_nonzero().get();
        // SAFETY: single-threaded; the child only writes maps and exits.
        match unsafe { raw::fork(0) }.at(say!("fork helper for"), say!("id maps"))? {
            Forked::Child => {
                drop((go, report));
                let code = match raw::read_byte(borrow(&wait_end)) {
                    Ok(1) => match maps.install_for(parent) {
                        Ok(()) => 0,
                        Err(f) => {
                            f.send(report_end.as_raw_fd());
                            crate::base::error::EXIT_SETUP
                        }
                    },
                    _ => 0, // nook gave up before unsharing: nothing to do
                };
                raw::exit_group(code)
            }
            Forked::Parent(pid) => Ok(Helper { pid, go, report }),
        }
    }

    /// Tells the helper to write the maps and waits for it; its failure
    /// (sent back whole) is nook's.
    #[inline(never)]
    pub fn finish<'a>(self) -> Result<'a, ()> {
        let _ = write_all(self.go.as_raw_fd(), b"1");
        drop(self.go);
        let mut sent = [0u8; crate::base::error::SENT_LEN];
        if raw::read_full(borrow(&self.report), &mut sent) == Ok(sent.len()) {
            let _ = wait_for(self.pid);
            return Err(Failure::received(&sent));
        }
        match wait_for(self.pid) {
            Ok(0) => Ok(()),
            _ => Err(Failure::new(say!("write id maps by"), say!("a helper process"), Errno::CHILD)),
        }
    }
}

/// The id map files, in /proc/PID; each name is also what errors name.
const ID_MAP_FILES: [&CStr; 2] = [c"uid_map", c"gid_map"];

/// Locks the finished mount tree against the workload: a second user and
/// mount namespace, nested in the container's, with the same ids.
///
/// Kernel rules this relies on (mount_namespaces(7), user_namespaces(7)):
/// - When a mount namespace is copied into one owned by a less privileged
///   user namespace, every mount's flags (read-only, nosuid, nodev, noexec,
///   atime) are locked, and its submounts can no longer be unmounted.
///   Without this, root of the container's own user namespace could simply
///   `mount -o remount,rw` what `--ro-root` or `--ro-bind` made read-only.
///   (bwrap's second user namespace serves the same end.)
/// - Only a process of the parent namespace with CAP_SETUID there may
///   write a map of several ids; the process itself, once inside, may map
///   just its own uid and gid (gid only with setgroups denied). So a
///   container of one uid and one gid maps itself; one with ranges gets a
///   helper, forked just before and still root of the container's
///   namespace (it takes one PID there).
///
/// `proc_self` is this process's /proc directory, opened before the pivot
/// (the container may have no procfs).
// Out of line: its three 4 KiB buffers would otherwise be part of
// role::run::finish_setup's frame, whose every page the stack probes touch
// on every launch, locked or not.
#[inline(never)]
pub fn lock_mounts<'a>(proc_self: &OwnedFd) -> Result<'a, ()> {
    use rustix::fs::{Mode, OFlags};
    let mut maps = [Buf::<4096>::new(), Buf::<4096>::new()];
    let mut single = true;
    for (text, file) in maps.iter_mut().zip(ID_MAP_FILES) {
        let fd = rustix::fs::openat(borrow(proc_self), file, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()).at(c"read", file)?;
        let mut current = [0u8; 4096];
        let n = rustix::io::read(borrow(&fd), &mut current).at(c"read", file)?;
        // "inside outside count" of the container → "inside inside count".
        let mut lines = 0;
        for line in current.get(..n).unwrap_or_default().split_on(b'\n') {
            let mut fields = line.split_on(b' ').filter(|f| !f.is_empty());
            if let (Some(inside), Some(_), Some(count)) = (fields.next(), fields.next(), fields.next()) {
                text.push(inside).push(b" ").push(inside).push(b" ").push(count).push(b"\n");
                lines += 1;
                single &= count == b"1";
            }
        }
        single &= lines == 1;
    }
    // A process that changed its uid (settle_identity) is not dumpable, and
    // its /proc files then belong to the host's root, whom a helper cannot
    // override: dumpable for the few steps of the write.
    let dumpable = raw::dumpable();
    raw::set_dumpable(1);
    let locked = if single { nest_self(proc_self, &maps) } else { nest(proc_self, &maps) };
    raw::set_dumpable(dumpable);
    locked
}

fn unshare_nested<'a>() -> Result<'a, ()> {
    crate::base::out::trace(1, say!("lock mounts"), say!("nested user and mount namespaces"));
    // SAFETY: single-threaded, and no CLONE_FILES.
    unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::NEWUSER | rustix::thread::UnshareFlags::NEWNS) }
        .at(say!("lock mounts: unshare"), say!("user and mount namespaces"))
}

fn write_at<'a>(dir: &OwnedFd, file: &'static CStr, data: &[u8]) -> Result<'a, ()> {
    write_file_at(borrow(dir), file, data).at(say!("lock mounts: write"), file)
}

/// One uid and one gid: the process maps itself in the nested namespace.
fn nest_self<'a>(proc_self: &OwnedFd, maps: &[Buf<4096>; 2]) -> Result<'a, ()> {
    unshare_nested()?;
    let [uid_map, gid_map] = ID_MAP_FILES;
    write_at(proc_self, uid_map, maps[0].as_bytes())?;
    write_at(proc_self, c"setgroups", b"deny")?;
    write_at(proc_self, gid_map, maps[1].as_bytes())
}

/// Ranges: a helper in the container's namespace writes the maps.
fn nest<'a>(proc_self: &OwnedFd, maps: &[Buf<4096>; 2]) -> Result<'a, ()> {
    let (wait_end, go) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).at(say!("lock mounts: create pipe for"), say!("id maps"))?;
    // SAFETY: single-threaded; the child only writes two files and exits.
    let helper = match unsafe { raw::fork(0) }.at(say!("lock mounts: fork helper for"), say!("id maps"))? {
        Forked::Child => {
            drop(go);
            if raw::read_byte(borrow(&wait_end)) != Ok(1) {
                raw::exit_group(0); // nook gave up before unsharing
            }
            // The errno travels back as the exit status: nook reports it, in
            // one line.
            for (text, file) in maps.iter().zip(ID_MAP_FILES) {
                if let Err(f) = write_at(proc_self, file, text.as_bytes()) {
                    raw::exit_group(f.errno().raw_os_error());
                }
            }
            raw::exit_group(0)
        }
        Forked::Parent(pid) => pid,
    };
    drop(wait_end);
    if let Err(f) = unshare_nested() {
        drop(go); // the helper exits quietly
        let _ = wait_for(helper);
        return Err(f);
    }
    let sent = write_all(go.as_raw_fd(), b"1").is_ok();
    drop(go);
    match wait_for(helper) {
        Ok(0) if sent => Ok(()),
        Ok(errno) if errno > 0 && errno < 128 => Err(Failure::new(say!("lock mounts: write"), say!("id maps"), Errno::from_raw_os_error(errno))),
        _ => Err(Failure::new(say!("lock mounts: write"), say!("id maps"), Errno::PIPE)),
    }
}
