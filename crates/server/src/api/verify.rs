//! `POST /v1/verify`: the platform asks whether a presented token may make a call.
//!
//! This is the hot path. The server hands it requests straight from the connection, ahead of
//! the router and its middleware ([`serve_fast`]); the router's route ([`verify`]) serves the
//! in-process router and documents the operation. Both answer through [`answer`]: the caller's
//! own token and the presented one go through the verify cache, the body is parsed in place
//! without copying strings, and the answer is a body prepared in advance (per cached token for
//! VALID, fixed at compile time otherwise).

use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, LazyLock};
use std::task::Poll;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::Full;
use keyward_core::{VerifyCode, VerifyQuery};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::{
    ClientIp, SESSION_PREFIX, client_ip, no_keyward_permission, no_verify_permission, presented_credential,
};
use crate::error::{ApiError, Problem, redact_values};
pub use keyward_api::verify::VerifyRequest;
use keyward_service::verify::answer::VerifyResponse;
use keyward_service::verify::answer::with_limits;
use keyward_service::verify::{Metering, invalid_body};

/// The request, borrowing from the body wherever the JSON has no escapes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyBody<'a> {
    #[serde(borrow)]
    token: Cow<'a, str>,
    #[serde(borrow, default)]
    ip: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    permissions: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    integration: Option<Cow<'a, str>>,
    #[serde(default)]
    cost: Option<u64>,
}

/// Verify a token. Requires: a token with keyward:verify. Always 200 when the request itself
/// is well formed: the verdict is in `valid` and `code`. Only tokens of the caller's
/// organization can be valid.
#[utoipa::path(post, path = "/v1/verify", operation_id = "verify_token", tag = "verify",
    request_body = VerifyRequest, responses((status = 200, body = VerifyResponse),
    (status = 422, description = "ip or permissions malformed", body = Problem)))]
pub async fn verify(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    answer(&state, client, &headers, body.map_err(body_error))
        .await
        .map(json_response)
}

/// The body of a response the server sends: a verdict as it is (no allocation), or what the
/// router or an error answered.
pub type ServedBody = http_body_util::Either<Full<Bytes>, axum::body::Body>;

/// `POST /v1/verify` straight from the connection, ahead of the router and its middleware:
/// the platform calls it on every request it serves, so it pays only for what it needs. It
/// keeps every promise the middleware makes for other routes — the body limit, the request
/// deadline (408) and the security headers — and answers exactly as [`verify`] does.
///
/// Its future is kept small (the rare paths are boxed, and of the request only the headers and
/// the body are kept): hyper moves each request's future, copying it whole, and at 2.7 KB those
/// copies showed in profiles.
pub fn serve_fast<B>(
    state: Arc<AppState>,
    peer: SocketAddr,
    request: Request<B>,
) -> impl Future<Output = axum::http::Response<ServedBody>>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = request.into_parts();
    let headers = parts.headers;
    let client = client_ip(peer.ip(), &headers, &state.config.http.trusted_proxies);
    serve_verdict(state, client, headers, body)
}

async fn serve_verdict<B>(
    state: Arc<AppState>,
    client: IpAddr,
    headers: HeaderMap,
    body: B,
) -> axum::http::Response<ServedBody>
where
    B: http_body::Body<Data = Bytes> + Unpin,
{
    let work = async {
        let body = read_body(body, state.config.http.body_limit).await;
        answer(&state, client, &headers, body).await
    };
    // Nearly every verification arrives whole and is answered from memory on its first poll:
    // the deadline's timer is armed only for one that is still arriving or waits for storage
    // (arming and disarming a timer per request showed in profiles).
    let mut work = std::pin::pin!(work);
    let first = std::future::poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx))).await;
    let result = match first {
        Poll::Ready(done) => Ok(done),
        Poll::Pending => Box::pin(tokio::time::timeout(state.config.http.request_timeout, work)).await,
    };
    match result {
        Ok(Ok(body)) => {
            // The headers every verdict carries, built once.
            static HEADERS: LazyLock<HeaderMap> = LazyLock::new(|| {
                let mut h = HeaderMap::new();
                h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                crate::app::add_security_headers(&mut h);
                h
            });
            let mut response = axum::http::Response::new(http_body_util::Either::Left(Full::new(body)));
            *response.headers_mut() = HEADERS.clone();
            response
        }
        Ok(Err(e)) => with_security_headers(e.into_response()).map(http_body_util::Either::Right),
        Err(_) => with_security_headers(
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "the request was not received in time",
            )
            .into_response(),
        )
        .map(http_body_util::Either::Right),
    }
}

