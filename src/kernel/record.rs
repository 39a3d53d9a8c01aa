//! A recording [`Sys`] for unit tests: every call is written down as one
//! line of text, fds are numbered handles, and chosen calls can fail. The
//! mount sequence an argv produces is then checked without root.

use crate::kernel::raw::MountAttr;
use crate::kernel::sys::{Open, Result, Sys};
use core::ffi::CStr;
use rustix::io::Errno;
use rustix::mount::MountPropagationFlags as P;
use std::format;
use std::string::String;
use std::vec::Vec;

#[derive(Default)]
pub struct Recorder {
    pub calls: Vec<String>,
    next_fd: u32,
    /// Paths (as given to open_in_root, or host paths) that do not exist yet;
    /// creating them makes them exist.
    pub missing: Vec<String>,
    /// Host paths that are files rather than directories.
    pub files: Vec<String>,
    /// (call prefix, errno): the first call starting with the prefix fails.
    pub fail: Vec<(String, Errno)>,
    /// What each handle refers to, for readable records.
    names: Vec<String>,
    /// Per handle: the st_dev of a new filesystem's handle (0 for others).
    fs_devs: Vec<u64>,
    /// Where each new filesystem was attached, and its st_dev: what
    /// `dev_of` answers for paths below it (the host's are all 0).
    mounted: Vec<(String, u64)>,
    /// Symlinks made, as paths.
    links: Vec<String>,
    /// Every attach target's path, in order: what `detach` can take off.
    attached: Vec<String>,
    /// The working directory, as `enter_dir` set it.
    cwd: String,
}

/// A handle: an index into the recorder's names.
#[derive(Debug)]
pub struct Handle(u32);

fn s(c: &CStr) -> String {
    String::from_utf8_lossy(c.to_bytes()).into_owned()
}

/// The path of `name` in the directory the double calls `dir` (the new
/// root and host directories both name their entries from `/`).
fn child(dir: &str, name: &CStr) -> String {
    if dir == "/" || dir.starts_with("host:") { format!("/{}", s(name)) } else { format!("{dir}/{}", s(name)) }
}

fn attr_text(a: &MountAttr) -> String {
    use linux_raw_sys::general as k;
    let names = |bits: u64| {
        let mut out = Vec::new();
        for (bit, name) in [
            (k::MOUNT_ATTR_RDONLY, "ro"),
            (k::MOUNT_ATTR_NOSUID, "nosuid"),
            (k::MOUNT_ATTR_NODEV, "nodev"),
            (k::MOUNT_ATTR_NOEXEC, "noexec"),
        ] {
            if bits & bit as u64 != 0 {
                out.push(name);
            }
        }
        out.join(",")
    };
    let mut t = String::new();
    if a.set != 0 {
        t += &format!("+{}", names(a.set));
    }
    if a.clear != 0 {
        t += &format!("-{}", names(a.clear));
    }
    match a.propagation as u32 {
        0 => {}
        k::MS_SHARED => t += "shared",
        k::MS_SLAVE => t += "slave",
        k::MS_PRIVATE => t += "private",
        k::MS_UNBINDABLE => t += "unbindable",
        p => t += &format!("propagation={p:#x}"),
    }
    t
}

impl Recorder {
    pub fn new() -> Self {
        Self::default()
    }

    fn handle(&mut self, name: String) -> Handle {
        self.next_fd += 1;
        self.names.push(name);
        self.fs_devs.push(0);
        Handle(self.next_fd - 1)
    }

    fn name(&self, h: &Handle) -> &str {
        &self.names[h.0 as usize]
    }

    /// Records a call; fails it if a failure was planted for it.
    fn call(&mut self, text: String) -> Result<()> {
        let planted = self.fail.iter().position(|(prefix, _)| text.starts_with(prefix.as_str()));
        self.calls.push(text);
        match planted {
            Some(i) => Err(self.fail.remove(i).1),
            None => Ok(()),
        }
    }

