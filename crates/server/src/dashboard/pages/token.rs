//! One token's page.

use super::*;

#[derive(Template)]
#[template(path = "token.html")]
pub(super) struct TokenPage {
    nav: Nav,
    t: TokenRow,
    permissions: String,
    allowed_ips: String,
    rotated_from: String,
    replaced_by: String,
    /// The token's metadata as compact JSON; empty when it has none.
    metadata: String,
    limits: LimitsView,
    chart: String,
    by_code: Vec<(String, i64)>,
}

pub async fn token_detail(State(state): State<AppState>, s: Session, Path(id): Path<Uuid>) -> PageResult {
    require_manager(&s, true)?;
    let now = state.clock.now();
    let read = state.service.read(&s.caller)?;
    let t = ops::tokens::get(&read, id).await?;
    let since = now - Duration::days(30);
    let series = ops::usage::series_since(&read, UsageScope::Token(id), since).await?;
    let mut by_code = std::collections::BTreeMap::<String, i64>::new();
    for p in &series {
        for (c, n) in &p.counts {
            *by_code.entry(c.as_str().to_owned()).or_default() += n;
        }
    }
    let mut row = [TokenRow::new(t.clone(), now)];
    TokenRow::mark_leaks(&mut row, &read).await?;
    let [row] = row;
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
            metadata: if t.metadata.is_empty() {
                String::new()
            } else {
                serde_json::Value::Object(t.metadata.clone()).to_string()
            },
            limits: LimitsView::of(
                &read,
                keyward_core::quota::LimitScope::Token(t.id),
                &t.ratelimits,
                t.credits.as_ref(),
            ),
            chart: super::super::chart::daily(&series, now, 30),
            by_code: by_code.into_iter().collect(),
            t: row,
        },
    ))
}
