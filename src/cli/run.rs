//! `nook [run] [OPTIONS] [--] PROGRAM [ARG...]`: the options of `run`,
//! read left to right into the plan. `enter` shares the process options
//! (`--chdir` and the environment edits) and this table's words for them.

// A build with enter but not run reads only the process options' half.
#![cfg_attr(not(feature = "run"), allow(dead_code))]

use crate::base::packed::say;
use super::init::init_option;
use super::{Cursor, program, sandbox, set_once, set_over_env};
use crate::base::error::{Failure, Result};
use crate::base::words::{Words, named, words};
use crate::cli::values::{bad_value, hostname, id_range, number, open_fd, overlaps, propagation, size};
use crate::plan::{Argv, BindKind, CapEdit, EnvEdit, MakeKind, Op, RunPlan, Setgroups};
use core::ffi::CStr;

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
pub(super) enum Opt {
    Help, Version, Switch(Flag), MapId(Id), IdMap(bool), Setgroups, Propagation,
    Root, KeepOldRoot, Bind(BindKind, bool), Modifier(bool), New(bool), Symlink,
    Make(Option<MakeKind>), Process(ProcessOpt), Mount(Fs),
    Unshare(Bit), UnshareAll, Hostname, Cap(bool), Fd(FdKind), Pid,
}

/// The options that only switch something on: one arm of the option
/// match (and one slot of its jump table, 8 bytes a variant) for all.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Flag {
    UnshareUser, RoRoot, UnsharePid, NoInit, DieWithParent, NewSession,
}

/// The one id `--map-root`, `--map-user` and `--map-group` map to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Id {
    Root, User, Group,
}

/// `--chdir` and the environment edits, which `enter` and nook as bwrap
/// read too (see [`process_option`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum ProcessOpt {
    Chdir, Clearenv, Setenv, Unsetenv,
}

/// The environment edits by their old names, for nook as bwrap's table.
#[allow(non_upper_case_globals)]
impl Opt {
    pub(super) const Clearenv: Opt = Opt::Process(ProcessOpt::Clearenv);
    pub(super) const Setenv: Opt = Opt::Process(ProcessOpt::Setenv);
    pub(super) const Unsetenv: Opt = Opt::Process(ProcessOpt::Unsetenv);
}

/// The filesystems mounted on DEST by an option of their own.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Fs {
    Proc, Dev, Sys, Mqueue,
}

/// A CLONE_NEW* flag as its bit number: a byte, where the flag would make
/// every entry of the option table twice as large.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct Bit(pub(super) u8);

pub(super) const fn bit(flag: u32) -> Bit {
    Bit(flag.trailing_zeros() as u8)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum FdKind {
    Info, JsonStatus, Block, Sync,
}

/// The plan's slot for a wrapper fd of `kind` (nook's options and bwrap's).
pub(super) fn fd_slot<'p>(plan: &'p mut RunPlan, kind: FdKind) -> &'p mut Option<i32> {
    match kind {
        FdKind::Info => &mut plan.fds.info,
        FdKind::JsonStatus => &mut plan.fds.json_status,
        FdKind::Block => &mut plan.fds.block,
        FdKind::Sync => &mut plan.fds.sync,
    }
}

use linux_raw_sys::general as k;

/// The namespaces of `--unshare-all` beyond user, mount and PID.
pub const ALL_NAMESPACES: u32 =
    k::CLONE_NEWUTS | k::CLONE_NEWIPC | k::CLONE_NEWNET | k::CLONE_NEWCGROUP | k::CLONE_NEWTIME;