    fn exists(&self, path: &str) -> bool {
        !self.missing.iter().any(|m| m == path)
    }
}

impl Sys for Recorder {
    type Fd = Handle;

    fn unshare(&mut self, flags: u32) -> Result<()> {
        self.call(format!("unshare {flags:#x}"))
    }

    fn change_propagation(&mut self, path: &CStr, flags: P) -> Result<()> {
        let mut kind = String::new();
        for (f, n) in [(P::SHARED, "shared"), (P::DOWNSTREAM, "slave"), (P::PRIVATE, "private"), (P::UNBINDABLE, "unbindable")] {
            if flags.contains(f) {
                kind += n;
            }
        }
        if flags.contains(P::REC) {
            kind = format!("r{kind}");
        }
        self.call(format!("propagation {kind} {}", s(path)))
    }

    fn open_host(&mut self, path: &CStr, how: Open) -> Result<Handle> {
        let p = s(path);
        self.call(format!("open-host {p}"))?;
        if !self.exists(&p) {
            return Err(Errno::NOENT);
        }
        if how == Open::Directory && self.files.contains(&p) {
            return Err(Errno::NOTDIR);
        }
        Ok(self.handle(format!("host:{p}")))
    }

    fn open_in_root(&mut self, root: &Handle, path: &CStr, how: Open) -> Result<Handle> {
        let p = s(path);
        let r = self.name(root).to_string();
        let how = match how {
            Open::Path => "path",
            Open::Directory => "dir",
        };
        self.call(format!("open {how} {p} in {r}"))?;
        if !self.exists(&p) {
            return Err(Errno::NOENT);
        }
        Ok(self.handle(p))
    }

    fn clone_tree(&mut self, dir: Option<&Handle>, path: &CStr) -> Result<Handle> {
        let what = match dir {
            Some(d) => format!("{}{}", self.name(d), s(path)),
            None => s(path),
        };
        self.call(format!("clone-tree {what}"))?;
        if dir.is_none() && !self.exists(&what) {
            return Err(Errno::NOENT);
        }
        Ok(self.handle(format!("tree:{what}")))
    }

    fn open_terminal(&mut self) -> Result<Option<Handle>> {
        self.call("open-terminal".into())?;
        Ok(None)
    }

    fn is_dir(&mut self, fd: &Handle) -> Result<bool> {
        let name = self.name(fd).trim_start_matches("tree:").to_string();
        Ok(!self.files.contains(&name))
    }

    fn dev_of(&mut self, fd: &Handle) -> Result<u64> {
        let own = self.fs_devs[fd.0 as usize];
        if own != 0 {
            return Ok(own);
        }
        // The newest filesystem mounted at or above the path.
        let path = self.name(fd).to_string();
        let below = |m: &str| path == m || path.starts_with(&format!("{}/", m.trim_end_matches('/')));
        Ok(self.mounted.iter().rev().find(|(m, _)| below(m)).map_or(0, |&(_, dev)| dev))
    }

    fn new_filesystem(&mut self, fstype: &'static CStr, options: &[(&CStr, &CStr)], attrs: u64) -> Result<Handle> {
        let opts: Vec<String> = options.iter().map(|(k, v)| format!("{}={}", s(k), s(v))).collect();
        let a = attr_text(&MountAttr { set: attrs, ..MountAttr::default() });
        self.call(format!("new-fs {} {} {a}", s(fstype), opts.join(",")))?;
        let h = self.handle(format!("fs:{}", s(fstype)));
        self.fs_devs[h.0 as usize] = 100 + h.0 as u64;
        Ok(h)
    }

    fn set_mount_attr(&mut self, fd: &Handle, recursive: bool, attr: MountAttr) -> Result<()> {
        let r = if recursive { " recursive" } else { "" };
        let text = format!("setattr {} {}{r}", self.name(fd), attr_text(&attr));
        self.call(text)
    }

