//! Personas: the spec (schema v1 and validation), the workspace files, the prompt-plan compiler,
//! stored versions, generating a spec from legacy settings, and reading `Label: value` fields of
//! the workspace files (`markdown`).

pub mod compile;
pub mod editor;
pub mod legacy;
pub mod markdown;
pub mod preset;
pub mod spec;
pub mod versions;
pub mod workspace;
