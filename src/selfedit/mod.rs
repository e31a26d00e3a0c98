//! The self-edit loop: agents edit their own workspaces (SOUL.md, USER.md, MEMORY.md, …), and
//! each change on disk becomes something an owner keeps or reverts, per the file's policy
//! (`persona::preset::policy`): `agent_editable` is accepted (its baseline row follows the file,
//! history keeps the version), `review` opens a file review (a change request with the diff and
//! what the change does to the compiled prompt plan), `locked` is a violation (written back at
//! once under hash enforcement `enforce`).
//!
//! - [`scan`]: one pass over the managed files of each agent (what the app's file watcher and
//!   `integrity scan` run), inside one write transaction per agent;
//! - [`review`]: a file review's detail and the owner's decision (approve, optionally as a
//!   preset draft; reject, which writes the approved bytes back);
//! - [`revert`]: any kept version of a managed file put back;
//! - [`page`]: the Integrity page and the Dashboard's violations.
//!
//! The approved state of a managed file is its integrity baseline row; every version the loop
//! sees is kept by `integrity::history`. The product's own writes are never drift: its writers
//! announce their bytes first (`integrity::pending`), and the loop writes files inside the
//! transaction that records them.

mod agent;
pub mod page;
mod plans;
pub mod revert;
pub mod review;
pub mod scan;

pub use agent::{managed_paths, MAX_WALK_DEPTH, MAX_WALK_ENTRIES};

/// The actor of what a scan records: no member acts, the product does.
pub const SYSTEM: &str = "system";
