//! The token format: `{prefix}_{env}_{30 random base62}{6 base62 CRC32}`.
//!
//! The checksum lets keyward (and any secret scanner) reject a mistyped or made-up token
//! without touching storage. Only the SHA-256 of the whole token is ever stored.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::model::Environment;

/// Base62 alphabet, most significant digit first: `0-9A-Za-z`.
pub const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Random characters in a token: 30 × log2(62) ≈ 178 bits.
pub const RANDOM_LEN: usize = 30;
/// Base62 characters of the CRC32 checksum (62^6 > 2^32).
pub const CHECKSUM_LEN: usize = 6;
/// The part after `{prefix}_{env}_`.
pub const BODY_LEN: usize = RANDOM_LEN + CHECKSUM_LEN;
/// Longest prefix accepted in configuration.
pub const MAX_PREFIX_LEN: usize = 16;

/// Deployment-wide token prefix, such as `kw`: lowercase ASCII letters and digits, starting
/// with a letter, at most 16 characters, so that a token splits unambiguously on `_`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenPrefix(String);

impl TokenPrefix {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= MAX_PREFIX_LEN
            && s.as_bytes()[0].is_ascii_lowercase()
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(format!(
                "token prefix {s:?} must be 1 to {MAX_PREFIX_LEN} lowercase letters or digits, starting with a letter"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A regular expression matching this deployment's tokens, for secret scanners.
    pub fn scanner_regex(&self) -> String {
        format!(r"\b{}_(live|test)_[0-9A-Za-z]{{{BODY_LEN}}}\b", self.0)
    }
}

impl Default for TokenPrefix {
    fn default() -> Self {
        Self("kw".to_owned())
    }
}

impl fmt::Display for TokenPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn env_label(env: Environment) -> &'static str {
    match env {
        Environment::Live => "live",
        Environment::Sandbox => "test",
    }
}

/// SHA-256 of a whole token: the only form in which a token is stored or cached.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    pub fn of(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).into())
    }

    /// The key under which a token imported by its SHA-512 digest is stored: SHA-256 over a
    /// label and that digest. Verify derives it from a presented foreign string only when the
    /// plain SHA-256 is unknown (see [`sha512_key`]), and no SHA-256 of a string can equal it
    /// short of a collision.
    pub fn of_sha512_digest(digest: &[u8; 64]) -> Self {
        let mut h = Sha256::new();
        h.update(b"keyward:sha512:");
        h.update(digest);
        Self(h.finalize().into())
    }

    /// From 128 hex characters (a SHA-512 digest), as [`Self::of_sha512_digest`].
    pub fn from_sha512_hex(s: &str) -> Option<Self> {
        if s.len() != 128 || !s.is_ascii() {
            return None;
        }
        let mut out = [0u8; 64];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Self::of_sha512_digest(&out))
    }

    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lowercase hex, as secret scanners exchange hashes.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// From 64 hex characters (either case).
    pub fn from_hex(s: &str) -> Option<Self> {
        if s.len() != 64 || !s.is_ascii() {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Self(out))
    }

    /// The first 8 bytes, for compact membership filters.
    pub fn short(&self) -> u64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.0[..8]);
        u64::from_le_bytes(b)
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash(")?;
        for b in &self.0[..6] {
            write!(f, "{b:02x}")?;
        }
        write!(f, "…)")
    }
}

/// A freshly generated token. The secret lives only in this value and in the HTTP response
/// that creates it; `Debug` never prints it.
pub struct NewSecret {
    secret: String,
    pub hash: TokenHash,
    pub hint: String,
}

impl NewSecret {
    /// The whole token, to be shown exactly once.
    pub fn expose(&self) -> &str {
        &self.secret
    }

    pub fn into_secret(self) -> String {
        self.secret
    }
}

impl fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_redacted(f, "NewSecret", "secret", &[("hint", &self.hint)])
    }
}

/// Formats a value that holds a secret: the secret's field reads `<redacted>`, then the fields
/// that may be shown. Every `Debug` of a type holding a token goes through here, so a log line
/// or a panic message cannot carry one.
pub fn debug_redacted(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    secret_field: &str,
    shown: &[(&str, &dyn fmt::Debug)],
) -> fmt::Result {
    let mut out = f.debug_struct(name);
    out.field(secret_field, &"<redacted>");
    for (field, value) in shown {
        out.field(field, value);
    }
    out.finish()
}

/// Failure to obtain randomness from the operating system.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random number generator failed: {0}")]
pub struct RandomnessError(pub String);

