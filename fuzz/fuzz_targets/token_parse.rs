//! The token parser and checksum: any string, never a panic; what parses hashes as the verifier
//! would, and a one-character change to a valid token is caught.
#![no_main]

use keyward_core::token::{self, hint_for};
use keyward_core::{TokenHash, TokenPrefix};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let _ = TokenPrefix::parse(s);
    let prefix = TokenPrefix::default();
    if let Ok(parsed) = token::parse(&prefix, s) {
        assert_eq!(parsed.hash, TokenHash::of(s));
        let _ = hint_for(s);
        // Changing the last character (the checksum's) to another alphanumeric one is detected.
        let mut bytes = s.as_bytes().to_vec();
        let last = bytes.len() - 1;
        bytes[last] = if bytes[last] == b'a' { b'b' } else { b'a' };
        let changed = String::from_utf8(bytes).unwrap();
        assert!(token::parse(&prefix, &changed).is_err());
    }
});
