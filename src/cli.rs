//! argv and NOOK_* → a plan. Options are read strictly left to right; every
//! mistake is a usage error reported before anything changes.
//!
//! Each role has its own option table; a new role adds one arm to [`parse`]
//! and one parse function, nothing else.

use crate::error::{Failure, Object, Result};
use crate::plan::{Argv, BindKind, EnvEdit, IdRange, MakeKind, Op, Propagation, RunPlan};
use core::ffi::CStr;

/// What the command line asks nook to do.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    Run,
    Init,
    Help,
    Version,
}

/// The kernel's PATH_MAX: longer paths cannot name anything.
const PATH_MAX: usize = 4096;

/// The roles of PROTOCOL.md that later work will bring; until then they are
/// refused by name rather than mistaken for a PROGRAM.
const FUTURE_ROLES: &[&[u8]] = &[b"enter", b"switch-root", b"boot", b"mounts"];

/// Options PROTOCOL.md defines that this build does not carry out yet. They
/// are refused, never silently accepted.
const FUTURE_OPTIONS: &[&[u8]] = &[
    b"--unshare-uts", b"--unshare-ipc", b"--unshare-net", b"--unshare-cgroup", b"--unshare-time",
    b"--unshare-all", b"--hostname", b"--sys", b"--dev", b"--mqueue", b"--cap-drop", b"--cap-add",
    b"--new-session", b"--info-fd", b"--json-status-fd", b"--block-fd", b"--sync-fd",
];

/// NOOK_* variables that belong to options not carried out yet.
const FUTURE_VARIABLES: &[&[u8]] = &[b"NOOK_HOSTNAME"];

/// Parses argv (argv[0] included) and envp into `plan`.
pub fn parse<'a>(argv: Argv<'a>, envp: Argv<'a>, plan: &mut RunPlan<'a>) -> Result<'a, Action> {
    if let Some(name) = argv.get(0).map(basename) {
        if name == b"switch_root" {
            return Err(Failure::usage("role", "switch-root", "not supported by this build yet"));
        }
    }
    let first = match argv.get(1) {
        None => return Err(Failure::usage("usage", "PROGRAM", "nothing to run").hint("see nook --help")),
        Some(a) => a,
    };
    match first.to_bytes() {
        b"--help" | b"-h" => return Ok(Action::Help),
        b"--version" | b"-V" => return Ok(Action::Version),
        b"run" => parse_run(argv, 2, envp, plan)?,
        b"init" => {
            parse_init(argv, envp, plan)?;
            return Ok(if plan.program.is_empty() { Action::Help } else { Action::Init });
        }
        role if FUTURE_ROLES.contains(&role) => {
            return Err(Failure::usage("role", first, "not supported by this build yet"));
        }
        arg if arg.first() == Some(&b'-') => parse_run(argv, 1, envp, plan)?,
        _ => {
            return Err(Failure::usage("role", first, "unknown role")
                .hint("to run a program, put -- before it: nook [OPTIONS] -- PROGRAM"));
        }
    }
    Ok(plan_action(plan))
}

fn plan_action(plan: &RunPlan) -> Action {
    if plan.program.is_empty() { Action::Help } else { Action::Run }
}

/// A cursor over argv.
struct Cursor<'a> {
    argv: Argv<'a>,
    next: usize,
}

impl<'a> Cursor<'a> {
    fn value(&mut self, option: &'a CStr) -> Result<'a, &'a CStr> {
        let v = self.argv.get(self.next).ok_or_else(|| Failure::usage("option", option, "missing value"))?;
        self.next += 1;
        Ok(v)
    }

    /// A path value: non-empty, shorter than PATH_MAX.
    fn path(&mut self, option: &'a CStr) -> Result<'a, &'a CStr> {
        let v = self.value(option)?;
        check_path(option, v)?;
        Ok(v)
    }

    /// A path that must be absolute: DEST and the like.
    fn absolute(&mut self, option: &'a CStr) -> Result<'a, &'a CStr> {
        let v = self.path(option)?;
        if v.to_bytes()[0] != b'/' {
            return Err(Failure::usage("option", option, "needs an absolute path")
                .hint("paths inside the container start with /"));
        }
        Ok(v)
    }
}

fn check_path<'a>(option: &'a CStr, v: &'a CStr) -> Result<'a, ()> {
    if v.is_empty() {
        return Err(Failure::usage("option", option, "empty path"));
    }
    if v.to_bytes().len() >= PATH_MAX {
        return Err(Failure::new("option", option, rustix::io::Errno::NAMETOOLONG));
    }
    Ok(())
}

