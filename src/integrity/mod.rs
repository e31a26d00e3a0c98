//! Integrity: workspace baselines and drift, attestations of used compiles, and the
//! append-only registry. The audit log is one layer below, in [`crate::audit`].

pub mod attest;
pub mod baseline;
pub mod digest_cache;
mod drift;
pub mod registry;
mod scan;
pub(crate) mod snapshot;
