//! The kernel command line (/proc/cmdline), as `nook boot` reads it.
//!
//! Words are split exactly as the kernel splits them ([`next_word`] is
//! lib/cmdline.c's `next_arg`), so a value means here what it meant to the
//! kernel: `param="a b"` is one word whose value is `a b`, a word that
//! starts with a quote (`"param=a b"`) is quoted whole, and a quote
//! elsewhere only stops spaces from splitting. There is no escape for a
//! quote. Whitespace is the kernel's isspace: space, \t \n \v \f \r, and
//! Latin-1's no-break space 0xA0 (lib/ctype.c).
//!
//! The parameters `nook boot` takes (each later one overrides an earlier
//! one, as each kernel `__setup` handler overwrites its variable):
//!
//! | word | meaning |
//! | --- | --- |
//! | `root=/dev/NAME`, `root=MAJOR:MINOR` | the root device by name or number |
//! | `root=UUID=`, `root=LABEL=`, `root=PARTUUID=` | by filesystem UUID, label or partition UUID |
//! | `rootfstype=TYPE[,TYPE...]` | the filesystem types to try, in order |
//! | `rootflags=OPTS` | the data string of the root's mount(2) |
//! | `ro`, `rw` | read-only (the kernel's default) or read-write |
//! | `rootwait`, `rootwait=SECONDS` | wait for the device forever, or that long |
//! | `rootdelay=SECONDS` | how long to wait without rootwait (default 10) |
//! | `init=PATH` | the root's init (default /sbin/init) |
//! | `-- ARG...` | init's arguments; nothing after `--` is a parameter |
//! | `MODULE.PARAM[=VALUE]` | a module's option, as modprobe applies it |
//! | `modprobe.blacklist=`, `module_blacklist=` | modules not to load |
//! | `nook.verbose`, `nook.verbose=LEVEL` | trace each step (LEVEL 0..3) |
//!
//! Every other word is the kernel's (console=, panic=, ...) and is ignored.

use crate::base::packed::say;
use crate::base::text::{Buffer, SplitOn};
use core::mem::MaybeUninit;
use super::modules::name_eq;
use crate::base::words::Words as Table;
use core::ffi::CStr;
use super::parse_u32;

/// At most this many words after `--`: the kernel's MAX_INIT_ARGS
/// (CONFIG_INIT_ENV_ARG_LIMIT, 32), past which it panics at boot anyway.
pub const MAX_INIT_ARGS: usize = 32;

/// How long to wait for the root device without `rootwait` or `rootdelay=`.
pub const DEFAULT_ROOT_DELAY: u32 = 10;

/// The most verbose `nook.verbose=` level (as NOOK_VERBOSE's 0..3).
pub const MAX_VERBOSE: u8 = 3;

/// One word of the command line, split as the kernel's next_arg splits it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Word<'a> {
    /// The word as written, quotes and all.
    pub raw: &'a [u8],
    /// The text before the first `=` (all of it without one), unquoted.
    pub param: &'a [u8],
    /// The text after the first `=`, unquoted; None without an `=`.
    pub value: Option<&'a [u8]>,
}

impl Word<'_> {
    /// The length of `param=value` (or `param`): the text the kernel hands
    /// on for a word after `--` (init/main.c's repair_env_string).
    pub fn joined_len(&self) -> usize {
        self.param.len() + self.value.map_or(0, |v| v.len() + 1)
    }

    /// Writes `param=value` (or `param`) at the start of `out`; returns its
    /// length, or None when `out` is too short.
    pub fn write_joined(&self, out: &mut [u8]) -> Option<usize> {
        let len = self.joined_len();
        let out = out.get_mut(..len)?;
        let (head, tail) = out.split_at_mut(self.param.len());
        head.copy_from_slice(self.param);
        if let Some(value) = self.value {
            tail[0] = b'=';
            tail[1..].copy_from_slice(value);
        }
        Some(len)
    }
}

/// The kernel's isspace (lib/ctype.c marks 9..=13, 32 and 160 as space).
fn is_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ' | 0xA0)
}

fn skip_spaces(mut text: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = text {
        if !is_space(*first) {
            break;
        }
        text = rest;
    }
    text
}

