//! `keyward.toml`: the last source of settings. Flags win, then `KEYWARD_*` environment
//! variables, then this file; each of its keys becomes the default of the flag of that name.
//!
//! ```toml
//! listen = "0.0.0.0:8080"
//! database_url = "postgres://keyward@db/keyward"
//! trusted_proxies = ["10.0.0.10"]
//! public_url = "https://keys.example.com"
//! smtp_url = "smtp://keyward:secret@mail.example.com:587"
//! mail_from = "keyward <keyward@example.com>"
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Command;

/// Settings the file may hold: the long flag names, with `_` for `-`.
const KNOWN: &[&str] = &[
    "listen",
    "grpc_listen",
    "data_dir",
    "database_url",
    "token_prefix",
    "public_url",
    "trusted_proxies",
    "log",
    "log_format",
    "no_migrate",
    "smtp_url",
    "smtp_ca_file",
    "mail_from",
    "scheduler_interval_ms",
    "usage_flush_interval_ms",
    "outbox_interval_ms",
    "outbox_lease_seconds",
    "key_encryption_key",
    "access_token_ttl_seconds",
    "signing_key_rotation_days",
    "header_timeout_seconds",
    "request_timeout_seconds",
    "max_connections",
    "metrics_token",
    "webhook_allow",
    "github_secret_scanning_keys_url",
    "gitlab_secret_scanning_keys_url",
    "url",
];

/// The file named by `KEYWARD_CONFIG`, else `./keyward.toml` when it exists.
pub fn load() -> anyhow::Result<BTreeMap<String, String>> {
    let (path, required) = match std::env::var_os("KEYWARD_CONFIG") {
        Some(p) => (PathBuf::from(p), true),
        None => (PathBuf::from("keyward.toml"), false),
    };
    if !path.exists() {
        if required {
            bail!("KEYWARD_CONFIG names {}, which does not exist", path.display());
        }
        return Ok(BTreeMap::new());
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    parse(&text).with_context(|| format!("in {}", path.display()))
}

pub fn parse(text: &str) -> anyhow::Result<BTreeMap<String, String>> {
    let table: toml::Table = text.parse().context("not valid TOML")?;
    let mut out = BTreeMap::new();
    for (key, value) in table {
        let name = key.replace('-', "_");
        if !KNOWN.contains(&name.as_str()) {
            bail!("unknown setting {key:?}; known: {}", KNOWN.join(", "));
        }
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Array(items) => items
                .iter()
                .map(|v| match v {
                    toml::Value::String(s) => Ok(s.clone()),
                    toml::Value::Integer(i) => Ok(i.to_string()),
                    other => Err(anyhow::anyhow!(
                        "{key} holds a {}, not a string",
                        other.type_str()
                    )),
                })
                .collect::<anyhow::Result<Vec<_>>>()?
                .join(","),
            other => bail!(
                "{key} must be a string, number, boolean or list, not {}",
                other.type_str()
            ),
        };
        out.insert(name, value);
    }
    Ok(out)
}

/// Makes each setting the default of every flag with its name, in every subcommand.
pub fn apply(cmd: Command, settings: &BTreeMap<String, String>) -> Command {
    let cmd = cmd.mut_args(|arg| match settings.get(arg.get_id().as_str()) {
        // clap keeps defaults for the life of the program; these are read once at start.
        Some(v) => arg.default_value(&*Box::leak(v.clone().into_boxed_str())),
        None => arg,
    });
    cmd.mut_subcommands(|sub| apply(sub, settings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_settings_become_strings_and_unknown_ones_are_refused() {
        let s = parse(
            "listen = \"0.0.0.0:9000\"\ntrusted_proxies = [\"10.0.0.1\", \"10.0.0.2\"]\nno-migrate = true\n",
        )
        .unwrap();
        assert_eq!(s["listen"], "0.0.0.0:9000");
        assert_eq!(s["trusted_proxies"], "10.0.0.1,10.0.0.2");
        assert_eq!(s["no_migrate"], "true");
        let e = parse("colour = \"red\"").unwrap_err();
        assert!(format!("{e:#}").contains("unknown setting \"colour\""), "{e:#}");
        assert!(parse("listen = ").is_err());
    }

    /// A flag added to `serve` can be set in the file too.
    #[test]
    fn every_serve_setting_can_be_set_in_the_file() {
        use clap::CommandFactory;
        let cli = crate::Cli::command();
        let serve = cli.find_subcommand("serve").unwrap();
        for arg in serve.get_arguments() {
            let id = arg.get_id().as_str();
            if arg.get_long().is_some() && id != "help" {
                assert!(
                    KNOWN.contains(&id),
                    "--{} is missing from keyward.toml's settings",
                    id.replace('_', "-")
                );
            }
        }
    }
}
