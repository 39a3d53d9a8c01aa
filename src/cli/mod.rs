//! argv and NOOK_* → a plan. Options are read strictly left to right; every
//! mistake is a usage error reported before anything changes.
//!
//! Each role has its own option table; a new role adds its name to `ROLES`
//! (and a `Role` variant), one arm to [`parse`] and one parse function,
//! nothing else.

use crate::base::error::{Failure, Result};
use crate::plan::{Argv, BindKind, EnvEdit, MakeKind, Op, RunPlan, Setgroups};
use core::ffi::CStr;
use crate::base::words::{Words, words};
use crate::cli::values::{bad_value, id_range, number, overlaps, propagation, size};

/// What the command line asks nook to do.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    Run,
    Init,
    Enter,
    SwitchRoot,
    Boot,
    Help,
    Version,
}

/// The kernel's PATH_MAX: longer paths cannot name anything.
const PATH_MAX: usize = 4096;

#[derive(Clone, Copy)]
enum Role {
    Run,
    Enter,
    Init,
    SwitchRoot,
    Boot,
    /// The roles of the contract (README, "Not built yet") that later work
    /// will bring; until then they are refused by name rather than mistaken
    /// for a PROGRAM.
    Future,
}

const ROLES: Words<Role> = words![
    "run" => Role::Run, "enter" => Role::Enter, "init" => Role::Init,
    "switch-root" => Role::SwitchRoot, "boot" => Role::Boot, "mounts" => Role::Future,
];

/// HOST_NAME_MAX.
const HOSTNAME_MAX: usize = 64;


/// Parses argv (argv[0] included) and envp into `plan`.
pub fn parse<'a>(argv: Argv<'a>, envp: Argv<'a>, plan: &mut RunPlan<'a>) -> Result<'a, Action> {
    let name = argv.get(0).map(basename);
    if name == Some(b"switch_root") {
        return switch_root::parse_switch_root(argv, 1, envp, plan);
    }
    // The kernel starts an initramfs's /init as PID 1 with the words after
    // `--` on its command line (and the unknown ones without `=`) as
    // arguments, which boot hands on to the root's init. A role or an
    // option there still means what it says.
    if name == Some(b"init")
        && rustix::process::getpid().is_init()
        && argv.get(1).is_none_or(|a| a.to_bytes().first() != Some(&b'-') && ROLES.find(a.to_bytes()).is_none())
    {
        return switch_root::parse_boot(argv, 1, envp, plan);
    }
    let first = match argv.get(1) {
        None => return Err(Failure::usage(c"usage", c"PROGRAM", c"nothing to run").hint(c"see nook --help")),
        Some(a) => a,
    };
    match run_option(first.to_bytes()) {
        Some(Opt::Help) => return Ok(Action::Help),
        Some(Opt::Version) => return Ok(Action::Version),
        _ => {}
    }
    match ROLES.find(first.to_bytes()) {
        Some(Role::Run) => parse_run(argv, 2, envp, plan)?,
        Some(Role::Enter) => {
            parse_enter(argv, envp, plan)?;
            return Ok(if plan.program().is_empty() { Action::Help } else { Action::Enter });
        }
        Some(Role::Init) => {
            parse_init(argv, envp, plan)?;
            return Ok(if plan.program().is_empty() { Action::Help } else { Action::Init });
        }
        Some(Role::SwitchRoot) => return switch_root::parse_switch_root(argv, 2, envp, plan),
        Some(Role::Boot) => return switch_root::parse_boot(argv, 2, envp, plan),
        Some(Role::Future) => {
            return Err(Failure::usage(c"role", first, c"not supported by this build yet"));
        }
        None if first.to_bytes().first() == Some(&b'-') => parse_run(argv, 1, envp, plan)?,
        _ => {
            return Err(Failure::usage(c"role", first, c"unknown role")
                .hint(c"to run a program, put -- before it: nook [OPTIONS] -- PROGRAM"));
        }
    }
    Ok(plan_action(plan))
}

fn plan_action(plan: &RunPlan) -> Action {
    if plan.program().is_empty() { Action::Help } else { Action::Run }
}

/// A cursor over argv. The values it reads belong to the option it read
/// last, which their errors name.
struct Cursor<'a> {
    argv: Argv<'a>,
    next: usize,
    option: &'a CStr,
}