/// Fills `out` with characters from [`ALPHABET`], uniformly, from the OS's CSPRNG.
pub fn random_base62(out: &mut [u8]) -> Result<(), RandomnessError> {
    let mut filled = 0;
    let mut buf = [0u8; 64];
    while filled < out.len() {
        getrandom::fill(&mut buf).map_err(|e| RandomnessError(e.to_string()))?;
        for &b in &buf {
            // 248 = 4 × 62: rejecting larger bytes keeps every character equally likely.
            if b < 248 && filled < out.len() {
                out[filled] = ALPHABET[(b % 62) as usize];
                filled += 1;
            }
        }
    }
    Ok(())
}

fn checksum_chars(data: &[u8]) -> [u8; CHECKSUM_LEN] {
    let mut n = crc32fast::hash(data) as u64;
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// Whether `s` holds a token of keyward's format, under any prefix, anywhere in it: the body's
/// checksum must match, so ordinary text is not mistaken for one. Used to refuse secrets pasted
/// into fields that are stored and shown.
pub fn contains_token(s: &str) -> bool {
    find_tokens(s).next().is_some()
}

/// Every token of keyward's format in `s`, under any prefix, as byte ranges: the body's checksum
/// must match, so a look-alike with a wrong checksum is not reported. What `keyward scan` and
/// the refusal of pasted secrets look for.
pub fn find_tokens(s: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    // A token is ASCII, so its byte range in `s` falls on character boundaries.
    find_tokens_in_bytes(s.as_bytes())
}

/// [`find_tokens`] over bytes that need not be UTF-8 (a file as read).
pub fn find_tokens_in_bytes(bytes: &[u8]) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    // Each marker is searched for once, front to back (SIMD where the CPU has it); the two
    // streams are merged in order.
    let mut live = memchr::memmem::find_iter(bytes, b"_live_").peekable();
    let mut test = memchr::memmem::find_iter(bytes, b"_test_").peekable();
    let mut end = 0;
    std::iter::from_fn(move || {
        loop {
            let at = match (live.peek(), test.peek()) {
                (Some(&l), Some(&t)) if l <= t => live.next()?,
                (Some(_), Some(_)) | (None, Some(_)) => test.next()?,
                (Some(_), None) => live.next()?,
                (None, None) => return None,
            };
            if at < end {
                continue;
            }
            if let Some(found) = token_at(bytes, at) {
                end = found.end;
                return Some(found);
            }
        }
    })
}

/// The token whose `_live_` or `_test_` is at `at`, if the characters around it make one.
fn token_at(bytes: &[u8], at: usize) -> Option<std::ops::Range<usize>> {
    let body_start = at + "_live_".len();
    let body = bytes.get(body_start..body_start + BODY_LEN)?;
    if !body.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    // The prefix is unknown here: try every length a prefix may have.
    let sum = &body[RANDOM_LEN..];
    let shortest = at.saturating_sub(MAX_PREFIX_LEN);
    let mut start = at;
    while start > shortest && bytes[start - 1].is_ascii_alphanumeric() {
        start -= 1;
        if checksum_chars(&bytes[start..body_start + RANDOM_LEN]) == sum {
            return Some(start..body_start + BODY_LEN);
        }
    }
    None
}

/// `s` with every token in it replaced by its display hint, cut to `max` characters: for text
/// from outside (a leak report's URL) that is kept and shown.
pub fn redact(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max));
    let mut last = 0;
    for r in find_tokens(s) {
        out.push_str(&s[last..r.start]);
        out.push_str(&hint_for(&s[r.clone()]));
        last = r.end;
    }
    out.push_str(&s[last..]);
    out.chars().take(max).collect()
}

/// The display hint shown in lists: `kw_live_…a1B2`.
pub fn hint_for(token: &str) -> String {
    let prefix_end = token.rfind('_').map(|i| i + 1).unwrap_or(0);
    let tail_start = token.len().saturating_sub(4);
    format!(
        "{}…{}",
        &token[..prefix_end],
        &token[tail_start.max(prefix_end)..]
    )
}

