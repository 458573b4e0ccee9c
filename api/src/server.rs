//! The HTTP edge: `/graphql` (`POST`, and `GET` for queries), the login routes under
//! `/auth/`, `POST /oauth/token` for API clients (`http::oauth`), GraphiQL, the health
//! checks (`http::health`) and `/metrics` (`http::metrics`, whose middleware also gives
//! every request its log span).
//!
//! Before a GraphQL request reaches the schema it must be JSON (`415` otherwise, so no
//! web page can send one cross-site without a preflight) and find a free execution slot
//! within `concurrency_wait_ms` (`503 UNAVAILABLE`). Its query is parsed and checked by
//! [`graphql::prepared`] and [`graphql::limits`] (nesting, shape, cost) and its requested
//! cost measured ([`graphql::cost`]) before anything executes; its caller's budget of
//! cost points must hold that cost (`429 RATE_LIMITED` with `Retry-After`; see
//! [`rate_limit`]), and gets back what the answer did not use. It then runs for at most
//! `request_timeout_secs` (`503 TIMEOUT`, its work dropped), and its work is dropped as
//! well when its client closes the connection. Every answer carries the `RateLimit-*`
//! headers of its caller, and its cost in `extensions.cost`; it is at most
//! `max_response_bytes` long (`RESPONSE_TOO_LARGE` otherwise) and compressed (gzip, br)
//! when the client accepts it. Media types, status codes of request errors, `GET` and its
//! caching follow GraphQL over HTTP ([`crate::http::graphql_http`]). A batch (a JSON
//! array) is charged the sum of its operations, takes one execution slot, and runs its
//! operations one after the other within one `request_timeout_secs`, each checked and
//! bounded like a request of its own.

mod graphiql;
pub mod multipart;
pub(crate) mod rate_limit;

use std::{
    net::TcpListener,
    sync::Arc,
    time::{Duration, Instant},
};

use actix_cors::Cors;
use actix_web::{
    HttpRequest, HttpResponse, HttpServer,
    body::MessageBody,
    dev::{ServerHandle, ServiceRequest, ServiceResponse},
    http::{Method, StatusCode, header},
    middleware::{DefaultHeaders, Next, from_fn},
    web,
};
use async_graphql::{
    ErrorExtensionValues, ServerError,
    parser::types::{ExecutableDocument, OperationType},
};
use serde_json::json;
use tokio::sync::Semaphore;

use crate::{
    auth::{self, Caller},
    config::Settings,
    db,
    graphql::{
        self, AppSchema,
        cost::{self, Cost},
        limits::{self, COST_LIMIT_EXCEEDED},
        loaders,
    },
    http::{
        graphql_http::{self, GRAPHQL_PARSE_FAILED, MediaType},
        response_size::{Bounded, RESPONSE_TOO_LARGE},
    },
    service::{App, audit::RequestId},
};

pub use self::rate_limit::MIN_CHARGE;
use self::rate_limit::{Payer, RateLimits};

/// Largest request body accepted on `/graphql`.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Longest client `X-Request-Id` kept (as `clientRequestId` in the audit trail).
pub const MAX_CLIENT_REQUEST_ID: usize = 64;

struct AppState {
    schema: AppSchema,
    /// Queries already parsed and checked.
    prepared: graphql::prepared::PreparedDocuments,
    app: App,
    rate_limits: web::Data<RateLimits>,
    /// One permit per GraphQL execution running at once.
    executions: Semaphore,
    concurrency_wait: Duration,
    request_timeout: Duration,
    max_batch_size: usize,
    /// The longest a request's body may take to arrive (from its head).
    body_timeout: Duration,
    /// The same for a file upload (multipart): longer, as a file of `max_upload_mb`
    /// takes time to send.
    upload_body_timeout: Duration,
    /// Automatic persisted queries, by hash.
    persisted: graphql::persisted::PersistedQueries,
    max_response_bytes: usize,
    /// The uploads running, by person ([`multipart::MAX_CONCURRENT_UPLOADS`] each).
    uploads: multipart::UploadSlots,
}

/// A running server.
pub struct RunningServer {
    /// The address it listens on (useful when asked for port 0).
    pub addr: std::net::SocketAddr,
    handle: ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Waits until the server stops (on SIGINT/SIGTERM).
    pub async fn wait(self) -> std::io::Result<()> {
        self.task.await.map_err(std::io::Error::other)?
    }

    /// Stops the server, letting requests in flight finish.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        let _ = self.task.await;
    }
}

/// The services as the settings shape them: the library's limits and its blob store
/// (`storage_url`).
pub fn configure_app(settings: &Settings, app: App) -> std::io::Result<App> {
    let mut app = app.with_library_limits(settings.max_upload_mb, settings.upload_types.clone());
    if let Some(s3) = settings.s3_storage() {
        let store = crate::storage::s3::S3Store::new(&s3).map_err(std::io::Error::other)?;
        app = app.with_blob_store(std::sync::Arc::new(store));
    }
    Ok(app)
}

/// Binds `settings.listen` and serves.
pub fn start(settings: &Settings, app: App) -> std::io::Result<RunningServer> {
    let listener = TcpListener::bind(settings.listen)?;
    start_on(listener, settings, app, true)
}

