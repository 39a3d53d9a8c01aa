//! Links musl's libc.a statically (a no_std binary gets no -lc from std) and
//! stamps the git hash into `nook --version`.
use std::process::Command;

/// nook never unwinds, yet the prebuilt libcore it is linked with (LTO)
/// still emits unwind tables: drop those of the Rust object, and the
/// compilers' .comment. crtbegin.o and crtend.o go too: all they do is
/// register unwind tables with an unwinder nook does not link (the weak
/// __register_frame_info is null) and call a __cxa_finalize it lacks; with
/// them go their init and fini array entries, their unwind table and their
/// GOT slots. INSERT keeps ld's default script for everything else.
const DISCARD: &str = "SECTIONS { /DISCARD/ : { *.rcgu.o(.eh_frame) *(.comment) *crtbegin.o(*) *crtend.o(*) } } INSERT AFTER .text;\n";

/// Fewer output sections, each of which costs a 64-byte section header
/// (and its name) in the file: .init, .text and .fini become one .text,
/// and the read-only data (.rodata, .eh_frame) follows in it, as it
/// follows the code in the segment anyway (-z noseparate-code): a
/// .rodata of its own cost 72 bytes; the small writable ones (.got, .got.plt,
/// .init_array, .fini_array) join .data. Each keeps its input order
/// (crti's and crtn's halves of _init and _fini stay contiguous), and
/// musl finds the init and fini arrays by the symbols set here. nook's
/// plan (lib.rs's PLAN) is the first thing in .bss: the fields PID 1
/// writes (plan/mod.rs) then share .data's page; the unpacked messages
/// (base/packed.rs's TEXTS, `.bss.~nook.texts`) are the last. Input
/// sections go to the first statement of the script that matches them, so
/// this comes after [`SETUP_ONLY`]'s (see `linker_script`); ld then drops
/// the default script's statements, left empty.
const MERGED: &str = "SECTIONS {
  .text : {
    KEEP(*(SORT_NONE(.init)))
    *(.text.unlikely .text.*_unlikely .text.unlikely.*)
    *(.text.startup .text.startup.*)
    *(.text .text.*)
    KEEP(*(SORT_NONE(.fini)))
    *(.rodata .rodata.*) KEEP(*(.eh_frame))
  }
} INSERT BEFORE .init;
SECTIONS {
  .data : {
    *(.data .data.*)
    *(.got) *(.igot) *(.got.plt) *(.igot.plt)
    __init_array_start = .;
    KEEP(*(SORT_BY_INIT_PRIORITY(.init_array.*)))
    KEEP(*(.init_array))
    __init_array_end = .;
    __fini_array_start = .;
    KEEP(*(SORT_BY_INIT_PRIORITY(.fini_array.*)))
    KEEP(*(.fini_array))
    __fini_array_end = .;
  }
} INSERT BEFORE .init_array;
SECTIONS {
  .bss : { *(.bss._ZN4nook4PLAN*) *(.bss .bss.[!~]*) *(COMMON) *(.bss.~*) }
} INSERT BEFORE .bss;
";

