//! AppState: the data folder, the lazily opened store, and the clock and id source.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use persona_studio::clock::{Clock, SystemClock};
use persona_studio::home::Home;
use persona_studio::ids::{IdSource, RandomIds};
use persona_studio::store::Store;
use persona_studio::tenant::{self, Actor};

use crate::IpcError;

pub struct AppState {
    home: Option<Home>,
    store: Mutex<Option<Store>>,
    pub clock: Box<dyn Clock>,
    pub ids: Box<dyn IdSource>,
    /// Set to ask the running long operation (export, verify, restore) to stop.
    pub cancel: AtomicBool,
    /// A long operation is running; one at a time.
    long_operation: AtomicBool,
}

impl AppState {
    /// The data folder comes from `--home DIR` on the command line, then `PERSONA_STUDIO_HOME`,
    /// then the OS app-data folder.
    pub fn from_environment() -> Self {
        AppState {
            home: Home::resolve(home_argument(std::env::args())),
            store: Mutex::new(None),
            clock: Box::new(SystemClock),
            ids: Box::new(RandomIds),
            cancel: AtomicBool::new(false),
            long_operation: AtomicBool::new(false),
        }
    }

    pub fn home(&self) -> Result<&Home, IpcError> {
        self.home.as_ref().ok_or_else(|| IpcError {
            code: "no_home".to_owned(),
            message: "No app-data folder was found for this user. Start the app with --home DIR or set PERSONA_STUDIO_HOME.".to_owned(),
        })
    }

    /// Runs `f` with the open store, opening (and migrating) it on first use. A failed open is
    /// retried on the next call, so fixing the cause needs no restart.
    pub fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> persona_studio::Result<T>,
    ) -> Result<T, IpcError> {
        let mut guard = self.lock_store();
        let store = match guard.take() {
            Some(store) => store,
            None => {
                let mut store = Store::open(self.home()?)?;
                persona_studio::audit::install_checkpointing(&mut store);
                store
            }
        };
        let store = guard.insert(store);
        Ok(f(store)?)
    }

    /// Like [`with_store`](Self::with_store), for commands that act as the local member.
    pub fn with_actor<T>(
        &self,
        f: impl FnOnce(&mut Store, &Actor) -> persona_studio::Result<T>,
    ) -> Result<T, IpcError> {
        self.with_store(|store| {
            let actor = tenant::current_actor(store)?;
            f(store, &actor)
        })
    }

    /// Runs a long operation (a backup export, verify or restore) on a store connection of its
    /// own, so every other command keeps working meanwhile, with the cancel flag cleared.
    pub fn with_long_operation<T>(
        &self,
        f: impl FnOnce(&mut Store, &AtomicBool) -> persona_studio::Result<T>,
    ) -> Result<T, IpcError> {
        if self.long_operation.swap(true, Ordering::SeqCst) {
            return Err(IpcError {
                code: "busy".to_owned(),
                message: "A backup operation is already running. Wait for it to finish or cancel it first.".to_owned(),
            });
        }
        self.cancel.store(false, Ordering::SeqCst);
        let run = || -> Result<T, IpcError> {
            let mut store = Store::open(self.home()?)?;
            persona_studio::audit::install_checkpointing(&mut store);
            Ok(f(&mut store, &self.cancel)?)
        };
        let result = run();
        self.long_operation.store(false, Ordering::SeqCst);
        result
    }

    /// Closes the cached connection, so the next command opens the data folder afresh (after a
    /// restore replaced it).
    pub fn forget_store(&self) {
        self.lock_store().take();
    }

    fn lock_store(&self) -> MutexGuard<'_, Option<Store>> {
        // A panic in another command must not lock the user out of their data.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// `--home DIR` or `--home=DIR` among the process arguments.
fn home_argument(args: impl Iterator<Item = String>) -> Option<PathBuf> {
    let mut args = args.skip(1);
    while let Some(arg) = args.next() {
        if arg == "--home" {
            return args.next().map(PathBuf::from);
        }
        if let Some(value) = arg.strip_prefix("--home=") {
            return Some(PathBuf::from(value));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::home_argument;
    use std::path::PathBuf;

    #[test]
    fn reads_the_home_argument() {
        let args = |list: &[&str]| {
            list.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .into_iter()
        };
        assert_eq!(
            home_argument(args(&["app", "--home", "/x"])),
            Some(PathBuf::from("/x"))
        );
        assert_eq!(
            home_argument(args(&["app", "--home=/y"])),
            Some(PathBuf::from("/y"))
        );
        assert_eq!(home_argument(args(&["app"])), None);
        assert_eq!(home_argument(args(&["app", "--home"])), None);
    }
}
