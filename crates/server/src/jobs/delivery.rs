//! Delivering outbox messages: email over SMTP (lettre) and webhooks signed the Standard
//! Webhooks way (HMAC-SHA256 over `{id}.{timestamp}.{body}`).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use keyward_core::WebhookEndpoint;
use keyward_service::webhooks::WebhookAllow;
use lettre::message::header::ContentType;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;

/// How mail leaves keyward.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
}

/// A URL that names an SMTP server without showing its password, for logs.
pub fn redact_smtp_url(url: &str) -> String {
    match url
        .split_once("://")
        .and_then(|(s, rest)| rest.rsplit_once('@').map(|(_, host)| (s, host)))
    {
        Some((scheme, host)) => format!("{scheme}://***@{host}"),
        None => url.to_owned(),
    }
}

impl Mailer {
    /// `smtp://user:pass@host:port` talks STARTTLS (required), `smtps://…` implicit TLS, and
    /// `smtp://host:port?tls=none` plain SMTP for a relay on the same machine or network.
    /// `ca_pem` adds certificate authorities to trust besides the system's (an internal CA).
    pub fn new(smtp_url: &str, from: &str, ca_pem: Option<&[u8]>) -> anyhow::Result<Self> {
        let (url, plain) = match smtp_url.split_once('?') {
            Some((base, "tls=none")) => (base.to_owned(), true),
            Some((_, q)) if q.starts_with("tls=") => (smtp_url.to_owned(), false),
            Some(_) => anyhow::bail!("the SMTP URL's only parameter is tls=none|required|opportunistic"),
            None => (smtp_url.to_owned(), false),
        };
        let url = if !plain && url.starts_with("smtp://") && !url.contains("?tls=") {
            format!("{url}?tls=required")
        } else {
            url
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
            .map_err(|e| anyhow::anyhow!("bad SMTP URL {}: {e}", redact_smtp_url(smtp_url)))?
            .timeout(Some(Duration::from_secs(20)));
        if let Some(pem) = ca_pem {
            if plain {
                anyhow::bail!("an SMTP CA file makes no sense with tls=none");
            }
            let host = url_host(&url).ok_or_else(|| anyhow::anyhow!("the SMTP URL names no host"))?;
            if !String::from_utf8_lossy(pem).contains("-----BEGIN CERTIFICATE-----") {
                anyhow::bail!("the SMTP CA file holds no PEM certificate");
            }
            let ca = Certificate::from_pem(pem).map_err(|e| anyhow::anyhow!("bad SMTP CA file: {e}"))?;
            let params = TlsParameters::builder(host)
                .add_root_certificate(ca)
                .build_rustls()
                .map_err(|e| anyhow::anyhow!("SMTP TLS: {e}"))?;
            builder = builder.tls(if url.starts_with("smtps://") {
                Tls::Wrapper(params)
            } else if url.contains("tls=opportunistic") {
                Tls::Opportunistic(params)
            } else {
                Tls::Required(params)
            });
        }
        let transport = builder.build();
        let from = from
            .parse()
            .map_err(|e| anyhow::anyhow!("bad sender address {from:?}: {e}"))?;
        Ok(Self { transport, from })
    }

    pub async fn send(&self, to: &str, subject: &str, body: &str) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(to
                .parse()
                .map_err(|e| anyhow::anyhow!("bad recipient {to:?}: {e}"))?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())?;
        self.transport
            .send(message)
            .await
            .map_err(|e| anyhow::anyhow!("SMTP: {e}"))?;
        Ok(())
    }
}

/// The host of an SMTP URL: after the scheme and any credentials, before the port or query.
fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let rest = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split_once(']')?.0,
        None => authority.rsplit_once(':').map(|(h, _)| h).unwrap_or(authority),
    };
    (!host.is_empty()).then(|| host.to_owned())
}

/// The `webhook-signature` header value for a message.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> anyhow::Result<String> {
    let key = B64
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|_| anyhow::anyhow!("the webhook secret is not base64"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| anyhow::anyhow!("{e}"))?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Ok(format!("v1,{}", B64.encode(mac.finalize().into_bytes())))
}

pub struct WebhookSender {
    client: reqwest::Client,
    allow: Arc<WebhookAllow>,
}

