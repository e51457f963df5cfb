//! `keyward scan`: finds keyward tokens in files, standard input or a git history before they
//! leak. A match must carry a valid checksum, so look-alikes are not reported; what is printed
//! is the token's hint, never the token.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};
use clap::Args;
use keyward_client::api::{HashCheckRequest, LeakLabel, LeakReport};
use keyward_core::token::{find_tokens, find_tokens_in_bytes, hint_for};
use serde_json::{Value, json};

use crate::ClientArgs;

#[derive(Args)]
pub struct ScanArgs {
    /// Files and directories to scan (directories recursively, skipping `.git` and binary
    /// files); `-` reads standard input. Default: the current directory.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Scan every commit of the git repository at each PATH (what was ever added, even if
    /// removed since) instead of the files as they are.
    #[arg(long)]
    git: bool,
    /// Send what was found to keyward (`POST /v1/tokens/report-leak`, as a super admin or a
    /// keyward:admin token), which handles each token of your organization as leaked.
    #[arg(long, conflicts_with = "check")]
    report: bool,
    /// Ask keyward which findings are tokens of your organization and in what state, by their
    /// SHA-256 only (any member or a keyward:read token); changes nothing.
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    client: ClientArgs,
}

/// One token found.
struct Finding {
    /// File path, `-` for standard input, or `commit:path` in a git history.
    place: String,
    /// 1-based; 0 when unknown.
    line: usize,
    token: String,
}

/// Exit code when tokens were found: a CI step or a pre-commit hook fails on it.
const FOUND: u8 = 1;
/// Files larger than this are skipped (tokens live in text, not in dumps).
const MAX_FILE: u64 = 64 * 1024 * 1024;

pub async fn scan(a: ScanArgs) -> anyhow::Result<ExitCode> {
    let paths = if a.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        a.paths.clone()
    };
    let mut found = Vec::new();
    for p in &paths {
        if a.git {
            scan_git(p, &mut found)?;
        } else if p.as_os_str() == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read standard input")?;
            scan_text("-", &text, &mut found);
        } else {
            scan_path(p, &mut found)?;
        }
    }
    if a.client.json {
        let list: Vec<Value> = found
            .iter()
            .map(|f| json!({"path": f.place, "line": f.line, "hint": hint_for(&f.token)}))
            .collect();
        println!("{}", Value::Array(list));
    } else {
        for f in &found {
            println!("{}:{}: {}", f.place, f.line, hint_for(&f.token));
        }
    }
    if a.report && !found.is_empty() {
        report(&a.client, &found).await?;
    }
    if a.check && !found.is_empty() {
        check(&a.client, &found).await?;
    }
    Ok(if found.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FOUND)
    })
}

fn scan_text(place: &str, text: &str, out: &mut Vec<Finding>) {
    scan_bytes(place, text.as_bytes(), out);
}

fn scan_bytes(place: &str, bytes: &[u8], out: &mut Vec<Finding>) {
    let mut line = 1;
    let mut counted_to = 0;
    for r in find_tokens_in_bytes(bytes) {
        line += memchr::memchr_iter(b'\n', &bytes[counted_to..r.start]).count();
        counted_to = r.start;
        out.push(Finding {
            place: place.to_owned(),
            line,
            // A token is ASCII.
            token: String::from_utf8_lossy(&bytes[r]).into_owned(),
        });
    }
}

/// A file, or every file below a directory: the files are listed first, then read and scanned
/// on every core.
fn scan_path(path: &Path, out: &mut Vec<Finding>) -> anyhow::Result<()> {
    let mut files = Vec::new();
    list_files(path, &mut files)?;
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<anyhow::Result<Vec<(usize, Finding)>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut found = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(f) = files.get(i) else { break };
                        let mut one = Vec::new();
                        scan_file(f, &mut one)?;
                        found.extend(one.into_iter().map(|x| (i, x)));
                    }
                    Ok(found)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a scanning thread failed")))
            })
            .collect()
    });
    let mut found = Vec::new();
    for r in results {
        found.extend(r?);
    }
    // In the order the files were listed, whatever thread read them.
    found.sort_by_key(|(i, f)| (*i, f.line));
    out.extend(found.into_iter().map(|(_, f)| f));
    Ok(())
}

