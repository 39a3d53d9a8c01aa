//! nook as `bwrap` (argv[0]'s basename; README, "nook as bwrap"): bubblewrap
//! 0.11's command line read into the same plan `nook run` fills, with
//! bwrap's defaults: an empty tmpfs root (`--bind DIR /` is `--root DIR`),
//! the caller's own uid, gid and working directory inside, no capabilities
//! but `--cap-add`'s, the host's procfs for `--proc` without a PID
//! namespace, and its messages. Only in a build with the `bwrap` feature.

use crate::base::packed::say;
use super::run::{ALL_NAMESPACES, Bit, FdKind, Opt, bit, cap_option, fd_slot, process_option, push};
use super::{Action, Cursor, names_root, sandbox};
use crate::base::error::{Failure, Result};
use crate::base::out::{Line, STDERR, STDOUT, persona, write_all};
use crate::base::bwrap::{BWRAP_MESSAGES_START, BWRAP_NAMES_START, BWRAP_OPTIONS_LEN, BWRAP_TEXTS_END, BWRAP_USAGE_START, in_bwrap_texts, msg};
use crate::base::text::c_strings;
use crate::base::words::{Words, words};
use crate::cli::values::{bad_value, hostname, number, open_fd};
use crate::plan::bwrap::{BwrapOnly, OverlayKind};
use crate::plan::{Argv, BindKind, CapEdit, Op, RunPlan};
use core::ffi::{CStr, c_char};
use linux_raw_sys::general as k;
use rustix::io::Errno;

// repr(u8): a plain tag, which B::values reads as a table by (with the
// niche layout its match compiled to a jump table of 8-byte addresses).
#[derive(Clone, Copy)]
#[repr(u8)]
enum B {
    Help, Version, Args, ArgsEnd, Argv0, LevelPrefix, UnshareAll, UnshareUser, On(Flag), Unshare(Bit),
    ShareNet, Chdir, Env(Opt), RemountRo, Bind(BindKind, bool), Proc, Dev, Mqueue, Tmpfs, Dir, Symlink, Chmod,
    Perms, Size, Label, Fd(FdKind), Data(Option<BindKind>), BindFd(BindKind), LockFile, DisableUserns, OverlaySrc, Overlay(OverlayKind),
    /// `--overlay` (Writable): its own variant, as it takes more values.
    OverlayRw(OverlayKind),
    /// `--userns` (0), `--userns2` (1), `--pidns` (2), `--userns-block-fd` (3).
    Join(u8), Seccomp, Uid, Gid, Hostname, Cap(bool),
}

/// The options that only switch one thing on: one arm of the option match
/// (and one slot of its jump table) for all.
#[derive(Clone, Copy)]
enum Flag {
    UnshareUserTry, UnsharePid, NewSession, DieWithParent, AsPid1, AssertUsernsDisabled,
}

// The kinds of value an option takes (B::values), 4 bits each.
const VALUE: u16 = 1;
const PATH: u16 = 2;
const ABSOLUTE: u16 = 3;
const DEST: u16 = 4;
const FD: u16 = 5;
const OCTAL: u16 = 6;
const ID: u16 = 7;

impl B {
    /// The values the option takes, read (and checked) before its arm:
    /// the kinds of the first, second and third, 4 bits each from the
    /// lowest, 0 for none. The third is an operation's DEST (or the one
    /// value of --remount-ro, --overlay-src and --lock-file), so that
    /// every arm finds it in the same place.
    fn values(self) -> u16 {
        match self {
            B::Argv0 | B::Size | B::Label | B::Hostname => VALUE,
            B::Chdir => PATH,
            B::RemountRo | B::OverlaySrc | B::LockFile => ABSOLUTE << 8,
            B::Proc | B::Dev | B::Mqueue | B::Overlay(_) => DEST << 8,
            // `/` too: bwrap's root (`--tmpfs /`), or nothing (`--dir /`).
            B::Tmpfs | B::Dir => ABSOLUTE << 8,
            B::Bind(..) => PATH | ABSOLUTE << 8,
            B::Symlink => PATH | DEST << 8,
            B::Data(_) | B::BindFd(_) => FD | DEST << 8,
            B::Chmod => OCTAL | ABSOLUTE << 8,
            B::OverlayRw(_) => ABSOLUTE | ABSOLUTE << 4 | DEST << 8,
            B::Perms => OCTAL,
            B::Args | B::Join(_) | B::Fd(_) => FD,
            B::Uid | B::Gid => ID,
            _ => 0,
        }
    }
}

