//! Members by name: the member a short id or a display name picks (`naming::resolve`), the
//! display name beside each id in lists, and one member per display name in a tenant.

use std::collections::BTreeMap;

use rusqlite::{params, Connection};

use crate::naming::{self, Candidate};
use crate::{Error, Result};

/// The id of the member of `tenant` that `text` names: a full id, a display name (ignoring
/// case) or a unique id prefix of at least [`naming::MIN_PREFIX`] characters.
///
/// # Errors
/// `not_found`, or `ambiguous` listing every member that matched.
pub fn resolve(conn: &Connection, tenant: &str, text: &str) -> Result<String> {
    let sql =
        "SELECT id, display_name, role FROM members WHERE tenant_id = ?1 ORDER BY display_name, id";
    naming::resolve_rows(conn, "member", (sql, tenant), text, |row| {
        let name: String = row.get(1)?;
        let role: String = row.get(2)?;
        Ok(Candidate {
            id: row.get(0)?,
            label: format!("{name}, {role}"),
            name: Some(name),
        })
    })
}

/// Every member's display name in `tenant`, by id (to show names beside ids).
pub fn display_names(conn: &Connection, tenant: &str) -> Result<BTreeMap<String, String>> {
    let mut statement =
        conn.prepare("SELECT id, display_name FROM members WHERE tenant_id = ?1")?;
    let names = statement
        .query_map(params![tenant], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<BTreeMap<String, String>>>()?;
    Ok(names)
}

/// Refuses `name` when another member of `tenant` has it (ignoring case): names pick members,
/// so two members may not share one.
///
/// # Errors
/// `conflict` naming the member who has it.
pub(crate) fn check_free(conn: &Connection, tenant: &str, name: &str) -> Result<()> {
    let taken = display_names(conn, tenant)?
        .into_iter()
        .find(|(_, existing)| existing.eq_ignore_ascii_case(name));
    match taken {
        Some((id, existing)) => Err(Error::Conflict(format!(
            "Member {existing} ({id}) already has the name \"{name}\"; names pick members, so give this one another name."
        ))),
        None => Ok(()),
    }
}
