//! The API management home page and the list of keyward's own API URLs.

use super::*;

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
    /// Where it was reported leaked, and by whom; empty when it was not.
    pub leaked: String,
    /// `replaced` for a token rotated into another, `new` for the one it was rotated into.
    pub rotation: String,
    /// The import's source for a token moved in from another system; empty otherwise.
    pub imported_from: String,
}

impl TokenRow {
    /// Marks the rows of tokens reported leaked.
    pub(super) async fn mark_leaks(rows: &mut [TokenRow], read: &Read<'_>) -> Result<(), PageError> {
        let ids: Vec<Uuid> = rows.iter().filter_map(|r| r.id.parse().ok()).collect();
        for leak in ops::leaks::of_tokens(read, &ids).await? {
            if let Some(row) = rows.iter_mut().find(|r| r.id == leak.token_id.to_string()) {
                row.leaked = format!(
                    "{} (reported by {}, {})",
                    leak.source_url,
                    leak.reporter,
                    leak.action.as_str()
                );
            }
        }
        Ok(())
    }

    pub(super) fn new(t: Token, now: OffsetDateTime) -> Self {
        // A revoked token's expiry no longer matters: it says so rather than "active".
        let expiry_status = match ExpiryStatus::of(t.expires_at, now) {
            _ if t.status == TokenStatus::Revoked => "revoked",
            ExpiryStatus::Never => "no expiry",
            ExpiryStatus::Active => "active",
            ExpiryStatus::ExpiringSoon => "expiring soon",
            ExpiryStatus::Expired => "expired",
        };
        // Of a rotated pair, which is which.
        let rotation = match (t.rotated_from, t.replaced_by) {
            (_, Some(_)) => "replaced",
            (Some(_), None) => "new",
            (None, None) => "",
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
            leaked: String::new(),
            rotation: rotation.into(),
            imported_from: t.imported_from.unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
pub(super) struct HomePage {
    nav: Nav,
    org_name: String,
    active: i64,
    expiring: i64,
    unused: i64,
    denied_today: i64,
    /// The organization's verifications per day.
    chart: String,
    endpoints: Vec<(String, String, String)>,
    tokens: Vec<TokenRow>,
}

pub async fn home(State(state): State<AppState>, s: Session) -> PageResult {
    require_manager(&s, false)?;
    let now = state.clock.now();
    let read = state.service.read(&s.caller)?;
    let read = &read;
    let count = |filter: TokenFilter| async move {
        let tokens = ops::tokens::list(read, &filter, Page::first(10_000)).await?;
        Ok::<i64, PageError>(tokens.len() as i64)
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
    let month =
        ops::usage::series_since(read, UsageScope::Organization, midnight - Duration::days(29)).await?;
    let denied_today = month
        .iter()
        .filter(|p| p.hour >= midnight)
        .flat_map(|p| p.counts.iter())
        .filter(|(c, _)| *c != VerifyCode::Valid)
        .map(|(_, n)| n)
        .sum();
    let active_only = TokenFilter {
        status: Some(TokenStatus::Active),
        ..Default::default()
    };
    let mut recent = ops::tokens::list(read, &active_only, Page::first(200)).await?;
    recent.sort_by_key(|t| std::cmp::Reverse(t.created_at));
    recent.truncate(10);
    let org_name = ops::sessions::organization(&state.service, &s.caller).await?.name;
    Ok(html(
        StatusCode::OK,
        &HomePage {
            nav: Nav::new(&s, "home"),
            org_name,
            active,
            expiring,
            unused,
            denied_today,
            chart: super::super::chart::daily(&month, now, 30),
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
                .map(|e| {
                    (
                        e.method.clone(),
                        crate::dashboard::markdown::path(&e.path),
                        crate::dashboard::markdown::inline(&e.summary),
                    )
                })
                .collect(),
            tokens: recent.into_iter().map(|t| TokenRow::new(t, now)).collect(),
        },
    ))
}
