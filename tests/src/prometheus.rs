//! Reads the server's `/metrics` with Prometheus's own Python client parser
//! (`prometheus_client.parser.text_string_to_metric_families`, pinned in
//! `tests/prometheus/requirements.txt`, installed by `.ci/run` into
//! `tests/prometheus/.venv`): what it cannot parse, no Prometheus server would scrape.

use std::{
    io::Write as _,
    path::PathBuf,
    process::{Command, Stdio},
};

use serde_json::Value;

/// The virtual environment's Python, when it is installed. Under `CI=true` its absence
/// fails the test instead of skipping it.
pub fn python() -> Option<PathBuf> {
    let python = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/prometheus/.venv/bin/python"));
    if python.exists() {
        return Some(python);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is missing: .ci/run creates it (python3 -m venv tests/prometheus/.venv; pip install -r \
         tests/prometheus/requirements.txt)",
        python.display()
    );
    eprintln!("skipped: {} is missing (see .ci/run)", python.display());
    None
}

const PARSE: &str = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        out.append({"family": family.name, "type": family.type, "name": s.name, "labels": s.labels, "value": s.value})
print(json.dumps(out))
"#;

/// One sample of the exposition.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Its family's name (without `_total`, `_bucket`… as the parser gives it).
    pub family: String,
    /// `counter`, `gauge`, `histogram`…
    pub kind: String,
    /// The sample's own name (`…_total`, `…_bucket`, `…_sum`, `…_count`).
    pub name: String,
    pub labels: serde_json::Map<String, Value>,
    pub value: f64,
}

/// Every sample of `text`, as Prometheus's parser reads it (panics when it cannot).
pub fn parse(python: &PathBuf, text: &str) -> Vec<Sample> {
    let mut child = Command::new(python)
        .args(["-c", PARSE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the Prometheus parser");
    child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write the exposition");
    let out = child.wait_with_output().expect("parser output");
    assert!(
        out.status.success(),
        "the Prometheus parser refused the exposition: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let samples: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON from the parser");
    samples
        .into_iter()
        .map(|s| Sample {
            family: s["family"].as_str().unwrap_or_default().to_owned(),
            kind: s["type"].as_str().unwrap_or_default().to_owned(),
            name: s["name"].as_str().unwrap_or_default().to_owned(),
            labels: s["labels"].as_object().cloned().unwrap_or_default(),
            value: s["value"].as_f64().unwrap_or(f64::NAN),
        })
        .collect()
}

/// The value of the sample named `name` whose labels include `labels` (0 when absent:
/// a counter not yet touched is not written).
pub fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| s.name == name && labels.iter().all(|(k, v)| s.labels.get(*k).and_then(Value::as_str) == Some(v)))
        .map(|s| s.value)
        .sum()
}