const OPTIONS: Words<B> = words![
    "--help" => B::Help, "--version" => B::Version, "--args" => B::Args, "--argv0" => B::Argv0,
    "--level-prefix" => B::LevelPrefix, "--unshare-all" => B::UnshareAll, "--share-net" => B::ShareNet,
    "--unshare-user" => B::UnshareUser, "--unshare-user-try" => B::On(Flag::UnshareUserTry),
    "--unshare-ipc" => B::Unshare(bit(k::CLONE_NEWIPC)), "--unshare-pid" => B::On(Flag::UnsharePid),
    "--unshare-net" => B::Unshare(bit(k::CLONE_NEWNET)), "--unshare-uts" => B::Unshare(bit(k::CLONE_NEWUTS)),
    "--unshare-cgroup" => B::Unshare(bit(k::CLONE_NEWCGROUP)), "--unshare-cgroup-try" => B::Unshare(bit(k::CLONE_NEWCGROUP)),
    "--chdir" => B::Chdir, "--clearenv" => B::Env(Opt::Clearenv), "--setenv" => B::Env(Opt::Setenv),
    "--unsetenv" => B::Env(Opt::Unsetenv), "--remount-ro" => B::RemountRo,
    "--bind" => B::Bind(BindKind::ReadWrite, false), "--bind-try" => B::Bind(BindKind::ReadWrite, true),
    "--ro-bind" => B::Bind(BindKind::ReadOnly, false), "--ro-bind-try" => B::Bind(BindKind::ReadOnly, true),
    "--dev-bind" => B::Bind(BindKind::Devices, false), "--dev-bind-try" => B::Bind(BindKind::Devices, true),
    "--proc" => B::Proc, "--dev" => B::Dev, "--mqueue" => B::Mqueue, "--tmpfs" => B::Tmpfs, "--dir" => B::Dir,
    "--symlink" => B::Symlink, "--chmod" => B::Chmod, "--perms" => B::Perms, "--size" => B::Size,
    "--exec-label" => B::Label, "--file-label" => B::Label,
    "--info-fd" => B::Fd(FdKind::Info), "--json-status-fd" => B::Fd(FdKind::JsonStatus),
    "--block-fd" => B::Fd(FdKind::Block), "--sync-fd" => B::Fd(FdKind::Sync),
    "--seccomp" => B::Seccomp, "--add-seccomp-fd" => B::Seccomp, "--uid" => B::Uid, "--gid" => B::Gid,
    "--hostname" => B::Hostname, "--new-session" => B::On(Flag::NewSession), "--die-with-parent" => B::On(Flag::DieWithParent),
    "--as-pid-1" => B::On(Flag::AsPid1), "--cap-add" => B::Cap(true), "--cap-drop" => B::Cap(false),
    "--file" => B::Data(None), "--bind-data" => B::Data(Some(BindKind::ReadWrite)),
    "--ro-bind-data" => B::Data(Some(BindKind::ReadOnly)), "--bind-fd" => B::BindFd(BindKind::ReadWrite),
    "--ro-bind-fd" => B::BindFd(BindKind::ReadOnly), "--overlay-src" => B::OverlaySrc,
    "--overlay" => B::OverlayRw(OverlayKind::Writable), "--tmp-overlay" => B::Overlay(OverlayKind::Tmp),
    "--ro-overlay" => B::Overlay(OverlayKind::ReadOnly),
    "--lock-file" => B::LockFile, "--userns" => B::Join(0), "--userns2" => B::Join(1),
    "--pidns" => B::Join(2), "--userns-block-fd" => B::Join(3), "--disable-userns" => B::DisableUserns,
    "--assert-userns-disabled" => B::On(Flag::AssertUsernsDisabled),
];

/// argv[0] of the init that nook as bwrap re-executes (`nook init`'s
/// options follow): its messages and failures are bwrap's too.
const BWRAP_INIT: &CStr = c"bwrap-init";
/// The same with `--argv0`: the first word after `--` is the file to
/// execute, PROGRAM's argv (its argv[0] the other word) follows.
const BWRAP_INIT_ARGV0: &CStr = c"bwrap-init-argv0";

/// The argv[0] of the init `run` re-executes (cli/reexec.rs): nook as
/// bwrap's is [`BWRAP_INIT`], or [`BWRAP_INIT_ARGV0`] with `--argv0`.
pub(super) fn init_name(plan: &RunPlan) -> &'static CStr {
    match plan.process.exec_path.get() {
        Some(_) => BWRAP_INIT_ARGV0,
        None if persona::bwrap() => BWRAP_INIT,
        None => c"nook",
    }
}

/// Whether `name` (argv[0]'s basename) is the init nook as bwrap
/// re-executes ([`BWRAP_INIT`]): then nook speaks as bwrap. True for the
/// one that takes the file to run before PROGRAM (`--argv0`).
#[inline(never)]
pub(super) fn init_persona(name: Option<&[u8]>) -> bool {
    let with_argv0 = name == Some(BWRAP_INIT_ARGV0.to_bytes());
    if with_argv0 || name == Some(BWRAP_INIT.to_bytes()) {
        persona::set(1);
    }
    with_argv0
}

