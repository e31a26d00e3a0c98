//! `include_dir!` embeds `migrations/`, `presets/official/` and `catalog/` at compile time, but
//! stable Rust does not track the files it reads: tell cargo to rebuild when they change.

fn main() {
    for dir in [
        "migrations",
        "presets/official",
        "catalog",
        "schemas",
        "onboarding",
    ] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