/// Tmpfs/dir modifiers given before the operation they apply to.
#[derive(Default)]
struct Pending<'a> {
    size: Option<(u64, &'a CStr)>,
    perms: Option<(u32, &'a CStr)>,
}

fn parse_run<'a>(argv: Argv<'a>, start: usize, envp: Argv<'a>, plan: &mut RunPlan<'a>) -> Result<'a, ()> {
    apply_environment(envp, plan)?;
    // Values that came from the environment may be overridden once by argv.
    let mut from_env = (plan.root.is_some(), true);
    let mut cur = Cursor { argv, next: start };
    let mut pending = Pending::default();
    let mut seen_propagation = false;
    while let Some(arg) = argv.get(cur.next) {
        cur.next += 1;
        let bytes = arg.to_bytes();
        if bytes == b"--" {
            break;
        }
        if bytes.first() != Some(&b'-') {
            cur.next -= 1;
            break;
        }
        if pending_blocks(&pending, bytes) {
            let owner = pending.size.map(|s| s.1).or(pending.perms.map(|p| p.1)).unwrap_or(arg);
            return Err(Failure::usage("option", owner, "must come right before the operation it modifies")
                .hint("e.g. --size 1048576 --perms 1777 --tmpfs /tmp"));
        }
        match bytes {
            b"--help" | b"-h" => {
                plan.program = Argv::empty();
                return Ok(());
            }
            b"--unshare-user" => plan.user.requested = true,
            b"--map-root" => {
                set_once(&mut plan.user.map_user, 0, arg)?;
                plan.user.requested = true;
            }
            b"--map-user" => {
                let v = cur.value(arg)?;
                set_once(&mut plan.user.map_user, number(arg, v, 10, u32::MAX as u64 - 1)? as u32, arg)?;
                plan.user.requested = true;
            }
            b"--map-group" => {
                let v = cur.value(arg)?;
                set_once(&mut plan.user.map_group, number(arg, v, 10, u32::MAX as u64 - 1)? as u32, arg)?;
                plan.user.requested = true;
            }
            b"--uid-map" | b"--gid-map" => {
                let v = cur.value(arg)?;
                let range = id_range(arg, v)?;
                let map = if bytes == b"--uid-map" { &mut plan.user.uid_map } else { &mut plan.user.gid_map };
                if map.iter().any(|r| overlaps(r, &range)) {
                    return Err(Failure::usage("option", v, "overlaps an earlier range of the same map"));
                }
                map.push(range).map_err(|_| Failure::usage("option", arg, "too many ranges"))?;
                plan.user.requested = true;
            }
            b"--setgroups" => {
                let v = cur.value(arg)?;
                let allow = match v.to_bytes() {
                    b"allow" => true,
                    b"deny" => false,
                    _ => return Err(Failure::usage("option", v, "is not allow or deny")),
                };
                set_once(&mut plan.user.setgroups_allow, allow, arg)?;
                plan.user.requested = true;
            }
            b"--propagation" => {
                let v = cur.value(arg)?;
                if seen_propagation {
                    return Err(Failure::usage("option", arg, "given twice"));
                }
                seen_propagation = true;
                plan.propagation = propagation(v)?;
            }
            b"--root" => {
                let v = cur.path(arg)?;
                if plan.root.is_some() && !from_env.0 {
                    return Err(Failure::usage("option", arg, "given twice"));
                }
                from_env.0 = false;
                plan.root = Some(v);
            }
            b"--keep-old-root" => {
                let v = cur.absolute(arg)?;
                set_once(&mut plan.keep_old_root, v, arg)?;
            }
            b"--ro-root" => plan.ro_root = true,
            b"--bind" | b"--ro-bind" | b"--dev-bind" | b"--bind-try" | b"--ro-bind-try" | b"--dev-bind-try" => {
                let src = cur.path(arg)?;
                let dest = cur.absolute(arg)?;
                let kind = match bytes {
                    b"--ro-bind" | b"--ro-bind-try" => BindKind::ReadOnly,
                    b"--dev-bind" | b"--dev-bind-try" => BindKind::Devices,
                    _ => BindKind::ReadWrite,
                };
                push(plan, arg, Op::Bind { src, dest, kind, optional: bytes.ends_with(b"-try") })?;
            }
            b"--size" => {
                let v = cur.value(arg)?;
                pending.size = Some((size(arg, v)?, arg));
            }
            b"--perms" => {
                let v = cur.value(arg)?;
                pending.perms = Some((number(arg, v, 8, 0o7777)? as u32, arg));
            }
            b"--tmpfs" => {
                let dest = cur.absolute(arg)?;
                let op = Op::Tmpfs { dest, size: pending.size.map(|s| s.0), perms: pending.perms.map(|p| p.0) };
                pending = Pending::default();
                push(plan, arg, op)?;
            }
            b"--dir" => {
                let dest = cur.absolute(arg)?;
                let op = Op::Dir { dest, perms: pending.perms.map(|p| p.0) };
                pending = Pending::default();
                push(plan, arg, op)?;
            }
            b"--symlink" => {
                let target = cur.path(arg)?;
                let link = cur.absolute(arg)?;
                push(plan, arg, Op::Symlink { target, link })?;
            }
            b"--remount-ro" => {
                let dest = cur.absolute(arg)?;
                push(plan, arg, Op::RemountRo { dest })?;
            }
            b"--make-shared" | b"--make-slave" | b"--make-private" | b"--make-unbindable" => {
                let dest = cur.absolute(arg)?;
                let kind = match bytes {
                    b"--make-shared" => MakeKind::Shared,
                    b"--make-slave" => MakeKind::Slave,
                    b"--make-private" => MakeKind::Private,
                    _ => MakeKind::Unbindable,
                };
                push(plan, arg, Op::Make { dest, kind })?;
            }
            b"--chdir" => {
                let v = cur.absolute(arg)?;
                set_once(&mut plan.chdir, v, arg)?;
            }
            b"--clearenv" => env_edit(plan, arg, EnvEdit::Clear)?,
            b"--setenv" => {
                let name = env_name(arg, cur.value(arg)?)?;
                let value = cur.value(arg)?;
                env_edit(plan, arg, EnvEdit::Set { name, value })?;
            }
            b"--unsetenv" => {
                let name = env_name(arg, cur.value(arg)?)?;
                env_edit(plan, arg, EnvEdit::Unset { name })?;
            }
            b"--unshare-pid" => plan.pid_ns = true,
            b"--proc" => {
                let dest = cur.absolute(arg)?;
                push(plan, arg, Op::Proc { dest })?;
            }
            b"--no-init" => plan.no_init = true,
            b"--die-with-parent" => plan.die_with_parent = true,
            b"--version" | b"-V" => return Err(Failure::usage("option", arg, "must come first")),
            _ if init_option(&mut cur, arg, &mut plan.init)? => {}
            o if FUTURE_OPTIONS.contains(&o) => {
                return Err(Failure::usage("option", arg, "not supported by this build yet"));
            }
            _ => {
                return Err(Failure::usage("option", arg, "unknown option").hint("see nook --help"));
            }
        }
    }
    if let Some((_, owner)) = pending.size.or(pending.perms.map(|(p, o)| (p as u64, o))) {
        return Err(Failure::usage("option", owner, "is not followed by the operation it modifies"));
    }
    let at = cur.next;
    if !plan.pid_ns {
        if plan.ops.iter().any(|op| matches!(op, Op::Proc { .. })) {
            return Err(Failure::new("mount proc on", plan.ops.iter().find(|op| matches!(op, Op::Proc { .. })).map_or(c"/proc", |op| op.dest()), rustix::io::Errno::PERM)
                .hint("proc needs its own PID namespace; add --unshare-pid"));
        }
        if plan.init != crate::init::InitOptions::default() && !init_from_env(envp) {
            return Err(Failure::usage("option", "--grace/--signal-group/--subreaper/--pdeathsig", "needs --unshare-pid")
                .hint("without a PID namespace nook execs PROGRAM itself; use nook init for a reaper"));
        }
    }
    if plan.keep_old_root.is_some() && plan.root.is_none() {
        return Err(Failure::usage("option", "--keep-old-root", "needs --root"));
    }
    if plan.user.map_user.is_some() && !plan.user.uid_map.is_empty() {
        return Err(Failure::usage("option", "--map-user", "conflicts with --uid-map"));
    }
    if plan.user.map_group.is_some() && !plan.user.gid_map.is_empty() {
        return Err(Failure::usage("option", "--map-group", "conflicts with --gid-map"));
    }
    program(argv, at, plan)
}