/// `--argv0` in the re-executed init: PROGRAM's first word is the file to
/// run, the rest its argv.
#[inline(never)]
pub(super) fn split_exec_path(plan: &mut RunPlan) {
    if let Some(words) = plan.process.program {
        plan.process.exec_path = BwrapOnly(words.get(0));
        plan.process.program = Some(words.tail(1));
    }
}

/// Reads bwrap's argv (argv[0] `bwrap`) into `plan`.
#[inline(never)]
pub(super) fn parse<'a>(argv: Argv<'a>, plan: &mut RunPlan<'a>) -> Result<'a, Action> {
    persona::set(1);
    // Its usage, option names and messages (base/bwrap.rs).
    let texts = crate::base::bwrap::unpack_bwrap_texts();
    let real_uid = rustix::process::getuid().as_raw();
    let real_gid = rustix::process::getgid().as_raw();
    // --perms and --size, held for the operation right after them.
    let mut perms: Option<u32> = None;
    let mut tmpfs_size: Option<u64> = None;
    // The `--overlay-src` layers for the next overlay, as given.
    let mut layers = heapless::Vec::<&'a CStr, 64>::new();
    let mut argv0: Option<&'a CStr> = None;
    // `--unshare-user` itself, which `--disable-userns` needs.
    let mut userns_asked = false;
    // Real root keeps its effective capabilities, in a user namespace too
    // (bwrap sets them only when told to or there); anyone else starts
    // with none.
    let kept = match real_uid {
        0 => crate::kernel::raw::capget().map_or(0, |c| c.effective),
        _ => 0,
    };
    let mut caps = CapEdit { drop: !kept, add: 0 };
    let mut caps_edited = real_uid != 0;
    let mut cur = Cursor::new(argv, 1);
    // While an `--args` file's words are read: where the command line
    // goes on (its `--args FD` fully read).
    let mut command_line: Option<usize> = None;
    // bwrap's cap on the words of the command line and its files together.
    let mut words_left = MAX_ARGS.checked_sub(argv.len() - 1).ok_or_else(too_many_args)?;
    plan.bwrap.empty_root = true;
    // bwrap's mounts are slaves of the host's: new host mounts show inside.
    plan.propagation = crate::plan::Propagation::Slave;
    // The caller (unprivileged) always gets a user namespace, as with bwrap.
    plan.user.requested = real_uid != 0;
    loop {
        let (arg, opt) = match cur.next_option()? {
            Some(arg) => (arg, option(texts, arg.to_bytes()).ok_or_else(|| Failure::option(arg, say!("unknown option")))?),
            // A file's end (or a word that is no option, and what follows
            // it, which bwrap ignores): back to the command line, where
            // `--args` itself is checked as any option is.
            None => match command_line.take() {
                Some(next) => {
                    cur = Cursor::new(argv, next);
                    (unpacked!("--args"), B::ArgsEnd)
                }
                None => break,
            },
        };
        let modifier = matches!(opt, B::Perms | B::Size | B::Args);
        // Before its value, as bwrap checks.
        if matches!(opt, B::Args) && command_line.is_some() {
            return Err(Failure::option(arg, msg!("not supported in arguments file")));
        }
        // The option's values (B::values), each checked as it is read, in
        // order: one reading path for every option, in place of each arm's.
        let mut v: [&'a CStr; 3] = [c""; 3];
        // The number of an fd, mode or id value (only ever the first).
        let mut n = 0;
        let row = opt.values();
        for (i, slot) in v.iter_mut().enumerate() {
            let kind = row >> (4 * i) & 15;
            if kind == 0 {
                continue;
            }
            *slot = match kind {
                PATH => cur.path()?,
                ABSOLUTE => cur.absolute()?,
                DEST => dest(&mut cur)?,
                _ => cur.value()?,
            };
            let (radix, max) = match kind {
                // An fd number, which bwrap takes from 0 up.
                FD => (10, i32::MAX as u64),
                OCTAL => (8, 0o7777),
                ID => (10, u32::MAX as u64 - 1),
                _ => continue,
            };
            n = number(arg, slot, radix, max)? as u32;
        }
        // Where an operation acts: its last value.
        let dest = v[2];
        match opt {
            B::Help => {
                print_usage(texts, STDOUT);
                return Ok(Action::Exit(0));
            }
            B::Version => {
                let _ = write_all(STDOUT, VERSION);
                return Ok(Action::Exit(0));
            }
            B::Args => {
                let words = read_args(arg, n as i32, &mut words_left)?;
                command_line = Some(cur.next);
                cur = Cursor::new(words, 0);
            }
            B::ArgsEnd => {}
            B::Argv0 => {
                if argv0.replace(v[0]).is_some() {
                    return Err(Failure::option(arg, msg!("used multiple times")));
                }
            }
            B::LevelPrefix => persona::set(2),
            B::UnshareAll => {
                // bwrap's "every namespace it supports": not time.
                plan.namespaces |= ALL_NAMESPACES & !k::CLONE_NEWTIME;
                plan.pid_ns = true;
                plan.user.requested = true;
            }
            B::UnshareUser => {
                plan.user.requested = true;
                userns_asked = true;
            }
            B::On(flag) => {
                *match flag {
                    Flag::UnshareUserTry => &mut plan.user.requested,
                    Flag::UnsharePid => &mut plan.pid_ns,
                    Flag::NewSession => &mut plan.process.new_session,
                    Flag::DieWithParent => &mut plan.die_with_parent,
                    Flag::AsPid1 => &mut plan.no_init,
                    Flag::AssertUsernsDisabled => &mut plan.bwrap.assert_userns_disabled,
                } = true;
            }
            B::Unshare(Bit(n)) => plan.namespaces |= 1 << n,
            B::ShareNet => plan.namespaces &= !k::CLONE_NEWNET,
            // A slot each, whose last value wins.
            B::Chdir | B::Hostname => {
                let slot = match opt {
                    B::Chdir => &mut plan.process.chdir,
                    _ => {
                        hostname(arg, v[0])?;
                        &mut plan.hostname
                    }
                };
                if slot.replace(v[0]).is_some() {
                    only_the_last(arg);
                }
            }
            B::Env(opt) => process_option(&mut cur, arg, opt, plan)?,
            B::Bind(kind, optional) => {
                let src = v[0];
                if is_root(dest) {
                    bind_root(plan, arg, src, kind)?;
                } else {
                    push(plan, arg, Op::Bind { src, dest, kind, optional })?;
                }
            }
            B::Proc | B::Dev | B::Mqueue | B::RemountRo => {
                let op = match opt {
                    B::Proc => Op::Proc { dest },
                    B::Dev => Op::Dev { dest },
                    B::Mqueue => Op::Mqueue { dest },
                    _ => Op::RemountRo { dest },
                };
                push(plan, arg, op)?;
            }
            B::Tmpfs | B::Dir => {
                let perms = perms.take();
                if !names_root(dest) {
                    let op = match opt {
                        B::Tmpfs => Op::Tmpfs { dest, size: tmpfs_size.take(), perms },
                        _ => Op::Dir { dest, perms },
                    };
                    push(plan, arg, op)?;
                } else if let B::Tmpfs = opt {
                    // A tmpfs on bwrap's root is the root: an empty tmpfs
                    // of that mode and size.
                    root_first(plan, arg)?;
                    plan.bwrap.root_tmpfs = (tmpfs_size.take(), perms);
                }
                // `--dir /`: the root is a directory already, which bwrap
                // leaves as it is, mode and all.
            }
            B::Symlink => push(plan, arg, Op::Symlink { target: v[0], link: dest })?,
            B::Data(bind) => {
                let fd = n as i32;
                // By default, as bwrap's: 0666 for --file, 0600 for the binds.
                let perms = perms.take().unwrap_or(if bind.is_none() { 0o666 } else { 0o600 });
                push(plan, arg, Op::Data { fd, dest, perms, bind })?;
            }
            B::BindFd(kind) => push(plan, arg, Op::BindFd { fd: n as i32, dest, kind })?,
            B::DisableUserns => {
                // Disabled, then checked to be (as bwrap).
                plan.bwrap.disable_userns = true;
                plan.bwrap.assert_userns_disabled = true;
            }
            B::OverlaySrc => {
                layers.push(dest).map_err(|_| Failure::option(arg, say!("given too many times")))?;
            }
            B::Overlay(kind) | B::OverlayRw(kind) => {
                let (upper, work) = (v[0], v[1]);
                let needed = if kind == OverlayKind::ReadOnly { 2 } else { 1 };
                if layers.len() < needed {
                    return Err(Failure::option(arg, if needed == 2 { msg!("requires at least two --overlay-src") } else { msg!("requires at least one --overlay-src") }));
                }
                let lower = lowerdir(&layers).map_err(|_| Failure::option(arg, msg!("layers too long")))?;
                layers.clear();
                push(plan, arg, Op::Overlay { dest, lower, upper, work, kind })?;
            }
            B::LockFile => {
                plan.bwrap.locks.push(dest).map_err(|_| Failure::option(arg, say!("given too many times")))?;
            }
            B::Chmod => push(plan, arg, Op::Chmod { dest, perms: n })?,
            B::Perms => {
                if perms.replace(n).is_some() {
                    return Err(Failure::option(arg, msg!("given twice for the same operation")));
                }
            }
            B::Size => {
                // Checked before the value, as bwrap does.
                if tmpfs_size.is_some() {
                    return Err(Failure::option(arg, msg!("given twice for the same operation")));
                }
                tmpfs_size = Some(c_size(arg, v[0])?);
            }
            B::Label => {
                return Err(Failure::option(arg, msg!("labeling not supported on this system")));
            }
            // The namespaces' fds, taken as given, and the wrapper fds: one
            // slot each, whose last value wins.
            B::Join(_) | B::Fd(_) => {
                let fd = match opt {
                    // bwrap takes 0, 1 and 2 as well: moved above stdio, which
                    // PROGRAM then starts without (kernel/raw.rs). bwrap's
                    // parent closes --info-fd once written: a reader sees EOF
                    // while PROGRAM runs (but for 2, nook's stderr).
                    B::Fd(kind) if n < 3 => crate::kernel::raw::lift_above_stdio(n as i32, kind == FdKind::Info && n < 2)
                        .map_err(|e| Failure::new(c"option", arg, e).hint(say!("the fd is not open")))?,
                    // Checked to be open.
                    B::Fd(_) => open_fd(arg, v[0])?,
                    _ => n as i32,
                };
                let slot = match opt {
                    B::Fd(kind) => fd_slot(plan, kind),
                    B::Join(0) => &mut plan.bwrap.userns,
                    B::Join(1) => &mut plan.bwrap.userns2,
                    B::Join(2) => &mut plan.bwrap.pidns,
                    _ => &mut plan.bwrap.userns_block,
                };
                if slot.replace(fd).is_some() {
                    only_the_last(arg);
                }
            }
            B::Seccomp => {
                sandbox::option(&mut cur, arg, &mut plan.process.sandbox)?;
            }
            B::Uid | B::Gid => {
                let id = n;
                let slot = if matches!(opt, B::Uid) { &mut plan.user.map_user } else { &mut plan.user.map_group };
                if slot.replace(id).is_some() {
                    only_the_last(arg);
                }
            }
            B::Cap(add) => {
                cap_option(&mut cur, arg, add, &mut caps)?;
                caps_edited = true;
            }
        }
        if !matches!(opt, B::OverlaySrc | B::Args) && !layers.is_empty() {
            return Err(Failure::option(unpacked!("--overlay-src"), msg!("must be followed by another --overlay-src or one of --overlay, --tmp-overlay, or --ro-overlay")));
        }
        if !modifier {
            if perms.is_some() {
                return Err(Failure::option(unpacked!("--perms"), msg!("must be followed by an option that creates a file")));
            }
            if tmpfs_size.is_some() {
                return Err(Failure::option(unpacked!("--size"), msg!("must be followed by --tmpfs")));
            }
        }
    }
    if !layers.is_empty() {
        return Err(Failure::option(unpacked!("--overlay-src"), msg!("must be followed by another --overlay-src or one of --overlay, --tmp-overlay, or --ro-overlay")));
    }
    if perms.is_some() || tmpfs_size.is_some() {
        return Err(Failure::option(if perms.is_some() { unpacked!("--perms") } else { unpacked!("--size") }, c"is not followed by the operation it modifies"));
    }
    if cur.argv.get(cur.next).is_none_or(CStr::is_empty) {
        print_usage(texts, STDERR);
        return Ok(Action::Exit(1));
    }
    plan.process.program = Some(cur.argv.tail(cur.next));
    if let Some(value) = argv0 {
        plan.process.exec_path = BwrapOnly(cur.argv.get(cur.next));
        plan.process.program = Some(with_argv0(cur.argv, cur.next, value)?);
    }
    if plan.bwrap.userns_block.is_some() {
        // Not implied by an unprivileged caller, nor by --unshare-all.
        if !userns_asked {
            return Err(Failure::option(unpacked!("--userns-block-fd"), msg!("requires --unshare-user")));
        }
        if plan.fds.info.is_none() {
            return Err(Failure::option(unpacked!("--userns-block-fd"), msg!("requires --info-fd")));
        }
        plan.user.by_caller = BwrapOnly(true);
    }
    if plan.bwrap.userns.is_some() {
        if userns_asked {
            return Err(Failure::option(unpacked!("--userns"), msg!("is not compatible with --unshare-user")));
        }
        // The joined namespace is the container's: no new one.
        plan.user.requested = false;
    }
    let uid = *plan.user.map_user.get_or_insert(real_uid);
    let gid = *plan.user.map_group.get_or_insert(real_gid);
    if !plan.user.requested && plan.bwrap.userns.is_none() && (uid != real_uid || gid != real_gid) {
        let which = if uid != real_uid { unpacked!("--uid") } else { unpacked!("--gid") };
        return Err(Failure::option(which, msg!("requires --unshare-user")));
    }
    if plan.hostname.is_some() && plan.namespaces & k::CLONE_NEWUTS == 0 {
        return Err(Failure::option(unpacked!("--hostname"), msg!("requires --unshare-uts")));
    }
    if plan.no_init && !plan.pid_ns {
        return Err(Failure::option(unpacked!("--as-pid-1"), msg!("requires --unshare-pid")));
    }
    if plan.bwrap.disable_userns && !userns_asked {
        return Err(Failure::option(unpacked!("--disable-userns"), msg!("requires --unshare-user")));
    }
    if plan.bwrap.disable_userns && plan.bwrap.userns_block.is_some() {
        return Err(Failure::option(unpacked!("--disable-userns"), msg!("is not compatible with --userns-block-fd")));
    }
    if plan.no_init && !plan.bwrap.locks.is_empty() {
        return Err(Failure::option(unpacked!("--as-pid-1"), msg!("and --lock-file are not permitted together")));
    }
    // bwrap closes the fds its options take before PROGRAM, and hands it
    // every other fd its caller left open (setup/process.rs): these are
    // marked close-on-exec now, before any exec (nook reads and writes them
    // in processes that do not exec). The data and fd binds' are closed
    // once used (setup/tree/bwrap.rs), --args' once read;
    // --userns-block-fd's stays open, as bwrap leaves it.
    for fd in [plan.fds.info, plan.fds.json_status, plan.fds.block, plan.fds.sync].into_iter().flatten() {
        let _ = crate::kernel::raw::cloexec_range(fd as u32, fd as u32);
    }
    for filter in plan.process.sandbox.filter_fds.iter() {
        let _ = crate::kernel::raw::cloexec_range(filter.fd as u32, filter.fd as u32);
    }
    // nook (the outer process, or the monitor) holds --sync-fd until it
    // exits, after PROGRAM; PROGRAM does not get it (bwrap's init holds it).
    plan.fds.sync = None;
    if !plan.pid_ns && plan.bwrap.pidns.is_none() {
        // "We share the pid namespace anyway": the host's procfs.
        for op in plan.ops.iter_mut() {
            if let Op::Proc { dest } = *op {
                *op = Op::Bind { src: crate::plan::bwrap::HOST_PROC, dest, kind: BindKind::ReadWrite, optional: false };
            }
        }
    }
    // CAP_SYS_ADMIN is number 21.
    let admin = 1 << 21;
    plan.bwrap.powerless = if caps_edited {
        caps.drop & admin != 0 && caps.add & admin == 0
    } else {
        uid != 0 || kept & admin == 0
    };
    let untouched = if caps_edited { 0 } else { persona::CAPS_UNTOUCHED };
    persona::set_caps(untouched | if plan.user.requested { 0 } else { persona::BOUNDING_KEPT });
    plan.process.caps = (caps_edited || plan.user.requested).then_some(caps);
    // Where PROGRAM starts when it exists inside (setup/bwrap.rs).
    // SAFETY: single-threaded; CWD is written here once and only read after.
    let cwd = unsafe { &mut *core::ptr::addr_of_mut!(CWD) };
    // The path and its NUL (the rest of CWD is NULs): its first C string.
    if crate::kernel::raw::getcwd(cwd).is_ok()
        && let Some(c) = c_strings(cwd).next()
    {
        plan.bwrap.cwd = Some(c);
    }
    Ok(Action::Run)
}

/// The caller's working directory, NUL-terminated.
static mut CWD: [u8; 4097] = [0; 4097];

/// `--bind DIR /` (and its -ro, -dev forms): DIR is the root, as nook's
/// `--root DIR`, in place of the empty tmpfs; it must come first, before
/// anything is put into the root it replaces.
fn bind_root<'a>(plan: &mut RunPlan<'a>, option: &'a CStr, src: &'a CStr, kind: BindKind) -> Result<'a, ()> {
    root_first(plan, option)?;
    plan.root = Some(src);
    plan.ro_root = kind == BindKind::ReadOnly;
    plan.bwrap.root_attrs = (k::MOUNT_ATTR_NOSUID | if kind == BindKind::Devices { 0 } else { k::MOUNT_ATTR_NODEV }) as u64;
    Ok(())
}

