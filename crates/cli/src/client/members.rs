//! `keyward member …` and `keyward audit list`: the people of the organization and what they
//! did.

use super::*;

const MEMBER_COLUMNS: &[&str] = &["id", "email", "name", "role", "totp"];

#[derive(Subcommand)]
pub enum MemberCommand {
    /// Add a member; the password comes from KEYWARD_MEMBER_PASSWORD or standard input.
    Add {
        #[command(flatten)]
        client: ClientArgs,
        /// Their email, unique in the organization.
        #[arg(long)]
        email: String,
        /// Their name.
        #[arg(long)]
        name: String,
        /// super_admin, admin or auditor.
        #[arg(long)]
        role: String,
        /// The permission group an API user linked to them inherits, by name or id.
        #[arg(long)]
        group: Option<String>,
    },
    /// List members.
    List {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Change a member's name, email, role or group.
    Update {
        #[command(flatten)]
        client: ClientArgs,
        /// The member, by email or id.
        member: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// A new email.
        #[arg(long)]
        email: Option<String>,
        /// super_admin, admin or auditor.
        #[arg(long)]
        role: Option<String>,
        /// A permission group by name or id; `none` removes it.
        #[arg(long)]
        group: Option<String>,
    },
    /// Remove a member; their sessions end at once.
    Remove {
        #[command(flatten)]
        client: ClientArgs,
        /// The member, by email or id.
        member: String,
    },
}

/// A member by email, name or id.
pub(super) async fn member_id(api: &Api, key: &str) -> anyhow::Result<String> {
    resolve_id(api, "/v1/members", "member", &["email", "name"], key).await
}

pub async fn member(c: MemberCommand) -> anyhow::Result<ExitCode> {
    match c {
        MemberCommand::Add {
            client,
            email,
            name,
            role,
            group,
        } => {
            let api = Api::new(&client)?;
            let mut body = json!({"email": email, "name": name, "role": role, "password": password_from("KEYWARD_MEMBER_PASSWORD", "Password for the new member")?});
            if let Some(g) = group {
                body["permission_group_id"] = group_id(&api, &g).await?.into();
            }
            let v = api.call(Method::POST, "/v1/members", Some(body)).await?;
            api.print(&v, MEMBER_COLUMNS);
        }
        MemberCommand::List { client } => {
            let api = Api::new(&client)?;
            let v = api.call(Method::GET, "/v1/members", None).await?;
            api.print(&v, MEMBER_COLUMNS);
        }
        MemberCommand::Update {
            client,
            member,
            name,
            email,
            role,
            group,
        } => {
            let api = Api::new(&client)?;
            let id = member_id(&api, &member).await?;
            let mut body = json!({});
            set(&mut body, "name", name.map(Value::from));
            set(&mut body, "email", email.map(Value::from));
            set(&mut body, "role", role.map(Value::from));
            match group.as_deref() {
                Some("none") => body["permission_group_id"] = Value::Null,
                Some(g) => body["permission_group_id"] = group_id(&api, g).await?.into(),
                None => {}
            }
            api.patch("/v1/members", &id, body, MEMBER_COLUMNS).await?;
        }
        MemberCommand::Remove { client, member } => {
            let api = Api::new(&client)?;
            let id = member_id(&api, &member).await?;
            api.delete("/v1/members", &id, &format!("Member {member} removed."))
                .await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `keyward audit list`: the API's filters, names accepted where it takes ids.
#[derive(Args)]
pub struct AuditListArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// Who acted: a member's email, an API user's username, or an id.
    #[arg(long)]
    actor: Option<String>,
    /// An action such as token.create, or a prefix such as token.
    #[arg(long)]
    action: Option<String>,
    /// What was acted on: an API user's username, a member's email, or an id.
    #[arg(long)]
    target: Option<String>,
    /// From this time (RFC 3339, or a date such as 2027-01-31), inclusive.
    #[arg(long)]
    since: Option<String>,
    /// Until this time (RFC 3339, or a date), exclusive.
    #[arg(long)]
    until: Option<String>,
    /// At most this many events (newest first).
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// `next_cursor` of a previous page (printed after a full page).
    #[arg(long)]
    cursor: Option<String>,
}

/// A member's email, an API user's username, or an id, as the id the audit API filters on.
async fn party_id(api: &Api, key: &str) -> anyhow::Result<String> {
    let key = key.trim();
    if uuid::Uuid::parse_str(key).is_ok() {
        return Ok(key.to_owned());
    }
    if key.contains('@') {
        return member_id(api, key).await;
    }
    let user = api
        .call(Method::GET, &format!("/v1/api-users/{}", path_segment(key)), None)
        .await
        .with_context(|| format!("no API user or member named {key}"))?;
    Ok(cell(&user["id"]))
}

/// A date as the start of that day (UTC); anything else is passed on for the server to judge.
fn time_param(t: &str) -> String {
    let date = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(t.trim(), &date) {
        Ok(d) => format!("{d}T00:00:00Z"),
        Err(_) => t.trim().to_owned(),
    }
}

pub async fn audit_list(a: AuditListArgs) -> anyhow::Result<ExitCode> {
    const COLUMNS: &[&str] = &[
        "at",
        "actor_label",
        "action",
        "target_type",
        "target_id",
        "outcome",
    ];
    let api = Api::new(&a.client)?;
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("limit", &a.limit.to_string());
    if let Some(actor) = &a.actor {
        query.append_pair("actor_id", &party_id(&api, actor).await?);
    }
    if let Some(target) = &a.target {
        query.append_pair("target_id", &party_id(&api, target).await?);
    }
    for (k, v) in [("action", &a.action), ("cursor", &a.cursor)] {
        if let Some(v) = v {
            query.append_pair(k, v);
        }
    }
    for (k, v) in [("since", &a.since), ("until", &a.until)] {
        if let Some(v) = v {
            query.append_pair(k, &time_param(v));
        }
    }
    let v = api
        .call(Method::GET, &format!("/v1/audit-events?{}", query.finish()), None)
        .await?;
    api.print(&v, COLUMNS);
    Ok(ExitCode::SUCCESS)
}
