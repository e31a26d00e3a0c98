//! Backup destinations a tenant configured: local folder, external drive (by filesystem UUID),
//! S3-compatible bucket, WebDAV folder. SQLite keeps only non-secret settings; access keys and
//! passwords live in the OS keyring under `backup/destination/<id>`.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::cloud::{CloudConfig, CloudTarget};
use super::drives;
use super::target::{LocalTarget, Target};
use crate::audit;
use crate::auth;
use crate::auth::members::require_unlocked;
use crate::clock::{Clock, Timestamp};
use crate::ids::IdSource;
use crate::secrets::{Keyring, Sensitive};
use crate::store::Store;
use crate::{Error, Result};

/// Backups kept per destination unless configured otherwise.
pub const DEFAULT_KEEP_LAST: u32 = 7;

/// What a new destination is; secrets travel as [`Sensitive`] (the app's setup form sends this
/// shape, its secrets wrapped as they are parsed).
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DestinationSpec {
    Local {
        path: String,
    },
    Drive {
        uuid: String,
        /// Folder on the drive, relative to its mount point.
        path: String,
    },
    S3 {
        endpoint: String,
        bucket: String,
        region: String,
        root: String,
        #[ts(type = "string")]
        access_key_id: Sensitive<String>,
        #[ts(type = "string")]
        secret_access_key: Sensitive<String>,
    },
    Webdav {
        endpoint: String,
        root: String,
        username: String,
        #[ts(type = "string")]
        password: Sensitive<String>,
    },
}

/// The non-secret settings stored in SQLite (and shown to the user).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DestinationConfig {
    Local {
        path: String,
    },
    Drive {
        uuid: String,
        path: String,
    },
    S3 {
        endpoint: String,
        bucket: String,
        region: String,
        root: String,
    },
    Webdav {
        endpoint: String,
        root: String,
        username: String,
    },
}

impl DestinationConfig {
    pub fn kind(&self) -> &'static str {
        match self {
            DestinationConfig::Local { .. } => "local",
            DestinationConfig::Drive { .. } => "drive",
            DestinationConfig::S3 { .. } => "s3",
            DestinationConfig::Webdav { .. } => "webdav",
        }
    }
}

/// A configured destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DestinationInfo {
    pub id: String,
    pub label: String,
    pub config: DestinationConfig,
    pub keep_last: u32,
    pub created_at: Timestamp,
}

#[derive(Serialize, Deserialize)]
struct StoredSecret {
    #[serde(default)]
    access_key_id: String,
    #[serde(default)]
    secret: String,
}

fn secret_name(id: &str) -> String {
    format!("backup/destination/{id}")
}

/// The keyring of this data folder (namespaced by its install id).
pub fn keyring(store: &Store) -> Result<Keyring> {
    let install = auth::install_id(store)?.ok_or_else(|| Error::NotInitialized {
        home: store.home_dir(),
    })?;
    Ok(Keyring::new(install))
}

fn clean_label(label: &str) -> Result<String> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 100 || label.chars().any(char::is_control) {
        return Err(Error::invalid(
            "label",
            "use 1 to 100 characters of plain text, for example \"USB disk\"",
        ));
    }
    Ok(label.to_owned())
}

/// Adds a destination after checking that it is reachable (cloud: the credentials work; a
/// local folder: it is where it claims to be, see [`super::target::prepare_local_folder`]).
/// Needs an unlocked member (threat model, ARCHITECTURE.md).
pub fn add(
    store: &mut Store,
    label: &str,
    spec: DestinationSpec,
    keep_last: Option<u32>,
    clock: &dyn Clock,
    ids: &dyn IdSource,
) -> Result<DestinationInfo> {
    let actor = auth::current_actor(store)?;
    require_unlocked(
        store.conn(),
        &actor,
        clock.now(),
        "add a backup destination",
    )?;
    let label = clean_label(label)?;
    let keep_last = keep_last.unwrap_or(DEFAULT_KEEP_LAST);
    if keep_last == 0 {
        return Err(Error::invalid("keep", "keep at least 1 backup"));
    }
    if find(store, &label)?.is_some() {
        return Err(Error::Conflict(format!(
            "A destination named \"{label}\" exists already. Pick another label or remove it first."
        )));
    }
    let id = ids.new_id();
    let (config, secret) = spec.into_parts(&label)?;
    let info = DestinationInfo {
        id: id.clone(),
        label,
        config,
        keep_last,
        created_at: clock.now(),
    };
    let keyring = keyring(store)?;
    if let Some(secret) = &secret {
        store_secret_checked(&keyring, &info, secret)?;
    }
    let stored = store.write(|tx| insert(tx, &actor, &info));
    if let Err(e) = stored {
        let _ = keyring.delete(&secret_name(&id));
        return Err(e);
    }
    Ok(info)
}

