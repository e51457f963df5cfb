//! `keyward group …` and `keyward integration …`.

use super::*;

#[derive(Subcommand)]
pub enum GroupCommand {
    /// Create a permission group.
    Create {
        /// A name unique in the organization.
        name: String,
        /// Permissions, comma-separated, such as contacts:read,orders:* or keyward:verify.
        #[arg(long)]
        permissions: String,
        /// What it is for.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List permission groups.
    List,
    /// Change a permission group: its tokens hold the new permissions at once.
    Update {
        /// The group, by name or id.
        group: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// The new permissions, comma-separated (replacing the old ones).
        #[arg(long)]
        permissions: Option<String>,
        /// A new description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Delete a permission group no API user or member uses.
    Delete {
        /// The group, by name or id.
        group: String,
    },
}

pub async fn group(api: Api, c: GroupCommand) -> anyhow::Result<ExitCode> {
    const COLUMNS: &[&str] = &["id", "name", "permissions", "description"];
    match c {
        GroupCommand::Create {
            name,
            permissions,
            description,
        } => {
            let body = CreateGroup {
                name,
                description,
                permissions: split_list(&Some(permissions)).unwrap_or_default(),
            };
            api.print(&api.groups().create(&body).await?, COLUMNS);
        }
        GroupCommand::List => {
            api.print(&api.groups().list(&PageQuery::default()).await?, COLUMNS);
        }
        GroupCommand::Update {
            group,
            name,
            permissions,
            description,
        } => {
            let id = group_id(&api, &group).await?;
            let body = UpdateGroup {
                name,
                description,
                permissions: split_list(&permissions),
            };
            api.print(&api.groups().update(&id, &body).await?, COLUMNS);
        }
        GroupCommand::Delete { group } => {
            let id = group_id(&api, &group).await?;
            api.groups().delete(&id).await?;
            api.done(&format!("Permission group {group} deleted."));
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub enum IntegrationCommand {
    /// Create an integration.
    Create {
        /// A name unique in the organization.
        name: String,
        /// What kind of connection, such as crm or webhook.
        #[arg(long = "type", default_value = "")]
        kind: String,
        /// Addresses or CIDR ranges it may be used from, comma-separated (none: any).
        #[arg(long)]
        allowed_ips: Option<String>,
        /// Its public URL, used in links.
        #[arg(long)]
        public_url: Option<String>,
    },
    /// List integrations.
    List,
    /// Change an integration; `--status inactive` refuses every token used through it.
    Update {
        /// The integration, by name or id.
        integration: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// A new kind of connection.
        #[arg(long = "type")]
        kind: Option<String>,
        /// active or inactive.
        #[arg(long, value_parser = parse_integration_status)]
        status: Option<IntegrationStatus>,
        /// Addresses or CIDR ranges, comma-separated (replacing the old ones; empty: any).
        #[arg(long)]
        allowed_ips: Option<String>,
        /// Its public URL.
        #[arg(long)]
        public_url: Option<String>,
    },
    /// Delete an integration no API user, token or route uses.
    Delete {
        /// The integration, by name or id.
        integration: String,
    },
}

pub async fn integration(api: Api, c: IntegrationCommand) -> anyhow::Result<ExitCode> {
    const COLUMNS: &[&str] = &["id", "name", "type", "status", "allowed_ips"];
    match c {
        IntegrationCommand::Create {
            name,
            kind,
            allowed_ips,
            public_url,
        } => {
            let body = CreateIntegration {
                name,
                kind,
                allowed_ips: split_list(&allowed_ips).unwrap_or_default(),
                public_url,
                ..CreateIntegration::default()
            };
            api.print(&api.integrations().create(&body).await?, COLUMNS);
        }
        IntegrationCommand::List => {
            api.print(&api.integrations().list(&PageQuery::default()).await?, COLUMNS);
        }
        IntegrationCommand::Update {
            integration,
            name,
            kind,
            status,
            allowed_ips,
            public_url,
        } => {
            let id = integration_id(&api, &integration).await?;
            let body = UpdateIntegration {
                name,
                kind,
                status,
                allowed_ips: split_list(&allowed_ips),
                public_url: public_url.map(Some),
            };
            api.print(&api.integrations().update(&id, &body).await?, COLUMNS);
        }
        IntegrationCommand::Delete { integration } => {
            let id = integration_id(&api, &integration).await?;
            api.integrations().delete(&id).await?;
            api.done(&format!("Integration {integration} deleted."));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn group_id(api: &Api, key: &str) -> anyhow::Result<String> {
    let all = || collect_all(|c| async move { api.groups().list(&page(c)).await });
    resolve(
        "permission group",
        key,
        all,
        |g: &GroupView| vec![g.name.clone()],
        |g| g.id,
    )
    .await
}

pub(super) async fn integration_id(api: &Api, key: &str) -> anyhow::Result<String> {
    let all = || collect_all(|c| async move { api.integrations().list(&page(c)).await });
    resolve(
        "integration",
        key,
        all,
        |i: &IntegrationView| vec![i.name.clone()],
        |i| i.id,
    )
    .await
}
