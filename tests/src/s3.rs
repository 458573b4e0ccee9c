//! A real S3-compatible server for the tests of the library's S3 back end: s3rver (from
//! npm, pinned in `tests/s3/package-lock.json`) run by Node on a loopback port, with the
//! bucket `maillage`, keeping its objects as files in a fresh directory that the tests
//! read directly (an independent view of what was stored).
//!
//! The packages are installed with `npm ci` on first use. When Node or npm is missing,
//! [`S3Server::start`] fails the test on CI
//! (`CI=true`) and elsewhere prints a notice and returns `None`, so the test can skip.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
};

/// `tests/s3`.
fn s3_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("s3")
}

/// A running s3rver; stopped when dropped.
pub struct S3Server {
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    /// Where it keeps its objects.
    pub directory: PathBuf,
    child: Child,
    stdin: Option<ChildStdin>,
}

fn unavailable(why: &str) -> Option<S3Server> {
    crate::npm::unavailable(&format!("the S3 back end tests need Node 20+ and npm to run s3rver (tests/s3): {why}"));
    None
}

impl S3Server {
    /// Starts a server (the access key and secret are both `S3RVER`).
    pub fn start() -> Option<Self> {
        if let Err(why) = crate::npm::ensure_packages(&s3_dir(), "s3rver") {
            return unavailable(&why);
        }
        let spawned = Command::new("node")
            .arg(s3_dir().join("server.mjs"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(err) => return unavailable(&format!("cannot run node: {err}")),
        };
        let mut reader = BufReader::new(child.stdout.take().expect("s3rver stdout"));
        let mut line = String::new();
        reader.read_line(&mut line).expect("read s3rver's first line");
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        let rest = line.trim().strip_prefix("listening ").unwrap_or_else(|| panic!("s3rver said {line:?}"));
        let (endpoint, directory) = rest.split_once(' ').unwrap_or_else(|| panic!("s3rver said {line:?}"));
        let stdin = child.stdin.take();
        Some(Self { endpoint: endpoint.to_owned(), directory: PathBuf::from(directory), child, stdin })
    }

    /// Points a server's settings at this bucket, under `prefix`.
    pub fn configure(&self, settings: &mut maillage_api::config::Settings, prefix: &str) {
        settings.storage_url = Some(format!("s3://maillage/{prefix}"));
        settings.storage_endpoint = Some(self.endpoint.clone());
        settings.storage_access_key_id = Some("S3RVER".into());
        settings.storage_secret_access_key = Some("S3RVER".into());
    }

    /// The keys of the objects stored under `prefix` (read from s3rver's directory).
    pub fn keys(&self, prefix: &str) -> Vec<String> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() { walk(&path, out) } else { out.push(path) }
            }
        }
        let bucket = self.directory.join("maillage");
        let mut files = Vec::new();
        walk(&bucket.join(prefix), &mut files);
        let mut keys: Vec<String> = files
            .iter()
            .filter_map(|f| f.strip_prefix(&bucket).ok()?.to_str()?.strip_suffix("._S3rver_object").map(str::to_owned))
            .collect();
        keys.sort();
        keys
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}
