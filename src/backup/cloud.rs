//! Customer cloud targets through Apache OpenDAL: S3-compatible storage (custom endpoint) and
//! WebDAV. The async runtime stays inside this module; callers see the blocking [`Target`].
//!
//! Layout under the configured root: `NAME/part-000001 …` and `NAME/index.json`. Each part is
//! one object (bounded memory: one part at a time); the index is written last, so a backup
//! without it is incomplete and the next export removes it.

use std::sync::OnceLock;

use opendal::blocking;
use opendal::services;

use super::format::{index_too_large, is_backup_name, part_name, INDEX_NAME};
use super::limits::MAX_INDEX_BYTES;
use super::target::Target;
use crate::secrets::Sensitive;
use crate::{Error, Result};

/// What reaches a cloud service.
#[derive(Debug, Clone)]
pub enum CloudConfig {
    S3 {
        endpoint: String,
        bucket: String,
        region: String,
        root: String,
        access_key_id: String,
        secret_access_key: Sensitive<String>,
    },
    Webdav {
        endpoint: String,
        root: String,
        username: String,
        password: Sensitive<String>,
    },
}

fn runtime() -> Result<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceLock<std::result::Result<tokio::runtime::Runtime, String>> =
        OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("persona-backup-io")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| Error::DestinationUnavailable {
            label: "cloud".to_owned(),
            detail: format!("could not start the network runtime ({e})"),
            hint: "Restart Persona Studio.".to_owned(),
        })
}

/// An S3 bucket or WebDAV folder.
#[derive(Debug, Clone)]
pub struct CloudTarget {
    label: String,
    op: blocking::Operator,
}

impl CloudTarget {
    pub fn open(label: &str, config: &CloudConfig) -> Result<CloudTarget> {
        opendal::install_default();
        let built = match config {
            CloudConfig::S3 {
                endpoint,
                bucket,
                region,
                root,
                access_key_id,
                secret_access_key,
            } => {
                let builder = services::S3::default()
                    .endpoint(endpoint)
                    .bucket(bucket)
                    .region(region)
                    .root(root)
                    .access_key_id(access_key_id)
                    .secret_access_key(secret_access_key.expose())
                    .disable_config_load()
                    .disable_ec2_metadata();
                opendal::Operator::new(builder)
            }
            CloudConfig::Webdav {
                endpoint,
                root,
                username,
                password,
            } => {
                let mut builder = services::Webdav::default().endpoint(endpoint).root(root);
                if !username.is_empty() {
                    builder = builder.username(username).password(password.expose());
                }
                opendal::Operator::new(builder)
            }
        };
        let op = built.map_err(|e| Error::invalid("destination", e.to_string()))?;
        let rt = runtime()?;
        let _guard = rt.enter();
        let op = blocking::Operator::new(op).map_err(|e| map_error(label, "connect", e))?;
        Ok(CloudTarget {
            label: label.to_owned(),
            op,
        })
    }

    /// Lists the root once, to check that the endpoint answers and accepts the credentials.
    pub fn check(&self) -> Result<()> {
        self.op
            .list("/")
            .map(|_| ())
            .map_err(|e| map_error(&self.label, "list", e))
    }

    fn err(&self, action: &str, e: opendal::Error) -> Error {
        map_error(&self.label, action, e)
    }

    fn dir_names(&self) -> Result<Vec<String>> {
        let entries = self.op.list("/").map_err(|e| self.err("list", e))?;
        let mut names: Vec<String> = entries
            .iter()
            .map(|e| e.name().trim_end_matches('/').to_owned())
            .filter(|n| is_backup_name(n))
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }
}

