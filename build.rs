//! Links the binary without the C runtime, and stamps the git hash into
//! `nook --version`.
use std::process::Command;

/// Input sections the binary does without, ahead of ld's default script
/// (INSERT keeps it for everything else):
/// - unwind tables: nook never unwinds, yet the prebuilt libcore it is
///   linked with (LTO) still emits them;
/// - the C runtime's start files (crt1, crti/crtn, crtbegin/crtend): nook
///   has its own entry point (see main.rs), and has no constructors,
///   destructors or unwind tables for them to run or register;
/// - `.comment`, the toolchains' names.
/// (crt1.o is named by its sections: ld hangs the sections it makes itself,
/// such as `.got.plt`, on the first input file.)
///
/// Then one output section holds the code, the read-only data and the GOT
/// (which a static image never writes: its addresses are fixed at link
/// time): each output section costs a 64-byte header and its name.
const DISCARD: &str = "SECTIONS { /DISCARD/ : { *.rcgu.o(.eh_frame) *crt1.o(.text .text.*) *crti.o(*) \
    *crtn.o(*) *crtbegin.o(*) *crtend.o(*) *(.comment) } .text : { *(.text .text.*) *(.rodata .rodata.*) *(.got .got.plt) } } INSERT BEFORE .init;\n";

fn main() {
    // No libc: nook has its own entry point and the few C functions the
    // compiler calls (see main.rs).
    // Size: no unwind tables (panic = "abort"), one RX segment without page
    // padding between code and rodata, no build id, no RELRO (a static
    // non-PIE image has nothing to protect with it), no padding before data.
    let script = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("discard.ld");
    std::fs::write(&script, DISCARD).unwrap();
    for arg in [
        "-Wl,--no-eh-frame-hdr",
        "-Wl,-z,noseparate-code",
        "-Wl,--build-id=none",
        "-Wl,-z,norelro",
        // Place the data segment right after the code in the file rather
        // than on the next page boundary (ld pads to save a page of memory
        // when .bss is large, as nook's is).
        "-Wl,-z,common-page-size=64",
        // nook's own entry point: see main.rs.
        "-Wl,-e,nook_start",
        &format!("-Wl,-T,{}", script.display()),
    ] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
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