/// Serves on an already bound listener. Tests pass a loopback port-0 listener and
/// `handle_signals = false`.
pub fn start_on(
    listener: TcpListener,
    settings: &Settings,
    app: App,
    handle_signals: bool,
) -> std::io::Result<RunningServer> {
    let addr = listener.local_addr()?;
    let app = configure_app(settings, app)?;
    let collector =
        tokio::spawn(db::background(collect_blobs(app.clone(), Duration::from_secs(settings.blob_gc_interval_secs))));
    let watcher = tokio::spawn(db::background(crate::watch::watch_policy(app.clone(), settings.policy_refresh_ms)));
    let health = web::Data::new(crate::http::health::Health::new(&app));
    let metrics_access = web::Data::new(crate::http::metrics::MetricsAccess::new(settings.metrics_token.clone()));
    let app_data = web::Data::new(app.clone());
    let rate_limits = web::Data::new(RateLimits::new(settings));
    let trusted_proxies = web::Data::new(crate::http::client_ip::TrustedProxies(settings.trusted_proxies.clone()));
    let state = web::Data::new(AppState {
        schema: graphql::build_schema(app.clone()),
        prepared: graphql::prepared::PreparedDocuments::default(),
        app,
        rate_limits: rate_limits.clone(),
        executions: Semaphore::new(settings.max_concurrent_requests),
        concurrency_wait: Duration::from_millis(settings.concurrency_wait_ms),
        request_timeout: Duration::from_secs(settings.request_timeout_secs),
        max_batch_size: settings.max_batch_size,
        body_timeout: Duration::from_secs(settings.request_timeout_secs),
        upload_body_timeout: upload_body_timeout(settings),
        persisted: graphql::persisted::PersistedQueries::default(),
        max_response_bytes: settings.max_response_bytes,
        uploads: multipart::UploadSlots::default(),
    });
    let sweeper = tokio::spawn(forget_idle_callers(state.clone()));
    let graphiql = settings.graphiql;
    let mut server = HttpServer::new(move || {
        let front_ends = app_data.clone();
        // Partner front ends on their organizations' `allowedReturnUrls` may call the API
        // from browsers (to exchange a login code, then on /graphql).
        let cors = Cors::default()
            .allowed_origin_fn(move |origin, _| front_ends.sso.front_ends.allows(origin.as_bytes()))
            .allowed_methods(["GET", "POST"])
            .allowed_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::HeaderName::from_static("x-request-id"),
                header::IF_NONE_MATCH,
                // W3C trace context, and the names Apollo's clients give themselves.
                header::HeaderName::from_static("traceparent"),
                header::HeaderName::from_static("tracestate"),
                header::HeaderName::from_static("apollographql-client-name"),
                header::HeaderName::from_static("apollographql-client-version"),
            ])
            // Front ends read their budget (`RateLimit-*`) and when to come back.
            .expose_headers([
                header::HeaderName::from_static("x-request-id"),
                header::ETAG,
                header::RETRY_AFTER,
                header::HeaderName::from_static("ratelimit-limit"),
                header::HeaderName::from_static("ratelimit-remaining"),
                header::HeaderName::from_static("ratelimit-reset"),
                header::HeaderName::from_static("ratelimit-policy"),
            ])
            // `POST /auth/{organization}/link` sets the link cookie of the browser.
            .supports_credentials()
            .max_age(600);
        let web_app = actix_web::App::new()
            .wrap(from_fn(edge_guard))
            .wrap(
                DefaultHeaders::new()
                    .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                    .add((header::X_FRAME_OPTIONS, "DENY")),
            )
            .wrap(cors)
            // Every answer of 1 KiB or more is compressed when the client accepts gzip or
            // br (`Vary: accept-encoding` on all), in the request's task.
            .wrap(from_fn(crate::http::compression::compress))
            // The request's log span and its count cover everything.
            .wrap(from_fn(crate::http::metrics::observe))
            // Everything the server writes for the request is in its language.
            .wrap(from_fn(crate::http::language::negotiate_language))
            // Outermost: the address the request counts against (`trusted_proxies`).
            .wrap(from_fn(crate::http::client_ip::resolve))
            .app_data(trusted_proxies.clone())
            .app_data(state.clone())
            .app_data(app_data.clone())
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .app_data(rate_limits.clone())
            .configure(auth::web::routes)
            .configure(crate::http::oauth::routes)
            .configure(crate::http::calendar::routes)
            .configure(crate::http::files::routes)
            .configure(crate::http::reports::routes)
            .service(
                web::resource("/graphql")
                    // File uploads (the GraphQL multipart request specification).
                    .route(web::post().guard(actix_web::guard::fn_guard(is_multipart)).to(graphql_multipart))
                    .route(web::post().to(graphql_endpoint))
                    .route(web::get().to(graphql_get))
                    .default_service(web::to(graphql_method_not_allowed)),
            )
            .configure(|cfg| crate::http::health::routes(cfg, health.clone()))
            .configure(|cfg| crate::http::metrics::routes(cfg, metrics_access.clone()));
        if graphiql { web_app.route("/graphiql", web::get().to(graphiql::page)) } else { web_app }
    })
    // A client that closes its side has given up: drop its request's work (the handler
    // future) at once instead of running it to the end for nobody.
    .h1_allow_half_closed(false)
    .shutdown_timeout(settings.shutdown_grace_secs)
    // Signals are ours (`http::shutdown`).
    .disable_signals()
    .listen(listener)?;
    if settings.workers > 0 {
        server = server.workers(settings.workers);
    }
    let server = server.run();
    let handle = server.handle();
    let signals = handle_signals.then(|| tokio::spawn(crate::http::shutdown::on_signal(handle.clone())));
    let task = tokio::spawn(async move {
        let result = server.await;
        watcher.abort();
        sweeper.abort();
        collector.abort();
        if let Some(signals) = signals {
            signals.abort();
        }
        result
    });
    Ok(RunningServer { addr, handle, task })
}

/// How long an upload's body may take to arrive: `request_timeout_secs`, plus a second
/// for each 256 KiB of the largest file (a client sending at 2 Mbit/s or more finishes).
fn upload_body_timeout(settings: &Settings) -> Duration {
    Duration::from_secs(settings.request_timeout_secs.saturating_add(settings.max_upload_mb.saturating_mul(4)))
}

/// Every `interval`, removes the blobs no document version references (an hour old).
async fn collect_blobs(app: App, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    loop {
        ticker.tick().await;
        match crate::service::library::collect_garbage(&app, crate::service::library::GC_GRACE).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed unreferenced blobs"),
            Err(err) => tracing::warn!(error = %err, "blob garbage collection failed"),
        }
    }
}

