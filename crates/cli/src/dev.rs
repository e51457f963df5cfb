//! `keyward dev …`: tools for benchmarks and scale tests. Not for production data.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand};
use keyward_core::{
    ApiUser, Environment, Member, Organization, PermissionGroup, PermissionSet, Token, TokenPrefix,
};
use keyward_server::{Clock, SystemClock};
use keyward_store::{Actor, AuditRecord, MemberCredentials, NewToken};
use uuid::Uuid;

use crate::StorageArgs;

#[derive(Subcommand)]
pub enum DevCommand {
    /// Load N tokens straight into storage, in bulk. Run it before starting the server: a
    /// running server does not learn of tokens written behind its back.
    Seed(SeedArgs),
}

#[derive(Args)]
pub struct SeedArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// How many tokens.
    #[arg(long)]
    tokens: u64,
    /// Write usable secrets here: one `verifier` token, one `revoked` token and up to
    /// `--sample` `valid` tokens, one per line as `<kind> <token>`. Treat the file as secret.
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    /// How many valid tokens to write to --out.
    #[arg(long, default_value_t = 1000)]
    sample: u64,
    /// Prefix of the tokens (kw gives kw_live_…).
    #[arg(long, env = "KEYWARD_TOKEN_PREFIX", default_value = "kw")]
    token_prefix: String,
    /// Also give the organization this many routes for its gateway: `GET /contacts/{id}`
    /// (bench:read), `POST /contacts` (bench:write), and `GET /area{i}/items/{id}` for the rest.
    #[arg(long, default_value_t = 0)]
    routes: u64,
    #[command(flatten)]
    report: crate::ReportArgs,
}

pub async fn dev(c: DevCommand) -> anyhow::Result<ExitCode> {
    match c {
        DevCommand::Seed(a) => seed(a).await,
    }
}

fn record(
    org: Uuid,
    now: time::OffsetDateTime,
    action: &'static str,
    details: serde_json::Value,
) -> AuditRecord {
    AuditRecord::new(
        Some(org),
        now,
        Actor::system("keyward dev seed"),
        action,
        ("organization", Some(org)),
        details,
    )
}

