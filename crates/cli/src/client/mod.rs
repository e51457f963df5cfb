//! Commands that talk to a running keyward over its management API.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use keyward_client::api::*;
use keyward_client::{Client, Collection, collect_all};
use keyward_core::{Environment, IntegrationStatus, Role};
use serde::Serialize;
use serde_json::{Value, json};

use crate::ClientArgs;

mod api_users;
mod catalog;
mod limits;
mod members;
mod routes;
mod token_import;
mod tokens;
mod verify;

pub use api_users::*;
pub use catalog::*;
pub use limits::*;
pub use members::*;
pub use routes::*;
pub use token_import::*;
pub use tokens::*;
pub use verify::*;

/// Exit code when verify answers anything but VALID.
const NOT_VALID: u8 = 3;

/// The typed client, and how to print what it answers.
#[derive(Clone)]
pub(crate) struct Api {
    client: Client,
    json: bool,
}

impl std::ops::Deref for Api {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

/// An optional name or id given on the command line, resolved to an id (`--group crm`).
async fn resolve_opt(
    key: Option<String>,
    resolve: impl AsyncFnOnce(String) -> anyhow::Result<String>,
) -> anyhow::Result<Option<uuid::Uuid>> {
    match key {
        Some(k) => Ok(Some(resolve(k).await?.parse()?)),
        None => Ok(None),
    }
}

/// A command group that talks to a running keyward: where it is and who is asking (given
/// before or after the subcommand), then what to do.
#[derive(clap::Args)]
pub struct Remote<C: clap::Subcommand> {
    #[command(flatten)]
    pub client: ClientArgs,
    #[command(subcommand)]
    pub command: C,
}

impl<C: clap::Subcommand> Remote<C> {
    pub fn api(&self) -> anyhow::Result<Api> {
        Api::new(&self.client)
    }
}

impl Api {
    pub(crate) fn new(c: &ClientArgs) -> anyhow::Result<Self> {
        let token = c.token.as_deref().map(credential).transpose()?;
        let user_agent = concat!("keyward-cli/", env!("CARGO_PKG_VERSION"));
        Ok(Self {
            client: Client::with_user_agent(&c.url, token, user_agent)?,
            json: c.json,
        })
    }

    /// A record as a table row, or a list page as a table; with `--json`, the record, or the
    /// page's items as one JSON array (the cursor of a further page goes to stderr).
    fn print(&self, record: &impl Serialize, columns: &[&str]) {
        let v = serde_json::to_value(record).unwrap_or_default();
        let items = v.get("items").and_then(Value::as_array);
        let more = v.get("next_cursor").and_then(Value::as_str);
        if self.json {
            let out = items
                .map(|i| Value::Array(i.clone()))
                .unwrap_or_else(|| v.clone());
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        } else {
            let rows: Vec<&Value> = match items {
                Some(items) => items.iter().collect(),
                None => vec![&v],
            };
            print_table(&rows, columns);
        }
        if let Some(c) = more {
            eprintln!("(more: --cursor {c})");
        }
    }

    /// A record as one line of JSON (`--json` on commands that print a secret).
    fn print_json(&self, record: &impl Serialize) {
        println!("{}", serde_json::to_string(record).unwrap_or_default());
    }

    /// A secret shown once: the whole answer with `--json`; otherwise the secret alone on
    /// standard output, for scripts, and `note` on standard error.
    fn print_secret(&self, answer: &impl Serialize, secret: &str, note: std::fmt::Arguments<'_>) {
        if self.json {
            self.print_json(answer);
        } else {
            println!("{secret}");
            eprintln!("{note}");
        }
    }