impl DestinationSpec {
    /// Checks the settings a destination can be checked by without a connection, and separates
    /// what goes to SQLite from the secret that goes to the keyring. A local folder must be an
    /// absolute path where it claims to be; a drive needs its UUID and a safe relative folder.
    fn into_parts(self, label: &str) -> Result<(DestinationConfig, Option<StoredSecret>)> {
        Ok(match self {
            DestinationSpec::Local { path } => {
                let dir = std::path::PathBuf::from(&path);
                if !dir.is_absolute() {
                    return Err(Error::invalid("path", "give an absolute folder path"));
                }
                super::target::prepare_local_folder(label, &dir)?;
                (DestinationConfig::Local { path }, None)
            }
            DestinationSpec::Drive { uuid, path } => {
                if uuid.trim().is_empty() {
                    return Err(Error::invalid(
                        "uuid",
                        "give the drive's filesystem UUID, as listed with the connected drives",
                    ));
                }
                if !path.is_empty() && super::limits::check_path(&path).is_err() {
                    return Err(Error::invalid(
                        "path",
                        "give a folder on the drive relative to its root, without ..",
                    ));
                }
                (
                    DestinationConfig::Drive {
                        uuid: uuid.trim().to_owned(),
                        path,
                    },
                    None,
                )
            }
            DestinationSpec::S3 {
                endpoint,
                bucket,
                region,
                root,
                access_key_id,
                secret_access_key,
            } => (
                DestinationConfig::S3 {
                    endpoint,
                    bucket,
                    region,
                    root,
                },
                Some(StoredSecret {
                    access_key_id: access_key_id.expose().clone(),
                    secret: secret_access_key.expose().clone(),
                }),
            ),
            DestinationSpec::Webdav {
                endpoint,
                root,
                username,
                password,
            } => (
                DestinationConfig::Webdav {
                    endpoint,
                    root,
                    username,
                },
                Some(StoredSecret {
                    access_key_id: String::new(),
                    secret: password.expose().clone(),
                }),
            ),
        })
    }
}

/// Keeps a cloud destination's secret in the keyring, then checks the endpoint and credentials
/// now rather than at the first backup; a failed check takes the secret out again.
fn store_secret_checked(
    keyring: &Keyring,
    info: &DestinationInfo,
    secret: &StoredSecret,
) -> Result<()> {
    let name = secret_name(&info.id);
    let text =
        serde_json::to_string(secret).map_err(|e| Error::invalid("destination", e.to_string()))?;
    keyring.set(&name, &Sensitive::new(text))?;
    let checked = open_cloud(info, keyring).and_then(|t| t.check());
    if checked.is_err() {
        let _ = keyring.delete(&name);
    }
    checked
}

/// The destination's row and its `backup.destination_added` audit entry.
fn insert(
    tx: &rusqlite::Transaction<'_>,
    actor: &auth::Actor,
    info: &DestinationInfo,
) -> Result<()> {
    let config = &info.config;
    let config_text =
        serde_json::to_string(config).map_err(|e| Error::invalid("destination", e.to_string()))?;
    tx.execute(
        "INSERT INTO backup_destinations (tenant_id, id, label, kind, config, keep_last, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            actor.tenant_id,
            info.id,
            info.label,
            config.kind(),
            config_text,
            info.keep_last,
            info.created_at.to_string()
        ],
    )?;
    audit::append(
        tx,
        &actor.tenant_id,
        &actor.member_id,
        "backup.destination_added",
        json!({"id": info.id, "label": info.label, "kind": config.kind(), "keep_last": info.keep_last}),
        info.created_at,
    )?;
    Ok(())
}

fn row_to_info(
    id: String,
    label: String,
    config: String,
    keep_last: i64,
    created_at: String,
) -> Result<DestinationInfo> {
    Ok(DestinationInfo {
        id,
        label,
        config: serde_json::from_str(&config)
            .map_err(|e| Error::invalid("destination config", e.to_string()))?,
        keep_last: u32::try_from(keep_last).unwrap_or(DEFAULT_KEEP_LAST),
        created_at: Timestamp::parse(&created_at)
            .map_err(|e| Error::invalid("destination created_at", e.to_string()))?,
    })
}

/// The tenant's destinations, by label. Needs an unlocked member.
pub fn list(store: &Store, now: Timestamp) -> Result<Vec<DestinationInfo>> {
    let actor = auth::current_actor(store)?;
    require_unlocked(store.conn(), &actor, now, "see the backup destinations")?;
    let mut stmt = store.conn().prepare(
        "SELECT id, label, config, keep_last, created_at FROM backup_destinations
         WHERE tenant_id = ?1 ORDER BY label",
    )?;
    let rows = stmt.query_map(params![actor.tenant_id], |row| {
        Ok((
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, label, config, keep, created) = row?;
        out.push(row_to_info(id, label, config, keep, created)?);
    }
    Ok(out)
}

/// A destination by label, if there is one.
pub fn find(store: &Store, label: &str) -> Result<Option<DestinationInfo>> {
    let actor = auth::current_actor(store)?;
    let row: Option<(String, String, String, i64, String)> = store
        .conn()
        .query_row(
            "SELECT id, label, config, keep_last, created_at FROM backup_destinations
             WHERE tenant_id = ?1 AND label = ?2",
            params![actor.tenant_id, label.trim()],
            |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                ))
            },
        )
        .optional()?;
    row.map(|(id, label, config, keep, created)| row_to_info(id, label, config, keep, created))
        .transpose()
}

