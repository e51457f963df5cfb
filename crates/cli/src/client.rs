//! Commands that talk to a running keyward over its management API.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use crate::ClientArgs;

/// Exit code when verify answers anything but VALID.
const NOT_VALID: u8 = 3;

struct Api {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    json: bool,
}

impl Api {
    fn new(c: &ClientArgs) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .user_agent(concat!("keyward-cli/", env!("CARGO_PKG_VERSION")))
                .build()?,
            base: c.url.trim_end_matches('/').to_owned(),
            token: c.token.clone(),
            json: c.json,
        })
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req
            .send()
            .await
            .with_context(|| format!("cannot reach keyward at {}", self.base))?;
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        if !status.is_success() {
            let problem: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let detail = problem["detail"].as_str().unwrap_or(text.as_str());
            let code = problem["code"].as_str().unwrap_or("error");
            bail!("{detail} ({code}, HTTP {})", status.as_u16());
        }
        if text.is_empty() {
            Ok(Value::Null)
        } else {
            serde_json::from_str(&text).context("keyward answered something that is not JSON")
        }
    }

    fn print(&self, v: &Value, columns: &[&str]) {
        if self.json {
            println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
            return;
        }
        let rows: Vec<&Value> = match v.get("items").and_then(Value::as_array) {
            Some(items) => items.iter().collect(),
            None => vec![v],
        };
        print_table(&rows, columns);
        if let Some(c) = v.get("next_cursor").and_then(Value::as_str) {
            println!("(more: --cursor {c})");
        }
    }
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) if a.is_empty() => "-".into(),
        Value::Array(a) => a.iter().map(cell).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

fn print_table(rows: &[&Value], columns: &[&str]) {
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| columns.iter().map(|c| cell(&r[*c])).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            table
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
                .max(c.len())
        })
        .collect();
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{s:<w$}", w = widths[i]))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    println!("{}", line(columns.iter().map(|c| c.to_uppercase()).collect()));
    for r in table {
        println!("{}", line(r));
    }
}

fn split_list(s: &Option<String>) -> Option<Vec<String>> {
    s.as_ref().map(|s| {
        s.split(',')
            .map(|x| x.trim().to_owned())
            .filter(|x| !x.is_empty())
            .collect()
    })
}

fn path_segment(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._~".contains(c) {
                c.to_string()
            } else {
                format!("%{:02X}", c as u32)
            }
        })
        .collect()
}

pub async fn login(c: ClientArgs, email: String) -> anyhow::Result<ExitCode> {
    let password = match std::env::var("KEYWARD_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("Password (one line on standard input):");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let api = Api::new(&c)?;
    let v = api
        .call(
            Method::POST,
            "/v1/auth/login",
            Some(json!({"email": email, "password": password})),
        )
        .await?;
    if c.json {
        println!("{v}");
    } else {
        println!("{}", v["token"].as_str().unwrap_or_default());
        eprintln!(
            "Session expires at {}. Use it with: export KEYWARD_TOKEN=<the line above>",
            cell(&v["expires_at"])
        );
    }
    Ok(ExitCode::SUCCESS)
}

const USER_COLUMNS: &[&str] = &[
    "id",
    "username",
    "name",
    "status",
    "environment",
    "token_count",
    "expiry_status",
];
const TOKEN_COLUMNS: &[&str] = &[
    "id",
    "name",
    "hint",
    "status",
    "expiry_status",
    "expires_at",
    "last_used_at",
    "last_used_ip",
];

/// An expiry as people choose it: a preset number of days, a date, or none.
#[derive(Clone, Debug, PartialEq)]
pub enum Expiry {
    Days(i64),
    At(String),
    Never,
}

/// The presets the seeds offer; other day counts are refused so that a typo does not make a
/// token live for 3 650 days.
const EXPIRY_PRESETS: [i64; 6] = [7, 30, 60, 90, 180, 365];

pub fn parse_expiry(s: &str) -> Result<Expiry, String> {
    let t = s.trim().to_lowercase();
    if t == "never" || t == "none" {
        return Ok(Expiry::Never);
    }
    let days = t.strip_suffix('d').unwrap_or(&t);
    if let Ok(n) = days.parse::<i64>() {
        return if EXPIRY_PRESETS.contains(&n) {
            Ok(Expiry::Days(n))
        } else {
            Err(format!(
                "{n} days is not a preset; choose 7, 30, 60, 90, 180 or 365, a date, or never"
            ))
        };
    }
    let date = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = time::Date::parse(&t, &date) {
        return Ok(Expiry::At(format!("{d}T00:00:00Z")));
    }
    if time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339).is_ok() {
        return Ok(Expiry::At(s.trim().to_owned()));
    }
    Err(
        "expected 7, 30, 60, 90, 180 or 365 (days), a date such as 2027-03-31, an RFC 3339 time, or never"
            .into(),
    )
}