impl<'a> Cursor<'a> {
    /// The next option. None at the end, after `--` (consumed), or at the
    /// first word that is not an option (left for PROGRAM).
    fn next_option(&mut self) -> Option<&'a CStr> {
        let arg = self.argv.get(self.next)?;
        let bytes = arg.to_bytes();
        if bytes.first() != Some(&b'-') {
            return None;
        }
        self.next += 1;
        self.option = arg;
        (bytes != b"--").then_some(arg)
    }

    fn value(&mut self) -> Result<'a, &'a CStr> {
        let v = self.argv.get(self.next).ok_or_else(|| Failure::option(self.option, c"missing value"))?;
        self.next += 1;
        Ok(v)
    }

    /// A path value: non-empty, shorter than PATH_MAX.
    fn path(&mut self) -> Result<'a, &'a CStr> {
        let v = self.value()?;
        check_path(self.option, v)?;
        Ok(v)
    }

    /// A path that must be absolute: DEST and the like.
    fn absolute(&mut self) -> Result<'a, &'a CStr> {
        let v = self.path()?;
        if v.to_bytes()[0] != b'/' {
            return Err(Failure::option(self.option, c"needs an absolute path")
                .hint(c"paths inside the container start with /"));
        }
        Ok(v)
    }

    /// The DEST of an operation that mounts or creates something: an
    /// absolute path that does not name the root itself (`/`, `//`, `/.`,
    /// `/..`), which is --root's. A mount on it would sit above the
    /// process's root, unseen.
    fn dest(&mut self) -> Result<'a, &'a CStr> {
        let v = self.absolute()?;
        // Only slashes and dots, never three dots in a row ("..." is a name).
        let mut dots = 0;
        if v.to_bytes().iter().all(|&c| {
            dots = if c == b'.' { dots + 1 } else { 0 };
            (c == b'/' || c == b'.') && dots < 3
        }) {
            return Err(Failure::option(self.option, c"cannot mount or create on / itself")
                .hint(c"the root is --root DIR's (read-only host: --root / --ro-root)"));
        }
        Ok(v)
    }
}

fn check_path<'a>(option: &'a CStr, v: &'a CStr) -> Result<'a, ()> {
    if v.is_empty() {
        return Err(Failure::option(option, c"empty path"));
    }
    if v.to_bytes().len() >= PATH_MAX {
        return Err(Failure::new(c"option", option, rustix::io::Errno::NAMETOOLONG));
    }
    Ok(())
}

/// Tmpfs/dir modifiers given before the operation they apply to.
#[derive(Default)]
struct Pending<'a> {
    size: Option<(u64, &'a CStr)>,
    perms: Option<(u32, &'a CStr)>,
}

/// The options of `run`. Matching through this table (rather than a `match`
/// on byte strings, which compiles to a byte-by-byte compare per option)
/// keeps the binary small.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Opt {
    Help, Version, UnshareUser, MapRoot, MapUser, MapGroup, UidMap, GidMap, Setgroups, Propagation,
    Root, KeepOldRoot, RoRoot, Bind(BindKind, bool), Size, Perms, Tmpfs, Dir, Symlink, RemountRo,
    Make(MakeKind), Chdir, Clearenv, Setenv, Unsetenv, UnsharePid, Proc, NoInit, DieWithParent,
    Unshare(Bit), UnshareAll, Hostname, Dev, Sys, Mqueue, CapDrop, CapAdd, NewSession, Fd(FdKind), Pid,
}

/// A CLONE_NEW* flag as its bit number: a byte, where the flag would make
/// every entry of the option table twice as large.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Bit(u8);

