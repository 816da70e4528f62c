//! Arbitrary bytes through the linter: parse plus every rule, with the default configuration
//! and no project root (so no rule reads other files).
#![no_main]

use libfuzzer_sys::fuzz_target;
use w3_check::{Config, Context};

fuzz_target!(|data: &[u8]| {
    let config = Config::default();
    let cx = Context { config: &config, project_root: None, now: 0 };
    let _ = w3_check::lint(data, &cx);
});