/// Generates a new token for `env` from the OS's CSPRNG.
pub fn generate(prefix: &TokenPrefix, env: Environment) -> Result<NewSecret, RandomnessError> {
    let head = format!("{}_{}_", prefix.as_str(), env_label(env));
    let mut bytes = Vec::with_capacity(head.len() + BODY_LEN);
    bytes.extend_from_slice(head.as_bytes());
    let start = bytes.len();
    bytes.resize(start + RANDOM_LEN, 0);
    random_base62(&mut bytes[start..])?;
    let sum = checksum_chars(&bytes);
    bytes.extend_from_slice(&sum);
    // Every byte is ASCII from the alphabet or the head, so this cannot fail.
    let secret = String::from_utf8(bytes).map_err(|e| RandomnessError(e.to_string()))?;
    Ok(NewSecret {
        hash: TokenHash::of(&secret),
        hint: hint_for(&secret),
        secret,
    })
}

/// What a well-formed token says about itself before any lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParsedToken {
    pub environment: Environment,
    pub hash: TokenHash,
}

/// Why a presented string is not a token of this deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MalformedToken {
    #[error("the token does not have the shape {{prefix}}_{{live|test}}_{{36 characters}}")]
    Shape,
    #[error("the token's checksum does not match; it was mistyped or made up")]
    Checksum,
}

/// Checks shape and checksum without any I/O or allocation, then hashes.
pub fn parse(prefix: &TokenPrefix, token: &str) -> Result<ParsedToken, MalformedToken> {
    let environment = check_shape(prefix, token)?;
    let bytes = token.as_bytes();
    let (data, sum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
    if checksum_chars(data) != sum {
        return Err(MalformedToken::Checksum);
    }
    Ok(ParsedToken {
        environment,
        hash: TokenHash::of(token),
    })
}

/// Shortest and longest foreign token (one imported from another system) that verify looks up.
pub const FOREIGN_MIN_LEN: usize = 16;
pub const FOREIGN_MAX_LEN: usize = 256;

/// How verify looks a presented string up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// keyward's own format, checksum correct.
    Keyward(TokenHash),
    /// Another format (an imported `sk_live_…`, a 40-hex key, a UUID): looked up by hash, and
    /// answered MALFORMED, as before any import, when nothing was imported under it.
    Foreign(TokenHash),
    /// Neither: answered MALFORMED without hashing.
    Malformed,
}

/// keyward's format by its checksum; anything else of 16 to 256 printable ASCII characters (no
/// spaces) as a foreign token; a keyward-shaped string with a bad checksum is malformed, never
/// foreign, so a typo is still answered as one.
pub fn lookup(prefix: &TokenPrefix, token: &str) -> Lookup {
    match parse(prefix, token) {
        Ok(p) => Lookup::Keyward(p.hash),
        Err(MalformedToken::Checksum) => Lookup::Malformed,
        Err(MalformedToken::Shape) if is_foreign(token) => Lookup::Foreign(TokenHash::of(token)),
        Err(MalformedToken::Shape) => Lookup::Malformed,
    }
}

/// The key of a foreign string imported by its SHA-512 digest (djangorestframework-api-key 3.x
/// keeps `sha512$$<hex>`): verify's second candidate when the SHA-256 is unknown.
pub fn sha512_key(token: &str) -> TokenHash {
    TokenHash::of_sha512_digest(&sha2::Sha512::digest(token.as_bytes()).into())
}

/// 16 to 256 printable ASCII characters without spaces.
pub fn is_foreign(token: &str) -> bool {
    (FOREIGN_MIN_LEN..=FOREIGN_MAX_LEN).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_graphic())
}