/// Whether a request's body is `multipart/form-data` (a GraphQL request with files).
fn is_multipart(ctx: &actix_web::guard::GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// `POST /graphql` in `multipart/form-data`: a GraphQL request and its files (the GraphQL
/// multipart request specification, read by [`multipart::receive`]). One file per
/// request, of at most `max_upload_mb` (the mutation answers `BAD_USER_INPUT` on `file`
/// for a file a little larger, the request is refused with `413` beyond); `operations`
/// and `map` of at most 1 MiB each (`413`); files are spooled to temporary files, never
/// held in memory. A person sends at most [`multipart::MAX_CONCURRENT_UPLOADS`] at once
/// on each replica (`429 RATE_LIMITED` beyond, from the headers, charged nothing).
async fn graphql_multipart(state: web::Data<AppState>, req: HttpRequest, mut payload: web::Payload) -> HttpResponse {
    use futures_util::StreamExt as _;
    let started = Instant::now();
    let media = MediaType::negotiate(req.headers().get(header::ACCEPT));
    let ids = request_id(&req);
    // Who asks, from the headers, before a byte of the body is read: uploads are for
    // logged-in people only, and an anonymous or invalid caller must not make the
    // server spool anything.
    let (person_id, payer) = match upload_refusal(&state, &req, media, &ids.id).await {
        Ok(uploader) => uploader,
        Err(refusal) => return refusal,
    };
    // The cap on uploads at once first: an upload refused for it costs nothing.
    let Some(_slot) = state.uploads.take(person_id) else {
        tracing::info!(request_id = ids.id, person_id, "too many uploads at once");
        let mut response = rate_limited(Some(media), 1, Some(&ids.id));
        // The body is never read: the connection cannot carry another request.
        response.head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
        return response;
    };
    // Receiving the body is work: it is charged, before a byte of it is read, at least
    // the least operation's charge on the budget the GraphQL request will be charged on;
    // a caller already over budget is refused, as on `/graphql`.
    if let Err(refused) = state.rate_limits.take(payer, rate_limit::MIN_CHARGE) {
        tracing::info!(request_id = ids.id, ?payer, "upload rate limited");
        let mut response = rate_limited(Some(media), refused.retry_after, Some(&ids.id));
        refused.budget.write(response.headers_mut());
        // The body is never read: the connection cannot carry another request.
        response.head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
        return response;
    }
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let max_file = state.app.library.max_upload_bytes.saturating_add(multipart::MAX_FIELD_BYTES);
    // actix's payload lives on this thread; the parser wants a `Send` stream: the chunks
    // cross through a small channel (back-pressure: at most 4 chunks wait).
    let (sender, receiver) = tokio::sync::mpsc::channel::<std::io::Result<web::Bytes>>(4);
    actix_web::rt::spawn(async move {
        while let Some(chunk) = payload.next().await {
            let item = chunk.map_err(|err| std::io::Error::other(err.to_string()));
            let failed = item.is_err();
            if sender.send(item).await.is_err() || failed {
                break;
            }
        }
    });
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    });
    let operations = match multipart::receive(body, content_type.as_deref(), max_file, 1).await {
        Ok(async_graphql::BatchRequest::Single(request)) => Operations::One(request),
        Ok(async_graphql::BatchRequest::Batch(requests)) => Operations::Batch(requests),
        Err(multipart::Refused::TooLarge(message)) => {
            let message = if message.is_empty() {
                crate::i18n::Message::new("upload-too-large")
                    .arg("mib", state.app.library.max_upload_bytes >> 20)
                    .to_string()
            } else {
                message
            };
            return request_error(StatusCode::PAYLOAD_TOO_LARGE, "BAD_USER_INPUT", &message, &ids.id, media);
        }
        Err(multipart::Refused::Unavailable(err)) => {
            tracing::error!(request_id = ids.id, error = %err, "an upload could not be kept");
            let mut response = request_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "UNAVAILABLE",
                &crate::i18n::Message::new("uploads-busy").to_string(),
                &ids.id,
                media,
            );
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            return response;
        }
        Err(multipart::Refused::Invalid(err)) => {
            let message = crate::i18n::Message::new("not-graphql-multipart").arg("detail", err.to_string()).to_string();
            return request_error(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message, &ids.id, media);
        }
    };
    serve(&state, &req, media, ids, started, operations, false).await
}

/// Refuses a multipart (upload) request from its headers alone: `401` without a bearer
/// token or with one that names no live session (counted by the invalid-token rate
/// limit, like `/graphql`), `429` for an address over that limit, `503` when sessions
/// cannot be checked. Otherwise, the person who uploads and the budget it is charged on
/// (by the caller, at least [`MIN_CHARGE`], once the upload has a slot).
async fn upload_refusal(
    state: &AppState,
    req: &HttpRequest,
    media: MediaType,
    request_id: &str,
) -> Result<(i32, Payer), HttpResponse> {
    let unauthenticated = |message: &str, challenge: &'static str| {
        let mut response = request_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message, request_id, media);
        response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static(challenge));
        // The body is never read: the connection cannot carry another request.
        response.head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
        response
    };
    let Some(token) = bearer(req) else {
        return Err(unauthenticated("log in to upload files (send a bearer token)", "Bearer"));
    };
    let ip = crate::http::client_ip::client_ip(req);
    if let Err(retry_after) = state.rate_limits.token_allowed(ip) {
        return Err(rate_limited(Some(media), retry_after, Some(request_id)));
    }
    match state.app.sessions.authenticate(&state.app.db, token, state.app.session_idle()).await {
        Ok(Some(actor)) => {
            let payer = actor.api_client_id.map_or(Payer::Person(actor.person_id), Payer::ApiClient);
            Ok((actor.person_id, payer))
        }
        Ok(None) => {
            state.rate_limits.token_refused(ip);
            Err(unauthenticated(
                &crate::i18n::Message::new("invalid-token").to_string(),
                "Bearer error=\"invalid_token\"",
            ))
        }
        Err(err) => {
            let status = match err {
                crate::error::ServiceError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let mut response = request_error(status, err.code(), &err.to_string(), request_id, media);
            if status == StatusCode::SERVICE_UNAVAILABLE {
                response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            }
            Err(response)
        }
    }
}

/// Every minute, forgets the rate-limit state of callers who have been quiet.
async fn forget_idle_callers(state: web::Data<AppState>) {
    let mut ticker = tokio::time::interval(Duration::from_secs(60));
    loop {
        ticker.tick().await;
        state.rate_limits.forget_idle();
    }
}

/// A GraphQL-shaped error response for requests that never reached the schema, in the
/// negotiated media type.
fn request_error(status: StatusCode, code: &str, message: &str, request_id: &str, media: MediaType) -> HttpResponse {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    HttpResponse::build(status)
        .content_type(media.content_type())
        .insert_header((header::CACHE_CONTROL, graphql_http::CACHE_NONE))
        .insert_header(("X-Request-Id", request_id))
        .body(body.to_string())
}

/// `429` with `Retry-After`: a GraphQL error (`RATE_LIMITED`) on `/graphql` (in the
/// media type given), and on `/auth/…` the `{ "error", "message" }` shape of that
/// endpoint's other errors.
fn rate_limited(graphql: Option<MediaType>, retry_after: u64, request_id: Option<&str>) -> HttpResponse {
    crate::telemetry::metrics().rate_limited(if graphql.is_some() { "graphql" } else { "auth" });
    let message = crate::i18n::Message::new("rate-limited").arg("seconds", retry_after).to_string();
    let mut response = match graphql {
        Some(media) => request_error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", &message, "", media),
        None => HttpResponse::TooManyRequests().json(json!({ "error": "rate_limited", "message": message })),
    };
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
    match request_id.map(header::HeaderValue::from_str) {
        Some(Ok(id)) => {
            headers.insert(header::HeaderName::from_static("x-request-id"), id);
        }
        _ => {
            headers.remove("x-request-id");
        }
    }
    response
}

