//! How a server is set up: what `keyward serve`'s flags, environment and `keyward.toml` come
//! to, grouped by what each part of the server reads.

use std::net::SocketAddr;
use std::time::Duration;

use keyward_core::TokenPrefix;
use keyward_service::verify::CacheSettings;

use crate::jobs::JobSettings;

#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub http: HttpSettings,
    pub token_prefix: TokenPrefix,
    pub session_ttl: time::Duration,
    /// Base of links keyward prints or sends, such as the setup link.
    pub public_url: Option<String>,
    /// When set, `/metrics` answers only `Authorization: Bearer <this>`.
    pub metrics_token: Option<String>,
    /// Internal destinations (addresses, CIDR ranges, host names) webhooks may reach anyway;
    /// by default loopback, private, link-local and the like are refused.
    pub webhook_allow: Vec<String>,
    pub cache: CacheSettings,
    pub usage_flush_interval: Duration,
    pub mail: MailSettings,
    pub jobs: JobSettings,
    pub oauth: OAuthSettings,
    pub scanners: ScannerSettings,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            http: HttpSettings::default(),
            token_prefix: TokenPrefix::default(),
            session_ttl: time::Duration::hours(12),
            public_url: None,
            metrics_token: None,
            webhook_allow: Vec::new(),
            cache: CacheSettings::default(),
            usage_flush_interval: Duration::from_secs(1),
            mail: MailSettings::default(),
            jobs: JobSettings::default(),
            oauth: OAuthSettings::default(),
            scanners: ScannerSettings::default(),
        }
    }
}

/// Where the server listens, whom it believes, and how much it takes from a client.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    pub listen: SocketAddr,
    /// Where Envoy's ext_authz gRPC service listens; off when `None`.
    pub grpc_listen: Option<SocketAddr>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub body_limit: usize,
    pub request_timeout: Duration,
    /// How long a client has to send a request's headers (also how long an idle connection
    /// waits for its first request).
    pub header_timeout: Duration,
    /// Connections served at once; more are closed as they arrive.
    pub max_connections: usize,
    /// How long shutdown waits for in-flight requests.
    pub shutdown_grace: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            grpc_listen: None,
            trusted_proxies: Vec::new(),
            body_limit: 64 * 1024,
            request_timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// How keyward's emails leave: without an SMTP server they wait in the outbox.
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// `smtp://user:pass@host:port` (STARTTLS), `smtps://…` (implicit TLS) or
    /// `smtp://host:port?tls=none` (a local relay).
    pub smtp_url: Option<String>,
    /// Certificate authorities (PEM) to trust for the SMTP server, besides the system's.
    pub smtp_ca_pem: Option<Vec<u8>>,
    /// The sender of keyward's emails.
    pub from: String,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            smtp_ca_pem: None,
            from: "keyward@localhost".into(),
        }
    }
}

/// OAuth access tokens and the keys that sign them.
#[derive(Clone, Debug)]
pub struct OAuthSettings {
    /// Lifetime of access tokens.
    pub access_token_ttl: time::Duration,
    /// Encrypts signing keys at rest; without it one is generated and kept in the database.
    pub key_encryption_key: Option<[u8; 32]>,
    /// How often the signing key is replaced.
    pub signing_key_rotation: time::Duration,
    /// The `aud` of access tokens; the issuer (public URL) by default.
    pub audience: Option<String>,
}

impl Default for OAuthSettings {
    fn default() -> Self {
        Self {
            access_token_ttl: time::Duration::minutes(15),
            key_encryption_key: None,
            signing_key_rotation: time::Duration::days(30),
            audience: None,
        }
    }
}

/// Where secret scanners publish the keys that sign their reports; `None` turns that
/// scanner's endpoint (`/v1/secret-scanning/github`, `…/gitlab`) off.
#[derive(Clone, Debug)]
pub struct ScannerSettings {
    pub github_keys_url: Option<String>,
    /// Off by default.
    pub gitlab_keys_url: Option<String>,
}

impl Default for ScannerSettings {
    fn default() -> Self {
        Self {
            github_keys_url: Some(crate::api::secret_scanning::GITHUB_KEYS_URL.into()),
            gitlab_keys_url: None,
        }
    }
}