const fn bit(flag: u32) -> Bit {
    Bit(flag.trailing_zeros() as u8)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum FdKind {
    Info, JsonStatus, Block, Sync,
}

use linux_raw_sys::general as k;

/// The namespaces of `--unshare-all` beyond user, mount and PID.
pub const ALL_NAMESPACES: u32 =
    k::CLONE_NEWUTS | k::CLONE_NEWIPC | k::CLONE_NEWNET | k::CLONE_NEWCGROUP | k::CLONE_NEWTIME;

const RUN_OPTIONS: Words<Opt> = words![
    "--help" => Opt::Help, "-h" => Opt::Help, "--version" => Opt::Version, "-V" => Opt::Version,
    "--unshare-user" => Opt::UnshareUser, "--map-root" => Opt::MapRoot, "--map-user" => Opt::MapUser,
    "--map-group" => Opt::MapGroup, "--uid-map" => Opt::UidMap, "--gid-map" => Opt::GidMap,
    "--setgroups" => Opt::Setgroups, "--propagation" => Opt::Propagation, "--root" => Opt::Root,
    "--keep-old-root" => Opt::KeepOldRoot, "--ro-root" => Opt::RoRoot,
    "--bind" => Opt::Bind(BindKind::ReadWrite, false), "--bind-try" => Opt::Bind(BindKind::ReadWrite, true),
    "--ro-bind" => Opt::Bind(BindKind::ReadOnly, false), "--ro-bind-try" => Opt::Bind(BindKind::ReadOnly, true),
    "--dev-bind" => Opt::Bind(BindKind::Devices, false), "--dev-bind-try" => Opt::Bind(BindKind::Devices, true),
    "--size" => Opt::Size, "--perms" => Opt::Perms, "--tmpfs" => Opt::Tmpfs, "--dir" => Opt::Dir,
    "--symlink" => Opt::Symlink, "--remount-ro" => Opt::RemountRo, "--make-shared" => Opt::Make(MakeKind::Shared),
    "--make-slave" => Opt::Make(MakeKind::Slave), "--make-private" => Opt::Make(MakeKind::Private),
    "--make-unbindable" => Opt::Make(MakeKind::Unbindable), "--chdir" => Opt::Chdir, "--clearenv" => Opt::Clearenv,
    "--setenv" => Opt::Setenv, "--unsetenv" => Opt::Unsetenv, "--unshare-pid" => Opt::UnsharePid,
    "--proc" => Opt::Proc, "--no-init" => Opt::NoInit, "--die-with-parent" => Opt::DieWithParent,
    "--unshare-uts" => Opt::Unshare(bit(k::CLONE_NEWUTS)), "--unshare-ipc" => Opt::Unshare(bit(k::CLONE_NEWIPC)),
    "--unshare-net" => Opt::Unshare(bit(k::CLONE_NEWNET)), "--unshare-cgroup" => Opt::Unshare(bit(k::CLONE_NEWCGROUP)),
    "--unshare-time" => Opt::Unshare(bit(k::CLONE_NEWTIME)), "--unshare-all" => Opt::UnshareAll,
    "--hostname" => Opt::Hostname, "--dev" => Opt::Dev, "--sys" => Opt::Sys, "--mqueue" => Opt::Mqueue,
    "--cap-drop" => Opt::CapDrop, "--cap-add" => Opt::CapAdd, "--new-session" => Opt::NewSession,
    "--info-fd" => Opt::Fd(FdKind::Info), "--json-status-fd" => Opt::Fd(FdKind::JsonStatus),
    "--block-fd" => Opt::Fd(FdKind::Block), "--sync-fd" => Opt::Fd(FdKind::Sync), "--pid" => Opt::Pid,
];


fn run_option(word: &[u8]) -> Option<Opt> {
    RUN_OPTIONS.find(word)
}

fn parse_run<'a>(argv: Argv<'a>, start: usize, envp: Argv<'a>, plan: &mut RunPlan<'a>) -> Result<'a, ()> {
    apply_environment(envp, plan)?;
    // NOOK_ROOT and NOOK_HOSTNAME may be overridden once by the option; a
    // second one on argv is an error.
    let mut root_from_env = plan.root.is_some();
    let mut hostname_from_env = plan.hostname.is_some();
    let mut cur = Cursor { argv, next: start, option: c"" };
    let mut pending = Pending::default();
    let mut seen_propagation = false;
    // The PID-1 option given on argv, if any: refused without --unshare-pid
    // (the same variables in the environment are ignored then).
    let mut init_on_argv = None;
    while let Some(arg) = cur.next_option() {
        let opt = run_option(arg.to_bytes());
        if pending_blocks(&pending, opt) {
            let owner = pending.size.map(|s| s.1).or(pending.perms.map(|p| p.1)).unwrap_or(arg);
            return Err(Failure::option(owner, c"must come right before the operation it modifies")
                .hint(c"e.g. --size 1048576 --perms 1777 --tmpfs /tmp"));
        }
        let Some(opt) = opt else {
            if init_option(&mut cur, arg, &mut plan.init)? {
                init_on_argv = Some(arg);
                continue;
            }
            if sandbox::option(&mut cur, arg, &mut plan.sandbox)? {
                continue;
            }
            return Err(Failure::option(arg, c"unknown option").hint(c"see nook --help"));
        };
        match opt {
            Opt::Help => {
                plan.program = None;
                return Ok(());
            }
            Opt::Version => return Err(Failure::option(arg, c"must come first")),
            Opt::Pid => return Err(Failure::option(arg, c"belongs to nook enter")),
            Opt::UnshareUser => plan.user.requested = true,
            Opt::MapRoot => {
                set_once(&mut plan.user.map_user, 0, arg)?;
                plan.user.requested = true;
            }
            Opt::MapUser | Opt::MapGroup => {
                let v = cur.value()?;
                let id = number(arg, v, 10, u32::MAX as u64 - 1)? as u32;
                let slot = if opt == Opt::MapUser { &mut plan.user.map_user } else { &mut plan.user.map_group };
                set_once(slot, id, arg)?;
                plan.user.requested = true;
            }
            Opt::UidMap | Opt::GidMap => {
                let v = cur.value()?;
                let range = id_range(arg, v)?;
                let map = if opt == Opt::UidMap { &mut plan.user.uid_map } else { &mut plan.user.gid_map };
                if map.iter().any(|r| overlaps(r, &range)) {
                    return Err(Failure::option(v, c"overlaps an earlier range of the same map"));
                }
                map.push(range).map_err(|_| Failure::option(arg, c"too many ranges"))?;
                plan.user.requested = true;
            }
            Opt::Setgroups => {
                let v = cur.value()?;
                let choice = words!["allow" => Setgroups::Allow, "deny" => Setgroups::Deny].find(v.to_bytes())
                    .ok_or_else(|| Failure::option(v, c"is not allow or deny"))?;
                if plan.user.setgroups != Setgroups::Unset {
                    return Err(Failure::option(arg, c"given twice"));
                }
                plan.user.setgroups = choice;
                plan.user.requested = true;
            }
            Opt::Propagation => {
                let v = cur.value()?;
                if seen_propagation {
                    return Err(Failure::option(arg, c"given twice"));
                }
                seen_propagation = true;
                plan.propagation = propagation(v)?;
            }
            Opt::Root => {
                let v = cur.path()?;
                set_over_env(&mut plan.root, &mut root_from_env, v, arg)?;
            }
            Opt::KeepOldRoot => {
                let v = cur.absolute()?;
                set_once(&mut plan.keep_old_root, v, arg)?;
            }
            Opt::RoRoot => plan.ro_root = true,
            Opt::Bind(kind, optional) => {
                let src = cur.path()?;
                let dest = cur.dest()?;
                push(plan, arg, Op::Bind { src, dest, kind, optional })?;
            }
            Opt::Size => {
                let v = cur.value()?;
                pending.size = Some((size(arg, v)?, arg));
            }
            Opt::Perms => {
                let v = cur.value()?;
                pending.perms = Some((number(arg, v, 8, 0o7777)? as u32, arg));
            }
            Opt::Tmpfs | Opt::Dir => {
                let dest = cur.dest()?;
                let perms = pending.perms.map(|p| p.0);
                let op = match opt {
                    Opt::Tmpfs => Op::Tmpfs { dest, size: pending.size.map(|s| s.0), perms },
                    _ => Op::Dir { dest, perms },
                };
                pending = Pending::default();
                push(plan, arg, op)?;
            }
            Opt::Symlink => {
                let target = cur.path()?;
                let link = cur.dest()?;
                push(plan, arg, Op::Symlink { target, link })?;
            }
            Opt::RemountRo => {
                let dest = cur.absolute()?;
                push(plan, arg, Op::RemountRo { dest })?;
            }
            Opt::Make(kind) => {
                let dest = cur.absolute()?;
                push(plan, arg, Op::Make { dest, kind })?;
            }
            Opt::Chdir | Opt::Clearenv | Opt::Setenv | Opt::Unsetenv => process_option(&mut cur, arg, opt, plan)?,
            Opt::UnsharePid => plan.pid_ns = true,
            Opt::Proc | Opt::Dev | Opt::Sys | Opt::Mqueue => {
                let dest = cur.dest()?;
                let op = match opt {
                    Opt::Proc => Op::Proc { dest },
                    Opt::Dev => Op::Dev { dest },
                    Opt::Sys => Op::Sys { dest },
                    _ => Op::Mqueue { dest },
                };
                push(plan, arg, op)?;
            }
            Opt::NoInit => plan.no_init = true,
            Opt::DieWithParent => plan.die_with_parent = true,
            Opt::Unshare(Bit(n)) => plan.namespaces |= 1 << n,
            Opt::UnshareAll => {
                plan.namespaces |= ALL_NAMESPACES;
                plan.pid_ns = true;
                plan.user.requested = true;
            }
            Opt::Hostname => {
                let v = cur.value()?;
                set_over_env(&mut plan.hostname, &mut hostname_from_env, v, arg)?;
                hostname(arg, v)?;
            }
            Opt::CapDrop | Opt::CapAdd => {
                let v = cur.value()?;
                let mask = crate::cli::values::capability(v.to_bytes())
                    .ok_or_else(|| bad_value(arg, v, c"is not a capability name or ALL"))?;
                let edit = plan.caps.get_or_insert_default();
                if opt == Opt::CapDrop {
                    edit.drop |= mask;
                    edit.add &= !mask;
                } else {
                    edit.add |= mask;
                    edit.drop &= !mask;
                }
            }
            Opt::NewSession => plan.init.new_session = true,
            Opt::Fd(kind) => {
                let fd = open_fd(arg, cur.value()?)?;
                let slot = match kind {
                    FdKind::Info => &mut plan.fds.info,
                    FdKind::JsonStatus => &mut plan.fds.json_status,
                    FdKind::Block => &mut plan.fds.block,
                    FdKind::Sync => &mut plan.fds.sync,
                };
                set_once(slot, fd, arg)?;
            }
        }
    }
    if let Some((_, owner)) = pending.size.or(pending.perms.map(|(p, o)| (p as u64, o))) {
        return Err(Failure::option(owner, c"is not followed by the operation it modifies"));
    }
    let at = cur.next;
    if plan.namespaces & k::CLONE_NEWIPC == 0
        && let Some(mq) = plan.ops.iter().find(|op| matches!(op, Op::Mqueue { .. }))
    {
        return Err(Failure::new(c"mount mqueue on", mq.dest(), rustix::io::Errno::PERM)
            .hint(c"mqueue needs its own IPC namespace; add --unshare-ipc"));
    }
    if plan.fds.info.is_some() && plan.fds.info == plan.fds.json_status {
        return Err(Failure::option(c"--json-status-fd", c"must differ from --info-fd (which is closed after its one line)"));
    }
    if plan.hostname.is_some() && plan.namespaces & k::CLONE_NEWUTS == 0 {
        return Err(Failure::option(c"--hostname", c"needs --unshare-uts"));
    }
    if !plan.pid_ns {
        if let Some(proc) = plan.ops.iter().find(|op| matches!(op, Op::Proc { .. })) {
            return Err(Failure::new(c"mount proc on", proc.dest(), rustix::io::Errno::PERM)
                .hint(c"proc needs its own PID namespace; add --unshare-pid"));
        }
        if let Some(option) = init_on_argv {
            return Err(Failure::option(option, c"needs --unshare-pid").hint(c"or use nook init"));
        }
    }
    if plan.keep_old_root.is_some() && plan.root.is_none() {
        return Err(Failure::option(c"--keep-old-root", c"needs --root"));
    }
    if plan.user.map_user.is_some() && !plan.user.uid_map.is_empty() {
        return Err(Failure::option(c"--map-user", c"conflicts with --uid-map"));
    }
    if plan.user.map_group.is_some() && !plan.user.gid_map.is_empty() {
        return Err(Failure::option(c"--map-group", c"conflicts with --gid-map"));
    }
    program(argv, at, plan)
}