/// The NOOK_* variables, read before argv so that argv wins.
fn apply_environment<'a>(envp: Argv<'a>, plan: &mut RunPlan<'a>) -> Result<'a, ()> {
    for entry in envp.iter() {
        let Some((name, value)) = split_env(entry) else { continue };
        if !name.starts_with(b"NOOK_") {
            continue;
        }
        match name {
            b"NOOK_ROOT" => {
                check_path(c"NOOK_ROOT", value)?;
                plan.root = Some(value);
            }
            b"NOOK_PROPAGATION" => plan.propagation = propagation(value)?,
            b"NOOK_VERBOSE" => plan.verbose = number(c"NOOK_VERBOSE", value, 10, 3)? as u8,
            b"NOOK_GRACE" => plan.init.grace = number(c"NOOK_GRACE", value, 10, MAX_GRACE)? as u32,
            b"NOOK_SIGNAL_GROUP" => plan.init.signal_group = boolean(c"NOOK_SIGNAL_GROUP", value)?,
            b"NOOK_SUBREAPER" => plan.init.subreaper = boolean(c"NOOK_SUBREAPER", value)?,
            b"NOOK_PDEATHSIG" => plan.init.pdeathsig = Some(signal(c"NOOK_PDEATHSIG", value)?),
            n if FUTURE_VARIABLES.contains(&n) => {
                return Err(Failure::usage("environment", entry, "not supported by this build yet"));
            }
            // Unknown NOOK_* names are only stripped from the workload's
            // environment, so a wrapper written for a newer nook still runs.
            _ => {}
        }
    }
    Ok(())
}

