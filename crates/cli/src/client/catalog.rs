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
    }
    Ok(ExitCode::SUCCESS)
}
