//! Parsing of user input into values the domain trusts. Each error names the field and says
//! what was wrong, so the API can answer 422 with a precise message.

use time::{Duration, OffsetDateTime};

/// A rejected field and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

pub type FieldResult<T> = Result<T, FieldError>;

/// Reads a list's entries, each trimmed, through `parse` (`None`: skip the entry). An error
/// names the entry by its place, never by its text: a secret pasted into the wrong field must
/// not come back in the answer.
pub fn entries<I, S, T>(
    items: I,
    mut parse: impl FnMut(&str) -> Result<Option<T>, String>,
) -> Result<Vec<T>, String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let parsed = parse(item.as_ref().trim()).map_err(|why| format!("entry {} {why}", i + 1))?;
        out.extend(parsed);
    }
    Ok(out)
}

/// Longest expiry a token or API user may be given by days.
pub const MAX_EXPIRY_DAYS: i64 = 3650;
pub const MIN_PASSWORD_LEN: usize = 10;
pub const MAX_PASSWORD_LEN: usize = 1024;
pub const MAX_METADATA_BYTES: usize = 8 * 1024;

/// Characters that show as nothing (zero-width spaces and joiners, bidirectional controls,
/// variation selectors, tags, fillers): two names differing only by them look the same.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{FFF0}'..='\u{FFF8}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// A name as people compare it: invisible characters refused, then NFKC, so that full-width
/// and other compatibility forms (`ａ`, `ｉｎｔｅｇ`) are the names they look like.
fn canonical(field: &'static str, s: &str) -> FieldResult<String> {
    use unicode_normalization::UnicodeNormalization as _;
    if s.chars().any(is_invisible) {
        return Err(FieldError::new(field, "must not contain invisible characters"));
    }
    no_token(field, s)?;
    Ok(s.nfkc().collect())
}

/// Refuses an API token pasted into a field that is stored and shown: it would outlive the one
/// answer a secret may appear in.
pub fn no_token(field: &'static str, s: &str) -> FieldResult<()> {
    if crate::token::contains_token(s) {
        return Err(FieldError::new(
            field,
            "must not contain an API token (it would be stored and shown to others); revoke a token that was shared",
        ));
    }
    Ok(())
}

/// A display name or label: trimmed, 1 to `max` characters, no control or invisible
/// characters, in NFKC.
pub fn label(field: &'static str, s: &str, max: usize) -> FieldResult<String> {
    let normalized = canonical(field, s)?;
    let t = normalized.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if t.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if t.chars().any(char::is_control) {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    Ok(t.to_owned())
}

/// Free text such as a description: may be empty.
pub fn text(field: &'static str, s: &str, max: usize) -> FieldResult<String> {
    no_token(field, s)?;
    let t = s.trim();
    if t.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    Ok(t.to_owned())
}

/// An API username: 3 to 64 of `a-z 0-9 . _ -`, starting with a letter or digit.
pub fn username(s: &str) -> FieldResult<String> {
    let t = s.trim();
    let ok = (3..=64).contains(&t.len())
        && t.as_bytes()[0].is_ascii_alphanumeric()
        && t.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(t.to_owned())
    } else {
        Err(FieldError::new(
            "username",
            "must be 3 to 64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit",
        ))
    }
}

/// An email address, in NFKC and lowercased. Deliberately simple: the mail server is the real
/// judge.
pub fn email(field: &'static str, s: &str) -> FieldResult<String> {
    let t = canonical(field, s)?.trim().to_lowercase();
    let ok = t.len() <= 254
        && !t
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        && match t.split_once('@') {
            Some((local, domain)) => !local.is_empty() && domain.contains('.') && !domain.contains('@'),
            None => false,
        };
    if ok {
        Ok(t)
    } else {
        Err(FieldError::new(field, "is not an email address"))
    }
}

pub fn password(field: &'static str, s: &str) -> FieldResult<()> {
    let n = s.chars().count();
    if n < MIN_PASSWORD_LEN {
        return Err(FieldError::new(
            field,
            format!("must be at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    if n > MAX_PASSWORD_LEN {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_PASSWORD_LEN} characters"),
        ));
    }
    Ok(())
}

/// An `http(s)://` URL used to build links.
pub fn public_url(field: &'static str, s: &str) -> FieldResult<String> {
    no_token(field, s)?;
    let t = s.trim();
    let ok = (t.starts_with("https://") || t.starts_with("http://"))
        && t.len() <= 2048
        && t.len() > "https://".len()
        && !t.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(t.to_owned())
    } else {
        Err(FieldError::new(field, "must be an http:// or https:// URL"))
    }
}

/// Metadata returned on verify: a JSON object of bounded size.
pub fn metadata(
    m: serde_json::Map<String, serde_json::Value>,
) -> FieldResult<serde_json::Map<String, serde_json::Value>> {
    let raw = serde_json::to_string(&m).unwrap_or_default();
    no_token("metadata", &raw)?;
    let size = raw.len();
    if size > MAX_METADATA_BYTES {
        return Err(FieldError::new(
            "metadata",
            format!("must be at most {MAX_METADATA_BYTES} bytes of JSON"),
        ));
    }
    Ok(m)
}

