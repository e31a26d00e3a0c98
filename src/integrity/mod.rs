//! Integrity: workspace baselines and drift, the history of every version of a managed file,
//! attestations of used compiles, and the append-only registry. The audit log is one layer below, in [`crate::audit`].

pub mod attest;
pub mod baseline;
pub mod digest_cache;
mod drift;
pub mod files;
pub mod history;
pub mod pending;
pub mod registry;
mod scan;
pub(crate) mod snapshot;
