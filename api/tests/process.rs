//! The `maillage` binary as operators run it: its log lines (JSON or text, never colour
//! codes into a file, each line of a request naming its request id and trace id), and a
//! graceful stop on SIGTERM (requests in flight finish, new connections are refused and
//! idle ones closed, the process exits 0 within `shutdown_grace_secs`), and its traces
//! exported over OTLP, read back with OpenTelemetry's own protobuf definitions.

#![expect(clippy::expect_used, reason = "test helpers: a failed call is a failed test, with its message")]

use std::{
    io::{Read as _, Write as _},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_maillage");

struct Served {
    child: Child,
    base: String,
    addr: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// Starts `maillage serve` on a fresh SQLite database with `env`, its stderr written to
/// a file (not a terminal), and waits until it answers.
fn serve(env: &[(&str, &str)]) -> Served {
    let dir = tempfile::tempdir().expect("temp dir");
    let addr = format!("127.0.0.1:{}", free_port());
    let log = dir.path().join("stderr.log");
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--listen", &addr])
        .env_clear()
        .env("MAILLAGE_DATA_DIR", dir.path())
        .env("MAILLAGE_LOG", "info")
        .env("MAILLAGE_WORKERS", "2")
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"));
    for (name, value) in env {
        command.env(name, value);
    }
    let child = command.spawn().expect("serve");
    let base = format!("http://{addr}");
    let served = Served { child, base, addr, log, _dir: dir };
    let started = Instant::now();
    while reqwest::blocking::get(format!("{}/livez", served.base)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "server did not start: {}", read(&served.log));
        std::thread::sleep(Duration::from_millis(100));
    }
    served
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn sigterm(child: &Child) {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
}

/// Waits for the process to exit, at most `within`.
fn exit_within(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < within {
        if let Some(status) = child.try_wait().expect("wait") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// Posts `{ __typename }` with a client request id and a trace context; returns the
/// server's request id.
fn traced_request(served: &Served, client_id: &str) -> String {
    let response = reqwest::blocking::Client::new()
        .post(format!("{}/graphql", served.base))
        .header("X-Request-Id", client_id)
        .header("traceparent", TRACEPARENT)
        .json(&json!({ "query": "query Traced { __typename }" }))
        .send()
        .expect("send");
    assert_eq!(response.status().as_u16(), 200);
    response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).expect("X-Request-Id").to_owned()
}

/// Stops the server with SIGTERM and returns everything it logged.
fn stop(mut served: Served) -> String {
    sigterm(&served.child);
    let status = exit_within(&mut served.child, Duration::from_secs(20)).expect("exits on SIGTERM");
    assert!(status.success(), "{status:?}");
    read(&served.log)
}

#[test]
fn json_logs_name_the_request_on_every_line_and_carry_no_colour() {
    let served = serve(&[("MAILLAGE_LOG_FORMAT", "json")]);
    let id = traced_request(&served, "partner-req-42");
    let log = stop(served);
    assert!(!log.contains('\u{1b}'), "no ANSI escape codes into a file: {log}");
    let lines: Vec<Value> = log
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.iter().all(|l| l["level"].is_string() && l["fields"].is_object()), "{log}");
    let ours: Vec<&Value> = lines.iter().filter(|l| l["span"]["request_id"] == json!(id)).collect();
    assert!(!ours.is_empty(), "no line of request {id}: {log}");
    for line in &ours {
        assert_eq!(line["span"]["client_request_id"], "partner-req-42", "{line}");
        assert_eq!(line["span"]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736", "{line}");
    }
    // The operation's own line is one of them.
    assert!(ours.iter().any(|l| l["fields"]["message"] == "graphql" && l["fields"]["operation"] == "Traced"), "{log}");
}

#[test]
fn text_logs_name_the_request_and_carry_no_colour_off_a_terminal() {
    let served = serve(&[]);
    let id = traced_request(&served, "partner-req-43");
    let log = stop(served);
    assert!(!log.contains('\u{1b}'), "no ANSI escape codes into a file: {log}");
    let line = log.lines().find(|l| l.contains("graphql") && l.contains("Traced")).unwrap_or_else(|| panic!("{log}"));
    assert!(line.contains(&id) && line.contains("partner-req-43"), "{line}");
}

/// Sends the head of a `POST /graphql` and the first half of its body, the rest later:
/// a request that is honestly in flight while the server is told to stop.
fn half_sent(served: &Served) -> (TcpStream, Vec<u8>) {
    let body = json!({ "query": "query InFlight { __typename }" }).to_string().into_bytes();
    let mut stream = TcpStream::connect(&served.addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        served.addr,
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("head");
    let (first, rest) = body.split_at(body.len() / 2);
    stream.write_all(first).expect("first half");
    stream.flush().expect("flush");
    (stream, rest.to_vec())
}

fn response_of(mut stream: TcpStream) -> String {
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read the answer");
    response
}

#[test]
fn sigterm_lets_requests_in_flight_finish_and_refuses_new_ones() {
    let mut served = serve(&[("MAILLAGE_SHUTDOWN_GRACE_SECS", "10")]);
    // A connection kept alive from before the signal.
    let mut kept = TcpStream::connect(&served.addr).expect("connect");
    kept.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let livez = format!("GET /livez HTTP/1.1\r\nHost: {}\r\n\r\n", served.addr);
    kept.write_all(livez.as_bytes()).expect("send");
    let mut buffer = [0u8; 4096];
    let n = kept.read(&mut buffer).expect("read");
    assert!(String::from_utf8_lossy(&buffer[..n]).starts_with("HTTP/1.1 200"));

    let (mut in_flight, rest) = half_sent(&served);
    // A connection opened before the signal, its request sent after.
    let mut opened = TcpStream::connect(&served.addr).expect("connect");
    opened.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    std::thread::sleep(Duration::from_millis(300));
    let signalled = Instant::now();
    sigterm(&served.child);
    std::thread::sleep(Duration::from_millis(500));
    // New connections are no longer accepted.
    let refused = reqwest::blocking::Client::new()
        .get(format!("{}/livez", served.base))
        .timeout(Duration::from_secs(2))
        .send()
        .map(|r| r.status().as_u16());
    assert!(refused.is_err(), "{refused:?}");
    // A connection kept alive from before, with no request in flight, is closed: its
    // client opens a new one (elsewhere).
    let sent = kept.write_all(livez.as_bytes());
    let answer = match sent.and_then(|()| kept.read(&mut buffer)) {
        Ok(n) => String::from_utf8_lossy(&buffer[..n]).to_string(),
        Err(err) => format!("<{err}>"),
    };
    assert!(answer.is_empty() || answer.starts_with('<'), "{answer}");
    let sent = opened.write_all(livez.as_bytes());
    let answer = match sent.and_then(|()| opened.read(&mut buffer)) {
        Ok(n) => String::from_utf8_lossy(&buffer[..n]).to_string(),
        Err(err) => format!("<{err}>"),
    };
    assert!(answer.is_empty() || answer.starts_with('<'), "{answer}");
    drop(kept);
    // The request in flight finishes, answered in full.
    in_flight.write_all(&rest).expect("the rest of the body");
    let response = response_of(in_flight);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"__typename\":\"Query\""), "{response}");
    let status = exit_within(&mut served.child, Duration::from_secs(10)).expect("exits within the grace period");
    assert!(status.success(), "{status:?}: {}", read(&served.log));
    assert!(signalled.elapsed() < Duration::from_secs(10));
}

#[test]
fn sigterm_stops_waiting_after_the_grace_period() {
    let mut served = serve(&[("MAILLAGE_SHUTDOWN_GRACE_SECS", "1")]);
    // A request whose body never completes: the server does not wait for it past 1 s.
    let (_stalled, _rest) = half_sent(&served);
    std::thread::sleep(Duration::from_millis(300));
    let signalled = Instant::now();
    sigterm(&served.child);
    let status = exit_within(&mut served.child, Duration::from_secs(8)).expect("exits after the grace period");
    assert!(status.success(), "{status:?}: {}", read(&served.log));
    assert!(signalled.elapsed() >= Duration::from_millis(900), "waited for the request: {:?}", signalled.elapsed());
}

/// A minimal OTLP/HTTP collector on loopback: answers every `POST` with `200` and keeps
/// the bodies it received.
fn collector() -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/v1/traces", listener.local_addr().expect("addr"));
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = bodies.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let kept = kept.clone();
            std::thread::spawn(move || {
                let mut reader = std::io::BufReader::new(stream.try_clone().expect("clone"));
                loop {
                    let mut length = 0usize;
                    let mut line = String::new();
                    // The head: up to an empty line; the body's length from its header.
                    loop {
                        line.clear();
                        if std::io::BufRead::read_line(&mut reader, &mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some((name, value)) = line.split_once(':')
                            && name.eq_ignore_ascii_case("content-length")
                        {
                            length = value.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    kept.lock().expect("lock").push(body);
                    let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
                    if stream.write_all(answer.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, bodies)
}

#[test]
fn traces_go_to_the_otlp_collector_and_continue_the_callers_trace() {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use prost::Message as _;

    let (url, bodies) = collector();
    let served = serve(&[("MAILLAGE_OTLP_TRACES_ENDPOINT", url.as_str())]);
    let id = traced_request(&served, "partner-req-7");
    // A caller whose `traceparent` says "not sampled" is traced all the same.
    let unsampled = reqwest::blocking::Client::new()
        .post(format!("{}/graphql", served.base))
        .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .expect("send");
    assert_eq!(unsampled.status().as_u16(), 200);
    // Stopping the server sends what its batch still holds.
    stop(served);
    let bodies = bodies.lock().expect("lock").clone();
    assert!(!bodies.is_empty(), "nothing reached the collector");
    let spans: Vec<_> = bodies
        .iter()
        .map(|body| ExportTraceServiceRequest::decode(body.as_slice()).expect("an OTLP export request"))
        .flat_map(|export| export.resource_spans)
        .flat_map(|resource| {
            let service = resource
                .resource
                .iter()
                .flat_map(|r| r.attributes.iter())
                .find(|a| a.key == "service.name")
                .and_then(|a| a.value.clone())
                .and_then(|v| v.value);
            assert_eq!(
                service,
                Some(opentelemetry_proto::tonic::common::v1::any_value::Value::StringValue("maillage".into()))
            );
            resource.scope_spans.into_iter().flat_map(|scope| scope.spans)
        })
        .collect();
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let request = spans
        .iter()
        .find(|span| {
            span.name == "request"
                && span.attributes.iter().any(|a| {
                    a.key == "request_id"
                        && a.value.as_ref().and_then(|v| v.value.as_ref())
                            == Some(&opentelemetry_proto::tonic::common::v1::any_value::Value::StringValue(id.clone()))
                })
        })
        .unwrap_or_else(|| panic!("no request span for {id} among {} spans", spans.len()));
    // A child of the caller's span, in the caller's trace.
    assert_eq!(hex(&request.trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(hex(&request.parent_span_id), "00f067aa0ba902b7");
    assert!(request.end_time_unix_nano >= request.start_time_unix_nano);
    assert!(
        spans.iter().any(|span| span.name == "request" && hex(&span.trace_id) == "0af7651916cd43dd8448eb211c80319c"),
        "the unsampled caller's request is exported too"
    );
}

#[test]
fn a_bad_otlp_endpoint_is_refused_at_start() {
    let output = Command::new(BIN)
        .args(["serve"])
        .env_clear()
        .env("MAILLAGE_OTLP_TRACES_ENDPOINT", "collector:4318")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("otlp_traces_endpoint"), "{output:?}");
}