    /// What a command that answers nothing did: a sentence, or `{"message": …}` with `--json`.
    fn done(&self, message: &str) {
        if self.json {
            println!("{}", json!({ "message": message }));
        } else {
            println!("{message}");
        }
    }
}

/// One of a closed set of words (an environment, a role, a status), checked before it is sent.
fn choice<T: Copy>(all: &[T], word: fn(T) -> &'static str, s: &str) -> Result<T, String> {
    let s = s.trim();
    all.iter().copied().find(|v| word(*v) == s).ok_or_else(|| {
        let words: Vec<&str> = all.iter().map(|v| word(*v)).collect();
        format!("expected one of: {}", words.join(", "))
    })
}

pub fn parse_environment(s: &str) -> Result<Environment, String> {
    choice(Environment::ALL, Environment::as_str, s)
}

pub fn parse_role(s: &str) -> Result<Role, String> {
    choice(Role::ALL, Role::as_str, s)
}

pub fn parse_integration_status(s: &str) -> Result<IntegrationStatus, String> {
    choice(IntegrationStatus::ALL, IntegrationStatus::as_str, s)
}

/// The first page of a list, or the one `cursor` names, at most 200 items.
pub(super) fn page(cursor: Option<String>) -> PageQuery {
    PageQuery {
        limit: Some(200),
        cursor,
    }
}

/// KEYWARD_TOKEN as pasted or captured: surrounding whitespace (a trailing newline from
/// `$(keyward login …)`) is trimmed; anything else that cannot be a credential is refused with
/// what to do, rather than failing later inside the HTTP client.
fn credential(raw: &str) -> anyhow::Result<String> {
    let t = raw.trim();
    if t.is_empty() {
        bail!("KEYWARD_TOKEN is empty: run `keyward login --email <you>` and export the line it prints");
    }
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!(
            "KEYWARD_TOKEN holds more than one token (spaces or several lines; was an error message \
             captured with it?): set it to the single line `keyward login` prints on stdout"
        );
    }
    Ok(t.to_owned())
}

pub(super) fn cell(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) if a.is_empty() => "-".into(),
        Value::Array(a) => a.iter().map(cell).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// Colour on a terminal only: not when piped, nor with `NO_COLOR` set (no-color.org), nor on a
/// dumb terminal.
fn colour() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

/// The style of a cell: bold headers, statuses by what they mean.
fn style_of(column: &str, value: &str) -> anstyle::Style {
    use anstyle::{AnsiColor, Style};
    let colour = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
    match (column, value) {
        ("status" | "expiry_status" | "outcome", "active" | "success" | "VALID") => colour(AnsiColor::Green),
        ("status" | "expiry_status", "suspended" | "expiring soon" | "inactive") => colour(AnsiColor::Yellow),
        ("status" | "expiry_status" | "outcome", "revoked" | "expired" | "failure" | "deleted") => {
            colour(AnsiColor::Red)
        }
        ("id", _) => Style::new().dimmed(),
        _ => Style::new(),
    }
}

