//! `keyward.toml`: the exact parser the binary uses (its source file, included). Never a panic;
//! what it accepts names only known settings.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../crates/cli/src/config.rs"]
mod config;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(settings) = config::parse(s) {
        for key in settings.keys() {
            assert!(!key.contains('-'), "{key}");
        }
    }
});