/// The DEST of an operation that mounts or creates something, which may
/// not be the root itself: the hint says so in bwrap's words.
#[inline(never)]
fn dest<'a>(cur: &mut Cursor<'a>) -> Result<'a, &'a CStr> {
    cur.dest_or(msg!("the root is bwrap's empty tmpfs (--tmpfs / for its --perms and --size) or --bind DIR /'s"))
}

/// `--bind DIR /` and `--tmpfs /` replace the root, which nook takes only
/// before every other operation (bwrap's would cover them; the operations
/// before that, and so `--tmpfs /` after `--bind DIR /`, are refused).
#[inline(never)]
fn root_first<'a>(plan: &RunPlan<'a>, option: &'a CStr) -> Result<'a, ()> {
    if plan.root.is_some() || !plan.ops.is_empty() {
        return Err(Failure::option(option, msg!("replaces the root: nook takes it only before every other operation")));
    }
    Ok(())
}

/// `/`, `//`, `/.` and the like: the root itself.
fn is_root(dest: &CStr) -> bool {
    // Slashes and dots, and never a dot after a dot.
    let mut after_dot = false;
    dest.to_bytes().iter().all(|&c| {
        let dot = c == b'.';
        let ok = (dot || c == b'/') && !(dot && after_dot);
        after_dot = dot;
        ok
    })
}

