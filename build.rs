//! Links musl's libc.a statically (a no_std binary gets no -lc from std) and
//! stamps the git hash into `nook --version`.
use std::process::Command;

fn main() {
    // The libc crate only emits -lc for musl when built inside std; we use
    // musl's crt1.o for startup and its mem* routines, so link libc.a into
    // the binary ourselves (the musl target is static, so -lc is libc.a).
    println!("cargo:rustc-link-arg-bins=-lc");
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