/// Code that builds a container but never runs in PID 1's init: folders,
/// modules and single functions (`module::function`), matched by their symbols
/// (Rust's default "legacy" mangling: `_ZN4nook5setup4tree3ops5apply17h...E`).
///
/// It is linked into a segment of its own, 64 KiB from the rest, because a
/// page fault on a file mapping maps every cached page of the same 64 KiB-
/// aligned window ("fault-around", /sys/kernel/debug/fault_around_bytes):
/// with one code segment, PID 1's first instruction made all of nook
/// resident. Now PID 1 maps only the init's code and the read-only data
/// it reads. Put here a function PID 1 runs and `tests/init.rs`
/// (`init_memory`) fails; leave one out and PID 1 maps a page more.
const SETUP_ONLY: &[&str] = &[
    // Whole folders and files (and, below, every file of role/ and cli/
    // but PID 1's): a new file under setup/, role/ or cli/ is out of PID
    // 1's segment by default.
    "setup", "kernel::legacy", "kernel::mountinfo", "kernel::sys", "kernel::landlock", "kernel::seccomp", "kernel::module",
    "kernel::procfs", "kernel::record",
    // The system calls that only building a container or PROGRAM's exec
    // (in the forked child, whose pages are its own) make.
    "kernel::raw::execve", "kernel::raw::execveat", "kernel::raw::capget", "kernel::raw::capset", "kernel::raw::capget_capset",
    "kernel::raw::loopback_up", "kernel::raw::setns", "kernel::raw::join_new_session_keyring", "kernel::raw::getcwd",
    "kernel::raw::read_byte", "kernel::raw::read_full", "kernel::raw::mount_setattr", "kernel::raw::cloexec_range",
    "kernel::raw::answers_enosys", "kernel::raw::dumpable", "kernel::raw::set_dumpable", "kernel::raw::set_no_new_privs", "kernel::raw::leads_session",
    "kernel::raw::setsid", "kernel::raw::mount_strings",
    // In the files PID 1 reads: nook mounts's output buffer (base/out.rs
    // is PID 1's for its lines), the values only run's options and the
    // other NOOK_* variables take, and the re-exec's encoder (run's side).
    "base::out::Writer", "base::out::shown_width",
    "cli::values::hostname", "cli::values::open_fd", "cli::values::propagation", "cli::values::size",
    "cli::values::id_range", "cli::values::overlaps", "cli::values::capability", "cli::values::same_word",
    "cli::values::bad_number_text", "cli::values::pid", "cli::Cursor::dest", "cli::Cursor::absolute", "cli::Cursor::path", "cli::check_path",
    "cli::set_once", "cli::set_over_env", "cli::reexec::encode",
    // PROGRAM's side of the init's fork: the child's pages are its own.
    "role::init::start_program",
    // A failure's report and the trace lines: PID 1 reports a failure only
    // on its way out (it exits right after), and traces only with
    // NOOK_VERBOSE; the line they print goes through base/out.rs's Line.
    "base::error", "base::out::Line", "base::out::trace_line",
    // The packed errno texts and help: read for a failure or --help; and
    // nook as bwrap's (its parser unpacks them).
    "base::packed", "base::bwrap",
];

/// Code of the crates nook uses that only setup (or PROGRAM's side of the
/// fork) runs: rustix's files and mounts, and fchdir, each a
/// path of the crate as [`SETUP_ONLY`]'s are of nook.
const SETUP_ONLY_CRATES: &[&str] = &[
    "rustix::fs", "rustix::mount", "rustix::backend::fs", "rustix::process::chdir::fchdir",
];

/// The folders whose every file is [`SETUP_ONLY`] but those of
/// [`PID1_FILES`]: the roles and the parser, which get a file per role.
const SETUP_ONLY_BY_FILE: &[&str] = &["role", "cli"];

/// The files of [`SETUP_ONLY_BY_FILE`]'s folders that PID 1 runs: `nook
/// init`'s role and options, tini's and catatonit's (the init's parser
/// when nook is called by their names), the NOOK_* variables and the
/// re-exec protocol's decoder, option values, and the shared cursor and
/// the dispatch (mod.rs, which calls every other role's parser, each never
/// inlined). run's and enter's parsers and the sandbox options (which the
/// init reads only when run hands them on) are not among them.
const PID1_FILES: &[&str] = &["role::mod", "role::init", "cli::mod", "cli::init", "cli::tini", "cli::env", "cli::reexec", "cli::values"];

/// [`SETUP_ONLY`], with every file of [`SETUP_ONLY_BY_FILE`]'s folders but
/// [`PID1_FILES`] added.
fn setup_only() -> Vec<String> {
    let mut paths: Vec<String> = SETUP_ONLY.iter().map(|s| s.to_string()).collect();
    for folder in SETUP_ONLY_BY_FILE {
        println!("cargo:rerun-if-changed=src/{folder}");
        let mut files: Vec<String> = std::fs::read_dir(format!("src/{folder}"))
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok()?.strip_suffix(".rs").map(str::to_string))
            .map(|stem| format!("{folder}::{stem}"))
            .filter(|path| !PID1_FILES.contains(&path.as_str()))
            .collect();
        files.sort();
        paths.extend(files);
    }
    paths
}