/// `--size` as bwrap reads it, with strtoull(3) in base 0: `0x` then hex,
/// a leading `0` then octal, else decimal; a digit first (no sign, no
/// space), nothing after, not 0, and at most SIZE_MAX/2.
fn c_size<'a>(option: &'a CStr, v: &'a CStr) -> Result<'a, u64> {
    let b = v.to_bytes();
    let (digits, radix) = match b {
        [b'0', b'x' | b'X', hex @ ..] => (hex, 16),
        [b'0', oct @ ..] => (oct, 8),
        _ => (b, 10),
    };
    match crate::base::num::parse_number(digits, radix) {
        Some(n) if n > u64::MAX >> 1 => Err(bad_value(option, v, msg!("is more than tmpfs takes (9223372036854775807)"))),
        // parse_number takes digits only: no sign or space first.
        Some(n) if n > 0 => Ok(n),
        _ => Err(bad_value(option, v, msg!("is not a non-zero number of bytes"))),
    }
}

/// bwrap's warning for a repeated option whose last value wins.
fn only_the_last(option: &CStr) {
    let mut line = Line::new();
    line.bytes(persona::prefix(4)).bytes(msg!("Only the last ").to_bytes()).user_bytes(option.to_bytes(), 64).bytes(msg!(" option will take effect").to_bytes());
    line.emit(STDERR);
}