    fn attach(&mut self, mount: &Handle, dest: &Handle) -> Result<()> {
        let text = format!("attach {} on {}", self.name(mount), self.name(dest));
        self.call(text)?;
        let dev = self.fs_devs[mount.0 as usize];
        if dev != 0 {
            self.mounted.push((self.name(dest).to_string(), dev));
        }
        self.attached.push(self.name(dest).to_string());
        Ok(())
    }

    fn make_dir(&mut self, dir: &Handle, name: &CStr, mode: u32) -> Result<()> {
        let d = self.name(dir).to_string();
        self.call(format!("mkdir {} in {d} {mode:o}", s(name)))?;
        let full = child(&d, name);
        let existed = self.exists(&full);
        self.missing.retain(|m| m != &full);
        if existed { Err(Errno::EXIST) } else { Ok(()) }
    }

    fn open_child_dir(&mut self, dir: &Handle, name: &CStr) -> Result<Handle> {
        let d = self.name(dir).to_string();
        self.call(format!("open child-dir {} in {d}", s(name)))?;
        let full = child(&d, name);
        if !self.exists(&full) {
            return Err(Errno::NOENT);
        }
        Ok(self.handle(full))
    }

    fn make_file(&mut self, dir: &Handle, name: &CStr, mode: u32) -> Result<Handle> {
        let d = self.name(dir).to_string();
        self.call(format!("mkfile {} in {d} {mode:o}", s(name)))?;
        let full = child(&d, name);
        self.missing.retain(|m| m != &full);
        self.files.push(full.clone());
        Ok(self.handle(full))
    }

    fn make_symlink(&mut self, target: &CStr, dir: &Handle, name: &CStr) -> Result<()> {
        let d = self.name(dir).to_string();
        self.call(format!("symlink {} -> {} in {d}", s(name), s(target)))?;
        self.links.push(format!("{}={}", child(&d, name), s(target)));
        Ok(())
    }

    /// Only links this recorder made (with the same target) are there.
    fn symlink_points_to(&mut self, dir: &Handle, name: &CStr, target: &CStr) -> Result<bool> {
        let link = format!("{}={}", child(self.name(dir), name), s(target));
        Ok(self.links.contains(&link))
    }

    fn remove(&mut self, dir: &Handle, name: &CStr, is_dir: bool) -> Result<()> {
        let text = format!("{} {} in {}", if is_dir { "rmdir" } else { "unlink" }, s(name), self.name(dir));
        self.call(text)
    }

    fn enter_dir(&mut self, fd: &Handle) -> Result<()> {
        let text = format!("fchdir {}", self.name(fd));
        self.call(text)?;
        self.cwd = self.name(fd).to_string();
        Ok(())
    }

    fn pivot_root(&mut self, put_old: Option<&Handle>) -> Result<()> {
        let text = match put_old {
            None => "pivot_root . .".to_string(),
            Some(h) => format!("pivot_root . {}", self.name(h)),
        };
        self.call(text)
    }

    /// "." always succeeds (the old root after pivot_root); a name in the
    /// working directory only while something is attached there.
    fn detach(&mut self, path: &CStr) -> Result<()> {
        self.call(format!("detach {}", s(path)))?;
        if path == c"." {
            return Ok(());
        }
        let full = child(&self.cwd, path);
        let at = self.attached.iter().rposition(|a| *a == full).ok_or(Errno::INVAL)?;
        self.attached.remove(at);
        self.mounted.retain(|(m, _)| *m != full);
        Ok(())
    }

    fn chdir(&mut self, path: &CStr) -> Result<()> {
        self.call(format!("chdir {}", s(path)))
    }

    fn check_cwd(&mut self) -> Result<()> {
        self.call("check-cwd".into())
    }

    fn fd_path(&mut self, fd: &Handle, buf: &mut [u8]) -> Result<usize> {
        let p = self.name(fd).trim_start_matches("host:").to_string();
        buf[..p.len()].copy_from_slice(p.as_bytes());
        Ok(p.len())
    }
}