impl Expiry {
    fn apply(&self, body: &mut Value) {
        match self {
            Self::Days(d) => body["expires_in_days"] = (*d).into(),
            Self::At(at) => body["expires_at"] = at.clone().into(),
            Self::Never => {}
        }
    }
}

#[derive(Subcommand)]
pub enum ApiUserCommand {
    /// Create an API user profile.
    Create {
        #[command(flatten)]
        client: ClientArgs,
        username: String,
        #[arg(long)]
        name: Option<String>,
        /// Permission group id.
        #[arg(long)]
        group: Option<String>,
        /// Member id whose group this API user takes.
        #[arg(long)]
        linked_member: Option<String>,
        /// `live` or `sandbox`.
        #[arg(long, default_value = "live")]
        environment: String,
        /// Integration ids, comma-separated.
        #[arg(long)]
        integrations: Option<String>,
        /// Addresses or CIDR ranges, comma-separated.
        #[arg(long)]
        allowed_ips: Option<String>,
        #[arg(long)]
        expires_in_days: Option<i64>,
        /// 7, 30, 60, 90, 180 or 365 (days), a date (2027-03-31 or RFC 3339), or `never`.
        #[arg(long, value_parser = parse_expiry, conflicts_with = "expires_in_days")]
        expires: Option<Expiry>,
        #[arg(long)]
        contact_email: Option<String>,
        #[arg(long)]
        external_id: Option<String>,
    },
    /// List API users.
    List {
        #[command(flatten)]
        client: ClientArgs,
        #[arg(long)]
        search: Option<String>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Show one API user (id or username).
    Show {
        #[command(flatten)]
        client: ClientArgs,
        id: String,
    },
    /// Suspend an API user: all its tokens stop working until resumed.
    Suspend {
        #[command(flatten)]
        client: ClientArgs,
        id: String,
    },
    /// Resume a suspended API user.
    Resume {
        #[command(flatten)]
        client: ClientArgs,
        id: String,
    },
    /// Delete an API user and revoke all its tokens. Needs --yes.
    Delete {
        #[command(flatten)]
        client: ClientArgs,
        id: String,
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
        } => {
            let api = Api::new(&client)?;
            let mut body = json!({"username": username, "environment": environment});
            let fields = [
                ("name", name.map(Value::from)),
                ("permission_group_id", group.map(Value::from)),
                ("linked_member_id", linked_member.map(Value::from)),
                ("integration_ids", split_list(&integrations).map(Value::from)),
                ("allowed_ips", split_list(&allowed_ips).map(Value::from)),
                ("expires_in_days", expires_in_days.map(Value::from)),
                ("contact_email", contact_email.map(Value::from)),
                ("external_id", external_id.map(Value::from)),
            ];
            for (k, v) in fields {
                if let Some(v) = v {
                    body[k] = v;
                }
            }
            if let Some(e) = expires {
                e.apply(&mut body);
            }
            let v = api.call(Method::POST, "/v1/api-users", Some(body)).await?;
            api.print(&v, USER_COLUMNS);
        }
        ApiUserCommand::List {
            client,
            search,
            status,
            cursor,
        } => {
            let api = Api::new(&client)?;
            let mut q = vec![];
            for (k, v) in [("search", search), ("status", status), ("cursor", cursor)] {
                if let Some(v) = v {
                    q.push(format!("{k}={}", path_segment(&v)));
                }
            }
            let v = api
                .call(Method::GET, &format!("/v1/api-users?{}", q.join("&")), None)
                .await?;
            api.print(&v, USER_COLUMNS);
        }
        ApiUserCommand::Show { client, id } => {
            let api = Api::new(&client)?;
            let v = api
                .call(Method::GET, &format!("/v1/api-users/{}", path_segment(&id)), None)
                .await?;
            api.print(&v, USER_COLUMNS);
        }
        ApiUserCommand::Suspend { client, id } => {
            let api = Api::new(&client)?;
            let v = api
                .call(
                    Method::POST,
                    &format!("/v1/api-users/{}/suspend", path_segment(&id)),
                    None,
                )
                .await?;
            api.print(&v, USER_COLUMNS);
        }
        ApiUserCommand::Resume { client, id } => {
            let api = Api::new(&client)?;
            let v = api
                .call(
                    Method::POST,
                    &format!("/v1/api-users/{}/resume", path_segment(&id)),
                    None,
                )
                .await?;
            api.print(&v, USER_COLUMNS);
        }
        ApiUserCommand::Delete { client, id, yes } => {
            if !yes {
                bail!("deleting an API user revokes all its tokens forever; add --yes to confirm");
            }
            let api = Api::new(&client)?;
            api.call(
                Method::DELETE,
                &format!("/v1/api-users/{}", path_segment(&id)),
                None,
            )
            .await?;
            if !client.json {
                println!("Deleted API user {id}; its tokens are revoked.");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token; its secret is printed once.
    Create {
        #[command(flatten)]
        client: ClientArgs,
        /// API user id or username.
        #[arg(long)]
        api_user: String,
        #[arg(long)]
        name: String,
        /// 7, 30, 60, 90, 180 or 365 (days), a date (2027-03-31 or RFC 3339), or `never`.
        #[arg(long, value_parser = parse_expiry, conflicts_with = "expires_in_days")]
        expires: Option<Expiry>,
        #[arg(long)]
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
        #[arg(long)]
        api_user: Option<String>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        expiring_within_days: Option<i64>,
        #[arg(long)]
        unused_for_days: Option<i64>,
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Revoke a token forever.
    Revoke {
        #[command(flatten)]
        client: ClientArgs,
        id: String,
    },
    /// Suspend a token.
    Suspend {
        #[command(flatten)]
        client: ClientArgs,
        id: String,
    },
    /// Resume a suspended token.
    Resume {
        #[command(flatten)]
        client: ClientArgs,
        id: String,
    },
    /// Rotate a token: a new secret with the same name and rights, printed once; the old one
    /// keeps working for the grace period.
    Rotate {
        #[command(flatten)]
        client: ClientArgs,
        id: String,
        /// How long the old token keeps working, in seconds.
        #[arg(long, default_value_t = 0)]
        grace_period: i64,
        /// The new token's expiry (see `create`); default: the old token's lifetime, from now.
        #[arg(long, value_parser = parse_expiry)]
        expires: Option<Expiry>,
    },
    /// Revoke every token of an API user (--api-user) or of the organization (--all). Needs --yes.
    RevokeAll {
        #[command(flatten)]
        client: ClientArgs,
        #[arg(long, conflicts_with = "all", required_unless_present = "all")]
        api_user: Option<String>,
        #[arg(long)]
        all: bool,
        #[arg(long)]
        yes: bool,
    },
}

pub async fn token(c: TokenCommand) -> anyhow::Result<ExitCode> {
    match c {
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
            let path = match api_user {
                Some(u) => format!("/v1/api-users/{}/tokens?{}", path_segment(&u), q.join("&")),
                None => format!("/v1/tokens?{}", q.join("&")),
            };
            let v = api.call(Method::GET, &path, None).await?;
            api.print(&v, TOKEN_COLUMNS);
        }
        TokenCommand::Rotate {
            client,
            id,
            grace_period,
            expires,
        } => {
            let api = Api::new(&client)?;
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
        TokenCommand::Revoke { client, id } => {
            let api = Api::new(&client)?;
            api.call(Method::DELETE, &format!("/v1/tokens/{}", path_segment(&id)), None)
                .await?;
            if !client.json {
                println!("Revoked token {id}.");
            }
        }
        TokenCommand::Suspend { client, id } => {
            let api = Api::new(&client)?;
            let v = api
                .call(
                    Method::POST,
                    &format!("/v1/tokens/{}/suspend", path_segment(&id)),
                    None,
                )
                .await?;
            api.print(&v, TOKEN_COLUMNS);
        }
        TokenCommand::Resume { client, id } => {
            let api = Api::new(&client)?;
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

#[derive(Subcommand)]
pub enum GroupCommand {
    /// Create a permission group.
    Create {
        #[command(flatten)]
        client: ClientArgs,
        name: String,
        /// Permissions, comma-separated, such as contacts:read,orders:* or keyward:verify.
        #[arg(long)]
        permissions: String,
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
        name: String,
        #[arg(long = "type", default_value = "")]
        kind: String,
        #[arg(long)]
        allowed_ips: Option<String>,
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

#[derive(Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// The token to check; `-` reads it from standard input (keeps it out of shell history).
    #[arg(value_name = "TOKEN")]
    presented: String,
    #[arg(long)]
    ip: Option<String>,
    /// Permissions the call needs, comma-separated.
    #[arg(long)]
    permissions: Option<String>,
    /// Integration id or name.
    #[arg(long)]
    integration: Option<String>,
}

pub async fn verify(a: VerifyArgs) -> anyhow::Result<ExitCode> {
    let presented = if a.presented == "-" {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim().to_owned()
    } else {
        a.presented.clone()
    };
    let api = Api::new(&a.client)?;
    let mut body = json!({"token": presented});
    if let Some(ip) = a.ip {
        body["ip"] = ip.into();
    }
    if let Some(p) = split_list(&a.permissions) {
        body["permissions"] = p.into();
    }
    if let Some(i) = a.integration {
        body["integration"] = i.into();
    }
    let v = api.call(Method::POST, "/v1/verify", Some(body)).await?;
    if a.client.json {
        println!("{v}");
    } else {
        let who = v["api_user"]["username"]
            .as_str()
            .map(|u| format!(" (API user {u})"))
            .unwrap_or_default();
        println!(
            "{}{who}: {}",
            v["code"].as_str().unwrap_or("?"),
            v["message"].as_str().unwrap_or("")
        );
    }
    Ok(if v["valid"] == Value::Bool(true) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(NOT_VALID)
    })
}