/// Types whose trait implementations are [`SETUP_ONLY`] too (legacy
/// mangling names `<nook::kernel::sys::Linux as nook::kernel::sys::Sys>::attach` as
/// `_ZN76_$LT$nook..kernel..sys..Linux$u20$as$u20$...`).
const SETUP_ONLY_IMPLS: &[&str] = &["kernel::sys::Linux", "cli::run::Opt"];

/// The linker script: [`DISCARD`], then a segment of its own, starting on
/// the next 64 KiB boundary plus the file offset's place in its page (so
/// the file needs no padding): the read-only data PID 1 does not read,
/// then [`SETUP_ONLY`]'s code; then [`MERGED`]. Both in one segment (with
/// -z noseparate-code, as .text and .rodata are in the first): a segment
/// of their own each cost a program header (56 bytes) and the padding to
/// the next boundary, and bought only that setup's strings were not
/// executable. Both in one output section, .text.setup, too: a section
/// of their own cost a header and its name (72 bytes). The C strings
/// are still merged (ld merges the mergeable input sections of one
/// output section among themselves).
///
/// The data holds the C strings (`.rodata.str*`: every `c"..."` literal,
/// merged into one input section that no name ties to its user: paths,
/// filesystem types and names, the messages being packed, base/packed.rs's
/// `say!`) and the jump tables and statics of [`SETUP_ONLY`]'s
/// functions. PID 1 reads a C string only on its way out with an error,
/// or when tracing (NOOK_VERBOSE); what it passes the kernel on its way
/// (its name, the directory it sits in) is in its own segment.
fn linker_script() -> String {
    let mut code = String::new();
    let mut data = String::from(" .rodata.str*");
    for path in setup_only() {
        let mangled: String = path.split("::").map(|part| format!("{}{part}", part.len())).collect();
        code += &format!(" .text.*_ZN4nook{mangled}[0-9]*");
        data += &format!(" .rodata.*_ZN4nook{mangled}[0-9]*");
    }
    for path in SETUP_ONLY_CRATES {
        let mangled: String = path.split("::").map(|part| format!("{}{part}", part.len())).collect();
        code += &format!(" .text.*_ZN{mangled}[0-9]*");
    }
    for path in SETUP_ONLY_IMPLS {
        code += &format!(" .text.*_ZN*_$LT$nook..{}$u20$as$u20$*", path.replace("::", ".."));
    }
    // Generic code instantiated for setup's types (`drop_in_place<nook::
    // setup::tree::dest::Tree<..>>`).
    code += " .text.*$LT$nook..setup..*";
    // Read-only data that only setup reads, placed with `#[link_section]`
    // (the packed --help text).
    code += " .text.setup.*";
    format!(
        "{DISCARD}SECTIONS {{\n  . = ALIGN(0x10000) + (. & 0xfff);\n  .text.setup : {{ *({data} ) *({code} ) }}\n}} INSERT AFTER .eh_frame;\n{MERGED}"
    )
}

/// Whether the build has cargo feature `name` (Cargo.toml).
fn feature(name: &str) -> bool {
    std::env::var_os(format!("CARGO_FEATURE_{}", name.to_uppercase().replace('-', "_"))).is_some()
}

/// The cfgs that follow from the roles built (Cargo.toml's features), for
/// the code that several roles share: `nook_process`, run's, enter's or
/// bwrap's process and sandbox options (cli/run.rs, cli/sandbox.rs);
/// `nook_container`, the container machinery that `nook run` and nook as
/// bwrap drive (role/run.rs, the init's re-exec), without implying nook
/// run's own command line (`--features bwrap` alone refuses `nook run`);
/// `nook_init_only`, the PID-1 shim alone, without even the root's
/// NOOK_* variables; `nook_own_process`, nook's own command line for a
/// process, run's or enter's (not bwrap's): the Landlock options,
/// `--seccomp-deny` and its `--chdir`, which nook as bwrap's build lacks.
fn role_cfgs() {
    println!("cargo::rustc-check-cfg=cfg(nook_process, nook_container, nook_init_only, nook_own_process)");
    if feature("run") || feature("enter") || feature("bwrap") {
        println!("cargo::rustc-cfg=nook_process");
    }
    if feature("run") || feature("enter") {
        println!("cargo::rustc-cfg=nook_own_process");
    }
    if feature("run") || feature("bwrap") {
        println!("cargo::rustc-cfg=nook_container");
    }
    if !["run", "enter", "mounts", "switch-root", "boot", "bwrap"].iter().any(|f| feature(f)) {
        println!("cargo::rustc-cfg=nook_init_only");
    }
}

