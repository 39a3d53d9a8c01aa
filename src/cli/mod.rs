//! argv and NOOK_* → a plan. Options are read strictly left to right; every
//! mistake is a usage error reported before anything changes.
//!
//! Each role has its own file with its own option table (`run.rs`,
//! `enter.rs`, `init.rs`, `mounts.rs`, `switch_root.rs`), and so has each
//! personality that reads argv its own way (`tini.rs`); a new role adds
//! that file, its name to `ROLES` or `PERSONALITIES` (and a `Role` variant)
//! and one arm to [`parse`], and its cargo feature (Cargo.toml, with its
//! arm in [`not_built`] and its `mod` line below under the feature). This
//! file holds what they share: the cursor over argv, PROGRAM, and set-once
//! slots.

// The cursor's path values and the set-once slots serve run's options
// most: a build without run uses only some of them.
#![cfg_attr(not(feature = "run"), allow(dead_code))]

use crate::base::packed::say;
use crate::base::error::{Failure, Result};
use crate::plan::{Argv, RunPlan};
use core::ffi::CStr;
use crate::base::words::{Words, words};

/// What the command line asks nook to do.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    /// `nook run`'s, or nook as bwrap's: the container (nook_container).
    #[cfg(nook_container)]
    Run,
    Init,
    #[cfg(feature = "enter")]
    Enter,
    #[cfg(feature = "mounts")]
    Mounts,
    #[cfg(feature = "switch-root")]
    SwitchRoot,
    #[cfg(feature = "boot")]
    Boot,
    Help,
    Version,
    /// tini's -l, catatonit's -L: the licence.
    License,
    /// tini's and catatonit's --version: a line in tini's shape.
    InitVersion,
    /// bwrap's --help, --version and usage: printed, nook exits with this.
    #[cfg(feature = "bwrap")]
    Exit(i32),
}

/// The kernel's PATH_MAX: longer paths cannot name anything.
const PATH_MAX: usize = 4096;

/// Every role and personality, built or not: one the build lacks is
/// refused by name ([`not_built`]) rather than mistaken for a PROGRAM.
#[derive(Clone, Copy)]
enum Role {
    Run,
    Enter,
    Init,
    Mounts,
    SwitchRoot,
    Boot,
    /// `init` as tini (false) or catatonit (true) reads argv: a
    /// personality, never argv[1].
    Tini(bool),
    /// `run` as bubblewrap reads argv (cli/bwrap.rs): only in a build with
    /// the `bwrap` feature, refused by name without it.
    Bwrap,
}

const ROLES: Words<Role> = words![
    "run" => Role::Run, "enter" => Role::Enter, "init" => Role::Init,
    "switch-root" => Role::SwitchRoot, "boot" => Role::Boot, "mounts" => Role::Mounts,
];

/// `role` when this build lacks it (Cargo.toml's features, README, Size):
/// the one line that says which feature builds it. A personality is named
/// by its role (findmnt's is mounts). The names are the tables' own
/// words, and the hint is composed (suggest.rs): six hints spelled out
/// and a table of their pointers took some 200 bytes more.
#[cold]
#[inline(never)]
fn not_built<'a>(role: Role) -> Result<'a, Action> {
    // A build of every role names none.
    #[allow(unused_imports)]
    use crate::base::words::named;
    let name = match role {
        #[cfg(not(feature = "run"))]
        Role::Run => named!(ROLES, "run"),
        #[cfg(not(feature = "enter"))]
        Role::Enter => named!(ROLES, "enter"),
        #[cfg(not(feature = "mounts"))]
        Role::Mounts => named!(ROLES, "mounts"),
        #[cfg(not(feature = "switch-root"))]
        Role::SwitchRoot => named!(ROLES, "switch-root"),
        #[cfg(not(feature = "boot"))]
        Role::Boot => named!(ROLES, "boot"),
        #[cfg(not(feature = "bwrap"))]
        Role::Bwrap => named!(PERSONALITIES, "bwrap"),
        _ => c"",
    };
    // An initramfs wants switch-root and boot both, and more (Cargo.toml).
    let feature = if matches!(role, Role::SwitchRoot | Role::Boot) { b"initramfs" } else { name.to_bytes() };
    Err(Failure::usage(c"role", name, say!("not in this build")).hint(suggest::compose(&[b"build nook with --features ", feature])))
}

