//! Records the compiler and the cargo profile that built the harness, for the machine
//! fingerprint of every result.

use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc)
        .arg("-V")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=STATEBENCH_RUSTC_VERSION={version}");
    println!("cargo:rerun-if-env-changed=RUSTC");
    println!("cargo:rustc-env=STATEBENCH_PROFILE={}", profile());
}

/// The cargo profile's name (`release`, `quick`, `dev`, …). Cargo tells a build script only
/// `release` or `debug` (`PROFILE`, the profile a custom one inherits from), and a `quick`
/// build differs from `release` in what its counts and rates mean (docs/CI.md), so the name
/// comes from the output folder cargo chose: `<target>/[<triple>/]<profile>/build/<crate>/out`.
fn profile() -> String {
    let out = std::env::var("OUT_DIR").unwrap_or_default();
    let parts: Vec<&str> = out.split(std::path::MAIN_SEPARATOR).collect();
    parts
        .iter()
        .rposition(|p| *p == "build")
        .and_then(|i| i.checked_sub(1))
        .map(|i| parts[i])
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| std::env::var("PROFILE").unwrap_or_else(|_| "unknown".into()))
}