fn main() {
    role_cfgs();
    // The libc crate only emits -lc for musl when built inside std; we use
    // musl's crt1.o for startup and its mem* routines, so link libc.a into
    // the binary ourselves (the musl target is static, so -lc is libc.a).
    println!("cargo:rustc-link-arg-bins=-lc");
    // Size: no unwind tables (panic = "abort"), no page padding between
    // code and rodata, no build id, no RELRO (a static non-PIE image has
    // nothing to protect with it), no padding before data.
    let script = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("nook.ld");
    std::fs::write(&script, linker_script()).unwrap();
    for arg in [
        "-Wl,--no-eh-frame-hdr",
        "-Wl,-z,noseparate-code",
        "-Wl,--build-id=none",
        "-Wl,-z,norelro",
        // Place the data segment right after the code in the file rather
        // than on the next page boundary (ld pads to save a page of memory
        // when .bss is large, as nook's is).
        "-Wl,-z,common-page-size=64",
        &format!("-Wl,-T,{}", script.display()),
    ] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    pack_texts();
    let hash = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=NOOK_GIT_HASH={hash}");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs");
}

/// src/cli/help.txt's lines for this build: a line `@FEATURE,...` alone
/// makes the paragraph after it (up to and with its blank line) this
/// build's only when one of the features is built, `@!FEATURE,...` only
/// when none is; `@FEATURES TEXT` does so for the one line TEXT. The
/// first line kept starts with `usage: ` in place of its indent, so that
/// the usage lines can be the roles'.
fn help_for_build(text: &str) -> String {
    let wanted = |tag: &str| {
        let (negated, list) = match tag.strip_prefix('!') {
            Some(list) => (true, list),
            None => (false, tag),
        };
        list.split(',').any(feature) != negated
    };
    let mut out = String::new();
    // Inside a paragraph that is dropped.
    let mut dropping = false;
    for line in text.lines() {
        if dropping {
            dropping = !line.is_empty();
            continue;
        }
        let kept = match line.strip_prefix('@') {
            Some(tagged) => match tagged.split_once(' ') {
                Some((tag, rest)) => wanted(tag).then_some(rest),
                None => {
                    dropping = !wanted(tagged);
                    continue;
                }
            },
            None => Some(line),
        };
        if let Some(line) = kept {
            match line.strip_prefix("       ") {
                Some(usage) if out.is_empty() => out += &format!("usage: {usage}"),
                _ => out += line,
            }
            out.push('\n');
        }
    }
    out
}

/// The errno texts of src/base/error.rs's table (its `errnos!` lines,
/// `    NAME "ENAME" "text",`), as base/packed.rs holds them:
/// "EPERM\0Operation not permitted\0...".
fn errno_texts() -> String {
    println!("cargo:rerun-if-changed=src/base/error.rs");
    let dir = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let source = std::fs::read_to_string(dir.join("src/base/error.rs")).unwrap();
    let table = source.split_once("\nerrnos! {\n").expect("base/error.rs has its errnos! table").1;
    let mut out = String::new();
    for line in table.lines().take_while(|l| *l != "}") {
        let quoted: Vec<&str> = line.split('"').collect();
        assert!(quoted.len() == 5 && quoted[4] == ",", "base/error.rs's errnos! line {line:?}");
        out += &format!("{}\0{}\0", quoted[1], quoted[3]);
    }
    out
}

/// The words of cli/bwrap.rs's `OPTIONS` table, each ended by a NUL, in
/// the table's order (its `words!` packs the same string; cli/bwrap.rs
/// checks the length when compiling, its unit test the bytes).
fn bwrap_option_names(dir: &std::path::Path) -> String {
    println!("cargo:rerun-if-changed=src/cli/bwrap.rs");
    let source = std::fs::read_to_string(dir.join("src/cli/bwrap.rs")).unwrap();
    let start = source.find("const OPTIONS: Words<B> = words![").expect("cli/bwrap.rs has its OPTIONS table");
    let table = &source[start..start + source[start..].find("];").unwrap()];
    let mut names = String::new();
    for piece in table.split("\" =>").filter(|p| p.contains('"')) {
        let word = &piece[piece.rfind('"').unwrap() + 1..];
        names += word;
        names.push('\0');
    }
    names
}

