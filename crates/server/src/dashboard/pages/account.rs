//! Your account: two-factor authentication.

use super::*;

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