/// `--args FD`'s NUL-separated words, read to the end of FD (closed
/// then), in arenas that live as long as the process: each file's words
/// after the last's. At most `words_left` words, which they use up.
fn read_args<'a>(option: &'a CStr, fd: i32, words_left: &mut usize) -> Result<'a, Argv<'a>> {
    // SAFETY: single-threaded; each file's part of the arenas is written
    // once, after the one before, and only read after.
    let (data, words, used) =
        unsafe { (&mut *core::ptr::addr_of_mut!(ARGS_DATA), &mut *core::ptr::addr_of_mut!(ARGS_ARGV), &mut *core::ptr::addr_of_mut!(ARGS_USED)) };
    let (start, first) = *used;
    // One byte stays free for a NUL the last word may lack; a file that
    // fills the rest may have more.
    let end = data.len() - 1;
    let room = data.get_mut(start..end).unwrap_or(&mut []);
    // SAFETY: the parser checked nothing of it: a closed fd is EBADF. Read
    // to its end, then closed (a borrow: OwnedFd's check for -1 would
    // bring a panic).
    let got = crate::kernel::raw::read_full(unsafe { rustix::fd::BorrowedFd::borrow_raw(fd) }, room);
    let _ = crate::kernel::raw::close(fd);
    let mut len = start + got.map_err(|e| Failure::new(c"read", option, e))?;
    if len == end {
        return Err(Failure::new(c"read", option, Errno::TOOBIG));
    }
    // The last word may lack its NUL: the byte after it is one (the one
    // kept free, or of the rest, which no file has written yet).
    if len > start && data.get(len - 1) != Some(&0) {
        len += 1;
    }
    let mut n = first;
    let mut word = start;
    for at in start..len {
        if data.get(at) == Some(&0) {
            *words_left = words_left.checked_sub(1).ok_or_else(too_many_args)?;
            *words.get_mut(n).ok_or_else(too_many_args)? = data.as_ptr().wrapping_add(word).cast();
            n += 1;
            word = at + 1;
        }
    }
    *words.get_mut(n).ok_or_else(too_many_args)? = core::ptr::null();
    *used = (len, n + 1);
    // SAFETY: `n - first` pointers to NUL-terminated words of ARGS_DATA,
    // which lives as long as the process, then a null one.
    Ok(unsafe { Argv::from_raw(words.as_ptr().wrapping_add(first), n - first) })
}