/// The files whose messages `msg!` packs (base/bwrap.rs): the bwrap
/// personality's, whose processes have the texts unpacked.
const BWRAP_MESSAGE_FILES: &[&str] = &["src/cli/bwrap.rs", "src/setup/bwrap.rs", "src/setup/tree/bwrap.rs"];

/// The texts of the `msg!("...")`s of [`BWRAP_MESSAGE_FILES`], each
/// once, in their order, each ended by a NUL: base/bwrap.rs's
/// BWRAP_MESSAGES (the bytes packed, only their offsets in the binary).
fn bwrap_messages(dir: &std::path::Path) -> String {
    let mut source = String::new();
    for file in BWRAP_MESSAGE_FILES {
        println!("cargo:rerun-if-changed={file}");
        source += &std::fs::read_to_string(dir.join(file)).unwrap();
    }
    let mut messages = String::new();
    for text in macro_texts(&source, "msg") {
        if !messages.split('\0').any(|m| m == text) {
            messages += text;
            messages.push('\0');
        }
    }
    messages
}

/// The text of each `NAME!("...")` in `source`, in order: `msg!`'s and
/// `say!`'s, plain (no escape, quote or NUL).
fn macro_texts<'s>(source: &'s str, name: &str) -> Vec<&'s str> {
    let open = format!("{name}!(\"");
    let texts = source.split(open.as_str()).skip(1).map(|piece| {
        let text = &piece[..piece.find("\")").unwrap_or_else(|| panic!("{name}!(\"...\") ends"))];
        assert!(!text.contains(['\\', '"', '\0']), "a {name}! text is plain: {text}");
        text
    });
    texts.collect()
}

/// Every build's roles but the PID-1 shim alone's: the condition of the
/// files whose code every such build has (the shim's few messages stay
/// plain: packing them costs it more than it saves).
const NOT_INIT_ONLY: &[&str] = &["run", "enter", "mounts", "switch-root", "boot", "bwrap"];

/// Every build: for the files whose every message the PID-1 shim alone
/// prints too.
const EVERY_BUILD: &[&str] = &["init"];

/// The files whose `say!` messages build.rs packs (base/packed.rs), each
/// with the features of which a build needs one to pack them: the build
/// whose code does not use a file's messages would carry them for
/// nothing. Where a file is not packed, `say!` is the plain C string.
const MESSAGE_FILES: &[(&str, &[&str])] = &[
    ("src/cli/mod.rs", NOT_INIT_ONLY),
    ("src/cli/values.rs", NOT_INIT_ONLY),
    ("src/cli/env.rs", NOT_INIT_ONLY),
    ("src/cli/init.rs", EVERY_BUILD),
    ("src/cli/tini.rs", EVERY_BUILD),
    ("src/cli/reexec.rs", NOT_INIT_ONLY),
    ("src/cli/suggest.rs", EVERY_BUILD),
    ("src/cli/run.rs", &["run"]),
    ("src/cli/sandbox.rs", &["run", "enter", "bwrap"]),
    ("src/cli/enter.rs", &["enter"]),
    ("src/cli/mounts.rs", &["mounts"]),
    ("src/cli/switch_root.rs", &["switch-root"]),
    ("src/setup/caps.rs", NOT_INIT_ONLY),
    ("src/setup/process.rs", EVERY_BUILD),
    ("src/setup/mounts.rs", &["mounts"]),
    ("src/setup/switch_root.rs", &["switch-root"]),
    ("src/setup/boot.rs", &["boot"]),
    ("src/setup/probe/cmdline.rs", &["boot"]),
    ("src/setup/probe/modules.rs", &["boot"]),
    // The container's: `nook run`'s and nook as bwrap's.
    ("src/setup/namespaces.rs", &["run", "bwrap"]),
    ("src/setup/sandbox.rs", &["run", "bwrap"]),
    ("src/setup/userns.rs", &["run", "bwrap"]),
    ("src/setup/wrapper.rs", &["run", "bwrap"]),
    ("src/setup/tree/build.rs", &["run", "bwrap"]),
    ("src/setup/tree/dest.rs", &["run", "bwrap"]),
    ("src/setup/tree/dev.rs", &["run", "bwrap"]),
    ("src/setup/tree/mod.rs", &["run", "bwrap"]),
    ("src/setup/tree/ops.rs", &["run", "bwrap"]),
    ("src/role/run.rs", &["run", "bwrap"]),
    ("src/role/enter.rs", &["enter"]),
    ("src/role/boot.rs", &["boot"]),
    ("src/kernel/seccomp.rs", &["run", "enter", "bwrap"]),
    ("src/kernel/sys.rs", &["run", "bwrap"]),
    ("src/plan/mod.rs", &["run", "bwrap"]),
    ("src/plan/bwrap.rs", &["bwrap"]),
    ("src/pid1/supervisor.rs", EVERY_BUILD),
];

