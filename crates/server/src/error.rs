//! One error type for every answer that is not a success, rendered as RFC 9457
//! `application/problem+json` with a stable `code`. A 5xx body says only "internal error";
//! the cause goes to the log.

use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keyward_core::input::FieldError;
use keyward_service::ServiceError;
use keyward_store::StoreError;
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub field: Option<std::borrow::Cow<'static, str>>,
    pub retry_after: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// 415: a JSON endpoint was sent something else.
    pub fn not_json() -> Self {
        let hint = "send the body as JSON with Content-Type: application/json";
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", hint)
    }

    /// 413: the body is over the size limit (the API, the dashboard and OAuth alike).
    pub fn body_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "the request body is too large",
        )
    }

    /// Whether a form shows this refusal next to its fields: a client error other than a
    /// missing record (which goes to the error page, as a server fault does).
    pub fn shown_on_form(&self) -> bool {
        self.status.is_client_error() && self.status != StatusCode::NOT_FOUND
    }

    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            field: None,
            retry_after: None,
        }
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn invalid(field: &'static str, detail: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", detail)
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, detail)
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error")
    }

    fn title(&self) -> &'static str {
        match self.status {
            StatusCode::BAD_REQUEST => "Bad request",
            StatusCode::UNAUTHORIZED => "Authentication required",
            StatusCode::FORBIDDEN => "Forbidden",
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::REQUEST_TIMEOUT => "Request timeout",
            StatusCode::METHOD_NOT_ALLOWED => "Method not allowed",
            StatusCode::CONFLICT => "Conflict",
            StatusCode::PAYLOAD_TOO_LARGE => "Request body too large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "Unsupported media type",
            StatusCode::UNPROCESSABLE_ENTITY => "Invalid request",
            StatusCode::TOO_MANY_REQUESTS => "Too many requests",
            StatusCode::SERVICE_UNAVAILABLE => "Service unavailable",
            _ => "Internal error",
        }
    }
}

impl ApiError {
    fn problem(self) -> Problem {
        Problem {
            kind: format!("https://keyward.dev/problems/{}", self.code),
            title: self.title().to_owned(),
            status: self.status.as_u16(),
            detail: self.detail,
            code: self.code.to_owned(),
            field: self.field.map(std::borrow::Cow::into_owned),
        }
    }
}

/// A problem+json body, for transports that carry it themselves (Envoy's gRPC denials).
pub fn problem_json(status: StatusCode, code: &'static str, detail: &str) -> String {
    serde_json::to_string(&ApiError::new(status, code, detail).problem()).unwrap_or_default()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let retry_after = self.retry_after;
        let body = self.problem();
        let mut res = (status, axum::Json(body)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

/// Maps a store error, naming the missing record as `what` when it is `NotFound`.
pub fn missing(what: &'static str) -> impl Fn(StoreError) -> ApiError {
    move |e| match e {
        StoreError::NotFound => ApiError::not_found(what),
        e => e.into(),
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        Self::invalid(e.field, e.message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ServiceError::from(e).into()
    }
}

/// The one mapping of the operations' error to an HTTP answer.
impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound(what) => Self::not_found(what),
            ServiceError::Conflict(c) => Self::new(StatusCode::CONFLICT, c.code(), c.to_string()),
            ServiceError::Invalid { code, field, message } => Self {
                code,
                ..Self::invalid(field, message)
            },
            ServiceError::BadRequest { code, message } => Self::bad_request(code, message),
            ServiceError::Unauthorized { code, message } => {
                Self::new(StatusCode::UNAUTHORIZED, code, message)
            }
            ServiceError::Forbidden { code, message } => Self::forbidden(code, message),
            ServiceError::Gone { code, message } => Self::new(StatusCode::GONE, code, message),
            ServiceError::Throttled {
                code,
                message,
                retry_after,
            } => {
                let mut err = Self::new(StatusCode::TOO_MANY_REQUESTS, code, message);
                err.retry_after = Some(retry_after);
                err
            }
            ServiceError::Unavailable(e) => {
                tracing::warn!(error = %format!("{e:#}"), "database unavailable");
                let mut err = Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage_unavailable",
                    "the database cannot be reached; nothing was changed, try again shortly",
                );
                err.retry_after = Some(1);
                err
            }
            ServiceError::Internal(e) => Self::internal(format!("{e:#}")),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonDataError(e) => data_error(&e.body_text()),
            JsonRejection::JsonSyntaxError(e) => {
                Self::bad_request("malformed_json", redact_values(&e.body_text()))
            }
            JsonRejection::MissingJsonContentType(_) => Self::not_json(),
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Self::body_too_large()
            }
            other => Self::bad_request("bad_body", other.body_text()),
        }
    }
}

