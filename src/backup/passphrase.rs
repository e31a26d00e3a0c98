//! The backup passphrase: generated once per data folder (120 bits, shown as six groups of
//! four base32 characters), kept only in the OS keyring, shown on request with a recovery
//! warning, and confirmed periodically.

use serde_json::json;

use super::destinations::keyring;
use super::records;
use crate::audit;
use crate::auth;
use crate::auth::members::require_unlocked_privileged;
use crate::clock::Clock;
use crate::secrets::{Keyring, Sensitive};
use crate::store::Store;
use crate::{Error, Result};

/// The keyring entry name.
pub const KEYRING_NAME: &str = "backup/passphrase";
const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Where randomness comes from (passed in, like the clock).
pub trait Entropy {
    fn fill(&self, buf: &mut [u8]) -> Result<()>;
}

/// The operating system's random source.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&self, buf: &mut [u8]) -> Result<()> {
        getrandom::fill(buf).map_err(|e| {
            Error::SnapshotFailed(format!("The OS random source failed ({e}); try again."))
        })
    }
}

/// Shown with the passphrase, every time.
pub const RECOVERY_WARNING: &str = "Write this passphrase down and keep it somewhere safe, away from this computer. Every backup is encrypted with it. If this computer is lost, the passphrase is the ONLY way to open your backups: nobody, including Persona Studio, can recover it.";

/// 24 characters from a 32-symbol alphabet (120 bits), grouped by four.
pub fn generate(entropy: &dyn Entropy) -> Result<Sensitive<String>> {
    let mut bytes = [0u8; 24];
    entropy.fill(&mut bytes)?;
    let mut text = String::with_capacity(29);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            text.push('-');
        }
        text.push(char::from(ALPHABET[usize::from(b & 31)]));
    }
    Ok(Sensitive::new(text))
}

/// The passphrase, creating it when there is none. `true` when it was just created.
pub fn ensure(keyring: &Keyring, entropy: &dyn Entropy) -> Result<(Sensitive<String>, bool)> {
    if let Some(existing) = keyring.get(KEYRING_NAME)? {
        return Ok((existing, false));
    }
    let fresh = generate(entropy)?;
    keyring.set(KEYRING_NAME, &fresh)?;
    Ok((fresh, true))
}

/// Keeps `passphrase` as this data folder's backup passphrase (a restored folder keeps the one
/// its backup was opened with).
pub fn store(keyring: &Keyring, passphrase: &Sensitive<String>) -> Result<()> {
    Ok(keyring.set(KEYRING_NAME, passphrase)?)
}

/// The passphrase from the keyring, if there is one.
pub fn current(store: &Store) -> Result<Option<Sensitive<String>>> {
    Ok(keyring(store)?.get(KEYRING_NAME)?)
}

/// Returns the passphrase to show to the user (creating it if needed) and records that it was
/// shown. Only an unlocked owner or admin may see it (threat model, ARCHITECTURE.md): whoever
/// holds it can open every backup, including the members' passphrase verifiers. Show it with [`RECOVERY_WARNING`]; never log or serialize it.
pub fn reveal(
    store: &mut Store,
    entropy: &dyn Entropy,
    clock: &dyn Clock,
) -> Result<Sensitive<String>> {
    let actor = auth::current_actor(store)?;
    let now = clock.now();
    require_unlocked_privileged(store.conn(), &actor, now, "see the backup passphrase")?;
    let (passphrase, created) = ensure(&keyring(store)?, entropy)?;
    store.write(|tx| {
        records::set_setting(tx, &actor.tenant_id, "passphrase_shown_at", Some(now))?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "backup.passphrase_shown",
            json!({"created": created}),
            now,
        )?;
        Ok(())
    })?;
    Ok(passphrase)
}

/// The periodic check: does the user still know the passphrase? Records a success. Unlocked
/// owner or admin only, as [`reveal`].
pub fn confirm(store: &mut Store, typed: &Sensitive<String>, clock: &dyn Clock) -> Result<bool> {
    let actor = auth::current_actor(store)?;
    require_unlocked_privileged(
        store.conn(),
        &actor,
        clock.now(),
        "check the backup passphrase",
    )?;
    let Some(stored) = current(store)? else {
        return Err(Error::NotFound {
            what: "A backup passphrase".to_owned(),
            hint: "Make a backup or show the passphrase first.".to_owned(),
        });
    };
    let normalize = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect()
    };
    let ok = normalize(typed.expose()) == normalize(stored.expose());
    let now = clock.now();
    store.write(|tx| {
        if ok {
            records::set_setting(tx, &actor.tenant_id, "passphrase_confirmed_at", Some(now))?;
        }
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "backup.passphrase_checked",
            json!({"ok": ok}),
            now,
        )?;
        Ok(())
    })?;
    Ok(ok)
}
