//! The `keyward` binary: runs the server, administers storage directly (init, organizations,
//! audit verification), and is a client of the management API for everything else.

mod admin;
mod client;
mod config;
mod dev;
mod scan;

/// mimalloc rather than glibc's allocator: a bulk import spent a quarter of the server's time
/// in malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

#[derive(Parser)]
#[command(name = "keyward", version, about = "Issue, manage and verify API credentials")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where keyward keeps its data.
#[derive(Args, Clone)]
pub struct StorageArgs {
    /// Directory of the embedded SQLite database.
    #[arg(long, env = "KEYWARD_DATA_DIR", default_value = "./keyward-data")]
    pub data_dir: PathBuf,
    /// A `postgres://` URL instead of the data directory.
    #[arg(long, env = "KEYWARD_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

impl StorageArgs {
    pub fn location(&self) -> keyward_store::StoreLocation {
        keyward_store::StoreLocation::from_options(self.database_url.as_deref(), &self.data_dir)
    }
}

/// How a local command reports what it did: a sentence, or with `--json` one JSON object.
#[derive(Args, Clone, Copy)]
pub struct ReportArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

impl ReportArgs {
    /// Prints `text`, or `value` as JSON.
    pub fn print(self, text: impl std::fmt::Display, value: serde_json::Value) {
        if self.json {
            println!("{value}");
        } else {
            println!("{text}");
        }
    }
}

/// How to reach a running keyward.
#[derive(Args, Clone)]
pub struct ClientArgs {
    /// Base URL of the keyward server.
    #[arg(
        long,
        env = "KEYWARD_URL",
        default_value = "http://127.0.0.1:8080",
        global = true,
        display_order = 100
    )]
    pub url: String,
    /// A session from `keyward login`, or a token holding keyward:* permissions.
    #[arg(
        long,
        env = "KEYWARD_TOKEN",
        hide_env_values = true,
        global = true,
        display_order = 101
    )]
    pub token: Option<String>,
    /// Print JSON instead of tables.
    #[arg(long, global = true, display_order = 102)]
    pub json: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(admin::ServeArgs),
    /// Create the first organization and its super admin in an empty data directory.
    Init(admin::InitArgs),
    /// Organizations.
    #[command(subcommand)]
    Org(admin::OrgCommand),
    /// Apply database migrations (for deployments whose nodes run with --no-migrate).
    Migrate(admin::MigrateArgs),
    /// Copy a SQLite deployment into an empty PostgreSQL database.
    Copy(admin::CopyArgs),
    /// The audit trail.
    #[command(subcommand)]
    Audit(admin::AuditCommand),
    /// Access-token signing keys.
    #[command(subcommand)]
    Keys(admin::KeysCommand),
    /// Write a consistent copy of the database while the server runs (SQLite).
    Backup(admin::BackupArgs),
    /// Restore a backup into an empty data directory, checking it first.
    Restore(admin::RestoreArgs),
    /// Log in as a member; prints a session token to use as KEYWARD_TOKEN.
    Login {
        #[command(flatten)]
        client: ClientArgs,
        /// The member's email; the password comes from KEYWARD_PASSWORD or standard input.
        #[arg(long)]
        email: String,
    },
    /// End the session in KEYWARD_TOKEN (it stops working at once, on every node).
    Logout {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// API user profiles.
    #[command(name = "api-user")]
    ApiUser(client::Remote<client::ApiUserCommand>),
    /// Tokens.
    Token(client::Remote<client::TokenCommand>),
    /// Permission groups.
    Group(client::Remote<client::GroupCommand>),
    /// Integrations.
    Integration(client::Remote<client::IntegrationCommand>),
    /// Members: the people who sign in to the dashboard and the API.
    Member(client::Remote<client::MemberCommand>),
    /// The platform's routes ("API URLs"), which gateways enforce through /v1/forward-auth.
    Route(client::Remote<client::RouteCommand>),
    /// Ask keyward whether a token may make a call. Exits 0 when VALID, 3 otherwise.
    Verify(client::VerifyArgs),
    /// Find keyward tokens in files, standard input or a git history (offline; exits 1 when
    /// it finds any). With --report, keyward handles those of your organization as leaked.
    Scan(scan::ScanArgs),
    /// Tools for benchmarks and scale tests.
    #[command(subcommand)]
    Dev(dev::DevCommand),
}

fn main() -> ExitCode {
    let settings = match config::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let matches = config::apply(Cli::command(), &settings).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(a) => admin::serve(a).await,
            Command::Init(a) => admin::init(a).await,
            Command::Org(c) => admin::org(c).await,
            Command::Migrate(a) => admin::migrate(a).await,
            Command::Copy(a) => admin::copy(a).await,
            Command::Audit(c) => admin::audit(c).await,
            Command::Backup(a) => admin::backup(a).await,
            Command::Keys(c) => admin::keys(c).await,
            Command::Restore(a) => admin::restore(a).await,
            Command::Login { client, email } => client::login(client, email).await,
            Command::Logout { client } => client::logout(client).await,
            Command::ApiUser(r) => client::api_user(r.api()?, r.command).await,
            Command::Token(r) => client::token(r.api()?, r.command).await,
            Command::Group(r) => client::group(r.api()?, r.command).await,
            Command::Integration(r) => client::integration(r.api()?, r.command).await,
            Command::Member(r) => client::member(r.api()?, r.command).await,
            Command::Route(r) => client::route(r.api()?, r.command).await,
            Command::Verify(a) => client::verify(a).await,
            Command::Scan(a) => scan::scan(a).await,
            Command::Dev(c) => dev::dev(c).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }

    /// Every command and every option says what it is for in `--help`.
    #[test]
    fn every_command_and_option_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let here = format!("{path} {}", cmd.get_name());
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" || arg.is_hide_set() {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{here} --{}", arg.get_long().unwrap_or(id)));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none() && sub.get_name() != "help" {
                    missing.push(format!("{here} {}", sub.get_name()));
                }
                walk(sub, &here, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "", &mut missing);
        assert!(missing.is_empty(), "without help text: {missing:#?}");
    }

    /// Every command a script might read takes `--json` (only `serve` runs instead of answering;
    /// its logs have `--log-format json`).
    #[test]
    fn every_command_takes_json() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let here = format!("{path} {}", cmd.get_name());
            let leaf = cmd.get_subcommands().all(|s| s.get_name() == "help");
            if leaf
                && !matches!(cmd.get_name(), "serve" | "help")
                && !cmd.get_arguments().any(|a| a.get_long() == Some("json"))
            {
                missing.push(here.clone());
            }
            for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
                walk(sub, &here, missing);
            }
        }
        // Built, so the options a group gives all its subcommands (`global`) are on each.
        let mut cli = super::Cli::command();
        cli.build();
        let mut missing = Vec::new();
        walk(&cli, "", &mut missing);
        assert!(missing.is_empty(), "without --json: {missing:#?}");
    }
}