/// A destination by label, or a `not_found` error that lists how to see them.
pub fn get(store: &Store, label: &str) -> Result<DestinationInfo> {
    find(store, label)?.ok_or_else(|| Error::NotFound {
        what: format!("Backup destination \"{label}\""),
        hint: "List the destinations to see their labels.".to_owned(),
    })
}

/// Removes a destination and its keyring secret. Backups already there stay there. Needs an
/// unlocked member.
pub fn remove(store: &mut Store, label: &str, clock: &dyn Clock) -> Result<DestinationInfo> {
    let actor = auth::current_actor(store)?;
    require_unlocked(
        store.conn(),
        &actor,
        clock.now(),
        "remove a backup destination",
    )?;
    let info = get(store, label)?;
    let keyring = keyring(store)?;
    let now = clock.now();
    store.write(|tx| {
        tx.execute(
            "DELETE FROM backup_destinations WHERE tenant_id = ?1 AND id = ?2",
            params![actor.tenant_id, info.id],
        )?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "backup.destination_removed",
            json!({"id": info.id, "label": info.label, "kind": info.config.kind()}),
            now,
        )?;
        Ok(())
    })?;
    keyring.delete(&secret_name(&info.id))?;
    Ok(info)
}

/// The kind and label of destination `id` of the acting tenant, if it exists.
pub fn kind_and_label(store: &Store, id: &str) -> Result<Option<(String, String)>> {
    let actor = auth::current_actor(store)?;
    Ok(store
        .conn()
        .query_row(
            "SELECT kind, label FROM backup_destinations WHERE tenant_id = ?1 AND id = ?2",
            params![actor.tenant_id, id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?)
}

/// Copies the credentials of the acting tenant's destinations from one data folder's keyring
/// namespace to another's (a restored folder gets an install id of its own). Secrets missing
/// from `from` (a restore on another computer) are left for the user to enter again.
pub fn copy_secrets(store: &Store, from: &Keyring, to: &Keyring) -> Result<()> {
    let actor = auth::current_actor(store)?;
    let mut statement = store
        .conn()
        .prepare("SELECT id FROM backup_destinations WHERE tenant_id = ?1")?;
    let ids = statement
        .query_map(params![actor.tenant_id], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for id in ids {
        if let Some(secret) = from.get(&secret_name(&id))? {
            to.set(&secret_name(&id), &secret)?;
        }
    }
    Ok(())
}

fn read_secret(info: &DestinationInfo, keyring: &Keyring) -> Result<StoredSecret> {
    let text =
        keyring
            .get(&secret_name(&info.id))?
            .ok_or_else(|| Error::DestinationCredentials {
                label: info.label.clone(),
                detail: "its credentials are not in the OS keyring".to_owned(),
            })?;
    serde_json::from_str(text.expose()).map_err(|_| Error::DestinationCredentials {
        label: info.label.clone(),
        detail: "its credentials in the OS keyring are unreadable".to_owned(),
    })
}

fn open_cloud(info: &DestinationInfo, keyring: &Keyring) -> Result<CloudTarget> {
    let secret = read_secret(info, keyring)?;
    let config = match &info.config {
        DestinationConfig::S3 {
            endpoint,
            bucket,
            region,
            root,
        } => CloudConfig::S3 {
            endpoint: endpoint.clone(),
            bucket: bucket.clone(),
            region: region.clone(),
            root: root.clone(),
            access_key_id: secret.access_key_id,
            secret_access_key: Sensitive::new(secret.secret),
        },
        DestinationConfig::Webdav {
            endpoint,
            root,
            username,
        } => CloudConfig::Webdav {
            endpoint: endpoint.clone(),
            root: root.clone(),
            username: username.clone(),
            password: Sensitive::new(secret.secret),
        },
        _ => return Err(Error::invalid("destination", "not a cloud destination")),
    };
    CloudTarget::open(&info.label, &config)
}

/// Opens the storage behind a destination. A missing drive is `drive_not_connected`.
pub fn open_target(info: &DestinationInfo, keyring: &Keyring) -> Result<Box<dyn Target>> {
    match &info.config {
        DestinationConfig::Local { path } => {
            let dir = std::path::Path::new(path);
            super::target::check_local_folder(&info.label, dir)?;
            Ok(Box::new(LocalTarget::open(&info.label, dir)?))
        }
        DestinationConfig::Drive { uuid, path } => {
            let mount = drives::mount_point_of(uuid).ok_or_else(|| Error::DriveNotConnected {
                label: info.label.clone(),
                uuid: uuid.clone(),
            })?;
            let dir = mount.join(path);
            std::fs::create_dir_all(&dir)
                .map_err(|e| super::target::io_error(&info.label, "create", &dir, e))?;
            Ok(Box::new(LocalTarget::open(&info.label, &dir)?))
        }
        DestinationConfig::S3 { .. } | DestinationConfig::Webdav { .. } => {
            Ok(Box::new(open_cloud(info, keyring)?))
        }
    }
}