/// Whether any of the init variables is set: those only configure the
/// PID-1 stage when there is one, so `run` without --unshare-pid ignores them
/// (a wrapper may export them for every nook it starts).
fn init_from_env(envp: Argv) -> bool {
    envp.iter().filter_map(split_env).any(|(name, _)| {
        matches!(name, b"NOOK_GRACE" | b"NOOK_SIGNAL_GROUP" | b"NOOK_SUBREAPER" | b"NOOK_PDEATHSIG")
    })
}

/// The longest --grace: a day.
const MAX_GRACE: u64 = 86_400;

/// The PID-1 options common to `run` and `init`; false when `arg` is not one.
fn init_option<'a>(cur: &mut Cursor<'a>, arg: &'a CStr, init: &mut crate::init::InitOptions) -> Result<'a, bool> {
    match arg.to_bytes() {
        b"--signal-group" => init.signal_group = true,
        b"--subreaper" => init.subreaper = true,
        b"--grace" => {
            let v = cur.value(arg)?;
            init.grace = number(arg, v, 10, MAX_GRACE)? as u32;
        }
        b"--pdeathsig" => {
            let v = cur.value(arg)?;
            init.pdeathsig = Some(signal(arg, v)?);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// `nook init [INIT-OPTIONS] [--] PROGRAM [ARG...]`
fn parse_init<'a>(argv: Argv<'a>, envp: Argv<'a>, plan: &mut RunPlan<'a>) -> Result<'a, ()> {
    apply_environment(envp, plan)?;
    let mut cur = Cursor { argv, next: 2 };
    while let Some(arg) = argv.get(cur.next) {
        cur.next += 1;
        match arg.to_bytes() {
            b"--" => break,
            b"--help" | b"-h" => return Ok(()),
            a if a.first() != Some(&b'-') => {
                cur.next -= 1;
                break;
            }
            _ if init_option(&mut cur, arg, &mut plan.init)? => {}
            _ => return Err(Failure::usage("option", arg, "unknown init option").hint("see nook --help")),
        }
    }
    program(argv, cur.next, plan)
}

/// PROGRAM [ARG...] from argv[at], which must name something.
fn program<'a>(argv: Argv<'a>, at: usize, plan: &mut RunPlan<'a>) -> Result<'a, ()> {
    match argv.get(at) {
        None => Err(Failure::usage("usage", "PROGRAM", "no program given").hint("nook [OPTIONS] -- PROGRAM [ARG...]")),
        Some(p) if p.is_empty() => Err(Failure::usage("usage", "PROGRAM", "empty program name")),
        Some(_) => {
            plan.program = argv.tail(at);
            Ok(())
        }
    }
}

fn boolean<'a>(name: &'a CStr, v: &'a CStr) -> Result<'a, bool> {
    match v.to_bytes() {
        b"1" | b"true" | b"yes" | b"on" => Ok(true),
        b"0" | b"false" | b"no" | b"off" | b"" => Ok(false),
        _ => Err(Failure::usage("environment", name, "is not 0 or 1")),
    }
}

fn signal<'a>(option: &'a CStr, v: &'a CStr) -> Result<'a, i32> {
    crate::init::signal_number(v.to_bytes())
        .ok_or_else(|| Failure::usage("option", option_or_value(option, v), "is not a signal name or number"))
}

/// Splits "NAME=value" into the name and a C string of the value.
pub fn split_env(entry: &CStr) -> Option<(&[u8], &CStr)> {
    let bytes = entry.to_bytes_with_nul();
    let eq = bytes.iter().position(|&b| b == b'=')?;
    let value = CStr::from_bytes_with_nul(&bytes[eq + 1..]).ok()?;
    Some((&bytes[..eq], value))
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
fn pending_blocks(pending: &Pending, option: &[u8]) -> bool {
    match option {
        b"--tmpfs" | b"--size" | b"--perms" => false,
        b"--dir" => pending.size.is_some(),
        _ => pending.size.is_some() || pending.perms.is_some(),
    }
}

fn set_once<'a, T>(slot: &mut Option<T>, value: T, option: &'a CStr) -> Result<'a, ()> {
    if slot.is_some() {
        return Err(Failure::usage("option", option, "given twice"));
    }
    *slot = Some(value);
    Ok(())
}

