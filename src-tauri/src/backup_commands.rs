//! Thin IPC commands for backups: destinations (secrets arrive as `Sensitive` and go to the
//! keyring), export / verify / restore with progress over a channel and a cancel command,
//! history, reminders and the passphrase. Long operations run off the main thread on their own
//! store connection, so the rest of the app stays responsive while they run.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use persona_studio::backup::destinations::{self, DestinationInfo, DestinationSpec};
use persona_studio::backup::drives::{self, Volume};
use persona_studio::backup::passphrase::{self, RECOVERY_WARNING};
use persona_studio::backup::remind::{self, ReminderStatus};
use persona_studio::backup::{
    self, ArchiveSource, BackupRecord, ExportOutcome, ExportRequest, ExportTo, OsEntropy, Preview,
    Progress, RestoreReport, RestoreRequest, RestoreTarget, VerifyReport,
};
use persona_studio::secrets::Sensitive;
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::State;

use crate::state::blocking;
use crate::{AppState, IpcError};

/// Where an export goes, or which archive to read: a configured destination (by label; for
/// reading, `name` picks a backup, else the newest) or a manual export file.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BackupLocation {
    Destination { label: String, name: Option<String> },
    File { path: String },
}

impl BackupLocation {
    fn export_to(self) -> ExportTo {
        match self {
            BackupLocation::Destination { label, .. } => ExportTo::Destination(label),
            BackupLocation::File { path } => ExportTo::File(PathBuf::from(path)),
        }
    }

    fn source(self) -> ArchiveSource {
        match self {
            BackupLocation::Destination { label, name } => {
                ArchiveSource::Destination { label, name }
            }
            BackupLocation::File { path } => ArchiveSource::File(PathBuf::from(path)),
        }
    }
}

/// The passphrase, shown once with what losing it means.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct RevealedPassphrase {
    pub passphrase: String,
    pub warning: String,
}

/// Forwards progress at most ten times a second (and every change of stage), so a fast
/// operation does not flood the webview.
fn throttled(channel: Channel<Progress>) -> impl FnMut(Progress) {
    let mut last: Option<(Instant, Progress)> = None;
    move |progress: Progress| {
        let due = match last {
            None => true,
            Some((at, previous)) => {
                previous.stage != progress.stage
                    || progress.done == progress.total
                    || at.elapsed() >= Duration::from_millis(100)
            }
        };
        if due {
            last = Some((Instant::now(), progress));
            // A closed window stops listening; the operation itself goes on to the end.
            let _ = channel.send(progress);
        }
    }
}

#[tauri::command]
pub async fn destination_list(
    state: State<'_, AppState>,
) -> Result<Vec<DestinationInfo>, IpcError> {
    state
        .with_store(move |store, state| destinations::list(store, state.clock.now()))
        .await
}

#[tauri::command]
pub async fn destination_add(
    state: State<'_, AppState>,
    label: String,
    destination: DestinationSpec,
    keep_last: Option<u32>,
) -> Result<DestinationInfo, IpcError> {
    state
        .with_store(move |store, state| {
            destinations::add(
                store,
                &label,
                destination,
                keep_last,
                state.clock.as_ref(),
                state.ids.as_ref(),
            )
        })
        .await
}

#[tauri::command]
pub async fn destination_remove(
    state: State<'_, AppState>,
    label: String,
) -> Result<DestinationInfo, IpcError> {
    state
        .with_store(move |store, state| destinations::remove(store, &label, state.clock.as_ref()))
        .await
}

#[tauri::command]
pub async fn drive_list() -> Result<Vec<Volume>, IpcError> {
    blocking(|| Ok(drives::mounted_volumes(false))).await
}

#[tauri::command]
pub async fn backup_list(
    state: State<'_, AppState>,
    include_deleted: bool,
) -> Result<Vec<BackupRecord>, IpcError> {
    state
        .with_store(move |store, state| backup::list(store, include_deleted, state.clock.now()))
        .await
}

#[tauri::command]
pub async fn backup_export(
    state: State<'_, AppState>,
    to: BackupLocation,
    on_progress: Channel<Progress>,
) -> Result<ExportOutcome, IpcError> {
    state
        .with_long_operation(move |store, cancel, state| {
            backup::export(
                store,
                &ExportRequest::to(to.export_to()),
                state.clock.as_ref(),
                state.ids.as_ref(),
                &OsEntropy,
                &mut throttled(on_progress),
                cancel,
            )
        })
        .await
}

#[tauri::command]
pub async fn backup_verify(
    state: State<'_, AppState>,
    source: BackupLocation,
    on_progress: Channel<Progress>,
) -> Result<VerifyReport, IpcError> {
    state
        .with_long_operation(move |store, cancel, state| {
            backup::verify(
                Some(store),
                &source.source(),
                None,
                state.clock.as_ref(),
                state.ids.as_ref(),
                &mut throttled(on_progress),
                cancel,
            )
        })
        .await
}

#[tauri::command]
pub async fn backup_preview(
    state: State<'_, AppState>,
    source: BackupLocation,
) -> Result<Preview, IpcError> {
    state
        .with_store(move |store, state| {
            backup::preview(Some(store), &source.source(), None, state.clock.now())
        })
        .await
}

/// What a restore into `into` would do to what is there now (nothing is changed).
#[tauri::command]
pub async fn backup_restore_target(
    state: State<'_, AppState>,
    into: String,
) -> Result<RestoreTarget, IpcError> {
    let now = state.clock.now();
    blocking(move || Ok(backup::restore_target(&PathBuf::from(into), now)?)).await
}

#[tauri::command]
pub async fn backup_restore(
    state: State<'_, AppState>,
    source: BackupLocation,
    into: String,
    force: bool,
    on_progress: Channel<Progress>,
) -> Result<RestoreReport, IpcError> {
    let request = RestoreRequest {
        source: source.source(),
        into: PathBuf::from(into),
        passphrase: None,
        force,
    };
    let report = state
        .with_long_operation(move |store, cancel, state| {
            backup::restore(
                Some(store),
                &request,
                state.clock.as_ref(),
                state.ids.as_ref(),
                &mut throttled(on_progress),
                cancel,
            )
        })
        .await?;
    // A restore over the open data folder moved its files: open the restored one next time.
    state.forget_store();
    Ok(report)
}

/// Asks the running export, verify or restore to stop; it cleans up after itself.
#[tauri::command]
pub async fn backup_cancel(state: State<'_, AppState>) -> Result<(), IpcError> {
    state.cancel.store(true, Ordering::SeqCst);
    Ok(())
}

#[tauri::command]
pub async fn backup_snooze(
    state: State<'_, AppState>,
    hours: u32,
) -> Result<ReminderStatus, IpcError> {
    state
        .with_store(move |store, state| remind::snooze(store, hours, state.clock.as_ref()))
        .await
}

#[tauri::command]
pub async fn backup_passphrase_reveal(
    state: State<'_, AppState>,
) -> Result<RevealedPassphrase, IpcError> {
    state
        .with_store(move |store, state| {
            let passphrase = passphrase::reveal(store, &OsEntropy, state.clock.as_ref())?;
            Ok(RevealedPassphrase {
                passphrase: passphrase.expose().clone(),
                warning: RECOVERY_WARNING.to_owned(),
            })
        })
        .await
}

#[tauri::command]
pub async fn backup_passphrase_confirm(
    state: State<'_, AppState>,
    typed: String,
) -> Result<bool, IpcError> {
    let typed = Sensitive::new(typed);
    state
        .with_store(move |store, state| passphrase::confirm(store, &typed, state.clock.as_ref()))
        .await
}
