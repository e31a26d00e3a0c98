//! Persona Studio's core: everything the CLI and the desktop app do, with no Tauri in sight.
//!
//! A tour, in the order data flows:
//!
//! - [`home`] finds the data folder (`--home`, `PERSONA_STUDIO_HOME`, or the OS app-data folder).
//! - [`store`] opens the SQLite database in it and applies the embedded, forward-only migrations.
//! - [`tenant`] creates the first tenant and its owner, and answers "who am I and what do I have"
//!   (the self-access context the Dashboard shows).
//! - [`governance`] holds the capability catalog, install requests and approvals, break-glass
//!   overrides, tier quotas and change requests; [`tenant::members`] holds passphrases, unlocking
//!   and the owner/admin check every privileged action calls.
//! - [`onboarding`] runs the customer's wizard (stored per member), recommends a preset and a
//!   capability bundle that fits the tier, and accepts it as a new agent's draft spec plus
//!   install requests that wait for approval.
//! - [`integrity`] keeps the hash-chained audit log that every state change appends to.
//! - [`backup`] exports, verifies and restores the tenant's encrypted, customer-owned backups
//!   (local folder, external drive, S3-compatible or WebDAV storage) and says when one is due.
//! - [`secrets`] is the only door to the OS keyring; secret values travel as [`secrets::Sensitive`].
//! - [`openclaw`] reads the OpenClaw install our agents run in: its config (JSON5, `$include`),
//!   its agents, and whether each still runs the workspace we last recorded.
//! - [`doctor`] checks that the folder, the database and the keyring all work.
//! - [`clock`] and [`ids`] are passed in, so that time and identifiers are deterministic in tests.
//!
//! Every fallible function returns [`Error`], whose [`Error::code`] is the stable string the UI
//! and scripts switch on.

/// Declares that a type crosses IPC as a TypeScript `string` (it serializes as text).
#[macro_export]
#[doc(hidden)]
macro_rules! ts_as_string {
    ($ty:ty) => {
        impl ts_rs::TS for $ty {
            type WithoutGenerics = Self;
            type OptionInnerType = Self;
            fn name() -> String {
                "string".to_owned()
            }
            fn inline() -> String {
                "string".to_owned()
            }
            fn inline_flattened() -> String {
                "string".to_owned()
            }
            fn decl() -> String {
                format!("type {} = string;", stringify!($ty))
            }
            fn decl_concrete() -> String {
                Self::decl()
            }
        }
    };
}

pub mod backup;
pub mod canon;
pub mod clock;
pub mod doctor;
mod error;
pub mod fsutil;
pub mod governance;
pub mod home;
pub mod ids;
pub mod integrity;
pub mod onboarding;
pub mod openclaw;
pub mod persona;
pub mod secrets;
pub mod store;
pub mod tenant;
pub mod textdiff;

pub use error::{Error, Result};
