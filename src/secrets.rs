//! The only door to the OS keyring (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows). Secret values travel as [`Sensitive`], which never prints, logs or
//! serializes its contents (it can be deserialized, so a form's secret becomes one on arrival).
//!
//! The secret store itself is the `keyring` crate's pluggable credential store
//! (`CredentialBuilderApi`): the OS keyring by default, and [`memory`] in unit tests, which
//! then run without a Secret Service. Integration tests keep the real keyring.

use std::fmt;

/// Keyring service name every entry is stored under.
pub const KEYRING_SERVICE: &str = "dev.persona-studio";

/// A secret value. `Debug` shows `<redacted>`; there is no `Display` and no `Serialize`, so it
/// cannot slip into logs, JSON, IPC responses or panics by accident. `Deserialize` is there so
/// a secret arriving over IPC is wrapped the moment it is parsed.
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Sensitive(value)
    }

    /// The secret itself. Call this only at the point of use.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Sensitive<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Sensitive)
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sensitive(<redacted>)")
    }
}

/// A keyring failure, phrased so a user can act on it.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error("The OS keyring is locked or refused access ({detail}). Unlock your login keyring (on Linux: gnome-keyring or KWallet) and try again.")]
    Locked { detail: String },
    #[error("No OS keyring is available ({detail}). On Linux, install and start a Secret Service provider such as gnome-keyring inside a D-Bus session.")]
    Unavailable { detail: String },
    #[error("The OS keyring rejected the entry \"{account}\": {detail}")]
    Rejected { account: String, detail: String },
}

/// Secrets of one installation, namespaced by its install id so that two data folders on one
/// machine never read each other's entries.
#[derive(Debug, Clone)]
pub struct Keyring {
    namespace: String,
}

impl Keyring {
    pub fn new(namespace: impl Into<String>) -> Self {
        Keyring {
            namespace: namespace.into(),
        }
    }

    fn entry(&self, name: &str) -> Result<keyring::Entry, KeyringError> {
        let account = self.account(name);
        keyring::Entry::new(KEYRING_SERVICE, &account).map_err(|e| map_error(&account, e))
    }

    fn account(&self, name: &str) -> String {
        format!("{}/{}", self.namespace, name)
    }

    /// Stores (or replaces) a secret.
    pub fn set(&self, name: &str, value: &Sensitive<String>) -> Result<(), KeyringError> {
        let entry = self.entry(name)?;
        retry_once_on_platform_failure(|| entry.set_password(value.expose()))
            .map_err(|e| map_error(&self.account(name), e))
    }

    /// Reads a secret; `None` when there is no entry.
    pub fn get(&self, name: &str) -> Result<Option<Sensitive<String>>, KeyringError> {
        let entry = self.entry(name)?;
        match retry_once_on_platform_failure(|| entry.get_password()) {
            Ok(value) => Ok(Some(Sensitive::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error(&self.account(name), e)),
        }
    }

    /// Removes a secret; removing a missing entry is not an error.
    pub fn delete(&self, name: &str) -> Result<(), KeyringError> {
        let entry = self.entry(name)?;
        match retry_once_on_platform_failure(|| entry.delete_credential()) {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_error(&self.account(name), e)),
        }
    }
}

/// Runs a keyring call, and once more when the platform failed: a Secret Service daemon that
/// restarts (D-Bus activation starts it again) drops the call in flight with "recipient
/// disconnected", and the next call reaches the new one. Set, get and delete are idempotent,
/// so repeating one is safe; a second failure is reported.
fn retry_once_on_platform_failure<T>(
    mut call: impl FnMut() -> keyring::Result<T>,
) -> keyring::Result<T> {
    match call() {
        Err(keyring::Error::PlatformFailure(_)) => call(),
        other => other,
    }
}

fn map_error(account: &str, error: keyring::Error) -> KeyringError {
    // The keyring error text never contains the secret itself, only platform detail.
    match error {
        keyring::Error::NoStorageAccess(e) => KeyringError::Locked {
            detail: e.to_string(),
        },
        keyring::Error::PlatformFailure(e) => KeyringError::Unavailable {
            detail: e.to_string(),
        },
        other => KeyringError::Rejected {
            account: account.to_owned(),
            detail: other.to_string(),
        },
    }
}

