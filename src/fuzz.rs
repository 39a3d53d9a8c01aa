//! The fuzzing entry point: arbitrary bytes → argv and envp → the parser →
//! the plan, carried out against the recording `Sys` (no kernel calls).
//! Used by the cargo-fuzz target in fuzz/ (feature "fuzzing") and by a
//! stable smoke run among the unit tests.
//!
//! Invariants checked: parsing and planning never panic; every failure
//! renders as exactly one line starting with `nook: `.

use crate::plan::{Argv, RunPlan};
use crate::kernel::record::Recorder;
use std::boxed::Box;
use std::ffi::CString;
use std::string::String;
use std::vec::Vec;

/// NUL separates arguments; the first 0xFF byte separates argv from envp.
pub fn parse_and_plan(data: &[u8]) {
    let (args, env) = match data.iter().position(|&b| b == 0xFF) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[..0]),
    };
    let argv = owned(Some(b"nook".as_slice()).into_iter().chain(args.split(|&b| b == 0)));
    let envp = owned(env.split(|&b| b == 0).filter(|e| !e.is_empty()));
    let (argv_ptrs, envp_ptrs) = (pointers(&argv), pointers(&envp));
    // SAFETY: both arrays are C strings followed by a null pointer, alive
    // for the whole call.
    let (argv_view, envp_view) = unsafe {
        (Argv::from_raw(argv_ptrs.as_ptr(), argv.len()), Argv::from_raw(envp_ptrs.as_ptr(), envp.len()))
    };
    let mut plan = Box::new(RunPlan::new());
    match crate::cli::parse(argv_view, envp_view, &mut plan) {
        Err(f) => check_one_line(&f),
        Ok(_) => {
            if let Err(f) = crate::setup::process::Environment::new(envp_view, &plan.process.env_edits) {
                check_one_line(&f);
            }
            if let Err(f) = crate::setup::tree::build::build(&mut Recorder::new(), &plan) {
                check_one_line(&f);
            }
        }
    }
}

fn owned<'a>(items: impl Iterator<Item = &'a [u8]>) -> Vec<CString> {
    items.map(|s| CString::new(s).expect("split at NUL")).collect()
}

fn pointers(strings: &[CString]) -> Vec<*const core::ffi::c_char> {
    strings.iter().map(|c| c.as_ptr()).chain(Some(core::ptr::null())).collect()
}

fn check_one_line(f: &crate::base::error::Failure) {
    let mut line = crate::base::out::Line::new();
    f.render(&mut line);
    let text = line.as_bytes();
    assert!(text.starts_with(b"nook: "), "{:?}", String::from_utf8_lossy(text));
    // `report` adds the one newline: the rendered text has none, whatever
    // bytes the object holds.
    assert!(!text.contains(&b'\n'), "{:?}", String::from_utf8_lossy(text));
}



#[cfg(test)]
mod tests {
    /// A stable, deterministic stand-in for the fuzzer: mutations of seed
    /// invocations (byte flips, splices, truncations) through the same entry
    /// point. `cargo fuzz run parse` explores far more; this keeps the
    /// invariants checked on every `scripts/test`.
    #[test]
    fn smoke_mutations_of_seed_invocations() {
        let seeds: &[&[u8]] = &[
            b"--root\0/r\0--bind\0/a\0/b\0--\0/bin/sh",
            b"--unshare-all\0--hostname\0box\0--dev\0/dev\0--sys\0/sys\0--mqueue\0/dev/mqueue\0--\0p",
            b"--size\0" as &[u8],
            b"--cap-drop\0ALL\0--cap-add\0net_raw\0--uid-map\x000:1000:1\0--setgroups\0deny\0--\0p",
            b"enter\0--pid\x001\0--setenv\0A\0b\0--\0p",
            b"init\0--grace\x005\0--pdeathsig\0RTMIN+2\0p",
            b"--\0p\xffNOOK_ROOT=/r\0NOOK_HOSTNAME=h\0NOOK_GRACE=1",
            b"--perms\x00700\0--dir\0/d\0--symlink\0../x\0/s/l\0--ro-root\0--remount-ro\0/\0--\0p",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..20_000 {
            let seed = seeds[round % seeds.len()];
            let mut data = seed.to_vec();
            for _ in 0..(next() % 4 + 1) {
                let at = (next() as usize) % (data.len() + 1);
                match next() % 4 {
                    0 if !data.is_empty() => {
                        let i = at.min(data.len() - 1);
                        data[i] = next() as u8;
                    }
                    1 => data.insert(at, [0u8, b'-', b'/', b':', 0xFF][(next() % 5) as usize]),
                    2 => data.truncate(at),
                    _ => {
                        let other = seeds[(next() as usize) % seeds.len()];
                        let from = (next() as usize) % (other.len() + 1);
                        data.splice(at..at, other[from..].iter().copied());
                    }
                }
            }
            super::parse_and_plan(&data);
        }
    }
}
