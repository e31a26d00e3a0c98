//! One integration-test binary for the core and the CLI; each module is a feature area.
//! The keyring tests need a Secret Service: run them through `cargo xtask test`.

mod cli;
mod secrets;
mod store;
mod support;
