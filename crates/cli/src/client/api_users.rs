//! `keyward api-user …`: API user profiles.

use super::*;

#[derive(Subcommand)]
pub enum ApiUserCommand {
    /// Create an API user profile.
    Create {
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
        #[command(flatten)]
        expiry: ExpiryArgs,
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
        /// The API user's id or username.
        id: String,
        #[command(flatten)]
        adjust: AdjustArgs,
    },
    /// List API users.
    List {
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
        /// The API user's id or username.
        id: String,
    },
    /// Suspend an API user: all its tokens stop working until resumed.
    Suspend {
        /// The API user's id or username.
        id: String,
    },
    /// Resume a suspended API user.
    Resume {
        /// The API user's id or username.
        id: String,
    },
    /// Delete an API user and revoke all its tokens. Needs --yes.
    Delete {
        /// The API user's id or username.
        id: String,
        /// Confirm: this cannot be undone.
        #[arg(long)]
        yes: bool,
    },
}

pub async fn api_user(api: Api, c: ApiUserCommand) -> anyhow::Result<ExitCode> {
    match c {
        ApiUserCommand::Create {
            username,
            name,
            group,
            linked_member,
            environment,
            integrations,
            allowed_ips,
            expiry,
            contact_email,
            external_id,
            limits,
        } => {
            let permission_group_id = resolve_opt(group, async |k| group_id(&api, &k).await).await?;
            let linked_member_id = resolve_opt(linked_member, async |k| member_id(&api, &k).await).await?;
            let mut integration_ids = Vec::new();
            for n in split_list(&integrations).unwrap_or_default() {
                integration_ids.push(integration_id(&api, &n).await?.parse()?);
            }
            let (expires_at, expires_in_days) = expiry.fields();
            let body = CreateApiUser {
                username,
                name,
                environment: Some(environment),
                permission_group_id,
                linked_member_id,
                integration_ids,
                allowed_ips: split_list(&allowed_ips).unwrap_or_default(),
                expires_at,
                expires_in_days,
                contact_email,
                external_id,
                ratelimits: limits.ratelimits.clone(),
                credits: limits.credits_spec()?,
                ..CreateApiUser::default()
            };
            api.print(&api.api_users().create(&body).await?, USER_COLUMNS);
        }
        ApiUserCommand::List {
            search,
            status,
            cursor,
        } => {
            let query = ApiUserQuery {
                search,
                status,
                cursor,
                ..ApiUserQuery::default()
            };
            api.print(&api.api_users().list(&query).await?, USER_COLUMNS);
        }
        ApiUserCommand::Show { id } => {
            api.print(&api.api_users().get(&id).await?, USER_COLUMNS);
        }
        ApiUserCommand::Update {
            id,
            name,
            description,
            limits,
        } => {
            let body = UpdateApiUser {
                name,
                description,
                ratelimits: limits.ratelimits(),
                credits: limits.credits()?,
                ..UpdateApiUser::default()
            };
            api.print(&api.api_users().update(&id, &body).await?, USER_COLUMNS);
        }
        ApiUserCommand::Credits { id, adjust } => {
            api.print(
                &api.adjust_api_user_credits(&id, &adjust.body()).await?,
                CREDIT_COLUMNS,
            );
        }
        ApiUserCommand::Suspend { id } => {
            api.print(&api.suspend_api_user(&id).await?, USER_COLUMNS);
        }
        ApiUserCommand::Resume { id } => {
            api.print(&api.resume_api_user(&id).await?, USER_COLUMNS);
        }
        ApiUserCommand::Delete { id, yes } => {
            if !yes {
                bail!("deleting an API user revokes all its tokens forever; add --yes to confirm");
            }
            api.api_users().delete(&id).await?;
            if !api.json {
                println!("Deleted API user {id}; its tokens are revoked.");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
