//! Leak reports: GitHub's and GitLab's secret-scanning partner calls, signed with ECDSA P-256
//! keys the scanner publishes, and an administrator's own reports. What a report does is
//! `keyward_service::leaks`; this checks signatures, limits and renders.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use keyward_service::leaks::{self, HashCheck, LeakFeedback, LeakReport, Reporter};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::{Api, ClientIp};
use crate::error::{ApiError, ApiResult, Json, Problem, RawBody};
pub use keyward_api::leaks::HashCheckRequest;

/// A report of 10 000 tokens is about 2 MB of JSON.
pub const REPORT_BODY_LIMIT: usize = 4 * 1024 * 1024;
/// An unknown key identifier refetches the keys document at most this often.
const REFETCH_AFTER: Duration = Duration::from_secs(60);

/// GitHub's keys document.
pub const GITHUB_KEYS_URL: &str = "https://api.github.com/meta/public_keys/secret_scanning";

/// The routes, with the larger body limit a batch of reports needs.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(github))
        .routes(routes!(gitlab))
        .routes(routes!(report_leak))
        .routes(routes!(check_hashes))
        .routes(routes!(revocable_token_types))
        .routes(routes!(revoke_tokens))
        .layer(DefaultBodyLimit::max(REPORT_BODY_LIMIT))
}

/// A scanner's published verification keys, fetched from its keys document and kept.
pub struct ScannerKeys {
    url: Option<String>,
    http: reqwest::Client,
    /// Identifier → SubjectPublicKeyInfo DER.
    keys: Mutex<HashMap<String, Vec<u8>>>,
    /// When the document was last fetched. Held across the fetch, so that concurrent reports
    /// wait for one fetch rather than each being refused while it runs.
    fetched: tokio::sync::Mutex<Option<Instant>>,
}

#[derive(Deserialize)]
struct KeysDocument {
    public_keys: Vec<PublishedKey>,
}

#[derive(Deserialize)]
struct PublishedKey {
    key_identifier: String,
    /// PEM ("-----BEGIN PUBLIC KEY-----").
    key: String,
}

impl ScannerKeys {
    /// `url`: the keys document; `None` turns the scanner's endpoint off.
    pub fn new(url: Option<String>) -> anyhow::Result<Self> {
        Ok(Self {
            url,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            keys: Mutex::new(HashMap::new()),
            fetched: tokio::sync::Mutex::new(None),
        })
    }

    /// The key with this identifier: kept, or after fetching the document again (at most once
    /// a minute, so unknown identifiers cannot make keyward hammer the scanner).
    async fn key(&self, id: &str) -> Result<Option<Vec<u8>>, ApiError> {
        if let Some(k) = lock(&self.keys).get(id) {
            return Ok(Some(k.clone()));
        }
        let Some(url) = &self.url else {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "scanner_not_configured",
                "this scanner's keys document is not configured on this server",
            ));
        };
        let mut fetched = self.fetched.lock().await;
        // Another report may have fetched the document while this one waited.
        if let Some(k) = lock(&self.keys).get(id) {
            return Ok(Some(k.clone()));
        }
        if fetched.is_some_and(|at| at.elapsed() < REFETCH_AFTER) {
            return Ok(None);
        }
        let doc: KeysDocument = self
            .http
            .get(url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| unavailable(&e))?
            .json()
            .await
            .map_err(|e| unavailable(&e))?;
        // Only a fetch that worked counts: after a failure the next report tries again.
        *fetched = Some(Instant::now());
        let mut keys = lock(&self.keys);
        for k in doc.public_keys {
            if let Some(der) = pem_body(&k.key) {
                keys.insert(k.key_identifier, der);
            }
        }
        Ok(keys.get(id).cloned())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn unavailable(e: &dyn std::fmt::Display) -> ApiError {
    tracing::warn!(error = %e, "secret scanning: cannot fetch the keys document");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "keys_unavailable",
        "the scanner's verification keys cannot be fetched now; try again",
    )
}

/// The DER inside a PEM block.
fn pem_body(pem: &str) -> Option<Vec<u8>> {
    let b64: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect();
    B64.decode(b64).ok()
}

/// Per-address limits on the reporting endpoints, and the two scanners' keys.
pub struct Scanners {
    pub github: ScannerKeys,
    pub gitlab: ScannerKeys,
    limiter: governor::DefaultKeyedRateLimiter<IpAddr>,
}

