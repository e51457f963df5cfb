//! Real receivers on loopback for what keyward sends: an SMTP server that speaks the protocol
//! over TCP and keeps what arrives, and an HTTP endpoint that keeps webhook deliveries and
//! answers as a test scripts it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message as the SMTP server received it.
#[derive(Clone, Debug)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body exactly as sent (after dot-unstuffing).
    pub data: String,
}

impl Mail {
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let prefix = format!("{}:", name.to_lowercase());
        let mut lines = head.split("\r\n").peekable();
        while let Some(line) = lines.next() {
            if line.to_lowercase().starts_with(&prefix) {
                let mut value = line[prefix.len()..].trim().to_owned();
                // Folded continuation lines.
                while let Some(next) = lines.peek() {
                    if next.starts_with(' ') || next.starts_with('\t') {
                        value.push(' ');
                        value.push_str(next.trim());
                        lines.next();
                    } else {
                        break;
                    }
                }
                return Some(value);
            }
        }
        None
    }

    /// The subject, RFC 2047 encoded words decoded.
    pub fn subject(&self) -> String {
        decode_words(&self.header("Subject").unwrap_or_default())
    }

    /// The body as a mail client shows it: transfer encoding undone, lines joined by `\n`.
    pub fn body(&self) -> String {
        let raw = self
            .data
            .split_once("\r\n\r\n")
            .map(|(_, b)| b)
            .unwrap_or_default();
        let encoding = self
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_lowercase();
        let bytes = match encoding.as_str() {
            "quoted-printable" => quoted_printable(raw),
            "base64" => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(raw.split_whitespace().collect::<String>())
                    .expect("base64 body")
            }
            _ => raw.as_bytes().to_vec(),
        };
        String::from_utf8(bytes)
            .expect("UTF-8 body")
            .replace("\r\n", "\n")
    }
}

