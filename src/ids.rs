//! Identifiers as an argument. Core functions take an [`IdSource`] so tests get stable ids.

use std::sync::atomic::{AtomicU64, Ordering};

/// Produces fresh, unique identifiers.
pub trait IdSource: Send + Sync {
    fn new_id(&self) -> String;
}

/// Random UUIDv4 ids, for the binaries.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomIds;

impl IdSource for RandomIds {
    fn new_id(&self) -> String {
        uuid::Uuid::new_v4().to_string()
    }
}

/// `prefix-1`, `prefix-2`, …: deterministic ids for tests.
#[derive(Debug)]
pub struct SequentialIds {
    prefix: String,
    next: AtomicU64,
}

impl SequentialIds {
    pub fn new(prefix: impl Into<String>) -> Self {
        SequentialIds {
            prefix: prefix.into(),
            next: AtomicU64::new(1),
        }
    }
}

impl IdSource for SequentialIds {
    fn new_id(&self) -> String {
        format!(
            "{}-{}",
            self.prefix,
            self.next.fetch_add(1, Ordering::Relaxed)
        )
    }
}