impl Scanners {
    pub fn new(github_keys_url: Option<String>, gitlab_keys_url: Option<String>) -> anyhow::Result<Self> {
        // A scanner sends a batch per push; 10 a second with bursts of 60 per address is far
        // above that and far below what would load the database.
        let quota = governor::Quota::per_second(NonZeroU32::MIN.saturating_add(9))
            .allow_burst(NonZeroU32::MIN.saturating_add(59));
        Ok(Self {
            github: ScannerKeys::new(github_keys_url)?,
            gitlab: ScannerKeys::new(gitlab_keys_url)?,
            limiter: governor::RateLimiter::keyed(quota),
        })
    }

    fn admit(&self, ip: IpAddr) -> Result<(), ApiError> {
        self.limiter.check_key(&ip).map_err(|_| {
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many reports from this address; try again in a few seconds",
            )
        })
    }
}

/// Checks the scanner's signature over the raw body, then handles the reports.
async fn signed_report(
    call: ScannerCall,
    keys: impl FnOnce(&Scanners) -> &ScannerKeys,
    reporter: Reporter,
    header_prefix: &str,
) -> ApiResult<Json<Vec<LeakFeedback>>> {
    let ScannerCall {
        state,
        ip,
        headers,
        body,
    } = call;
    let keys = keys(&state.scanners);
    state.scanners.admit(ip)?;
    let header = |name: &str| {
        headers
            .get(format!("{header_prefix}-Public-Key-{name}"))
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let bad = |detail: &'static str| ApiError::new(StatusCode::UNAUTHORIZED, "invalid_signature", detail);
    let (Some(id), Some(signature)) = (header("Identifier"), header("Signature")) else {
        return Err(bad(
            "the report is not signed: the key identifier and signature headers are required",
        ));
    };
    let signature = B64
        .decode(signature)
        .map_err(|_| bad("the signature is not base64"))?;
    let key = keys
        .key(id)
        .await?
        .ok_or_else(|| bad("no published key has this identifier"))?;
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &key)
        .verify(&body, &signature)
        .map_err(|_| bad("the signature does not match the body"))?;
    let reports: Vec<LeakReport> = serde_json::from_slice(&body).map_err(|e| {
        let why = format!("the body is not a JSON array of reports: {}", e.classify_text());
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", why)
    })?;
    let outcome = leaks::handle_reports(&state.service, reporter, &reports).await?;
    Ok(Json(outcome.feedback))
}

/// A scanner's call as received: where it came from, the headers that sign it and the exact
/// bytes they sign.
pub struct ScannerCall {
    state: AppState,
    ip: IpAddr,
    headers: HeaderMap,
    body: Bytes,
}

impl FromRequest<AppState> for ScannerCall {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let (mut parts, body) = req.into_parts();
        let ClientIp(ip) = ClientIp::from_request_parts(&mut parts, state).await?;
        let headers = parts.headers.clone();
        let RawBody(body) = RawBody::from_request(Request::from_parts(parts, body), state).await?;
        Ok(Self {
            state: state.clone(),
            ip,
            headers,
            body,
        })
    }
}

/// Readable classification of a JSON error, without the input.
trait ClassifyText {
    fn classify_text(&self) -> &'static str;
}

impl ClassifyText for serde_json::Error {
    fn classify_text(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "it could not be read",
            serde_json::error::Category::Syntax => "it is not valid JSON",
            serde_json::error::Category::Data => "a field is missing or of the wrong type",
            serde_json::error::Category::Eof => "it ends too early",
        }
    }
}

/// GitHub's secret-scanning partner call: a JSON array of `{token, type, url, source}`, signed
/// (`Github-Public-Key-Identifier`, `Github-Public-Key-Signature`: base64 DER ECDSA P-256 over
/// the raw body) with a key from GitHub's keys document. Answers GitHub's feedback array:
/// each string's SHA-256 and whether keyward issued it. A token keyward issued is recorded as
/// leaked once and revoked, suspended or only announced, by the organization's
/// `leaked_token_action`. Requires: the scanner's signature.
#[utoipa::path(post, path = "/v1/secret-scanning/github", operation_id = "github_secret_scanning",
    tag = "secret-scanning", security(()), request_body = Vec<LeakReport>,
    responses((status = 200, body = Vec<LeakFeedback>), (status = 400, body = Problem),
    (status = 401, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem),
    (status = 429, body = Problem), (status = 503, body = Problem)))]
pub async fn github(call: ScannerCall) -> ApiResult<Json<Vec<LeakFeedback>>> {
    signed_report(call, |s| &s.github, Reporter::GitHub, "Github").await
}

