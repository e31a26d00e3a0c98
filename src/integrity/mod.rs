//! Integrity: workspace baselines and drift, attestations of used compiles, the append-only
//! registry, and the hash-chained audit log with its keyring checkpoint.

pub mod attest;
pub mod audit;
pub mod baseline;
pub mod registry;
