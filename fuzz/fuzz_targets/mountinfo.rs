//! Bytes as /proc/self/mountinfo → nook's mount table parser, its walk
//! and both renderings. See src/fuzz.rs for the invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| nook::fuzz::mountinfo(data));
