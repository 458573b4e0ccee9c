//! The HTTP edge: `POST /graphql`, the login routes under `/auth/`, GraphiQL, and the
//! health checks (`http::health`).
//!
//! Before a GraphQL request reaches the schema it must be JSON (`415` otherwise, so no
//! web page can send one cross-site without a preflight), within the rate limits
//! (`429 RATE_LIMITED` with `Retry-After`) and find a free execution slot within
//! `concurrency_wait_ms` (`503 UNAVAILABLE`); it then runs for at most
//! `request_timeout_secs` (`503 TIMEOUT`, its work dropped), and its work is dropped as
//! well when its client closes the connection. The schema's extension
//! ([`graphql::limits`]) bounds nesting, shape and cost before anything executes.

mod graphiql;
mod rate_limit;

use std::{
    net::TcpListener,
    sync::Arc,
    time::{Duration, Instant},
};

use actix_cors::Cors;
use actix_web::{
    HttpRequest, HttpResponse, HttpServer, Responder,
    body::MessageBody,
    dev::{ServerHandle, ServiceRequest, ServiceResponse},
    http::{Method, StatusCode, header},
    middleware::{DefaultHeaders, Next, from_fn},
    web,
};
use async_graphql::ErrorExtensionValues;
use async_graphql_actix_web::GraphQLResponse;
use serde_json::json;
use tokio::sync::Semaphore;

use crate::{
    auth::{self, Caller},
    config::Settings,
    graphql::{self, AppSchema, loaders},
    service::{App, audit::RequestId},
};

use self::rate_limit::RateLimits;

/// Largest request body accepted on `/graphql`.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Longest client `X-Request-Id` kept (as `clientRequestId` in the audit trail).
pub const MAX_CLIENT_REQUEST_ID: usize = 64;

struct AppState {
    schema: AppSchema,
    /// Queries already parsed and checked.
    prepared: graphql::prepared::PreparedDocuments,
    app: App,
    rate_limits: RateLimits,
    /// One permit per GraphQL execution running at once.
    executions: Semaphore,
    concurrency_wait: Duration,
    request_timeout: Duration,
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
    let watcher = tokio::spawn(crate::watch::watch_policy(app.clone(), settings.policy_refresh_ms));
    let health = web::Data::new(crate::http::health::Health::new(&app.db));
    let app_data = web::Data::new(app.clone());
    let state = web::Data::new(AppState {
        schema: graphql::build_schema(app.clone()),
        prepared: graphql::prepared::PreparedDocuments::default(),
        app,
        rate_limits: RateLimits::new(settings),
        executions: Semaphore::new(settings.max_concurrent_requests),
        concurrency_wait: Duration::from_millis(settings.concurrency_wait_ms),
        request_timeout: Duration::from_secs(settings.request_timeout_secs),
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
            ])
            .expose_headers([header::HeaderName::from_static("x-request-id")])
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
            .app_data(state.clone())
            .app_data(app_data.clone())
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .configure(auth::web::routes)
            .route("/graphql", web::post().to(graphql_endpoint))
            .configure(|cfg| crate::http::health::routes(cfg, health.clone()));
        if graphiql { web_app.route("/graphiql", web::get().to(graphiql::page)) } else { web_app }
    })
    // A client that closes its side has given up: drop its request's work (the handler
    // future) at once instead of running it to the end for nobody.
    .h1_allow_half_closed(false)
    .listen(listener)?;
    if settings.workers > 0 {
        server = server.workers(settings.workers);
    }
    if !handle_signals {
        server = server.disable_signals();
    }
    let server = server.run();
    let handle = server.handle();
    let task = tokio::spawn(async move {
        let result = server.await;
        watcher.abort();
        sweeper.abort();
        result
    });
    Ok(RunningServer { addr, handle, task })
}

/// Every minute, forgets the rate-limit state of callers who have been quiet.
async fn forget_idle_callers(state: web::Data<AppState>) {
    let mut ticker = tokio::time::interval(Duration::from_secs(60));
    loop {
        ticker.tick().await;
        state.rate_limits.forget_idle();
    }
}

/// A GraphQL-shaped error response for requests that never reached the schema.
fn request_error(status: StatusCode, code: &str, message: &str, request_id: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("X-Request-Id", request_id))
        .json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }))
}

/// `429` with `Retry-After`: a GraphQL error (`RATE_LIMITED`) on `/graphql`, and on
/// `/auth/…` the `{ "error", "message" }` shape of that endpoint's other errors.
fn rate_limited(graphql: bool, retry_after: u64, request_id: Option<&str>) -> HttpResponse {
    let message = format!("too many requests: try again in {retry_after} s");
    let mut response = HttpResponse::TooManyRequests();
    response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
    if let Some(id) = request_id {
        response.insert_header(("X-Request-Id", id));
    }
    if graphql {
        response.json(json!({ "errors": [{ "message": message, "extensions": { "code": "RATE_LIMITED" } }] }))
    } else {
        response.json(json!({ "error": "rate_limited", "message": message }))
    }
}