/// Every regular file at or below `path`, in name order, skipping `.git` and symbolic links.
fn list_files(path: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let meta = std::fs::symlink_metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .with_context(|| format!("cannot list {}", path.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for e in entries {
            if e.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            list_files(&e, out)?;
        }
    } else if meta.is_file() && meta.len() <= MAX_FILE {
        out.push(path.to_owned());
    }
    Ok(())
}

fn scan_file(path: &Path, out: &mut Vec<Finding>) -> anyhow::Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    // A NUL early on marks a binary file, as git and grep decide.
    if memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some() {
        return Ok(());
    }
    scan_bytes(&path.display().to_string(), &bytes, out);
    Ok(())
}

/// What every commit of a repository added: `git log -p` over all refs, added lines only.
fn scan_git(repo: &Path, out: &mut Vec<Finding>) -> anyhow::Result<()> {
    let log = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "log",
            "--all",
            "-p",
            "--no-color",
            "--no-ext-diff",
            "--unified=0",
            "--format=commit %H",
        ])
        .output()
        .context("cannot run git")?;
    if !log.status.success() {
        bail!(
            "git log failed in {}: {}",
            repo.display(),
            String::from_utf8_lossy(&log.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&log.stdout);
    let (mut commit, mut file) = (String::new(), String::new());
    for l in text.lines() {
        if let Some(c) = l.strip_prefix("commit ") {
            commit = c.chars().take(12).collect();
        } else if let Some(f) = l.strip_prefix("+++ b/") {
            file = f.to_owned();
        } else if let Some(added) = l.strip_prefix('+')
            && !l.starts_with("+++")
        {
            for r in find_tokens(added) {
                out.push(Finding {
                    place: format!("{commit}:{file}"),
                    line: 0,
                    token: added[r].to_owned(),
                });
            }
        }
    }
    Ok(())
}

/// Asks keyward about each finding by its hash, and says what it is.
async fn check(client: &ClientArgs, found: &[Finding]) -> anyhow::Result<()> {
    let hashes: Vec<String> = found
        .iter()
        .map(|f| keyward_core::TokenHash::of(&f.token).to_hex())
        .collect();
    let checks = api(client)?
        .check_hashes(&HashCheckRequest { token_hashes: hashes })
        .await?;
    for (f, c) in found.iter().zip(&checks) {
        let what = if c.issued {
            format!(
                "token \"{}\" of your organization, {}{}",
                c.name.as_deref().unwrap_or("?"),
                c.status.as_deref().unwrap_or("?"),
                if c.leaked { ", reported leaked" } else { "" }
            )
        } else {
            "not a token of your organization".to_owned()
        };
        eprintln!("{}:{}: {}: {what}", f.place, f.line, hint_for(&f.token));
    }
    Ok(())
}

/// The CLI's API client, which these commands need credentials for.
fn api(client: &ClientArgs) -> anyhow::Result<crate::client::Api> {
    if client.token.is_none() {
        bail!(
            "this needs credentials: set KEYWARD_TOKEN (a session from `keyward login`, or a keyward token)"
        );
    }
    crate::client::Api::new(client)
}

/// Sends the findings to keyward as leaks of the caller's organization.
async fn report(client: &ClientArgs, found: &[Finding]) -> anyhow::Result<()> {
    let reports: Vec<LeakReport> = found
        .iter()
        .map(|f| LeakReport {
            token: f.token.clone(),
            kind: "keyward_scan".into(),
            url: format!("{}:{}", f.place, f.line),
            source: "keyward scan".into(),
        })
        .collect();
    let answer = api(client)?.report_leak(&reports).await?;
    let ours = answer
        .iter()
        .filter(|f| f.label == LeakLabel::TruePositive)
        .count();
    eprintln!(
        "reported {} token(s); {ours} issued by your organization are now handled as leaked",
        found.len()
    );
    Ok(())
}