/// The names (argv[0]'s basename) that make nook another tool (see the
/// README's "Personalities").
const PERSONALITIES: Words<Role> = words![
    "switch_root" => Role::SwitchRoot, "findmnt" => Role::Mounts,
    "tini" => Role::Tini(false), "docker-init" => Role::Tini(false), "catatonit" => Role::Tini(true),
    // podman runs its --init-path binary (catatonit) as /run/podman-init.
    "podman-init" => Role::Tini(true),
    "bwrap" => Role::Bwrap,
];

/// Parses argv (argv[0] included) and envp into `plan`.
pub fn parse<'a>(argv: Argv<'a>, envp: Argv<'a>, plan: &mut RunPlan<'a>) -> Result<'a, Action> {
    let name = argv.get(0).map(basename);
    let with_argv0 = bwrap::init_persona(name);
    // The kernel starts an initramfs's /init as PID 1 with the words after
    // `--` on its command line (and the unknown ones without `=`) as
    // arguments, which boot hands on to the root's init. A role or an
    // option there still means what it says.
    if name == Some(b"init")
        && rustix::process::getpid().is_init()
        && argv.get(1).is_none_or(|a| a.to_bytes().first() != Some(&b'-') && ROLES.find(a.to_bytes()).is_none())
    {
        #[cfg(feature = "boot")]
        return switch_root::parse_boot(argv, 1, envp, plan);
        #[cfg(not(feature = "boot"))]
        return not_built(Role::Boot);
    }
    // Where the role's words start (the init and the personalities know).
    #[cfg_attr(not(any(feature = "run", feature = "mounts", feature = "switch-root")), allow(unused_variables))]
    let (role, start) = match name.and_then(|n| PERSONALITIES.find(n)) {
        Some(role) => (role, 1),
        None => {
            let first = match argv.get(1) {
                None => return Err(Failure::usage(c"usage", c"PROGRAM", say!("nothing to run")).hint(say!("see nook --help"))),
                Some(a) => a,
            };
            match help_or_version(first.to_bytes()) {
                Some(Opt::Help) => return Ok(Action::Help),
                Some(Opt::Version) => return Ok(Action::Version),
                _ => {}
            }
            match ROLES.find(first.to_bytes()) {
                Some(role) => (role, 2),
                None if first.to_bytes().first() == Some(&b'-') => (Role::Run, 1),
                // `nook -- PROGRAM` is run's: a build without it names the
                // roles it has in --help.
                None => {
                    #[cfg(feature = "run")]
                    let hint = say!("to run a program, put -- before it: nook [OPTIONS] -- PROGRAM");
                    #[cfg(not(feature = "run"))]
                    let hint = say!("see nook --help for this build's roles");
                    return Err(Failure::usage(c"role", first, say!("unknown role")).hint(hint));
                }
            }
        }
    };
    match role {
        #[cfg(feature = "mounts")]
        Role::Mounts => return mounts::parse(argv, start, &mut plan.mounts),
        #[cfg(feature = "switch-root")]
        Role::SwitchRoot => return switch_root::parse_switch_root(argv, start, envp, plan),
        #[cfg(feature = "boot")]
        Role::Boot => return switch_root::parse_boot(argv, start, envp, plan),
        // bwrap's own defaults: no NOOK_* variable applies.
        #[cfg(feature = "bwrap")]
        Role::Bwrap => return bwrap::parse(argv, plan),
        Role::Init | Role::Tini(_) => {}
        #[cfg(feature = "run")]
        Role::Run => {}
        #[cfg(feature = "enter")]
        Role::Enter => {}
        #[allow(unreachable_patterns)] // every role built
        _ => return not_built(role),
    }
    // The NOOK_* defaults first: argv overrides them.
    apply_environment(envp, plan, matches!(role, Role::Tini(false)))?;
    let action = match role {
        Role::Tini(catatonit) => return tini::parse(argv, catatonit, plan),
        #[cfg(feature = "enter")]
        Role::Enter => {
            enter::parse(argv, plan)?;
            Action::Enter
        }
        #[cfg(feature = "run")]
        Role::Run => {
            run::parse(argv, start, plan)?;
            Action::Run
        }
        _ => {
            init::parse(argv, plan)?;
            // bwrap's `--argv0`: the file to execute came before PROGRAM.
            if with_argv0 {
                bwrap::split_exec_path(plan);
            }
            Action::Init
        }
    };
    // `--help` among a role's options leaves PROGRAM unset (`init --pause`
    // has none either).
    Ok(if plan.process.program().is_empty() && !plan.init.pause { Action::Help } else { action })
}

