//! The one error of every operation. Transports map it once to their own answer (the HTTP API
//! to problem+json with the same `code`); nothing here knows about status lines.

use keyward_core::input::FieldError;
use keyward_store::{Conflict, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The record does not exist in the caller's organization (another organization's records
    /// are reported the same way).
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(Conflict),
    /// A field breaks a rule. `code` is `validation_failed` unless a rule has its own
    /// (`expiry_policy`).
    #[error("{field}: {message}")]
    Invalid {
        code: &'static str,
        field: &'static str,
        message: String,
    },
    /// The request as a whole cannot be understood (a filter out of range, a bad cursor).
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// Missing, unknown or expired credentials; `code` is `unauthorized` unless a rule has its
    /// own (`totp_required`).
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    /// The caller is known but lacks the role or permission; `code` names which.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// Something that existed once and cannot be used again (a consumed setup link).
    #[error("{message}")]
    Gone { code: &'static str, message: String },
    /// Too many attempts; try again after `retry_after` seconds.
    #[error("{message}")]
    Throttled {
        code: &'static str,
        message: String,
        retry_after: u64,
    },
    /// The database cannot be reached; nothing was changed.
    #[error("the database is unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// A bug or an unexpected failure; the cause is logged, never shown.
    #[error(transparent)]
    Internal(anyhow::Error),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            code: "validation_failed",
            field,
            message: message.into(),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::Forbidden {
            code,
            message: message.into(),
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::Unauthorized {
            code: "unauthorized",
            message: message.into(),
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(anyhow::anyhow!("{cause}"))
    }
}

/// Maps a store error, naming the missing record as `what` when it is `NotFound`.
pub fn missing(what: &'static str) -> impl Fn(StoreError) -> ServiceError {
    move |e| match e {
        StoreError::NotFound => ServiceError::NotFound(what),
        e => e.into(),
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound("record"),
            StoreError::Conflict(c) => Self::Conflict(c),
            StoreError::Invalid { field, message } => Self::invalid(field, message),
            StoreError::SetupLinkInvalid => Self::Gone {
                code: "setup_link_invalid",
                message: e.to_string(),
            },
            StoreError::Unavailable(e) => Self::Unavailable(e),
            StoreError::Internal(e) => Self::Internal(e),
        }
    }
}

impl From<FieldError> for ServiceError {
    fn from(e: FieldError) -> Self {
        Self::invalid(e.field, e.message)
    }
}

/// Replaces every double-quoted value in a parser's message with `"…"`, and every back-quoted
/// one longer than a field name could be with `` `…` ``, so an error never echoes a string from
/// the request (it could be a secret sent in the wrong field). Field and variant names, which
/// serde quotes with backticks, stay.
pub fn redact_quoted(message: &str) -> String {
    const LONGEST_NAME: usize = 32;
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find(['"', '`']) {
        out.push_str(&rest[..i]);
        let quote = &rest[i..i + 1];
        let after = &rest[i + 1..];
        match after.find(quote) {
            Some(j) if quote == "\"" || j > LONGEST_NAME => {
                out.push_str(quote);
                out.push('…');
                out.push_str(quote);
                rest = &after[j + 1..];
            }
            Some(j) => {
                out.push_str(&rest[i..i + 1 + j + 1]);
                rest = &after[j + 1..];
            }
            // An unmatched quote: nothing after it can be trusted to be a name.
            None => {
                out.push_str(quote);
                out.push('…');
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::redact_quoted;

    #[test]
    fn values_are_cut_out_and_names_kept() {
        assert_eq!(
            redact_quoted(r#"invalid type: string "kw_live_secret", expected a sequence"#),
            r#"invalid type: string "…", expected a sequence"#
        );
        assert_eq!(
            redact_quoted("unknown field `colour`, expected `token`"),
            "unknown field `colour`, expected `token`"
        );
        let long = "unknown variant `kw_live_0123456789abcdefghijABCDEFGHIJ0123456789`, expected `admin`";
        assert_eq!(redact_quoted(long), "unknown variant `…`, expected `admin`");
        assert_eq!(redact_quoted("a \"dangling"), "a \"…");
    }
}
