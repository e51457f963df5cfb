//! Building and running the server: `Application::build` binds (port 0 in tests) and reports
//! the address; `run_until` serves until told to stop, then flushes pending usage.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use keyward_core::token::random_base62;
use keyward_store::{DynStore, InvalidationListener};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{self, system::EndpointView};
use crate::config::ServerConfig;
use crate::connections::{ArmWhenDone, Connections};
use crate::error::ApiError;
use crate::jobs;
use crate::jobs::{Jobs, Mailer, WebhookSender, every};
use keyward_service::Clock;
use keyward_service::verify::Verifier;
use keyward_service::{Notifier, Service};

#[derive(Clone)]
pub struct AppState {
    pub verifier: Arc<Verifier>,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<ServerConfig>,
    pub endpoints: Arc<Vec<EndpointView>>,
    pub notifier: Arc<Notifier>,
    pub jobs: Arc<Jobs>,
    pub keys: Arc<keyward_service::KeyRing>,
    /// Every operation; handlers call these rather than the store or the caches.
    pub service: Arc<Service>,
    /// Secret scanners' keys and the reporting endpoints' limits.
    pub scanners: Arc<crate::api::secret_scanning::Scanners>,
    /// What `/metrics` reports.
    pub metrics: Arc<prometheus_client::registry::Registry>,
}

pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
    state: AppState,
    setup_link: Option<String>,
    openapi_json: String,
    /// Other nodes' invalidations, when several nodes share the database.
    invalidations: Option<Box<dyn InvalidationListener>>,
    multi_node: bool,
    /// Envoy's ext_authz over gRPC, when configured.
    grpc: Option<tokio::net::TcpListener>,
}

/// How long the first-run setup link stays valid.
const SETUP_LINK_TTL: time::Duration = time::Duration::hours(24);