/// Whether the request says its body is JSON (`application/json`, any parameters).
fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// The body of a request, failing (`TimedOut`) once its deadline has passed without it
/// having arrived: actix bounds the time a request's head may take, not its body.
struct BodyDeadline {
    body: actix_web::dev::Payload,
    deadline: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl futures_core::Stream for BodyDeadline {
    type Item = Result<web::Bytes, actix_web::error::PayloadError>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::{future::Future as _, task::Poll};
        // What has arrived is read first: a body complete in time is never cut.
        if let Poll::Ready(item) = std::pin::Pin::new(&mut self.body).poll_next(cx) {
            return Poll::Ready(item);
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(actix_web::error::PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            ))))),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A request body as actix streams it.
type BoxedBody =
    std::pin::Pin<Box<dyn futures_core::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>>>>;

/// Whether reading a body failed on its [`BodyDeadline`].
fn body_timed_out(err: &actix_web::Error) -> bool {
    err.as_error::<actix_web::error::PayloadError>().is_some_and(
        |err| matches!(err, actix_web::error::PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut),
    )
}

/// Before routing: the per-IP rate limit of `/auth/…`, JSON-only `POST /auth/token`
/// (a form or `text/plain` post could come from any web page), and a deadline on every
/// request's body (`request_timeout_secs` from its head): a client sending its body a
/// byte at a time held its connection for as long as it liked. `/graphql` is limited by
/// cost, once its caller is known ([`serve`]).
async fn edge_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let path = req.path();
    if path.starts_with("/auth/")
        && let Some(state) = req.app_data::<web::Data<AppState>>()
        && let ip = crate::http::client_ip::client_ip(req.request())
        && let Err(retry_after) = state.rate_limits.auth_ip(ip)
    {
        tracing::info!(path, %ip, "rate limited");
        let response = rate_limited(None, retry_after, None);
        return Ok(req.into_response(response).map_into_right_body());
    }
    if path == "/auth/token" && req.method() == Method::POST && !is_json(req.request()) {
        let response = HttpResponse::UnsupportedMediaType()
            .json(json!({ "error": "invalid_request", "message": crate::i18n::Message::new("send-json").to_string() }));
        return Ok(req.into_response(response).map_into_right_body());
    }
    let upload = path == "/graphql"
        && req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
    let Some(limit) = req
        .app_data::<web::Data<AppState>>()
        .map(|state| if upload { state.upload_body_timeout } else { state.body_timeout })
    else {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    };
    let (request, body) = req.into_parts();
    let body = BodyDeadline { body, deadline: Box::pin(tokio::time::sleep(limit)) };
    let req = ServiceRequest::from_parts(request, actix_web::dev::Payload::from(Box::pin(body) as BoxedBody));
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}

/// The request's id (kept in the audit trail and sent back in `X-Request-Id`), with the
/// client's own `X-Request-Id` kept apart: printable ASCII only, at most
/// [`MAX_CLIENT_REQUEST_ID`] characters. Given once, when the request arrives
/// ([`crate::http::metrics::observe`]), so that its log span names it too.
pub(crate) fn request_id(req: &HttpRequest) -> RequestId {
    use actix_web::HttpMessage as _;
    if let Some(ids) = req.extensions().get::<RequestId>() {
        return ids.clone();
    }
    let client = req
        .headers()
        .get("X-Request-Id")
        .map(|v| {
            v.as_bytes()
                .iter()
                .filter(|b| b.is_ascii_graphic())
                .take(MAX_CLIENT_REQUEST_ID)
                .map(|&b| char::from(b))
                .collect::<String>()
        })
        .filter(|v| !v.is_empty());
    RequestId { id: uuid::Uuid::new_v4().to_string(), client }
}

/// The bearer token of a request, if it carries an `Authorization` header.
///
/// Any `Authorization` header is a credential: one that is not a bearer token (`Basic`,
/// a token without its scheme, bytes that are not text) is an invalid one — the empty
/// token, refused with `401` like an unknown one — never mistaken for anonymity, which
/// would answer with public data only as if there were nothing else to see.
pub(crate) fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?;
    let Ok(value) = value.to_str() else { return Some("") };
    match value.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => Some(token.trim()),
        _ => Some(""),
    }
}

/// What a `/graphql` request asks to run.
#[expect(
    clippy::large_enum_variant,
    reason = "one per request, moved once: boxing would add an allocation to every request"
)]
enum Operations {
    One(async_graphql::Request),
    /// A batch (a JSON array of requests, `POST` only).
    Batch(Vec<async_graphql::Request>),
}

/// How one operation ended.
#[expect(
    clippy::large_enum_variant,
    reason = "one per operation, moved once: boxing would add an allocation to every request"
)]
enum Ran {
    /// Its response, and whether it is a request error (refused before anything ran).
    Answered(async_graphql::Response, bool),
    /// It ran out of time (its work was dropped).
    TimedOut,
    /// A mutation sent with `GET`: not run.
    MutationOverGet,
}

/// `POST /graphql`: one request, or a batch, in JSON.
async fn graphql_endpoint(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
) -> HttpResponse {
    let started = Instant::now();
    let media = MediaType::negotiate(req.headers().get(header::ACCEPT));
    let ids = request_id(&req);
    if !is_json(&req) {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_USER_INPUT",
            &crate::i18n::Message::new("send-graphql-json").to_string(),
            &ids.id,
            media,
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(err) => {
            let too_large = err.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE;
            let (status, code, message) = if too_large {
                (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "BAD_USER_INPUT",
                    crate::i18n::Message::new("body-too-large").arg("max", MAX_BODY_BYTES).to_string(),
                )
            } else if body_timed_out(&err) {
                let message =
                    crate::i18n::Message::new("body-timeout").arg("seconds", state.body_timeout.as_secs()).to_string();
                (StatusCode::REQUEST_TIMEOUT, "TIMEOUT", message)
            } else {
                (StatusCode::BAD_REQUEST, "BAD_USER_INPUT", crate::i18n::Message::new("body-unreadable").to_string())
            };
            let mut response = request_error(status, code, &message, &ids.id, media);
            if status == StatusCode::REQUEST_TIMEOUT {
                // The rest of the body is never read: the connection cannot carry another request.
                response.head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
            }
            return response;
        }
    };
    let operations = if graphql_http::is_batch(&body) {
        // Counted before anything is kept: a request takes a few kilobytes once read, so a
        // megabyte of `{}` read whole would take hundreds of megabytes before its size
        // was looked at.
        match serde_json::from_slice::<Vec<serde::de::IgnoredAny>>(&body) {
            Ok(items) => {
                if let Some(refusal) = batch_refusal(state.max_batch_size, items.len()) {
                    return request_error(StatusCode::BAD_REQUEST, COST_LIMIT_EXCEEDED, &refusal, &ids.id, media);
                }
                serde_json::from_slice(&body).map(Operations::Batch)
            }
            Err(err) => Err(err),
        }
    } else {
        serde_json::from_slice(&body).map(Operations::One)
    };
    let operations = match operations {
        Ok(operations) => operations,
        Err(err) => {
            let message = crate::i18n::Message::new("not-graphql-json").arg("detail", err.to_string()).to_string();
            return request_error(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message, &ids.id, media);
        }
    };
    serve(&state, &req, media, ids, started, operations, false).await
}

