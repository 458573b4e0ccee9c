//! `maillage`: see `maillage --help`.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    maillage_api::cli::main().await
}
