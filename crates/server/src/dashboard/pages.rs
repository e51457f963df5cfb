//! The dashboard's pages. Reads go to the store; every change goes through the management API's
//! own handler, so a form and an API call are validated, audited and announced alike.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use keyward_core::{ApiUser, Environment, ExpiryStatus, Role, Token, TokenStatus, VerifyCode};
use keyward_store::{ApiUserFilter, Page, TokenFilter};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{PageError, Session, html, no_store, require_manager, see_other, session_cookie};
use crate::api::members;
use crate::app::AppState;
use crate::auth::ClientIp;
use crate::error::{ApiError, Json};
use keyward_service as ops;

type PageResult = Result<Response, PageError>;

/// A submitted form: repeated names (a multi-select) keep every value.
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &Bytes) -> Self {
        Self(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub fn opt(&self, name: &str) -> Option<String> {
        let v = self.get(name);
        let v = v.trim();
        (!v.is_empty()).then(|| v.to_owned())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// A comma- (or line-) separated list, trimmed, without empty items.
pub fn split_list(s: &str) -> Vec<String> {
    s.split([',', '\n'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

fn date(t: Option<OffsetDateTime>) -> String {
    match t {
        Some(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            t.month() as u8,
            t.day(),
            t.hour(),
            t.minute()
        ),
        None => "never".into(),
    }
}

/// "3 minutes ago", "2 days ago", "never".
fn ago(t: Option<OffsetDateTime>, now: OffsetDateTime) -> String {
    let Some(t) = t else {
        return "never".into();
    };
    let d = now - t;
    let (n, unit) = if d < Duration::minutes(1) {
        return "just now".into();
    } else if d < Duration::hours(1) {
        (d.whole_minutes(), "minute")
    } else if d < Duration::days(1) {
        (d.whole_hours(), "hour")
    } else {
        (d.whole_days(), "day")
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

/// The parsed expiry choice of a form: a preset, a date, or none.
fn expiry_fields(f: &FormData) -> Result<(Option<OffsetDateTime>, Option<i64>), ApiError> {
    match f.get("expiry").as_str() {
        "" | "none" => Ok((None, None)),
        "date" => {
            let d = f.get("expiry_date");
            let fmt = time::macros::format_description!("[year]-[month]-[day]");
            let day = time::Date::parse(d.trim(), &fmt)
                .map_err(|_| ApiError::invalid("expires_at", "choose a date as YYYY-MM-DD"))?;
            Ok((Some(day.midnight().assume_utc()), None))
        }
        days => match days.parse::<i64>() {
            Ok(n) if [7, 30, 60, 90, 180, 365].contains(&n) => Ok((None, Some(n))),
            _ => Err(ApiError::invalid(
                "expires_in_days",
                "choose 7, 30, 60, 90, 180 or 365 days, a date, or no expiry",
            )),
        },
    }
}

// ----- sign in ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    email: String,
    /// The account has two-factor authentication on: ask for the code.
    needs_code: bool,
    error: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    expired: Option<String>,
}

pub async fn login_form(Query(q): Query<LoginQuery>) -> Response {
    html(
        StatusCode::OK,
        &LoginPage {
            email: String::new(),
            needs_code: false,
            error: None,
            notice: q
                .expired
                .map(|_| "Your session has ended. Sign in again to continue."),
        },
    )
}

pub async fn login_submit(State(state): State<AppState>, ip: ClientIp, body: Bytes) -> Response {
    let f = FormData::parse(&body);
    let email = f.get("email");
    let req = members::LoginRequest {
        email: email.clone(),
        password: f.get("password"),
        totp: f.opt("totp"),
    };
    match members::login(State(state.clone()), ip, Json(req)).await {
        Ok(Json(session)) => {
            let max_age = (session.expires_at - state.clock.now()).whole_seconds().max(0);
            let mut res = see_other("/dashboard");
            res.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(&session.token, super::secure_cookies(&state), max_age),
            );
            res
        }
        Err(e) => html(
            e.status,
            &LoginPage {
                email,
                needs_code: e.code == "totp_required",
                error: Some(e.detail),
                notice: None,
            },
        ),
    }
}

pub async fn logout(State(state): State<AppState>, s: Session, body: Bytes) -> PageResult {
    s.check_csrf(&FormData::parse(&body).get("csrf"))?;
    let _ = members::logout(State(state.clone()), s.caller).await;
    let mut res = see_other("/login");
    res.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie("", super::secure_cookies(&state), 0),
    );
    Ok(res)
}

// ----- home ------------------------------------------------------------------------------------

/// What every signed-in page shows in its header.
pub struct Nav {
    pub who: String,
    pub csrf: String,
    pub manager: bool,
    pub section: &'static str,
}

impl Nav {
    pub fn new(s: &Session, section: &'static str) -> Self {
        Self {
            who: s.label(),
            csrf: s.csrf.clone(),
            manager: s.role() == Some(Role::SuperAdmin),
            section,
        }
    }
}

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub hint: String,
    pub api_user_id: String,
    pub created: String,
    pub created_by: String,
    pub expiry_status: String,
    pub expires: String,
    pub last_used: String,
    pub last_ip: String,
    pub status: String,
    pub live: bool,
    pub suspended: bool,
}

impl TokenRow {
    fn new(t: Token, now: OffsetDateTime) -> Self {
        let expiry_status = match ExpiryStatus::of(t.expires_at, now) {
            ExpiryStatus::Never => "no expiry",
            ExpiryStatus::Active => "active",
            ExpiryStatus::ExpiringSoon => "expiring soon",
            ExpiryStatus::Expired => "expired",
        };
        Self {
            id: t.id.to_string(),
            name: t.name,
            hint: t.hint,
            api_user_id: t.api_user_id.to_string(),
            created: date(Some(t.created_at)),
            created_by: t.created_by.unwrap_or_default(),
            expiry_status: expiry_status.into(),
            expires: date(t.expires_at),
            last_used: ago(t.last_used_at, now),
            last_ip: t.last_used_ip.unwrap_or_default(),
            status: t.status.as_str().into(),
            live: t.status != TokenStatus::Revoked,
            suspended: t.status == TokenStatus::Suspended,
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    nav: Nav,
    org_name: String,
    active: i64,
    expiring: i64,
    unused: i64,
    denied_today: i64,
    endpoints: Vec<(String, String, String)>,
    tokens: Vec<TokenRow>,
}

pub async fn home(State(state): State<AppState>, s: Session) -> PageResult {
    require_manager(&s, false)?;
    let org = s.caller.org_id;
    let now = state.clock.now();
    let count = |filter: TokenFilter| {
        let state = state.clone();
        async move {
            Ok::<i64, PageError>(
                state
                    .store
                    .list_tokens(org, &filter, Page::first(10_000))
                    .await
                    .map_err(ApiError::from)?
                    .len() as i64,
            )
        }
    };
    let active = count(TokenFilter {
        status: Some(TokenStatus::Active),
        ..Default::default()
    })
    .await?;
    let expiring = count(TokenFilter {
        status: Some(TokenStatus::Active),
        expiring: Some((now, now + Duration::days(30))),
        ..Default::default()
    })
    .await?;
    let unused = count(TokenFilter {
        status: Some(TokenStatus::Active),
        unused_since: Some(now - Duration::days(90)),
        ..Default::default()
    })
    .await?;
    let midnight = now.replace_time(time::Time::MIDNIGHT);
    let denied_today = state
        .store
        .usage_series(org, None, None, midnight)
        .await
        .map_err(ApiError::from)?
        .iter()
        .flat_map(|p| p.counts.iter())
        .filter(|(c, _)| *c != VerifyCode::Valid)
        .map(|(_, n)| n)
        .sum();
    let mut recent = state
        .store
        .list_tokens(
            org,
            &TokenFilter {
                status: Some(TokenStatus::Active),
                ..Default::default()
            },
            Page::first(200),
        )
        .await
        .map_err(ApiError::from)?;
    recent.sort_by_key(|t| std::cmp::Reverse(t.created_at));
    recent.truncate(10);
    let org_name = state
        .store
        .get_organization(org)
        .await
        .map_err(ApiError::from)?
        .name;
    Ok(html(
        StatusCode::OK,
        &HomePage {
            nav: Nav::new(&s, "home"),
            org_name,
            active,
            expiring,
            unused,
            denied_today,
            endpoints: state
                .endpoints
                .iter()
                .filter(|e| {
                    [
                        "/v1/verify",
                        "/v1/api-users/{id}/tokens",
                        "/v1/tokens/{id}/rotate",
                        "/v1/usage",
                    ]
                    .contains(&e.path.as_str())
                })
                .map(|e| (e.method.clone(), e.path.clone(), e.summary.clone()))
                .collect(),
            tokens: recent.into_iter().map(|t| TokenRow::new(t, now)).collect(),
        },
    ))
}

#[derive(Template)]
#[template(path = "endpoints.html")]
struct EndpointsPage {
    nav: Nav,
    endpoints: Vec<(String, String, String, String)>,
}

pub async fn endpoints(State(state): State<AppState>, s: Session) -> PageResult {
    require_manager(&s, true)?;
    Ok(html(
        StatusCode::OK,
        &EndpointsPage {
            nav: Nav::new(&s, "endpoints"),
            endpoints: state
                .endpoints
                .iter()
                .map(|e| {
                    (
                        e.method.clone(),
                        e.path.clone(),
                        e.requires.clone(),
                        e.summary.clone(),
                    )
                })
                .collect(),
        },
    ))
}

// ----- API users -------------------------------------------------------------------------------

pub struct UserRow {
    pub id: String,
    pub name: String,
    pub username: String,
    pub status: String,
    pub environment: String,
    pub group: String,
    pub integrations: String,
    pub tokens: i64,
    pub last_used: String,
}

#[derive(Template)]
#[template(path = "api_users.html")]
struct ApiUsersPage {
    nav: Nav,
    rows: Vec<UserRow>,
    search: String,
    status: String,
    environment: String,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    search: Option<String>,
    status: Option<String>,
    environment: Option<String>,
    after: Option<Uuid>,
}

/// Names of the organization's groups and integrations, by id.
async fn catalog(
    state: &AppState,
    org: Uuid,
) -> Result<(Vec<(Uuid, String)>, Vec<(Uuid, String)>), PageError> {
    let groups = state
        .store
        .list_groups(org, Page::first(1000))
        .await
        .map_err(ApiError::from)?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    let integrations = state
        .store
        .list_integrations(org, Page::first(1000))
        .await
        .map_err(ApiError::from)?
        .into_iter()
        .map(|i| (i.id, i.name))
        .collect();
    Ok((groups, integrations))
}

fn name_of(list: &[(Uuid, String)], id: Option<Uuid>) -> String {
    id.and_then(|id| list.iter().find(|(i, _)| *i == id).map(|(_, n)| n.clone()))
        .unwrap_or_else(|| "—".into())
}

pub async fn api_users(State(state): State<AppState>, s: Session, Query(q): Query<ListQuery>) -> PageResult {
    require_manager(&s, true)?;
    let org = s.caller.org_id;
    let now = state.clock.now();
    let filter = ApiUserFilter {
        search: q.search.clone().filter(|x| !x.trim().is_empty()),
        status: q.status.as_deref().and_then(keyward_core::ApiUserStatus::parse),
        environment: q.environment.as_deref().and_then(Environment::parse),
    };
    const PAGE: u32 = 50;
    let mut users = state
        .store
        .list_api_users(
            org,
            &filter,
            Page {
                after: q.after,
                limit: PAGE + 1,
            },
        )
        .await
        .map_err(ApiError::from)?;
    let next = (users.len() > PAGE as usize).then(|| {
        users.truncate(PAGE as usize);
        users.last().map(|u| u.id.to_string()).unwrap_or_default()
    });
    let (groups, integrations) = catalog(&state, org).await?;
    let ids: Vec<Uuid> = users.iter().map(|u| u.id).collect();
    let counts = state
        .store
        .token_counts(org, &ids)
        .await
        .map_err(ApiError::from)?;
    let mut rows = Vec::with_capacity(users.len());
    for u in users {
        let last_used = state
            .store
            .list_tokens(
                org,
                &TokenFilter {
                    api_user_id: Some(u.id),
                    ..Default::default()
                },
                Page::first(200),
            )
            .await
            .map_err(ApiError::from)?
            .iter()
            .filter_map(|t| t.last_used_at)
            .max();
        rows.push(UserRow {
            id: u.id.to_string(),
            group: name_of(&groups, u.permission_group_id),
            integrations: if u.integration_ids.is_empty() {
                "any".into()
            } else {
                u.integration_ids
                    .iter()
                    .map(|i| name_of(&integrations, Some(*i)))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            tokens: counts
                .iter()
                .find(|(i, _)| *i == u.id)
                .map(|(_, n)| *n)
                .unwrap_or(0),
            last_used: ago(last_used, now),
            name: u.name,
            username: u.username,
            status: u.status.as_str().into(),
            environment: u.environment.as_str().into(),
        });
    }
    Ok(html(
        StatusCode::OK,
        &ApiUsersPage {
            nav: Nav::new(&s, "api-users"),
            rows,
            search: q.search.unwrap_or_default(),
            status: q.status.unwrap_or_default(),
            environment: q.environment.unwrap_or_default(),
            next,
        },
    ))
}

/// The add and edit forms' values, kept when the server refuses them.
#[derive(Default)]
pub struct UserForm {
    pub name: String,
    pub username: String,
    pub mode: String,
    pub member: String,
    pub group: String,
    pub integrations: Vec<String>,
    pub set_password: bool,
    pub expiry: String,
    pub expiry_date: String,
    pub allowed_ips: String,
    pub environment: String,
    pub contact_email: String,
    pub external_id: String,
}

#[derive(Template)]
#[template(path = "api_user_new.html")]
struct NewUserPage {
    nav: Nav,
    form: UserForm,
    groups: Vec<(String, String)>,
    integrations: Vec<(String, String)>,
    members: Vec<(String, String)>,
    error: Option<(String, String)>,
}

impl NewUserPage {
    /// The server's message for this field, shown next to it.
    fn err(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

async fn new_user_page(state: &AppState, s: &Session, form: UserForm, error: Option<ApiError>) -> PageResult {
    let org = s.caller.org_id;
    let (groups, integrations) = catalog(state, org).await?;
    let members = state
        .store
        .list_members(org, Page::first(1000))
        .await
        .map_err(ApiError::from)?
        .into_iter()
        .map(|m| (m.id.to_string(), format!("{} ({})", m.name, m.email)))
        .collect();
    let status = error.as_ref().map(|e| e.status).unwrap_or(StatusCode::OK);
    Ok(html(
        status,
        &NewUserPage {
            nav: Nav::new(s, "api-users"),
            form,
            groups: groups.into_iter().map(|(i, n)| (i.to_string(), n)).collect(),
            integrations: integrations
                .into_iter()
                .map(|(i, n)| (i.to_string(), n))
                .collect(),
            members,
            error: error.map(|e| (e.field.unwrap_or("").to_owned(), e.detail)),
        },
    ))
}

pub async fn api_user_new(State(state): State<AppState>, s: Session) -> PageResult {
    require_manager(&s, false)?;
    let form = UserForm {
        mode: "new".into(),
        expiry: "90".into(),
        environment: "live".into(),
        ..Default::default()
    };
    new_user_page(&state, &s, form, None).await
}

fn user_form(f: &FormData) -> UserForm {
    UserForm {
        name: f.get("name"),
        username: f.get("username"),
        mode: f.get("mode"),
        member: f.get("linked_member_id"),
        group: f.get("permission_group_id"),
        integrations: f.all("integration_ids"),
        set_password: f.get("set_password") == "now",
        expiry: f.get("expiry"),
        expiry_date: f.get("expiry_date"),
        allowed_ips: f.get("allowed_ips"),
        environment: f.get("environment"),
        contact_email: f.get("contact_email"),
        external_id: f.get("external_id"),
    }
}

fn parse_ids(field: &'static str, ids: &[String]) -> Result<Vec<Uuid>, ApiError> {
    ids.iter()
        .map(|i| Uuid::parse_str(i).map_err(|_| ApiError::invalid(field, "unknown choice")))
        .collect()
}

pub async fn api_user_create(State(state): State<AppState>, s: Session, body: Bytes) -> PageResult {
    require_manager(&s, false)?;
    let f = FormData::parse(&body);
    s.check_csrf(&f.get("csrf"))?;
    let form = user_form(&f);
    let attempt = async {
        let (expires_at, expires_in_days) = expiry_fields(&f)?;
        let linked = form.mode == "member";
        let req = ops::api_users::CreateApiUser {
            username: form.username.clone(),
            name: f.opt("name"),
            description: String::new(),
            auth_method: None,
            environment: match form.environment.as_str() {
                "sandbox" => Some(Environment::Sandbox),
                _ => Some(Environment::Live),
            },
            permission_group_id: if linked {
                None
            } else {
                parse_ids("permission_group_id", &f.all("permission_group_id"))?.pop()
            },
            linked_member_id: if linked {
                parse_ids("linked_member_id", &f.all("linked_member_id"))?.pop()
            } else {
                None
            },
            integration_ids: parse_ids("integration_ids", &form.integrations)?,
            allowed_ips: split_list(&form.allowed_ips),
            expires_at,
            expires_in_days,
            contact_email: f.opt("contact_email"),
            external_id: f.opt("external_id"),
            metadata: Default::default(),
            password: form.set_password.then(|| f.get("password")),
        };
        Ok::<_, ApiError>(ops::api_users::create(&state.service.manage(&s.caller)?, req).await?)
    };
    match attempt.await {
        Ok(user) => Ok(see_other(&format!("/dashboard/api-users/{}", user.id))),
        Err(e) if e.status.is_client_error() => new_user_page(&state, &s, form, Some(e)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "api_user.html")]
struct UserPage {
    nav: Nav,
    user: UserView,
    tokens: Vec<TokenRow>,
    groups: Vec<(String, String)>,
    integrations: Vec<(String, String)>,
    error: Option<(String, String)>,
    notice: Option<String>,
    /// The secret of a token just created: shown on this one answer only.
    created: Option<CreatedSecret>,
    chart: String,
}

impl UserPage {
    /// The server's message for this field, shown next to it.
    fn err(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

pub struct CreatedSecret {
    pub name: String,
    pub secret: String,
    pub expires: String,
}

pub struct UserView {
    pub id: String,
    pub name: String,
    pub username: String,
    pub status: String,
    pub suspended: bool,
    pub environment: String,
    pub group: String,
    pub group_id: String,
    pub linked: bool,
    pub integration_ids: Vec<String>,
    pub integrations: String,
    pub allowed_ips: String,
    pub expires: String,
    pub contact_email: String,
    pub external_id: String,
    pub has_password: bool,
}

async fn user_page(
    state: &AppState,
    s: &Session,
    key: &str,
    error: Option<ApiError>,
    notice: Option<String>,
    created: Option<CreatedSecret>,
) -> PageResult {
    let org = s.caller.org_id;
    let now = state.clock.now();
    let u: ApiUser = ops::api_users::resolve(&state.service.read(&s.caller)?, key)
        .await
        .map_err(ApiError::from)?;
    let (groups, integrations) = catalog(state, org).await?;
    let mut toks = state
        .store
        .list_tokens(
            org,
            &TokenFilter {
                api_user_id: Some(u.id),
                ..Default::default()
            },
            Page::first(200),
        )
        .await
        .map_err(ApiError::from)?;
    toks.sort_by_key(|t| (t.status == TokenStatus::Revoked, std::cmp::Reverse(t.created_at)));
    let series = state
        .store
        .usage_series(org, None, Some(u.id), now - Duration::days(30))
        .await
        .map_err(ApiError::from)?;
    let status = error.as_ref().map(|e| e.status).unwrap_or(StatusCode::OK);
    let page = UserPage {
        nav: Nav::new(s, "api-users"),
        user: UserView {
            id: u.id.to_string(),
            group: name_of(&groups, u.permission_group_id),
            group_id: u.permission_group_id.map(|g| g.to_string()).unwrap_or_default(),
            linked: u.linked_member_id.is_some(),
            integration_ids: u.integration_ids.iter().map(Uuid::to_string).collect(),
            integrations: if u.integration_ids.is_empty() {
                "any".into()
            } else {
                u.integration_ids
                    .iter()
                    .map(|i| name_of(&integrations, Some(*i)))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            allowed_ips: u.allowed_ips.to_strings().join(", "),
            expires: date(u.expires_at),
            contact_email: u.contact_email.clone().unwrap_or_default(),
            external_id: u.external_id.clone().unwrap_or_default(),
            has_password: u.has_password,
            suspended: u.status == keyward_core::ApiUserStatus::Suspended,
            status: u.status.as_str().into(),
            environment: u.environment.as_str().into(),
            name: u.name,
            username: u.username,
        },
        tokens: toks.into_iter().map(|t| TokenRow::new(t, now)).collect(),
        groups: groups.into_iter().map(|(i, n)| (i.to_string(), n)).collect(),
        integrations: integrations
            .into_iter()
            .map(|(i, n)| (i.to_string(), n))
            .collect(),
        error: error.map(|e| (e.field.unwrap_or("").to_owned(), e.detail)),
        notice,
        created,
        chart: super::chart::daily_svg(&series, now, 30),
    };
    Ok(no_store(html(status, &page)))
}

pub async fn api_user_detail(
    State(state): State<AppState>,
    s: Session,
    Path(key): Path<String>,
) -> PageResult {
    require_manager(&s, true)?;
    user_page(&state, &s, &key, None, None, None).await
}

/// A form's address opened directly (reload, back, a bookmark): the API user's page, which
/// never holds a secret.
pub async fn to_user_page(Path(key): Path<String>) -> Response {
    see_other(&format!("/dashboard/api-users/{key}"))
}

pub async fn api_user_edit(
    State(state): State<AppState>,
    s: Session,
    Path(key): Path<String>,
    body: Bytes,
) -> PageResult {
    require_manager(&s, false)?;
    let f = FormData::parse(&body);
    s.check_csrf(&f.get("csrf"))?;
    let attempt = async {
        let (expires_at, expires_in_days) = match f.get("expiry").as_str() {
            "keep" => (None, None),
            "none" => (Some(None), None),
            _ => {
                let (at, days) = expiry_fields(&f)?;
                (at.map(Some), days)
            }
        };
        let req = ops::api_users::UpdateApiUser {
            username: f.opt("username"),
            name: f.opt("name"),
            description: None,
            environment: Environment::parse(&f.get("environment")),
            auth_method: None,
            permission_group_id: if f.get("linked") == "1" {
                None
            } else {
                Some(parse_ids("permission_group_id", &f.all("permission_group_id"))?.pop())
            },
            linked_member_id: None,
            integration_ids: Some(parse_ids("integration_ids", &f.all("integration_ids"))?),
            allowed_ips: Some(split_list(&f.get("allowed_ips"))),
            expires_at,
            expires_in_days,
            contact_email: Some(f.opt("contact_email")),
            external_id: Some(f.opt("external_id")),
            metadata: None,
        };
        Ok::<_, ApiError>(ops::api_users::update(&state.service.manage(&s.caller)?, &key, req).await?)
    };
    match attempt.await {
        Ok(v) => Ok(see_other(&format!("/dashboard/api-users/{}?saved=1", v.id))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            user_page(&state, &s, &key, Some(e), None, None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    nav: Nav,
    action: String,
    fields: Vec<(String, String)>,
    message: String,
    button: String,
}

/// Destructive actions need `confirm=yes`, which the page's dialog adds; without script the
/// server asks on a page of its own.
fn confirm_or_ask(
    s: &Session,
    f: &FormData,
    action: String,
    message: String,
    button: &str,
) -> Option<Response> {
    if f.get("confirm") == "yes" {
        return None;
    }
    let fields =
        f.0.iter()
            .filter(|(k, _)| k != "confirm")
            .cloned()
            .chain([("confirm".to_owned(), "yes".to_owned())])
            .collect();
    Some(html(
        StatusCode::OK,
        &ConfirmPage {
            nav: Nav::new(s, "api-users"),
            action,
            fields,
            message,
            button: button.into(),
        },
    ))
}

/// The API user's page after an action: its notice, or the refusal next to the form; a missing
/// record or a server fault goes to the error page.
async fn after_action(
    state: &AppState,
    s: &Session,
    key: &str,
    result: Result<String, ApiError>,
) -> PageResult {
    match result {
        Ok(notice) => user_page(state, s, key, None, Some(notice), None).await,
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            user_page(state, s, key, Some(e), None, None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn api_user_action(
    State(state): State<AppState>,
    s: Session,
    Path(key): Path<String>,
    body: Bytes,
) -> PageResult {
    require_manager(&s, false)?;
    let f = FormData::parse(&body);
    s.check_csrf(&f.get("csrf"))?;
    let what = f.get("do");
    let action = format!("/dashboard/api-users/{key}/action");
    let ask = |message: &str, button: &str| confirm_or_ask(&s, &f, action.clone(), message.into(), button);
    let manage = state.service.manage(&s.caller).map_err(ApiError::from)?;
    let result: Result<String, ApiError> = match what.as_str() {
        "suspend" => {
            if let Some(page) = ask(
                "Suspending stops every token of this API user until you resume it.",
                "Suspend",
            ) {
                return Ok(page);
            }
            ops::api_users::suspend(&manage, &key)
                .await
                .map_err(ApiError::from)
                .map(|_| "Suspended: every token of this API user is refused until resumed.".into())
        }
        "resume" => ops::api_users::resume(&manage, &key)
            .await
            .map_err(ApiError::from)
            .map(|_| "Resumed.".into()),
        "delete" => {
            if let Some(page) = ask(
                "Deleting this API user revokes all its tokens. This cannot be undone.",
                "Delete",
            ) {
                return Ok(page);
            }
            return match ops::api_users::delete(&manage, &key).await {
                Ok(()) => Ok(see_other("/dashboard/api-users")),
                Err(e) => Err(ApiError::from(e).into()),
            };
        }
        "password" => {
            let password = f.opt("password");
            let clearing = password.is_none();
            ops::api_users::set_password(&manage, &key, password)
                .await
                .map_err(ApiError::from)
                .map(|_| {
                    if clearing {
                        "Password removed."
                    } else {
                        "Password set. It will not be shown again."
                    }
                    .into()
                })
        }
        "revoke_all" => {
            if let Some(page) = ask(
                "Revoking all tokens of this API user stops them forever. This cannot be undone.",
                "Revoke all",
            ) {
                return Ok(page);
            }
            ops::tokens::revoke_all(&manage, Some(&key))
                .await
                .map_err(ApiError::from)
                .map(|n| format!("Revoked {n} token(s)."))
        }
        _ => Err(ApiError::bad_request("unknown_action", "unknown action")),
    };
    after_action(&state, &s, &key, result).await
}

pub async fn token_create(
    State(state): State<AppState>,
    s: Session,
    Path(key): Path<String>,
    body: Bytes,
) -> PageResult {
    require_manager(&s, false)?;
    let f = FormData::parse(&body);
    s.check_csrf(&f.get("csrf"))?;
    let attempt = async {
        let (expires_at, expires_in_days) = expiry_fields(&f)?;
        let permissions = f.opt("permissions").map(|p| {
            p.split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        });
        let req = ops::tokens::CreateToken {
            name: f.get("name"),
            expires_at,
            expires_in_days,
            permissions,
            allowed_ips: split_list(&f.get("allowed_ips")),
            integration_id: parse_ids("integration_id", &f.all("integration_id"))?.pop(),
        };
        Ok::<_, ApiError>(ops::tokens::create(&state.service.manage(&s.caller)?, &key, req).await?)
    };
    match attempt.await {
        Ok(made) => {
            // The secret, once: shown on this page only.
            let created = CreatedSecret {
                name: made.token.name,
                secret: made.secret,
                expires: made
                    .token
                    .expires_at
                    .map(crate::api::rfc3339)
                    .unwrap_or_else(|| "never".into()),
            };
            user_page(&state, &s, &key, None, None, Some(created)).await
        }
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            user_page(&state, &s, &key, Some(e), None, None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn token_action(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> PageResult {
    require_manager(&s, false)?;
    let f = FormData::parse(&body);
    s.check_csrf(&f.get("csrf"))?;
    let manage = state.service.manage(&s.caller).map_err(ApiError::from)?;
    let token = ops::tokens::get(&manage.read(), id)
        .await
        .map_err(ApiError::from)?;
    let user = token.api_user_id.to_string();
    let action = format!("/dashboard/tokens/{id}/action");
    let ask = |message: String, button: &str| confirm_or_ask(&s, &f, action.clone(), message, button);
    let result: Result<String, ApiError> = match f.get("do").as_str() {
        "suspend" => {
            if let Some(p) = ask(
                format!("Suspending \"{}\" refuses it until you resume it.", token.name),
                "Suspend",
            ) {
                return Ok(p);
            }
            ops::tokens::suspend(&manage, id)
                .await
                .map_err(ApiError::from)
                .map(|_| format!("Token \"{}\" suspended.", token.name))
        }
        "resume" => ops::tokens::resume(&manage, id)
            .await
            .map_err(ApiError::from)
            .map(|_| format!("Token \"{}\" resumed.", token.name)),
        "revoke" => {
            if let Some(p) = ask(
                format!(
                    "Revoking \"{}\" stops it forever. A revoked token cannot be restored.",
                    token.name
                ),
                "Revoke",
            ) {
                return Ok(p);
            }
            ops::tokens::revoke(&manage, id)
                .await
                .map_err(ApiError::from)
                .map(|_| format!("Token \"{}\" revoked.", token.name))
        }
        _ => Err(ApiError::bad_request("unknown_action", "unknown action")),
    };
    after_action(&state, &s, &user, result).await
}

/// Revoke every token of the organization: the form asks for the organization's name.
pub async fn revoke_all_org(State(state): State<AppState>, s: Session, body: Bytes) -> PageResult {
    require_manager(&s, false)?;
    let f = FormData::parse(&body);
    s.check_csrf(&f.get("csrf"))?;
    let org = state
        .store
        .get_organization(s.caller.org_id)
        .await
        .map_err(ApiError::from)?;
    if f.get("org_name").trim() != org.name {
        return Err(PageError::Api(ApiError::invalid(
            "org_name",
            "type the organization's name exactly to revoke every token",
        )));
    }
    let revoked = ops::tokens::revoke_all(&state.service.manage(&s.caller).map_err(ApiError::from)?, None)
        .await
        .map_err(ApiError::from)?;
    Ok(html(
        StatusCode::OK,
        &super::MessagePage {
            title: "Tokens revoked",
            heading: "Every token was revoked",
            text: format!("{revoked} token(s) of {} were revoked.", org.name),
            link: ("/dashboard", "Back to API management"),
        },
    ))
}

// ----- audit -----------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct AuditForm {
    actor_id: Option<String>,
    action: Option<String>,
    target_id: Option<String>,
    since: Option<String>,
    until: Option<String>,
    before: Option<i64>,
}

pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub ip: String,
    pub outcome: String,
    pub details: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Nav,
    rows: Vec<AuditRow>,
    actor_id: String,
    action: String,
    target_id: String,
    since: String,
    until: String,
    query: String,
    next: Option<i64>,
    error: Option<String>,
}

/// The filter a form describes; dates are whole days (UTC), `until` inclusive.
fn audit_filter(q: &AuditForm) -> Result<keyward_store::AuditFilter, ApiError> {
    let id = |field: &'static str, v: &Option<String>| -> Result<Option<Uuid>, ApiError> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Uuid::parse_str(s)
                .map(Some)
                .map_err(|_| ApiError::invalid(field, format!("{field} must be an id"))),
            None => Ok(None),
        }
    };
    let day = |field: &'static str, v: &Option<String>| -> Result<Option<OffsetDateTime>, ApiError> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => {
                let fmt = time::macros::format_description!("[year]-[month]-[day]");
                time::Date::parse(s, &fmt)
                    .map(|d| Some(d.midnight().assume_utc()))
                    .map_err(|_| ApiError::invalid(field, format!("{field} must be a date (YYYY-MM-DD)")))
            }
            None => Ok(None),
        }
    };
    Ok(keyward_store::AuditFilter {
        actor_id: id("actor", &q.actor_id)?,
        action: q.action.clone().filter(|a| !a.trim().is_empty()),
        target_id: id("target", &q.target_id)?,
        since: day("from", &q.since)?,
        until: day("to", &q.until)?.map(|d| d + Duration::days(1)),
        before_seq: q.before,
    })
}

pub async fn audit(State(state): State<AppState>, s: Session, Query(q): Query<AuditForm>) -> PageResult {
    if s.role().is_none() {
        return Err(PageError::SuperAdminsOnly);
    }
    const PAGE: u32 = 50;
    let (rows, next, error) = match audit_filter(&q) {
        Ok(filter) => {
            let mut events = state
                .store
                .list_audit(s.caller.org_id, &filter, PAGE + 1)
                .await
                .map_err(ApiError::from)?;
            let more = events.len() > PAGE as usize;
            events.truncate(PAGE as usize);
            let next = if more { events.last().map(|e| e.seq) } else { None };
            (events, next, None)
        }
        Err(e) => (Vec::new(), None, Some(e.detail)),
    };
    let query = [
        ("actor_id", &q.actor_id),
        ("action", &q.action),
        ("target_id", &q.target_id),
        ("since", &q.since),
        ("until", &q.until),
    ]
    .iter()
    .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| (*k, v)))
    .fold(
        form_urlencoded::Serializer::new(String::new()),
        |mut ser, (k, v)| {
            ser.append_pair(k, v);
            ser
        },
    )
    .finish();
    Ok(html(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &AuditPage {
            nav: Nav::new(&s, "audit"),
            rows: rows
                .into_iter()
                .map(|e| AuditRow {
                    at: date(Some(e.at)),
                    actor: e.actor_label,
                    action: e.action,
                    target: format!(
                        "{}{}",
                        e.target_type,
                        e.target_id.map(|t| format!(" {t}")).unwrap_or_default()
                    ),
                    ip: e.source_ip.unwrap_or_default(),
                    outcome: e.outcome,
                    details: e.details.to_string(),
                })
                .collect(),
            actor_id: q.actor_id.clone().unwrap_or_default(),
            action: q.action.clone().unwrap_or_default(),
            target_id: q.target_id.clone().unwrap_or_default(),
            since: q.since.clone().unwrap_or_default(),
            until: q.until.clone().unwrap_or_default(),
            query,
            next,
            error,
        },
    ))
}

pub async fn audit_csv(State(state): State<AppState>, s: Session, Query(q): Query<AuditForm>) -> PageResult {
    if s.role().is_none() {
        return Err(PageError::SuperAdminsOnly);
    }
    let filter = audit_filter(&q)?;
    let events = state
        .store
        .list_audit(s.caller.org_id, &filter, crate::api::audit::EXPORT_LIMIT)
        .await
        .map_err(ApiError::from)?;
    Ok(crate::api::audit::csv_response(crate::api::audit::to_csv(
        &events,
    )))
}

// ----- one token -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "token.html")]
struct TokenPage {
    nav: Nav,
    t: TokenRow,
    permissions: String,
    allowed_ips: String,
    rotated_from: String,
    replaced_by: String,
    chart: String,
    by_code: Vec<(String, i64)>,
}

pub async fn token_detail(State(state): State<AppState>, s: Session, Path(id): Path<Uuid>) -> PageResult {
    require_manager(&s, true)?;
    let org = s.caller.org_id;
    let now = state.clock.now();
    let t = state
        .store
        .get_token(org, id)
        .await
        .map_err(crate::error::missing("token"))?;
    let series = state
        .store
        .usage_series(org, Some(id), None, now - Duration::days(30))
        .await
        .map_err(ApiError::from)?;
    let mut by_code = std::collections::BTreeMap::<String, i64>::new();
    for p in &series {
        for (c, n) in &p.counts {
            *by_code.entry(c.as_str().to_owned()).or_default() += n;
        }
    }
    Ok(html(
        StatusCode::OK,
        &TokenPage {
            nav: Nav::new(&s, "api-users"),
            permissions: t
                .permissions
                .as_ref()
                .map(|p| p.iter().collect::<Vec<_>>().join(", "))
                .unwrap_or_else(|| "all of the API user's group".into()),
            allowed_ips: if t.allowed_ips.is_empty() {
                "the API user's".into()
            } else {
                t.allowed_ips.to_strings().join(", ")
            },
            rotated_from: t.rotated_from.map(|u| u.to_string()).unwrap_or_default(),
            replaced_by: t.replaced_by.map(|u| u.to_string()).unwrap_or_default(),
            chart: super::chart::daily_svg(&series, now, 30),
            by_code: by_code.into_iter().collect(),
            t: TokenRow::new(t, now),
        },
    ))
}

// ----- your account: two-factor authentication -------------------------------------------------

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    nav: Nav,
    state: String,
    required: bool,
    /// (QR code SVG, the key for typing in, recovery codes), on the answer that enrols only.
    enrolment: Option<(String, String, Vec<String>)>,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct AccountQuery {
    required: Option<String>,
}

async fn account_page(
    state: &AppState,
    s: &Session,
    enrolment: Option<(String, String, Vec<String>)>,
    error: Option<ApiError>,
    notice: Option<String>,
    required: bool,
) -> PageResult {
    let id = s.caller.member().map(|m| m.id).ok_or(PageError::SignIn)?;
    let totp_state = state
        .store
        .totp(keyward_store::TotpOwner::Member, id)
        .await
        .map_err(ApiError::from)?
        .state;
    let status = error.as_ref().map(|e| e.status).unwrap_or(StatusCode::OK);
    Ok(no_store(html(
        status,
        &AccountPage {
            nav: Nav::new(s, "account"),
            state: totp_state,
            required,
            enrolment,
            error: error.map(|e| e.detail),
            notice,
        },
    )))
}

pub async fn account(State(state): State<AppState>, s: Session, Query(q): Query<AccountQuery>) -> PageResult {
    account_page(&state, &s, None, None, None, q.required.is_some()).await
}

pub async fn account_action(State(state): State<AppState>, s: Session, body: Bytes) -> PageResult {
    let f = FormData::parse(&body);
    s.check_csrf(&f.get("csrf"))?;
    let caller = s.caller.clone();
    match f.get("do").as_str() {
        "enrol" => match crate::oauth::totp::me_enrol(State(state.clone()), caller).await {
            Ok(res) => {
                let bytes = axum::body::to_bytes(res.into_body(), 256 * 1024)
                    .await
                    .map_err(|e| ApiError::internal(e.to_string()))?;
                let v: serde_json::Value =
                    serde_json::from_slice(&bytes).map_err(|e| ApiError::internal(e.to_string()))?;
                let svg = v["qr_svg"].as_str().unwrap_or_default().to_owned();
                let uri = v["otpauth_uri"].as_str().unwrap_or_default();
                let key = uri
                    .split(['?', '&'])
                    .find_map(|p| p.strip_prefix("secret="))
                    .unwrap_or_default()
                    .to_owned();
                let codes = serde_json::from_value(v["recovery_codes"].clone()).unwrap_or_default();
                account_page(&state, &s, Some((svg, key, codes)), None, None, false).await
            }
            Err(e) => account_page(&state, &s, None, Some(e), None, false).await,
        },
        "confirm" => {
            let r = crate::oauth::totp::me_confirm(
                State(state.clone()),
                caller,
                Json(crate::oauth::totp::TotpCode { code: f.get("code") }),
            )
            .await;
            match r {
                Ok(_) => {
                    account_page(
                        &state,
                        &s,
                        None,
                        None,
                        Some("Two-factor authentication is on.".into()),
                        false,
                    )
                    .await
                }
                Err(e) => account_page(&state, &s, None, Some(e), None, false).await,
            }
        }
        "remove" => {
            let r = crate::oauth::totp::me_remove(
                State(state.clone()),
                caller,
                Json(crate::oauth::totp::TotpCode { code: f.get("code") }),
            )
            .await;
            match r {
                Ok(_) => {
                    account_page(
                        &state,
                        &s,
                        None,
                        None,
                        Some("Two-factor authentication is off.".into()),
                        false,
                    )
                    .await
                }
                Err(e) => account_page(&state, &s, None, Some(e), None, false).await,
            }
        }
        _ => Err(PageError::Api(ApiError::bad_request(
            "unknown_action",
            "unknown action",
        ))),
    }
}

// ----- outbox ----------------------------------------------------------------------------------

pub struct OutboxRow {
    pub id: String,
    pub channel: String,
    pub event: String,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: String,
    pub created: String,
    pub dead: bool,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    nav: Nav,
    rows: Vec<OutboxRow>,
    status: String,
    notice: Option<String>,
    smtp: bool,
}

#[derive(Deserialize)]
pub struct OutboxQuery {
    status: Option<String>,
}

async fn outbox_page(
    state: &AppState,
    s: &Session,
    status: Option<String>,
    notice: Option<String>,
) -> PageResult {
    let filter = status.as_deref().and_then(keyward_store::OutboxStatus::parse);
    let mut items = state
        .store
        .list_outbox(s.caller.org_id, filter, Page::first(200))
        .await
        .map_err(ApiError::from)?;
    items.reverse();
    Ok(html(
        StatusCode::OK,
        &OutboxPage {
            nav: Nav::new(s, "outbox"),
            rows: items
                .into_iter()
                .map(|i| OutboxRow {
                    id: i.message.id.to_string(),
                    channel: i.message.channel.as_str().into(),
                    event: i.message.event,
                    recipient: i.message.recipient,
                    subject: i.message.subject,
                    dead: i.status == keyward_store::OutboxStatus::Dead,
                    status: i.status.as_str().into(),
                    attempts: i.attempts,
                    last_error: i.last_error.unwrap_or_default(),
                    created: date(Some(i.created_at)),
                })
                .collect(),
            status: status.unwrap_or_default(),
            notice,
            smtp: state.config.smtp_url.is_some(),
        },
    ))
}

pub async fn outbox(State(state): State<AppState>, s: Session, Query(q): Query<OutboxQuery>) -> PageResult {
    require_manager(&s, true)?;
    outbox_page(&state, &s, q.status.filter(|x| !x.is_empty()), None).await
}

pub async fn outbox_resend(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> PageResult {
    require_manager(&s, false)?;
    let f = FormData::parse(&body);
    s.check_csrf(&f.get("csrf"))?;
    keyward_service::outbox::resend(&state.service.manage(&s.caller)?, id).await?;
    outbox_page(&state, &s, None, Some("Queued to be sent again.".into())).await
}