/// `GET /graphql?query=…&variables=…&operationName=…`: queries only.
async fn graphql_get(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let started = Instant::now();
    let media = MediaType::negotiate(req.headers().get(header::ACCEPT));
    let ids = request_id(&req);
    let request = web::Query::<graphql_http::GetParams>::from_query(req.query_string())
        .map_err(|err| crate::i18n::Message::new("not-graphql-get").arg("detail", err.to_string()).to_string())
        .and_then(|params| params.into_inner().into_request());
    match request {
        Ok(request) => serve(&state, &req, media, ids, started, Operations::One(request), true).await,
        Err(message) => request_error(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message, &ids.id, media),
    }
}

/// Any other method on `/graphql`.
async fn graphql_method_not_allowed(req: HttpRequest) -> HttpResponse {
    let media = MediaType::negotiate(req.headers().get(header::ACCEPT));
    let mut response = request_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "BAD_USER_INPUT",
        &crate::i18n::Message::new("method-not-allowed").to_string(),
        &request_id(&req).id,
        media,
    );
    response.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static("GET, POST"));
    response
}

/// The answer to a request whose persisted query could not be used: a request error
/// (nothing ran), coded so that clients know to send the query with its hash.
fn persisted_query_error(err: graphql::persisted::PersistedError, request_id: &str, media: MediaType) -> HttpResponse {
    use graphql::persisted::{NOT_FOUND_MESSAGE, PERSISTED_QUERY_NOT_FOUND, PersistedError};
    match err {
        PersistedError::NotFound => {
            request_error(media.request_error_status(), PERSISTED_QUERY_NOT_FOUND, NOT_FOUND_MESSAGE, request_id, media)
        }
        PersistedError::Invalid(why) => request_error(
            media.request_error_status(),
            "BAD_USER_INPUT",
            &format!("extensions.persistedQuery {why}"),
            request_id,
            media,
        ),
    }
}

/// `extensions.code` of an operation refused where trusted documents are enforced.
pub const TRUSTED_DOCUMENT_REQUIRED: &str = "TRUSTED_DOCUMENT_REQUIRED";

/// Replaces a request's query by the trusted document it names (by its hash, or by the
/// hash of the query it sends), registered by one organization of each of `requirements`,
/// or refuses it.
async fn trusted_document(
    state: &AppState,
    request: &mut async_graphql::Request,
    requirements: &[Vec<i32>],
    request_id: &str,
    media: MediaType,
) -> Result<(), HttpResponse> {
    let hash =
        graphql::persisted::operation_hash(request).map_err(|err| persisted_query_error(err, request_id, media))?;
    let mut found = None;
    for organizations in requirements {
        match crate::service::trusted_document::lookup(&state.app.db, organizations, &hash).await {
            Ok(Some(query)) => found = Some(query),
            Ok(None) => {
                found = None;
                break;
            }
            Err(err) => return Err(lookup_failed(err, request_id, media)),
        }
    }
    let Some(query) = found else {
        return Err(request_error(
            media.request_error_status(),
            TRUSTED_DOCUMENT_REQUIRED,
            "only operations registered with registerTrustedDocuments run here: register this one first",
            request_id,
            media,
        ));
    };
    request.query = query;
    Ok(())
}

/// The answer when trusted documents cannot be read (`503` with `Retry-After` when the
/// database is unavailable).
fn lookup_failed(err: crate::error::ServiceError, request_id: &str, media: MediaType) -> HttpResponse {
    tracing::error!(request_id, %err, "reading trusted documents");
    let unavailable = matches!(err, crate::error::ServiceError::Unavailable);
    let status = if unavailable { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::INTERNAL_SERVER_ERROR };
    let mut response = request_error(status, err.code(), &err.to_string(), request_id, media);
    if unavailable {
        response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    }
    response
}

/// Why a batch of `count` operations is refused when at most `max` are allowed (`0`: no
/// batches), if it is.
fn batch_refusal(max: usize, count: usize) -> Option<String> {
    if max == 0 {
        Some(crate::i18n::Message::new("no-batches").to_string())
    } else if count == 0 || count > max {
        Some(crate::i18n::Message::new("batch-size").arg("max", max).arg("count", count).to_string())
    } else {
        None
    }
}

