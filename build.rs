//! Links musl's libc.a statically (a no_std binary gets no -lc from std) and
//! stamps the git hash into `nook --version`.
use std::process::Command;

/// nook never unwinds, yet the prebuilt libcore it is linked with (LTO)
/// still emits unwind tables: drop those of the Rust object. musl's
/// crtbegin.o refers to its own, so they stay. INSERT keeps ld's default
/// script for everything else.
const DISCARD_EH_FRAME: &str = "SECTIONS { /DISCARD/ : { *.rcgu.o(.eh_frame) } } INSERT AFTER .text;\n";

/// Code that builds a container but never runs in PID 1's init: folders,
/// modules and single functions (`module::function`), matched by their symbols
/// (Rust's default "legacy" mangling: `_ZN4nook5setup4tree3ops5apply17h...E`).
///
/// It is linked into a segment of its own, 64 KiB from the rest, because a
/// page fault on a file mapping maps every cached page of the same 64 KiB-
/// aligned window ("fault-around", /sys/kernel/debug/fault_around_bytes):
/// with one code segment, PID 1's first instruction made all of nook
/// resident. Now PID 1 maps only the init's code and the read-only data.
/// Put here a function PID 1 runs and `tests/init.rs` (`init_memory`) fails;
/// leave one out and PID 1 only maps a few pages more.
const SETUP_ONLY: &[&str] = &[
    // Whole folders and files: a new file under setup/ or a new role is out
    // of PID 1's segment by default.
    "setup", "role::run", "role::enter", "role::boot", "role::switch_root", "kernel::legacy", "kernel::sys",
    "kernel::landlock", "kernel::seccomp", "kernel::module", "cli::help", "cli::switch_root",
    // The parser's run and enter halves: PID 1 parses only `init`'s options
    // (cli/init.rs, cli/env.rs and the shared cursor), and the run table's
    // lookup, which tells it --help.
    "cli::enter", "cli::run::parse", "cli::run::process_option", "cli::values::hostname", "cli::values::open_fd",
    "cli::Cursor::dest", "cli::reexec::encode", "cli::sandbox::hand_on",
    // Usage errors' suggestions: PID 1 meets them only on a bad command
    // line, when it is about to exit anyway.
    "cli::suggest",
];

/// Types whose trait implementations are [`SETUP_ONLY`] too (legacy
/// mangling names `<nook::kernel::sys::Linux as nook::kernel::sys::Sys>::attach` as
/// `_ZN76_$LT$nook..kernel..sys..Linux$u20$as$u20$...`).
const SETUP_ONLY_IMPLS: &[&str] = &["kernel::sys::Linux"];

/// The linker script: [`DISCARD_EH_FRAME`], and [`SETUP_ONLY`] in a
/// segment that starts on the next 64 KiB boundary plus the file offset's
/// place in its page, so the file needs no padding.
fn linker_script() -> String {
    let mut patterns = String::new();
    for path in SETUP_ONLY {
        let mangled: String = path.split("::").map(|part| format!("{}{part}", part.len())).collect();
        patterns += &format!(" .text.*_ZN4nook{mangled}[0-9]*");
    }
    for path in SETUP_ONLY_IMPLS {
        patterns += &format!(" .text.*_ZN*_$LT$nook..{}$u20$as$u20$*", path.replace("::", ".."));
    }
    format!(
        "{DISCARD_EH_FRAME}SECTIONS {{\n  . = ALIGN(0x10000) + (. & 0xfff);\n  .text.setup : {{ *({patterns} ) }}\n}} INSERT AFTER .eh_frame;\n"
    )
}

fn main() {
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
    pack_help();
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

/// `nook --help`'s text (src/cli/help.txt) is stored packed (see help.rs): each
/// run of 3 to 10 bytes that already occurred at most 4095 bytes before
/// becomes two bytes, 0x80 | (length - 3) << 4 | distance >> 8, then the
/// low byte of the distance. The text is ASCII, so the high bit marks
/// them. The parse is optimal (the fewest bytes, found backwards from the
/// end); the text shrinks to about half.
fn pack_help() {
    const MIN: usize = 3;
    const MAX: usize = MIN + 7;
    const WINDOW: usize = 4095;
    println!("cargo:rerun-if-changed=src/cli/help.txt");
    let dir = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let text = std::fs::read(dir.join("src/cli/help.txt")).unwrap();
    assert!(text.is_ascii(), "src/cli/help.txt must be ASCII");
    let n = text.len();
    // The longest earlier run at each position, and its distance.
    let longest: Vec<(usize, usize)> = (0..n)
        .map(|i| {
            let (mut best_len, mut best_dist) = (0, 0);
            for start in i.saturating_sub(WINDOW)..i {
                let len = (0..MAX.min(n - i)).take_while(|&k| text[start + k] == text[i + k]).count();
                if len > best_len {
                    (best_len, best_dist) = (len, i - start);
                }
            }
            (best_len, best_dist)
        })
        .collect();
    // cost[i]: the fewest bytes that pack text[i..]; step[i]: the run
    // length taken at i (0 for a literal byte).
    let mut cost = vec![0usize; n + 1];
    let mut step = vec![0usize; n];
    for i in (0..n).rev() {
        cost[i] = 1 + cost[i + 1];
        for len in MIN..=longest[i].0 {
            if 2 + cost[i + len] < cost[i] {
                (cost[i], step[i]) = (2 + cost[i + len], len);
            }
        }
    }
    let mut packed = Vec::new();
    let mut i = 0;
    while i < n {
        let len = step[i];
        if len == 0 {
            packed.push(text[i]);
            i += 1;
        } else {
            let dist = longest[i].1;
            packed.push(0x80 | ((len - MIN) << 4) as u8 | (dist >> 8) as u8);
            packed.push(dist as u8);
            i += len;
        }
    }
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).to_path_buf();
    std::fs::write(out.join("help.packed"), &packed).unwrap();
    std::fs::write(out.join("help_len.rs"), format!("{}\n", text.len())).unwrap();
}
