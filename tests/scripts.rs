#![cfg(feature = "run")]
//! The user-facing scripts that put nook somewhere, as root and as
//! container-user: scripts/install (the binary, the man page and the
//! completions under a PREFIX, and --uninstall), scripts/embed (nook into
//! a rootfs, symlinks resolved inside it), and scripts/mkrootfs's tarball
//! modes (`--alpine VERSION --mirror URL` against a loopback HTTP server
//! that serves a tarball and a checksum the test builds; `--from-tarball`),
//! where a wrong checksum is refused and leaves DIR as it was.
//!
//! container-user may not be able to read the checkout, so the scripts
//! (and what install copies) run from a world-readable copy of the repo's
//! scripts/, docs/ and completions/ in the staging directory.

#[macro_use]
mod common;

use common::*;
use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

/// A world-readable copy of scripts/, docs/ and completions/.
fn staged_repo() -> &'static Path {
    static REPO: OnceLock<PathBuf> = OnceLock::new();
    REPO.get_or_init(|| {
        let to = world().staging.join("repo");
        let from = Path::new(env!("CARGO_MANIFEST_DIR"));
        fs::create_dir_all(&to).unwrap();
        for dir in ["scripts", "docs", "completions"] {
            let status = Command::new("cp").arg("-R").arg(from.join(dir)).arg(to.join(dir)).env("PATH", PATH).status().unwrap();
            assert!(status.success(), "copy {dir} into the staging dir");
        }
        let status = Command::new("chmod").args(["-R", "a+rX"]).arg(&to).env("PATH", PATH).status().unwrap();
        assert!(status.success());
        to
    })
}

fn staged_script(name: &str) -> String {
    p(&staged_repo().join("scripts").join(name)).to_string()
}

fn run_script<S: AsRef<str>>(who: Who, name: &str, args: &[S]) -> Run {
    let mut argv = vec![staged_script(name)];
    argv.extend(args.iter().map(|a| a.as_ref().to_string()));
    Run::argv(who, argv)
}