fn push<'a>(plan: &mut RunPlan<'a>, option: &'a CStr, op: Op<'a>) -> Result<'a, ()> {
    plan.ops.push(op).map_err(|_| Failure::usage("option", option, "more mount operations than nook holds (2048)"))
}

fn env_edit<'a>(plan: &mut RunPlan<'a>, option: &'a CStr, edit: EnvEdit<'a>) -> Result<'a, ()> {
    plan.env_edits.push(edit).map_err(|_| Failure::usage("option", option, "too many environment edits (256)"))
}

fn env_name<'a>(option: &'a CStr, name: &'a CStr) -> Result<'a, &'a CStr> {
    if name.is_empty() || name.to_bytes().contains(&b'=') {
        return Err(Failure::usage("option", option, "needs a variable name without ="));
    }
    Ok(name)
}

fn propagation(v: &CStr) -> Result<'_, Propagation> {
    Ok(match v.to_bytes() {
        b"private" => Propagation::Private,
        b"slave" => Propagation::Slave,
        b"shared" => Propagation::Shared,
        b"unchanged" => Propagation::Unchanged,
        _ => {
            return Err(Failure::usage("propagation", v, "is not private, slave, shared or unchanged"));
        }
    })
}

/// An unsigned number in `radix`, at most `max`.
fn number<'a>(option: &'a CStr, v: &'a CStr, radix: u32, max: u64) -> Result<'a, u64> {
    parse_number(v.to_bytes(), radix)
        .filter(|&n| n <= max)
        .ok_or_else(|| Failure::usage("option", option_or_value(option, v), bad_number_text(radix)))
}

fn option_or_value<'a>(option: &'a CStr, v: &'a CStr) -> Object<'a> {
    if v.is_empty() { Object::Path(option) } else { Object::Path(v) }
}

fn bad_number_text(radix: u32) -> &'static str {
    if radix == 8 { "is not an octal mode up to 7777" } else { "is not a number in range" }
}

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

/// BYTES, optionally with a k, m or g suffix (powers of 1024).
fn size<'a>(option: &'a CStr, v: &'a CStr) -> Result<'a, u64> {
    let b = v.to_bytes();
    let (digits, shift) = match b.last() {
        Some(b'k' | b'K') => (&b[..b.len() - 1], 10),
        Some(b'm' | b'M') => (&b[..b.len() - 1], 20),
        Some(b'g' | b'G') => (&b[..b.len() - 1], 30),
        _ => (b, 0),
    };
    parse_number(digits, 10)
        .and_then(|n| n.checked_mul(1 << shift))
        .filter(|&n| n > 0)
        .ok_or_else(|| Failure::usage("option", option_or_value(option, v), "is not a size in bytes"))
}

/// IN:OUT:COUNT
fn id_range<'a>(option: &'a CStr, v: &'a CStr) -> Result<'a, IdRange> {
    let bad = || Failure::usage("option", option_or_value(option, v), "is not IN:OUT:COUNT");
    let mut parts = v.to_bytes().split(|&c| c == b':');
    let mut field = || parts.next().and_then(|p| parse_number(p, 10)).filter(|&n| n <= u32::MAX as u64);
    let (inside, outside, count) = (field().ok_or_else(bad)?, field().ok_or_else(bad)?, field().ok_or_else(bad)?);
    if parts.next().is_some() || count == 0 || inside + count > 1 << 32 || outside + count > 1 << 32 {
        return Err(bad());
    }
    Ok(IdRange { inside: inside as u32, outside: outside as u32, count: count as u32 })
}

fn overlaps(a: &IdRange, b: &IdRange) -> bool {
    let meet = |a0: u32, b0: u32| {
        let (a0, b0) = (a0 as u64, b0 as u64);
        a0 < b0 + b.count as u64 && b0 < a0 + a.count as u64
    };
    meet(a.inside, b.inside) || meet(a.outside, b.outside)
}

#[cfg(test)]
#[path = "cli_tests.rs"]
mod tests;
