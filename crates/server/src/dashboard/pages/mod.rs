//! The dashboard's pages, a file per page. Every change goes through the same operation as the
//! management API (`keyward_service`), so a form and an API call are validated, audited and
//! announced alike. The form helpers every page shares are here.

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
use crate::app::AppState;
use crate::auth::ClientIp;
use crate::error::ApiError;
use keyward_service as ops;
use keyward_service::Read;
use keyward_service::usage::UsageScope;

mod account;
mod actions;
mod api_users;
mod audit;
mod home;
mod limits;
mod outbox;
mod signin;
mod token;

pub use account::*;
pub use actions::*;
pub use api_users::*;
pub use audit::*;
pub use home::*;
pub use limits::*;
pub use outbox::*;
pub use signin::*;
pub use token::*;

pub(super) type PageResult = Result<Response, PageError>;

/// A form a super admin posted, its CSRF token checked: the extractor of every handler that
/// changes something, so neither check can be left out of one.
pub struct ManagerForm(pub Session, pub FormData);

impl axum::extract::FromRequest<AppState> for ManagerForm {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &AppState) -> Result<Self, Response> {
        use axum::extract::FromRequestParts;
        use axum::response::IntoResponse;
        let (mut parts, body) = req.into_parts();
        let s = Session::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        require_manager(&s, false).map_err(IntoResponse::into_response)?;
        let req = axum::extract::Request::from_parts(parts, body);
        let body = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let f = FormData::parse(&body);
        s.check_csrf(&f.get("csrf"))
            .map_err(IntoResponse::into_response)?;
        Ok(Self(s, f))
    }
}

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

pub(super) fn date(t: Option<OffsetDateTime>) -> String {
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
pub(super) fn ago(t: Option<OffsetDateTime>, now: OffsetDateTime) -> String {
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
/// A form's expiry choice as the API takes it: nothing chosen is the organization's default,
/// "none" is explicitly no expiry (`Some(None)`), else a date or a preset of days.
pub(super) type ExpiryChoice = (Option<Option<OffsetDateTime>>, Option<i64>);

pub(super) fn expiry_fields(f: &FormData) -> Result<ExpiryChoice, ApiError> {
    match f.get("expiry").as_str() {
        "" | "default" => Ok((None, None)),
        "none" => Ok((Some(None), None)),
        "date" => {
            let d = f.get("expiry_date");
            let fmt = time::macros::format_description!("[year]-[month]-[day]");
            let day = time::Date::parse(d.trim(), &fmt)
                .map_err(|_| ApiError::invalid("expires_at", "choose a date as YYYY-MM-DD"))?;
            Ok((Some(Some(day.midnight().assume_utc())), None))
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

/// What "the organization's default" expiry means, in words, for the forms' first choice.
pub(super) async fn default_expiry_words(read: &Read<'_>) -> Result<String, PageError> {
    let policy = ops::settings::get(read).await?.expiry_policy;
    Ok(match policy.default_days {
        Some(1) => "1 day".into(),
        Some(d) => format!("{d} days"),
        None => "no expiry".into(),
    })
}

pub(super) fn parse_ids(field: &'static str, ids: &[String]) -> Result<Vec<Uuid>, ApiError> {
    ids.iter()
        .map(|i| Uuid::parse_str(i).map_err(|_| ApiError::invalid(field, "unknown choice")))
        .collect()
}