/// Resolves a webhook's host name and keeps only the addresses it may reach, so the check
/// holds for the address actually connected to (a name that resolves elsewhere later, DNS
/// rebinding, is checked again on every connection).
struct GuardedResolver(Arc<WebhookAllow>);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow = self.0.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<std::net::SocketAddr> = if allow.host(&host) {
                found
            } else {
                found.into_iter().filter(|a| allow.address(a.ip())).collect()
            };
            if kept.is_empty() {
                return Err(Box::new(Refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// A destination webhooks may not reach.
#[derive(Debug)]
struct Refused;

const REFUSED: &str = "the destination is an internal address";

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REFUSED)
    }
}

impl std::error::Error for Refused {}

impl WebhookSender {
    pub fn new(allow: WebhookAllow) -> anyhow::Result<Self> {
        let allow = Arc::new(allow);
        Ok(Self {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                // A redirect could lead the signed payload somewhere the endpoint's owner did not name.
                .redirect(reqwest::redirect::Policy::none())
                .dns_resolver(Arc::new(GuardedResolver(allow.clone())))
                .user_agent(concat!("keyward-webhooks/", env!("CARGO_PKG_VERSION")))
                .build()?,
            allow,
        })
    }

    /// Whether the endpoint's URL may be posted to: a literal address is checked here (no name
    /// to resolve), a host name by the resolver at connect time.
    fn destination_allowed(&self, url: &str) -> bool {
        // The URL parser writes every spelling of an address (`127.1`, `0x7f000001`,
        // `2130706433`) in its canonical form.
        let Some(host) = reqwest::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
        else {
            return false;
        };
        match host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
        {
            Ok(ip) => self.allow.address(ip),
            Err(_) => true,
        }
    }

    /// Posts the payload; any 2xx answer is a delivery. `id` stays the same across retries so
    /// receivers can drop duplicates.
    pub async fn send(
        &self,
        endpoint: &WebhookEndpoint,
        id: &str,
        timestamp: i64,
        body: &str,
    ) -> anyhow::Result<()> {
        // What the organization sees of a failure is generic (the outbox is readable by
        // auditors, and must not map the network); the detail goes to this server's log.
        if !self.destination_allowed(&endpoint.url) {
            tracing::warn!(endpoint = %endpoint.id, "webhook refused: the destination is an internal address");
            anyhow::bail!("the destination is not allowed (an internal address; see --webhook-allow)");
        }
        let signature = sign(&endpoint.secret, id, timestamp, body)?;
        let res = self
            .client
            .post(&endpoint.url)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body.to_owned())
            .send()
            .await
            .map_err(|e| {
                let e = e.without_url();
                tracing::warn!(endpoint = %endpoint.id, error = %e, "webhook delivery failed");
                let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&e);
                let mut refused = false;
                while let Some(c) = cause {
                    // The resolver's refusal arrives boxed by the connector: know it by type or by
                    // its words.
                    refused |= c.is::<Refused>() || c.to_string().contains(REFUSED);
                    cause = c.source();
                }
                if refused {
                    anyhow::anyhow!(
                        "the destination is not allowed (an internal address; see --webhook-allow)"
                    )
                } else if e.is_timeout() {
                    anyhow::anyhow!("the endpoint did not answer in time")
                } else {
                    anyhow::anyhow!("the endpoint could not be reached")
                }
            })?;
        if res.status().is_success() {
            Ok(())
        } else {
            anyhow::bail!("{} answered HTTP {}", endpoint.url, res.status().as_u16())
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn signature_matches_the_standard_webhooks_example() {
        // The example from the Standard Webhooks specification.
        let sig = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[tokio::test]
    async fn smtp_urls() {
        let from = "keyward@example.com";
        assert!(Mailer::new("smtp://user:pw@mail.example.com:587", from, None).is_ok());
        assert!(Mailer::new("smtps://mail.example.com", from, None).is_ok());
        assert!(Mailer::new("smtp://127.0.0.1:2525?tls=none", from, None).is_ok());
        assert!(Mailer::new("smtp://127.0.0.1:2525?x=1", from, None).is_err());
        assert!(Mailer::new("smtp://127.0.0.1:2525", "not an address", None).is_err());
        assert!(Mailer::new("smtp://127.0.0.1:2525", from, Some(b"not a certificate")).is_err());
        assert_eq!(
            url_host("smtp://u:p@mail.example.com:587?tls=required").as_deref(),
            Some("mail.example.com")
        );
        assert_eq!(url_host("smtps://[::1]:465").as_deref(), Some("::1"));
        assert_eq!(url_host("smtp://relay").as_deref(), Some("relay"));
        assert_eq!(
            redact_smtp_url("smtp://user:pw@mail.example.com:587"),
            "smtp://***@mail.example.com:587"
        );
    }
}
