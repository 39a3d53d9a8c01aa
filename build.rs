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
    // The parser's run and enter halves (cli/ is one file for every role).
    "cli::parse_run", "cli::parse_enter", "cli::process_option", "cli::hostname", "cli::open_fd", "cli::Cursor::dest",
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
/// run of 3 to 18 bytes that already occurred at most 2047 bytes before
/// becomes two bytes, 0x80 | (length - 3) << 3 | distance >> 8, then the
/// low byte of the distance. The text is ASCII, so the high bit marks
/// them. Greedy longest match: the text roughly halves.
fn pack_help() {
    const MIN: usize = 3;
    const MAX: usize = MIN + 15;
    const WINDOW: usize = 2047;
    println!("cargo:rerun-if-changed=src/cli/help.txt");
    let dir = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let text = std::fs::read(dir.join("src/cli/help.txt")).unwrap();
    assert!(text.is_ascii(), "src/cli/help.txt must be ASCII");
    let mut packed = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let (mut best_len, mut best_dist) = (0, 0);
        for start in i.saturating_sub(WINDOW)..i {
            let len = (0..MAX.min(text.len() - i)).take_while(|&k| text[start + k] == text[i + k]).count();
            if len > best_len {
                (best_len, best_dist) = (len, i - start);
            }
        }
        if best_len >= MIN {
            packed.push(0x80 | ((best_len - MIN) << 3) as u8 | (best_dist >> 8) as u8);
            packed.push(best_dist as u8);
            i += best_len;
        } else {
            packed.push(text[i]);
            i += 1;
        }
    }
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).to_path_buf();
    std::fs::write(out.join("help.packed"), &packed).unwrap();
    std::fs::write(out.join("help_len.rs"), format!("{}\n", text.len())).unwrap();
}