pub(super) const RUN_OPTIONS: Words<Opt> = words![
    "--help" => Opt::Help, "-h" => Opt::Help, "--version" => Opt::Version, "-V" => Opt::Version,
    "--unshare-user" => Opt::Switch(Flag::UnshareUser), "--map-root" => Opt::MapId(Id::Root), "--map-user" => Opt::MapId(Id::User),
    "--map-group" => Opt::MapId(Id::Group), "--uid-map" => Opt::IdMap(false), "--gid-map" => Opt::IdMap(true),
    "--setgroups" => Opt::Setgroups, "--propagation" => Opt::Propagation, "--root" => Opt::Root,
    "--keep-old-root" => Opt::KeepOldRoot, "--ro-root" => Opt::Switch(Flag::RoRoot),
    "--bind" => Opt::Bind(BindKind::ReadWrite, false), "--bind-try" => Opt::Bind(BindKind::ReadWrite, true),
    "--ro-bind" => Opt::Bind(BindKind::ReadOnly, false), "--ro-bind-try" => Opt::Bind(BindKind::ReadOnly, true),
    "--dev-bind" => Opt::Bind(BindKind::Devices, false), "--dev-bind-try" => Opt::Bind(BindKind::Devices, true),
    "--size" => Opt::Modifier(false), "--perms" => Opt::Modifier(true), "--tmpfs" => Opt::New(true), "--dir" => Opt::New(false),
    "--symlink" => Opt::Symlink, "--remount-ro" => Opt::Make(None), "--make-shared" => Opt::Make(Some(MakeKind::Shared)),
    "--make-slave" => Opt::Make(Some(MakeKind::Slave)), "--make-private" => Opt::Make(Some(MakeKind::Private)),
    "--make-unbindable" => Opt::Make(Some(MakeKind::Unbindable)), "--chdir" => Opt::Process(ProcessOpt::Chdir), "--clearenv" => Opt::Clearenv,
    "--setenv" => Opt::Setenv, "--unsetenv" => Opt::Unsetenv, "--unshare-pid" => Opt::Switch(Flag::UnsharePid),
    "--proc" => Opt::Mount(Fs::Proc), "--no-init" => Opt::Switch(Flag::NoInit), "--die-with-parent" => Opt::Switch(Flag::DieWithParent),
    "--unshare-uts" => Opt::Unshare(bit(k::CLONE_NEWUTS)), "--unshare-ipc" => Opt::Unshare(bit(k::CLONE_NEWIPC)),
    "--unshare-net" => Opt::Unshare(bit(k::CLONE_NEWNET)), "--unshare-cgroup" => Opt::Unshare(bit(k::CLONE_NEWCGROUP)),
    "--unshare-time" => Opt::Unshare(bit(k::CLONE_NEWTIME)), "--unshare-all" => Opt::UnshareAll,
    "--hostname" => Opt::Hostname, "--dev" => Opt::Mount(Fs::Dev), "--sys" => Opt::Mount(Fs::Sys), "--mqueue" => Opt::Mount(Fs::Mqueue),
    "--cap-drop" => Opt::Cap(false), "--cap-add" => Opt::Cap(true), "--new-session" => Opt::Switch(Flag::NewSession),
    "--info-fd" => Opt::Fd(FdKind::Info), "--json-status-fd" => Opt::Fd(FdKind::JsonStatus),
    "--block-fd" => Opt::Fd(FdKind::Block), "--sync-fd" => Opt::Fd(FdKind::Sync), "--pid" => Opt::Pid,
];

/// The `run` option `word` names (`enter` and `init` read their shared
/// words through it too).
pub(super) fn run_option(word: &[u8]) -> Option<Opt> {
    RUN_OPTIONS.find(word)
}

