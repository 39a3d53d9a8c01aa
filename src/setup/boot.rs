//! `nook boot`: the initramfs's /init. It mounts the API filesystems,
//! loads the modules of /etc/nook/modules, finds the root that `root=`
//! names (by scanning /sys/class/block and reading superblocks and
//! partition tables: there is no udev), mounts it on /root and switches
//! to it. Any failure is one line on the console, then /bin/sh if the
//! initramfs has one, else a power-off a few seconds later: PID 1 never
//! returns and never hangs silently.

use crate::base::packed::say;
use super::probe::cmdline::{Cmdline, MAX_INIT_ARGS, Root, Wait};
use super::probe::partition::{self, PartUuid};
use super::probe::{modules, superblock};
use super::switch_root::{mount, switch_root};
use crate::base::error::{Context, Failure, Result};
use crate::base::out::{Line, STDERR, set_verbosity, trace};
use crate::base::text::{Buf, SplitOn};
use crate::kernel::procfs::read_file;
use crate::kernel::{module, raw};
use crate::plan::Argv;
use core::ffi::{CStr, c_char};
use linux_raw_sys::general as k;
use rustix::fd::AsFd;
use rustix::fs::{FileType, OFlags};
use rustix::io::Errno;

/// Where the root is mounted before the switch (mkinitramfs makes it).
const NEWROOT: &CStr = c"/root";

/// How often the root device is looked for while waiting: 100 ms (in ns).
const POLL_NS: i64 = 100_000_000;

/// The API filesystems: type, mount point (the initramfs has it) and
/// options of each, packed (a table of C strings cost 48 bytes of pointers
/// and lengths a mount), and their flags; statics of the bytes themselves,
/// in setup's segment (build.rs).
static API_MOUNTS: [u8; 69] = *b"proc\0/proc\0\0sysfs\0/sys\0\0devtmpfs\0/dev\0mode=0755\0tmpfs\0/run\0mode=0755\0";
static API_FLAGS: [u32; 4] = [
    k::MS_NOSUID | k::MS_NODEV | k::MS_NOEXEC,
    k::MS_NOSUID | k::MS_NODEV | k::MS_NOEXEC,
    k::MS_NOSUID,
    k::MS_NOSUID | k::MS_NODEV,
];

/// Everything boot reads and builds, in one place that outlives the
/// failure it may end with (a failure names its object by pointer).
struct Buffers {
    cmdline: [u8; 4096],
    /// /etc/nook/modules.
    list: [u8; 16384],
    /// /proc/filesystems.
    filesystems: [u8; 4096],
    /// A block device's first bytes, for its superblock and partition table.
    head: [u8; superblock::PROBE_LEN],
    /// A module's path, or a line of the list that does not parse.
    path: Buf<4096>,
    /// rootflags=.
    flags: Buf<4096>,
    /// init=.
    init: Buf<4096>,
    /// The module's options for finit_module.
    words: Buf<4096>,
    /// `root=VALUE`, for messages.
    root: Buf<512>,
    /// The root device found: /dev/NAME.
    device: Buf<64>,
    /// A filesystem type to try.
    fstype: Buf<64>,
    /// init's argv.
    argv: [*const c_char; MAX_INIT_ARGS + 2],
}

/// Boot's buffers, in .bss: as a local they were a 110 KB stack frame,
/// zeroed and probed page by page; here their pages are touched only as
/// far as boot reads.
static mut BUFFERS: Buffers = Buffers {
    cmdline: [0; 4096],
    list: [0; 16384],
    filesystems: [0; 4096],
    head: [0; superblock::PROBE_LEN],
    path: Buf::new(),
    flags: Buf::new(),
    init: Buf::new(),
    words: Buf::new(),
    root: Buf::new(),
    device: Buf::new(),
    fstype: Buf::new(),
    argv: [core::ptr::null(); MAX_INIT_ARGS + 2],
};

