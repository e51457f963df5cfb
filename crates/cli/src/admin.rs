//! Commands that open storage directly: serve, init, org create, audit verify.

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use keyward_core::{TokenPrefix, input};
use keyward_server::{
    Application, Clock, HttpSettings, MailSettings, OAuthSettings, ScannerSettings, ServerConfig, SystemClock,
};
use keyward_service::organizations;

use serde_json::json;

use crate::{ReportArgs, StorageArgs};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "KEYWARD_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Serve Envoy's ext_authz over gRPC (`envoy.service.auth.v3.Authorization/Check`) here.
    #[arg(long, env = "KEYWARD_GRPC_LISTEN")]
    grpc_listen: Option<SocketAddr>,
    #[command(flatten)]
    storage: StorageArgs,
    /// Prefix of the tokens this deployment issues (`kw` gives `kw_live_…`).
    #[arg(long, env = "KEYWARD_TOKEN_PREFIX", default_value = "kw")]
    token_prefix: String,
    /// Public base URL, for links keyward prints and sends.
    #[arg(long, env = "KEYWARD_PUBLIC_URL")]
    public_url: Option<String>,
    /// A proxy (address or CIDR) whose X-Forwarded-For is trusted; repeat for several.
    #[arg(
        long = "trusted-proxy",
        env = "KEYWARD_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<String>,
    /// Log filter, such as `info` or `keyward_server=debug`.
    #[arg(long, env = "RUST_LOG", default_value = "info")]
    log: String,
    /// `text` (coloured only on a terminal, and never with NO_COLOR set) or `json`, one object
    /// per line for log collectors.
    #[arg(long, env = "KEYWARD_LOG_FORMAT", value_enum, default_value = "text")]
    log_format: LogFormat,
    /// Do not apply database migrations at start (run `keyward migrate` instead); the node
    /// refuses to start on an outdated schema.
    #[arg(long, env = "KEYWARD_NO_MIGRATE")]
    no_migrate: bool,
    /// SMTP server for emails: `smtp://user:pass@host:587` (STARTTLS), `smtps://user:pass@host:465`
    /// (implicit TLS) or `smtp://host:25?tls=none` (a local relay). Without it, emails wait in
    /// the outbox.
    #[arg(long, env = "KEYWARD_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// A PEM file of certificate authorities to trust for the SMTP server besides the system's
    /// (an internal CA).
    #[arg(long, env = "KEYWARD_SMTP_CA_FILE")]
    smtp_ca_file: Option<std::path::PathBuf>,
    /// Sender of keyward's emails, such as `keyward <keyward@example.com>`.
    #[arg(long, env = "KEYWARD_MAIL_FROM", default_value = "keyward@localhost")]
    mail_from: String,
    /// How often each node looks for due reminders and monitoring findings, in milliseconds.
    #[arg(long, env = "KEYWARD_SCHEDULER_INTERVAL_MS", default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(10..))]
    scheduler_interval_ms: u64,
    /// How often each node writes the usage it gathered (last use, counts, addresses), in one
    /// transaction, in milliseconds.
    #[arg(long, env = "KEYWARD_USAGE_FLUSH_INTERVAL_MS", default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(100..=3_600_000))]
    usage_flush_interval_ms: u64,
    /// How often each node looks for emails and webhooks to deliver, in milliseconds.
    #[arg(long, env = "KEYWARD_OUTBOX_INTERVAL_MS", default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(10..))]
    outbox_interval_ms: u64,
    /// How long a node may hold a message it is delivering before another node may take it
    /// over (after the first node died, say), in seconds.
    #[arg(long, env = "KEYWARD_OUTBOX_LEASE_SECONDS", default_value_t = 120, value_parser = clap::value_parser!(i64).range(1..=3600))]
    outbox_lease_seconds: i64,
    #[command(flatten)]
    keys: KeyArgs,
    /// Lifetime of OAuth access tokens, in seconds.
    #[arg(long, env = "KEYWARD_ACCESS_TOKEN_TTL_SECONDS", default_value_t = 900, value_parser = clap::value_parser!(i64).range(60..=86_400))]
    access_token_ttl_seconds: i64,
    /// How often the access-token signing key is replaced, in days.
    #[arg(long, env = "KEYWARD_SIGNING_KEY_ROTATION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=3650))]
    signing_key_rotation_days: i64,
    /// How long a client has to send a request's headers, in seconds; slower ones (and idle new
    /// connections) are cut off.
    #[arg(long, env = "KEYWARD_HEADER_TIMEOUT_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    header_timeout_seconds: u64,
    /// How long a request may take in all (body included), in seconds; then 408.
    #[arg(long, env = "KEYWARD_REQUEST_TIMEOUT_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    request_timeout_seconds: u64,
    /// Connections served at once; more are closed as they arrive.
    #[arg(long, env = "KEYWARD_MAX_CONNECTIONS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections: u64,
    /// A bearer token `/metrics` requires (`Authorization: Bearer …`); without it the metrics
    /// are open to whoever reaches the port.
    #[arg(long, env = "KEYWARD_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// Internal destinations webhooks may reach (an address, CIDR range or host name; repeat or
    /// separate with commas). By default loopback, private, link-local, unique-local and
    /// similar addresses are refused, checked on the address connected to.
    #[arg(long = "webhook-allow", env = "KEYWARD_WEBHOOK_ALLOW", value_delimiter = ',')]
    webhook_allow: Vec<String>,
    /// GitHub's secret-scanning keys document, which signs leak reports to
    /// `/v1/secret-scanning/github`; empty turns that endpoint off.
    #[arg(long, env = "KEYWARD_GITHUB_SECRET_SCANNING_KEYS_URL",
          default_value = keyward_server::api::secret_scanning::GITHUB_KEYS_URL)]
    github_secret_scanning_keys_url: String,
    /// GitLab's secret-detection keys document, for `/v1/secret-scanning/gitlab` (off without it).
    #[arg(long, env = "KEYWARD_GITLAB_SECRET_SCANNING_KEYS_URL")]
    gitlab_secret_scanning_keys_url: Option<String>,
}