pub(super) fn print_table(rows: &[&Value], columns: &[&str]) {
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
    let colour = colour();
    // Padding is counted on the text, so escape codes never misalign a column.
    let line = |cells: Vec<String>, header: bool| {
        cells
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let padded = format!("{s:<w$}", w = widths[i]);
                let style = if header {
                    anstyle::Style::new().bold()
                } else {
                    style_of(columns[i], s)
                };
                if colour && style != anstyle::Style::new() {
                    format!("{}{padded}{}", style.render(), style.render_reset())
                } else {
                    padded
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    println!(
        "{}",
        line(columns.iter().map(|c| c.to_uppercase()).collect(), true)
    );
    for r in table {
        println!("{}", line(r, false));
    }
}

pub(super) fn split_list(s: &Option<String>) -> Option<Vec<String>> {
    s.as_ref().map(|s| {
        s.split(',')
            .map(|x| x.trim().to_owned())
            .filter(|x| !x.is_empty())
            .collect()
    })
}

/// The id of the record `key` names: `key` itself when it is an id, else the one record of
/// `all` whose `names` (name, email, …) include it, ignoring case. None is an error; several is
/// an error that lists them.
pub(super) async fn resolve<T, F>(
    what: &str,
    key: &str,
    all: impl FnOnce() -> F,
    names: impl Fn(&T) -> Vec<String>,
    id: impl Fn(&T) -> uuid::Uuid,
) -> anyhow::Result<String>
where
    F: Future<Output = keyward_client::Result<Vec<T>>>,
{
    let key = key.trim();
    if uuid::Uuid::parse_str(key).is_ok() {
        return Ok(key.to_owned());
    }
    let all = all().await?;
    let found: Vec<&T> = all
        .iter()
        .filter(|r| names(r).iter().any(|n| n.eq_ignore_ascii_case(key)))
        .collect();
    match found.as_slice() {
        [one] => Ok(id(one).to_string()),
        [] => bail!("no {what} named {key}"),
        several => bail!(
            "{key} names {} {what}s: {}; give the id instead",
            several.len(),
            several
                .iter()
                .map(|r| format!("{} ({})", id(r), names(r).first().map_or("-", String::as_str)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A password from `var`, else one line of standard input (asked for on a terminal); empty is
/// refused rather than sent.
pub(super) fn password_from(var: &str, prompt: &str) -> anyhow::Result<String> {
    if let Ok(p) = std::env::var(var) {
        return Ok(p);
    }
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        eprintln!("{prompt} (one line on standard input):");
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let p = line.trim_end_matches(['\r', '\n']).to_owned();
    if p.is_empty() {
        bail!("no password: type it when asked, pipe it on standard input, or set {var}");
    }
    Ok(p)
}

/// A time as the CLI prints it: RFC 3339 to the second (a session's expiry carries
/// nanoseconds; times read back from the database, milliseconds).
fn to_the_second(t: time::OffsetDateTime) -> String {
    rfc3339(t.replace_nanosecond(0).unwrap_or(t))
}

pub async fn login(c: ClientArgs, email: String) -> anyhow::Result<ExitCode> {
    let password = password_from("KEYWARD_PASSWORD", "Password")?;
    let api = Api::new(&c)?;
    let session = api
        .sign_in(&LoginRequest {
            email,
            password,
            totp: None,
            organization: None,
        })
        .await?;
    let expires = to_the_second(session.expires_at);
    api.print_secret(
        &session,
        &session.token,
        format_args!("Session expires at {expires}. Use it with: export KEYWARD_TOKEN=<the line above>"),
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn logout(c: ClientArgs) -> anyhow::Result<ExitCode> {
    Api::new(&c)?.sign_out().await?;
    eprintln!("Signed out: the session in KEYWARD_TOKEN no longer works.");
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
const CREDIT_COLUMNS: &[&str] = &["remaining", "last_refill_at", "next_refill_at"];
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
    At(time::OffsetDateTime),
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
        return Ok(Expiry::At(d.midnight().assume_utc()));
    }
    if let Ok(at) = time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339) {
        return Ok(Expiry::At(at));
    }
    Err(
        "expected 7, 30, 60, 90, 180 or 365 (days), a date such as 2027-03-31, an RFC 3339 time, or never"
            .into(),
    )
}

/// A new credential's lifetime: a preset, a date or never, or any number of days.
#[derive(clap::Args)]
pub struct ExpiryArgs {
    /// 7, 30, 60, 90, 180 or 365 (days; only these, so a typo cannot make a credential live
    /// for years), a date (2027-03-31 or RFC 3339), or `never`. Default: the organization's
    /// policy (`expiry_policy.default_days`; no expiry unless it sets one), the same as the
    /// dashboard's first choice.
    #[arg(long, value_parser = parse_expiry, conflicts_with = "expires_in_days")]
    expires: Option<Expiry>,
    /// Any number of days from now, for a lifetime the presets of --expires lack (the
    /// organization's longest allowed lifetime still applies). Default: as --expires.
    #[arg(long, allow_negative_numbers = true)]
    expires_in_days: Option<i64>,
}

impl ExpiryArgs {
    /// `expires_at` and `expires_in_days` of a create body.
    #[allow(clippy::type_complexity)]
    fn fields(&self) -> (Option<Option<time::OffsetDateTime>>, Option<i64>) {
        let (at, preset_days) = self.expires.as_ref().map(Expiry::fields).unwrap_or_default();
        (at, self.expires_in_days.or(preset_days))
    }
}

impl Expiry {
    /// `expires_at` and `expires_in_days` of a body: explicitly `null` for never, since leaving
    /// both out takes the organization's default.
    #[allow(clippy::type_complexity)]
    fn fields(&self) -> (Option<Option<time::OffsetDateTime>>, Option<i64>) {
        match self {
            Self::Days(d) => (None, Some(*d)),
            Self::At(at) => (Some(Some(*at)), None),
            Self::Never => (Some(None), None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::to_the_second;

    #[test]
    fn times_print_to_the_second() {
        let t = time::macros::datetime!(2026-12-06 23:15:28.310399461 UTC);
        assert_eq!(to_the_second(t), "2026-12-06T23:15:28Z");
    }
}