/// `--chdir` and the environment edits: shared by `run` and `enter`.
fn process_option<'a>(cur: &mut Cursor<'a>, arg: &'a CStr, opt: Opt, plan: &mut RunPlan<'a>) -> Result<'a, ()> {
    match opt {
        Opt::Chdir => {
            let v = cur.absolute()?;
            set_once(&mut plan.chdir, v, arg)
        }
        Opt::Clearenv => env_edit(plan, arg, EnvEdit::Clear),
        Opt::Setenv => {
            let name = env_name(arg, cur.value()?)?;
            let value = cur.value()?;
            env_edit(plan, arg, EnvEdit::Set { name, value })
        }
        _ => {
            let name = env_name(arg, cur.value()?)?;
            env_edit(plan, arg, EnvEdit::Unset { name })
        }
    }
}

/// The value of `--hostname` or NOOK_HOSTNAME.
fn hostname<'a>(option: &'a CStr, name: &'a CStr) -> Result<'a, &'a CStr> {
    if name.is_empty() || name.to_bytes().len() > HOSTNAME_MAX {
        return Err(bad_value(option, name, c"is not a host name of 1 to 64 bytes"));
    }
    Ok(name)
}

/// A file descriptor number that must be open now, and not 0, 1 or 2: nook
/// closes or reads each of these fds at a moment of its own, and PROGRAM
/// must start with its stdin, stdout and stderr.
fn open_fd<'a>(option: &'a CStr, v: &'a CStr) -> Result<'a, i32> {
    let fd = number(option, v, 10, i32::MAX as u64)? as i32;
    if fd < 3 {
        return Err(Failure::option(option, c"cannot be 0, 1 or 2: they stay PROGRAM's stdio").hint(c"give the wrapper's end an fd of its own, e.g. 3>&1"));
    }
    // SAFETY: only queried (fcntl F_GETFD); nook does not take ownership.
    let borrowed = unsafe { rustix::fd::BorrowedFd::borrow_raw(fd) };
    rustix::io::fcntl_getfd(borrowed).map_err(|e| Failure::new(c"option", option, e).hint(c"the fd is not open"))?;
    Ok(fd)
}

