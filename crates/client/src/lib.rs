//! A typed client for keyward's HTTP API. Requests and answers are the types the server itself
//! parses and renders (`keyward-api`, re-exported as [`api`]), so the two cannot drift: a
//! renamed field fails to compile here rather than at a customer's.
//!
//! ```no_run
//! # async fn example() -> Result<(), keyward_client::Error> {
//! use keyward_client::{Client, api};
//! let admin = Client::new("http://127.0.0.1:8080", Some(std::env::var("KEYWARD_TOKEN").unwrap()))?;
//! let group = admin
//!     .groups()
//!     .create(&api::CreateGroup {
//!         name: "crm".into(),
//!         description: String::new(),
//!         permissions: vec!["contacts:read".into()],
//!     })
//!     .await?;
//! let user = admin.api_users().create(&api::CreateApiUser::new("crm-sync", group.id)).await?;
//! let token = admin.create_token(&user.username, &api::CreateToken::named("prod")).await?;
//! println!("{}", token.token); // shown once
//! # Ok(()) }
//! ```

use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use keyward_api as api;
use keyward_api::{List, Problem};

pub use collection::Collection;

mod api_users;
mod audit;
mod collection;
mod credits;
mod members;
mod tokens;
mod verify;

/// What can go wrong calling keyward.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No credential, and the operation needs one.
    #[error("not signed in: run `keyward login --email <you>` or set KEYWARD_TOKEN")]
    NotSignedIn,
    /// The request never got an answer (connection refused, DNS, TLS, timeout).
    #[error("cannot reach keyward at {url}")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// keyward refused the request; the problem says why, by `code` and `field`.
    #[error("{}", describe(problem))]
    Api {
        status: StatusCode,
        problem: Box<Problem>,
    },
    /// An answer that is not the documented shape (a proxy's error page, a different server).
    #[error("keyward answered HTTP {status} with a body that is not what the API documents: {detail}")]
    Unexpected { status: StatusCode, detail: String },
}

impl Error {
    /// The problem's machine-readable code, when keyward answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { problem, .. } => Some(&problem.code),
            _ => None,
        }
    }
}

fn describe(p: &Problem) -> String {
    match p.field.as_deref() {
        Some(field) if !p.detail.starts_with(field) => {
            format!("{field}: {} ({}, HTTP {})", p.detail, p.code, p.status)
        }
        _ => format!("{} ({}, HTTP {})", p.detail, p.code, p.status),
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// A keyward server and the credential to call it with: a member session (from
/// [`Client::sign_in`]) or an API token holding `keyward:*` permissions.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Client {
    pub fn new(base_url: &str, token: Option<String>) -> Result<Self> {
        Self::with_user_agent(
            base_url,
            token,
            concat!("keyward-client/", env!("CARGO_PKG_VERSION")),
        )
    }

    pub fn with_user_agent(base_url: &str, token: Option<String>, user_agent: &str) -> Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .build()
            .map_err(|source| Error::Unreachable {
                url: base_url.to_owned(),
                source,
            })?;
        Ok(Self {
            http,
            base: base_url.trim_end_matches('/').to_owned(),
            token,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The same server with another credential.
    pub fn with_token(&self, token: impl Into<String>) -> Self {
        Self {
            token: Some(token.into()),
            ..self.clone()
        }
    }

    fn request(&self, method: Method, path: &str) -> Result<RequestBuilder> {
        let req = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(t) => Ok(req.bearer_auth(t)),
            None if path == "/v1/auth/login" => Ok(req),
            None => Err(Error::NotSignedIn),
        }
    }

    /// Sends and reads the documented answer.
    async fn send<R: DeserializeOwned>(&self, req: RequestBuilder) -> Result<R> {
        let (status, text) = self.exchange(req).await?;
        serde_json::from_str(&text).map_err(|e| Error::Unexpected {
            status,
            detail: e.to_string(),
        })
    }

    /// Sends, for operations that answer nothing (204).
    async fn send_empty(&self, req: RequestBuilder) -> Result<()> {
        self.exchange(req).await.map(drop)
    }

    async fn exchange(&self, req: RequestBuilder) -> Result<(StatusCode, String)> {
        let res = req.send().await.map_err(|source| Error::Unreachable {
            url: self.base.clone(),
            source,
        })?;
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        if status.is_success() {
            return Ok((status, text));
        }
        let problem = serde_json::from_str::<Box<Problem>>(&text).unwrap_or_else(|_| {
            Box::new(Problem {
                kind: "about:blank".into(),
                title: status.canonical_reason().unwrap_or("error").into(),
                status: status.as_u16(),
                detail: text,
                code: "error".into(),
                field: None,
            })
        });
        Err(Error::Api { status, problem })
    }

    async fn get<R: DeserializeOwned>(&self, path: &str, query: &impl Serialize) -> Result<R> {
        self.send(self.request(Method::GET, path)?.query(query)).await
    }

    async fn post<R: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<R> {
        self.send(self.request(Method::POST, path)?.json(body)).await
    }

    async fn patch<R: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<R> {
        self.send(self.request(Method::PATCH, path)?.json(body)).await
    }

    async fn delete(&self, path: &str) -> Result<()> {
        self.send_empty(self.request(Method::DELETE, path)?).await
    }
}

/// Every item of a list, page by page: `page` is called with each page's cursor.
pub async fn collect_all<T, F, Fut>(mut page: F) -> Result<Vec<T>>
where
    T: utoipa::ToSchema,
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<List<T>>>,
{
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let List { items, next_cursor } = page(cursor).await?;
        all.extend(items);
        match next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(all),
        }
    }
}

/// An id or a name as one URL path segment.
fn seg(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._~".contains(c) {
                c.to_string()
            } else {
                let mut buf = [0; 4];
                c.encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect()
            }
        })
        .collect()
}