/// Authenticates the caller, and answers with the `RateLimit-*` headers of whoever pays
/// for the request (the person, or the address of an anonymous request).
async fn serve(
    state: &AppState,
    req: &HttpRequest,
    media: MediaType,
    ids: RequestId,
    started: Instant,
    mut operations: Operations,
    get: bool,
) -> HttpResponse {
    let request_id = ids.id.clone();
    let count = match &operations {
        Operations::One(_) => 1,
        Operations::Batch(batch) => batch.len(),
    };
    if let Operations::Batch(_) = operations
        && let Some(refusal) = batch_refusal(state.max_batch_size, count)
    {
        return request_error(StatusCode::BAD_REQUEST, COST_LIMIT_EXCEEDED, &refusal, &request_id, media);
    }
    let ip = crate::http::client_ip::client_ip(req);
    let authenticated = bearer(req).is_some();
    if authenticated && let Err(retry_after) = state.rate_limits.token_allowed(ip) {
        // This address presented too many invalid tokens lately: no more look-ups.
        tracing::info!(request_id, %ip, "too many invalid tokens");
        return rate_limited(Some(media), retry_after, Some(&request_id));
    }
    let viewer = match bearer(req) {
        Some(token) => match state.app.sessions.authenticate(&state.app.db, token, state.app.session_idle()).await {
            Ok(Some(viewer)) => Some(viewer),
            // A token that names no live session (unknown, expired, idle, revoked, or its
            // person or organization suspended) is not anonymity: the front end must be
            // able to tell "log in again" from "nothing to see".
            Ok(None) => {
                state.rate_limits.token_refused(ip);
                let mut response = request_error(
                    StatusCode::UNAUTHORIZED,
                    "UNAUTHENTICATED",
                    &crate::i18n::Message::new("invalid-token").to_string(),
                    &request_id,
                    media,
                );
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
                return response;
            }
            Err(err) => {
                let status = match err {
                    crate::error::ServiceError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                    _ => StatusCode::INTERNAL_SERVER_ERROR,
                };
                let mut response = request_error(status, err.code(), &err.to_string(), &request_id, media);
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
                }
                return response;
            }
        },
        None => None,
    };
    // An API client pays from its own budget, a person from theirs.
    let payer = match viewer.as_ref() {
        Some(actor) => actor.api_client_id.map_or(Payer::Person(actor.person_id), Payer::ApiClient),
        None => Payer::Address(ip),
    };
    // Trusted documents, where enforced: for an API client restricted to them, and for a
    // browser on a front-end origin whose organization requires them. Only operations
    // registered so run; automatic persisted queries register nothing for them.
    // Each requirement is a set of organizations one of which must have registered the
    // operation; every requirement that applies must hold (a client restricted to its
    // organization's documents runs nothing else, whatever page it is called from). The
    // origin's requirement binds browsers only: a caller that sends no `Origin` (a
    // server, a script) is not concerned by it.
    let mut trusted_of: Vec<Vec<i32>> =
        viewer.as_ref().and_then(|actor| actor.trusted_documents_of).map(|org| vec![org]).into_iter().collect();
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let requiring = state.app.sso.front_ends.requiring(origin.as_bytes());
        if !requiring.is_empty() {
            trusted_of.push(requiring);
        }
    }
    if !trusted_of.is_empty() {
        let requests: Vec<&mut async_graphql::Request> = match &mut operations {
            Operations::One(request) => vec![request],
            Operations::Batch(batch) => batch.iter_mut().collect(),
        };
        // Each look-up is charged like the least operation, refused or not.
        if let Err(refused) = state.rate_limits.take(payer, rate_limit::MIN_CHARGE.saturating_mul(count as u64)) {
            return rate_limited(Some(media), refused.retry_after, Some(&request_id));
        }
        for request in requests {
            if let Err(response) = trusted_document(state, request, &trusted_of, &request_id, media).await {
                let mut response = response;
                state.rate_limits.budget(payer).write(response.headers_mut());
                return response;
            }
        }
    }
    // Persisted queries are the caller's own (see `graphql::persisted`).
    let principal = match payer {
        Payer::Person(id) => format!("p:{id}"),
        Payer::ApiClient(id) => format!("c:{id}"),
        Payer::Address(_) => "anonymous".to_owned(),
    };
    if trusted_of.is_empty() && count <= state.max_batch_size.max(1) {
        let applied = match &mut operations {
            Operations::One(request) => state.persisted.apply(request, &principal),
            Operations::Batch(batch) => {
                batch.iter_mut().try_for_each(|request| state.persisted.apply(request, &principal))
            }
        };
        if let Err(err) = applied {
            return persisted_query_error(err, &request_id, media);
        }
    }
    if let Operations::One(request) = &operations
        && request.query.trim().is_empty()
    {
        // Not a GraphQL request at all (under either media type): nothing to parse.
        return request_error(
            StatusCode::BAD_REQUEST,
            GRAPHQL_PARSE_FAILED,
            &crate::i18n::Message::new("no-query").to_string(),
            &request_id,
            media,
        );
    }
    let call = Call { state, req, media, ids, started, get, authenticated, viewer, payer };
    let mut response = call.answer(operations, count).await;
    state.rate_limits.budget(payer).write(response.headers_mut());
    response
}

/// A `/graphql` request whose caller is known.
struct Call<'a> {
    state: &'a AppState,
    req: &'a HttpRequest,
    media: MediaType,
    ids: RequestId,
    started: Instant,
    get: bool,
    authenticated: bool,
    viewer: crate::auth::Viewer,
    payer: Payer,
}

/// An operation ready to run (with its requested cost and the fields it selects), or
/// answered without running.
enum Prepared {
    Ready(async_graphql::Request, usize, usize),
    Done(Ran),
}