/// RFC 2047: `=?utf-8?b?…?=` and `=?utf-8?q?…?=` words; the space between two words goes.
fn decode_words(s: &str) -> String {
    use base64::Engine as _;
    let mut out = Vec::new();
    let mut last_was_word = false;
    for (i, part) in s.split(' ').enumerate() {
        let word = part
            .strip_prefix("=?")
            .and_then(|p| p.strip_suffix("?="))
            .and_then(|p| {
                let mut it = p.splitn(3, '?');
                Some((it.next()?, it.next()?, it.next()?))
            });
        match word {
            Some((_charset, enc, text)) => {
                if i > 0 && !last_was_word {
                    out.push(b' ');
                }
                let bytes = if enc.eq_ignore_ascii_case("b") {
                    base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .unwrap_or_default()
                } else {
                    quoted_printable(&text.replace('_', " "))
                };
                out.extend(bytes);
                last_was_word = true;
            }
            None => {
                if i > 0 {
                    out.push(b' ');
                }
                out.extend(part.as_bytes());
                last_was_word = false;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// RFC 2045 quoted-printable: `=` at a line's end joins it to the next, `=XX` is a byte.
fn quoted_printable(s: &str) -> Vec<u8> {
    let s = s.replace("=\r\n", "");
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && let Some(v) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// How the SMTP sink speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpMode {
    /// No TLS at all, as a local relay.
    Plain,
    /// Offers STARTTLS, and AUTH once the connection is encrypted (port 587 style).
    StartTls,
    /// TLS from the first byte (port 465 style), with AUTH.
    Implicit,
}

/// What every connection of a sink shares.
#[derive(Clone)]
struct SinkState {
    kept: Arc<Mutex<Vec<Mail>>>,
    stall: Arc<std::sync::atomic::AtomicUsize>,
    stalled: Arc<std::sync::atomic::AtomicUsize>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    /// (user, password) pairs that authenticated.
    logins: Arc<Mutex<Vec<(String, String)>>>,
}

pub struct SmtpSink {
    pub port: u16,
    pub mode: SmtpMode,
    /// The sink's self-signed certificate (PEM), to trust as a CA; `None` in plain mode.
    pub ca_pem: Option<String>,
    state: SinkState,
}

/// A self-signed certificate for 127.0.0.1 and localhost, and the TLS acceptor serving it.
fn tls_acceptor() -> (tokio_rustls::TlsAcceptor, String) {
    use tokio_rustls::rustls;
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
        .expect("certificate");
    let pem = cert.cert.pem();
    let der = cert.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::try_from(cert.signing_key.serialize_der()).expect("key");
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("protocols")
            .with_no_client_auth()
            .with_single_cert(vec![der], key)
            .expect("server config");
    (tokio_rustls::TlsAcceptor::from(Arc::new(config)), pem)
}

impl SmtpSink {
    pub async fn start() -> Self {
        Self::start_mode(SmtpMode::Plain).await
    }

    pub async fn start_mode(mode: SmtpMode) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind SMTP sink");
        let port = listener.local_addr().unwrap().port();
        let (tls, ca_pem) = match mode {
            SmtpMode::Plain => (None, None),
            _ => {
                let (a, pem) = tls_acceptor();
                (Some(a), Some(pem))
            }
        };
        let state = SinkState {
            kept: Arc::new(Mutex::new(Vec::new())),
            stall: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
            stalled: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
            tls,
            logins: Arc::new(Mutex::new(Vec::new())),
        };
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let _ = match (mode, state.tls.clone()) {
                        (SmtpMode::Implicit, Some(acceptor)) => match acceptor.accept(conn).await {
                            Ok(tls) => session(Box::new(tls), state, mode, true).await,
                            Err(_) => Ok(()),
                        },
                        _ => session(Box::new(conn), state, mode, false).await,
                    };
                });
            }
        });
        Self {
            port,
            mode,
            ca_pem,
            state,
        }
    }

    /// The next `n` messages are received but never acknowledged: the sender waits on.
    pub fn stall_next(&self, n: usize) {
        self.state.stall.store(n, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn stalled(&self) -> usize {
        self.state.stalled.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The URL keyward is configured with: `smtp://127.0.0.1:PORT?tls=none` in plain mode,
    /// `smtp://keyward:s3cret@127.0.0.1:PORT` (STARTTLS) or `smtps://…` otherwise.
    pub fn url(&self) -> String {
        match self.mode {
            SmtpMode::Plain => format!("smtp://127.0.0.1:{}?tls=none", self.port),
            SmtpMode::StartTls => format!("smtp://keyward:s3cret@127.0.0.1:{}", self.port),
            SmtpMode::Implicit => format!("smtps://keyward:s3cret@127.0.0.1:{}", self.port),
        }
    }

    pub fn logins(&self) -> Vec<(String, String)> {
        self.state.logins.lock().unwrap().clone()
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.state.kept.lock().unwrap().clone()
    }

    /// Waits until at least `n` messages arrived (at most 20 s), then answers all of them.
    pub async fn wait_for(&self, n: usize) -> Vec<Mail> {
        for _ in 0..200 {
            if self.state.kept.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let got = self.mails();
        assert!(
            got.len() >= n,
            "expected {n} emails, got {}: {:#?}",
            got.len(),
            subjects(&got)
        );
        got
    }

    /// Asserts that exactly `n` messages arrived and no more come within a few scheduler ticks.
    pub async fn expect_exactly(&self, n: usize) -> Vec<Mail> {
        self.wait_for(n).await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        let got = self.mails();
        assert_eq!(got.len(), n, "unexpected emails: {:#?}", subjects(&got));
        got
    }
}

pub fn subjects(mails: &[Mail]) -> Vec<(String, Vec<String>)> {
    mails.iter().map(|m| (m.subject(), m.to.clone())).collect()
}

fn addr(arg: &str) -> String {
    let a = arg.split_once(':').map(|(_, r)| r).unwrap_or(arg).trim();
    let a = a.split_whitespace().next().unwrap_or("");
    a.trim_start_matches('<').trim_end_matches('>').to_owned()
}

/// A connection, plain or encrypted.
trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Io for T {}

/// One SMTP conversation. After STARTTLS it starts over on the encrypted stream.
fn session(
    stream: Box<dyn Io>,
    state: SinkState,
    mode: SmtpMode,
    encrypted: bool,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<()>> + Send>> {
    Box::pin(async move {
        use base64::Engine as _;
        use std::sync::atomic::Ordering;
        let mut s = BufReader::new(stream);
        if !(encrypted && mode == SmtpMode::StartTls) {
            s.get_mut().write_all(b"220 sink.test ESMTP ready\r\n").await?;
        }
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            if s.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end().to_owned();
            let verb = cmd.split_whitespace().next().unwrap_or("").to_uppercase();
            let w = s.get_mut();
            match verb.as_str() {
                "EHLO" => {
                    let mut reply = String::from("250-sink.test\r\n250-8BITMIME\r\n");
                    if mode == SmtpMode::StartTls && !encrypted {
                        reply.push_str("250-STARTTLS\r\n");
                    }
                    if encrypted {
                        reply.push_str("250-AUTH PLAIN LOGIN\r\n");
                    }
                    reply.push_str("250 SMTPUTF8\r\n");
                    w.write_all(reply.as_bytes()).await?
                }
                "STARTTLS" if mode == SmtpMode::StartTls && !encrypted => {
                    w.write_all(b"220 go ahead\r\n").await?;
                    let acceptor = state.tls.clone().expect("TLS acceptor");
                    let tls = acceptor.accept(s.into_inner()).await?;
                    return session(Box::new(tls), state, mode, true).await;
                }
                "AUTH" if encrypted => {
                    let mut parts = cmd.split_whitespace().skip(1);
                    let mechanism = parts.next().unwrap_or("").to_uppercase();
                    let initial = parts.next().map(str::to_owned);
                    let decoded = |b64: &str| {
                        base64::engine::general_purpose::STANDARD
                            .decode(b64.trim())
                            .map(|b| String::from_utf8_lossy(&b).into_owned())
                            .unwrap_or_default()
                    };
                    let (user, pass) = if mechanism == "PLAIN" {
                        let response = match initial {
                            Some(r) => r,
                            None => {
                                s.get_mut().write_all(b"334 \r\n").await?;
                                line.clear();
                                s.read_line(&mut line).await?;
                                line.clone()
                            }
                        };
                        let plain = decoded(&response);
                        let mut it = plain.split('\0').skip(1);
                        (
                            it.next().unwrap_or("").to_owned(),
                            it.next().unwrap_or("").to_owned(),
                        )
                    } else {
                        // LOGIN: username and password, each asked for.
                        let mut answers = Vec::new();
                        for prompt in [&b"334 VXNlcm5hbWU6\r\n"[..], b"334 UGFzc3dvcmQ6\r\n"] {
                            s.get_mut().write_all(prompt).await?;
                            line.clear();
                            s.read_line(&mut line).await?;
                            answers.push(decoded(&line));
                        }
                        (answers[0].clone(), answers[1].clone())
                    };
                    let ok = user == "keyward" && pass == "s3cret";
                    state.logins.lock().unwrap().push((user, pass));
                    let reply: &[u8] = if ok {
                        b"235 authenticated\r\n"
                    } else {
                        b"535 bad credentials\r\n"
                    };
                    s.get_mut().write_all(reply).await?
                }
                "HELO" | "NOOP" => w.write_all(b"250 ok\r\n").await?,
                "RSET" => {
                    from.clear();
                    to.clear();
                    w.write_all(b"250 ok\r\n").await?
                }
                "MAIL" => {
                    if mode != SmtpMode::Plain && !encrypted {
                        w.write_all(b"530 must issue STARTTLS first\r\n").await?;
                        continue;
                    }
                    from = addr(&cmd);
                    w.write_all(b"250 ok\r\n").await?
                }
                "RCPT" => {
                    to.push(addr(&cmd));
                    w.write_all(b"250 ok\r\n").await?
                }
                "DATA" => {
                    w.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                    let mut data = String::new();
                    loop {
                        line.clear();
                        if s.read_line(&mut line).await? == 0 {
                            return Ok(());
                        }
                        if line == ".\r\n" || line == ".\n" {
                            break;
                        }
                        let l = line.strip_prefix('.').unwrap_or(&line);
                        data.push_str(l);
                    }
                    if state
                        .stall
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok()
                    {
                        // Never answer: the message is not accepted, and the sender hangs until
                        // it gives up or dies.
                        state.stalled.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                        return Ok(());
                    }
                    state.kept.lock().unwrap().push(Mail {
                        from: std::mem::take(&mut from),
                        to: std::mem::take(&mut to),
                        data,
                    });
                    s.get_mut().write_all(b"250 queued\r\n").await?
                }
                "QUIT" => {
                    w.write_all(b"221 bye\r\n").await?;
                    return Ok(());
                }
                _ => w.write_all(b"502 not implemented\r\n").await?,
            }
        }
    })
}

/// One webhook delivery as the receiver saw it.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
    /// What the receiver answered.
    pub status: u16,
}

pub struct WebhookReceiver {
    pub url: String,
    deliveries: Arc<Mutex<Vec<Delivery>>>,
    /// Statuses to answer, in order; 200 once they run out.
    script: Arc<Mutex<VecDeque<u16>>>,
}

impl WebhookReceiver {
    pub async fn start() -> Self {
        use axum::http::{HeaderMap, StatusCode};
        let deliveries = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::new()));
        let (d, s) = (deliveries.clone(), script.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let (d, s) = (d.clone(), s.clone());
                async move {
                    let status = s.lock().unwrap().pop_front().unwrap_or(200);
                    let h = |n: &str| {
                        headers
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_owned()
                    };
                    d.lock().unwrap().push(Delivery {
                        id: h("webhook-id"),
                        timestamp: h("webhook-timestamp"),
                        signature: h("webhook-signature"),
                        body,
                        status,
                    });
                    StatusCode::from_u16(status).unwrap()
                }
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url,
            deliveries,
            script,
        }
    }

    /// The next answers, such as `[500, 500]` to fail twice.
    pub fn answer(&self, statuses: &[u16]) {
        self.script.lock().unwrap().extend(statuses);
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.lock().unwrap().clone()
    }

    pub async fn wait_for(&self, n: usize) -> Vec<Delivery> {
        for _ in 0..200 {
            if self.deliveries.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let got = self.deliveries();
        assert!(got.len() >= n, "expected {n} deliveries, got {}", got.len());
        got
    }
}

/// Checks deliveries' signatures with the Standard Webhooks reference library for Python
/// (`pip install standardwebhooks`), an implementation independent of keyward's. Without it
/// the check says so and is skipped — except under `CI=true`, where that is a failure.
pub fn verify_with_reference_library(secret: &str, deliveries: &[Delivery]) -> bool {
    let script = r#"
import json, sys
from datetime import datetime, timezone
import standardwebhooks.webhooks as reference
from standardwebhooks.webhooks import Webhook

# The tests move keyward's clock; the library's freshness check reads the wall clock. Freeze
# the library's "now" at each delivery's own time, so that the signature is what is checked.
class Frozen(datetime):
    at = 0
    @classmethod
    def now(cls, tz=None):
        return datetime.fromtimestamp(cls.at, tz=timezone.utc)
reference.datetime = Frozen

req = json.load(sys.stdin)
wh = Webhook(req["secret"])
for d in req["deliveries"]:
    Frozen.at = int(d["timestamp"])
    wh.verify(d["body"], {"webhook-id": d["id"], "webhook-timestamp": d["timestamp"], "webhook-signature": d["signature"]})
    tampered = d["body"].replace("token", "t0ken", 1)
    try:
        wh.verify(tampered, {"webhook-id": d["id"], "webhook-timestamp": d["timestamp"], "webhook-signature": d["signature"]})
        print("a tampered payload verified"); sys.exit(2)
    except Exception:
        pass
print("ok", len(req["deliveries"]))
"#;
    let missing = "the Python package standardwebhooks is not installed (pip install standardwebhooks); \
                   webhook signatures NOT checked with the reference library";
    if !crate::helpers::prerequisite(crate::helpers::python_has("standardwebhooks"), missing) {
        return false;
    }
    let input = serde_json::json!({
        "secret": secret,
        "deliveries": deliveries.iter().map(|d| serde_json::json!({
            "id": d.id, "timestamp": d.timestamp, "signature": d.signature, "body": d.body,
        })).collect::<Vec<_>>(),
    });
    let mut python = std::process::Command::new("python3");
    let out = crate::cli::output_with_input(python.args(["-c", script]), &input.to_string());
    crate::cli::succeeded(&out, "the reference library refused a signature");
    true
}
