//! Commands that talk to a running keyward over its management API.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use crate::ClientArgs;

mod api_users;
mod catalog;
mod members;
mod routes;
mod token_import;
mod tokens;
mod verify;

pub use api_users::*;
pub use catalog::*;
pub use members::*;
pub use routes::*;
pub use token_import::*;
pub use tokens::*;
pub use verify::*;

/// Exit code when verify answers anything but VALID.
const NOT_VALID: u8 = 3;

#[derive(Clone)]
pub(crate) struct Api {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    json: bool,
}

impl Api {
    pub(crate) fn new(c: &ClientArgs) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .user_agent(concat!("keyward-cli/", env!("CARGO_PKG_VERSION")))
                .build()?,
            base: c.url.trim_end_matches('/').to_owned(),
            token: c.token.as_deref().map(credential).transpose()?,
            json: c.json,
        })
    }

    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(t) => req = req.bearer_auth(t),
            None if path != "/v1/auth/login" => {
                bail!("not signed in: run `keyward login --email <you>` or set KEYWARD_TOKEN")
            }
            None => {}
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
            match problem["field"].as_str() {
                Some(field) if !detail.starts_with(field) => {
                    bail!("{field}: {detail} ({code}, HTTP {})", status.as_u16())
                }
                _ => bail!("{detail} ({code}, HTTP {})", status.as_u16()),
            }
        }
        if text.is_empty() {
            Ok(Value::Null)
        } else {
            serde_json::from_str(&text).context("keyward answered something that is not JSON")
        }
    }

    /// A record as a table row, or a list page as a table; with `--json`, the record, or the
    /// page's items as one JSON array (the cursor of a further page goes to stderr).
    fn print(&self, v: &Value, columns: &[&str]) {
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
                None => vec![v],
            };
            print_table(&rows, columns);
        }
        if let Some(c) = more {
            eprintln!("(more: --cursor {c})");
        }
    }

    /// Changes the record at `{collection}/{id}` and prints it as changed.
    async fn patch(&self, collection: &str, id: &str, body: Value, columns: &[&str]) -> anyhow::Result<()> {
        let path = format!("{collection}/{}", path_segment(id));
        let v = self.call(Method::PATCH, &path, Some(body)).await?;
        self.print(&v, columns);
        Ok(())
    }

    /// Deletes the record at `{collection}/{id}` and says `message`.
    async fn delete(&self, collection: &str, id: &str, message: &str) -> anyhow::Result<()> {
        let path = format!("{collection}/{}", path_segment(id));
        self.call(Method::DELETE, &path, None).await?;
        self.done(message);
        Ok(())
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

/// Sets `key` of a JSON body when a flag was given.
pub(super) fn set(body: &mut Value, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        body[key] = v;
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

/// Every item of a list endpoint, page by page.
pub(super) async fn list_all(api: &Api, path: &str) -> anyhow::Result<Vec<Value>> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    let join = if path.contains('?') { '&' } else { '?' };
    loop {
        let page_path = match &cursor {
            Some(c) => format!("{path}{join}limit=200&cursor={}", path_segment(c)),
            None => format!("{path}{join}limit=200"),
        };
        let page = api.call(Method::GET, &page_path, None).await?;
        all.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return Ok(all),
        }
    }
}

/// The id of the record that `key` names in the list at `path`: `key` itself when it is an id,
/// else the one record whose `fields` (name, email, …) equal it. None is an error; several is an
/// error that lists them.
pub(super) async fn resolve_id(
    api: &Api,
    path: &str,
    what: &str,
    fields: &[&str],
    key: &str,
) -> anyhow::Result<String> {
    let key = key.trim();
    if uuid::Uuid::parse_str(key).is_ok() {
        return Ok(key.to_owned());
    }
    let all = list_all(api, path).await?;
    let found: Vec<&Value> = all
        .iter()
        .filter(|r| {
            fields
                .iter()
                .any(|f| r[*f].as_str().is_some_and(|v| v.eq_ignore_ascii_case(key)))
        })
        .collect();
    match found.as_slice() {
        [one] => Ok(cell(&one["id"])),
        [] => bail!("no {what} named {key}"),
        several => bail!(
            "{key} names {} {what}s: {}; give the id instead",
            several.len(),
            several
                .iter()
                .map(|r| format!("{} ({})", cell(&r["id"]), cell(&r[fields[0]])))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub(super) fn path_segment(s: &str) -> String {
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

pub async fn login(c: ClientArgs, email: String) -> anyhow::Result<ExitCode> {
    let password = password_from("KEYWARD_PASSWORD", "Password")?;
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

pub async fn logout(c: ClientArgs) -> anyhow::Result<ExitCode> {
    let api = Api::new(&c)?;
    api.call(Method::POST, "/v1/auth/logout", Some(json!({}))).await?;
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
            // Explicitly none: leaving it out would take the organization's default.
            Self::Never => body["expires_at"] = Value::Null,
        }
    }
}
