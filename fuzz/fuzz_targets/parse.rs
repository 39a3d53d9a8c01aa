//! argv/env bytes → nook's parser → the plan, carried out against the
//! recording Sys. See src/fuzz.rs for the input format and the invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| nook::fuzz::parse_and_plan(data));