/// Resolves the expiry a caller chose: a date, a number of days from now, or none.
pub fn expiry(
    expires_at: Option<OffsetDateTime>,
    expires_in_days: Option<i64>,
    now: OffsetDateTime,
) -> FieldResult<Option<OffsetDateTime>> {
    match (expires_at, expires_in_days) {
        (Some(_), Some(_)) => Err(FieldError::new(
            "expires_at",
            "give expires_at or expires_in_days, not both",
        )),
        (Some(at), None) if at <= now => Err(FieldError::new("expires_at", "must be in the future")),
        (Some(at), None) if at > now + Duration::days(MAX_EXPIRY_DAYS) => Err(FieldError::new(
            "expires_at",
            format!("must be within {MAX_EXPIRY_DAYS} days"),
        )),
        (Some(at), None) => Ok(Some(at.replace_nanosecond(0).unwrap_or(at))),
        (None, Some(days)) if !(1..=MAX_EXPIRY_DAYS).contains(&days) => Err(FieldError::new(
            "expires_in_days",
            format!("must be between 1 and {MAX_EXPIRY_DAYS}"),
        )),
        (None, Some(days)) => {
            let at = now + Duration::days(days);
            Ok(Some(at.replace_nanosecond(0).unwrap_or(at)))
        }
        (None, None) => Ok(None),
    }
}

/// Applies a PATCH to an expiry: `expires_at` absent keeps it, `null` clears it, a date sets it;
/// `expires_in_days` sets it from now. Giving both a date or `null` and days is refused.
pub fn expiry_change(
    current: Option<OffsetDateTime>,
    expires_at: Option<Option<OffsetDateTime>>,
    expires_in_days: Option<i64>,
    now: OffsetDateTime,
) -> FieldResult<Option<OffsetDateTime>> {
    match (expires_at, expires_in_days) {
        (Some(Some(at)), days) => expiry(Some(at), days, now),
        (Some(None), Some(_)) => Err(FieldError::new(
            "expires_at",
            "give expires_at or expires_in_days, not both",
        )),
        (Some(None), None) => Ok(None),
        (None, Some(days)) => expiry(None, Some(days), now),
        (None, None) => Ok(current),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn usernames() {
        assert_eq!(username(" crm-sync.01 ").unwrap(), "crm-sync.01");
        for bad in ["ab", "Upper", "-lead", "has space", "ünï", &"a".repeat(65)] {
            assert!(username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_and_labels() {
        assert_eq!(email("email", " Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in [
            "",
            "ada",
            "ada@",
            "@x.io",
            "a b@x.io",
            "a@b@c.io",
            "ada@localhost",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
        assert!(label("name", "  ", 10).is_err());
        assert!(label("name", "a\u{7}b", 10).is_err());
        assert!(label("name", &"x".repeat(11), 10).is_err());
        assert_eq!(label("name", " CRM ", 10).unwrap(), "CRM");
    }

    #[test]
    fn expiry_choices() {
        let now = datetime!(2026-11-24 12:00:00.5 UTC);
        assert_eq!(expiry(None, None, now).unwrap(), None);
        assert_eq!(
            expiry(None, Some(30), now).unwrap(),
            Some(datetime!(2026-12-24 12:00 UTC))
        );
        assert!(expiry(None, Some(0), now).is_err());
        assert!(expiry(None, Some(MAX_EXPIRY_DAYS + 1), now).is_err());
        assert!(expiry(Some(now - Duration::seconds(1)), None, now).is_err());
        assert!(expiry(Some(now + Duration::days(1)), Some(1), now).is_err());
        let at = datetime!(2027-01-01 00:00 UTC);
        assert_eq!(expiry(Some(at), None, now).unwrap(), Some(at));
    }

    #[test]
    fn expiry_changes() {
        let now = datetime!(2026-11-24 12:00 UTC);
        let current = Some(now + Duration::days(3));
        assert_eq!(expiry_change(current, None, None, now).unwrap(), current);
        assert_eq!(expiry_change(current, Some(None), None, now).unwrap(), None);
        assert_eq!(
            expiry_change(None, None, Some(7), now).unwrap(),
            Some(now + Duration::days(7))
        );
        assert!(expiry_change(current, Some(None), Some(7), now).is_err());
        assert!(expiry_change(current, Some(Some(now + Duration::days(1))), Some(7), now).is_err());
    }

    #[test]
    fn passwords_and_urls() {
        assert!(password("password", "short").is_err());
        assert!(password("password", "long enough!").is_ok());
        assert!(public_url("public_url", "https://crm.example.com/hook").is_ok());
        assert!(public_url("public_url", "ftp://x").is_err());
        assert!(public_url("public_url", "javascript:alert(1)").is_err());
    }

    #[test]
    fn look_alike_names_are_the_names_they_look_like() {
        assert_eq!(email("email", "ａ@a.io").unwrap(), "a@a.io");
        assert_eq!(label("name", "ｉｎｔｅｇA", 100).unwrap(), "integA");
        let zero_width = label("name", "integ\u{200B}A", 100).unwrap_err();
        assert_eq!(zero_width.message, "must not contain invisible characters");
        assert!(email("email", "a\u{200D}@a.io").is_err());
        assert_eq!(label("name", "Café", 100).unwrap(), "Café");
    }
}
