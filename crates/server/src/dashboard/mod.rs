//! The web dashboard: server-rendered pages over the same operations as the management API.
//! Each page handler authenticates the session cookie, checks the CSRF token on every POST,
//! calls the API's own handler (so validation, audit and notifications are one code path), and
//! renders the answer. Templates escape everything; no inline script, so a strict CSP holds.

mod catalog;
mod chart;
mod markdown;
mod pages;

use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use keyward_core::{Role, TokenHash};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::auth::{Caller, ClientIp, Principal, SESSION_PREFIX};
use crate::error::ApiError;

pub const COOKIE: &str = "kw_session";

/// The Content-Security-Policy of every dashboard page: our own scripts and styles only.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/app.css", get(css))
        .route("/assets/app.js", get(js))
        .route("/assets/favicon.svg", get(favicon))
        .route("/favicon.ico", get(favicon))
        .route("/", get(|| async { Redirect::to("/dashboard") }))
        .route("/login", get(pages::login_form).post(pages::login_submit))
        .route("/logout", post(pages::logout))
        .route("/dashboard", get(pages::home))
        .route(
            "/dashboard/api-users",
            get(pages::api_users).post(pages::api_user_create),
        )
        .route("/dashboard/api-users/new", get(pages::api_user_new))
        .route("/dashboard/api-users/{id}", get(pages::api_user_detail))
        .route(
            "/dashboard/api-users/{id}/edit",
            get(pages::to_user_page).post(pages::api_user_edit),
        )
        .route(
            "/dashboard/api-users/{id}/action",
            get(pages::to_user_page).post(pages::api_user_action),
        )
        .route(
            "/dashboard/api-users/{id}/tokens",
            get(pages::to_user_page).post(pages::token_create),
        )
        .route("/dashboard/tokens/{id}", get(pages::token_detail))
        .route("/dashboard/tokens/{id}/action", post(pages::token_action))
        .route("/dashboard/revoke-all", post(pages::revoke_all_org))
        .route("/dashboard/endpoints", get(routes_list).post(routes_create))
        .route("/dashboard/endpoints/{id}", get(routes_back).post(routes_change))
        .route("/dashboard/audit", get(pages::audit))
        .route("/dashboard/outbox", get(pages::outbox))
        .route(
            "/dashboard/outbox/{id}/resend",
            get(groups_back).post(pages::outbox_resend),
        )
        .route(
            "/dashboard/account",
            get(pages::account).post(pages::account_action),
        )
        .route("/dashboard/audit.csv", get(pages::audit_csv))
        .route("/dashboard/groups", get(groups_list).post(groups_create))
        .route("/dashboard/groups/{id}", get(groups_back).post(groups_change))
        .route(
            "/dashboard/integrations",
            get(integrations_list).post(integrations_create),
        )
        .route(
            "/dashboard/integrations/{id}",
            get(integrations_back).post(integrations_change),
        )
        .route("/dashboard/members", get(members_list).post(members_create))
        .route("/dashboard/members/{id}", get(members_back).post(members_change))
        .layer(axum::middleware::map_response(page_headers))
        .layer(axum::middleware::from_fn(same_origin_posts))
}

/// A second guard beside the form tokens (and the only one for the sign-in form): a browser
/// says where a POST comes from, and the dashboard takes POSTs from its own pages only.
async fn same_origin_posts(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if req.method() == axum::http::Method::POST {
        let h = req.headers();
        let cross_site = h
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "cross-site" || v == "same-site");
        let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
        let foreign_origin = h
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .filter(|o| *o != "null")
            .is_some_and(|o| {
                let origin_host = o.split_once("://").map(|(_, rest)| rest).unwrap_or(o);
                Some(origin_host) != host
            });
        if cross_site || foreign_origin {
            return PageError::Csrf.into_response();
        }
    }
    next.run(req).await
}

/// The three catalog pages share their handlers; these name which one.
macro_rules! catalog_routes {
    ($kind:ident: $list:ident, $create:ident, $change:ident, $back:ident) => {
        async fn $list(state: axum::extract::State<AppState>, s: Session) -> Result<Response, PageError> {
            catalog::list(state, s, catalog::Kind::$kind).await
        }
        async fn $create(
            state: axum::extract::State<AppState>,
            form: pages::ManagerForm,
        ) -> Result<Response, PageError> {
            catalog::create(state, catalog::Kind::$kind, form).await
        }
        async fn $change(
            state: axum::extract::State<AppState>,
            id: axum::extract::Path<uuid::Uuid>,
            form: pages::ManagerForm,
        ) -> Result<Response, PageError> {
            catalog::change(state, catalog::Kind::$kind, id, form).await
        }
        async fn $back() -> Response {
            catalog::back(catalog::Kind::$kind).await
        }
    };
}
catalog_routes!(Groups: groups_list, groups_create, groups_change, groups_back);
catalog_routes!(Integrations: integrations_list, integrations_create, integrations_change, integrations_back);
catalog_routes!(Members: members_list, members_create, members_change, members_back);
catalog_routes!(Routes: routes_list, routes_create, routes_change, routes_back);

async fn css() -> Response {
    asset(include_str!("../../assets/app.css"), "text/css; charset=utf-8")
}

async fn js() -> Response {
    asset(
        include_str!("../../assets/app.js"),
        "text/javascript; charset=utf-8",
    )
}