/// Reads `run`'s options from argv[start] on, then PROGRAM.
/// Never inlined: build.rs keeps it out of PID 1's segment, and inlined
/// into `cli::parse` it would be in it.
#[inline(never)]
pub(super) fn parse<'a>(argv: Argv<'a>, start: usize, plan: &mut RunPlan<'a>) -> Result<'a, ()> {
    // NOOK_ROOT and NOOK_HOSTNAME may be overridden once by the option; a
    // second one on argv is an error. Whether the option came, not whether
    // the slot was set: a read of the plan's page of flags before its first
    // write here maps the zero page, and the write then faults again.
    let mut root_on_argv = false;
    let mut hostname_on_argv = false;
    let mut cur = Cursor::new(argv, start);
    let mut pending = Pending::default();
    let mut seen_propagation = false;
    // The PID-1 option given on argv, if any: refused without --unshare-pid
    // (the same variables in the environment are ignored then).
    let mut init_on_argv = None;
    while let Some(arg) = cur.next_option()? {
        let opt = run_option(super::name(arg));
        if pending_blocks(&pending, opt) {
            let owner = pending.size.map(|s| s.1).or(pending.perms.map(|p| p.1)).unwrap_or(arg);
            return Err(Failure::option(owner, say!("must come right before the operation it modifies"))
                .hint(say!("e.g. --size 1048576 --perms 1777 --tmpfs /tmp")));
        }
        let Some(opt) = opt else {
            let at = cur.next - 1;
            if let Some(init_opt) = init_option(&mut cur, arg, plan)? {
                init_on_argv = Some(arg);
                // The init that run re-executes gets these words as given,
                // but for those it gets from the plan.
                let words = if init_opt.plan_hands_on() { at..at } else { at..cur.next };
                for word in words.filter_map(|i| argv.get(i)) {
                    plan.init_words.push(word).map_err(|_| Failure::new(c"option", arg, rustix::io::Errno::TOOBIG))?;
                }
                continue;
            }
            if sandbox::option(&mut cur, arg, &mut plan.process.sandbox)? {
                continue;
            }
            return Err(super::suggest::unknown(arg, say!("unknown option")));
        };
        match opt {
            Opt::Help => {
                plan.process.program = None;
                return Ok(());
            }
            Opt::Version => return Err(Failure::option(arg, say!("must come first"))),
            Opt::Pid => return Err(Failure::option(arg, say!("belongs to nook enter"))),
            // The options that only switch something on.
            Opt::Switch(flag) => {
                *match flag {
                    Flag::UnshareUser => &mut plan.user.requested,
                    Flag::RoRoot => &mut plan.ro_root,
                    Flag::UnsharePid => &mut plan.pid_ns,
                    Flag::NoInit => &mut plan.no_init,
                    Flag::DieWithParent => &mut plan.die_with_parent,
                    Flag::NewSession => &mut plan.process.new_session,
                } = true;
            }
            Opt::MapId(which) => {
                // --map-root takes no value: it maps 0.
                let id = match which {
                    Id::Root => 0,
                    _ => number(arg, cur.value()?, 10, u32::MAX as u64 - 1)? as u32,
                };
                let slot = if which == Id::Group { &mut plan.user.map_group } else { &mut plan.user.map_user };
                set_once(slot, id, arg)?;
                plan.user.requested = true;
            }
            Opt::IdMap(group) => {
                let v = cur.value()?;
                let range = id_range(arg, v)?;
                let map = if group { &mut plan.user.gid_map } else { &mut plan.user.uid_map };
                if map.iter().any(|r| overlaps(r, &range)) {
                    return Err(Failure::value(arg, v, say!("overlaps an earlier range of the same map")));
                }
                map.push(range).map_err(|_| Failure::option(arg, say!("too many ranges")))?;
                plan.user.requested = true;
            }
            Opt::Setgroups => {
                let v = cur.value()?;
                let choice = words!["allow" => Setgroups::Allow, "deny" => Setgroups::Deny].find(v.to_bytes())
                    .ok_or_else(|| Failure::value(arg, v, say!("is not allow or deny")))?;
                if plan.user.setgroups != Setgroups::Unset {
                    return Err(Failure::option(arg, say!("given twice")));
                }
                plan.user.setgroups = choice;
                plan.user.requested = true;
            }
            Opt::Propagation => {
                let v = cur.value()?;
                if seen_propagation {
                    return Err(Failure::option(arg, say!("given twice")));
                }
                seen_propagation = true;
                plan.propagation = propagation(arg, v)?;
            }
            Opt::Root => {
                let v = cur.path()?;
                set_over_env(&mut plan.root, &mut root_on_argv, v, arg)?;
            }
            Opt::KeepOldRoot => {
                let v = cur.absolute()?;
                set_once(&mut plan.keep_old_root, v, arg)?;
            }
            Opt::Bind(..) | Opt::Symlink => {
                let src = cur.path()?;
                let dest = cur.dest()?;
                let op = match opt {
                    Opt::Bind(kind, optional) => Op::Bind { src, dest, kind, optional },
                    _ => Op::Symlink { target: src, link: dest },
                };
                push(plan, arg, op)?;
            }
            Opt::Modifier(false) => {
                let v = cur.value()?;
                pending.size = Some((size(arg, v)?, arg));
            }
            Opt::Modifier(true) => {
                let v = cur.value()?;
                pending.perms = Some((number(arg, v, 8, 0o7777)? as u32, arg));
            }
            Opt::New(tmpfs) => {
                let dest = cur.dest()?;
                let perms = pending.perms.map(|p| p.0);
                let op = match tmpfs {
                    true => Op::Tmpfs { dest, size: pending.size.map(|s| s.0), perms },
                    false => Op::Dir { dest, perms },
                };
                pending = Pending::default();
                push(plan, arg, op)?;
            }
            Opt::Make(kind) => {
                let dest = cur.absolute()?;
                let op = match kind {
                    Some(kind) => Op::Make { dest, kind },
                    None => Op::RemountRo { dest },
                };
                push(plan, arg, op)?;
            }
            Opt::Process(_) => process_option(&mut cur, arg, opt, plan)?,
            Opt::Mount(fs) => {
                let dest = cur.dest()?;
                let op = match fs {
                    Fs::Proc => Op::Proc { dest },
                    Fs::Dev => Op::Dev { dest },
                    Fs::Sys => Op::Sys { dest },
                    Fs::Mqueue => Op::Mqueue { dest },
                };
                push(plan, arg, op)?;
            }
            Opt::Unshare(Bit(n)) => plan.namespaces |= 1 << n,
            Opt::UnshareAll => {
                plan.namespaces |= ALL_NAMESPACES;
                plan.pid_ns = true;
                plan.user.requested = true;
            }
            Opt::Hostname => {
                let v = cur.value()?;
                set_over_env(&mut plan.hostname, &mut hostname_on_argv, v, arg)?;
                hostname(arg, v)?;
            }
            Opt::Cap(add) => cap_option(&mut cur, arg, add, plan.process.caps.get_or_insert_default())?,
            Opt::Fd(kind) => {
                let fd = open_fd(arg, cur.value()?)?;
                set_once(fd_slot(plan, kind), fd, arg)?;
            }
        }
    }
    if let Some((_, owner)) = pending.size.or(pending.perms.map(|(p, o)| (p as u64, o))) {
        return Err(Failure::option(owner, say!("is not followed by the operation it modifies")));
    }
    let at = cur.next;
    if plan.namespaces & k::CLONE_NEWIPC == 0
        && let Some(mq) = plan.ops.iter().find(|op| matches!(op, Op::Mqueue { .. }))
    {
        return Err(Failure::new(say!("mount mqueue on"), mq.dest(), rustix::io::Errno::PERM)
            .hint(say!("mqueue needs its own IPC namespace; add --unshare-ipc")));
    }
    if plan.fds.info.is_some() && plan.fds.info == plan.fds.json_status {
        return Err(Failure::option(named!(RUN_OPTIONS, "--json-status-fd"), say!("must differ from --info-fd (which is closed after its one line)")));
    }
    if plan.hostname.is_some() && plan.namespaces & k::CLONE_NEWUTS == 0 {
        // Named as given: a NOOK_HOSTNAME from the environment is no option on argv.
        return Err(match hostname_on_argv {
            false => Failure::usage(say!("environment"), c"NOOK_HOSTNAME", say!("needs --unshare-uts")),
            true => Failure::option(named!(RUN_OPTIONS, "--hostname"), say!("needs --unshare-uts")),
        });
    }
    if !plan.pid_ns {
        if let Some(proc) = plan.ops.iter().find(|op| matches!(op, Op::Proc { .. })) {
            return Err(Failure::new(say!("mount proc on"), proc.dest(), rustix::io::Errno::PERM)
                .hint(say!("proc needs its own PID namespace; add --unshare-pid")));
        }
        if let Some(option) = init_on_argv {
            return Err(Failure::option(option, say!("needs --unshare-pid")).hint(say!("or use nook init")));
        }
        if plan.no_init {
            return Err(Failure::option(named!(RUN_OPTIONS, "--no-init"), say!("needs --unshare-pid")));
        }
    }
    // --no-init execs PROGRAM as PID 1: no init is left to act on these.
    if let Some(option) = init_on_argv.filter(|_| plan.no_init) {
        return Err(Failure::option(option, say!("conflicts with --no-init")).hint(say!("there is no init to do it")));
    }
    if plan.keep_old_root.is_some() && plan.root.is_none() {
        return Err(Failure::option(named!(RUN_OPTIONS, "--keep-old-root"), say!("needs --root")));
    }
    if plan.user.map_user.is_some() && !plan.user.uid_map.is_empty() {
        return Err(Failure::option(named!(RUN_OPTIONS, "--map-user"), say!("conflicts with --uid-map")));
    }
    if plan.user.map_group.is_some() && !plan.user.gid_map.is_empty() {
        return Err(Failure::option(named!(RUN_OPTIONS, "--map-group"), say!("conflicts with --gid-map")));
    }
    program(argv, at, plan)
}

