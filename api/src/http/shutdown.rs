//! Graceful shutdown. On SIGTERM (or SIGINT) the server stops accepting connections,
//! answers `503 UNAVAILABLE` (`Connection: close`, `Retry-After`) to requests that arrive
//! on connections already open, and gives the requests in flight `shutdown_grace_secs`
//! to finish; then the process exits (0). An orchestrator's load balancer has meanwhile
//! seen `/readyz` go `503` and sends the traffic elsewhere.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use actix_web::{
    HttpResponse,
    body::MessageBody,
    dev::{ServerHandle, ServiceRequest, ServiceResponse},
    http::{ConnectionType, header},
    middleware::Next,
    web,
};
use serde_json::json;

/// Whether the server is draining (shared by its workers).
#[derive(Clone, Default)]
pub struct Draining(Arc<AtomicBool>);

impl Draining {
    /// Whether a stop signal came.
    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    fn start(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Waits for SIGTERM or SIGINT, then drains the server behind `handle`: no new
/// connections, new requests refused, requests in flight given the grace period that
/// the server was built with (`HttpServer::shutdown_timeout`).
pub async fn on_signal(handle: ServerHandle, draining: Draining) {
    let terminate = async {
        #[cfg(unix)]
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await;
    };
    tokio::select! {
        () = terminate => tracing::info!("SIGTERM: draining"),
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: draining"),
    }
    draining.start();
    handle.stop(true).await;
    tracing::info!("stopped");
}

/// Refuses requests that arrive while the server drains.
pub async fn refuse_while_draining(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let draining = req.app_data::<web::Data<Draining>>().is_some_and(|d| d.is_draining());
    if !draining {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    }
    let mut response = HttpResponse::ServiceUnavailable()
        .insert_header((header::RETRY_AFTER, "1"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "errors": [{ "message": "the server is shutting down: try again", "extensions": { "code": "UNAVAILABLE" } }]
        }));
    response.head_mut().set_connection_type(ConnectionType::Close);
    Ok(req.into_response(response).map_into_right_body())
}
