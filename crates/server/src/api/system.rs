//! Health, readiness, metrics, the list of API URLs, and the one-time setup page.

use axum::extract::{Form, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::{Caller, ClientIp};
use crate::error::{ApiError, ApiResult, Json, Problem, Query};
use keyward_service::organizations;

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// The process is up. Requires: nothing.
#[utoipa::path(get, path = "/healthz", operation_id = "check_health", tag = "system", security(()),
    responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The node can reach its database and serve. Requires: nothing.
#[utoipa::path(get, path = "/readyz", operation_id = "check_readiness", tag = "system", security(()),
    responses((status = 200, body = Health), (status = 503, body = Problem)))]
pub async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    match state.service.ping().await {
        Ok(()) => Ok(Json(Health { status: "ready" })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                "the database cannot be reached",
            ))
        }
    }
}

/// Prometheus metrics: verifications by result code, cache hits, storage reads, usage flushes.
/// Open unless the server was started with `--metrics-token`; then `Authorization: Bearer <it>`.
/// Requires: nothing, unless the server was started with a metrics token.
#[utoipa::path(get, path = "/metrics", operation_id = "get_metrics", tag = "system", security(()),
    responses((status = 200, content_type = "application/openmetrics-text", body = String),
    (status = 401, description = "The server requires its metrics token (code unauthorized)", body = Problem)))]
pub async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    if let Some(expected) = &state.config.metrics_token {
        let presented = crate::auth::presented_credential(&headers).unwrap_or("");
        let same: bool = subtle::ConstantTimeEq::ct_eq(presented.as_bytes(), expected.as_bytes()).into();
        if !same {
            return ApiError::unauthorized("/metrics needs the metrics token: Authorization: Bearer <token>")
                .into_response();
        }
    }
    (
        [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        crate::metrics::encode(&state.metrics),
    )
        .into_response()
}

/// One URL of keyward's API.
#[derive(Clone, Serialize, ToSchema)]
pub struct EndpointView {
    pub method: String,
    pub path: String,
    pub summary: String,
    /// Who may call it, as documented.
    pub requires: String,
}

/// Builds the endpoint list from the OpenAPI document, so the two cannot differ.
pub fn endpoint_list(api: &utoipa::openapi::OpenApi) -> Vec<EndpointView> {
    let mut out = Vec::new();
    for (path, item) in &api.paths.paths {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            let text = [op.summary.as_deref(), op.description.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            // Doc comments wrap lines anywhere, even inside the role statement.
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let requires = text
                .split("Requires: ")
                .nth(1)
                .map(|r| r.split('.').next().unwrap_or(r).trim().to_owned())
                .unwrap_or_else(|| "none".into());
            // What it does, without the role statement (shown in its own column).
            let summary = op.summary.as_deref().unwrap_or_default();
            let summary = summary.split("Requires: ").next().unwrap_or(summary).trim();
            out.push(EndpointView {
                method: method.into(),
                path: path.clone(),
                summary: summary.to_owned(),
                requires,
            });
        }
    }
    out
}

/// The API URLs of this deployment: method, path, what it does and who may call it.
/// Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/endpoints", operation_id = "list_endpoints", tag = "system",
    responses((status = 200, body = Vec<EndpointView>)))]
pub async fn endpoints(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<EndpointView>>> {
    caller.require_read()?;
    Ok(Json(state.endpoints.as_ref().clone()))
}

// ----- the one-time setup page ---------------------------------------------------------------

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A page styled like the dashboard's sign-in page (its stylesheet and icon, no script).
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} · keyward</title><link rel=\"icon\" href=\"/assets/favicon.svg\" type=\"image/svg+xml\">\
         <link rel=\"stylesheet\" href=\"/assets/app.css\"></head>\
         <body class=\"plain\"><main id=\"main\" class=\"narrow\"><h1>{t}</h1>{body}</main></body></html>",
        t = escape(title)
    );
    let mut res = (status, Html(html)).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[derive(Deserialize)]
pub struct SetupQuery {
    token: Option<String>,
}