/// `--cap-add CAP` (`add`) or `--cap-drop CAP` into `edit`: the later of
/// the two for a capability wins. Shared by `run` and nook as bwrap.
pub(super) fn cap_option<'a>(cur: &mut Cursor<'a>, arg: &'a CStr, add: bool, edit: &mut CapEdit) -> Result<'a, ()> {
    let v = cur.value()?;
    let mask = crate::cli::values::capability(v.to_bytes()).ok_or_else(|| bad_value(arg, v, say!("is not a capability name or ALL")))?;
    if add {
        edit.add |= mask;
        edit.drop &= !mask;
    } else {
        edit.drop |= mask;
        edit.add &= !mask;
    }
    Ok(())
}

/// `--chdir` and the environment edits: shared by `run` and `enter`.
pub(super) fn process_option<'a>(cur: &mut Cursor<'a>, arg: &'a CStr, opt: Opt, plan: &mut RunPlan<'a>) -> Result<'a, ()> {
    match opt {
        // nook as bwrap reads its own --chdir (any path, the last wins)
        // and hands on only the environment edits: without run and enter
        // the arm would be dead code in the binary.
        #[cfg(nook_own_process)]
        Opt::Process(ProcessOpt::Chdir) => {
            let v = cur.absolute()?;
            set_once(&mut plan.process.chdir, v, arg)
        }
        Opt::Process(ProcessOpt::Clearenv) => env_edit(plan, arg, EnvEdit::Clear),
        Opt::Process(ProcessOpt::Setenv) => {
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

/// Only --dir and --tmpfs take modifiers, and the other modifier may stand
/// between: anything else breaks the pairing.
fn pending_blocks(pending: &Pending, opt: Option<Opt>) -> bool {
    match opt {
        Some(Opt::New(true) | Opt::Modifier(_)) => false,
        Some(Opt::New(false)) => pending.size.is_some(),
        _ => pending.size.is_some() || pending.perms.is_some(),
    }
}

pub(super) fn push<'a>(plan: &mut RunPlan<'a>, option: &'a CStr, op: Op<'a>) -> Result<'a, ()> {
    plan.ops.push(op).map_err(|_| Failure::option(option, say!("more mount operations than nook holds (2048)")))
}

fn env_edit<'a>(plan: &mut RunPlan<'a>, option: &'a CStr, edit: EnvEdit<'a>) -> Result<'a, ()> {
    plan.process.env_edits.push(edit).map_err(|_| Failure::option(option, say!("too many environment edits (256)")))
}

fn env_name<'a>(option: &'a CStr, name: &'a CStr) -> Result<'a, &'a CStr> {
    if name.is_empty() || crate::base::text::has_byte(name.to_bytes(), b'=') {
        return Err(Failure::option(option, say!("needs a variable name without =")));
    }
    Ok(name)
}