impl Application {
    pub async fn build(config: ServerConfig, store: DynStore, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let tcp = tokio::net::TcpListener::bind(config.http.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.http.listen))?;
        let local = tcp.local_addr()?;
        let grpc = match config.http.grpc_listen {
            Some(addr) => Some(
                tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot listen for gRPC on {addr}: {e}"))?,
            ),
            None => None,
        };
        let verifier = Arc::new(Verifier::new(
            config.token_prefix.clone(),
            store.clone(),
            config.cache,
        ));
        // Listen before serving: a node must hear other nodes' writes before it caches answers.
        let (listener, multi_node) = match store.listen().await {
            Ok(Some(l)) => (Some(l), true),
            Ok(None) => (None, false),
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for other nodes' invalidations yet; serving from storage");
                verifier.set_cache_enabled(false);
                (None, true)
            }
        };
        verifier.set_multi_node(multi_node);
        let (api_router, mut openapi) = api::router().split_for_parts();
        openapi.merge(<crate::oauth::doc::OAuthDoc as utoipa::OpenApi>::openapi());
        api::add_common_errors(&mut openapi);
        api::add_code_samples(&mut openapi);
        let endpoints = Arc::new(api::system::endpoint_list(&openapi));
        let openapi_json = serde_json::to_string_pretty(&openapi)?;

        let setup_link = if store.organization_count().await? == 0 {
            let mut buf = [0u8; 32];
            random_base62(&mut buf)?;
            let secret = String::from_utf8_lossy(&buf).into_owned();
            store
                .put_setup_token(keyward_core::TokenHash::of(&secret), clock.now() + SETUP_LINK_TTL)
                .await?;
            let base = config
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{local}"));
            Some(format!("{}/setup?token={secret}", base.trim_end_matches('/')))
        } else {
            None
        };

        // The membership filter fills in the background; until it is complete it is not used.
        tokio::spawn({
            let verifier = verifier.clone();
            async move {
                match verifier.load_known_tokens().await {
                    Ok(n) => tracing::info!(tokens = n, "token membership filter loaded"),
                    Err(e) => tracing::warn!(error = %e, "cannot load the token membership filter"),
                }
            }
        });
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{local}"));
        let keys = Arc::new(
            keyward_service::KeyRing::open(
                store.clone(),
                config.oauth.key_encryption_key,
                public_url.clone(),
                config
                    .oauth
                    .audience
                    .clone()
                    .unwrap_or_else(|| public_url.clone()),
                clock.now(),
            )
            .await?,
        );
        let mailer = match &config.mail.smtp_url {
            Some(url) => {
                let m = Mailer::new(url, &config.mail.from, config.mail.smtp_ca_pem.as_deref())?;
                tracing::info!(smtp = %jobs::delivery::redact_smtp_url(url), from = %config.mail.from, "email delivery on");
                Some(m)
            }
            None => {
                tracing::warn!(
                    "no SMTP server configured (--smtp-url): emails stay in the outbox (GET /v1/outbox) until one is"
                );
                None
            }
        };
        let notifier = Arc::new(Notifier::new(store.clone(), public_url, mailer.is_some()));
        let webhook_allow = keyward_service::webhooks::WebhookAllow::parse(&config.webhook_allow)?;
        let service = Arc::new(
            Service::new(
                store.clone(),
                verifier.clone(),
                notifier.clone(),
                clock.clone(),
                keys.clone(),
            )
            .with_session_ttl(config.session_ttl)
            .with_access_token_ttl(config.oauth.access_token_ttl)
            .with_webhook_allow(webhook_allow.clone()),
        );
        if let Some(kid) =
            keyward_service::scheduled::rotate_signing_key_if_due(&service, config.oauth.signing_key_rotation)
                .await?
        {
            tracing::info!(kid = %kid, "new access-token signing key");
        }
        let jobs = Arc::new(Jobs {
            service: service.clone(),
            clock: clock.clone(),
            notifier: notifier.clone(),
            mailer,
            webhooks: WebhookSender::new(webhook_allow)?,
            settings: config.jobs.clone(),
            metrics: Default::default(),
            signing_key_rotation: config.oauth.signing_key_rotation,
        });
        let metrics = Arc::new(crate::metrics::registry(
            verifier.clone(),
            keys.clone(),
            jobs.clone(),
        ));
        let scanners = Arc::new(crate::api::secret_scanning::Scanners::new(
            config.scanners.github_keys_url.clone(),
            config.scanners.gitlab_keys_url.clone(),
        )?);
        let state = AppState {
            scanners,
            metrics,
            service,
            verifier,
            clock,
            config: Arc::new(config.clone()),
            endpoints,
            notifier,
            jobs,
            keys,
        };
        let router = api_router
            .merge(api::setup_routes())
            .merge(crate::dashboard::routes())
            .merge(crate::oauth::routes())
            .merge(docs_routes(openapi))
            .fallback(|| async {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "not_found",
                    "no such endpoint; see /openapi.json",
                )
            })
            .method_not_allowed_fallback(|| async {
                ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    "this endpoint does not accept that method",
                )
            })
            .with_state(state.clone());
        Ok(Self {
            listener: tcp,
            grpc,
            router,
            state,
            setup_link,
            openapi_json,
            invalidations: listener,
            multi_node,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or(self.state.config.http.listen)
    }

    /// Where the gRPC service listens, when it does.
    pub fn grpc_addr(&self) -> Option<SocketAddr> {
        self.grpc.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// The one-time link that creates the first super admin, on an empty database.
    pub fn setup_link(&self) -> Option<&str> {
        self.setup_link.as_deref()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn openapi_json(&self) -> &str {
        &self.openapi_json
    }

    /// The routes with the body limit, without a listener or background work: for driving the
    /// API in-process (the fuzz targets do). Requests carry no client address, so pass one
    /// with `axum::extract::ConnectInfo` in the request's extensions.
    pub fn into_router(self) -> Router {
        let limit = self.state.config.http.body_limit;
        self.router.layer(DefaultBodyLimit::max(limit))
    }

    /// Serves until `shutdown` completes, then stops accepting, finishes in-flight requests and
    /// writes the usage still in memory.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let verifier = self.state.verifier.clone();
        let interval = self.state.config.usage_flush_interval;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let stop_rx_follow = stop_rx.clone();
        let stop_rx_grpc = stop_rx.clone();
        let stop_rx_settle = stop_rx.clone();
        let background = tokio::spawn(self.state.jobs.clone().run(stop_rx.clone()));
        let flusher = tokio::spawn({
            let verifier = verifier.clone();
            async move { every(interval, stop_rx, || verifier.flush_usage()).await }
        });
        // Credits: what this node spent goes to storage, and quiet leases go back.
        let settler = tokio::spawn({
            let service = self.state.service.clone();
            let stop = stop_rx_settle;
            async move {
                let settle = async || {
                    if let Err(e) = service.settle_credits(false).await {
                        tracing::warn!(error = %e, "cannot report credits spent; will retry");
                    }
                };
                every(keyward_service::verify::limiter::SETTLE_EVERY, stop, settle).await
            }
        });
        let follower = self.multi_node.then(|| {
            let verifier = verifier.clone();
            let stop = stop_rx_follow;
            let invalidations = self.invalidations;
            tokio::spawn(async move { verifier.follow(invalidations, stop).await })
        });
        let grpc = self.grpc.map(|listener| {
            let service = crate::grpc::ExtAuthz::service(self.state.clone());
            let mut stop = stop_rx_grpc;
            tokio::spawn(async move {
                let served = tonic::transport::Server::builder()
                    .serve_with_incoming_shutdown(
                        service,
                        tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
                        async move {
                            let _ = stop.changed().await;
                        },
                    )
                    .await;
                if let Err(e) = served {
                    tracing::error!(error = %e, "the gRPC ext_authz service stopped");
                }
            })
        });
        // The middleware wraps the router once, outside routing, so a request does not clone a
        // stack of layers per route.
        let service = tower::ServiceBuilder::new()
            .map_response(|res: axum::http::Response<_>| res.map(axum::body::Body::new))
            .layer(TraceLayer::new_for_http().make_span_with(request_span))
            .layer(axum::middleware::map_response(security_headers))
            .layer(axum::middleware::map_response(timeout_problem))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                self.state.config.http.request_timeout,
            ))
            .layer(DefaultBodyLimit::max(self.state.config.http.body_limit))
            .service(self.router);
        let served = serve_connections(self.listener, service, &self.state, shutdown).await;
        let _ = stop_tx.send(true);
        let _ = flusher.await;
        let _ = settler.await;
        let _ = background.await;
        if let Some(f) = follower {
            let _ = f.await;
        }
        if let Some(g) = grpc {
            let _ = g.await;
        }
        verifier.flush_usage().await;
        // Every lease goes back: a graceful stop strands no credit.
        if let Err(e) = self.state.service.settle_credits(true).await {
            tracing::error!(error = %e, "cannot hand credits back on shutdown; they stay spent");
        }
        tracing::info!("stopped; pending usage flushed");
        served
    }
}