/// The first word of `text` and the text after it, or None when only
/// whitespace is left. This is lib/cmdline.c's next_arg over a slice: the
/// kernel writes NULs into the line to cut it; here the same cuts are
/// subslices.
pub fn next_word(text: &[u8]) -> Option<(Word<'_>, &[u8])> {
    let mut rest = text;
    let word = take_word(&mut rest)?;
    Some((word, rest))
}

/// [`next_word`] in place: the first word of `*line`, which then holds
/// the text after it (one slice fewer to hand back than a pair).
pub fn take_word<'a>(line: &mut &'a [u8]) -> Option<Word<'a>> {
    let text = skip_spaces(line);
    // A word that starts with a quote is quoted whole: the quote is skipped
    // and a quote at its end dropped.
    let quoted = *text.first()? == b'"';
    let body = text.get(usize::from(quoted)..).unwrap_or(&[]);
    let mut in_quote = quoted;
    // The first `=`; as in the kernel, one at index 0 does not count
    // (`equals == 0` means "none yet").
    let mut equals = 0;
    let mut end = body.len();
    for (i, &b) in body.iter().enumerate() {
        if is_space(b) && !in_quote {
            end = i;
            break;
        }
        if equals == 0 && b == b'=' {
            equals = i;
        }
        if b == b'"' {
            in_quote = !in_quote;
        }
    }
    let (word, rest) = body.split_at(end);
    // The param before an `=` (none without one), and the text after it
    // (the whole word without one), which loses the word's last quote when
    // the word is quoted whole; a value that starts with a quote loses it,
    // and the last quote with it.
    // (One strip for both: a site each took 24 bytes more.)
    let (mut tail, mut strip) = (word, quoted);
    if equals != 0 {
        let value = word.get(equals + 1..).unwrap_or(&[]);
        let unquoted = value.strip_prefix(b"\"");
        (tail, strip) = (unquoted.unwrap_or(value), strip || unquoted.is_some());
    }
    if strip {
        tail = strip_last_quote(tail);
    }
    let (param, value) = if equals == 0 { (tail, None) } else { (word.get(..equals).unwrap_or(&[]), Some(tail)) };
    let raw = text.get(..text.len() - rest.len()).unwrap_or(text);
    *line = rest;
    Some(Word { raw, param, value })
}

/// `text` without the quote it ends with, if it does.
fn strip_last_quote(text: &[u8]) -> &[u8] {
    text.strip_suffix(b"\"").unwrap_or(text)
}

/// The words of `text`, in order.
pub fn words(text: &[u8]) -> Words<'_> {
    Words { rest: text }
}

/// The iterator [`words`] returns.
#[derive(Clone)]
pub struct Words<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Words<'a> {
    type Item = Word<'a>;

    fn next(&mut self) -> Option<Word<'a>> {
        take_word(&mut self.rest)
    }
}