fn owner(path: &Path) -> (u32, u32) {
    let m = fs::symlink_metadata(path).unwrap_or_else(|e| panic!("lstat {}: {e}", path.display()));
    (m.uid(), m.gid())
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Every entry under `dir` (relative path, type, mode, owner, content or
/// link target), sorted: what "left as it was" compares.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            let m = fs::symlink_metadata(&path).unwrap();
            let rel = path.strip_prefix(base).unwrap().display().to_string();
            let what = if m.file_type().is_symlink() {
                format!("-> {}", fs::read_link(&path).unwrap().display())
            } else if m.is_dir() {
                "dir".to_string()
            } else {
                format!("{:?}", fs::read(&path).unwrap())
            };
            out.push(format!("{rel} {:o} {}:{} {what}", m.mode(), m.uid(), m.gid()));
            if m.is_dir() {
                walk(base, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out
}

// --- scripts/install -------------------------------------------------------

/// What scripts/install puts under PREFIX, with its mode and source.
const INSTALLED: [(&str, u32, &str); 4] = [
    ("bin/nook", 0o755, ""),
    ("share/man/man1/nook.1", 0o644, "docs/nook.1"),
    ("share/bash-completion/completions/nook", 0o644, "completions/nook.bash"),
    ("share/zsh/site-functions/_nook", 0o644, "completions/_nook"),
];

/// `scripts/install --nook NOOK PREFIX` installs the four files with their
/// modes and contents; the installed nook runs and reports Cargo.toml's
/// version; man finds the page under PREFIX; `--uninstall` removes exactly
/// those files.
fn install_into_prefix(who: Who) {
    let w = world();
    let prefix = scratch(who, "prefix").join("usr");
    run_script(who, "install", &["--nook", w.nook_path(), p(&prefix)]).run().ok();
    for (rel, want_mode, source) in INSTALLED {
        let path = prefix.join(rel);
        assert_eq!(mode(&path), want_mode, "{rel}'s mode");
        assert_eq!(owner(&path), w.ids(who), "{rel}'s owner");
        let want = if source.is_empty() { fs::read(&w.nook).unwrap() } else { fs::read(staged_repo().join(source)).unwrap() };
        assert!(fs::read(&path).unwrap() == want, "{rel} is not a copy of its source");
    }
    let version = Run::argv(who, vec![p(&prefix.join("bin/nook")).to_string(), "--version".into()]).run();
    version.ok().stdout_has(&format!("nook {}", env!("CARGO_PKG_VERSION")));
    let man = Run::sh(who, "MANPATH=\"$1\" man -w nook", &[p(&prefix.join("share/man"))]).run();
    man.ok().stdout_is(&format!("{}\n", p(&prefix.join("share/man/man1/nook.1"))));

    // Again over the installed files: replaced, not written into.
    run_script(who, "install", &["--nook", w.nook_path(), p(&prefix)]).run().ok();
    run_script(who, "install", &["--uninstall", p(&prefix)]).run().ok();
    for (rel, _, _) in INSTALLED {
        assert!(!prefix.join(rel).exists(), "--uninstall left {rel}");
    }
    let leftovers: Vec<String> = tree(&prefix).into_iter().filter(|e| !e.contains(" dir")).collect();
    assert!(leftovers.is_empty(), "install and --uninstall left files behind: {leftovers:?}");
}

/// DESTDIR goes in front of PREFIX; a relative PREFIX is refused before
/// anything is written.
fn install_destdir_and_bad_prefix(who: Who) {
    let w = world();
    let dest = scratch(who, "destdir");
    run_script(who, "install", &["--nook", w.nook_path(), "/usr"]).env("DESTDIR", p(&dest)).run().ok();
    assert!(dest.join("usr/bin/nook").is_file(), "DESTDIR/usr/bin/nook");
    assert!(dest.join("usr/share/man/man1/nook.1").is_file());

    let cwd = scratch(who, "relative");
    let out = run_script(who, "install", &["--nook", w.nook_path(), "rel/prefix"]).cwd(p(&cwd)).run();
    out.code(1).stderr_has("not an absolute path");
    assert!(tree(&cwd).is_empty(), "a refused install wrote {:?}", tree(&cwd));
}

both!(install_into_prefix, install_destdir_and_bad_prefix);

// --- scripts/embed ---------------------------------------------------------

/// A merged-/usr rootfs (`sbin -> /usr/sbin`, absolute) of `who`'s: embed
/// writes ROOTFS/usr/sbin/nook and the links, never the host's /usr/sbin,
/// and the embedded nook runs as an init inside `nook --root`.
fn embed_resolves_inside_the_rootfs(who: Who) {
    let w = world();
    let root = scratch(who, "embed").join("rootfs");
    let mut mk = Command::new(staged_script("mkrootfs"));
    if who == Who::User {
        mk.args(["--owner", &format!("{}:{}", w.uid, w.gid)]);
    }
    let out = mk.arg(&root).env("PATH", PATH).output().unwrap();
    assert!(out.status.success(), "mkrootfs: {}", String::from_utf8_lossy(&out.stderr));
    fs::create_dir_all(root.join("usr/sbin")).unwrap();
    symlink("/usr/sbin", root.join("sbin")).unwrap();
    give(who, &root.join("usr"));
    give(who, &root.join("usr/sbin"));
    let (uid, gid) = w.ids(who);
    std::os::unix::fs::lchown(root.join("sbin"), Some(uid), Some(gid)).unwrap();
    let host_before = tree(Path::new("/usr/sbin")).into_iter().filter(|e| e.starts_with("nook ") || e.starts_with("tini ")).count();

    run_script(who, "embed", &["--nook", w.nook_path(), "--links", "tini,docker-init,switch_root", p(&root)]).run().ok();
    let sbin = root.join("usr/sbin");
    assert!(fs::read(sbin.join("nook")).unwrap() == fs::read(&w.nook).unwrap(), "usr/sbin/nook is not nook");
    assert_eq!(mode(&sbin.join("nook")), 0o755);
    assert_eq!(owner(&sbin.join("nook")), w.ids(who), "the copy's owner is the directory's");
    for link in ["tini", "docker-init", "switch_root"] {
        assert_eq!(fs::read_link(sbin.join(link)).unwrap(), Path::new("nook"), "usr/sbin/{link}");
    }
    let host_after = tree(Path::new("/usr/sbin")).into_iter().filter(|e| e.starts_with("nook ") || e.starts_with("tini ")).count();
    assert_eq!(host_before, host_after, "embed wrote into the host's /usr/sbin");

    let inside = nook(who, &["--root", p(&root), "--unshare-pid", "--proc", "/proc", "--", "/sbin/nook", "init", "--", "/bin/sh", "-c", "echo embedded-ok"]);
    inside.ok().stdout_is("embedded-ok\n");

    // A name nook does not answer to: refused before anything is written.
    fs::remove_file(sbin.join("nook")).unwrap();
    let out = run_script(who, "embed", &["--nook", w.nook_path(), "--links", "tini,bogus", p(&root)]).run();
    out.code(1).stderr_has("--links bogus");
    assert!(!sbin.join("nook").exists(), "a refused embed wrote usr/sbin/nook");
}

both!(embed_resolves_inside_the_rootfs);

// --- scripts/mkrootfs --alpine / --from-tarball ----------------------------

const VERSION: &str = "3.99.1";

fn tarball_name() -> String {
    format!("alpine-minirootfs-{VERSION}-x86_64.tar.gz")
}

/// A small stand-in for Alpine's minirootfs, as root:root in the tarball:
/// etc/alpine-release, a private root/, a bin/sh symlink.
fn make_tarball(dir: &Path) -> PathBuf {
    let src = dir.join("src");
    for d in ["bin", "etc", "root"] {
        fs::create_dir_all(src.join(d)).unwrap();
    }
    fs::write(src.join("etc/alpine-release"), format!("{VERSION}\n")).unwrap();
    fs::write(src.join("bin/busybox"), "not really busybox\n").unwrap();
    symlink("busybox", src.join("bin/sh")).unwrap();
    set_mode(&src.join("root"), 0o700);
    let file = dir.join(tarball_name());
    let status = Command::new("tar")
        .args(["-czf"])
        .arg(&file)
        .args(["--owner=0", "--group=0", "-C"])
        .arg(&src)
        .arg(".")
        .env("PATH", PATH)
        .status()
        .unwrap();
    assert!(status.success(), "tar");
    file
}

fn sha256(file: &Path) -> String {
    let out = Command::new("sha256sum").arg(file).env("PATH", PATH).output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

/// `python3 -m http.server` on 127.0.0.1, a port the kernel picks, serving
/// `dir`; killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let mut child = Command::new("python3")
            .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory"])
            .arg(dir)
            .env("PATH", PATH)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m http.server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        // "Serving HTTP on 127.0.0.1 port 41371 (http://127.0.0.1:41371/) ..."
        let port = line.split(" port ").nth(1).and_then(|r| r.split(' ').next()).unwrap_or_else(|| panic!("http.server said {line:?}"));
        Server { child, url: format!("http://127.0.0.1:{port}") }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A mirror: MIRROR/v3.99/releases/x86_64/ with the tarball and a .sha256
/// (`HEX  NAME`, as Alpine's) holding `sum` (None: the right one).
fn mirror(who: Who, sum: Option<&str>) -> (Server, PathBuf) {
    let top = scratch(who, "mirror");
    let releases = top.join("v3.99/releases/x86_64");
    fs::create_dir_all(&releases).unwrap();
    let file = make_tarball(&releases);
    fs::remove_dir_all(releases.join("src")).unwrap();
    let sum = sum.map(str::to_string).unwrap_or_else(|| sha256(&file));
    fs::write(releases.join(format!("{}.sha256", tarball_name())), format!("{sum}  {}\n", tarball_name())).unwrap();
    (Server::start(&top), file)
}

/// Who the unpacked tree must belong to: the caller, or SUDO_UID's user for
/// root (which the root run sets).
fn mkrootfs_run(who: Who, args: &[&str]) -> Run {
    let w = world();
    let run = run_script(who, "mkrootfs", args);
    match who {
        Who::Root => run.env("SUDO_UID", &w.uid.to_string()).env("SUDO_GID", &w.gid.to_string()),
        Who::User => run,
    }
}

fn assert_unpacked(dir: &Path) {
    let w = world();
    assert_eq!(fs::read_to_string(dir.join("etc/alpine-release")).unwrap(), format!("{VERSION}\n"));
    assert_eq!(fs::read_link(dir.join("bin/sh")).unwrap(), Path::new("busybox"));
    assert_eq!(mode(&dir.join("root")), 0o700, "root/'s mode from the tarball");
    assert_eq!(mode(dir), 0o755);
    for entry in tree(dir) {
        assert!(entry.contains(&format!(" {}:{} ", w.uid, w.gid)), "not owned by the invoking user: {entry}");
    }
    assert_eq!(owner(dir), (w.uid, w.gid));
}

/// The download path: checked, unpacked into a new DIR (and an empty
/// one), owned by the invoking user.
fn alpine_download(who: Who) {
    let (server, _) = mirror(who, None);
    let parent = scratch(who, "alpine");
    let dir = parent.join("new/rootfs");
    let out = mkrootfs_run(who, &["--alpine", VERSION, "--mirror", &server.url, p(&dir)]).run();
    out.ok().stderr_has("as expected");
    assert_unpacked(&dir);
    // Nothing else beside it (the temporary directory is renamed, not left).
    assert_eq!(fs::read_dir(dir.parent().unwrap()).unwrap().count(), 1, "{:?}", tree(&parent));

    let empty = parent.join("empty");
    fs::create_dir(&empty).unwrap();
    give(who, &empty);
    mkrootfs_run(who, &["--alpine", VERSION, "--mirror", &server.url, p(&empty)]).run().ok();
    assert_unpacked(&empty);

    // A DIR with something in it is refused, and stays as it was.
    let before = tree(&empty);
    let out = mkrootfs_run(who, &["--alpine", VERSION, "--mirror", &server.url, p(&empty)]).run();
    out.code(1).stderr_has("is not empty");
    assert_eq!(tree(&empty), before);
}

/// A wrong checksum (or a missing release) is refused: a new DIR is not
/// created (nor its parent), an existing empty one is left exactly as it
/// was, and nothing is left beside it.
fn alpine_wrong_checksum_leaves_dir_untouched(who: Who) {
    let (server, _) = mirror(who, Some(&"0".repeat(64)));
    let parent = scratch(who, "badsum");
    let dir = parent.join("sub/rootfs");
    let out = mkrootfs_run(who, &["--alpine", VERSION, "--mirror", &server.url, p(&dir)]).run();
    out.code(1).stderr_has("checksum of").stderr_has("left as it was");
    assert!(tree(&parent).is_empty(), "a refused download created {:?}", tree(&parent));

    let existing = parent.join("existing");
    fs::create_dir(&existing).unwrap();
    give(who, &existing);
    set_mode(&existing, 0o750);
    let before = (tree(&parent), mode(&existing), owner(&existing));
    mkrootfs_run(who, &["--alpine", VERSION, "--mirror", &server.url, p(&existing)]).run().code(1);
    assert_eq!((tree(&parent), mode(&existing), owner(&existing)), before, "a refused download changed the existing DIR");

    let out = mkrootfs_run(who, &["--alpine", "3.99.7", "--mirror", &server.url, p(&dir)]).run();
    out.code(1).stderr_has("download");
    assert!(!parent.join("sub").exists(), "a failed download created DIR's parent");
    let out = mkrootfs_run(who, &["--alpine", "latest", "--mirror", &server.url, p(&dir)]).run();
    out.code(1).stderr_has("not an Alpine release number");
}

/// --from-tarball: checked against FILE.sha256 beside it, or --sha256; a
/// wrong --sha256 is refused without creating DIR.
fn from_tarball(who: Who) {
    let work = scratch(who, "tarball");
    let file = make_tarball(&work);
    fs::write(work.join(format!("{}.sha256", tarball_name())), format!("{}  {}\n", sha256(&file), tarball_name())).unwrap();
    let dir = work.join("out");
    mkrootfs_run(who, &["--from-tarball", p(&file), p(&dir)]).run().ok().stderr_has("as expected");
    assert_unpacked(&dir);

    let dir2 = work.join("out2");
    let out = mkrootfs_run(who, &["--from-tarball", p(&file), "--sha256", &"ab".repeat(32), p(&dir2)]).run();
    out.code(1).stderr_has("checksum of");
    assert!(!dir2.exists(), "a refused tarball created DIR");

    let sum = sha256(&file).to_uppercase();
    mkrootfs_run(who, &["--from-tarball", p(&file), "--sha256", &sum, p(&dir2)]).run().ok();
    assert_unpacked(&dir2);
}

both!(alpine_download, alpine_wrong_checksum_leaves_dir_untouched, from_tarball);

// --- scripts/demo ------------------------------------------------------------

/// scripts/demo's showcase (what it runs when stdin is not a terminal) says
/// what is true of the container it runs in: with its defaults nook is PID 1
/// of a PID namespace of its own; with `--ro-root --tmpfs /tmp` in their
/// place there is none, and it says so rather than "nook is PID 1".
fn demo_showcase_tells_the_truth(who: Who) {
    let root = scratch(who, "demo").join("rootfs");
    let demo = |args: &[&str]| {
        run_script(who, "demo", args).env("NOOK_DEMO_NOOK", world().nook_path()).env("NOOK_DEMO_ROOT", p(&root)).run()
    };
    let out = demo(&[]);
    out.ok().stdout_has("(2: a PID namespace of its own, and nook is its PID 1)").stdout_has("nook-demo");
    let out = demo(&["--ro-root", "--tmpfs", "/tmp"]);
    out.ok().stdout_has("(the caller's PID namespace: no --unshare-pid)");
    assert!(!out.stdout.contains("PID 1"), "{out}");
}

both!(demo_showcase_tells_the_truth);

/// Without a tarball option, mkrootfs still builds the busybox rootfs it
/// always did, and --mirror alone is a mistake rather than ignored.
#[test]
fn busybox_rootfs_unchanged() {
    let dir = scratch(Who::Root, "busybox").join("rootfs");
    let out = Command::new(staged_script("mkrootfs")).arg(&dir).env("PATH", PATH).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.join("bin/busybox").is_file() && dir.join("bin/sh").exists());
    assert_eq!(fs::read_to_string(dir.join("etc/passwd")).unwrap().lines().count(), 2);
    let out = Command::new(staged_script("mkrootfs")).args(["--mirror", "http://127.0.0.1:9"]).arg(&dir).env("PATH", PATH).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--mirror needs --alpine"));
}

// --- scripts/bench-plot ------------------------------------------------------

/// scripts/bench-plot draws the four tables of a report that scripts/bench
/// wrote (the repo's BENCHMARKS.md) as SVG, nook and the tools it is
/// measured against in each, with the report's own figures; the TSV beside
/// the report holds every row of its launch table. A report that lacks a
/// table is refused, and no TSV is written.
#[test]
fn bench_plot_draws_every_table() {
    let dir = scratch(Who::Root, "plot");
    let report = dir.join("BENCHMARKS.md");
    let text = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md")).unwrap();
    fs::write(&report, &text).unwrap();
    let img = dir.join("img");
    let out = Command::new(staged_script("bench-plot")).arg(&report).arg(&img).env("PATH", PATH).output().unwrap();
    assert!(out.status.success(), "bench-plot: {}", String::from_utf8_lossy(&out.stderr));

    let tsv = fs::read_to_string(dir.join("BENCHMARKS.tsv")).unwrap();
    // The launch table's rows: `| TOOL | `COMMAND` | MEDIAN | MIN |`.
    let section = text.split("## Launch latency").nth(1).unwrap().split("\n## ").next().unwrap();
    let mut launch = Vec::new();
    for row in section.lines().filter(|l| l.starts_with("| ") && l.contains('`')) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        launch.push((cells[1].to_string(), cells[3].to_string()));
        assert!(tsv.contains(&format!("launch\t{}\t{}\tms\n", cells[1], cells[3])), "BENCHMARKS.tsv lacks {row}:\n{tsv}");
    }
    assert!(launch.len() >= 5, "the launch table has {} rows", launch.len());

    let svg = |name: &str| {
        let s = fs::read_to_string(img.join(format!("bench-{name}.svg"))).unwrap_or_else(|e| panic!("bench-{name}.svg: {e}"));
        assert!(s.starts_with("<?xml") && s.contains("<svg") && s.trim_end().ends_with("</svg>"), "bench-{name}.svg is not an SVG document");
        s
    };
    let launch_svg = svg("launch");
    for (tool, median) in &launch {
        assert!(launch_svg.contains(&format!(">{tool}<")) || launch_svg.contains(tool.as_str()), "bench-launch.svg lacks {tool}");
        assert!(launch_svg.contains(median.trim_end_matches('0')), "bench-launch.svg lacks {tool}'s {median}");
    }
    let size_svg = svg("size");
    let memory_svg = svg("memory");
    for tool in ["nook", "tini-static", "catatonit", "dumb-init"] {
        assert!(size_svg.contains(tool), "bench-size.svg lacks {tool}");
        assert!(memory_svg.contains(tool), "bench-memory.svg lacks {tool}");
    }
    let scaling_svg = svg("scaling");
    assert!(scaling_svg.contains("nook") && scaling_svg.contains("bwrap"), "bench-scaling.svg lacks a line");

    let partial = dir.join("partial.md");
    fs::write(&partial, text.split("## Binary size").next().unwrap()).unwrap();
    let out = Command::new(staged_script("bench-plot")).arg(&partial).arg(dir.join("img2")).env("PATH", PATH).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no size table"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!dir.join("partial.tsv").exists() && !dir.join("img2").exists(), "a refused report still wrote its data or pictures");
}

/// The pictures in docs/img/ and BENCHMARKS.tsv are what bench-plot draws
/// from the committed BENCHMARKS.md: the README's pictures cannot show
/// figures other than the report's (after a new `scripts/bench`, run
/// `scripts/bench-plot` and commit what it wrote).
#[test]
fn committed_pictures_match_benchmarks_md() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = scratch(Who::Root, "plot-committed");
    fs::copy(repo.join("BENCHMARKS.md"), dir.join("BENCHMARKS.md")).unwrap();
    let out = Command::new(staged_script("bench-plot")).arg(dir.join("BENCHMARKS.md")).arg(dir.join("img")).env("PATH", PATH).output().unwrap();
    assert!(out.status.success(), "bench-plot: {}", String::from_utf8_lossy(&out.stderr));
    let same = |a: PathBuf, b: PathBuf| fs::read(&a).ok() == fs::read(&b).ok();
    assert!(same(dir.join("BENCHMARKS.tsv"), repo.join("BENCHMARKS.tsv")), "BENCHMARKS.tsv is stale: run scripts/bench-plot");
    for name in ["launch", "scaling", "size", "memory", "parallel", "mounts", "reaping"] {
        let file = format!("bench-{name}.svg");
        assert!(same(dir.join("img").join(&file), repo.join("docs/img").join(&file)), "docs/img/{file} is stale: run scripts/bench-plot");
    }
}