/// Accepts connections until `shutdown`, each served by hyper with a deadline for its request
/// headers (a client that trickles them, or opens a connection and says nothing, is cut off:
/// see [`Connections`]) and at most `max_connections` at once (beyond that a new connection is
/// closed at once, so a flood of idle connections cannot starve the process of file
/// descriptors). On shutdown, in-flight requests finish, for up to `shutdown_grace`.
async fn serve_connections<S>(
    listener: tokio::net::TcpListener,
    service: S,
    state: &AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()>
where
    S: tower::Service<Request, Response = axum::response::Response, Error = std::convert::Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    use futures_util::FutureExt as _;
    use futures_util::future::Either;
    use hyper_util::rt::TokioIo;
    use tower::ServiceExt as _;
    let config = &state.config;
    let slots = Arc::new(tokio::sync::Semaphore::new(config.http.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let connections = Connections::new(config.http.header_timeout);
    let sweeper = tokio::spawn({
        let connections = connections.clone();
        async move {
            let mut tick = crate::jobs::ticker(connections.sweep_interval());
            loop {
                tick.tick().await;
                let ended = connections.sweep();
                if ended > 0 {
                    tracing::debug!(ended, "connections cut off: no request headers in time");
                }
            }
        }
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    // The header deadline is kept by `connections`, not by a timer per request.
    http.header_read_timeout(None).keep_alive(true);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%remote, limit = config.http.max_connections, "too many connections; closing a new one");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (id, deadline) = connections.open();
        // Verify skips the router and its middleware (see `api::verify::serve_fast`). Each
        // connection holds its own copy of the state, so that requests on different cores do
        // not bump one shared reference count.
        let connection_state = Arc::new(state.clone());
        let router = service.clone();
        let svc = hyper::service::service_fn(move |req: axum::http::Request<hyper::body::Incoming>| {
            // The headers are in: no deadline until the answer is sent.
            deadline.disarm();
            let rearm = deadline.clone();
            let arm_when_done = move |response: axum::http::Response<api::verify::ServedBody>| {
                Ok::<_, std::convert::Infallible>(response.map(|body| ArmWhenDone::new(body, rearm)))
            };
            if req.method() == axum::http::Method::POST && req.uri().path() == VERIFY_PATH {
                let state = connection_state.clone();
                Either::Left(Either::Left(
                    api::verify::serve_fast(state, remote, req).map(arm_when_done),
                ))
            } else if is_forward_auth(req.uri().path()) {
                let state = connection_state.clone();
                Either::Left(Either::Right(
                    api::forward_auth::serve_fast(state, remote, req).map(arm_when_done),
                ))
            } else {
                // Boxed: the router's future is large, and hyper moves each request's future.
                let mut req = req.map(axum::body::Body::new);
                req.extensions_mut().insert(axum::extract::ConnectInfo(remote));
                let routed = router.clone().oneshot(req);
                Either::Right(Box::pin(async move {
                    let Ok(response) = routed.await;
                    arm_when_done(response.map(http_body_util::Either::Right))
                }))
            }
        });
        let conn = http.serve_connection(TokioIo::new(stream), svc);
        let conn = graceful.watch(conn);
        let untrack = connections.clone();
        let task = tokio::spawn(async move {
            // Errors here are the client's (reset, malformed); nothing to do.
            let _ = conn.await;
            untrack.closed(id);
            drop(slot);
        });
        connections.started(id, task.abort_handle());
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(config.http.shutdown_grace) => {
            tracing::warn!("shutdown: connections still open after the grace period; closing them");
        }
    }
    sweeper.abort();
    Ok(())
}

const VERIFY_PATH: &str = "/v1/verify";

fn is_forward_auth(path: &str) -> bool {
    path.strip_prefix(api::forward_auth::FORWARD_AUTH_PATH)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The interactive docs (Swagger UI, served from the binary) under `/docs`, with a
/// Content-Security-Policy like the dashboard's: scripts only from keyward itself, never inline.
/// Swagger UI sets style attributes as it renders, so inline styles are allowed.
fn docs_routes(openapi: utoipa::openapi::OpenApi) -> Router<AppState> {
    const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                            img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
                            form-action 'self'; base-uri 'none'; object-src 'none'";
    Router::from(SwaggerUi::new("/docs").url("/openapi.json", openapi)).layer(
        tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CSP),
        ),
    )
}

/// One span per request naming the method and path (never the query, which may carry a setup
/// secret, nor headers). None for verify: the hot path is measured by metrics instead.
fn request_span(req: &Request) -> tracing::Span {
    let path = req.uri().path();
    if path == VERIFY_PATH || is_forward_auth(path) {
        return tracing::Span::none();
    }
    tracing::info_span!("request", method = %req.method(), path = %redact_path(path))
}

/// The path with every segment longer than an id cut out: a token pasted into a URL (say
/// `GET /v1/tokens/<secret>`) must not reach the log.
fn redact_path(path: &str) -> std::borrow::Cow<'_, str> {
    const LONGEST_ID: usize = 36;
    if path.split('/').all(|seg| seg.len() <= LONGEST_ID) {
        return std::borrow::Cow::Borrowed(path);
    }
    let segments: Vec<&str> = path
        .split('/')
        .map(|seg| if seg.len() > LONGEST_ID { "…" } else { seg })
        .collect();
    std::borrow::Cow::Owned(segments.join("/"))
}

/// Security headers on every answer; `no-store` unless a handler chose otherwise.
/// The timeout layer answers an empty 408; give it the problem+json every other error has.
async fn timeout_problem(res: axum::response::Response) -> axum::response::Response {
    use axum::response::IntoResponse;
    if res.status() != StatusCode::REQUEST_TIMEOUT || res.headers().contains_key(header::CONTENT_TYPE) {
        return res;
    }
    let body = crate::error::problem_json(
        StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        "the server stopped working on this request when its request timeout \
         (request_timeout_seconds) ran out; send less at once, or raise the timeout",
    );
    (
        StatusCode::REQUEST_TIMEOUT,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body,
    )
        .into_response()
}

async fn security_headers(mut res: axum::response::Response) -> axum::response::Response {
    add_security_headers(res.headers_mut());
    res
}

pub(crate) fn add_security_headers(h: &mut axum::http::HeaderMap) {
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
}