/// The texts of the `say!("...")`s of [`MESSAGE_FILES`] this build packs,
/// each once (one that ends another is found in it), in their order, each
/// ended by a NUL: base/packed.rs's MESSAGES.
fn setup_messages(dir: &std::path::Path) -> String {
    let mut messages = String::new();
    for (file, features) in MESSAGE_FILES {
        println!("cargo:rerun-if-changed={file}");
        if !features.iter().any(|f| feature(f)) {
            continue;
        }
        let source = std::fs::read_to_string(dir.join(file)).unwrap();
        for text in macro_texts(&source, "say") {
            assert!(!text.is_empty(), "a say! text is not empty");
            let ended = format!("{text}\0");
            if !messages.contains(&ended) {
                messages += &ended;
            }
        }
    }
    messages
}

/// In a build with the bwrap personality, bwrap's option names, messages
/// and usage; then the errno texts and `nook --help`'s text
/// (src/cli/help.txt), and last the messages of `say!`, in that order,
/// stored packed (see base/packed.rs for the format, and [`pack`]); the texts
/// shrink to under half, the help the more for the words it shares with
/// the errno texts.
fn pack_texts() {
    println!("cargo:rerun-if-changed=src/cli/help.txt");
    let dir = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let errnos = errno_texts();
    let help = help_for_build(&std::fs::read_to_string(dir.join("src/cli/help.txt")).unwrap());
    // In a build with the bwrap personality: its usage,
    println!("cargo:rerun-if-changed=src/cli/bwrap_usage.txt");
    let usage = if feature("bwrap") { std::fs::read_to_string(dir.join("src/cli/bwrap_usage.txt")).unwrap() } else { String::new() };
    // its option names (its table's words, as `words!` packs them):
    // cli/bwrap.rs looks options up in them unpacked, and the table keeps
    // only the values,
    let options = if feature("bwrap") { bwrap_option_names(&dir) } else { String::new() };
    // and its parser's messages, which cli/bwrap.rs's `msg!` finds there.
    let messages = bwrap_messages(&dir);
    let packed_messages = if feature("bwrap") { messages.as_str() } else { "" };
    // Last, the messages of `say!`, which only a failure's report unpacks.
    let said = setup_messages(&dir);
    // bwrap's texts first: nook as bwrap unpacks them at every launch,
    // and the stream unpacks from its start (some 15 ns a byte), so they
    // are all it unpacks then; the names first, which the usage repeats.
    let bwrap = format!("{options}{packed_messages}{usage}");
    let text = format!("{bwrap}{errnos}{help}{said}").into_bytes();
    assert!(text.is_ascii(), "src/cli/help.txt and the errno texts must be ASCII");
    let (ends, packed) = pack(&text);
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).to_path_buf();
    std::fs::write(out.join("texts.packed"), &packed).unwrap();
    std::fs::write(out.join("errno_texts_start.rs"), format!("{}\n", bwrap.len())).unwrap();
    std::fs::write(out.join("errno_texts_len.rs"), format!("{}\n", errnos.len())).unwrap();
    std::fs::write(out.join("help_len.rs"), format!("{}\n", help.len())).unwrap();
    std::fs::write(out.join("help_tabs.rs"), format!("{}\n", help.matches('\t').count())).unwrap();
    std::fs::write(out.join("bwrap_usage_len.rs"), format!("{}\n", usage.len())).unwrap();
    std::fs::write(out.join("bwrap_options_len.rs"), format!("{}\n", options.len())).unwrap();
    std::fs::write(out.join("bwrap_messages_len.rs"), format!("{}\n", packed_messages.len())).unwrap();
    std::fs::write(out.join("bwrap_messages.rs"), format!("{messages:?}\n")).unwrap();
    std::fs::write(out.join("messages_start.rs"), format!("{}\n", text.len() - said.len())).unwrap();
    std::fs::write(out.join("messages.rs"), format!("{said:?}\n")).unwrap();
    std::fs::write(out.join("packed_len.rs"), format!("{}\n", packed.len())).unwrap();
    std::fs::write(out.join("packed_ends.rs"), format!("{ends:?}\n")).unwrap();
    std::fs::write(out.join("run_min.rs"), format!("{RUN_MIN}\n")).unwrap();
}

