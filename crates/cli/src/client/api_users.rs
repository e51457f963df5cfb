//! `keyward api-user …`: API user profiles.

use super::*;

#[derive(Subcommand)]
pub enum ApiUserCommand {
    /// Create an API user profile.
    Create {
        #[command(flatten)]
        client: ClientArgs,
        /// A unique username: 3 to 64 lowercase letters, digits, '.', '_' or '-'.
        username: String,
        /// A display name (the username when omitted).
        #[arg(long)]
        name: Option<String>,
        /// Permission group, by name or id.
        #[arg(long)]
        group: Option<String>,
        /// Member (email or id) whose group and identity this API user takes.
        #[arg(long)]
        linked_member: Option<String>,
        /// `live` or `sandbox`.
        #[arg(long, default_value = "live", value_parser = parse_environment)]
        environment: Environment,
        /// Integrations it may be used through, by name or id, comma-separated.
        #[arg(long)]
        integrations: Option<String>,
        /// Addresses or CIDR ranges, comma-separated.
        #[arg(long)]
        allowed_ips: Option<String>,
        /// Any number of days from now, for a lifetime the presets of --expires lack (the
        /// organization's longest allowed lifetime still applies). Default: as --expires.
        #[arg(long, allow_negative_numbers = true)]
        expires_in_days: Option<i64>,
        /// 7, 30, 60, 90, 180 or 365 (days; only these, so a typo cannot make a credential live
        /// for years), a date (2027-03-31 or RFC 3339), or `never`. Default: the organization's
        /// policy (`expiry_policy.default_days`; no expiry unless it sets one), the same as the
        /// dashboard's first choice.
        #[arg(long, value_parser = parse_expiry, conflicts_with = "expires_in_days")]
        expires: Option<Expiry>,
        /// Who to tell about its tokens (expiry reminders go to administrators too).
        #[arg(long)]
        contact_email: Option<String>,
        /// Your own id for it, returned on every verify.
        #[arg(long)]
        external_id: Option<String>,
        /// Limits and credits all of its tokens share.
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Change an API user's name, description, or the rate limits and credits its tokens share.
    Update {
        #[command(flatten)]
        client: ClientArgs,
        /// The API user's id or username.
        id: String,
        /// A new display name.
        #[arg(long)]
        name: Option<String>,
        /// A new description.
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        limits: LimitChangeArgs,
    },
    /// Top up the credits an API user's tokens share (--add) or set them (--set).
    Credits {
        #[command(flatten)]
        client: ClientArgs,
        /// The API user's id or username.
        id: String,
        #[command(flatten)]
        adjust: AdjustArgs,
    },
    /// List API users.
    List {
        #[command(flatten)]
        client: ClientArgs,
        /// Part of a name, username or external id.
        #[arg(long)]
        search: Option<String>,
        /// active or suspended.
        #[arg(long)]
        status: Option<String>,
        /// Where the previous page ended (printed under a full page).
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Show one API user (id or username).
    Show {
        #[command(flatten)]
        client: ClientArgs,
        /// The API user's id or username.
        id: String,
    },
    /// Suspend an API user: all its tokens stop working until resumed.
    Suspend {
        #[command(flatten)]
        client: ClientArgs,
        /// The API user's id or username.
        id: String,
    },
    /// Resume a suspended API user.
    Resume {
        #[command(flatten)]
        client: ClientArgs,
        /// The API user's id or username.
        id: String,
    },
    /// Delete an API user and revoke all its tokens. Needs --yes.
    Delete {
        #[command(flatten)]
        client: ClientArgs,
        /// The API user's id or username.
        id: String,
        /// Confirm: this cannot be undone.
        #[arg(long)]
        yes: bool,
    },
}

pub async fn api_user(c: ApiUserCommand) -> anyhow::Result<ExitCode> {
    match c {
        ApiUserCommand::Create {
            client,
            username,
            name,
            group,
            linked_member,
            environment,
            integrations,
            allowed_ips,
            expires_in_days,
            expires,
            contact_email,
            external_id,
            limits,
        } => {
            let api = Api::new(&client)?;
            let permission_group_id = match group {
                Some(g) => Some(group_id(&api, &g).await?.parse()?),
                None => None,
            };
            let linked_member_id = match linked_member {
                Some(m) => Some(member_id(&api, &m).await?.parse()?),
                None => None,
            };
            let mut integration_ids = Vec::new();
            for n in split_list(&integrations).unwrap_or_default() {
                integration_ids.push(integration_id(&api, &n).await?.parse()?);
            }
            let (expires_at, preset_days) = expires.map(|e| e.fields()).unwrap_or_default();
            let body = CreateApiUser {
                username,
                name,
                environment: Some(environment),
                permission_group_id,
                linked_member_id,
                integration_ids,
                allowed_ips: split_list(&allowed_ips).unwrap_or_default(),
                expires_at,
                expires_in_days: expires_in_days.or(preset_days),
                contact_email,
                external_id,
                ratelimits: limits.ratelimits.clone(),
                credits: limits.credits_spec()?,
                ..CreateApiUser::default()
            };
            api.print(&api.api_users().create(&body).await?, USER_COLUMNS);
        }
        ApiUserCommand::List {
            client,
            search,
            status,
            cursor,
        } => {
            let api = Api::new(&client)?;
            let query = ApiUserQuery {
                search,
                status,
                cursor,
                ..ApiUserQuery::default()
            };
            api.print(&api.api_users().list(&query).await?, USER_COLUMNS);
        }
        ApiUserCommand::Show { client, id } => {
            let api = Api::new(&client)?;
            api.print(&api.api_users().get(&id).await?, USER_COLUMNS);
        }
        ApiUserCommand::Update {
            client,
            id,
            name,
            description,
            limits,
        } => {
            let api = Api::new(&client)?;
            let body = UpdateApiUser {
                name,
                description,
                ratelimits: limits.ratelimits(),
                credits: limits.credits()?,
                ..UpdateApiUser::default()
            };
            api.print(&api.api_users().update(&id, &body).await?, USER_COLUMNS);
        }
        ApiUserCommand::Credits { client, id, adjust } => {
            let api = Api::new(&client)?;
            api.print(
                &api.adjust_api_user_credits(&id, &adjust.body()).await?,
                CREDIT_COLUMNS,
            );
        }
        ApiUserCommand::Suspend { client, id } => {
            let api = Api::new(&client)?;
            api.print(&api.suspend_api_user(&id).await?, USER_COLUMNS);
        }
        ApiUserCommand::Resume { client, id } => {
            let api = Api::new(&client)?;
            api.print(&api.resume_api_user(&id).await?, USER_COLUMNS);
        }
        ApiUserCommand::Delete { client, id, yes } => {
            if !yes {
                bail!("deleting an API user revokes all its tokens forever; add --yes to confirm");
            }
            let api = Api::new(&client)?;
            api.api_users().delete(&id).await?;
            if !client.json {
                println!("Deleted API user {id}; its tokens are revoked.");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