async fn setup_form(State(state): State<AppState>, Query(q): Query<SetupQuery>) -> Response {
    // Once an organization exists the link is dead: say so at once rather than after the form.
    if organizations::any_exist(&state.service).await.unwrap_or(false) {
        return page(
            StatusCode::GONE,
            "Setup is done",
            "<p>This setup link was already used: keyward has its first organization.              <a href=\"/login\">Sign in</a>.</p>",
        );
    }
    let secret = q.token.as_deref().unwrap_or("");
    // A wrong or expired link says so now; a database that cannot answer leaves the check to
    // the form's submission.
    if let Ok(false) = organizations::setup_link_live(&state.service, secret).await {
        return page(
            StatusCode::GONE,
            "This setup link does not work",
            "<p>This setup link is wrong or has expired. Start <code>keyward serve</code> again on \
             the empty database: it prints a new one.</p>",
        );
    }
    let token = escape(secret);
    page(
        StatusCode::OK,
        "Set up keyward",
        &format!(
            "<p>Create your organization and its first super admin. This link works once.</p>\
         <form method=\"post\" action=\"/setup\" class=\"stack\" id=\"setup-form\">\
         <input type=\"hidden\" name=\"token\" value=\"{token}\">\
         <label for=\"org\">Organization</label><input id=\"org\" name=\"org\" required maxlength=\"200\" autocomplete=\"organization\">\
         <label for=\"name\">Your name</label><input id=\"name\" name=\"name\" required maxlength=\"200\" autocomplete=\"name\">\
         <label for=\"email\">Email</label><input id=\"email\" name=\"email\" type=\"email\" required autocomplete=\"username\">\
         <label for=\"password\">Password <small>(at least 10 characters)</small></label>\
         <input id=\"password\" name=\"password\" type=\"password\" required minlength=\"10\" autocomplete=\"new-password\">\
         <button type=\"submit\">Create and sign in</button></form>"
        ),
    )
}

#[derive(Deserialize)]
pub struct SetupForm {
    token: String,
    org: String,
    name: String,
    email: String,
    password: String,
}

async fn setup_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(f): Form<SetupForm>,
) -> Response {
    let password = f.password.clone();
    match setup(&state, ip, f).await {
        Ok((org_id, email)) => {
            // The new super admin is signed in here, as if they had used the sign-in page.
            let login = keyward_service::sessions::LoginRequest {
                email: email.clone(),
                password,
                totp: None,
                organization: Some(org_id),
            };
            let session = keyward_service::sessions::login(&state.service, login, ip).await;
            let (next, cookie) = match &session {
                Ok(s) => (
                    "<p><a class=\"button\" href=\"/dashboard\" id=\"open-dashboard\">Open the dashboard</a></p>",
                    Some(crate::dashboard::session_cookie(
                        &s.token,
                        crate::dashboard::secure_cookies(&state),
                        (s.expires_at - state.clock.now()).whole_seconds().max(0),
                    )),
                ),
                Err(_) => ("<p><a href=\"/login\">Sign in to the dashboard</a>.</p>", None),
            };
            let mut res = page(
                StatusCode::CREATED,
                "keyward is ready",
                &format!(
                    "<p class=\"notice\" role=\"status\">Your organization and super admin <strong>{}</strong> \
                     were created{}.</p>{next}\
                     <p>From a terminal: <code>keyward login</code>; over HTTP: <code>POST /v1/auth/login</code>. \
                     API docs: <a href=\"/docs/\">/docs</a>.</p>",
                    escape(&email),
                    if cookie.is_some() {
                        ", and you are signed in"
                    } else {
                        ""
                    }
                ),
            );
            if let Some(c) = cookie {
                res.headers_mut().insert(header::SET_COOKIE, c);
            }
            res
        }
        Err(e) => page(
            e.status,
            "Setup failed",
            &format!(
                "<p>{}</p><p><a href=\"javascript:history.back()\">Back</a></p>",
                escape(&e.detail)
            ),
        ),
    }
}

/// Creates the organization and its super admin; answers (organization id, email).
async fn setup(state: &AppState, ip: std::net::IpAddr, f: SetupForm) -> ApiResult<(uuid::Uuid, String)> {
    let req = organizations::NewOrganization {
        name: f.org,
        owner_email: f.email,
        owner_name: Some(f.name),
        owner_password: f.password,
    };
    let (org, owner) = organizations::create_from_setup_link(&state.service, req, &f.token, ip).await?;
    Ok((org.id, owner.email))
}

/// The setup page, outside the OpenAPI document (it is HTML for a person).
pub fn setup_routes() -> axum::Router<AppState> {
    axum::Router::new().route("/setup", get(setup_form).post(setup_submit))
}