/// The shortest run [`pack`] stores, and the longest: a run's symbol is
/// 0x80 and up, a u8.
const RUN_MIN: usize = 3;
const RUN_MAX: usize = RUN_MIN + 127;

/// `text` packed as base/packed.rs's PACKED holds it: the code (its count
/// of symbols of every bit length from 1 up, then its symbols in code
/// order), then the bits; and where the first two parts end. LZ77 runs of
/// [`RUN_MIN`] to [`RUN_MAX`] bytes from anywhere before, and one Huffman
/// code for the literal bytes and the run lengths: the text is ASCII, so a
/// symbol below 0x80 is a byte, one from 0x80 a run of `RUN_MIN + symbol -
/// 0x80` bytes, whose distance follows in [`distance_bits`]. The parse is
/// optimal for the code's lengths (the fewest bits, found backwards from
/// the end), and the code is that of the parse, which is made again a few
/// times with it. (A distance as deflate's, its bit length then the bits
/// below its leading one, made the texts 13 bytes longer in the init-only
/// build and 120 shorter in every role's, and the unpacker 17 bytes longer:
/// +32 bytes and 0.)
fn pack(text: &[u8]) -> ([usize; 2], Vec<u8>) {
    let n = text.len();
    // The runs at each position: (length, distance), each the nearest
    // run of its length and longer than the one before it (a longer run
    // further back), found along the chains of earlier positions that
    // start with the same two bytes.
    let mut runs: Vec<Vec<(usize, usize)>> = Vec::with_capacity(n);
    let mut earlier: std::collections::HashMap<&[u8], Vec<usize>> = Default::default();
    for i in 0..n {
        let mut found: Vec<(usize, usize)> = Vec::new();
        if i + 2 <= n {
            let starts = earlier.entry(&text[i..i + 2]).or_default();
            for &start in starts.iter().rev() {
                let len = (0..RUN_MAX.min(n - i)).take_while(|&k| text[start + k] == text[i + k]).count();
                if len >= RUN_MIN && len > found.last().map_or(0, |r| r.0) {
                    found.push((len, i - start));
                }
            }
            starts.push(i);
        }
        runs.push(found);
    }
    // A symbol's price in bits: first guesses, then those of the code of
    // the parse before.
    let mut symbol_bits: Vec<usize> = (0..256).map(|s| if s < 0x80 { 6 } else { 7 }).collect();
    let mut tokens: Vec<(usize, usize)> = Vec::new();
    let mut symbol_lengths = Vec::new();
    for _ in 0..4 {
        // cost[i]: the fewest bits that pack text[i..]; step[i]: the run
        // taken at i, (0, 0) for a literal byte.
        let mut cost = vec![0usize; n + 1];
        let mut step = vec![(0, 0); n];
        for i in (0..n).rev() {
            cost[i] = symbol_bits[text[i] as usize] + cost[i + 1];
            let mut shorter = RUN_MIN;
            for &(longest, dist) in &runs[i] {
                for len in shorter..=longest {
                    let bits = symbol_bits[0x80 + len - RUN_MIN] + distance_bits(i) + cost[i + len];
                    if bits < cost[i] {
                        (cost[i], step[i]) = (bits, (len, dist));
                    }
                }
                shorter = longest + 1;
            }
        }
        tokens.clear();
        let mut i = 0;
        while i < n {
            match step[i] {
                (0, _) => {
                    tokens.push((text[i] as usize, 0));
                    i += 1;
                }
                (len, dist) => {
                    tokens.push((0x80 + len - RUN_MIN, dist));
                    i += len;
                }
            }
        }
        let mut symbol_counts = vec![0usize; 256];
        for &(symbol, _) in &tokens {
            symbol_counts[symbol] += 1;
        }
        symbol_lengths = huffman(&symbol_counts);
        // A symbol the parse did not use, priced as a rare one.
        symbol_bits = symbol_lengths.iter().map(|&b| if b == 0 { 12 } else { b }).collect();
    }
    let (symbol_counts, symbol_order, symbol_codes) = canonical(&symbol_lengths);
    // base/packed.rs's peek reads 25 bits at a time.
    assert!(symbol_counts.len() <= 25 && distance_bits(n) <= 25, "a code or a distance fits in 25 bits");
    let mut bits = Bits::default();
    let mut at = 0;
    for &(symbol, dist) in &tokens {
        bits.push(symbol_codes[symbol], symbol_lengths[symbol]);
        if symbol >= 0x80 {
            // Its lowest bit first: base/packed.rs reads it whole.
            for k in 0..distance_bits(at) {
                bits.push(dist >> k, 1);
            }
            at += RUN_MIN + symbol - 0x80;
        } else {
            at += 1;
        }
    }
    let mut packed = symbol_counts;
    let counts_end = packed.len();
    packed.extend(symbol_order);
    let ends = [counts_end, packed.len()];
    packed.extend(bits.bytes);
    // base/packed.rs's peek reads four bytes from the one of a bit.
    packed.extend([0; 3]);
    (ends, packed)
}