/// A cursor over argv. The values it reads belong to the option it read
/// last, which their errors name.
struct Cursor<'a> {
    argv: Argv<'a>,
    next: usize,
    option: &'a CStr,
    /// The value of `--option=value`, until it is taken.
    inline: Option<&'a CStr>,
    /// How many values the option has taken so far (for `missing DEST`).
    taken: usize,
    /// The option's name ([`name`] of `option`), found once.
    name: &'a [u8],
}

/// An option's name: `--root` of `--root=DIR` (GNU style), else all of it.
fn name(arg: &CStr) -> &[u8] {
    let bytes = arg.to_bytes();
    match bytes.iter().position(|&b| b == b'=') {
        Some(eq) if matches!(bytes, [b'-', b'-', ..]) => &bytes[..eq],
        _ => bytes,
    }
}

impl<'a> Cursor<'a> {
    // Out of line: inlined into each parser it took more (measured). The
    // init-only build has one parser that reads a cursor (init's): inlined
    // there, -64 bytes.
    #[cfg_attr(not(nook_init_only), inline(never))]
    fn new(argv: Argv<'a>, start: usize) -> Self {
        Cursor { argv, next: start, option: c"", inline: None, taken: 0, name: b"" }
    }

    /// The next option. None at the end, after `--` (consumed), or at the
    /// first word that is not an option (left for PROGRAM). An error when
    /// the option before was given `=value` but takes none.
    fn next_option(&mut self) -> Result<'a, Option<&'a CStr>> {
        if self.inline.is_some() {
            return Err(Failure::option(self.option, say!("takes no value")));
        }
        let Some(arg) = self.argv.get(self.next) else { return Ok(None) };
        let bytes = arg.to_bytes();
        if bytes.first() != Some(&b'-') {
            return Ok(None);
        }
        self.next += 1;
        self.option = arg;
        self.taken = 0;
        let name = name(arg);
        self.name = name;
        if name.len() < bytes.len() {
            self.inline = Some(crate::base::text::c_tail(arg, name.len() + 1));
        }
        Ok((bytes != b"--").then_some(arg))
    }

    /// The option's next value: from `=value`, or the next word, which
    /// must not be `--` (that ends the options: the value is missing).
    fn value(&mut self) -> Result<'a, &'a CStr> {
        self.taken += 1;
        if let Some(v) = self.inline.take() {
            return Ok(v);
        }
        match self.argv.get(self.next) {
            Some(v) if v.to_bytes() != b"--" => {
                self.next += 1;
                Ok(v)
            }
            _ => Err(suggest::missing(self.option, self.name, self.taken - 1)),
        }
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
        if v.to_bytes().first() != Some(&b'/') {
            return Err(Failure::option(self.option, say!("needs an absolute path"))
                .hint(say!("paths inside the container start with /")));
        }
        Ok(v)
    }

    /// The DEST of an operation that mounts or creates something: an
    /// absolute path that does not name the root itself (`/`, `//`, `/.`,
    /// `/..`), which is --root's. A mount on it would sit above the
    /// process's root, unseen.
    fn dest(&mut self) -> Result<'a, &'a CStr> {
        self.dest_or(say!("the root is --root DIR's (read-only host: --root / --ro-root)"))
    }

    /// [`dest`](Self::dest), with `hint` for the root itself: nook as
    /// bwrap's names bwrap's options.
    #[inline(always)]
    fn dest_or(&mut self, hint: &'static CStr) -> Result<'a, &'a CStr> {
        let v = self.absolute()?;
        if names_root(v) {
            return Err(Failure::option(self.option, say!("cannot mount or create on / itself")).hint(hint));
        }
        Ok(v)
    }
}

/// Whether an absolute path names the root itself: only slashes and dots,
/// never three dots in a row ("..." is a name).
fn names_root(v: &CStr) -> bool {
    let mut dots = 0;
    v.to_bytes().iter().all(|&c| {
        dots = if c == b'.' { dots + 1 } else { 0 };
        (c == b'/' || c == b'.') && dots < 3
    })
}

fn check_path<'a>(option: &'a CStr, v: &'a CStr) -> Result<'a, ()> {
    if v.is_empty() {
        return Err(Failure::option(option, say!("empty path")));
    }
    if v.to_bytes().len() >= PATH_MAX {
        return Err(Failure::new(c"option", option, rustix::io::Errno::NAMETOOLONG));
    }
    Ok(())
}