/// The root device, as `root=` names it. Its tags count from 1, so that
/// None is 0 and a [`Cmdline::new`] all zeros but its slices (one copied
/// from a 144-byte constant cost that constant).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Root<'a> {
    /// `root=/dev/NAME`: the whole path, `/dev/` included.
    Path(&'a [u8]) = 1,
    /// `root=MAJOR:MINOR`, in decimal.
    Number { major: u32, minor: u32 } = 2,
    /// `root=UUID=...`: a filesystem UUID, compared ignoring case.
    Uuid(&'a [u8]) = 3,
    /// `root=LABEL=...`: a filesystem label, compared exactly.
    Label(&'a [u8]) = 4,
    /// `root=PARTUUID=...`: a GPT partition GUID or an MBR `SSSSSSSS-NN`.
    PartUuid(&'a [u8]) = 5,
}

/// How long to wait for the root device to appear (tags from 1, as
/// [`Root`]'s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Wait {
    /// `rootwait`: until it appears.
    Forever = 1,
    /// Up to this many seconds (`rootwait=`, `rootdelay=` or the default).
    Seconds(u32) = 2,
}

/// What is wrong with the command line: the parameter, the offending text
/// and the rule it breaks, for a one-line error on the console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error<'a> {
    /// The parameter, as written before its `=` (`root`, `rootdelay`, ...).
    pub param: &'a [u8],
    /// The value (or the whole word) that is wrong.
    pub value: &'a [u8],
    /// What the parameter takes (a C string: it is the hint of nook's
    /// one-line error).
    pub expected: &'static CStr,
}

/// The parameters of a command line that `nook boot` acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cmdline<'a> {
    /// `root=`; None when the line has none.
    pub root: Option<Root<'a>>,
    /// `root=`'s value as written (for messages); empty without one.
    pub root_text: &'a [u8],
    /// `rootfstype=`: a comma-separated list (see [`Cmdline::fstypes`]).
    pub fstype: Option<&'a [u8]>,
    /// `rootflags=`: the data string for the root's mount(2).
    pub flags: Option<&'a [u8]>,
    /// `rw` (`ro`/`rw`, the last one winning); read-only by default, as
    /// the kernel's own root_mountflags (init/do_mounts.c) and
    /// initramfs-tools: see [`Cmdline::read_only`].
    pub read_write: bool,
    /// `rootwait` or `rootwait=SECONDS`.
    pub rootwait: Option<Wait>,
    /// `rootdelay=SECONDS`.
    pub rootdelay: Option<u32>,
    /// `init=`.
    pub init: Option<&'a [u8]>,
    /// `nook.verbose` (1) or `nook.verbose=LEVEL`; 0 without it.
    pub verbose: u8,
    /// The text before `--`, where the modules' options are.
    params: &'a [u8],
    /// The text after `--`: init's arguments.
    init_args: &'a [u8],
}

/// The parameters `nook boot` acts on, found through one table (a `match`
/// on byte strings compiles to a compare per arm).
#[derive(Clone, Copy)]
enum Param {
    Dashes, Root, FsType, Flags, Ro, Rw, Wait, Delay, Init, Verbose,
}

const PARAMS: Table<Param> = crate::base::words::words![
    "--" => Param::Dashes, "root" => Param::Root, "rootfstype" => Param::FsType, "rootflags" => Param::Flags,
    "ro" => Param::Ro, "rw" => Param::Rw, "rootwait" => Param::Wait, "rootdelay" => Param::Delay,
    "init" => Param::Init, "nook.verbose" => Param::Verbose,
];

/// The forms of `root=` named by a prefix.
const ROOT_PREFIXES: Table<u8> = crate::base::words::words!["UUID=" => 0, "LABEL=" => 1, "PARTUUID=" => 2];

/// `root=`'s value, or what it should have been. Inlined into
/// [`Cmdline::read`], its one caller (38 bytes less than out of line, now
/// that its cuts keep no panic path).
#[inline(always)]
fn root(value: &[u8]) -> Result<Root<'_>, &'static CStr> {
    if let Some(eq) = value.iter().position(|&b| b == b'=')
        && let (Some(prefix), Some(rest)) = (value.get(..=eq), value.get(eq + 1..))
        && let Some(kind) = ROOT_PREFIXES.find(prefix)
    {
        let named = strip_quotes(rest);
        if named.is_empty() {
            return Err(say!("a UUID, LABEL or PARTUUID after the ="));
        }
        return Ok(match kind {
            0 => Root::Uuid(named),
            1 => Root::Label(named),
            // The kernel's own PARTUUID=.../PARTNROFF=N.
            _ if crate::base::text::has_byte(named, b'/') => return Err(say!("PARTUUID=UUID (PARTNROFF= is not supported)")),
            _ => Root::PartUuid(named),
        });
    }
    if let Some(name) = value.strip_prefix(b"/dev/") {
        return if name.is_empty() { Err(say!("/dev/NAME with a NAME")) } else { Ok(Root::Path(value)) };
    }
    device_number(value)
        .map(|(major, minor)| Root::Number { major, minor })
        .ok_or(say!("/dev/NAME, MAJOR:MINOR, UUID=, LABEL= or PARTUUID="))
}

/// `MAJOR:MINOR` in decimal, as the kernel's devt_from_devnum reads it.
fn device_number(text: &[u8]) -> Option<(u32, u32)> {
    let colon = text.iter().position(|&b| b == b':')?;
    Some((parse_u32(text.get(..colon)?)?, parse_u32(text.get(colon + 1..)?)?))
}