/// Whether the request says its body is JSON (`application/json`, any parameters).
fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// Before routing: the per-IP rate limits of `/graphql` and `/auth/…`, and JSON-only
/// `POST /auth/token` (a form or `text/plain` post could come from any web page).
async fn edge_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let path = req.path();
    let graphql = path == "/graphql";
    let auth = path.starts_with("/auth/");
    if (graphql || auth)
        && let (Some(state), Some(peer)) = (req.app_data::<web::Data<AppState>>(), req.peer_addr())
    {
        let counted =
            if graphql { state.rate_limits.graphql_ip(peer.ip()) } else { state.rate_limits.auth_ip(peer.ip()) };
        if let Err(retry_after) = counted {
            tracing::info!(path, ip = %peer.ip(), "rate limited");
            let response = rate_limited(graphql, retry_after, None);
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    if path == "/auth/token" && req.method() == Method::POST && !is_json(req.request()) {
        let response = HttpResponse::UnsupportedMediaType()
            .json(json!({ "error": "invalid_request", "message": "send JSON with Content-Type: application/json" }));
        return Ok(req.into_response(response).map_into_right_body());
    }
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}

/// A new request id (kept in the audit trail and sent back in `X-Request-Id`), with the
/// client's own `X-Request-Id` kept apart: printable ASCII only, at most
/// [`MAX_CLIENT_REQUEST_ID`] characters.
fn request_id(req: &HttpRequest) -> RequestId {
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

fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

async fn graphql_endpoint(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
) -> HttpResponse {
    let started = Instant::now();
    let ids = request_id(&req);
    let request_id = ids.id.clone();
    if !is_json(&req) {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_USER_INPUT",
            "send the GraphQL request as JSON, with Content-Type: application/json",
            &request_id,
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(err) => {
            let too_large = err.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE;
            let (status, message) = if too_large {
                (StatusCode::PAYLOAD_TOO_LARGE, format!("the request body exceeds {MAX_BODY_BYTES} bytes"))
            } else {
                (StatusCode::BAD_REQUEST, "the request body could not be read".to_owned())
            };
            return request_error(status, "BAD_USER_INPUT", &message, &request_id);
        }
    };
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            let message = format!("the request body is not a GraphQL request in JSON: {err}");
            return request_error(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message, &request_id);
        }
    };
    let viewer = match bearer(&req) {
        Some(token) => match state.app.sessions.authenticate(&state.app.db, token, state.app.session_idle()).await {
            Ok(Some(viewer)) => Some(viewer),
            // A token that names no live session (unknown, expired, idle, revoked, or its
            // person or organization suspended) is not anonymity: the front end must be
            // able to tell "log in again" from "nothing to see".
            Ok(None) => {
                let mut response = request_error(
                    StatusCode::UNAUTHORIZED,
                    "UNAUTHENTICATED",
                    "the token is invalid, expired or revoked: log in again",
                    &request_id,
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
                return request_error(status, err.code(), &err.to_string(), &request_id);
            }
        },
        None => None,
    };
    let operation = request.operation_name.clone().unwrap_or_default();
    let person = viewer.as_ref().map(|a| a.person_id);
    if let Some(person) = person
        && let Err(retry_after) = state.rate_limits.graphql_person(person)
    {
        tracing::info!(request_id, person, "rate limited");
        return rate_limited(true, retry_after, Some(&request_id));
    }
    // A bounded number of executions at once: the others wait a little, then are told
    // to come back rather than queue without end.
    let Ok(Ok(_permit)) = tokio::time::timeout(state.concurrency_wait, state.executions.acquire()).await else {
        tracing::warn!(request_id, "every execution slot busy");
        let mut response =
            request_error(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", "the server is busy: try again", &request_id);
        response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        return response;
    };
    let mut request = request;
    let mut response = match state.prepared.prepare(&request.query).await {
        Err(refused) => async_graphql::Response::from_errors(vec![refused]),
        Ok(document) => {
            request.set_parsed_query(document);
            let caller = Caller::new(viewer, Some(Arc::new(ids)));
            let request = loaders::register(request, &state.app, &caller).data(caller);
            // On timeout the execution future is dropped: its resolvers stop at their next
            // await (a DataLoader batch already started finishes on its own, bounded by a page).
            let Ok(response) = tokio::time::timeout(state.request_timeout, state.schema.execute(request)).await else {
                tracing::warn!(request_id, operation, person, "graphql request timed out");
                return request_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "TIMEOUT",
                    &format!("the request took longer than {} s and was stopped", state.request_timeout.as_secs()),
                    &request_id,
                );
            };
            response
        }
    };
    graphql::limits::cap_errors(&mut response.errors);
    for error in &mut response.errors {
        if let Some(refusal) = graphql::limits::cost_refusal(error) {
            *error = refusal;
        }
        // Errors raised before resolvers run (syntax, unknown fields, wrong types) are
        // the client's input.
        let extensions = error.extensions.get_or_insert_with(ErrorExtensionValues::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "BAD_USER_INPUT");
        }
    }
    tracing::info!(
        request_id,
        operation,
        person,
        errors = response.errors.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "graphql"
    );
    GraphQLResponse::from(response)
        .customize()
        .insert_header(("X-Request-Id", request_id))
        .respond_to(&req)
        .map_into_boxed_body()
}
