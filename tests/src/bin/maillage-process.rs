//! The `maillage` command, built with the tests so that a test can start servers as
//! processes of their own (`env!("CARGO_BIN_EXE_maillage-process")`): the same code as
//! the `maillage` binary, which `cargo test -p maillage-tests` would not build.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    maillage_api::cli::main().await
}
