//! What the API user and token pages do: suspend, resume, delete, password, revoke, create a token.

use super::*;

#[derive(Template)]
#[template(path = "confirm.html")]
pub(super) struct ConfirmPage {
    nav: Nav,
    action: String,
    fields: Vec<(String, String)>,
    message: String,
    button: String,
}

/// Destructive actions need `confirm=yes`, which the page's dialog adds; without script the
/// server asks on a page of its own.
pub(super) fn confirm_or_ask(
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
pub(super) async fn after_action(
    state: &AppState,
    s: &Session,
    key: &str,
    result: Result<String, ApiError>,
) -> PageResult {
    match result {
        Ok(notice) => user_page(state, s, key, None, Some(notice), None).await,
        Err(e) => refused(state, s, key, e).await,
    }
}

/// An action's outcome as the page shows it: `notice` when it was done.
fn said<T>(done: keyward_service::ServiceResult<T>, notice: String) -> Result<String, ApiError> {
    done.map(|_| notice).map_err(ApiError::from)
}

/// A refusal, shown on the API user's page next to its forms; a missing record or a server
/// fault goes to the error page.
pub(super) async fn refused(state: &AppState, s: &Session, key: &str, e: ApiError) -> PageResult {
    if !e.shown_on_form() {
        return Err(e.into());
    }
    user_page(state, s, key, Some(e), None, None).await
}

pub async fn api_user_action(
    State(state): State<AppState>,
    Path(key): Path<String>,
    ManagerForm(s, f): ManagerForm,
) -> PageResult {
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
            said(
                ops::api_users::suspend(&manage, &key).await,
                "Suspended: every token of this API user is refused until resumed.".into(),
            )
        }
        "resume" => said(ops::api_users::resume(&manage, &key).await, "Resumed.".into()),
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
            let notice = if clearing {
                "Password removed."
            } else {
                "Password set. It will not be shown again."
            };
            said(
                ops::api_users::set_password(&manage, &key, password).await,
                notice.into(),
            )
        }
        "limits" | "topup" => limits_action(&manage, Owner::ApiUser(&key), &f).await,
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
    Path(key): Path<String>,
    ManagerForm(s, f): ManagerForm,
) -> PageResult {
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
            metadata: Default::default(),
            ratelimits: Vec::new(),
            credits: None,
        };
        Ok::<_, ApiError>(ops::tokens::create(&state.service.manage(&s.caller)?, &key, req).await?)
    };
    match attempt.await {
        Ok(made) => {
            // Post/Redirect/Get: the secret waits, sealed, for the page the browser is sent to,
            // so a reload shows the page instead of submitting the form again.
            let manage = state.service.manage(&s.caller).map_err(ApiError::from)?;
            keyward_service::flash::hold(&manage, &s.flash, made.token.id, &made.secret, None).await?;
            Ok(see_other(&format!(
                "/dashboard/api-users/{}",
                made.token.api_user_id
            )))
        }
        Err(e) => refused(&state, &s, &key, e).await,
    }
}

pub async fn token_action(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    ManagerForm(s, f): ManagerForm,
) -> PageResult {
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
            said(
                ops::tokens::suspend(&manage, id).await,
                format!("Token \"{}\" suspended.", token.name),
            )
        }
        "limits" | "topup" => limits_action(&manage, Owner::Token(id), &f).await,
        "resume" => said(
            ops::tokens::resume(&manage, id).await,
            format!("Token \"{}\" resumed.", token.name),
        ),
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
            said(
                ops::tokens::revoke(&manage, id).await,
                format!("Token \"{}\" revoked.", token.name),
            )
        }
        "rotate" => {
            let grace: i64 = f.get("grace").trim().parse().unwrap_or(-1);
            if let Some(p) = ask(
                format!(
                    "Rotating \"{}\" issues a new secret, shown once. The old secret keeps working for {}, then stops.",
                    token.name,
                    grace_words(grace)
                ),
                "Rotate",
            ) {
                return Ok(p);
            }
            let req = ops::tokens::RotateToken {
                grace_period_seconds: grace,
                ..Default::default()
            };
            return match ops::tokens::rotate(&manage, id, req)
                .await
                .map_err(ApiError::from)
            {
                Ok(created) => {
                    let notice = format!(
                        "Token \"{}\" rotated: the new secret is below; the old one works for {}.",
                        token.name,
                        grace_words(grace)
                    );
                    keyward_service::flash::hold(
                        &manage,
                        &s.flash,
                        created.token.id,
                        &created.secret,
                        Some(notice),
                    )
                    .await?;
                    Ok(see_other(&format!("/dashboard/api-users/{user}")))
                }
                Err(e) => after_action(&state, &s, &user, Err(e)).await,
            };
        }
        _ => Err(ApiError::bad_request("unknown_action", "unknown action")),
    };
    after_action(&state, &s, &user, result).await
}

/// A grace period from the token page's presets, in words.
fn grace_words(seconds: i64) -> String {
    match seconds {
        0 => "no time at all".into(),
        3600 => "1 hour".into(),
        86400 => "1 day".into(),
        s if s > 0 && s % 86400 == 0 => format!("{} days", s / 86400),
        s => format!("{s} seconds"),
    }
}

/// Revoke every token of the organization: the form asks for the organization's name.
pub async fn revoke_all_org(State(state): State<AppState>, ManagerForm(s, f): ManagerForm) -> PageResult {
    let org = ops::sessions::organization(&state.service, &s.caller).await?;
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
        &super::super::MessagePage {
            title: "Tokens revoked",
            heading: "Every token was revoked",
            text: format!("{revoked} token(s) of {} were revoked.", org.name),
            link: ("/dashboard", "Back to API management"),
        },
    ))
}
