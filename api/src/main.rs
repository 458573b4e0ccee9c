//! `maillage`: see `maillage --help`.

use std::process::ExitCode;

/// A request allocates and frees many small objects (the parsed query, resolver futures,
/// rows, the JSON answer): glibc's allocator took about a quarter of the server's CPU
/// under load (`perf`, `bench/README.md`); mimalloc serves them from per-thread pages.
/// Built without transparent huge pages (`no_thp`): with them its arenas made the
/// resident memory 69 MB at start instead of 44 MB.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    maillage_api::cli::main().await
}
