#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests may panic: that is how they fail.

//! One integration-test binary for the core and the CLI; each module is a feature area.
//! The keyring tests need a Secret Service: run them through `cargo xtask test`.

mod aide_oracle;
mod audit_checkpoint;
mod backup;
mod backup_cloud;
mod backup_faults;
mod backup_fidelity;
mod backup_hostile;
mod backup_progress;
mod canon_conformance;
mod canon_properties;
mod claw;
mod cli;
mod cli_governance;
mod cli_spec;
mod cli_surface;
mod documents;
mod governance;
mod governance_isolation;
mod history;
mod integrity;
mod json_input;
mod naming;
mod onboarding;
mod onboarding_accept;
mod onboarding_cli;
mod onboarding_session;
mod openclaw;
mod openclaw_sync;
mod openclaw_workspaces;
mod persona;
mod presets;
mod reasoning_cli;
mod secrets;
mod selfedit;
mod store;
mod support;
mod trust_boundaries;
mod wire_names;
mod workspace_files;