/// bwrap's limit on the words of the command line and its `--args` files.
const MAX_ARGS: usize = 9000;

fn too_many_args() -> Failure<'static> {
    Failure::new(c"parse", c"arguments", Errno::TOOBIG).hint(msg!("bwrap takes 9000 at most"))
}

/// PROGRAM's words from argv[at] on, with `value` as their first: a copy,
/// in its own array (argv's own stays as the kernel laid it out).
fn with_argv0<'a>(argv: Argv<'a>, at: usize, value: &'a CStr) -> Result<'a, Argv<'a>> {
    // SAFETY: single-threaded, and filled once: only read after.
    let words = unsafe { &mut *core::ptr::addr_of_mut!(ARGV0_ARGV) };
    let mut n = 0;
    let mut word = Some(value);
    loop {
        let slot = words.get_mut(n).ok_or_else(|| Failure::option(unpacked!("--argv0"), msg!("PROGRAM has too many arguments")))?;
        let Some(w) = word else {
            *slot = core::ptr::null();
            break;
        };
        *slot = w.as_ptr();
        n += 1;
        word = argv.get(at + n);
    }
    // SAFETY: `n` pointers to C strings that live as long as the process,
    // then a null one.
    Ok(unsafe { Argv::from_raw(words.as_ptr(), n) })
}

