//! `doctor`: checks the data folder, the database and its schema version, and a keyring round
//! trip. It never writes to the database; each check says how to fix what failed.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::Serialize;

use crate::home::Home;
use crate::ids::IdSource;
use crate::secrets::{Keyring, Sensitive};
use crate::store::{self, Store};

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    pub fix: Option<String>,
}

/// Every check, in the order they ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DoctorReport {
    pub home: String,
    pub ok: bool,
    pub checks: Vec<Check>,
}

fn pass(name: &str, detail: impl Into<String>) -> Check {
    Check {
        name: name.to_owned(),
        ok: true,
        detail: detail.into(),
        fix: None,
    }
}

fn fail(name: &str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        name: name.to_owned(),
        ok: false,
        detail: detail.into(),
        fix: Some(fix.into()),
    }
}

/// Runs every check against `home`.
pub fn run(home: &Home, ids: &dyn IdSource) -> DoctorReport {
    let mut checks = vec![check_data_folder(home.root(), ids)];
    let db_path = home.database_path();
    let (database_checks, install_id) = check_database(&db_path);
    checks.extend(database_checks);
    checks.push(check_keyring(install_id.as_deref(), ids));
    DoctorReport {
        home: home.root().display().to_string(),
        ok: checks.iter().all(|c| c.ok),
        checks,
    }
}

fn check_data_folder(root: &Path, ids: &dyn IdSource) -> Check {
    const NAME: &str = "data_folder";
    if !root.is_dir() {
        return fail(
            NAME,
            format!("{} does not exist", root.display()),
            "Set up a tenant here (init) to create it, or choose the right data folder (--home).",
        );
    }
    let probe = root.join(format!(".doctor-probe-{}", ids.new_id()));
    let written = std::fs::write(&probe, b"probe").and_then(|()| std::fs::remove_file(&probe));
    match written {
        Ok(()) => pass(NAME, format!("{} is writable", root.display())),
        Err(e) => fail(
            NAME,
            format!("{} is not writable: {e}", root.display()),
            "Give your user write access to the folder, or choose another --home.",
        ),
    }
}

fn check_database(path: &Path) -> (Vec<Check>, Option<String>) {
    if !path.is_file() {
        return (
            vec![fail(
                "database",
                format!("{} does not exist", path.display()),
                "Set up a tenant here (init) to create it.",
            )],
            None,
        );
    }
    let status = match Store::inspect(path) {
        Ok(status) => status,
        Err(e) => {
            return (
                vec![fail(
                    "database",
                    format!("{} cannot be read: {e}", path.display()),
                    "Restore the database from a backup, or move it aside and set up a tenant again (init).",
                )],
                None,
            )
        }
    };
    let mut checks = vec![if status.integrity_ok {
        pass("database", format!("{} passes quick_check", path.display()))
    } else {
        fail(
            "database",
            format!("{} is damaged: {}", path.display(), status.integrity_detail),
            "Restore the database from a verified backup.",
        )
    }];
    let latest = store::latest_version();
    checks.push(match status.schema_version.cmp(&latest) {
        std::cmp::Ordering::Equal => pass(
            "schema_version",
            format!("schema version {latest} (current)"),
        ),
        std::cmp::Ordering::Greater => fail(
            "schema_version",
            format!(
                "schema version {} is newer than this build's {latest}",
                status.schema_version
            ),
            "Install the newer version of Persona Studio that wrote this database.",
        ),
        std::cmp::Ordering::Less => fail(
            "schema_version",
            format!(
                "schema version {} is older than this build's {latest}",
                status.schema_version
            ),
            "Open the data folder once with this version (any command, or the app) to upgrade it.",
        ),
    });
    let profile = read_profile(path);
    let install_id = profile
        .as_ref()
        .ok()
        .and_then(|p| p.as_ref().map(|(id, _)| id.clone()));
    checks.push(match profile {
        Ok(Some((_, tenant))) => pass("tenant", format!("acting for tenant \"{tenant}\"")),
        Ok(None) => fail(
            "tenant",
            "no tenant is set up",
            "Set up a tenant here (init).",
        ),
        Err(e) => fail(
            "tenant",
            format!("the tenant profile cannot be read: {e}"),
            "Set up a tenant in a fresh data folder (init), or restore a backup.",
        ),
    });
    (checks, install_id)
}

fn read_profile(path: &Path) -> rusqlite::Result<Option<(String, String)>> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.query_row(
        "SELECT p.install_id, t.name FROM local_profile p JOIN tenants t ON t.id = p.tenant_id",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .optional()
}

fn check_keyring(install_id: Option<&str>, ids: &dyn IdSource) -> Check {
    const NAME: &str = "keyring";
    let keyring = Keyring::new(install_id.unwrap_or("doctor"));
    let entry = format!("doctor-probe-{}", ids.new_id());
    let value = Sensitive::new(ids.new_id());
    let round_trip = keyring
        .set(&entry, &value)
        .and_then(|()| keyring.get(&entry))
        .and_then(|read| {
            keyring.delete(&entry)?;
            Ok(read)
        });
    let fix = "Unlock your login keyring. On Linux a Secret Service provider (gnome-keyring or KWallet) must run in your D-Bus session.";
    match round_trip {
        Ok(Some(read)) if read == value => {
            pass(NAME, "wrote, read back and deleted a probe secret")
        }
        Ok(Some(_)) => fail(
            NAME,
            "the keyring returned a different value than was stored",
            fix,
        ),
        Ok(None) => fail(
            NAME,
            "the keyring lost the probe secret right after storing it",
            fix,
        ),
        Err(e) => fail(NAME, e.to_string(), fix),
    }
}
