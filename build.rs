//! Links musl's libc.a statically (a no_std binary gets no -lc from std) and
//! stamps the git hash into `nook --version`.
use std::process::Command;

/// nook never unwinds, yet the prebuilt libcore it is linked with (LTO)
/// still emits unwind tables: drop those of the Rust object. musl's
/// crtbegin.o refers to its own, so they stay. INSERT keeps ld's default
/// script for everything else.
const DISCARD_EH_FRAME: &str = "SECTIONS { /DISCARD/ : { *.rcgu.o(.eh_frame) } } INSERT AFTER .text;\n";

fn main() {
    // The libc crate only emits -lc for musl when built inside std; we use
    // musl's crt1.o for startup and its mem* routines, so link libc.a into
    // the binary ourselves (the musl target is static, so -lc is libc.a).
    println!("cargo:rustc-link-arg-bins=-lc");
    // Size: no unwind tables (panic = "abort"), one RX segment without page
    // padding between code and rodata, no build id, no RELRO (a static
    // non-PIE image has nothing to protect with it), no padding before data.
    let script = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("discard-eh-frame.ld");
    std::fs::write(&script, DISCARD_EH_FRAME).unwrap();
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

/// `nook --help`'s text (src/help.txt) is stored packed (see help.rs): each
/// run of 3 to 18 bytes that already occurred at most 2047 bytes before
/// becomes two bytes, 0x80 | (length - 3) << 3 | distance >> 8, then the
/// low byte of the distance. The text is ASCII, so the high bit marks
/// them. Greedy longest match: the text roughly halves.
fn pack_help() {
    const MIN: usize = 3;
    const MAX: usize = MIN + 15;
    const WINDOW: usize = 2047;
    println!("cargo:rerun-if-changed=src/help.txt");
    let dir = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let text = std::fs::read(dir.join("src/help.txt")).unwrap();
    assert!(text.is_ascii(), "src/help.txt must be ASCII");
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