/// A body of the wrong shape: `field` names the field at fault (axum's message starts with its
/// path), the message says what was expected — for times, the format with an example rather
/// than the parser's component names — and values are cut out.
fn data_error(text: &str) -> ApiError {
    let rest = text
        .strip_prefix("Failed to deserialize the JSON body into the target type: ")
        .unwrap_or(text);
    let (field, message) = match rest.split_once(": ") {
        Some((path, message)) if !path.is_empty() && !path.contains(' ') && path != "." => {
            (Some(path.to_owned()), message)
        }
        _ => (None, rest),
    };
    let is_time = [
        "component",
        "rfc3339",
        "RFC 3339",
        "date",
        "invalid format description",
    ]
    .iter()
    .any(|m| message.contains(m));
    let detail = match (&field, is_time) {
        (Some(f), true) => {
            format!("{f}: expected an RFC 3339 date and time with an offset, such as 2027-01-31T00:00:00Z")
        }
        (Some(f), false) => format!("{f}: {}", redact_values(message)),
        (None, _) => redact_values(message),
    };
    ApiError {
        field: field.map(Into::into),
        ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", detail)
    }
}

impl From<BytesRejection> for ApiError {
    fn from(r: BytesRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::body_too_large()
        } else {
            Self::bad_request("bad_body", "the request body could not be read")
        }
    }
}

/// The raw body (a signed report checked byte for byte), with problem+json rejections.
#[derive(Debug, Clone)]
pub struct RawBody(pub axum::body::Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        Ok(Self(axum::body::Bytes::from_request(req, state).await?))
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        // axum's text quotes the value it could not parse: name only the rule.
        Self::bad_request(
            "invalid_path",
            "invalid path parameter: an id in the path must be a UUID",
        )
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::bad_request("invalid_query", redact_values(&r.body_text()))
    }
}

pub use keyward_api::Problem;
/// Replaces every double-quoted value in a parser's message with `"…"`, so an error never
/// echoes a string from the request (which could be a token sent in the wrong field). Field
/// names, which serde quotes with backticks, stay.
pub use keyward_service::error::redact_quoted as redact_values;

/// `axum::Json` whose rejections are problem+json.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// A record just made: `201 Created` with its JSON.
pub struct Created<T>(pub T);

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        (StatusCode::CREATED, axum::Json(self.0)).into_response()
    }
}

/// `axum::extract::Path` whose rejections are problem+json.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// The record a path names and the JSON sent to change it (a PATCH, or a POST to one of its
/// actions), read in that order with problem+json rejections, as `Path` then `Json` would be.
pub struct Edit<K, T>(pub K, pub T);

impl<S, K, T> FromRequest<S> for Edit<K, T>
where
    S: Send + Sync,
    K: serde::de::DeserializeOwned + Send,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let (mut parts, body) = req.into_parts();
        let Path(key) = Path::<K>::from_request_parts(&mut parts, state).await?;
        let request = axum::extract::Request::from_parts(parts, body);
        let Json(value) = Json::<T>::from_request(request, state).await?;
        Ok(Self(key, value))
    }
}

/// `axum::extract::Query` whose rejections are problem+json.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

#[cfg(test)]
mod tests {
    use super::redact_values;

    #[test]
    fn type_errors_name_their_field_and_dates_their_format() {
        let e = super::data_error(
            "Failed to deserialize the JSON body into the target type: expires_at: the 'year' component could not be parsed at line 1 column 30",
        );
        assert_eq!(e.field.as_deref(), Some("expires_at"));
        assert!(
            e.detail.contains("RFC 3339") && e.detail.contains("2027-01-31T00:00:00Z"),
            "{}",
            e.detail
        );
        let e = super::data_error(
            "Failed to deserialize the JSON body into the target type: permissions: invalid type: string \"x\", expected a sequence at line 1 column 20",
        );
        assert_eq!(e.field.as_deref(), Some("permissions"));
        assert!(!e.detail.contains("\"x\""));
        let e = super::data_error(
            "Failed to deserialize the JSON body into the target type: missing field `name` at line 1 column 2",
        );
        assert_eq!(e.field, None);
    }

    #[test]
    fn parser_messages_never_echo_string_values() {
        let m = redact_values(
            r#"invalid type: string "kw_live_secret", expected a sequence at line 1 column 30"#,
        );
        assert_eq!(
            m,
            r#"invalid type: string "…", expected a sequence at line 1 column 30"#
        );
        assert_eq!(
            redact_values("unknown field `colour`, expected `token`"),
            "unknown field `colour`, expected `token`"
        );
    }
}
