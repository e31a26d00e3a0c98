//! AppState: the data folder, a small pool of store connections, the clock and id source, the
//! digest cache the Dashboard's drift summary reuses, and the worker threads every command runs
//! on. No command touches SQLite, the keyring, the filesystem or a KDF on the main thread: each
//! is an `async` command that hands its core call to Tokio's blocking pool through
//! [`AppState::with_store`], [`AppState::with_actor`] or [`AppState::with_long_operation`].

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use persona_studio::clock::{Clock, SystemClock};
use persona_studio::home::Home;
use persona_studio::ids::{IdSource, RandomIds};
use persona_studio::store::Store;
use persona_studio::tenant::{self, Actor, DigestCache};

use crate::IpcError;

/// Idle connections kept open between commands; WAL lets them read concurrently.
const MAX_IDLE_CONNECTIONS: usize = 4;

/// The managed state; cheap to clone into a worker thread.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What every command may use from its worker thread.
pub struct Shared {
    home: Option<Home>,
    pool: Mutex<Pool>,
    pub clock: Box<dyn Clock>,
    pub ids: Box<dyn IdSource>,
    /// Workspace file digests by stat data, so a Dashboard refresh re-hashes only what changed.
    pub digests: DigestCache,
    /// Set to ask the running long operation (export, verify, restore) to stop.
    pub cancel: AtomicBool,
    /// A long operation is running; one at a time.
    long_operation: AtomicBool,
}

/// Idle connections, and the generation they belong to: a restore that replaced the data folder
/// starts a new generation, so connections still open on the old files are dropped, not reused.
#[derive(Default)]
struct Pool {
    generation: u64,
    idle: Vec<Store>,
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// The data folder comes from `--home DIR` on the command line, then `PERSONA_STUDIO_HOME`,
    /// then the OS app-data folder.
    pub fn from_environment() -> Self {
        AppState(Arc::new(Shared {
            home: Home::resolve(home_argument(std::env::args())),
            pool: Mutex::new(Pool::default()),
            clock: Box::new(SystemClock),
            ids: Box::new(RandomIds),
            digests: DigestCache::new(),
            cancel: AtomicBool::new(false),
            long_operation: AtomicBool::new(false),
        }))
    }

    /// Runs `f` on a worker thread with a store connection from the pool, opening (and
    /// migrating) one when none is idle. A failed open is retried on the next call, so fixing the
    /// cause needs no restart.
    pub async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store, &Shared) -> persona_studio::Result<T> + Send + 'static,
    ) -> Result<T, IpcError> {
        let shared = Arc::clone(&self.0);
        blocking(move || AppState(shared).with_store_here(f)).await
    }

    /// Runs `f` on the calling thread with a store connection from the pool: for the app's own
    /// worker threads (the file watcher), never for the main thread or a command.
    pub fn with_store_here<T>(
        &self,
        f: impl FnOnce(&mut Store, &Shared) -> persona_studio::Result<T>,
    ) -> Result<T, IpcError> {
        let (mut store, generation) = self.take_store()?;
        let result = f(&mut store, &self.0);
        self.put_back(store, generation);
        Ok(result?)
    }

    /// Like [`with_store`](Self::with_store), for commands that act as the local member.
    pub async fn with_actor<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store, &Actor, &Shared) -> persona_studio::Result<T> + Send + 'static,
    ) -> Result<T, IpcError> {
        self.with_store(|store, shared| {
            let actor = tenant::current_actor(store)?;
            f(store, &actor, shared)
        })
        .await
    }

    /// Runs a long operation (a backup export, verify or restore) on a worker thread with a
    /// store connection of its own, so every other command keeps working meanwhile, with the
    /// cancel flag cleared. One at a time: a second one is refused as `busy`.
    pub async fn with_long_operation<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store, &AtomicBool, &Shared) -> persona_studio::Result<T> + Send + 'static,
    ) -> Result<T, IpcError> {
        if self.long_operation.swap(true, Ordering::SeqCst) {
            return Err(IpcError {
                code: "busy".to_owned(),
                message: "A backup operation is already running. Wait for it to finish or cancel it first.".to_owned(),
            });
        }
        self.cancel.store(false, Ordering::SeqCst);
        let shared = Arc::clone(&self.0);
        let result = blocking(move || {
            let mut store = tenant::open(shared.home()?)?;
            Ok(f(&mut store, &shared.cancel, &shared)?)
        })
        .await;
        self.long_operation.store(false, Ordering::SeqCst);
        result
    }
}

impl Shared {
    pub fn home(&self) -> Result<&Home, IpcError> {
        self.home.as_ref().ok_or_else(|| IpcError {
            code: "no_home".to_owned(),
            message: "No app-data folder was found for this user. Start the app with --home DIR or set PERSONA_STUDIO_HOME.".to_owned(),
        })
    }

    /// Closes every idle connection and retires the busy ones, so the next command opens the
    /// data folder afresh (after a restore replaced it).
    pub fn forget_store(&self) {
        let mut pool = self.lock_pool();
        pool.generation += 1;
        pool.idle.clear();
    }

    fn take_store(&self) -> Result<(Store, u64), IpcError> {
        let (idle, generation) = {
            let mut pool = self.lock_pool();
            (pool.idle.pop(), pool.generation)
        };
        match idle {
            Some(store) => Ok((store, generation)),
            None => Ok((tenant::open(self.home()?)?, generation)),
        }
    }

    fn put_back(&self, store: Store, generation: u64) {
        let mut pool = self.lock_pool();
        if pool.generation == generation && pool.idle.len() < MAX_IDLE_CONNECTIONS {
            pool.idle.push(store);
        }
    }

    fn lock_pool(&self) -> MutexGuard<'_, Pool> {
        // A panic in another command must not lock the user out of their data.
        self.pool
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Runs `work` on Tokio's blocking pool, off the main thread and off the async workers.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, IpcError> + Send + 'static,
) -> Result<T, IpcError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .unwrap_or_else(|error| {
            Err(IpcError {
                code: "internal".to_owned(),
                message: format!("The operation stopped unexpectedly: {error}"),
            })
        })
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
