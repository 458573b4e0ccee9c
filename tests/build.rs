//! Fingerprints the migrations, so that the test harness's migrated template databases
//! (see `src/template.rs`) are rebuilt whenever a migration changes.

use std::{fs, path::Path};

use sha2::{Digest, Sha256};

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migration/src");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> =
        fs::read_dir(&dir).expect("migration/src").filter_map(Result::ok).map(|e| e.path()).collect();
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(file.file_name().map(|n| n.as_encoded_bytes().to_vec()).unwrap_or_default());
        hasher.update(fs::read(&file).expect("read a migration"));
    }
    let digest = hasher.finalize();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    // Not `MAILLAGE_…`: cargo also sets it when it runs the tests, and the server refuses
    // settings it does not know.
    println!("cargo:rustc-env=HARNESS_MIGRATIONS_HASH={hex}");
}
