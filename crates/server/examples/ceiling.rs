//! The physical floor of a verify over HTTP, for `bench/verify.sh` and `bench/gateway.sh` to
//! compare keyward with: an axum server that reads the JSON body (or, for forward-auth, the
//! Bearer header), hashes the token with SHA-256, does one HashMap lookup, and answers a small
//! JSON (or a bare 200/401). Nothing else — no auth, no decision, no usage.
//!
//! `cargo run --release -p keyward-server --example ceiling -- ADDR TOKENS_FILE N`
//! loads the tokens of TOKENS_FILE (`<kind> <token>` lines) and random hashes up to N entries.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;
use serde::Deserialize;
use sha2::{Digest, Sha256};

#[derive(Deserialize)]
struct Req<'a> {
    #[serde(borrow)]
    token: &'a str,
}

type Known = Arc<HashMap<[u8; 32], ()>>;

async fn verify(State(known): State<Known>, body: Bytes) -> impl IntoResponse {
    let found = serde_json::from_slice::<Req<'_>>(&body)
        .map(|r| known.contains_key(&<[u8; 32]>::from(Sha256::digest(r.token.as_bytes()))))
        .unwrap_or(false);
    let answer: &'static str = if found {
        r#"{"valid":true,"code":"VALID"}"#
    } else {
        r#"{"valid":false,"code":"NOT_FOUND"}"#
    };
    ([(header::CONTENT_TYPE, "application/json")], answer)
}

/// The same for a gateway's forward-auth call: the token from `Authorization: Bearer`, 200 or
/// 401 with an empty body.
async fn forward_auth(State(known): State<Known>, headers: axum::http::HeaderMap) -> axum::http::StatusCode {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if known.contains_key(&<[u8; 32]>::from(Sha256::digest(token.as_bytes()))) {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNAUTHORIZED
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (addr, file, n) = match args.as_slice() {
        [_, addr, file, n] => (addr.clone(), file.clone(), n.parse::<usize>()?),
        _ => return Err("usage: ceiling ADDR TOKENS_FILE N".into()),
    };
    let mut known = HashMap::with_capacity(n);
    for line in std::fs::read_to_string(file)?.lines() {
        if let Some((_, token)) = line.split_once(' ') {
            known.insert(<[u8; 32]>::from(Sha256::digest(token.as_bytes())), ());
        }
    }
    let mut i = 0u64;
    while known.len() < n {
        known.insert(<[u8; 32]>::from(Sha256::digest(i.to_le_bytes())), ());
        i += 1;
    }
    let app = Router::new()
        .route("/v1/verify", post(verify))
        .route("/v1/forward-auth", axum::routing::any(forward_auth))
        .with_state(Arc::new(known));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("ceiling listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