/// `nook boot`, as PID 1 with the kernel's `envp`; `verbose` from
/// NOOK_VERBOSE; `args` for the root's init. Never returns.
#[inline(always)]
pub fn boot(verbose: u8, args: Argv, envp: Argv) -> ! {
    set_verbosity(verbose);
    // SAFETY: boot runs once, single-threaded, and never returns: this is
    // the only reference to the buffers.
    let bufs = unsafe { &mut *core::ptr::addr_of_mut!(BUFFERS) };
    let f = steps(bufs, verbose, args, envp.as_ptr());
    give_up(f, envp.as_ptr())
}

/// The failure's line, then a shell if the initramfs has one, else a
/// power-off after a few seconds.
#[cold]
#[inline(never)]
fn give_up(f: Failure<'_>, envp: *const *const c_char) -> ! {
    f.report();
    let sh = [c"/bin/sh".as_ptr(), core::ptr::null()];
    // SAFETY: a null-terminated argv of one C string; envp is the kernel's.
    let _ = unsafe { raw::execve(c"/bin/sh", sh.as_ptr(), envp) };
    Line::new().str("nook: boot failed and there is no /bin/sh: powering off in 5 s").emit(STDERR);
    sleep(5, 0);
    let _ = rustix::system::reboot(rustix::system::RebootCommand::PowerOff);
    // Not allowed to power off: PID 1 exits and the kernel panics, which
    // says so on the console too.
    raw::exit_group(crate::base::error::EXIT_SETUP)
}

/// Sleeps `sec` seconds and `nsec` nanoseconds (two numbers: one in ns
/// was divided at run time).
fn sleep(sec: i64, nsec: i64) {
    let t = rustix::time::Timespec { tv_sec: sec, tv_nsec: nsec };
    // No signal to wait for: only the timeout ends it.
    let _ = raw::sigtimedwait(&raw::SigSet::empty(), Some(&t));
}

/// Whether `device` names a block device. Out of line: find_device's two
/// answers share it.
#[inline(never)]
fn is_block_device(device: &mut Buf<64>) -> bool {
    device.to_cstr().is_some_and(|path| rustix::fs::stat(path).is_ok_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::BlockDevice))
}

/// Every step up to the exec of the root's init; returns the failure
/// that stopped it.
#[inline(never)]
fn steps<'a>(bufs: &'a mut Buffers, verbose: u8, args: Argv, envp: *const *const c_char) -> Failure<'a> {
    let Buffers { cmdline, list, filesystems, head, path, flags, init, words, root, device, fstype, argv } = bufs;
    let mut names = crate::base::text::c_strings(&API_MOUNTS);
    for flags in API_FLAGS {
        let (Some(fs), Some(target), Some(data)) = (names.next(), names.next(), names.next()) else { break };
        trace(1, c"mount", target);
        if let Err(e) = mount(fs, target, fs, flags, Some(data)) {
            return Failure::new(c"mount", target, e);
        }
    }
    let text = match read_file(c"/proc/cmdline", cmdline) {
        Ok(text) => text,
        Err(e) => return Failure::new(c"read", c"/proc/cmdline", e),
    };
    let mut line = Cmdline::new(text);
    if let Err(e) = line.read(text) {
        let object = root.push(e.param).push(b"=").push(e.value).to_cstr().unwrap_or(c"");
        return Failure::usage(say!("kernel command line"), object, say!("is not valid")).hint(e.expected);
    }
    let cmd = &line;
    set_verbosity(verbose.max(cmd.verbose));
    if let Err(f) = load_modules(cmd, list, path, words) {
        return f;
    }
    let root_text = root.push(b"root=").push(cmd.root_text).to_cstr().unwrap_or(c"root=");
    let part = match cmd.root {
        None => return Failure::usage(say!("kernel command line"), root_text, say!("names no root device")),
        Some(Root::PartUuid(text)) => match PartUuid::parse(text) {
            None => return Failure::usage(say!("kernel command line"), root_text, say!("is not a GPT GUID nor an MBR SSSSSSSS-NN")),
            some => some,
        },
        _ => None,
    };
    trace(1, c"find", root_text);
    let Some(dev) = wait_for_root(cmd, part.as_ref(), root_text, device, head) else {
        return Failure::new(c"find", root_text, Errno::NODEV)
            .hint(say!("no such block device in /sys/class/block; is its driver in /etc/nook/modules?"));
    };
    // Neither can fail: the command line is shorter than the buffers and
    // holds no NUL.
    let data = cmd.flags.and_then(|text| flags.push(text).to_cstr());
    if let Err(f) = mount_root(cmd, dev, data, filesystems, fstype) {
        return f;
    }
    let init = cmd.init.and_then(|p| init.push(p).to_cstr()).unwrap_or(c"/sbin/init");
    init_argv(init, args, argv);
    // SAFETY: init's argv was just built of C strings that live on (in
    // `bufs`, the kernel's argv); envp is the kernel's.
    unsafe { switch_root(NEWROOT, init, argv.as_ptr(), envp, true) }
}

