//! Signing in and out of the dashboard.

use super::*;

#[derive(Template)]
#[template(path = "login.html")]
pub(super) struct LoginPage {
    email: String,
    /// The account has two-factor authentication on: ask for the code.
    needs_code: bool,
    /// The email and password open several organizations: ask which one.
    needs_organization: bool,
    organization: String,
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
            needs_organization: false,
            organization: String::new(),
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
    let req = keyward_service::sessions::LoginRequest {
        email: email.clone(),
        password: f.get("password"),
        totp: f.opt("totp"),
        organization: f.opt("organization").and_then(|o| o.trim().parse().ok()),
    };
    match keyward_service::sessions::login(&state.service, req, ip.0)
        .await
        .map_err(ApiError::from)
    {
        Ok(session) => {
            let max_age = (session.expires_at - state.clock.now()).whole_seconds().max(0);
            let mut res = see_other("/dashboard");
            res.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(&session.token, super::super::secure_cookies(&state), max_age),
            );
            res
        }
        Err(e) => html(
            e.status,
            &LoginPage {
                email,
                needs_code: e.code == "totp_required",
                needs_organization: e.code == "organization_required" || f.opt("organization").is_some(),
                organization: f.get("organization"),
                error: Some(e.detail),
                notice: None,
            },
        ),
    }
}

pub async fn logout(State(state): State<AppState>, s: Session, body: Bytes) -> PageResult {
    s.check_csrf(&FormData::parse(&body).get("csrf"))?;
    let _ = keyward_service::sessions::logout(&state.service, &s.caller).await;
    let mut res = see_other("/login");
    res.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie("", super::super::secure_cookies(&state), 0),
    );
    Ok(res)
}