/// Maps an OpenDAL error to an actionable error. The secret never appears in OpenDAL's text.
pub fn map_error(label: &str, action: &str, e: opendal::Error) -> Error {
    use opendal::ErrorKind;
    let detail = format!("{action} failed: {e}");
    match e.kind() {
        ErrorKind::PermissionDenied => Error::DestinationCredentials {
            label: label.to_owned(),
            detail,
        },
        ErrorKind::ConfigInvalid => Error::invalid("destination", detail),
        _ => {
            let text = e.to_string().to_ascii_lowercase();
            let rejected = [
                "status: 401",
                "status: 403",
                "unauthorized",
                "not authorized",
                "forbidden",
                "invalidaccesskeyid",
                "signaturedoesnotmatch",
            ];
            if !e.is_temporary() && rejected.iter().any(|w| text.contains(w)) {
                Error::DestinationCredentials {
                    label: label.to_owned(),
                    detail,
                }
            } else if text.contains("insufficient storage") || text.contains("entitytoolarge") {
                Error::DestinationFull {
                    label: label.to_owned(),
                    detail,
                }
            } else {
                Error::DestinationUnavailable {
                    label: label.to_owned(),
                    detail,
                    hint: "Check the network connection and that the endpoint and bucket are right, then try again; the next export starts clean.".to_owned(),
                }
            }
        }
    }
}

impl Target for CloudTarget {
    fn label(&self) -> &str {
        &self.label
    }

    fn put_part(&self, name: &str, n: u32, data: &[u8]) -> Result<()> {
        self.op
            .write(&format!("{name}/{}", part_name(n)), data.to_vec())
            .map(|_| ())
            .map_err(|e| self.err("upload", e))
    }

    fn get_part(&self, name: &str, n: u32, buf: &mut Vec<u8>) -> Result<()> {
        match self.op.read(&format!("{name}/{}", part_name(n))) {
            Ok(buffer) => {
                *buf = buffer.to_vec();
                Ok(())
            }
            Err(e) if e.kind() == opendal::ErrorKind::NotFound => Err(Error::BackupDamaged {
                what: format!("\"{name}\""),
                detail: format!("part {n} is missing at \"{}\"", self.label),
            }),
            Err(e) => Err(self.err("download", e)),
        }
    }

    fn commit(&self, name: &str, index: &[u8]) -> Result<()> {
        self.op
            .write(&format!("{name}/{INDEX_NAME}"), index.to_vec())
            .map(|_| ())
            .map_err(|e| self.err("upload", e))
    }

    fn read_index(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let path = format!("{name}/{INDEX_NAME}");
        // An index larger than any we write is not downloaded.
        match self.op.stat(&path) {
            Ok(meta) if meta.content_length() > MAX_INDEX_BYTES => {
                return Err(index_too_large(name))
            }
            Err(e) if e.kind() == opendal::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.err("download", e)),
            Ok(_) => {}
        }
        match self.op.read(&path) {
            Ok(buffer) => Ok(Some(buffer.to_vec())),
            Err(e) if e.kind() == opendal::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.err("download", e)),
        }
    }

    fn list(&self) -> Result<Vec<String>> {
        let mut complete = Vec::new();
        for name in self.dir_names()? {
            let exists = self
                .op
                .exists(&format!("{name}/{INDEX_NAME}"))
                .map_err(|e| self.err("list", e))?;
            if exists {
                complete.push(name);
            }
        }
        Ok(complete)
    }

    fn clean_incomplete(&self) -> Result<Vec<String>> {
        let mut cleaned = Vec::new();
        for name in self.dir_names()? {
            let exists = self
                .op
                .exists(&format!("{name}/{INDEX_NAME}"))
                .map_err(|e| self.err("list", e))?;
            if !exists {
                self.discard(&name)?;
                cleaned.push(name);
            }
        }
        Ok(cleaned)
    }

    fn discard(&self, name: &str) -> Result<()> {
        let options = opendal::options::DeleteOptions {
            recursive: true,
            ..Default::default()
        };
        self.op
            .delete_options(&format!("{name}/"), options)
            .map_err(|e| self.err("delete", e))
    }

    fn remove(&self, name: &str) -> Result<()> {
        match self.op.delete(&format!("{name}/{INDEX_NAME}")) {
            Ok(()) => {}
            Err(e) if e.kind() == opendal::ErrorKind::NotFound => {}
            Err(e) => return Err(self.err("delete", e)),
        }
        self.discard(name)
    }
}