/// init's argv: INIT, then `args` (as /init, what the kernel passed:
/// the words after `--` on its command line), at most MAX_INIT_ARGS. The
/// slots after them stay null, as BUFFERS starts (boot fills it once): the
/// last slot always ends the array.
fn init_argv(init: &CStr, args: Argv, argv: &mut [*const c_char; MAX_INIT_ARGS + 2]) {
    argv[0] = init.as_ptr();
    for (slot, arg) in argv[1..=MAX_INIT_ARGS].iter_mut().zip(args.iter()) {
        *slot = arg.as_ptr();
    }
}

/// Loads each module of /etc/nook/modules, in order, with its options
/// from the command line. A module that fails to load is one warning line
/// and boot goes on (the root it was for will be missing, and say so); an
/// already loaded one is no failure; a list that does not parse is.
fn load_modules<'a>(cmd: &Cmdline, list: &'a mut [u8], path: &'a mut Buf<4096>, words: &mut Buf<4096>) -> Result<'a, ()> {
    let text = match read_file(c"/etc/nook/modules", list) {
        Ok(text) => text,
        Err(Errno::NOENT) => return Ok(()),
        Err(e) => return Err(Failure::new(c"read", c"/etc/nook/modules", e)),
    };
    for item in modules::list(text) {
        path.clear();
        let module = match item {
            Ok(module) => module,
            Err(e) => {
                let (_, line) = e.line();
                return Err(Failure::usage(say!("read /etc/nook/modules:"), path.push(line).to_cstr().unwrap_or(c""), e.reason()));
            }
        };
        let Some(file) = path.push(module.path).to_cstr() else { continue };
        words.clear();
        cmd.write_module_options(module.name, words);
        // Options longer than the buffer: none.
        let params = words.to_cstr().unwrap_or(c"");
        trace(1, say!("load module"), file);
        let compressed = module.compression != modules::Compression::None;
        let loaded = crate::kernel::raw::open_cloexec(file, OFlags::RDONLY)
            .and_then(|fd| module::load(fd.as_fd(), params, compressed));
        if let Err(e) = loaded {
            let hint = if compressed && module::cannot_decompress(e) {
                say!("this kernel cannot decompress modules (5.17+ with CONFIG_MODULE_DECOMPRESS): ship them uncompressed")
            } else {
                say!("going on without it")
            };
            Failure::new(say!("load module"), file, e).hint(hint).report();
        }
    }
    Ok(())
}

/// Looks for the root device until it appears or the wait is over (one
/// line says what is awaited, once); its /dev path, or None.
// Out of line: inlined into `steps` it took 32 bytes more.
#[inline(never)]
fn wait_for_root<'d>(
    cmd: &Cmdline,
    part: Option<&PartUuid>,
    root_text: &CStr,
    device: &'d mut Buf<64>,
    head: &mut [u8; superblock::PROBE_LEN],
) -> Option<&'d CStr> {
    let wait = cmd.wait();
    let deadline = match wait {
        Wait::Forever => u64::MAX,
        Wait::Seconds(s) => raw::monotonic_ns().saturating_add(u64::from(s) * 1_000_000_000),
    };
    let mut told = false;
    let wanted = cmd.root.as_ref()?;
    while !find_device(wanted, part, device, head) {
        if raw::monotonic_ns() >= deadline {
            return None;
        }
        if !told {
            told = true;
            let mut line = Line::new();
            line.str("nook: waiting for ").user_bytes(root_text.to_bytes(), 600);
            match wait {
                Wait::Forever => line.str(" (rootwait)"),
                Wait::Seconds(s) => line.str(" for up to ").dec(u64::from(s)).str(" s"),
            };
            line.emit(STDERR);
        }
        sleep(0, POLL_NS);
    }
    device.to_cstr()
}

