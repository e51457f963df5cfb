//! `keyward token import`: a file of existing tokens (JSON Lines or CSV, any size), streamed to
//! the import endpoint in batches, with a running count on a terminal and a summary.

use std::io::{IsTerminal, Read};

use super::*;

/// Tokens per request: the server's limit.
const BATCH: usize = 10_000;

/// Import tokens your customers already hold, by hash or secret.
#[derive(Args)]
pub struct TokenImportArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// The API user (id or username) the tokens belong to.
    #[arg(long)]
    api_user: String,
    /// Where they come from, recorded in the audit trail (such as unkey or legacy-db).
    #[arg(long, default_value = "import")]
    source: String,
    /// JSON Lines (one object per line) or CSV with a header row (.csv, or --format csv);
    /// `-` reads standard input. Fields: name, and hash (SHA-256 hex or base64) or secret;
    /// optional hint, created_at, expires_at, permissions, allowed_ips, integration_id.
    file: String,
    /// jsonl or csv; default: by the file's extension, else jsonl.
    #[arg(long)]
    format: Option<String>,
}

/// One line of the file, as the API takes it, and the file line it came from.
type Line = (usize, Value);

fn open(path: &str) -> anyhow::Result<Box<dyn Read>> {
    Ok(if path == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).with_context(|| format!("cannot open {path}"))?)
    })
}

/// A CSV row as a token object: empty cells left out, list cells split on commas.
fn csv_row(headers: &csv::StringRecord, row: &csv::StringRecord) -> Value {
    let mut v = json!({});
    for (h, cell) in headers.iter().zip(row.iter()) {
        let cell = cell.trim();
        if cell.is_empty() {
            continue;
        }
        v[h] = match h {
            "permissions" | "allowed_ips" => split_list(&Some(cell.to_owned()))
                .map(Value::from)
                .unwrap_or_default(),
            _ => Value::from(cell),
        };
    }
    v
}

#[derive(Default)]
struct Totals {
    imported: u64,
    duplicates: u64,
    refused: Vec<(usize, String)>,
}

async fn send(
    api: &Api,
    path: &str,
    source: &str,
    batch: &mut Vec<Line>,
    totals: &mut Totals,
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let tokens: Vec<Value> = batch.iter().map(|(_, v)| v.clone()).collect();
    let report = api
        .call(
            Method::POST,
            path,
            Some(json!({"tokens": tokens, "source": source})),
        )
        .await?;
    totals.imported += report["imported"].as_u64().unwrap_or(0);
    totals.duplicates += report["duplicates"].as_u64().unwrap_or(0);
    for r in report["refused"].as_array().into_iter().flatten() {
        let line = r["index"]
            .as_u64()
            .and_then(|i| batch.get(i as usize))
            .map_or(0, |(l, _)| *l);
        totals
            .refused
            .push((line, format!("{}: {}", cell(&r["field"]), cell(&r["reason"]))));
    }
    batch.clear();
    Ok(())
}

pub async fn token_import(a: TokenImportArgs) -> anyhow::Result<ExitCode> {
    let api = Api::new(&a.client)?;
    let path = format!("/v1/api-users/{}/tokens/import", path_segment(&a.api_user));
    let csv = match a.format.as_deref() {
        Some("csv") => true,
        Some("jsonl") | Some("json") => false,
        Some(other) => bail!("--format must be jsonl or csv, not {other}"),
        None => a.file.to_ascii_lowercase().ends_with(".csv"),
    };
    let progress = std::io::stderr().is_terminal();
    let mut totals = Totals::default();
    let mut batch: Vec<Line> = Vec::with_capacity(BATCH);
    let mut read = 0u64;
    // Streamed: at most one batch is held, whatever the file's size.
    let mut rows: Box<dyn Iterator<Item = anyhow::Result<Line>>> = if csv {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(open(&a.file)?);
        let headers = reader.headers()?.clone();
        Box::new(reader.into_records().enumerate().map(move |(i, r)| {
            let row = r.with_context(|| format!("line {}", i + 2))?;
            Ok((i + 2, csv_row(&headers, &row)))
        }))
    } else {
        let lines = std::io::BufReader::new(open(&a.file)?).lines();
        Box::new(
            lines
                .enumerate()
                .filter(|(_, l)| l.as_ref().map_or(true, |l| !l.trim().is_empty()))
                .map(|(i, l)| {
                    let l = l.with_context(|| format!("line {}", i + 1))?;
                    Ok((i + 1, serde_json::from_str(&l).unwrap_or(Value::String(l))))
                }),
        )
    };
    for row in &mut rows {
        let (line, value) = row?;
        read += 1;
        if !value.is_object() {
            totals.refused.push((line, "not a JSON object".into()));
            continue;
        }
        batch.push((line, value));
        if batch.len() == BATCH {
            send(&api, &path, &a.source, &mut batch, &mut totals).await?;
            if progress {
                eprint!("\r{read} read, {} imported", totals.imported);
            }
        }
    }
    send(&api, &path, &a.source, &mut batch, &mut totals).await?;
    if progress {
        eprintln!();
    }
    totals.refused.sort();
    if api.json {
        let refused: Vec<Value> = totals
            .refused
            .iter()
            .map(|(line, reason)| json!({"line": line, "reason": reason}))
            .collect();
        println!(
            "{}",
            json!({"read": read, "imported": totals.imported, "duplicates": totals.duplicates, "refused": refused})
        );
    } else {
        for (line, reason) in &totals.refused {
            eprintln!("{}:{line}: refused: {reason}", a.file);
        }
        println!(
            "{read} read: {} imported, {} skipped as already imported, {} refused",
            totals.imported,
            totals.duplicates,
            totals.refused.len()
        );
    }
    Ok(if totals.refused.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