/// GitLab's secret-detection call: the same shape as GitHub's, signed with
/// `Gitlab-Public-Key-Identifier` and `Gitlab-Public-Key-Signature` by a key from the
/// document at `--gitlab-secret-scanning-keys-url` (without it this answers 404).
/// Requires: the scanner's signature.
#[utoipa::path(post, path = "/v1/secret-scanning/gitlab", operation_id = "gitlab_secret_scanning",
    tag = "secret-scanning", security(()), request_body = Vec<LeakReport>,
    responses((status = 200, body = Vec<LeakFeedback>), (status = 400, body = Problem),
    (status = 401, body = Problem), (status = 404, body = Problem), (status = 413, body = Problem),
    (status = 422, body = Problem), (status = 429, body = Problem), (status = 503, body = Problem)))]
pub async fn gitlab(call: ScannerCall) -> ApiResult<Json<Vec<LeakFeedback>>> {
    signed_report(call, |s| &s.gitlab, Reporter::GitLab, "Gitlab").await
}

/// Report tokens found leaked (what `keyward scan --report` sends): the same array and answer
/// as GitHub's call; only tokens of the caller's organization are true positives.
/// Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/tokens/report-leak", tag = "tokens", request_body = Vec<LeakReport>,
    responses((status = 200, body = Vec<LeakFeedback>), (status = 400, body = Problem),
    (status = 413, body = Problem)))]
pub async fn report_leak(
    api: Api,
    Json(reports): Json<Vec<LeakReport>>,
) -> ApiResult<Json<Vec<LeakFeedback>>> {
    Ok(Json(leaks::report(&api.manage()?, &reports).await?.feedback))
}

/// Whether strings found somewhere are tokens of your organization, and their state, asked by
/// their SHA-256 so that no secret travels (what `keyward scan --check` sends).
/// Requires: any member, or keyward:read.
#[utoipa::path(post, path = "/v1/tokens/check-hashes", tag = "tokens", request_body = HashCheckRequest,
    responses((status = 200, body = Vec<HashCheck>), (status = 400, body = Problem)))]
pub async fn check_hashes(api: Api, Json(req): Json<HashCheckRequest>) -> ApiResult<Json<Vec<HashCheck>>> {
    Ok(Json(leaks::check_hashes(&api.read()?, &req.token_hashes).await?))
}

/// The token types keyward revokes, in GitLab's Token Revocation API.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RevocableTokenTypes {
    pub types: Vec<&'static str>,
}

/// The type GitLab names keyward tokens by: the Gitleaks rule id of the rule in docs/TOKENS.md.
/// Reports are judged by the token itself, whatever type they carry.
pub const GITLAB_TOKEN_TYPE: &str = "gitleaks_rule_id_keyward_api_token";

/// GitLab's Token Revocation API (self-managed): the token types this service revokes.
/// Requires: a token with keyward:report-leaks or keyward:admin, or a super admin.
#[utoipa::path(get, path = "/v1/revocable_token_types", tag = "secret-scanning",
    responses((status = 200, body = RevocableTokenTypes)))]
pub async fn revocable_token_types(api: Api) -> ApiResult<Json<RevocableTokenTypes>> {
    api.caller.require_leak_reporting()?;
    Ok(Json(RevocableTokenTypes {
        types: vec![GITLAB_TOKEN_TYPE],
    }))
}

/// One secret GitLab found, in its Token Revocation API's shape.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct GitLabFinding {
    #[serde(rename = "type")]
    pub kind: String,
    pub token: String,
    /// Where it was found.
    #[serde(default)]
    pub location: String,
}

/// GitLab's Token Revocation API (self-managed): revoke what its secret detection found. Each
/// token of the caller's organization is handled as leaked (once), by the organization's
/// `leaked_token_action`; others are ignored. Answers 204 whatever was found, as GitLab expects.
/// Requires: a token with keyward:report-leaks or keyward:admin, or a super admin.
#[utoipa::path(post, path = "/v1/revoke_tokens", tag = "secret-scanning", request_body = Vec<GitLabFinding>,
    responses((status = 204), (status = 400, body = Problem), (status = 413, body = Problem)))]
pub async fn revoke_tokens(api: Api, Json(found): Json<Vec<GitLabFinding>>) -> ApiResult<StatusCode> {
    let reports: Vec<LeakReport> = found
        .into_iter()
        .map(|f| LeakReport {
            token: f.token,
            kind: f.kind,
            url: f.location,
            source: "gitlab".into(),
        })
        .collect();
    leaks::report_as(&api.service, &api.caller, Reporter::GitLab, &reports).await?;
    Ok(StatusCode::NO_CONTENT)
}
