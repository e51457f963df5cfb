//! The token parser and checksum: any string, never a panic; what parses hashes as the verifier
//! would, and a one-character change to a valid token is caught. The scanner (`find_tokens`,
//! `redact`) on any bytes: never a panic, every match in bounds and itself a token, and
//! nothing it found survives redaction. Verify's lookup tells keyward's format, foreign strings
//! and malformed ones apart consistently.
#![no_main]

use keyward_core::token::{self, hint_for};
use keyward_core::{TokenHash, TokenPrefix};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for r in token::find_tokens_in_bytes(data) {
        assert!(r.start < r.end && r.end <= data.len());
        let found = std::str::from_utf8(&data[r]).expect("a token is ASCII");
        assert!(token::contains_token(found));
    }
    let Ok(s) = std::str::from_utf8(data) else { return };
    let redacted = token::redact(s, usize::MAX);
    for r in token::find_tokens(s) {
        assert!(!redacted.contains(&s[r]));
    }
    let _ = TokenPrefix::parse(s);
    let prefix = TokenPrefix::default();
    // Verify's lookup: keyward's format by checksum, a foreign string by hash, else malformed;
    // never both, and a foreign string is exactly what `is_foreign` says.
    match token::lookup(&prefix, s) {
        token::Lookup::Keyward(h) => assert!(token::parse(&prefix, s).is_ok() && h == TokenHash::of(s)),
        token::Lookup::Foreign(h) => {
            assert!(token::parse(&prefix, s).is_err() && token::is_foreign(s) && h == TokenHash::of(s))
        }
        token::Lookup::Malformed => assert!(token::parse(&prefix, s).is_err()),
    }
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