/// `LABEL="my root"`: the kernel strips only a quote that starts the value
/// (`root="LABEL=my root"` arrives unquoted); one around the name after
/// `LABEL=` is taken off here, so both spellings name the same label.
fn strip_quotes(text: &[u8]) -> &[u8] {
    match text {
        [b'"', inner @ .., b'"'] => inner,
        _ => text,
    }
}

impl<'a> Cmdline<'a> {
    /// Parses a command line (the contents of /proc/cmdline; anything from
    /// a NUL on is ignored).
    pub fn parse(text: &'a [u8]) -> Result<Cmdline<'a>, Error<'a>> {
        let mut line = Cmdline::new(text);
        line.read(text).map(|()| line)
    }

    /// A line without a word, for [`Cmdline::read`] to read `text` into:
    /// no root, read-only, and the default wait. All zeros but the empty
    /// slices, which point into `text`.
    pub fn new(text: &'a [u8]) -> Cmdline<'a> {
        let none = text.get(..0).unwrap_or_default();
        Cmdline {
            root: None,
            root_text: none,
            fstype: None,
            flags: None,
            read_write: false,
            rootwait: None,
            rootdelay: None,
            init: None,
            verbose: 0,
            params: text,
            init_args: none,
        }
    }

    /// Read-only unless `rw` came last.
    pub fn read_only(&self) -> bool {
        !self.read_write
    }

    /// Reads command line `text` into `self` (filled in place: built in
    /// locals and copied out, each parameter cost a store and a load more),
    /// which starts as [`Cmdline::new`]; anything from a NUL on is ignored.
    #[inline(never)]
    pub fn read(&mut self, text: &'a [u8]) -> Result<(), Error<'a>> {
        let text = match text.iter().position(|&b| b == 0) {
            Some(nul) => &text[..nul],
            None => text,
        };
        let line = self;
        line.params = text;
        let mut rest = text;
        loop {
            let before = rest;
            let Some(word) = take_word(&mut rest) else { break };
            let after = rest;
            let Some(kind) = PARAMS.find(word.param) else { continue };
            let param = word.param;
            let value = word.value.unwrap_or(&[]);
            // What is wrong with the word, if anything.
            let expected: &'static CStr = match (kind, word.value) {
                // The kernel stops parsing at `--` (kernel/params.c
                // parse_args) and gives the rest to init.
                (Param::Dashes, None) => {
                    // `before` is a tail of `text`: the get never fails
                    // (an index here kept a panic path).
                    line.params = text.get(..text.len().wrapping_sub(before.len())).unwrap_or(text);
                    line.init_args = after;
                    // No count is checked: the kernel refuses more than
                    // MAX_INIT_ARGS itself before /init runs.
                    break;
                }
                (Param::Root, Some(v)) => match root(v) {
                    Ok(r) => {
                        line.root = Some(r);
                        line.root_text = v;
                        continue;
                    }
                    Err(expected) => expected,
                },
                (Param::FsType, Some(v)) if !v.is_empty() => {
                    line.fstype = Some(v);
                    continue;
                }
                (Param::FsType, Some(_)) => say!("a filesystem type"),
                (Param::Flags, Some(v)) => {
                    line.flags = Some(v);
                    continue;
                }
                (Param::Ro | Param::Rw, None) => {
                    line.read_write = matches!(kind, Param::Rw);
                    continue;
                }
                (Param::Wait, None) => {
                    line.rootwait = Some(Wait::Forever);
                    continue;
                }
                (Param::Wait | Param::Delay, Some(v)) => match parse_u32(v) {
                    Some(n) => {
                        if matches!(kind, Param::Wait) {
                            line.rootwait = Some(Wait::Seconds(n));
                        } else {
                            line.rootdelay = Some(n);
                        }
                        continue;
                    }
                    None => say!("a number of seconds"),
                },
                (Param::Init, Some(v)) if !v.is_empty() => {
                    line.init = Some(v);
                    continue;
                }
                (Param::Init, Some(_)) => say!("the path of the root's init"),
                (Param::Verbose, None) => {
                    line.verbose = 1;
                    continue;
                }
                (Param::Verbose, Some(v)) => match parse_u32(v) {
                    Some(level) if level <= u32::from(MAX_VERBOSE) => {
                        line.verbose = level as u8;
                        continue;
                    }
                    _ => say!("a level from 0 to 3"),
                },
                _ => continue,
            };
            return Err(Error { param, value, expected });
        }
        Ok(())
    }

    /// How long to wait for the root device: forever or as long as
    /// `rootwait` says, else up to `rootdelay=` (default 10 seconds).
    pub fn wait(&self) -> Wait {
        self.rootwait.unwrap_or(Wait::Seconds(self.rootdelay.unwrap_or(DEFAULT_ROOT_DELAY)))
    }

    /// The `rootfstype=` types to try, in order (the kernel's
    /// mount_block_root splits the list at commas); empty without one.
    pub fn fstypes(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.fstype.unwrap_or(&[]).split_on(b',').filter(|t| !t.is_empty())
    }

    /// The words after `--`, init's arguments, in order; each is handed on
    /// as [`Word::write_joined`] writes it (`x="a b"` becomes `x=a b`).
    pub fn init_args(&self) -> Words<'a> {
        words(self.init_args)
    }

