//! `include_dir!`/`include_str!` embed `migrations/`, `presets/official/`, `catalog/`, `schemas/`,
//! `onboarding/` and `openclaw/` at compile time, but stable Rust does not track the files it
//! reads: tell cargo to rebuild when they change.

fn main() {
    for dir in [
        "migrations",
        "presets/official",
        "catalog",
        "schemas",
        "onboarding",
        "openclaw",
    ] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
