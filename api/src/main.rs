//! `maillage`: see `maillage --help`.

use std::process::ExitCode;

use clap::Parser;
use maillage_api::{cli, config::Settings};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let mut settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("maillage: {err}");
            return ExitCode::from(2);
        }
    };
    if let Some(listen) = cli.listen {
        settings.listen = listen;
    }
    let filter = match EnvFilter::try_new(&settings.log) {
        Ok(filter) => filter,
        Err(err) => {
            eprintln!("maillage: invalid configuration: log (MAILLAGE_LOG): {err}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    match cli::run(cli, settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("maillage: {err}");
            ExitCode::FAILURE
        }
    }
}
