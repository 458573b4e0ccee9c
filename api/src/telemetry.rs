//! What operators see of a running server: its log lines (text or JSON, colour only on a
//! terminal, each line of a request inside that request's span) and its Prometheus
//! metrics (counted here, served by [`crate::http::metrics`]).
//!
//! The metrics live in one registry per process: a process runs one server (the tests,
//! which start several in one process, only ever compare counts before and after).

use std::{
    collections::HashSet,
    io::IsTerminal,
    sync::{LazyLock, Mutex},
    time::Duration,
};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::{propagation::TraceContextPropagator, trace::SdkTracerProvider};
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::{Layer, Registry, layer::SubscriberExt, util::SubscriberInitExt};

use crate::config::LogFormat;

/// Sets up the log: `filter` (an `EnvFilter` directive) and `format`, on stderr. ANSI
/// colour codes only when stderr is a terminal: a file or a log collector gets plain text.
/// With `otlp_traces_endpoint`, spans are also exported over OTLP/HTTP; the provider
/// returned must be shut down before the process exits (it sends what is left).
pub fn init_logging(
    filter: tracing_subscriber::EnvFilter,
    format: LogFormat,
    otlp_traces_endpoint: Option<&str>,
) -> Result<Option<SdkTracerProvider>, String> {
    let ansi = std::io::stderr().is_terminal();
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(ansi);
    let fmt: Box<dyn Layer<Registry> + Send + Sync> = match format {
        LogFormat::Text => Box::new(fmt),
        // Each line carries the fields of the spans it was written in (the request's
        // id and trace id), under `span` and `spans`.
        LogFormat::Json => Box::new(fmt.json().with_current_span(true).with_span_list(true)),
    };
    let provider = otlp_traces_endpoint.map(tracer_provider).transpose()?;
    let otel = provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer().with_tracer(provider.tracer("maillage")).with_filter(filter_clone(&filter))
    });
    tracing_subscriber::registry().with(fmt.with_filter(filter)).with(otel).init();
    if provider.is_some() {
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    }
    Ok(provider)
}

/// The same filter again (an `EnvFilter` is not `Clone`): what is logged is what is traced.
fn filter_clone(filter: &tracing_subscriber::EnvFilter) -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::new(filter.to_string())
}

/// A tracer provider exporting in batches to an OTLP/HTTP traces endpoint.
fn tracer_provider(endpoint: &str) -> Result<SdkTracerProvider, String> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(endpoint)
        .with_timeout(Duration::from_secs(5))
        .build()
        .map_err(|err| format!("otlp_traces_endpoint (MAILLAGE_OTLP_TRACES_ENDPOINT): {err}"))?;
    let resource = opentelemetry_sdk::Resource::builder().with_service_name("maillage").build();
    // Every request is traced, whatever the flags of the caller's `traceparent`: a caller
    // cannot hide its requests from the operators' traces.
    Ok(SdkTracerProvider::builder()
        .with_sampler(opentelemetry_sdk::trace::Sampler::AlwaysOn)
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build())
}

/// The longest `tracestate` passed on to exported spans.
const MAX_TRACESTATE: usize = 512;

/// Makes the current span (a request's) a child of the W3C trace context in `traceparent`
/// (and `tracestate`), when traces are exported; does nothing otherwise.
pub fn continue_trace(span: &tracing::Span, traceparent: Option<&str>, tracestate: Option<&str>) {
    let Some(traceparent) = traceparent else { return };
    let mut carrier = std::collections::HashMap::new();
    carrier.insert("traceparent".to_owned(), traceparent.to_owned());
    // `tracestate` goes with every exported span: only a short one (W3C's 512 characters).
    if let Some(state) = tracestate.filter(|state| state.len() <= MAX_TRACESTATE) {
        carrier.insert("tracestate".to_owned(), state.to_owned());
    }
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| propagator.extract(&carrier));
    // Without the exporting layer there is nothing to attach the parent to.
    let _ = span.set_parent(parent);
}

/// Most operation names kept as label values; later ones count as [`OTHER_OPERATION`].
pub const MAX_OPERATION_NAMES: usize = 100;

/// Longest operation name kept as a label value.
pub const MAX_OPERATION_NAME_LEN: usize = 64;

/// The label of operations whose name is not kept (too many names, too long, or the
/// operation did not validate against the schema).
pub const OTHER_OPERATION: &str = "other";

/// The label of operations without a name.
pub const ANONYMOUS_OPERATION: &str = "anonymous";

/// What became of a GraphQL operation, as a label value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Answered without errors.
    Ok,
    /// Answered with errors raised while running (`NOT_FOUND`, `FORBIDDEN`…).
    Error,
    /// Refused before running: parse, validation, cost, scope errors.
    Refused,
    /// Stopped at `request_timeout_secs`.
    Timeout,
    /// The database was unavailable.
    Unavailable,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Refused => "refused",
            Self::Timeout => "timeout",
            Self::Unavailable => "unavailable",
        }
    }
}

/// The server's counters and histograms.
pub struct Metrics {
    registry: prometheus::Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    operations: IntCounterVec,
    operation_duration: HistogramVec,
    cost: HistogramVec,
    rate_limited: IntCounterVec,
    logins: IntCounterVec,
    /// The operation names used as label values (at most [`MAX_OPERATION_NAMES`]).
    names: Mutex<HashSet<String>>,
}

