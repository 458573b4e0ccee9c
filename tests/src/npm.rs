//! The Node tools some tests start (an OpenID provider, an S3 server): their packages come
//! from each tool's lock file, installed with `npm ci` on first use.

use std::{path::Path, process::Command, sync::Mutex};

/// One install at a time: two tests starting the same tool must not run `npm ci` together.
static NPM_INSTALL: Mutex<()> = Mutex::new(());

/// Installs the packages locked in `dir/package-lock.json` unless `dir/node_modules/<marker>`
/// is already there.
pub fn ensure_packages(dir: &Path, marker: &str) -> Result<(), String> {
    let _once = NPM_INSTALL.lock().map_err(|_| "npm install lock poisoned".to_owned())?;
    if dir.join("node_modules").join(marker).exists() {
        return Ok(());
    }
    let output = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run npm: {e}"))?;
    if !output.status.success() {
        return Err(format!("npm ci failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    Ok(())
}

/// A tool the test needs cannot run: fails the test on CI (`CI=true`); elsewhere prints a
/// notice so the caller can skip.
pub fn unavailable(message: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("{message}");
    }
    eprintln!("NOTICE: skipping: {message}");
}
