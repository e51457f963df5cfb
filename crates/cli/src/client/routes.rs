//! `keyward route …`: the platform's routes ("API URLs"), which the gateway enforces.

use super::*;

#[derive(Subcommand)]
pub enum RouteCommand {
    /// Add a route: `keyward route add GET '/contacts/{id}' --permission contacts:read`.
    Add {
        /// GET, POST, … or `*` for any method.
        method: String,
        /// A template: literal segments, `{name}` for one segment, a final `/*` for any rest.
        path: String,
        /// A permission the route requires; repeat, or separate with commas (`--permissions`,
        /// as other commands spell it, works too).
        #[arg(long = "permission", visible_alias = "permissions", value_delimiter = ',')]
        permissions: Vec<String>,
        /// The integration (name or id) requests on this route come through.
        #[arg(long)]
        integration: Option<String>,
        /// What the route is, shown on the dashboard's API URLs page.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List the routes, most specific first within each path.
    List,
    /// Remove a route, by id or by its method and path.
    Remove {
        /// The route's id, or its method followed by its path.
        #[arg(required = true, num_args = 1..=2)]
        route: Vec<String>,
    },
}

const COLUMNS: &[&str] = &[
    "id",
    "method",
    "path",
    "permissions",
    "integration_id",
    "description",
];

pub async fn route(api: Api, c: RouteCommand) -> anyhow::Result<ExitCode> {
    match c {
        RouteCommand::Add {
            method,
            path,
            permissions,
            integration,
            description,
        } => {
            let integration_id = resolve_opt(integration, async |k| integration_id(&api, &k).await).await?;
            let permissions = permissions
                .into_iter()
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect();
            let body = CreateRoute {
                method,
                path,
                permissions,
                integration_id,
                description,
            };
            api.print(&api.routes().create(&body).await?, COLUMNS);
        }
        RouteCommand::List => {
            let mut all = all_routes(&api).await?;
            all.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
            api.print(&json!({ "items": all }), COLUMNS);
        }
        RouteCommand::Remove { route } => {
            let id = match route.as_slice() {
                [id] => id.clone(),
                [method, path] => {
                    let all = all_routes(&api).await?;
                    let found = all
                        .iter()
                        .find(|r| r.method.eq_ignore_ascii_case(method) && r.path == *path);
                    match found {
                        Some(r) => r.id.to_string(),
                        None => bail!("no route {method} {path}"),
                    }
                }
                _ => bail!("name a route by its id, or by its method and path"),
            };
            api.routes().delete(&id).await?;
            println!("removed route {id}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn all_routes(api: &Api) -> anyhow::Result<Vec<RouteView>> {
    Ok(collect_all(|c| async move { api.routes().list(&page(c)).await }).await?)
}