/// The bits of a run's distance at `at` in the text: as many as `at`
/// has, the distance being at most `at`.
fn distance_bits(at: usize) -> usize {
    (usize::BITS - at.leading_zeros()) as usize
}

/// The bit length of each symbol's Huffman code for these counts (0 for a
/// symbol never used; 1 when only one is). Ties go to the lower symbol, so
/// that the build is reproducible.
fn huffman(counts: &[usize]) -> Vec<usize> {
    use std::cmp::Reverse;
    let mut lengths = vec![0usize; counts.len()];
    let mut heap: std::collections::BinaryHeap<Reverse<(usize, usize, Vec<usize>)>> = Default::default();
    for (symbol, &count) in counts.iter().enumerate().filter(|(_, c)| **c > 0) {
        heap.push(Reverse((count, symbol, vec![symbol])));
    }
    if heap.len() == 1 {
        lengths[heap.pop().unwrap().0.2[0]] = 1;
    }
    while heap.len() > 1 {
        let Reverse((count_a, first, mut a)) = heap.pop().unwrap();
        let Reverse((count_b, _, b)) = heap.pop().unwrap();
        a.extend(b);
        for &symbol in &a {
            lengths[symbol] += 1;
        }
        heap.push(Reverse((count_a + count_b, first, a)));
    }
    lengths
}

/// The canonical code of these bit lengths: its count of symbols of each
/// length from 1 up, its symbols in code order (by length, then value),
/// and each symbol's code.
fn canonical(lengths: &[usize]) -> (Vec<u8>, Vec<u8>, Vec<usize>) {
    let longest = lengths.iter().copied().max().unwrap_or(0);
    let mut counts = vec![0u8; longest];
    let mut order = Vec::new();
    let mut codes = vec![0usize; lengths.len()];
    let mut code = 0;
    for len in 1..=longest {
        for symbol in (0..lengths.len()).filter(|&s| lengths[s] == len) {
            counts[len - 1] += 1;
            order.push(symbol as u8);
            codes[symbol] = code;
            code += 1;
        }
        code <<= 1;
    }
    (counts, order, codes)
}

/// A stream of bits, each byte's from its lowest up.
#[derive(Default)]
struct Bits {
    bytes: Vec<u8>,
    len: usize,
}

impl Bits {
    /// The low `count` bits of `value`, its highest first.
    fn push(&mut self, value: usize, count: usize) {
        for k in (0..count).rev() {
            if self.len.is_multiple_of(8) {
                self.bytes.push(0);
            }
            *self.bytes.last_mut().unwrap() |= ((value >> k & 1) as u8) << (self.len % 8);
            self.len += 1;
        }
    }
}
