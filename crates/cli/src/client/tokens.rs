//! `keyward token …`: tokens, shown once.

use super::*;

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token; its secret is printed once.
    Create {
        /// API user id or username.
        #[arg(long)]
        api_user: String,
        /// A name unique among the API user's live tokens, such as production.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        expiry: ExpiryArgs,
        /// Permissions, comma-separated; default: all of the API user's group.
        #[arg(long)]
        permissions: Option<String>,
        /// Addresses or CIDR ranges, comma-separated.
        #[arg(long)]
        allowed_ips: Option<String>,
        /// The integration it is bound to, by name or id.
        #[arg(long)]
        integration: Option<String>,
        /// A JSON object returned with every VALID answer for this token, such as
        /// '{"plan":"pro"}'.
        #[arg(long, value_parser = parse_metadata)]
        metadata: Option<serde_json::Map<String, Value>>,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Change a token's name, expiry, metadata, rate limits or credits.
    Update {
        /// The token's id, or with --api-user its name.
        id: String,
        /// The API user (id or username) whose live token is named by the first argument.
        #[arg(long)]
        api_user: Option<String>,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// A new expiry (see `create`).
        #[arg(long, value_parser = parse_expiry)]
        expires: Option<Expiry>,
        /// New metadata, replacing the old (a JSON object).
        #[arg(long, value_parser = parse_metadata)]
        metadata: Option<serde_json::Map<String, Value>>,
        #[command(flatten)]
        limits: LimitChangeArgs,
    },
    /// Top up a token's credits (--add) or set them (--set).
    Credits {
        /// The token's id, or with --api-user its name.
        id: String,
        /// The API user (id or username) whose live token is named by the first argument.
        #[arg(long)]
        api_user: Option<String>,
        #[command(flatten)]
        adjust: AdjustArgs,
    },
    /// List tokens, of one API user or of the organization.
    List {
        /// The API user, by id or username.
        #[arg(long)]
        api_user: Option<String>,
        /// active, suspended or revoked.
        #[arg(long)]
        status: Option<String>,
        /// Only tokens expiring within this many days.
        #[arg(long, allow_negative_numbers = true)]
        expiring_within_days: Option<i64>,
        /// Only tokens not used for this many days.
        #[arg(long, allow_negative_numbers = true)]
        unused_for_days: Option<i64>,
        /// Where the previous page ended (printed under a full page).
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Revoke a token forever.
    Revoke {
        /// The token's id, or with --api-user its name.
        id: String,
        /// The API user (id or username) whose live token is named by the first argument.
        #[arg(long)]
        api_user: Option<String>,
    },
    /// Suspend a token.
    Suspend {
        /// The token's id, or with --api-user its name.
        id: String,
        /// The API user (id or username) whose live token is named by the first argument.
        #[arg(long)]
        api_user: Option<String>,
    },
    /// Resume a suspended token.
    Resume {
        /// The token's id, or with --api-user its name.
        id: String,
        /// The API user (id or username) whose live token is named by the first argument.
        #[arg(long)]
        api_user: Option<String>,
    },
    /// Import tokens your customers already hold (JSON Lines or CSV, by hash or secret), so
    /// they keep working unchanged. Exits 1 when any line was refused.
    Import(TokenImportArgs),
    /// Rotate a token: a new secret with the same name and rights, printed once; the old one
    /// keeps working for the grace period.
    Rotate {
        /// The token's id, or with --api-user its name.
        id: String,
        /// The API user (id or username) whose live token is named by the first argument.
        #[arg(long)]
        api_user: Option<String>,
        /// How long the old token keeps working, in seconds.
        #[arg(long, allow_negative_numbers = true, default_value_t = 0)]
        grace_period: i64,
        /// The new token's expiry (see `create`); default: the old token's lifetime, from now.
        #[arg(long, value_parser = parse_expiry)]
        expires: Option<Expiry>,
    },
    /// Revoke every token of an API user (--api-user) or of the organization (--all). Needs --yes.
    RevokeAll {
        /// The API user, by id or username.
        #[arg(long, conflicts_with = "all", required_unless_present = "all")]
        api_user: Option<String>,
        /// Every token of the organization, not one API user's.
        #[arg(long)]
        all: bool,
        /// Confirm: this cannot be undone.
        #[arg(long)]
        yes: bool,
    },
}

pub async fn token(api: Api, c: TokenCommand) -> anyhow::Result<ExitCode> {
    match c {
        TokenCommand::Import(a) => return token_import(api, a).await,
        TokenCommand::Create {
            api_user,
            name,
            expiry,
            permissions,
            allowed_ips,
            integration,
            metadata,
            limits,
        } => {
            let integration_id = resolve_opt(integration, async |k| integration_id(&api, &k).await).await?;
            let (expires_at, expires_in_days) = expiry.fields();
            let body = CreateToken {
                name,
                expires_at,
                expires_in_days,
                permissions: split_list(&permissions),
                allowed_ips: split_list(&allowed_ips).unwrap_or_default(),
                integration_id,
                metadata: metadata.unwrap_or_default(),
                ratelimits: limits.ratelimits.clone(),
                credits: limits.credits_spec()?,
            };
            let created = api.create_token(&api_user, &body).await?;
            print_new_token(&api, &created, |name, id, expires| {
                format!(
                    "Token {name:?} ({id}) created, expires: {expires}. Copy it now: it will not be shown again."
                )
            });
        }
        TokenCommand::List {
            api_user,
            status,
            expiring_within_days,
            unused_for_days,
            cursor,
        } => {
            let query = TokenQuery {
                status,
                expiring_within_days,
                unused_for_days,
                cursor,
                ..TokenQuery::default()
            };
            match &api_user {
                Some(u) => api.print(&api.list_user_tokens(u, &query).await?, TOKEN_COLUMNS),
                None => {
                    // The organization's tokens: say whose each one is.
                    let tokens = api.list_tokens(&query).await?;
                    let api = &api;
                    let users = collect_all(|cursor| {
                        let query = ApiUserQuery {
                            limit: Some(200),
                            cursor,
                            ..ApiUserQuery::default()
                        };
                        async move { api.api_users().list(&query).await }
                    })
                    .await?;
                    let mut v = serde_json::to_value(&tokens)?;
                    for t in v["items"].as_array_mut().into_iter().flatten() {
                        let owner = users.iter().find(|u| t["api_user_id"] == u.id.to_string());
                        t["api_user"] = owner.map(|u| u.username.clone().into()).unwrap_or(Value::Null);
                    }
                    let mut columns = TOKEN_COLUMNS.to_vec();
                    columns.insert(1, "api_user");
                    api.print(&v, &columns);
                }
            }
        }
        TokenCommand::Rotate {
            id,
            api_user,
            grace_period,
            expires,
        } => {
            let id = token_id(&api, api_user.as_deref(), &id).await?;
            let (expires_at, expires_in_days) = match expires {
                Some(Expiry::Never) => bail!(
                    "a rotated token keeps an expiry: give days or a date, or leave --expires out \
                     to keep the old token's lifetime"
                ),
                Some(e) => e.fields(),
                None => (None, None),
            };
            let body = RotateToken {
                grace_period_seconds: grace_period,
                expires_at: expires_at.flatten(),
                expires_in_days,
            };
            let created = api.rotate_token(&id, &body).await?;
            print_new_token(&api, &created, |name, id, expires| {
                format!(
                    "Token {name:?} rotated: new id {id}, expires: {expires}; the old token works for \
                     {grace_period} more second(s). Copy the new secret now: it will not be shown again."
                )
            });
        }
        TokenCommand::Update {
            id,
            api_user,
            name,
            expires,
            metadata,
            limits,
        } => {
            let id = token_id(&api, api_user.as_deref(), &id).await?;
            let (expires_at, expires_in_days) = expires.map(|e| e.fields()).unwrap_or_default();
            let body = UpdateToken {
                name,
                expires_at,
                expires_in_days,
                metadata,
                ratelimits: limits.ratelimits(),
                credits: limits.credits()?,
                ..UpdateToken::default()
            };
            api.print(&api.update_token(&id, &body).await?, TOKEN_COLUMNS);
        }
        TokenCommand::Credits { id, api_user, adjust } => {
            let id = token_id(&api, api_user.as_deref(), &id).await?;
            api.print(
                &api.adjust_token_credits(&id, &adjust.body()).await?,
                CREDIT_COLUMNS,
            );
        }
        TokenCommand::Revoke { id, api_user } => {
            let id = token_id(&api, api_user.as_deref(), &id).await?;
            api.revoke_token(&id).await?;
            if !api.json {
                println!("Revoked token {id}.");
            }
        }
        TokenCommand::Suspend { id, api_user } => {
            let id = token_id(&api, api_user.as_deref(), &id).await?;
            api.print(&api.suspend_token(&id).await?, TOKEN_COLUMNS);
        }
        TokenCommand::Resume { id, api_user } => {
            let id = token_id(&api, api_user.as_deref(), &id).await?;
            api.print(&api.resume_token(&id).await?, TOKEN_COLUMNS);
        }
        TokenCommand::RevokeAll {
            api_user,
            all: _,
            yes,
        } => {
            if !yes {
                bail!("this revokes tokens forever; add --yes to confirm");
            }
            let count = match &api_user {
                Some(u) => api.revoke_all_user_tokens(u).await?,
                None => api.revoke_all_org_tokens().await?,
            };
            if api.json {
                api.print_json(&count);
            } else {
                println!("Revoked {} token(s).", count.revoked);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `--metadata`: a JSON object.
fn parse_metadata(s: &str) -> Result<serde_json::Map<String, Value>, String> {
    match serde_json::from_str(s) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err("expected a JSON object, such as '{\"plan\":\"pro\"}'".into()),
    }
}

/// An expiry for people: RFC 3339, or `never`.
pub(super) fn expiry_text(at: Option<time::OffsetDateTime>) -> String {
    at.map(rfc3339).unwrap_or_else(|| "never".into())
}

/// A token named by id, or by its name among an API user's live tokens. Of a rotated pair
/// (both live during the grace period, under one name) the new one is meant.
async fn token_id(api: &Api, api_user: Option<&str>, key: &str) -> anyhow::Result<String> {
    let Some(user) = api_user else {
        return Ok(key.to_owned());
    };
    let all = collect_all(|cursor| {
        let query = TokenQuery {
            limit: Some(200),
            cursor,
            ..TokenQuery::default()
        };
        async move { api.list_user_tokens(user, &query).await }
    })
    .await?;
    let live: Vec<&TokenView> = all
        .iter()
        .filter(|t| t.name == key && t.status != "revoked")
        .collect();
    let newest: Vec<&TokenView> = live.iter().copied().filter(|t| t.replaced_by.is_none()).collect();
    match (live.as_slice(), newest.as_slice()) {
        ([], _) => bail!("{user} has no live token named {key}"),
        ([one], _) | (_, [one]) => Ok(one.id.to_string()),
        (several, _) => bail!(
            "{user} has {} live tokens named {key}: {}; give the id instead",
            several.len(),
            several
                .iter()
                .map(|t| t.id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A token just made (created or rotated): its secret, once, and `said` of its name, id and
/// expiry on standard error.
fn print_new_token(api: &Api, created: &CreatedToken, said: impl FnOnce(&str, uuid::Uuid, String) -> String) {
    let d = &created.details;
    let note = said(&d.name, d.id, expiry_text(d.expires_at));
    api.print_secret(created, &created.token, format_args!("{note}"));
}