/// `nook enter --pid PID [--chdir DIR] [--clearenv] [--setenv VAR VALUE]
/// [--unsetenv VAR] [SANDBOX-OPTIONS] [--] PROGRAM [ARG...]`
fn parse_enter<'a>(argv: Argv<'a>, envp: Argv<'a>, plan: &mut RunPlan<'a>) -> Result<'a, ()> {
    apply_environment(envp, plan)?;
    let mut cur = Cursor { argv, next: 2, option: c"" };
    while let Some(arg) = cur.next_option() {
        match run_option(arg.to_bytes()) {
            Some(Opt::Help) => return Ok(()),
            Some(Opt::Pid) => {
                let v = cur.value()?;
                number(arg, v, 10, i32::MAX as u64)
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| bad_value(arg, v, c"is not a process id"))?;
                set_once(&mut plan.enter_pid, v, arg)?;
            }
            Some(opt @ (Opt::Chdir | Opt::Clearenv | Opt::Setenv | Opt::Unsetenv)) => process_option(&mut cur, arg, opt, plan)?,
            _ if sandbox::option(&mut cur, arg, &mut plan.sandbox)? => {}
            _ => return Err(Failure::option(arg, c"unknown enter option").hint(c"see nook --help")),
        }
    }
    if plan.enter_pid.is_none() {
        return Err(Failure::option(c"--pid", c"is required").hint(c"nook enter --pid PID -- PROGRAM"));
    }
    program(argv, cur.next, plan)
}