static mut ARGV0_ARGV: [*const c_char; 1 << 16] = [core::ptr::null(); 1 << 16];

/// overlayfs's lowerdir of `layers` (as given: the last is the top): top
/// first, `:` between, each `\\`, `:` and `,` escaped with a backslash, in
/// an arena of its own that lives as long as the process.
fn lowerdir(layers: &[&CStr]) -> core::result::Result<&'static CStr, ()> {
    // SAFETY: single-threaded; each overlay's text is written once, after
    // the one before, and only read after.
    let (arena, used) = unsafe { (&mut *core::ptr::addr_of_mut!(LOWERDIRS), &mut *core::ptr::addr_of_mut!(LOWERDIRS_USED)) };
    let start = *used;
    let mut at = start;
    let mut put = |b: u8| -> core::result::Result<(), ()> {
        *arena.get_mut(at).ok_or(())? = b;
        at += 1;
        Ok(())
    };
    // Each layer and a `:`, the last of which becomes the NUL.
    for layer in layers.iter().rev() {
        for &b in layer.to_bytes() {
            if matches!(b, b'\\' | b':' | b',') {
                put(b'\\')?;
            }
            put(b)?;
        }
        put(b':')?;
    }
    *used = at;
    let text = arena.get_mut(start..at).ok_or(())?;
    // No text without a layer.
    *text.last_mut().ok_or(())? = 0;
    // SAFETY: the layers are C strings, and the `\\`s and `:`s put among
    // their bytes are no NUL: the one NUL of `text` is its last byte, put
    // just above.
    Ok(unsafe { CStr::from_bytes_with_nul_unchecked(text) })
}

static mut LOWERDIRS: [u8; 1 << 16] = [0; 1 << 16];
static mut LOWERDIRS_USED: usize = 0;

/// `--args`'s words, and how much of both arenas is used. Each file takes
/// two words of the command line, so its words and their terminating null
/// pointers together stay within MAX_ARGS.
static mut ARGS_DATA: [u8; 1 << 20] = [0; 1 << 20];
static mut ARGS_ARGV: [*const c_char; MAX_ARGS + 1] = [core::ptr::null(); MAX_ARGS + 1];
static mut ARGS_USED: (usize, usize) = (0, 0);

const VERSION: &[u8] = b"bubblewrap 0.11.1 (nook)\n";

const _: () = assert!(BWRAP_OPTIONS_LEN == OPTIONS.names.len(), "build.rs packs OPTIONS's words");

/// OPTIONS's word as a C string in the unpacked texts, for a message
/// that names an option: the names' bytes, not a copy of its own. Only
/// once `parse` has unpacked them.
macro_rules! unpacked {
    ($word:literal) => {
        in_bwrap_texts!(OPTIONS.names, BWRAP_NAMES_START, $word)
    };
}
use unpacked;

/// The option `word` names: OPTIONS's value for it, found among the
/// unpacked names (the table's own string is then not in the binary).
fn option(texts: &[u8; BWRAP_TEXTS_END], word: &[u8]) -> Option<B> {
    crate::base::words::find_in(texts.get(BWRAP_NAMES_START..BWRAP_MESSAGES_START).unwrap_or(&[]), OPTIONS.values, word)
}

fn print_usage(texts: &[u8; BWRAP_TEXTS_END], fd: i32) {
    let _ = write_all(fd, texts.get(BWRAP_USAGE_START..).unwrap_or(&[]));
}

#[cfg(test)]
mod tests {
    #[test]
    fn packed_names_are_the_tables() {
        use crate::base::bwrap::*;
        use crate::base::packed::unpack;
        let mut texts = [0u8; BWRAP_TEXTS_END];
        unpack(&mut texts);
        assert_eq!(&texts[BWRAP_NAMES_START..BWRAP_MESSAGES_START], super::OPTIONS.names.as_bytes());
        assert_eq!(&texts[BWRAP_MESSAGES_START..BWRAP_USAGE_START], BWRAP_MESSAGES.as_bytes());
        assert!(texts[BWRAP_USAGE_START..].starts_with(b"usage: bwrap "));
    }
}