#[derive(Args)]
pub struct KeyArgs {
    /// 32 bytes, base64: encrypts the access-token signing keys at rest. Without it one is
    /// generated and kept in the database (with a warning).
    #[arg(long, env = "KEYWARD_KEY_ENCRYPTION_KEY", hide_env_values = true)]
    key_encryption_key: Option<String>,
}

impl KeyArgs {
    fn key(&self) -> anyhow::Result<Option<[u8; 32]>> {
        use base64::Engine as _;
        match self
            .key_encryption_key
            .as_deref()
            .filter(|k| !k.trim().is_empty())
        {
            None => Ok(None),
            Some(k) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(k.trim())
                    .context("--key-encryption-key must be base64")?;
                let key: [u8; 32] = bytes.try_into().map_err(|_| {
                    anyhow::anyhow!("--key-encryption-key must be 32 bytes (44 characters of base64)")
                })?;
                Ok(Some(key))
            }
        }
    }
}

pub async fn serve(a: ServeArgs) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_new(&a.log)?;
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match a.log_format {
        LogFormat::Json => logs.json().init(),
        // Colour only for a person at a terminal; never in files or log collectors.
        LogFormat::Text => logs
            .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
            .init(),
    }
    let token_prefix = TokenPrefix::parse(&a.token_prefix).map_err(anyhow::Error::msg)?;
    let trusted_proxies = a
        .trusted_proxies
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            let s = s.trim();
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .with_context(|| format!("--trusted-proxy {s:?} is not an IP address or CIDR range"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let public_url = a
        .public_url
        .as_deref()
        .map(|u| input::public_url("public_url", u))
        .transpose()?;
    let config = ServerConfig {
        http: HttpSettings {
            listen: a.listen,
            grpc_listen: a.grpc_listen,
            trusted_proxies,
            header_timeout: std::time::Duration::from_secs(a.header_timeout_seconds),
            request_timeout: std::time::Duration::from_secs(a.request_timeout_seconds),
            max_connections: usize::try_from(a.max_connections).unwrap_or(usize::MAX),
            ..HttpSettings::default()
        },
        token_prefix,
        public_url,
        mail: MailSettings {
            smtp_url: a.smtp_url.filter(|u| !u.trim().is_empty()),
            smtp_ca_pem: a
                .smtp_ca_file
                .as_ref()
                .map(|p| {
                    std::fs::read(p).with_context(|| format!("cannot read --smtp-ca-file {}", p.display()))
                })
                .transpose()?,
            from: a.mail_from,
        },
        jobs: keyward_server::jobs::JobSettings {
            scheduler_interval: std::time::Duration::from_millis(a.scheduler_interval_ms),
            outbox_interval: std::time::Duration::from_millis(a.outbox_interval_ms),
            lease: time::Duration::seconds(a.outbox_lease_seconds),
            ..Default::default()
        },
        oauth: OAuthSettings {
            access_token_ttl: time::Duration::seconds(a.access_token_ttl_seconds),
            key_encryption_key: a.keys.key()?,
            signing_key_rotation: time::Duration::days(a.signing_key_rotation_days),
            ..OAuthSettings::default()
        },
        metrics_token: a.metrics_token.filter(|t| !t.trim().is_empty()),
        webhook_allow: a.webhook_allow,
        scanners: ScannerSettings {
            github_keys_url: Some(a.github_secret_scanning_keys_url).filter(|u| !u.trim().is_empty()),
            gitlab_keys_url: a.gitlab_secret_scanning_keys_url.filter(|u| !u.trim().is_empty()),
        },
        usage_flush_interval: std::time::Duration::from_millis(a.usage_flush_interval_ms),
        ..ServerConfig::default()
    };
    let store = keyward_store::open_with(&a.storage.location(), !a.no_migrate).await?;
    let engine = store.engine();
    let app = Application::build(config, store, Arc::new(SystemClock)).await?;
    tracing::info!(address = %app.local_addr(), engine = ?engine, "keyward listening");
    if let Some(grpc) = app.grpc_addr() {
        println!("Envoy ext_authz (gRPC) on {grpc}");
    }
    if let Some(link) = app.setup_link() {
        println!("No organization yet. Open this one-time link to create the first super admin:\n  {link}");
    }
    // Printed last: scripts and tests wait for this line.
    println!("keyward listening on http://{}", app.local_addr());
    app.run_until(shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

#[derive(Args)]
pub struct InitArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// Name of the organization.
    #[arg(long)]
    org: String,
    /// Email of its first super admin; the password comes from KEYWARD_INIT_PASSWORD or stdin.
    #[arg(long)]
    email: String,
    /// The super admin's name (defaults to the email).
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Add an organization with its first super admin.
    Create(InitArgs),
}

#[derive(Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    storage: StorageArgs,
    #[command(flatten)]
    report: ReportArgs,
}

/// Applies the database migrations this build knows, then exits.
pub async fn migrate(a: MigrateArgs) -> anyhow::Result<ExitCode> {
    keyward_store::open_with(&a.storage.location(), true).await?;
    a.report
        .print("database schema is up to date", json!({"migrated": true}));
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct CopyArgs {
    /// The SQLite data directory to copy from.
    #[arg(long)]
    from: std::path::PathBuf,
    /// The `postgres://` URL of an empty keyward database to copy into.
    #[arg(long)]
    to: String,
    #[command(flatten)]
    report: ReportArgs,
}

/// Moves a single-node SQLite deployment to PostgreSQL, audit chain intact.
pub async fn copy(a: CopyArgs) -> anyhow::Result<ExitCode> {
    if !a.from.join(keyward_store::sqlite_db_file()).exists() {
        bail!("{} holds no keyward database", a.from.display());
    }
    if !(a.to.starts_with("postgres://") || a.to.starts_with("postgresql://")) {
        bail!("--to must be a postgres:// URL");
    }
    let from = keyward_store::SqliteStore::open_dir(&a.from).await?;
    let to = keyward_store::PostgresStore::open(&a.to).await?;
    let report = keyward_store::copy::sqlite_to_postgres(&from, &to).await?;
    let text = report
        .iter()
        .map(|(table, rows)| format!("{table:<18} {rows:>10} rows\n"))
        .collect::<String>();
    let tables: serde_json::Map<String, serde_json::Value> =
        report.iter().map(|(t, n)| (t.to_string(), json!(n))).collect();
    a.report.print(
        format!("{text}copied; the audit chain verifies on the target"),
        json!({"tables": tables, "audit_chain": "intact"}),
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct BackupArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// The file to write; it must not exist.
    #[arg(long)]
    out: std::path::PathBuf,
    #[command(flatten)]
    report: ReportArgs,
}

/// A consistent copy of the database, safe to take while the server runs and writes.
pub async fn backup(a: BackupArgs) -> anyhow::Result<ExitCode> {
    match a.storage.location() {
        keyward_store::StoreLocation::SqliteDir(dir) => {
            keyward_store::sqlite_backup(&dir, &a.out).await?;
            keyward_store::sqlite_integrity_check(&a.out).await?;
            let size = std::fs::metadata(&a.out).map(|m| m.len()).unwrap_or(0);
            a.report.print(
                format_args!(
                    "backed up {} to {} ({size} bytes); integrity check ok",
                    dir.display(),
                    a.out.display()
                ),
                json!({"from": dir, "to": a.out, "bytes": size, "integrity": "ok"}),
            );
            Ok(ExitCode::SUCCESS)
        }
        keyward_store::StoreLocation::Postgres(_) => bail!(
            "on PostgreSQL use the database's own tools: `pg_dump --format=custom --file {} <database URL>` \
             makes a consistent copy while keyward runs, and `pg_restore` brings it back",
            a.out.display()
        ),
    }
}

#[derive(Args)]
pub struct RestoreArgs {
    /// A file written by `keyward backup`.
    #[arg(long)]
    from: std::path::PathBuf,
    /// The data directory to restore into; it must not hold a database yet.
    #[arg(long, env = "KEYWARD_DATA_DIR", default_value = "./keyward-data")]
    data_dir: std::path::PathBuf,
    #[command(flatten)]
    report: ReportArgs,
}

/// Puts a backup in place as a data directory's database, after checking its integrity and its
/// audit chain, so that a restored server starts from a copy known to be whole.
pub async fn restore(a: RestoreArgs) -> anyhow::Result<ExitCode> {
    let target = a.data_dir.join(keyward_store::sqlite_db_file());
    if target.exists() {
        bail!(
            "{} holds a database already; restore into an empty directory",
            a.data_dir.display()
        );
    }
    keyward_store::sqlite_integrity_check(&a.from).await?;
    std::fs::create_dir_all(&a.data_dir)?;
    std::fs::copy(&a.from, &target).with_context(|| format!("cannot write {}", target.display()))?;
    let store = keyward_store::SqliteStore::open_dir(&a.data_dir).await?;
    match keyward_store::AuditStore::verify_audit_chain(&store).await? {
        Ok(n) => {
            a.report.print(
                format_args!(
                    "restored into {}; integrity check ok; audit chain intact ({n} events)",
                    a.data_dir.display()
                ),
                json!({"data_dir": a.data_dir, "integrity": "ok", "audit_events": n}),
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(b) => {
            drop(store);
            let _ = std::fs::remove_file(&target);
            bail!("the backup's audit chain does not verify ({b}); nothing restored")
        }
    }
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Replace the access-token signing key now. Tokens signed by the old key stay valid (its
    /// public half stays in the JWKS) until they expire.
    Rotate {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(flatten)]
        keys: KeyArgs,
        /// The longest access-token lifetime in use, in seconds: how long the old key stays published.
        #[arg(long, env = "KEYWARD_ACCESS_TOKEN_TTL_SECONDS", default_value_t = 900)]
        access_token_ttl_seconds: i64,
        #[command(flatten)]
        report: ReportArgs,
    },
}

pub async fn keys(c: KeysCommand) -> anyhow::Result<ExitCode> {
    match c {
        KeysCommand::Rotate {
            storage,
            keys,
            access_token_ttl_seconds,
            report,
        } => {
            let store = keyward_store::open(&storage.location()).await?;
            let now = SystemClock.now();
            let ring =
                keyward_service::KeyRing::open(store, keys.key()?, String::new(), String::new(), now).await?;
            let record = keyward_service::scheduled::installation_record(now, "oauth.key_rotate");
            let kid = ring
                .rotate(now, time::Duration::seconds(access_token_ttl_seconds), &record)
                .await?;
            report.print(
                format_args!(
                    "new signing key {kid}; the previous one stays published for {access_token_ttl_seconds} s"
                ),
                json!({"kid": kid.to_string(), "previous_published_seconds": access_token_ttl_seconds}),
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain: exit 0 when intact, 1 naming the first bad event.
    Verify {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// List events of your organization, newest first, through the API.
    List(crate::client::AuditListArgs),
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("KEYWARD_INIT_PASSWORD") {
        return Ok(p);
    }
    eprintln!("Password for the super admin (one line on standard input):");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn create_org(a: InitArgs, require_empty: bool) -> anyhow::Result<ExitCode> {
    let store = keyward_store::open(&a.storage.location()).await?;
    if require_empty && store.organization_count().await? > 0 {
        bail!(
            "{} is already initialised; use `keyward org create` to add another organization",
            a.storage
                .database_url
                .as_deref()
                .map(|_| "the database".to_owned())
                .unwrap_or_else(|| a.storage.data_dir.display().to_string())
        );
    }
    // Refuse a bad name or email before asking for the password (the operation checks again).
    input::label("org", &a.org, 200)?;
    input::email("email", &a.email)?;
    let password = read_password()?;
    let req = organizations::NewOrganization {
        name: a.org,
        owner_email: a.email,
        owner_name: a.name,
        owner_password: password,
    };
    let (org, member) = organizations::create(&store, SystemClock.now(), req, organizations::Via::Cli)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    a.report.print(
        format_args!(
            "Created organization {} ({}) with super admin {}",
            org.name, org.id, member.email
        ),
        json!({"organization": {"id": org.id, "name": org.name}, "super_admin": {"id": member.id, "email": member.email}}),
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn init(a: InitArgs) -> anyhow::Result<ExitCode> {
    create_org(a, true).await
}

pub async fn org(c: OrgCommand) -> anyhow::Result<ExitCode> {
    match c {
        OrgCommand::Create(a) => create_org(a, false).await,
    }
}

pub async fn audit(c: AuditCommand) -> anyhow::Result<ExitCode> {
    match c {
        AuditCommand::Verify { storage, report } => {
            let store = keyward_store::open(&storage.location()).await?;
            match store.verify_audit_chain().await? {
                Ok(n) => {
                    report.print(
                        format_args!("audit chain intact: {n} events"),
                        json!({"intact": true, "events": n}),
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(b) => {
                    if report.json {
                        println!(
                            "{}",
                            json!({"intact": false, "broken_at": b.seq, "reason": b.reason})
                        );
                    } else {
                        eprintln!("{b}");
                    }
                    Ok(ExitCode::from(1))
                }
            }
        }
        AuditCommand::List(a) => crate::client::audit_list(a).await,
    }
}
