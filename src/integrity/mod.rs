//! Integrity: the hash-chained audit log (and, as they land, baselines, drift and attestations).

pub mod audit;