/// An in-memory secret store for unit tests, installed process-wide with [`memory::install`]
/// in place of the OS keyring. Entries live until the process ends.
#[cfg(test)]
pub mod memory {
    use std::any::Any;
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, Once};

    use keyring::credential::{Credential, CredentialApi, CredentialBuilderApi};

    type Entries = Arc<Mutex<HashMap<String, Vec<u8>>>>;

    #[derive(Debug, Default)]
    struct MemoryStore(Entries);

    #[derive(Debug)]
    struct MemoryCredential {
        account: String,
        entries: Entries,
    }

    impl CredentialApi for MemoryCredential {
        fn set_secret(&self, secret: &[u8]) -> keyring::Result<()> {
            let mut entries = self.entries.lock().unwrap();
            entries.insert(self.account.clone(), secret.to_vec());
            Ok(())
        }

        fn get_secret(&self) -> keyring::Result<Vec<u8>> {
            let entries = self.entries.lock().unwrap();
            entries
                .get(&self.account)
                .cloned()
                .ok_or(keyring::Error::NoEntry)
        }

        fn delete_credential(&self) -> keyring::Result<()> {
            let mut entries = self.entries.lock().unwrap();
            entries
                .remove(&self.account)
                .map(drop)
                .ok_or(keyring::Error::NoEntry)
        }

        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    impl CredentialBuilderApi for MemoryStore {
        fn build(
            &self,
            _target: Option<&str>,
            service: &str,
            user: &str,
        ) -> keyring::Result<Box<Credential>> {
            Ok(Box::new(MemoryCredential {
                account: format!("{service}\u{0}{user}"),
                entries: Arc::clone(&self.0),
            }))
        }

        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    /// Makes every keyring entry of this process an in-memory one (idempotent).
    pub fn install() {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            keyring::set_default_credential_builder(Box::new(MemoryStore::default()));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyring_entries_round_trip_per_namespace_in_the_memory_store() {
        memory::install();
        let one = Keyring::new("install-one");
        let two = Keyring::new("install-two");
        one.set("backup-passphrase", &Sensitive::new("first".to_owned()))
            .unwrap();
        assert_eq!(
            one.get("backup-passphrase").unwrap().unwrap().expose(),
            "first"
        );
        assert!(two.get("backup-passphrase").unwrap().is_none());
        one.delete("backup-passphrase").unwrap();
        one.delete("backup-passphrase").unwrap();
        assert!(one.get("backup-passphrase").unwrap().is_none());
    }

    #[test]
    fn a_dropped_platform_call_is_tried_once_more_and_no_more() {
        let failure = || keyring::Error::PlatformFailure("recipient disconnected".into());
        let mut calls = 0;
        let once = super::retry_once_on_platform_failure(|| {
            calls += 1;
            if calls == 1 {
                Err(failure())
            } else {
                Ok(7)
            }
        });
        assert_eq!((once.ok(), calls), (Some(7), 2));
        let mut calls = 0;
        let always = super::retry_once_on_platform_failure(|| -> keyring::Result<()> {
            calls += 1;
            Err(failure())
        });
        assert!(matches!(always, Err(keyring::Error::PlatformFailure(_))));
        assert_eq!(calls, 2);
        let mut calls = 0;
        let missing = super::retry_once_on_platform_failure(|| -> keyring::Result<()> {
            calls += 1;
            Err(keyring::Error::NoEntry)
        });
        assert!(matches!(missing, Err(keyring::Error::NoEntry)));
        assert_eq!(calls, 1);
    }

    #[test]
    fn sensitive_never_shows_its_value() {
        let secret = Sensitive::new("hunter2-correct-horse".to_owned());
        let shown = format!("{secret:?} {:#?}", secret);
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<redacted>"));
        assert_eq!(secret.expose(), "hunter2-correct-horse");
    }
}