/// Reads a whole body of at most `limit` bytes. A body that comes in one frame — nearly every
/// verification — is handed over as it is, without copying or allocating.
async fn read_body<B>(mut body: B, limit: usize) -> Result<Bytes, ApiError>
where
    B: http_body::Body<Data = Bytes> + Unpin,
{
    if body.size_hint().lower() > limit as u64 {
        return Err(ApiError::body_too_large());
    }
    let mut first: Option<Bytes> = None;
    let mut more: Vec<u8> = Vec::new();
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        let data = match frame {
            None => break,
            Some(Err(_)) => {
                return Err(ApiError::bad_request(
                    "bad_body",
                    "the request body could not be read",
                ));
            }
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => data,
                Err(_) => continue, // trailers
            },
        };
        let read = first.as_ref().map_or(0, Bytes::len) + more.len() + data.len();
        if read > limit {
            return Err(ApiError::body_too_large());
        }
        match &first {
            None => first = Some(data),
            Some(f) => {
                if more.is_empty() {
                    more.extend_from_slice(f);
                }
                more.extend_from_slice(&data);
            }
        }
    }
    Ok(if more.is_empty() {
        first.unwrap_or_default()
    } else {
        Bytes::from(more)
    })
}

fn with_security_headers(mut response: Response) -> Response {
    crate::app::add_security_headers(response.headers_mut());
    response
}

/// The verification itself, whichever way the request came in.
async fn answer(
    state: &AppState,
    client: IpAddr,
    headers: &HeaderMap,
    body: Result<Bytes, ApiError>,
) -> Result<Bytes, ApiError> {
    let now = state.clock.now();
    let org_id = authorize(state, headers, client, now).await?;
    require_json(headers)?;
    let body = body?;
    let req: VerifyBody<'_> = serde_json::from_slice(&body).map_err(json_error)?;
    let ip = match req.ip.as_deref() {
        Some(s) => Some(
            s.trim()
                .parse::<IpAddr>()
                .map_err(|_| ApiError::invalid("ip", "is not an IPv4 or IPv6 address"))?,
        ),
        None => None,
    };
    if req.permissions.len() > 100 {
        return Err(ApiError::invalid(
            "permissions",
            "at most 100 permissions per verification",
        ));
    }
    let query = VerifyQuery {
        ip,
        permissions: &req.permissions,
        integration: req.integration.as_deref(),
    };
    // An OAuth access token (a JWT: three dot-separated parts) is checked by signature and
    // against its API user's current state.
    if req.token.bytes().filter(|b| *b == b'.').count() == 2 {
        let body = Box::pin(state.service.verify_access_token(&req.token, org_id, &query, now)).await;
        return Ok(body);
    }
    // VALID answers copy the body prepared for the token rather than share it: a shared
    // buffer's reference count would pass between the cores on every request.
    let cost = req.cost.unwrap_or(1);
    if cost > keyward_core::quota::MAX_CREDITS {
        return Err(ApiError::invalid(
            "cost",
            format!("at most {}", keyward_core::quota::MAX_CREDITS),
        ));
    }
    let metering = Metering::Cost(cost);
    let body = state
        .verifier
        .verify_with(
            &req.token,
            &query,
            Some(org_id),
            metering,
            now,
            |code, entry, limits| match (code, entry, limits) {
                (VerifyCode::Valid, Some(e), None) => Bytes::copy_from_slice(&e.valid_body),
                (VerifyCode::Valid, Some(e), Some(l)) => Bytes::from(with_limits(&e.valid_body, l)),
                (code, _, Some(l)) => Bytes::from(with_limits(invalid_body(code).as_bytes(), l)),
                (code, _, None) => Bytes::from_static(invalid_body(code).as_bytes()),
            },
        )
        .await?;
    Ok(body)
}

fn json_response(body: Bytes) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response()
}

/// The caller must hold `keyward:verify`; answers its organization.
async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    client: IpAddr,
    now: OffsetDateTime,
) -> Result<Uuid, ApiError> {
    let Some(presented) = presented_credential(headers) else {
        return Err(ApiError::unauthorized(
            "authenticate with Authorization: Bearer <token> or X-API-Key: <token>",
        ));
    };
    if presented.starts_with(SESSION_PREFIX) {
        // Members manage; only tokens verify. Still tell an expired session from a live one.
        return match Box::pin(state.service.session_member(presented)).await? {
            Some(_) => Err(no_verify_permission()),
            None => Err(ApiError::unauthorized(
                "the session is invalid or has expired; log in again",
            )),
        };
    }
    state
        .verifier
        .check_caller(presented, client, now, |code, entry| match (code, entry) {
            (VerifyCode::Valid, Some(e)) if e.grants_verify => Ok(e.subject.org_id),
            (VerifyCode::Valid, Some(e)) if e.grants_keyward => Err(no_verify_permission()),
            (VerifyCode::Valid, Some(_)) => Err(no_keyward_permission()),
            (code, _) => Err(ApiError::unauthorized(format!(
                "the token was refused: {}",
                code.as_str()
            ))),
        })
        .await?
}

fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
    if is_json {
        Ok(())
    } else {
        Err(ApiError::not_json())
    }
}

fn body_error(e: BytesRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::body_too_large()
    } else {
        ApiError::bad_request("bad_body", "the request body could not be read")
    }
}

fn json_error(e: serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let message = redact_values(&e.to_string());
    match e.classify() {
        Category::Data => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", message),
        _ => ApiError::bad_request("malformed_json", message),
    }
}
