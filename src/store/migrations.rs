//! The migrations in `migrations/`, embedded at compile time: `NNNN_name.sql`, numbered from
//! 0001 without gaps, applied in order inside one transaction by `rusqlite_migration`, safely when several
//! connections open a fresh file at once.

use include_dir::{include_dir, Dir};
use rusqlite::{Connection, TransactionBehavior};
use rusqlite_migration::{Migrations, M};

use crate::Result;

static MIGRATIONS_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/migrations");

/// The migration scripts in order, as `(file name, sql)`.
pub(crate) fn scripts() -> Vec<(&'static str, &'static str)> {
    let mut files: Vec<(&'static str, &'static str)> = MIGRATIONS_DIR
        .files()
        .filter_map(|file| {
            let name = file.path().file_name()?.to_str()?;
            let sql = file.contents_utf8()?;
            name.ends_with(".sql").then_some((name, sql))
        })
        .collect();
    files.sort_by_key(|(name, _)| *name);
    files
}

fn migrations() -> Migrations<'static> {
    Migrations::new(scripts().into_iter().map(|(_, sql)| M::up(sql)).collect())
}

/// The schema version this build writes: the number of migrations.
pub fn latest_version() -> i64 {
    i64::try_from(scripts().len()).unwrap_or(i64::MAX)
}

/// Brings `conn` to the latest schema, each attempt in one `BEGIN IMMEDIATE` transaction.
///
/// Several connections may open a fresh file at once: the app opens one per concurrent command
/// on its first start, and the CLI may run meanwhile. `rusqlite_migration` reads the version
/// before it takes the write lock, so the loser of that race replays a migration that already
/// ran, fails, and is rolled back; when the version moved meanwhile, another opener migrated,
/// and the loser tries again from the new version.
pub(crate) fn apply(conn: &mut Connection) -> Result<()> {
    const ATTEMPTS: usize = 3;
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    let mut outcome = Ok(());
    for _ in 0..ATTEMPTS {
        let before = super::user_version(conn)?;
        outcome = migrations().to_latest(conn);
        if outcome.is_ok() || super::user_version(conn)? == before {
            break;
        }
    }
    conn.set_transaction_behavior(TransactionBehavior::Deferred);
    Ok(outcome?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    #[test]
    fn files_are_numbered_from_one_without_gaps() {
        for (index, (name, _)) in scripts().iter().enumerate() {
            let expected = format!("{:04}_", index + 1);
            assert!(
                name.starts_with(&expected),
                "{name} should start with {expected}"
            );
        }
        assert!(latest_version() >= 1);
    }
}