/// PROGRAM [ARG...] from argv[at], which must name something; with
/// `--pause` (init's, catatonit's -P) there must be none.
fn program<'a>(argv: Argv<'a>, at: usize, plan: &mut RunPlan<'a>) -> Result<'a, ()> {
    match argv.get(at) {
        Some(p) if plan.init.pause => Err(Failure::usage(c"usage", p, say!("is a PROGRAM; pause mode has none"))),
        None if plan.init.pause => Ok(()),
        // Every role and personality here (run, init, tini, catatonit) takes
        // PROGRAM last.
        None => Err(Failure::usage(c"usage", c"PROGRAM", say!("no program given")).hint(say!("PROGRAM [ARG...] comes after the options"))),
        Some(p) if p.is_empty() => Err(Failure::usage(c"usage", c"PROGRAM", say!("empty program name"))),
        Some(_) => {
            plan.process.program = Some(argv.tail(at));
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
        Some(i) => b.get(i + 1..).unwrap_or_default(),
        None => b,
    }
}

fn set_once<'a, T>(slot: &mut Option<T>, value: T, option: &'a CStr) -> Result<'a, ()> {
    if slot.is_some() {
        return Err(Failure::option(option, say!("given twice")));
    }
    *slot = Some(value);
    Ok(())
}

/// Like [`set_once`], but a value that came from a NOOK_* variable gives
/// way to argv: refused only when the option came before (`on_argv`).
fn set_over_env<'a, T>(slot: &mut Option<T>, on_argv: &mut bool, value: T, option: &'a CStr) -> Result<'a, ()> {
    if core::mem::replace(on_argv, true) {
        return Err(Failure::option(option, say!("given twice")));
    }
    *slot = Some(value);
    Ok(())
}

// A role's file only in the builds that have the role (Cargo.toml's
// features); `nook_process` (build.rs) is set with run or enter, whose
// process and sandbox options these files hold.
#[cfg(feature = "bwrap")]
mod bwrap;
/// Without the bwrap personality nook is never its init: the shared
/// parser's and the re-exec's questions get constant answers, which fold
/// their bwrap branches away.
#[cfg(not(feature = "bwrap"))]
mod bwrap {
    use crate::plan::RunPlan;
    use core::ffi::CStr;

    #[inline(always)]
    pub(super) fn init_name(_plan: &RunPlan) -> &'static CStr {
        c"nook"
    }

    #[inline(always)]
    pub(super) fn init_persona(_name: Option<&[u8]>) -> bool {
        false
    }

    #[inline(always)]
    pub(super) fn split_exec_path(_plan: &mut RunPlan) {}
}
#[cfg(feature = "enter")]
mod enter;
mod env;
pub mod help;
mod init;
#[cfg(feature = "mounts")]
mod mounts;
#[cfg(nook_container)]
pub mod reexec;
#[cfg(nook_process)]
mod run;
#[cfg(nook_process)]
mod sandbox;
mod suggest;
#[cfg(feature = "switch-root")]
mod switch_root;
mod tini;
pub mod values;
use env::apply_environment;
#[cfg(nook_process)]
pub use run::ALL_NAMESPACES;

/// The words of run's table that every role reads (argv[1], and `--help`
/// among a role's options), in a table of their own: PID 1 parses `nook
/// init` without reading run's table, which is in the setup segment.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Opt {
    Help,
    Version,
}

// Inlined into its two callers (the dispatch, is_help): -8 bytes.
#[inline(always)]
fn help_or_version(word: &[u8]) -> Option<Opt> {
    words!["--help" => Opt::Help, "-h" => Opt::Help, "--version" => Opt::Version, "-V" => Opt::Version].find(word)
}

/// One of the init's own variables, which only `run` sets: their names
/// are in env.rs's table (every build strips them from PROGRAM's
/// environment), their decoder in reexec.rs (a build with run's).
#[derive(Clone, Copy)]
enum InitVariable {
    Sigmask,
    Foreground,
    ExecFailFd,
}

/// `--help` or `-h`, which every role's options take.
fn is_help(word: &CStr) -> bool {
    help_or_version(word.to_bytes()) == Some(Opt::Help)
}

#[cfg(all(test, feature = "run", feature = "enter", feature = "mounts"))]
mod tests;
