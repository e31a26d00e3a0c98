//! The data folder: where the database and the tenant's files live.

use std::path::{Path, PathBuf};

/// Environment variable that overrides the data folder for the CLI, the app and the tests.
pub const HOME_ENV: &str = "PERSONA_STUDIO_HOME";
/// The database's file name inside the data folder.
pub const DATABASE_FILE: &str = "persona-studio.db";
/// The folder, inside the data folder, that holds one folder per tenant.
pub const TENANTS_DIR: &str = "tenants";

/// A resolved data folder. It may not exist yet; [`crate::store::Store::open`] creates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Home { root: root.into() }
    }

    /// `explicit` (from `--home`) wins, then `PERSONA_STUDIO_HOME`, then the OS app-data folder.
    pub fn resolve(explicit: Option<PathBuf>) -> Option<Home> {
        explicit
            .or_else(|| {
                std::env::var_os(HOME_ENV)
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            })
            .or_else(|| {
                directories::ProjectDirs::from("dev", "Persona Studio", "persona-studio")
                    .map(|dirs| dirs.data_dir().to_path_buf())
            })
            .map(Home::new)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn database_path(&self) -> PathBuf {
        self.root.join(DATABASE_FILE)
    }

    /// The folder holding everything a tenant owns on disk (agent workspaces, presets):
    /// `HOME/tenants/<tenant_id>/`. A backup includes the whole folder.
    pub fn tenant_dir(&self, tenant_id: &str) -> PathBuf {
        self.root.join(TENANTS_DIR).join(tenant_id)
    }
}
