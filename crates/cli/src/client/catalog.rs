//! `keyward group …` and `keyward integration …`.

use super::*;

#[derive(Subcommand)]
pub enum GroupCommand {
    /// Create a permission group.
    Create {
        #[command(flatten)]
        client: ClientArgs,
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
    List {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Change a permission group: its tokens hold the new permissions at once.
    Update {
        #[command(flatten)]
        client: ClientArgs,
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
        #[command(flatten)]
        client: ClientArgs,
        /// The group, by name or id.
        group: String,
    },
}

pub async fn group(c: GroupCommand) -> anyhow::Result<ExitCode> {
    const COLUMNS: &[&str] = &["id", "name", "permissions", "description"];
    match c {
        GroupCommand::Create {
            client,
            name,
            permissions,
            description,
        } => {
            let api = Api::new(&client)?;
            let body = json!({"name": name, "description": description, "permissions": split_list(&Some(permissions))});
            let v = api
                .call(Method::POST, "/v1/permission-groups", Some(body))
                .await?;
            api.print(&v, COLUMNS);
        }
        GroupCommand::List { client } => {
            let api = Api::new(&client)?;
            let v = api.call(Method::GET, "/v1/permission-groups", None).await?;
            api.print(&v, COLUMNS);
        }
        GroupCommand::Update {
            client,
            group,
            name,
            permissions,
            description,
        } => {
            let api = Api::new(&client)?;
            let id = group_id(&api, &group).await?;
            let mut body = json!({});
            set(&mut body, "name", name.map(Value::from));
            set(&mut body, "description", description.map(Value::from));
            set(
                &mut body,
                "permissions",
                split_list(&permissions).map(Value::from),
            );
            api.patch("/v1/permission-groups", &id, body, COLUMNS).await?;
        }
        GroupCommand::Delete { client, group } => {
            let api = Api::new(&client)?;
            let id = group_id(&api, &group).await?;
            api.delete(
                "/v1/permission-groups",
                &id,
                &format!("Permission group {group} deleted."),
            )
            .await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub enum IntegrationCommand {
    /// Create an integration.
    Create {
        #[command(flatten)]
        client: ClientArgs,
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
    List {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Change an integration; `--status inactive` refuses every token used through it.
    Update {
        #[command(flatten)]
        client: ClientArgs,
        /// The integration, by name or id.
        integration: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// A new kind of connection.
        #[arg(long = "type")]
        kind: Option<String>,
        /// active or inactive.
        #[arg(long)]
        status: Option<String>,
        /// Addresses or CIDR ranges, comma-separated (replacing the old ones; empty: any).
        #[arg(long)]
        allowed_ips: Option<String>,
        /// Its public URL.
        #[arg(long)]
        public_url: Option<String>,
    },
    /// Delete an integration no API user, token or route uses.
    Delete {
        #[command(flatten)]
        client: ClientArgs,
        /// The integration, by name or id.
        integration: String,
    },
}

pub async fn integration(c: IntegrationCommand) -> anyhow::Result<ExitCode> {
    const COLUMNS: &[&str] = &["id", "name", "type", "status", "allowed_ips"];
    match c {
        IntegrationCommand::Create {
            client,
            name,
            kind,
            allowed_ips,
            public_url,
        } => {
            let api = Api::new(&client)?;
            let mut body = json!({"name": name, "type": kind, "allowed_ips": split_list(&allowed_ips).unwrap_or_default()});
            if let Some(u) = public_url {
                body["public_url"] = u.into();
            }
            let v = api.call(Method::POST, "/v1/integrations", Some(body)).await?;
            api.print(&v, COLUMNS);
        }
        IntegrationCommand::List { client } => {
            let api = Api::new(&client)?;
            let v = api.call(Method::GET, "/v1/integrations", None).await?;
            api.print(&v, COLUMNS);
        }
        IntegrationCommand::Update {
            client,
            integration,
            name,
            kind,
            status,
            allowed_ips,
            public_url,
        } => {
            let api = Api::new(&client)?;
            let id = integration_id(&api, &integration).await?;
            let mut body = json!({});
            set(&mut body, "name", name.map(Value::from));
            set(&mut body, "type", kind.map(Value::from));
            set(&mut body, "status", status.map(Value::from));
            set(
                &mut body,
                "allowed_ips",
                split_list(&allowed_ips).map(Value::from),
            );
            set(&mut body, "public_url", public_url.map(Value::from));
            api.patch("/v1/integrations", &id, body, COLUMNS).await?;
        }
        IntegrationCommand::Delete { client, integration } => {
            let api = Api::new(&client)?;
            let id = integration_id(&api, &integration).await?;
            api.delete(
                "/v1/integrations",
                &id,
                &format!("Integration {integration} deleted."),
            )
            .await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A permission group by name or id.
pub(super) async fn group_id(api: &Api, key: &str) -> anyhow::Result<String> {
    resolve_id(api, "/v1/permission-groups", "permission group", &["name"], key).await
}

/// An integration by name or id.
pub(super) async fn integration_id(api: &Api, key: &str) -> anyhow::Result<String> {
    resolve_id(api, "/v1/integrations", "integration", &["name"], key).await
}