impl Call<'_> {
    /// Checks, costs, charges and runs the operations of the request, and answers.
    async fn answer(self, operations: Operations, count: usize) -> HttpResponse {
        let Call { state, media, payer, .. } = self;
        let request_id = self.ids.id.clone();
        // Nothing to do for a caller whose budget cannot hold even the least charge.
        let least = rate_limit::MIN_CHARGE.saturating_mul(count as u64);
        if let Err(refused) = state.rate_limits.check(payer, least) {
            tracing::info!(request_id, ?payer, "rate limited");
            return rate_limited(Some(media), refused.retry_after, Some(&request_id));
        }
        // A bounded number of executions at once: the others wait a little, then are told
        // to come back rather than queue without end. A batch takes one slot and runs its
        // operations one after the other.
        let Ok(Ok(_permit)) = tokio::time::timeout(state.concurrency_wait, state.executions.acquire()).await else {
            tracing::warn!(request_id, "every execution slot busy");
            let mut response = request_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "UNAVAILABLE",
                &crate::i18n::Message::new("server-busy").to_string(),
                &request_id,
                media,
            );
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            return response;
        };
        let (one, requests) = match operations {
            Operations::One(request) => (true, vec![request]),
            Operations::Batch(requests) => (false, requests),
        };
        let mut names = Vec::with_capacity(requests.len());
        let mut prepared = Vec::with_capacity(requests.len());
        for request in requests {
            let mut name = logged_name(request.operation_name.as_deref());
            let mut ready = prepare(state, request, self.get, &self.viewer).await;
            if name.is_empty()
                && let Prepared::Ready(request, _, _) = &mut ready
            {
                // Without `operationName`, the name of the document's only operation.
                name = only_operation_name(request).map(|n| logged_name(Some(n))).unwrap_or_default();
            }
            names.push(name);
            prepared.push(ready);
        }
        // The request is admitted, whole, when the budget holds the requested costs of
        // all its operations; what they did not use is given back once they ran.
        let held = prepared
            .iter()
            .map(|p| match p {
                Prepared::Ready(_, requested, _) => rate_limit::hold(*requested),
                Prepared::Done(_) => rate_limit::MIN_CHARGE,
            })
            .fold(0u64, u64::saturating_add);
        if let Err(refused) = state.rate_limits.take(payer, held) {
            if held > refused.budget.limit {
                // Only a batch can ask for more than a whole budget: it would never fit.
                let message = crate::i18n::Message::new("batch-cost")
                    .arg("cost", held)
                    .arg("limit", refused.budget.limit)
                    .to_string();
                return request_error(StatusCode::BAD_REQUEST, COST_LIMIT_EXCEEDED, &message, &request_id, media);
            }
            tracing::info!(request_id, ?payer, held, "rate limited");
            return rate_limited(Some(media), refused.retry_after, Some(&request_id));
        }
        // The whole request, batch or not, runs within one `request_timeout`.
        let deadline = tokio::time::Instant::now() + state.request_timeout;
        let ids = Arc::new(self.ids.clone());
        let person = self.viewer.as_ref().map(|a| a.person_id);
        let mut charged = 0u64;
        let mut ran = Vec::with_capacity(prepared.len());
        for (prepared, operation) in prepared.into_iter().zip(&names) {
            let (outcome, charge) = match prepared {
                Prepared::Done(done) => (done, rate_limit::MIN_CHARGE),
                Prepared::Ready(request, requested, selected) => {
                    let outcome = execute(state, request, requested, &self.viewer, &ids, deadline).await;
                    let charge = match &outcome {
                        Ran::Answered(response, _) => {
                            rate_limit::charge(requested, cost::actual_of(response), selected)
                        }
                        _ => rate_limit::hold(requested),
                    };
                    (outcome, charge)
                }
            };
            log_operation(&request_id, operation, person, &outcome, self.started, charge);
            charged = charged.saturating_add(charge);
            ran.push(outcome);
        }
        state.rate_limits.settle(payer, held, charged);
        if one && let Some(outcome) = ran.pop() { self.write_one(outcome) } else { self.write_batch(ran) }
    }

    /// The answer to one operation.
    fn write_one(&self, ran: Ran) -> HttpResponse {
        let (state, media, request_id) = (self.state, self.media, self.ids.id.as_str());
        let (response, request_error_) = match ran {
            Ran::Answered(response, request_error_) => (response, request_error_),
            Ran::TimedOut => {
                return request_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "TIMEOUT",
                    &timeout_message(state),
                    request_id,
                    media,
                );
            }
            Ran::MutationOverGet => {
                let mut response = request_error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "BAD_USER_INPUT",
                    "mutations are sent with POST, never GET",
                    request_id,
                    media,
                );
                response.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static("POST"));
                return response;
            }
        };
        let (body, too_large) = match write_answer(&response, request_error_, state.max_response_bytes) {
            Some(body) => (body, false),
            None => (too_large_answer(&response, state.max_response_bytes), true),
        };
        // The database went away while it ran: say so with the status too, so that load
        // balancers and clients retry (its `data`, if any, is incomplete).
        let unavailable = !request_error_ && has_code(&response, "UNAVAILABLE");
        let status = if request_error_ || too_large {
            media.request_error_status()
        } else if unavailable {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        };
        let mut answer = HttpResponse::build(status);
        if unavailable {
            answer.insert_header((header::RETRY_AFTER, "1"));
        }
        answer.content_type(media.content_type()).insert_header(("X-Request-Id", request_id));
        if self.get && status == StatusCode::OK && !too_large {
            let etag = graphql_http::etag(media, &body);
            let cache = if self.authenticated { graphql_http::CACHE_NONE } else { graphql_http::CACHE_ANONYMOUS_GET };
            answer.insert_header((header::CACHE_CONTROL, cache)).insert_header((header::VARY, graphql_http::VARY));
            if graphql_http::none_match(self.req.headers().get(header::IF_NONE_MATCH), &etag) {
                return answer.status(StatusCode::NOT_MODIFIED).insert_header((header::ETAG, etag)).finish();
            }
            answer.insert_header((header::ETAG, etag));
        } else {
            answer.insert_header((header::CACHE_CONTROL, graphql_http::CACHE_NONE));
        }
        answer.body(body)
    }

    /// The answer to a batch: an array of answers, within `max_response_bytes` together
    /// (an answer that does not fit in what is left is replaced by its error).
    fn write_batch(&self, ran: Vec<Ran>) -> HttpResponse {
        let (state, max) = (self.state, self.state.max_response_bytes);
        let mut body = Vec::with_capacity(256 * ran.len());
        body.push(b'[');
        for (index, ran) in ran.into_iter().enumerate() {
            if index > 0 {
                body.push(b',');
            }
            let room = max.saturating_sub(body.len().saturating_add(1));
            let written = match ran {
                Ran::Answered(response, request_error_) => {
                    write_answer(&response, request_error_, room).unwrap_or_else(|| too_large_answer(&response, max))
                }
                Ran::TimedOut => {
                    let mut error = ServerError::new(timeout_message(state), None);
                    error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("code", "TIMEOUT");
                    serde_json::to_vec(&graphql_http::RequestErrors { errors: &[error], extensions: None })
                        .unwrap_or_default()
                }
                // Batches are posted: no operation of theirs came with GET.
                Ran::MutationOverGet => b"null".to_vec(),
            };
            body.extend_from_slice(&written);
        }
        body.push(b']');
        HttpResponse::Ok()
            .content_type(self.media.content_type())
            .insert_header((header::CACHE_CONTROL, graphql_http::CACHE_NONE))
            .insert_header(("X-Request-Id", self.ids.id.as_str()))
            .body(body)
    }
}

/// The JSON of an answer (without `data` for a request error), if it fits in `max`
/// bytes.
fn write_answer(response: &async_graphql::Response, request_error: bool, max: usize) -> Option<Vec<u8>> {
    let mut out = Bounded::new(max);
    let written = if request_error {
        let extensions = (!response.extensions.is_empty()).then_some(&response.extensions);
        out.append_json(&graphql_http::RequestErrors { errors: &response.errors, extensions })
    } else {
        out.append_json(response)
    };
    written.ok().map(|()| out.into_inner())
}

/// What replaces an answer larger than `max` bytes: an error and its cost, no `data`.
fn too_large_answer(response: &async_graphql::Response, max: usize) -> Vec<u8> {
    let mut error = ServerError::new(crate::i18n::Message::new("answer-too-large").arg("max", max).to_string(), None);
    error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("code", RESPONSE_TOO_LARGE);
    let extensions = (!response.extensions.is_empty()).then_some(&response.extensions);
    serde_json::to_vec(&graphql_http::RequestErrors { errors: &[error], extensions }).unwrap_or_default()
}

fn timeout_message(state: &AppState) -> String {
    crate::i18n::Message::new("timed-out").arg("seconds", state.request_timeout.as_secs()).to_string()
}

/// Whether one of the answer's errors has this `extensions.code`.
fn has_code(response: &async_graphql::Response, code: &str) -> bool {
    response.errors.iter().any(|error| {
        error
            .extensions
            .as_ref()
            .and_then(|ext| ext.get("code"))
            .is_some_and(|value| matches!(value, async_graphql::Value::String(c) if c == code))
    })
}