/// The longest --grace: a day.
const MAX_GRACE: u64 = 86_400;

#[derive(Clone, Copy)]
enum InitOpt {
    SignalGroup, Subreaper, NewSession, Grace, Pdeathsig,
}

const INIT_OPTIONS: Words<InitOpt> = words![
    "--signal-group" => InitOpt::SignalGroup, "--subreaper" => InitOpt::Subreaper, "--new-session" => InitOpt::NewSession, "--grace" => InitOpt::Grace, "--pdeathsig" => InitOpt::Pdeathsig,
];

/// The PID-1 options common to `run` and `init`; false when `arg` is not one.
fn init_option<'a>(cur: &mut Cursor<'a>, arg: &'a CStr, init: &mut crate::plan::InitOptions) -> Result<'a, bool> {
    match INIT_OPTIONS.find(arg.to_bytes()) {
        None => return Ok(false),
        Some(InitOpt::SignalGroup) => init.signal_group = true,
        Some(InitOpt::Subreaper) => init.subreaper = true,
        Some(InitOpt::NewSession) => init.new_session = true,
        Some(InitOpt::Grace) => {
            let v = cur.value()?;
            init.grace = number(arg, v, 10, MAX_GRACE)? as u32;
        }
        Some(InitOpt::Pdeathsig) => {
            let v = cur.value()?;
            init.pdeathsig = Some(
                crate::base::num::signal_number(v.to_bytes())
                    .ok_or_else(|| bad_value(arg, v, c"is not a signal name or number"))?,
            );
        }
    }
    Ok(true)
}