/// Whether the root device is there now; its /dev path in `device`.
#[inline(never)]
fn find_device(wanted: &Root, part: Option<&PartUuid>, device: &mut Buf<64>, head: &mut [u8; superblock::PROBE_LEN]) -> bool {
    device.clear();
    if let &Root::Path(path) = wanted {
        device.push(path);
        return is_block_device(device);
    }
    let Ok(dir) = crate::kernel::raw::open_cloexec(c"/sys/class/block", OFlags::RDONLY | OFlags::DIRECTORY) else {
        return false;
    };
    super::switch_root::find_entry(dir.as_fd(), &mut |name| {
        let name = name.to_bytes();
        if name.first() == Some(&b'.') {
            return false;
        }
        device.clear();
        device.push(b"/dev/").push(name);
        let Some(dev) = device.to_cstr() else { return false };
        if let &Root::Number { major, minor } = wanted {
            rustix::fs::stat(dev).is_ok_and(|st| st.st_rdev == rustix::fs::makedev(major, minor))
        } else {
            let Ok(bytes) = read_file(dev, head) else { return false };
            match (*wanted, part) {
                // A partition of the disk: the kernel's names are vda1, but
                // nvme0n1p1 after a digit. (A partition read as a disk names
                // no device that exists.)
                (_, Some(part)) => match [512, 4096].into_iter().find_map(|sector| partition::locate(bytes, sector, part)) {
                    Some(number) => {
                        if name.last().is_some_and(u8::is_ascii_digit) {
                            device.push(b"p");
                        }
                        device.dec(u64::from(number));
                        true
                    }
                    None => false,
                },
                (Root::Uuid(text) | Root::Label(text), _) => matches!(superblock::probe(bytes),
                    Ok(Some(v)) if if matches!(wanted, Root::Uuid(_)) { v.has_uuid(text) } else { v.has_label(text) }),
                _ => false,
            }
        }
    }) && is_block_device(device)
}

/// Mounts `dev` on /root: read-only unless `rw`, with `rootflags=`, as each
/// type of `rootfstype=` in turn, else as each filesystem of
/// /proc/filesystems that needs a device (as the kernel's own
/// mount_block_root tries them). Inlined into `steps`, its one caller:
/// out of line it took 32 bytes more (after the shared splitter).
#[inline(always)]
fn mount_root<'a>(cmd: &Cmdline, dev: &'a CStr, data: Option<&CStr>, list: &mut [u8], fstype: &mut Buf<64>) -> Result<'a, ()> {
    let flags = if cmd.read_only() { k::MS_RDONLY } else { 0 };
    // "ext4,xfs" or "nodev\tproc\n\text4\n": one loop reads both, split
    // at commas as the kernel's mount_block_root splits rootfstype=, or
    // at newlines (through the shared splitter: a split at either byte
    // was an iterator of its own).
    let (types, sep) = match cmd.fstype {
        Some(types) => (types, b','),
        None => (read_file(c"/proc/filesystems", list).at(c"read", c"/proc/filesystems")?, b'\n'),
    };
    trace(1, say!("mount on /root"), dev);
    let mut error = Errno::INVAL;
    for line in types.split_on(sep) {
        if line.starts_with(b"nodev") {
            continue;
        }
        let name = line.strip_prefix(b"\t").unwrap_or(line);
        fstype.clear();
        let Some(fs) = fstype.push(name).to_cstr() else { continue };
        if name.is_empty() {
            continue;
        }
        match mount(dev, NEWROOT, fs, flags, data) {
            Ok(()) => return Ok(()),
            Err(Errno::INVAL) => {}
            Err(e) => error = e,
        }
    }
    Err(Failure::new(say!("mount root"), dev, error)
        .hint_if(error == Errno::INVAL, say!("no filesystem type mounts it: give rootfstype=, or add its module to /etc/nook/modules")))
}
