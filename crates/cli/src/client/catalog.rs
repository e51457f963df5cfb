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
    let verb = match c {
        GroupCommand::Create {
            name,
            permissions,
            description,
        } => Verb::Create(CreateGroup {
            name,
            description,
            permissions: split_list(&Some(permissions)).unwrap_or_default(),
        }),
        GroupCommand::List => Verb::List,
        GroupCommand::Update {
            group,
            name,
            permissions,
            description,
        } => Verb::Update(
            group_id(&api, &group).await?,
            UpdateGroup {
                name,
                description,
                permissions: split_list(&permissions),
            },
        ),
        GroupCommand::Delete { group } => Verb::Delete(
            group_id(&api, &group).await?,
            format!("Permission group {group} deleted."),
        ),
    };
    verb.send(&api, api.groups(), COLUMNS).await
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
    let verb = match c {
        IntegrationCommand::Create {
            name,
            kind,
            allowed_ips,
            public_url,
        } => Verb::Create(CreateIntegration {
            name,
            kind,
            allowed_ips: split_list(&allowed_ips).unwrap_or_default(),
            public_url,
            ..CreateIntegration::default()
        }),
        IntegrationCommand::List => Verb::List,
        IntegrationCommand::Update {
            integration,
            name,
            kind,
            status,
            allowed_ips,
            public_url,
        } => Verb::Update(
            integration_id(&api, &integration).await?,
            UpdateIntegration {
                name,
                kind,
                status,
                allowed_ips: split_list(&allowed_ips),
                public_url: public_url.map(Some),
            },
        ),
        IntegrationCommand::Delete { integration } => Verb::Delete(
            integration_id(&api, &integration).await?,
            format!("Integration {integration} deleted."),
        ),
    };
    verb.send(&api, api.integrations(), COLUMNS).await
}

/// What a command on a collection (groups, integrations, members) does once its arguments are
/// read: the one request it sends.
pub(super) enum Verb<Create, Update> {
    Create(Create),
    List,
    /// The item's id, and the change.
    Update(String, Update),
    /// The item's id, and what to say once it is gone.
    Delete(String, String),
}

impl<Create: Serialize, Update: Serialize> Verb<Create, Update> {
    /// Sends it to `collection` and prints the answer in `columns`.
    pub(super) async fn send<View>(
        self,
        api: &Api,
        collection: Collection<'_, View, Create, Update>,
        columns: &[&str],
    ) -> anyhow::Result<ExitCode>
    where
        View: serde::de::DeserializeOwned + utoipa::ToSchema + Serialize,
    {
        match self {
            Verb::Create(body) => api.print(&collection.create(&body).await?, columns),
            Verb::List => api.print(&collection.list(&PageQuery::default()).await?, columns),
            Verb::Update(id, change) => api.print(&collection.update(&id, &change).await?, columns),
            Verb::Delete(id, said) => {
                collection.delete(&id).await?;
                api.done(&said);
            }
        }
        Ok(ExitCode::SUCCESS)
    }
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
