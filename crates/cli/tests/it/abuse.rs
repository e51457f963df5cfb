//! Clients that misbehave at the connection level are cut off without holding up others:
//! headers trickled or never sent, bodies that stall, and floods of idle connections.

use std::time::{Duration, Instant};

use keyward_server::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

async fn open(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.url.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads until the server closes the connection; answers what it sent and how long that took.
async fn until_closed(mut s: TcpStream, limit: Duration) -> (String, Duration) {
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(start.elapsed()), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the connection was still open after {limit:?}"),
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), start.elapsed())
}

async fn healthy(app: &TestApp) -> bool {
    let r = app
        .http
        .get(format!("{}/healthz", app.url))
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    r.is_ok_and(|r| r.status() == 200)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_clients_are_cut_off_and_others_are_served() {
    let mut config = ServerConfig::default();
    config.http.header_timeout = Duration::from_secs(1);
    config.http.request_timeout = Duration::from_secs(2);
    config.http.max_connections = 40;
    let app = TestApp::spawn_with(config).await;

    // Headers trickled, never finished.
    let mut slow = open(&app).await;
    slow.write_all(b"POST /v1/verify HTTP/1.1\r\nHost: k\r\nX-Slow: ")
        .await
        .unwrap();
    // A connection that never says anything.
    let idle = open(&app).await;
    // A body that stalls after its headers.
    let mut stalled = open(&app).await;
    stalled
        .write_all(b"POST /v1/verify HTTP/1.1\r\nHost: k\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"token\":")
        .await
        .unwrap();
    assert!(healthy(&app).await, "others are served meanwhile");

    let (said, took) = until_closed(slow, Duration::from_secs(5)).await;
    assert!(
        took < Duration::from_millis(2500),
        "trickled headers cut off after {took:?}"
    );
    assert!(!said.contains("200 OK"), "{said}");
    let (_, took) = until_closed(idle, Duration::from_secs(5)).await;
    assert!(
        took < Duration::from_millis(2500),
        "idle connection cut off after {took:?}"
    );
    let (said, took) = until_closed(stalled, Duration::from_secs(6)).await;
    assert!(
        said.starts_with("HTTP/1.1 408"),
        "a stalled body answers 408: {said}"
    );
    let lower = said.to_ascii_lowercase();
    assert!(
        lower.contains("content-type: application/problem+json")
            && lower.contains("x-content-type-options: nosniff")
            && said.contains("\"code\":\"request_timeout\""),
        "the 408 is problem+json with the usual headers: {said}"
    );
    assert!(took < Duration::from_secs(4), "{took:?}");

    // A flood of idle connections: up to the limit they wait (and are cut off by the header
    // deadline); beyond it each is closed at once. Afterwards everyone is served again.
    let mut flood = Vec::new();
    for _ in 0..60 {
        flood.push(open(&app).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut closed_at_once = 0;
    let mut waiting = Vec::new();
    for mut s in flood {
        let mut b = [0u8; 1];
        match tokio::time::timeout(Duration::from_millis(20), s.read(&mut b)).await {
            Ok(Ok(0)) | Ok(Err(_)) => closed_at_once += 1,
            _ => waiting.push(s),
        }
    }
    assert!(closed_at_once >= 20, "only {closed_at_once} of 60 closed at once");
    for s in waiting {
        let (_, took) = until_closed(s, Duration::from_secs(5)).await;
        assert!(took < Duration::from_millis(2500), "{took:?}");
    }
    assert!(healthy(&app).await, "served again once the flood is cut off");
}
