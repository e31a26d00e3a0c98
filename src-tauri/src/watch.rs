//! Live detection of agents' own edits (the self-edit loop, `persona_studio::selfedit`): a
//! debounced file watcher (`notify-debouncer-full`; inotify on Linux) over every managed
//! workspace and the OpenClaw config. Each batch of events scans the agents it touched on this
//! module's own thread, never the main one, and tells the UI through the [`EVENT`] event; a
//! `locked` file found changed also raises one OS notification. The watch list follows the
//! baselines: it is read again after every batch and every [`REFRESH`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use notify_debouncer_full::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};
use persona_studio::openclaw;
use persona_studio::selfedit::scan::{self, FileOutcome, ScanReport, ScanRequest};
use persona_studio::tenant;
use serde::Serialize;
use tauri::{AppHandle, Emitter};
use tauri_plugin_notification::NotificationExt;

use crate::openclaw_commands::environment;
use crate::AppState;

/// The event the UI listens to; its payload is [`IntegrityChanged`].
pub const EVENT: &str = "integrity-changed";
/// How long the debouncer waits for a burst of writes (an editor's save, `git checkout`) to end.
const DEBOUNCE: Duration = Duration::from_millis(200);
/// How often the watch list is read again when nothing happens (new agents, removed ones).
const REFRESH: Duration = Duration::from_secs(3);

/// What a scan the watcher ran found: the UI reloads its integrity views on it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct IntegrityChanged {
    /// The agents scanned.
    pub agents: Vec<String>,
    /// Files whose edit the scan handled (accepted, reviewed, violations).
    pub files: Vec<FileOutcome>,
    /// `locked` files found changed.
    pub violations: Vec<FileOutcome>,
    /// File reviews still waiting for a decision, for the agents scanned.
    pub reviews_pending: u32,
}

type Watcher = Debouncer<RecommendedWatcher, RecommendedCache>;

/// Starts the watcher thread. Failing to start it (no inotify, say) leaves the app working
/// without live detection; the Integrity page's "Scan now" still scans.
pub fn start(app: AppHandle, state: AppState) {
    let spawned = std::thread::Builder::new()
        .name("integrity-watch".to_owned())
        .spawn(move || run(&app, &state));
    if let Err(error) = spawned {
        eprintln!("persona-studio: the file watcher could not start: {error}");
    }
}

