//! Your account: two-factor authentication.

use super::*;
use keyward_service::totp;

#[derive(Template)]
#[template(path = "account.html")]
pub(super) struct AccountPage {
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

pub(super) async fn account_page(
    state: &AppState,
    s: &Session,
    enrolment: Option<(String, String, Vec<String>)>,
    error: Option<ApiError>,
    notice: Option<String>,
    required: bool,
) -> PageResult {
    let totp_state = ops::totp::own_state(&state.service, &s.caller).await?;
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
        "enrol" => match totp::enrol_own(&state.service, &caller).await {
            Ok(enrolment) => {
                let key = enrolment
                    .otpauth_uri
                    .split(['?', '&'])
                    .find_map(|p| p.strip_prefix("secret="))
                    .unwrap_or_default()
                    .to_owned();
                let shown = (enrolment.qr_svg, key, enrolment.recovery_codes);
                account_page(&state, &s, Some(shown), None, None, false).await
            }
            Err(e) => account_page(&state, &s, None, Some(e.into()), None, false).await,
        },
        "confirm" | "remove" => {
            let code = f.get("code");
            let (r, notice) = if f.get("do") == "confirm" {
                let r = totp::confirm_own(&state.service, &caller, &code).await.map(drop);
                (r, "Two-factor authentication is on.")
            } else {
                let r = totp::remove_own(&state.service, &caller, &code).await.map(drop);
                (r, "Two-factor authentication is off.")
            };
            match r {
                Ok(()) => account_page(&state, &s, None, None, Some(notice.into()), false).await,
                Err(e) => account_page(&state, &s, None, Some(e.into()), None, false).await,
            }
        }
        _ => Err(PageError::Api(ApiError::bad_request(
            "unknown_action",
            "unknown action",
        ))),
    }
}
