//! `maillage`: see `maillage --help`.

use std::process::ExitCode;

/// A request allocates and frees many small objects (the parsed query, resolver futures,
/// rows, the JSON answer): glibc's allocator took about a quarter of the server's CPU
/// under load (`perf`, `bench/README.md`); mimalloc serves them from per-thread pages.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    maillage_api::cli::main().await
}
