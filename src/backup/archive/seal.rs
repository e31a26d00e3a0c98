//! The age (scrypt) side: the encryptor an export seals with, the key that reads back exactly
//! that archive without a second scrypt, the key derivation on its own thread, and the identity
//! `verify` and `restore` open an archive with.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use age::secrecy::{ExposeSecret, SecretBox, SecretString};
use age_core::format::{FileKey, Stanza};

use super::POLL;
use crate::backup::limits::MAX_WORK_FACTOR;
use crate::secrets::Sensitive;
use crate::{Error, Result};

/// An age encryptor for the passphrase (scrypt recipient), and the key to read back exactly
/// the archive it writes.
pub struct Sealing {
    pub encryptor: age::Encryptor,
    pub read_back: KnownKey,
}

/// Opens the one archive an export just sealed, with the file key that export wrapped, so the
/// read-back costs no second scrypt (a second or more of work). The stanza read back must equal,
/// byte for byte, the one the passphrase produced; then the header MAC and every payload chunk
/// are checked with the key as usual. `verify` and `restore` always use the passphrase.
pub struct KnownKey {
    file_key: SecretBox<[u8; 16]>,
    args: Vec<String>,
    body: Vec<u8>,
}

impl age::Identity for KnownKey {
    fn unwrap_stanza(
        &self,
        stanza: &Stanza,
    ) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        if stanza.tag != "scrypt" {
            return None;
        }
        if stanza.args != self.args || stanza.body != self.body {
            return Some(Err(age::DecryptError::InvalidHeader));
        }
        Some(Ok(FileKey::new(Box::new(*self.file_key.expose_secret()))))
    }
}

/// The scrypt recipient, remembering the file key and stanza it wraps.
struct Capture {
    inner: age::scrypt::Recipient,
    seen: Mutex<Option<KnownKey>>,
}

impl age::Recipient for Capture {
    fn wrap_file_key(
        &self,
        file_key: &FileKey,
    ) -> std::result::Result<(Vec<Stanza>, HashSet<String>), age::EncryptError> {
        let (stanzas, labels) = self.inner.wrap_file_key(file_key)?;
        if let ([stanza], Ok(mut seen)) = (stanzas.as_slice(), self.seen.lock()) {
            *seen = Some(KnownKey {
                file_key: SecretBox::new(Box::new(*file_key.expose_secret())),
                args: stanza.args.clone(),
                body: stanza.body.clone(),
            });
        }
        Ok((stanzas, labels))
    }
}

/// A [`Sealing`] being prepared on its own thread: scrypt takes a second or more of one core,
/// so it runs while the snapshot is taken and packing starts.
pub struct PendingSeal(std::thread::JoinHandle<Result<Sealing>>);

impl PendingSeal {
    /// Starts deriving the key. The thread is detached: a cancelled export does not wait for
    /// it, and its result is dropped.
    pub fn start(passphrase: Sensitive<String>, work_factor: Option<u8>) -> Result<PendingSeal> {
        std::thread::Builder::new()
            .name("backup: key derivation".to_owned())
            .spawn(move || seal(&passphrase, work_factor))
            .map(PendingSeal)
            .map_err(|_| Error::ThreadFailed {
                what: "key derivation",
            })
    }

    /// Waits for the key, giving up when `cancel` is set.
    pub fn wait(self, cancel: &AtomicBool) -> Result<Sealing> {
        while !self.0.is_finished() {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
            std::thread::sleep(POLL);
        }
        self.0.join().unwrap_or(Err(Error::ThreadFailed {
            what: "key derivation",
        }))
    }
}

/// The scrypt work factor (log2 N) of an export: the age CLI's default, 256 MiB and about a
/// second of one core. Fixed rather than age's calibration, which extrapolates from a run that
/// fits in the cache and picked 19 to 20 on a 2-core test machine (2 to 4 s, 512 MiB to 1 GiB,
/// paid again by every verify and restore, and varying with the machine's load). The
/// passphrase is generated with 120 bits of entropy, which the work factor does not protect.
/// A reader accepts up to [`MAX_WORK_FACTOR`].
pub const WORK_FACTOR: u8 = 18;