fn run(app: &AppHandle, state: &AppState) {
    let (events, received) = mpsc::channel::<DebounceEventResult>();
    let mut watcher = match new_debouncer(DEBOUNCE, None, events) {
        Ok(watcher) => watcher,
        Err(error) => {
            eprintln!("persona-studio: the file watcher could not start: {error}");
            return;
        }
    };
    let mut watching = Watching::default();
    let mut notified = BTreeSet::new();
    watching.refresh(&mut watcher, state);
    // Edits made while the app was closed.
    scan(app, state, None, &mut notified);
    loop {
        match received.recv_timeout(REFRESH) {
            Ok(Ok(batch)) => {
                let paths = batch.iter().flat_map(|e| e.paths.iter());
                if let Some(agents) = watching.touched(paths) {
                    scan(app, state, agents, &mut notified);
                }
                watching.refresh(&mut watcher, state);
            }
            Ok(Err(errors)) => {
                for error in errors {
                    eprintln!("persona-studio: file watcher: {error}");
                }
            }
            Err(RecvTimeoutError::Timeout) => watching.refresh(&mut watcher, state),
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// The folders watched: each workspace (recursively, for `memory/**`) by agent, and the folder
/// of the OpenClaw config file.
#[derive(Default)]
struct Watching {
    workspaces: BTreeMap<PathBuf, String>,
    config: Option<PathBuf>,
}

impl Watching {
    /// Reads the watch list again and watches what is new, unwatches what is gone.
    fn refresh(&mut self, watcher: &mut Watcher, state: &AppState) {
        let Ok((workspaces, config)) = state.with_store_here(|store, _| {
            let actor = tenant::current_actor(store)?;
            let list = persona_studio::integrity::baseline::list(store, &actor.tenant_id)?;
            let config = openclaw::locate(None, &environment()).ok();
            Ok((
                list.into_iter()
                    .map(|b| (PathBuf::from(b.workspace), b.agent))
                    .collect::<BTreeMap<_, _>>(),
                config.and_then(|c| c.config.parent().map(Path::to_path_buf)),
            ))
        }) else {
            return; // no data folder or no tenant yet: nothing to watch
        };
        for gone in self
            .workspaces
            .keys()
            .filter(|p| !workspaces.contains_key(*p))
        {
            let _ = watcher.unwatch(gone);
        }
        let mut watched = BTreeMap::new();
        for (path, agent) in workspaces {
            let known = self.workspaces.contains_key(&path);
            // A workspace that is gone is scanned (and reported) but cannot be watched.
            if known || watcher.watch(&path, RecursiveMode::Recursive).is_ok() {
                watched.insert(path, agent);
            }
        }
        self.workspaces = watched;
        if config != self.config {
            if let Some(old) = &self.config {
                let _ = watcher.unwatch(old);
            }
            self.config =
                config.filter(|dir| watcher.watch(dir, RecursiveMode::NonRecursive).is_ok());
        }
    }

    /// The agents whose workspace holds one of `paths`; every agent when the OpenClaw config
    /// changed; `None` when no event concerns a managed folder.
    fn touched<'a>(&self, paths: impl Iterator<Item = &'a PathBuf>) -> Option<Option<Vec<String>>> {
        let mut agents = BTreeSet::new();
        for path in paths {
            if self
                .config
                .as_deref()
                .is_some_and(|dir| path.parent() == Some(dir))
            {
                return Some(None);
            }
            if let Some(agent) = self
                .workspaces
                .iter()
                .find(|(workspace, _)| path.starts_with(workspace))
                .map(|(_, agent)| agent.clone())
            {
                agents.insert(agent);
            }
        }
        (!agents.is_empty()).then(|| Some(agents.into_iter().collect()))
    }
}

/// Scans `agents` (all when `None`), tells the UI when the scan handled anything, and raises
/// one OS notification per locked change not notified before.
fn scan(
    app: &AppHandle,
    state: &AppState,
    agents: Option<Vec<String>>,
    notified: &mut BTreeSet<(String, String, String)>,
) {
    let result = state.with_store_here(move |store, shared| {
        let actor = tenant::current_actor(store)?;
        let env = environment();
        let request = ScanRequest {
            agents: agents.as_deref().unwrap_or(&[]),
            openclaw: Some((None, &env)),
        };
        scan::scan(
            store,
            &actor,
            &request,
            shared.clock.as_ref(),
            shared.ids.as_ref(),
        )
    });
    let Ok(report) = result else {
        return;
    };
    notify_violations(app, &report, notified);
    let files: Vec<FileOutcome> = report.agents.iter().flat_map(|a| a.files.clone()).collect();
    if files.is_empty() && report.violations.is_empty() {
        return;
    }
    let payload = IntegrityChanged {
        agents: report.agents.iter().map(|a| a.agent.clone()).collect(),
        files,
        violations: report.violations.clone(),
        reviews_pending: u32::try_from(report.reviews_pending).unwrap_or(u32::MAX),
    };
    if let Err(error) = app.emit(EVENT, payload) {
        eprintln!("persona-studio: could not tell the window about a file change: {error}");
    }
}

fn notify_violations(
    app: &AppHandle,
    report: &ScanReport,
    notified: &mut BTreeSet<(String, String, String)>,
) {
    for violation in &report.violations {
        let new = violation.new_sha256.clone().unwrap_or_default();
        if !notified.insert((violation.agent.clone(), violation.path.clone(), new)) {
            continue;
        }
        let shown = app
            .notification()
            .builder()
            .title("A locked file changed")
            .body(format!(
                "{} of agent {} changed on disk. Open Integrity to review it.",
                violation.path, violation.agent
            ))
            .show();
        if let Err(error) = shown {
            eprintln!("persona-studio: could not show a notification: {error}");
        }
    }
}