    /// The options the command line gives module `module`, in order, each
    /// as modprobe hands it to the kernel: the text after `MODULE.` of a
    /// word before `--`, quotes kept (the kernel's own parser of module
    /// parameters strips them). `MODULE` compares with `-` and `_` alike.
    ///
    /// The rules are libkmod's (kmod_config_parse_kcmdline): the module
    /// name ends at the first `.` and holds no `=`; the parameter name ends
    /// at `=` and holds no `.`; a word that starts with a quote is no
    /// module's.
    pub fn module_options<'m>(&self, module: &'m [u8]) -> ModuleOptions<'a, 'm> {
        ModuleOptions { words: words(self.params), module }
    }

    /// Appends the options for `module` to `out`, joined by spaces, as
    /// finit_module's parameter string (an `out` too short for them is
    /// marked overflowed, as [`Buffer::push`] does).
    pub fn write_module_options(&self, module: &[u8], out: &mut Buffer<[MaybeUninit<u8>]>) {
        for option in self.module_options(module) {
            if !out.is_empty() {
                out.push(b" ");
            }
            out.push(option);
        }
    }

    /// True when `modprobe.blacklist=` (which modprobe honours) or
    /// `module_blacklist=` (which the kernel enforces with EPERM) lists
    /// `module`, in a comma-separated list.
    pub fn is_blacklisted(&self, module: &[u8]) -> bool {
        words(self.params).any(|word| match (word.param, word.value) {
            (b"modprobe.blacklist" | b"module_blacklist", Some(list)) => {
                list.split_on(b',').any(|name| name_eq(name, module))
            }
            _ => false,
        })
    }
}

/// The iterator [`Cmdline::module_options`] returns.
pub struct ModuleOptions<'a, 'm> {
    words: Words<'a>,
    module: &'m [u8],
}

impl<'a> Iterator for ModuleOptions<'a, '_> {
    type Item = &'a [u8];

    #[inline(never)]
    fn next(&mut self) -> Option<&'a [u8]> {
        for word in self.words.by_ref() {
            if let Some((name, option)) = module_option(word.raw)
                && name_eq(name, self.module)
            {
                return Some(option);
            }
        }
        None
    }
}

/// A word's module name and option text, when it is `MODULE.PARAM[=VALUE]`.
fn module_option(raw: &[u8]) -> Option<(&[u8], &[u8])> {
    if raw.first() == Some(&b'"') {
        return None;
    }
    let dot = raw.iter().position(|&b| b == b'.')?;
    let (name, option) = (raw.get(..dot)?, raw.get(dot + 1..)?);
    let param = option.split_on(b'=').next().unwrap_or(&[]);
    // A space can only be in a quoted value (libkmod ignores the word).
    let odd = |b: &u8| is_space(*b) || *b == b'"';
    if name.is_empty() || name.iter().any(|b| *b == b'=' || odd(b)) {
        return None;
    }
    if param.is_empty() || param.iter().any(|b| *b == b'.' || odd(b)) {
        return None;
    }
    Some((name, option))
}

#[cfg(test)]
#[path = "cmdline_tests.rs"]
mod tests;