/// The work factor an export uses: `None` is [`WORK_FACTOR`]; one a restore would refuse
/// (above [`MAX_WORK_FACTOR`]) or 0 is refused before any work.
pub fn export_work_factor(work_factor: Option<u8>) -> Result<u8> {
    match work_factor {
        None => Ok(WORK_FACTOR),
        Some(n) if (1..=MAX_WORK_FACTOR).contains(&n) => Ok(n),
        Some(n) => Err(Error::invalid(
            "work factor",
            format!("{n} is outside 1 to {MAX_WORK_FACTOR}: a restore would refuse the backup"),
        )),
    }
}

/// Derives the key from the passphrase (scrypt) and prepares the encryptor. `work_factor` is
/// log2 N; `None` is [`WORK_FACTOR`]; see [`export_work_factor`].
pub fn seal(passphrase: &Sensitive<String>, work_factor: Option<u8>) -> Result<Sealing> {
    let mut inner = age::scrypt::Recipient::new(SecretString::from(passphrase.expose().clone()));
    inner.set_work_factor(export_work_factor(work_factor)?);
    let capture = Capture {
        inner,
        seen: Mutex::new(None),
    };
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&capture as &dyn age::Recipient))
            .map_err(|e| Error::invalid("passphrase", e.to_string()))?;
    let read_back = capture.seen.into_inner().ok().flatten().ok_or_else(|| {
        Error::SnapshotFailed("The encryption could not be prepared; try again.".to_owned())
    })?;
    Ok(Sealing {
        encryptor,
        read_back,
    })
}

/// The identity that opens an archive with the passphrase. It refuses a work factor above
/// [`MAX_WORK_FACTOR`] before deriving anything (age returns `ExcessiveWork`, which
/// `unpack` reports as [`Error::BackupForeign`]).
pub fn passphrase_identity(passphrase: &Sensitive<String>) -> age::scrypt::Identity {
    let mut identity = age::scrypt::Identity::new(SecretString::from(passphrase.expose().clone()));
    identity.set_max_work_factor(MAX_WORK_FACTOR);
    identity
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;

    const PASS: &str = "correct horse battery";

    fn sealed(data: &[u8]) -> (Vec<u8>, KnownKey) {
        let sealing = seal(&Sensitive::new(PASS.to_owned()), Some(4)).unwrap();
        let mut out = Vec::new();
        let mut writer = sealing.encryptor.wrap_output(&mut out).unwrap();
        writer.write_all(data).unwrap();
        writer.finish().unwrap();
        (out, sealing.read_back)
    }

    fn open(bytes: &[u8], identity: &dyn age::Identity) -> Option<Vec<u8>> {
        let decryptor = age::Decryptor::new(bytes).ok()?;
        let mut reader = decryptor.decrypt(std::iter::once(identity)).ok()?;
        let mut out = Vec::new();
        reader.read_to_end(&mut out).ok()?;
        Some(out)
    }

    #[test]
    fn the_known_key_opens_only_the_archive_it_sealed() {
        let (bytes, key) = sealed(b"tenant data");
        assert_eq!(open(&bytes, &key).unwrap(), b"tenant data");
        // A plain passphrase archive: the passphrase opens it as well.
        let by_passphrase = passphrase_identity(&Sensitive::new(PASS.to_owned()));
        assert_eq!(open(&bytes, &by_passphrase).unwrap(), b"tenant data");
        // Another archive (its own salt and file key) is refused.
        let (other, _) = sealed(b"tenant data");
        assert!(open(&other, &key).is_none());
        // So is a changed stanza: line 3 of the header is the wrapped key.
        let body = bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(1)
            .map(|(i, _)| i + 1)
            .unwrap();
        let mut changed = bytes.clone();
        changed[body] = if changed[body] == b'A' { b'B' } else { b'A' };
        assert!(open(&changed, &key).is_none());
    }
}