async fn seed(a: SeedArgs) -> anyhow::Result<ExitCode> {
    let prefix = TokenPrefix::parse(&a.token_prefix).map_err(anyhow::Error::msg)?;
    let store = keyward_store::open(&a.storage.location()).await?;
    let now = SystemClock.now();
    let started = Instant::now();
    let run = Uuid::now_v7().simple().to_string();
    let short = &run[20..];

    let org = Organization::new(format!("bench-{short}"), now);
    let owner = Member::super_admin(org.id, format!("bench-{short}@keyward.invalid"), "Benchmark", now);
    // Nobody logs in as this member: its password hash matches no password.
    let creds = MemberCredentials {
        member: owner,
        password_hash: "!".into(),
    };
    store
        .create_organization(
            &org,
            &creds,
            None,
            &record(
                org.id,
                now,
                "organization.create",
                serde_json::json!({"via": "dev seed"}),
            ),
        )
        .await?;
    let permissions = PermissionSet::parse(["keyward:verify", "bench:read", "bench:write"]);
    let group = PermissionGroup {
        description: "made by keyward dev seed".into(),
        ..PermissionGroup::new(
            org.id,
            "bench".into(),
            permissions.map_err(anyhow::Error::msg)?,
            now,
        )
    };
    store
        .create_group(
            &group,
            &record(org.id, now, "permission_group.create", serde_json::json!({})),
        )
        .await?;
    let user = ApiUser {
        permission_group_id: Some(group.id),
        external_id: Some("bench".into()),
        ..ApiUser::new(org.id, "bench", now)
    };
    store
        .create_api_user(
            &user,
            None,
            &record(org.id, now, "api_user.create", serde_json::json!({})),
        )
        .await?;

    let mut out = match &a.out {
        Some(p) => Some(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        )),
        None => None,
    };
    // What every seeded token has in common.
    let template = Token {
        id: Uuid::nil(),
        ..Token::new(
            &user,
            String::new(),
            String::new(),
            now,
            Some("keyward dev seed".into()),
        )
    };
    const CHUNK: u64 = 50_000;
    let mut written = 0u64;
    let mut first = None;
    let mut inserting: Option<tokio::task::JoinHandle<keyward_store::StoreResult<()>>> = None;
    while written < a.tokens {
        let n = CHUNK.min(a.tokens - written);
        let mut batch = Vec::with_capacity(n as usize);
        for i in written..written + n {
            let secret = keyward_core::token::generate(&prefix, Environment::Live)?;
            if let Some(f) = out.as_mut() {
                let kind = match i {
                    0 => "verifier",
                    1 => "revoked",
                    i if i < a.sample + 2 => "valid",
                    _ => "",
                };
                if !kind.is_empty() {
                    writeln!(f, "{kind} {}", secret.expose())?;
                }
            }
            let token = Token {
                id: Uuid::now_v7(),
                name: format!("t{i}"),
                hint: secret.hint.clone(),
                ..template.clone()
            };
            if i == 1 {
                first = Some(token.id);
            }
            batch.push(NewToken {
                hash: secret.hash,
                token,
            });
        }
        // The next batch is generated while this one is written: generating is a fifth of the
        // work, and the writer runs on SQLite's own thread (or on PostgreSQL).
        if let Some(previous) = inserting.take() {
            previous.await??;
            eprint!("\rseeded {written}/{} tokens", a.tokens);
        }
        let audit = record(org.id, now, "dev.seed", serde_json::json!({"tokens": n}));
        let writer = store.clone();
        inserting = Some(tokio::spawn(
            async move { writer.seed_tokens(&batch, &audit).await },
        ));
        written += n;
    }
    if let Some(last) = inserting.take() {
        last.await??;
        eprint!("\rseeded {written}/{} tokens", a.tokens);
    }
    eprintln!();
    if let Some(id) = first {
        store
            .revoke_token(
                org.id,
                id,
                now,
                &record(org.id, now, "token.revoke", serde_json::json!({})),
            )
            .await?;
    }
    // Tokens with limits and credits for the benchmark's `limited`, `credits` and `both`
    // scenarios: limits and balances too large to refuse, so each verification pays for the
    // counting and nothing else.
    if let Some(f) = out.as_mut() {
        let limit = keyward_core::limits::RateLimit {
            name: "requests".into(),
            limit: 1 << 40,
            duration_ms: 60_000,
        };
        let credits = keyward_core::quota::CreditsConfig {
            remaining: keyward_core::quota::MAX_CREDITS,
            refill: None,
        };
        // `capped`: one token whose limit (100 000 a minute) a benchmark does reach, to measure
        // how far several nodes together overshoot it.
        let capped = keyward_core::limits::RateLimit {
            limit: 100_000,
            ..limit.clone()
        };
        for kind in ["limited", "credits", "both", "capped"] {
            let count = if kind == "capped" { 1 } else { a.sample.min(100) };
            for i in 0..count {
                let secret = keyward_core::token::generate(&prefix, Environment::Live)?;
                writeln!(f, "{kind} {}", secret.expose())?;
                let token = Token {
                    id: Uuid::now_v7(),
                    name: format!("{kind}{i}"),
                    hint: secret.hint.clone(),
                    ratelimits: match kind {
                        "credits" => vec![],
                        "capped" => vec![capped.clone()],
                        _ => vec![limit.clone()],
                    },
                    credits: matches!(kind, "credits" | "both").then(|| {
                        keyward_core::quota::CreditBalance::new(Uuid::now_v7(), org.id, &credits, now)
                    }),
                    ..template.clone()
                };
                store
                    .create_token(
                        &NewToken {
                            hash: secret.hash,
                            token,
                        },
                        &record(org.id, now, "dev.seed", serde_json::json!({"tokens": 1})),
                    )
                    .await?;
            }
        }
    }
    for i in 0..a.routes {
        let (method, path, permission) = match i {
            0 => ("GET", "/contacts/{id}".to_owned(), "bench:read"),
            1 => ("POST", "/contacts".to_owned(), "bench:write"),
            i => ("GET", format!("/area{i}/items/{{id}}"), "bench:read"),
        };
        let route = keyward_core::Route::new(org.id, method.into(), path, vec![permission.into()], now);
        store
            .create_route(
                &route,
                &record(org.id, now, "route.create", serde_json::json!({})),
            )
            .await?;
    }
    if let Some(mut f) = out {
        f.flush()?;
    }
    let secs = started.elapsed().as_secs_f64();
    let rate = a.tokens as f64 / secs.max(1e-9);
    a.report.print(
        format_args!(
            "seeded {} tokens into organization {} in {secs:.1} s ({rate:.0} tokens/s)",
            a.tokens, org.id
        ),
        serde_json::json!({"tokens": a.tokens, "organization_id": org.id, "seconds": secs, "tokens_per_second": rate}),
    );
    Ok(ExitCode::SUCCESS)
}
