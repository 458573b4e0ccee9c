//! The HTTP edge: `POST /graphql`, the login routes under `/auth/`, GraphiQL, and the
//! health checks (`http::health`).

use std::{net::TcpListener, time::Instant};

use actix_cors::Cors;
use actix_web::{
    HttpRequest, HttpResponse, HttpServer, Responder,
    dev::ServerHandle,
    http::{StatusCode, header},
    web,
};
use async_graphql::{ErrorExtensionValues, http::GraphiQLSource};
use async_graphql_actix_web::GraphQLResponse;
use serde_json::json;

use crate::{
    auth::{self, Caller},
    config::Settings,
    graphql::{self, AppSchema, loaders},
    service::App,
};

/// Largest request body accepted on `/graphql`.
pub const MAX_BODY_BYTES: usize = 1 << 20;

struct AppState {
    schema: AppSchema,
    app: App,
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
    let state = web::Data::new(AppState { schema: graphql::build_schema(app.clone()), app });
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
            .max_age(600);
        let web_app = actix_web::App::new()
            .wrap(cors)
            .app_data(state.clone())
            .app_data(app_data.clone())
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .configure(auth::web::routes)
            .route("/graphql", web::post().to(graphql_endpoint))
            .configure(|cfg| crate::http::health::routes(cfg, health.clone()));
        if graphiql { web_app.route("/graphiql", web::get().to(graphiql_page)) } else { web_app }
    })
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
        result
    });
    Ok(RunningServer { addr, handle, task })
}

/// A GraphQL-shaped error response for requests that never reached the schema.
fn request_error(status: StatusCode, code: &str, message: &str, request_id: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("X-Request-Id", request_id))
        .json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }))
}

/// The caller's request id if it is sane, else a new one.
fn request_id(req: &HttpRequest) -> String {
    req.headers()
        .get("X-Request-Id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
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
    let request_id = request_id(&req);
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
        Some(token) => match auth::authenticate(&state.app.db, token, state.app.sso.settings.session_idle).await {
            Ok(viewer) => viewer,
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
    let caller = Caller::new(viewer, Some(request_id.clone()));
    let request = loaders::register(request, &state.app, &caller).data(caller);
    let mut response = state.schema.execute(request).await;
    for error in &mut response.errors {
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

async fn graphiql_page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(GraphiQLSource::build().endpoint("/graphql").title("Maillage").finish())
}
