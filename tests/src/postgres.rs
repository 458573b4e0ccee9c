//! A private PostgreSQL server for fault tests: `initdb` in a temporary directory,
//! started and stopped with `pg_ctl` on a free loopback port, so that stopping it never
//! disturbs the shared test server. `initdb` refuses to run as root: as root the
//! directory is given to the `postgres` user and the tools run as that user (`runuser`).

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::Command,
};

/// A PostgreSQL server of the test's own, stopped and deleted on drop.
pub struct TempPostgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

/// The directory holding `initdb` and `pg_ctl`: the newest `/usr/lib/postgresql/*/bin`,
/// or the one `pg_config --bindir` names.
fn bin_dir() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    if let Some((_, bin)) = found.pop() {
        return Some(bin);
    }
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    let bin = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    bin.join("initdb").exists().then_some(bin)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

impl TempPostgres {
    /// Whether a private server can be started here (the binaries exist and, as root, a
    /// `postgres` user to run them).
    pub fn available() -> bool {
        bin_dir().is_some()
            && (!is_root() || Command::new("id").arg("postgres").output().is_ok_and(|out| out.status.success()))
    }

    /// Creates and starts a server (panics when it cannot).
    pub fn start() -> Self {
        let bin = bin_dir().expect("PostgreSQL binaries (initdb, pg_ctl)");
        let dir = tempfile::Builder::new().prefix("maillage-pg-").tempdir().expect("temp dir");
        let as_postgres = is_root();
        if as_postgres {
            let status = Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()).status();
            assert!(status.is_ok_and(|s| s.success()), "chown the temporary directory to postgres");
        }
        let port = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
        let server = Self { bin, dir, port, as_postgres };
        let data = server.data();
        server.run(
            "initdb",
            &["-D", &data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"],
        );
        server.start_again();
        server
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) -> bool {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            Command::new(&program)
        };
        let out = command.args(args).output().unwrap_or_else(|err| panic!("run {tool}: {err}"));
        if !out.status.success() {
            eprintln!(
                "{tool} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        out.status.success()
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts it (again), waiting until it accepts connections.
    pub fn start_again(&self) {
        let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", self.port, self.socket_dir());
        let log = self.dir.path().join("server.log").display().to_string();
        assert!(
            self.run("pg_ctl", &["-D", &self.data(), "-o", &options, "-l", &log, "-w", "-t", "30", "start"]),
            "pg_ctl start"
        );
    }

    /// Stops it as an operator's fast shutdown does: sessions are ended, what was
    /// committed stays.
    pub fn stop_fast(&self) {
        assert!(self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "-t", "30", "stop"]), "pg_ctl stop");
    }

    fn socket_dir(&self) -> String {
        self.dir.path().display().to_string()
    }

    /// Its directory (data and log).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        // Whatever state it is in: stopped already is fine.
        let _ = self.run("pg_ctl", &["-D", &self.data(), "-m", "immediate", "-w", "-t", "30", "stop"]);
    }
}