fn check_shape(prefix: &TokenPrefix, token: &str) -> Result<Environment, MalformedToken> {
    let p = prefix.as_str();
    let rest = token
        .strip_prefix(p)
        .and_then(|r| r.strip_prefix('_'))
        .ok_or(MalformedToken::Shape)?;
    let (environment, body) = if let Some(b) = rest.strip_prefix("live_") {
        (Environment::Live, b)
    } else if let Some(b) = rest.strip_prefix("test_") {
        (Environment::Sandbox, b)
    } else {
        return Err(MalformedToken::Shape);
    };
    if body.len() != BODY_LEN || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(MalformedToken::Shape);
    }
    Ok(environment)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kw() -> TokenPrefix {
        TokenPrefix::default()
    }

    #[test]
    fn debug_never_prints_a_new_secret() {
        let new = generate(&kw(), Environment::Live).unwrap();
        let shown = format!("{new:?}");
        assert!(!shown.contains(new.expose()), "{shown}");
        assert!(
            shown.contains("<redacted>") && shown.contains(&new.hint),
            "{shown}"
        );
    }

    #[test]
    fn a_sha512_digest_and_its_key_meet_under_one_key() {
        let key = "bYlSPUHf.pPEOHEaHBrKpeQX5sheGUwQL2OgY6UPu";
        // What djangorestframework-api-key 3.1 stored for this key (Sha512ApiKeyHasher).
        let stored = "cec4c9ed756a767333fc22128956125d47f1d8dcac66273fb89b94798dab00e7\
                      eeb22d75f1ecd4e9879bb5c51636ce6062db12e647b660dcca13ea0abd8e1d6b";
        assert_eq!(TokenHash::from_sha512_hex(stored), Some(sha512_key(key)));
        assert_eq!(
            TokenHash::from_sha512_hex(&stored.to_uppercase()),
            Some(sha512_key(key))
        );
        assert_ne!(sha512_key(key), TokenHash::of(key));
        assert_eq!(TokenHash::from_sha512_hex(&stored[..126]), None);
        assert_eq!(TokenHash::from_sha512_hex(&format!("{}zz", &stored[..126])), None);
    }

    #[test]
    fn lookup_tells_keyward_foreign_and_malformed_apart() {
        let t = generate(&kw(), Environment::Live).unwrap().into_secret();
        assert_eq!(lookup(&kw(), &t), Lookup::Keyward(TokenHash::of(&t)));
        // A typo in keyward's format stays malformed, never a foreign lookup.
        let mut typo = t.clone().into_bytes();
        let last = typo.len() - 1;
        typo[last] = if typo[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            lookup(&kw(), std::str::from_utf8(&typo).unwrap()),
            Lookup::Malformed
        );
        for foreign in [
            "sk_live_51HcVq2Lk8mNpQrSt",
            "3f8a9c2d4e6b1a7f0c5d8e2b9a4f6c1d3e7b0a52",
            &"x".repeat(256),
        ] {
            assert_eq!(
                lookup(&kw(), foreign),
                Lookup::Foreign(TokenHash::of(foreign)),
                "{foreign}"
            );
        }
        for malformed in [
            "",
            "short-15-chars!",
            "has a space in it somewhere",
            &"x".repeat(257),
            "ünïcödé-but-long-enough",
        ] {
            assert_eq!(lookup(&kw(), malformed), Lookup::Malformed, "{malformed}");
        }
    }

    #[test]
    fn tokens_are_found_inside_text_under_any_prefix() {
        for prefix in ["kw", "acme2"] {
            let p = TokenPrefix::parse(prefix).unwrap();
            let t = generate(&p, Environment::Live).unwrap();
            let s = t.expose();
            assert!(contains_token(s));
            assert!(contains_token(&format!("see: {s}, thanks")));
            assert!(contains_token(&format!("x{s}")), "a longer run before the prefix");
            let typo = format!("{}0", &s[..s.len() - 1]);
            assert!(!contains_token(&typo) || typo == s);
        }
        assert!(!contains_token("kw_live_ but nothing after"));
        assert!(!contains_token("the rest_live_of it"));
    }

    #[test]
    fn every_token_in_a_text_is_found_with_its_place_and_look_alikes_are_not() {
        let live = generate(&kw(), Environment::Live).unwrap();
        let test = generate(&TokenPrefix::parse("acme").unwrap(), Environment::Sandbox).unwrap();
        let (a, b) = (live.expose(), test.expose());
        let wrong_sum = format!(
            "{}{}",
            &a[..a.len() - 1],
            if a.ends_with('0') { '1' } else { '0' }
        );
        let text = format!("KEY={a}\n{wrong_sum} é \"{b}\"{a}");
        let found: Vec<&str> = find_tokens(&text).map(|r| &text[r]).collect();
        assert_eq!(found, [a, b, a]);
        assert_eq!(find_tokens("no tokens _live_ here_test_").count(), 0);
        let shown = redact(&text, 1000);
        assert!(
            !shown.contains(a) && !shown.contains(b) && shown.contains(&live.hint),
            "{shown}"
        );
        assert!(shown.contains(&wrong_sum), "a look-alike is left alone");
    }

    #[test]
    fn hashes_go_to_hex_and_back() {
        let h = TokenHash::of("kw_live_x");
        assert_eq!(h.to_hex().len(), 64);
        assert_eq!(TokenHash::from_hex(&h.to_hex()), Some(h));
        assert_eq!(TokenHash::from_hex(&h.to_hex().to_uppercase()), Some(h));
        assert_eq!(TokenHash::from_hex("zz"), None);
        assert_eq!(TokenHash::from_hex(&"é".repeat(32)), None);
    }

    #[test]
    fn generated_tokens_have_the_documented_shape() {
        let t = generate(&kw(), Environment::Live).unwrap();
        let s = t.expose();
        assert!(s.starts_with("kw_live_"), "{s}");
        assert_eq!(s.len(), "kw_live_".len() + 36);
        let parsed = parse(&kw(), s).unwrap();
        assert_eq!(parsed.environment, Environment::Live);
        assert_eq!(parsed.hash, t.hash);
        assert!(t.hint.starts_with("kw_live_…"));
        assert_eq!(t.hint.chars().count(), "kw_live_…".chars().count() + 4);
        assert!(
            !format!("{t:?}").contains(&s[8..]),
            "Debug must not print the secret"
        );
    }

    #[test]
    fn sandbox_tokens_say_test() {
        let t = generate(&kw(), Environment::Sandbox).unwrap();
        assert!(t.expose().starts_with("kw_test_"));
        assert_eq!(
            parse(&kw(), t.expose()).unwrap().environment,
            Environment::Sandbox
        );
    }

    #[test]
    fn checksum_is_crc32_ieee_in_base62_msd_first() {
        // CRC32("123456789") = 0xCBF43926 = 3421780262 = base62 "3jZRME" (computed independently in Python).
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
        assert_eq!(&checksum_chars(b"123456789"), b"3jZRME");
        // Left-padded with zeros: CRC32("") = 0.
        assert_eq!(&checksum_chars(b""), b"000000");
    }

    #[test]
    fn tokens_are_not_repeated() {
        let a = generate(&kw(), Environment::Live).unwrap();
        let b = generate(&kw(), Environment::Live).unwrap();
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn wrong_prefix_env_or_length_is_a_shape_error() {
        let t = generate(&kw(), Environment::Live).unwrap();
        let s = t.expose();
        let other = TokenPrefix::parse("acme").unwrap();
        assert_eq!(parse(&other, s), Err(MalformedToken::Shape));
        assert_eq!(
            parse(&kw(), &s.replace("_live_", "_prod_")),
            Err(MalformedToken::Shape)
        );
        assert_eq!(parse(&kw(), &s[..s.len() - 1]), Err(MalformedToken::Shape));
        assert_eq!(parse(&kw(), &format!("{s}x")), Err(MalformedToken::Shape));
        assert_eq!(parse(&kw(), ""), Err(MalformedToken::Shape));
        assert_eq!(parse(&kw(), "kw_live_"), Err(MalformedToken::Shape));
        let mut non_ascii = s[..s.len() - 2].to_owned();
        non_ascii.push('é');
        assert_eq!(parse(&kw(), &non_ascii), Err(MalformedToken::Shape));
    }

    #[test]
    fn prefix_rules() {
        assert!(TokenPrefix::parse("kw").is_ok());
        assert!(TokenPrefix::parse("acme2").is_ok());
        for bad in ["", "Kw", "k_w", "2kw", "abcdefghijklmnopq", "kw-1"] {
            assert!(TokenPrefix::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(kw().scanner_regex(), r"\bkw_(live|test)_[0-9A-Za-z]{36}\b");
    }

    proptest! {
        #[test]
        fn every_generated_token_parses(live in any::<bool>()) {
            let env = if live { Environment::Live } else { Environment::Sandbox };
            let t = generate(&kw(), env).unwrap();
            prop_assert_eq!(parse(&kw(), t.expose()).unwrap().environment, env);
        }

        #[test]
        fn any_single_character_change_is_rejected(pos in 8usize..44, replacement in 0usize..62) {
            let t = generate(&kw(), Environment::Live).unwrap();
            let mut bytes = t.expose().as_bytes().to_vec();
            let new = ALPHABET[replacement];
            prop_assume!(bytes[pos] != new);
            bytes[pos] = new;
            let changed = String::from_utf8(bytes).unwrap();
            // CRC32 detects every single-symbol substitution.
            prop_assert_eq!(parse(&kw(), &changed), Err(MalformedToken::Checksum));
        }

        #[test]
        fn arbitrary_strings_never_panic(s in ".{0,80}") {
            let _ = parse(&kw(), &s);
        }

        #[test]
        fn random_bodies_almost_never_pass_the_checksum(body in "[0-9A-Za-z]{36}") {
            let s = format!("kw_live_{body}");
            let data = &s.as_bytes()[..s.len() - CHECKSUM_LEN];
            let ok = checksum_chars(data) == s.as_bytes()[s.len() - CHECKSUM_LEN..];
            prop_assert_eq!(parse(&kw(), &s).is_ok(), ok);
        }
    }
}