/// Logs one operation and counts it in the metrics.
fn log_operation(request_id: &str, operation: &str, person: Option<i32>, ran: &Ran, started: Instant, charged: u64) {
    use crate::telemetry::Outcome;
    let outcome = match ran {
        Ran::Answered(_, true) | Ran::MutationOverGet => Outcome::Refused,
        Ran::Answered(response, false) if has_code(response, "UNAVAILABLE") => Outcome::Unavailable,
        Ran::Answered(response, false) if !response.errors.is_empty() => Outcome::Error,
        Ran::Answered(..) => Outcome::Ok,
        Ran::TimedOut => Outcome::Timeout,
    };
    let metrics = crate::telemetry::metrics();
    let label = metrics.operation_label(operation, matches!(ran, Ran::Answered(_, false)));
    metrics.operation(&label, outcome, started.elapsed(), charged);
    match ran {
        Ran::Answered(response, _) => tracing::info!(
            request_id,
            operation,
            person,
            errors = response.errors.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "graphql"
        ),
        Ran::TimedOut => tracing::warn!(request_id, operation, person, "graphql request timed out"),
        Ran::MutationOverGet => tracing::info!(request_id, operation, person, "mutation over GET refused"),
    }
}

/// A request error answered without running anything, with its cost.
fn refused(mut error: ServerError, requested: usize) -> Prepared {
    graphql_http::code_refusal(&mut error);
    let mut response = async_graphql::Response::from_errors(vec![error]);
    Cost { requested, actual: 0 }.attach(&mut response);
    Prepared::Done(Ran::Answered(response, true))
}

/// Longest operation name written to the log (the client chooses it: whole, it could
/// make every request write a megabyte of log).
pub const MAX_LOGGED_OPERATION_NAME: usize = 100;

/// The operation name as logged: its first [`MAX_LOGGED_OPERATION_NAME`] bytes (at a
/// character boundary), `…` marking a cut.
fn logged_name(name: Option<&str>) -> String {
    let name = name.unwrap_or_default();
    if name.len() <= MAX_LOGGED_OPERATION_NAME {
        return name.to_owned();
    }
    let kept = name.get(..name.floor_char_boundary(MAX_LOGGED_OPERATION_NAME)).unwrap_or_default();
    format!("{kept}…")
}

/// Prepares one operation: parses and checks it (or finds it already prepared), and
/// measures its requested cost, refusing it when it is over the limits.
async fn prepare(
    state: &AppState,
    mut request: async_graphql::Request,
    get: bool,
    viewer: &crate::auth::Viewer,
) -> Prepared {
    if request.query.trim().is_empty() {
        return refused(ServerError::new(crate::i18n::Message::new("no-query").to_string(), None), 0);
    }
    if let Err(error) = limits::check_variables(&request.variables) {
        return refused(error, 0);
    }
    let document = match state.prepared.prepare(&request.query).await {
        Ok(document) => document,
        Err(error) => return refused(error, 0),
    };
    if get && is_mutation(&document, request.operation_name.as_deref()) {
        return Prepared::Done(Ran::MutationOverGet);
    }
    if let Some(actor) = viewer
        && let Some(error) = graphql::scopes::refusal(&document, request.operation_name.as_deref(), actor)
    {
        // A personal access token's scopes do not allow it: refused before anything ran.
        return refused(error, 0);
    }
    let measured = cost::measure(document.clone(), &request).await;
    if let Some(measured) = measured
        && let Some(error) = limits::over_limits(measured.complexity, measured.depth)
    {
        return refused(error, measured.complexity);
    }
    request.set_parsed_query(document);
    // Not measured: the document does not validate, which execution reports.
    Prepared::Ready(request, measured.map_or(0, |m| m.complexity), measured.map_or(0, |m| m.selected))
}

/// Executes one prepared operation by `deadline`, codes its errors and attaches its cost.
async fn execute(
    state: &AppState,
    request: async_graphql::Request,
    requested: usize,
    viewer: &crate::auth::Viewer,
    ids: &Arc<RequestId>,
    deadline: tokio::time::Instant,
) -> Ran {
    if tokio::time::Instant::now() >= deadline {
        return Ran::TimedOut;
    }
    let caller = Caller::new(viewer.clone(), Some(ids.clone()));
    let surcharge = Arc::new(cost::Surcharge::default());
    let request = loaders::register(request, &state.app, &caller).data(caller).data(surcharge.clone());
    // On timeout the execution future is dropped: its resolvers stop at their next
    // await (a DataLoader batch already started finishes on its own, bounded by a page).
    let Ok(mut response) = tokio::time::timeout_at(deadline, state.schema.execute(request)).await else {
        return Ran::TimedOut;
    };
    for error in &mut response.errors {
        if let Some(refusal) = limits::cost_refusal(error) {
            *error = refusal;
        }
    }
    let request_error = graphql_http::code_execution(&mut response);
    limits::cap_errors(&mut response.errors);
    let actual = cost::actual(&response.data).saturating_add(surcharge.points());
    Cost { requested, actual }.attach(&mut response);
    Ran::Answered(response, request_error)
}

/// The name of the only operation of a parsed request's document, if it has one.
fn only_operation_name(request: &mut async_graphql::Request) -> Option<&str> {
    match &request.parsed_query().ok()?.operations {
        async_graphql::parser::types::DocumentOperations::Multiple(operations) if operations.len() == 1 => {
            operations.keys().next().map(|name| name.as_str())
        }
        _ => None,
    }
}

/// Whether the operation a request selects (by name, or the only one) is a mutation.
fn is_mutation(document: &ExecutableDocument, name: Option<&str>) -> bool {
    document.operations.iter().any(|(operation_name, operation)| {
        operation.node.ty == OperationType::Mutation
            && name.is_none_or(|name| operation_name.is_some_and(|n| n.as_str() == name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_logged_cut_at_a_character_boundary() {
        assert_eq!(logged_name(None), "");
        assert_eq!(logged_name(Some("Orgs")), "Orgs");
        let exact = "a".repeat(MAX_LOGGED_OPERATION_NAME);
        assert_eq!(logged_name(Some(&exact)), exact);
        // 99 ASCII bytes, then a two-byte character across the limit: cut before it.
        let across = format!("{}é{}", "a".repeat(MAX_LOGGED_OPERATION_NAME - 1), "b".repeat(1_000));
        assert_eq!(logged_name(Some(&across)), format!("{}…", "a".repeat(MAX_LOGGED_OPERATION_NAME - 1)));
    }
}
