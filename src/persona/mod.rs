//! Personas: the spec (schema v1 and validation), the workspace files, the prompt-plan compiler,
//! stored versions, and generating a spec from legacy settings.

pub mod compile;
pub mod editor;
pub mod legacy;
pub mod preset;
pub mod spec;
pub mod versions;
pub mod workspace;