/// Seconds: from a millisecond to the longest request timeout.
const LATENCY_BUCKETS: &[f64] = &[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Cost points: from a bare field to the most one operation may cost.
const COST_BUCKETS: &[f64] = &[1.0, 5.0, 10.0, 50.0, 100.0, 500.0, 1_000.0, 5_000.0, 10_000.0, 50_000.0];

impl Metrics {
    #[expect(clippy::expect_used, reason = "fixed names and labels: a mistake fails every test at once")]
    fn new() -> Self {
        let registry = prometheus::Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new("maillage_http_requests_total", "HTTP requests answered, by route, method and status class"),
            &["route", "method", "status"],
        )
        .expect("metric");
        let http_duration = HistogramVec::new(
            HistogramOpts::new("maillage_http_request_duration_seconds", "Time to answer an HTTP request, by route")
                .buckets(LATENCY_BUCKETS.to_vec()),
            &["route"],
        )
        .expect("metric");
        let operations = IntCounterVec::new(
            Opts::new("maillage_graphql_operations_total", "GraphQL operations, by operation name and outcome"),
            &["operation", "outcome"],
        )
        .expect("metric");
        let operation_duration = HistogramVec::new(
            HistogramOpts::new(
                "maillage_graphql_operation_duration_seconds",
                "Time from a GraphQL request's arrival to the end of the operation, by operation name",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["operation"],
        )
        .expect("metric");
        let cost = HistogramVec::new(
            HistogramOpts::new(
                "maillage_graphql_cost_charged",
                "Cost points charged to the caller's budget per GraphQL operation",
            )
            .buckets(COST_BUCKETS.to_vec()),
            &["operation"],
        )
        .expect("metric");
        let rate_limited = IntCounterVec::new(
            Opts::new("maillage_rate_limited_total", "Requests refused with 429, by endpoint (graphql, auth, files)"),
            &["endpoint"],
        )
        .expect("metric");
        let logins = IntCounterVec::new(
            Opts::new("maillage_logins_total", "Single sign-on logins finished, by outcome (ok, or the refusal code)"),
            &["outcome"],
        )
        .expect("metric");
        for collector in [&http_requests, &operations, &rate_limited, &logins] {
            registry.register(Box::new(collector.clone())).expect("register");
        }
        for collector in [&http_duration, &operation_duration, &cost] {
            registry.register(Box::new(collector.clone())).expect("register");
        }
        Self {
            registry,
            http_requests,
            http_duration,
            operations,
            operation_duration,
            cost,
            rate_limited,
            logins,
            names: Mutex::new(HashSet::new()),
        }
    }

    /// The label value for an operation name. A name becomes a label value only when its
    /// operation validated against the schema (`valid`), it is a GraphQL name no longer
    /// than [`MAX_OPERATION_NAME_LEN`], and fewer than [`MAX_OPERATION_NAMES`] names are
    /// kept already: a caller making up names cannot grow the metrics without end.
    pub fn operation_label(&self, name: &str, valid: bool) -> String {
        if name.is_empty() {
            return ANONYMOUS_OPERATION.to_owned();
        }
        let is_graphql_name = name.len() <= MAX_OPERATION_NAME_LEN
            && name
                .bytes()
                .enumerate()
                .all(|(i, b)| b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit()));
        if !is_graphql_name {
            return OTHER_OPERATION.to_owned();
        }
        let Ok(mut names) = self.names.lock() else { return OTHER_OPERATION.to_owned() };
        if names.contains(name) {
            return name.to_owned();
        }
        if valid && names.len() < MAX_OPERATION_NAMES {
            names.insert(name.to_owned());
            return name.to_owned();
        }
        OTHER_OPERATION.to_owned()
    }

    /// Counts one GraphQL operation: its outcome, its time and the cost charged for it.
    pub fn operation(&self, label: &str, outcome: Outcome, elapsed: Duration, charged: u64) {
        self.operations.with_label_values(&[label, outcome.label()]).inc();
        self.operation_duration.with_label_values(&[label]).observe(elapsed.as_secs_f64());
        self.cost.with_label_values(&[label]).observe(charged as f64);
    }

    /// Counts one HTTP answer (`route` is the matched route pattern, never the raw path).
    pub fn http_request(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let class = match status {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        self.http_requests.with_label_values(&[route, method, class]).inc();
        self.http_duration.with_label_values(&[route]).observe(elapsed.as_secs_f64());
    }

    /// Counts a `429` (`endpoint`: `graphql`, `auth` or `files`).
    pub fn rate_limited(&self, endpoint: &'static str) {
        self.rate_limited.with_label_values(&[endpoint]).inc();
    }

    /// Counts a finished login (`outcome`: `ok`, `link_confirmation` or a refusal's
    /// code, a fixed set).
    pub fn login(&self, outcome: &'static str) {
        self.logins.with_label_values(&[outcome]).inc();
    }

    /// The exposition text of every metric of this registry.
    pub fn encode(&self) -> String {
        prometheus::TextEncoder::new().encode_to_string(&self.registry.gather()).unwrap_or_default()
    }
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
    &METRICS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_bounded() {
        let metrics = Metrics::new();
        assert_eq!(metrics.operation_label("", true), ANONYMOUS_OPERATION);
        assert_eq!(metrics.operation_label("Invalid", false), OTHER_OPERATION, "not validated: not kept");
        assert_eq!(metrics.operation_label("bad name", true), OTHER_OPERATION);
        assert_eq!(metrics.operation_label("1abc", true), OTHER_OPERATION);
        assert_eq!(metrics.operation_label(&"a".repeat(MAX_OPERATION_NAME_LEN + 1), true), OTHER_OPERATION);
        assert_eq!(metrics.operation_label(&"a".repeat(MAX_OPERATION_NAME_LEN), true), "a".repeat(64));
        for i in 1..MAX_OPERATION_NAMES {
            assert_eq!(metrics.operation_label(&format!("Op{i}"), true), format!("Op{i}"));
        }
        assert_eq!(metrics.operation_label("OneTooMany", true), OTHER_OPERATION);
        assert_eq!(metrics.operation_label("Op1", false), "Op1", "a kept name stays kept");
    }
}
