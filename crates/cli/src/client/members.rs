//! `keyward member …` and `keyward audit list`: the people of the organization and what they
//! did.

use super::*;

const MEMBER_COLUMNS: &[&str] = &["id", "email", "name", "role", "totp"];

#[derive(Subcommand)]
pub enum MemberCommand {
    /// Add a member; the password comes from KEYWARD_MEMBER_PASSWORD or standard input.
    Add {
        /// Their email, unique in the organization.
        #[arg(long)]
        email: String,
        /// Their name.
        #[arg(long)]
        name: String,
        /// super_admin, admin or auditor.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The permission group an API user linked to them inherits, by name or id.
        #[arg(long)]
        group: Option<String>,
    },
    /// List members.
    List,
    /// Change a member's name, email, role or group.
    Update {
        /// The member, by email or id.
        member: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// A new email.
        #[arg(long)]
        email: Option<String>,
        /// super_admin, admin or auditor.
        #[arg(long, value_parser = parse_role)]
        role: Option<Role>,
        /// A permission group by name or id; `none` removes it.
        #[arg(long)]
        group: Option<String>,
    },
    /// Remove a member; their sessions end at once.
    Remove {
        /// The member, by email or id.
        member: String,
    },
}

/// A member by email, name or id.
pub(super) async fn member_id(api: &Api, key: &str) -> anyhow::Result<String> {
    let all = || collect_all(|c| async move { api.members().list(&page(c)).await });
    let names = |m: &MemberView| vec![m.email.clone(), m.name.clone()];
    resolve("member", key, all, names, |m| m.id).await
}

pub async fn member(api: Api, c: MemberCommand) -> anyhow::Result<ExitCode> {
    let verb = match c {
        MemberCommand::Add {
            email,
            name,
            role,
            group,
        } => {
            let password = password_from("KEYWARD_MEMBER_PASSWORD", "Password for the new member")?;
            let permission_group_id = resolve_opt(group, async |k| group_id(&api, &k).await).await?;
            Verb::Create(CreateMember {
                email,
                name,
                role,
                password,
                permission_group_id,
            })
        }
        MemberCommand::List => Verb::List,
        MemberCommand::Update {
            member,
            name,
            email,
            role,
            group,
        } => {
            let id = member_id(&api, &member).await?;
            let permission_group_id = match group.as_deref() {
                Some("none") => Some(None),
                Some(g) => Some(Some(group_id(&api, g).await?.parse()?)),
                None => None,
            };
            let change = UpdateMember {
                name,
                email,
                role,
                password: None,
                permission_group_id,
            };
            Verb::Update(id, change)
        }
        MemberCommand::Remove { member } => {
            let id = member_id(&api, &member).await?;
            Verb::Delete(id, format!("Member {member} removed."))
        }
    };
    verb.send(&api, api.members(), MEMBER_COLUMNS).await
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
async fn party_id(api: &Api, key: &str) -> anyhow::Result<uuid::Uuid> {
    let key = key.trim();
    if let Ok(id) = uuid::Uuid::parse_str(key) {
        return Ok(id);
    }
    if key.contains('@') {
        return Ok(member_id(api, key).await?.parse()?);
    }
    match api.api_users().get(key).await {
        Ok(user) => Ok(user.id),
        Err(e) => Err(anyhow::Error::new(e).context(format!("no API user or member named {key}"))),
    }
}

/// A date (midnight UTC) or an RFC 3339 time.
fn time_param(flag: &str, t: &str) -> anyhow::Result<time::OffsetDateTime> {
    let date = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = time::Date::parse(t.trim(), &date) {
        return Ok(d.midnight().assume_utc());
    }
    time::OffsetDateTime::parse(t.trim(), &time::format_description::well_known::Rfc3339)
        .map_err(|_| anyhow::anyhow!("--{flag}: expected a date such as 2027-03-31 or an RFC 3339 time"))
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
    let query = AuditQuery {
        limit: Some(a.limit),
        cursor: a.cursor,
        actor_id: match &a.actor {
            Some(actor) => Some(party_id(&api, actor).await?),
            None => None,
        },
        action: a.action,
        target_id: match &a.target {
            Some(target) => Some(party_id(&api, target).await?),
            None => None,
        },
        since: a.since.as_deref().map(|t| time_param("since", t)).transpose()?,
        until: a.until.as_deref().map(|t| time_param("until", t)).transpose()?,
    };
    api.print(&api.list_audit_events(&query).await?, COLUMNS);
    Ok(ExitCode::SUCCESS)
}
