//! Graceful shutdown. On SIGTERM (or SIGINT) the server stops accepting connections (a
//! new one is refused), closes the kept-alive connections that carry no request (their
//! clients open a new one, elsewhere), and gives the requests in flight
//! `shutdown_grace_secs` to finish; then the process exits (0), whether they finished or
//! not.

use actix_web::dev::ServerHandle;

/// Waits for SIGTERM or SIGINT, then drains the server behind `handle`, which was built
/// with the grace period (`HttpServer::shutdown_timeout`).
pub async fn on_signal(handle: ServerHandle) {
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
        () = terminate => tracing::info!("SIGTERM: finishing the requests in flight"),
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: finishing the requests in flight"),
    }
    handle.stop(true).await;
    tracing::info!("stopped");
}
