//! `keyward token …`: tokens, shown once.

use super::*;

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token; its secret is printed once.
    Create {
        #[command(flatten)]
        client: ClientArgs,
        /// API user id or username.
        #[arg(long)]
        api_user: String,
        /// A name unique among the API user's live tokens, such as production.
        #[arg(long)]
        name: String,
        /// 7, 30, 60, 90, 180 or 365 (days; only these, so a typo cannot make a credential live
        /// for years), a date (2027-03-31 or RFC 3339), or `never`. Default: the organization's
        /// policy (`expiry_policy.default_days`; no expiry unless it sets one), the same as the
        /// dashboard's first choice.
        #[arg(long, value_parser = parse_expiry, conflicts_with = "expires_in_days")]
        expires: Option<Expiry>,
        /// Any number of days from now, for a lifetime the presets of --expires lack (the
        /// organization's longest allowed lifetime still applies). Default: as --expires.
        #[arg(long, allow_negative_numbers = true)]
        expires_in_days: Option<i64>,
        /// Permissions, comma-separated; default: all of the API user's group.
        #[arg(long)]
        permissions: Option<String>,
        /// Addresses or CIDR ranges, comma-separated.
        #[arg(long)]
        allowed_ips: Option<String>,
        /// Integration id.
        #[arg(long)]
        integration: Option<String>,
    },
    /// List tokens, of one API user or of the organization.
    List {
        #[command(flatten)]
        client: ClientArgs,
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
        #[command(flatten)]
        client: ClientArgs,
        /// The token's id, or with --api-user its name.
        id: String,
        /// The API user (id or username) whose live token is named by the first argument.
        #[arg(long)]
        api_user: Option<String>,
    },
    /// Suspend a token.
    Suspend {
        #[command(flatten)]
        client: ClientArgs,
        /// The token's id, or with --api-user its name.
        id: String,
        /// The API user (id or username) whose live token is named by the first argument.
        #[arg(long)]
        api_user: Option<String>,
    },
    /// Resume a suspended token.
    Resume {
        #[command(flatten)]
        client: ClientArgs,
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
        #[command(flatten)]
        client: ClientArgs,
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
        #[command(flatten)]
        client: ClientArgs,
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

pub async fn token(c: TokenCommand) -> anyhow::Result<ExitCode> {
    match c {
        TokenCommand::Import(a) => return token_import(a).await,
        TokenCommand::Create {
            client,
            api_user,
            name,
            expires,
            expires_in_days,
            permissions,
            allowed_ips,
            integration,
        } => {
            let api = Api::new(&client)?;
            let mut body = json!({"name": name});
            if let Some(d) = expires_in_days {
                body["expires_in_days"] = d.into();
            }
            if let Some(e) = expires {
                e.apply(&mut body);
            }
            if let Some(p) = split_list(&permissions) {
                body["permissions"] = p.into();
            }
            if let Some(ips) = split_list(&allowed_ips) {
                body["allowed_ips"] = ips.into();
            }
            if let Some(i) = integration {
                body["integration_id"] = i.into();
            }
            let v = api
                .call(
                    Method::POST,
                    &format!("/v1/api-users/{}/tokens", path_segment(&api_user)),
                    Some(body),
                )
                .await?;
            if client.json {
                println!("{v}");
            } else {
                println!("{}", v["token"].as_str().unwrap_or_default());
                let expiry = v["expires_at"].as_str().unwrap_or("never");
                eprintln!(
                    "Token {:?} ({}) created, expires: {expiry}. Copy it now: it will not be shown again.",
                    v["name"].as_str().unwrap_or_default(),
                    v["id"].as_str().unwrap_or_default(),
                );
            }
        }
        TokenCommand::List {
            client,
            api_user,
            status,
            expiring_within_days,
            unused_for_days,
            cursor,
        } => {
            let api = Api::new(&client)?;
            let mut q = vec![];
            for (k, v) in [
                ("status", status),
                (
                    "expiring_within_days",
                    expiring_within_days.map(|d| d.to_string()),
                ),
                ("unused_for_days", unused_for_days.map(|d| d.to_string())),
                ("cursor", cursor),
            ] {
                if let Some(v) = v {
                    q.push(format!("{k}={}", path_segment(&v)));
                }
            }
            let path = match &api_user {
                Some(u) => format!("/v1/api-users/{}/tokens?{}", path_segment(u), q.join("&")),
                None => format!("/v1/tokens?{}", q.join("&")),
            };
            let mut v = api.call(Method::GET, &path, None).await?;
            if api_user.is_some() {
                api.print(&v, TOKEN_COLUMNS);
            } else {
                // The organization's tokens: say whose each one is.
                let users = list_all(&api, "/v1/api-users").await?;
                for t in v["items"].as_array_mut().into_iter().flatten() {
                    let owner = users.iter().find(|u| u["id"] == t["api_user_id"]);
                    t["api_user"] = owner.map(|u| u["username"].clone()).unwrap_or(Value::Null);
                }
                let mut columns = TOKEN_COLUMNS.to_vec();
                columns.insert(1, "api_user");
                api.print(&v, &columns);
            }
        }
        TokenCommand::Rotate {
            client,
            id,
            api_user,
            grace_period,
            expires,
        } => {
            let api = Api::new(&client)?;
            let id = token_id(&api, api_user.as_deref(), &id).await?;
            let mut body = json!({"grace_period_seconds": grace_period});
            if let Some(e) = expires {
                e.apply(&mut body);
            }
            let v = api
                .call(
                    Method::POST,
                    &format!("/v1/tokens/{}/rotate", path_segment(&id)),
                    Some(body),
                )
                .await?;
            if client.json {
                println!("{v}");
            } else {
                println!("{}", v["token"].as_str().unwrap_or_default());
                eprintln!(
                    "Token {:?} rotated: new id {}, expires: {}; the old token works for {grace_period} more second(s). \
                     Copy the new secret now: it will not be shown again.",
                    v["name"].as_str().unwrap_or_default(),
                    v["id"].as_str().unwrap_or_default(),
                    v["expires_at"].as_str().unwrap_or("never"),
                );
            }
        }
        TokenCommand::Revoke { client, id, api_user } => {
            let api = Api::new(&client)?;
            let id = token_id(&api, api_user.as_deref(), &id).await?;
            api.call(Method::DELETE, &format!("/v1/tokens/{}", path_segment(&id)), None)
                .await?;
            if !client.json {
                println!("Revoked token {id}.");
            }
        }
        TokenCommand::Suspend { client, id, api_user } => {
            let api = Api::new(&client)?;
            let id = token_id(&api, api_user.as_deref(), &id).await?;
            let v = api
                .call(
                    Method::POST,
                    &format!("/v1/tokens/{}/suspend", path_segment(&id)),
                    None,
                )
                .await?;
            api.print(&v, TOKEN_COLUMNS);
        }
        TokenCommand::Resume { client, id, api_user } => {
            let api = Api::new(&client)?;
            let id = token_id(&api, api_user.as_deref(), &id).await?;
            let v = api
                .call(
                    Method::POST,
                    &format!("/v1/tokens/{}/resume", path_segment(&id)),
                    None,
                )
                .await?;
            api.print(&v, TOKEN_COLUMNS);
        }
        TokenCommand::RevokeAll {
            client,
            api_user,
            all: _,
            yes,
        } => {
            if !yes {
                bail!("this revokes tokens forever; add --yes to confirm");
            }
            let api = Api::new(&client)?;
            let path = match &api_user {
                Some(u) => format!("/v1/api-users/{}/tokens/revoke-all", path_segment(u)),
                None => "/v1/tokens/revoke-all".to_owned(),
            };
            let v = api
                .call(Method::POST, &path, Some(json!({"confirm": true})))
                .await?;
            if client.json {
                println!("{v}");
            } else {
                println!("Revoked {} token(s).", v["revoked"]);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A token named by id, or by its name among an API user's live tokens. Of a rotated pair
/// (both live during the grace period, under one name) the new one is meant.
async fn token_id(api: &Api, api_user: Option<&str>, key: &str) -> anyhow::Result<String> {
    let Some(user) = api_user else {
        return Ok(key.to_owned());
    };
    let all = list_all(api, &format!("/v1/api-users/{}/tokens", path_segment(user))).await?;
    let live: Vec<&Value> = all
        .iter()
        .filter(|t| t["name"] == key && t["status"] != "revoked")
        .collect();
    let newest: Vec<&Value> = live
        .iter()
        .copied()
        .filter(|t| t["replaced_by"].is_null())
        .collect();
    match (live.as_slice(), newest.as_slice()) {
        ([], _) => bail!("{user} has no live token named {key}"),
        ([one], _) | (_, [one]) => Ok(cell(&one["id"])),
        (several, _) => bail!(
            "{user} has {} live tokens named {key}: {}; give the id instead",
            several.len(),
            several
                .iter()
                .map(|t| cell(&t["id"]))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