/// `nook init [INIT-OPTIONS] [--] PROGRAM [ARG...]`
fn parse_init<'a>(argv: Argv<'a>, envp: Argv<'a>, plan: &mut RunPlan<'a>) -> Result<'a, ()> {
    apply_environment(envp, plan)?;
    let mut cur = Cursor { argv, next: 2, option: c"" };
    while let Some(arg) = cur.next_option() {
        match run_option(arg.to_bytes()) {
            Some(Opt::Help) => return Ok(()),
            _ if init_option(&mut cur, arg, &mut plan.init)? => {}
            _ if sandbox::option(&mut cur, arg, &mut plan.sandbox)? => {}
            _ => return Err(Failure::option(arg, c"unknown init option").hint(c"see nook --help")),
        }
    }
    program(argv, cur.next, plan)
}

/// PROGRAM [ARG...] from argv[at], which must name something.
fn program<'a>(argv: Argv<'a>, at: usize, plan: &mut RunPlan<'a>) -> Result<'a, ()> {
    match argv.get(at) {
        None => Err(Failure::usage(c"usage", c"PROGRAM", c"no program given").hint(c"nook [OPTIONS] -- PROGRAM [ARG...]")),
        Some(p) if p.is_empty() => Err(Failure::usage(c"usage", c"PROGRAM", c"empty program name")),
        Some(_) => {
            plan.program = Some(argv.tail(at));
            Ok(())
        }
    }
}

/// Splits "NAME=value" into the name and a C string of the value.
pub fn split_env(entry: &CStr) -> Option<(&[u8], &CStr)> {
    let bytes = entry.to_bytes();
    let eq = bytes.iter().position(|&b| b == b'=')?;
    Some((&bytes[..eq], crate::base::text::c_tail(entry, eq + 1)))
}

fn basename(path: &CStr) -> &[u8] {
    let b = path.to_bytes();
    match b.iter().rposition(|&c| c == b'/') {
        Some(i) => &b[i + 1..],
        None => b,
    }
}

/// Only --dir and --tmpfs take modifiers, and the other modifier may stand
/// between: anything else breaks the pairing.
fn pending_blocks(pending: &Pending, opt: Option<Opt>) -> bool {
    match opt {
        Some(Opt::Tmpfs | Opt::Size | Opt::Perms) => false,
        Some(Opt::Dir) => pending.size.is_some(),
        _ => pending.size.is_some() || pending.perms.is_some(),
    }
}

fn set_once<'a, T>(slot: &mut Option<T>, value: T, option: &'a CStr) -> Result<'a, ()> {
    if slot.is_some() {
        return Err(Failure::option(option, c"given twice"));
    }
    *slot = Some(value);
    Ok(())
}

/// Like [`set_once`], but a value that came from a NOOK_* variable
/// (`from_env`) gives way to argv, once.
fn set_over_env<'a, T>(slot: &mut Option<T>, from_env: &mut bool, value: T, option: &'a CStr) -> Result<'a, ()> {
    if core::mem::take(from_env) {
        *slot = None;
    }
    set_once(slot, value, option)
}

fn push<'a>(plan: &mut RunPlan<'a>, option: &'a CStr, op: Op<'a>) -> Result<'a, ()> {
    plan.ops.push(op).map_err(|_| Failure::option(option, c"more mount operations than nook holds (2048)"))
}

fn env_edit<'a>(plan: &mut RunPlan<'a>, option: &'a CStr, edit: EnvEdit<'a>) -> Result<'a, ()> {
    plan.env_edits.push(edit).map_err(|_| Failure::option(option, c"too many environment edits (256)"))
}

fn env_name<'a>(option: &'a CStr, name: &'a CStr) -> Result<'a, &'a CStr> {
    if name.is_empty() || crate::base::text::has_byte(name.to_bytes(), b'=') {
        return Err(Failure::option(option, c"needs a variable name without ="));
    }
    Ok(name)
}

pub mod help;
mod env;
mod sandbox;
mod switch_root;
pub mod values;
use env::apply_environment;

#[cfg(test)]
mod tests;