/// A key on keyward's blue; browsers also ask for `/favicon.ico`, answered with the same SVG.
async fn favicon() -> Response {
    asset(include_str!("../../assets/favicon.svg"), "image/svg+xml")
}

fn asset(body: &'static str, kind: &'static str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    res
}

/// CSP and no-store on every page (secrets and personal data never sit in a cache).
async fn page_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    if h.get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
    {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// A signed-in member, from the session cookie.
pub struct Session {
    pub caller: Caller,
    /// The form token that proves a POST came from our own page.
    pub csrf: String,
    /// Seals a new secret across the redirect after its form; derived from the cookie's secret.
    pub flash: keyward_service::flash::FlashKey,
}

impl Session {
    pub fn role(&self) -> Option<Role> {
        match &self.caller.principal {
            Principal::Member(m) => Some(m.role),
            Principal::Token { .. } => None,
        }
    }

    pub fn label(&self) -> String {
        self.caller.label()
    }

    /// Refuses a form whose token is not this session's.
    pub fn check_csrf(&self, presented: &str) -> Result<(), PageError> {
        if bool::from(self.csrf.as_bytes().ct_eq(presented.as_bytes())) {
            Ok(())
        } else {
            Err(PageError::Csrf)
        }
    }
}

/// The session's form token: bound to the session secret, so it cannot be guessed or reused
/// by another session, and needs no storage.
fn csrf_for(secret: &str) -> String {
    let d = Sha256::digest(format!("keyward-csrf:{secret}").as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn session_cookie(secret: &str, secure: bool, max_age: i64) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn cookie_value<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl FromRequestParts<AppState> for Session {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state)
            .await
            .map_err(PageError::Api)?;
        let secret = cookie_value(parts, COOKIE)
            .filter(|s| s.starts_with(SESSION_PREFIX))
            .ok_or(PageError::SignIn)?;
        // From here on the browser had a session: if it is not valid now, it has ended.
        let hash = TokenHash::of(secret);
        let member = state
            .service
            .session_member(secret)
            .await?
            .ok_or(PageError::SessionEnded)?;
        let path = parts.uri.path();
        if path != "/logout" && !path.starts_with("/dashboard/account") {
            crate::auth::require_second_factor(state, &member, "/dashboard")
                .await
                .map_err(|e| {
                    if e.code == "two_factor_required" {
                        PageError::TwoFactor
                    } else {
                        PageError::Api(e)
                    }
                })?;
        }
        Ok(Session {
            csrf: csrf_for(secret),
            flash: keyward_service::flash::FlashKey::of_session(secret),
            caller: Caller(keyward_service::Caller {
                org_id: member.org_id,
                principal: Principal::Member(member),
                ip,
                session: Some(hash),
            }),
        })
    }
}

/// Why a page could not be shown.
pub enum PageError {
    /// No session: to the login page.
    SignIn,
    /// A session that has ended (expired, signed out elsewhere): to the login page, saying so.
    SessionEnded,
    /// A POST without our form token.
    Csrf,
    /// API management is for super admins (auditors may read).
    SuperAdminsOnly,
    /// The organization requires two-factor authentication and this member has not turned it on.
    TwoFactor,
    Api(ApiError),
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl From<keyward_service::ServiceError> for PageError {
    fn from(e: keyward_service::ServiceError) -> Self {
        Self::Api(e.into())
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub title: &'a str,
    pub heading: &'a str,
    pub text: String,
    pub link: (&'a str, &'a str),
}

pub fn html<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(body) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            Self::SignIn => Redirect::to("/login").into_response(),
            Self::SessionEnded => Redirect::to("/login?expired=1").into_response(),
            Self::TwoFactor => Redirect::to("/dashboard/account?required=1").into_response(),
            Self::Csrf => html(
                StatusCode::FORBIDDEN,
                &MessagePage {
                    title: "Form expired",
                    heading: "This form has expired",
                    text: "The page was open too long or came from elsewhere. Go back, reload it, and try again.".into(),
                    link: ("/dashboard", "Back to API management"),
                },
            ),
            Self::SuperAdminsOnly => html(
                StatusCode::FORBIDDEN,
                &MessagePage {
                    title: "Super admins only",
                    heading: "API management is for super admins",
                    text: "Only super admins can manage API users and tokens. Ask a super admin of your organization if you need access."
                        .into(),
                    link: ("/login", "Sign in as someone else"),
                },
            ),
            Self::Api(e) => {
                let status = e.status;
                html(
                    status,
                    &MessagePage {
                        title: "Something went wrong",
                        heading: if status == StatusCode::NOT_FOUND { "Not found" } else { "That did not work" },
                        text: e.detail,
                        link: ("/dashboard", "Back to API management"),
                    },
                )
            }
        }
    }
}

/// Requires a super admin; auditors may read where `read_only_ok`.
pub fn require_manager(s: &Session, read_only_ok: bool) -> Result<bool, PageError> {
    match s.role() {
        Some(Role::SuperAdmin) => Ok(true),
        Some(Role::Auditor) if read_only_ok => Ok(false),
        _ => Err(PageError::SuperAdminsOnly),
    }
}

/// Whether cookies should be marked Secure: the public URL is HTTPS.
pub fn secure_cookies(state: &AppState) -> bool {
    state
        .config
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"))
}

pub fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response()
}
