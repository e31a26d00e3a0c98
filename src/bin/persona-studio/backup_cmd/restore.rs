//! `persona-studio backup restore`: what a backup holds and what would happen to the folder
//! (`--preview`), or the restore itself.

use std::sync::atomic::AtomicBool;

use persona_studio::backup;
use persona_studio::ids::RandomIds;

use super::progress::Bar;
use super::{given_passphrase, open_optional, preview_text, source, RestoreArgs};
use crate::output::{Failure, Output};
use crate::Env;

/// `backup restore`: `--preview` says what the backup holds and what would happen to the
/// folder; otherwise restore, with `--force` for a folder that is not ours.
pub fn restore(args: RestoreArgs, env: &Env, out: &Output, json: bool) -> Result<(), Failure> {
    let cancel = AtomicBool::new(false);
    let RestoreArgs {
        source: args,
        into,
        preview,
        force,
    } = args;
    let src = source(&args)?;
    let given = given_passphrase(&args)?;
    let mut store = open_optional(env)?;
    let now = env.clock.now();
    if preview {
        let p = backup::preview(store.as_ref(), &src, given, now)?;
        let target = backup::restore_target(&into, now)?;
        let mut plan = serde_json::to_value(&p).unwrap_or_default();
        plan["into"] = serde_json::to_value(&target).unwrap_or_default();
        out.value(&plan, || {
            format!(
                "{}\n{}\nNothing was written.",
                preview_text(&p),
                restore_target_text(&target)
            )
        });
        return Ok(());
    }
    let bar = Bar::new(json);
    let request = backup::RestoreRequest {
        source: src,
        into,
        passphrase: given,
        force,
    };
    let report = backup::restore(
        store.as_mut(),
        &request,
        env.clock.as_ref(),
        &RandomIds,
        &mut |p| bar.update(p),
        &cancel,
    )
    .map_err(|e| match e {
        e @ persona_studio::Error::NotADataFolder { .. } => Failure::from(e).with_hint(
            "See what would be moved with --preview; pass --force to restore there anyway.",
        ),
        e => Failure::from(e),
    })?;
    drop(bar);
    out.value(&report, || {
        let mut text = format!(
            "Restored into {}\n{}",
            report.into,
            preview_text(&report.preview)
        );
        if let Some(safety) = &report.safety_copy {
            text.push_str(&format!("\nThe previous contents were kept in {safety}"));
        }
        text
    });
    Ok(())
}

fn restore_target_text(target: &backup::RestoreTarget) -> String {
    match target {
        backup::RestoreTarget::New { into } => format!("{into} will be created with the restored data."),
        backup::RestoreTarget::DataFolder { into, safety_copy } => format!(
            "{into} is a Persona Studio data folder: its contents would be moved aside to {safety_copy}."
        ),
        backup::RestoreTarget::OtherFiles {
            into,
            safety_copy,
            entries,
        } => format!(
            "{into} is NOT a Persona Studio data folder: its {entries} file(s) or folder(s) would be moved aside to {safety_copy}, and only with --force."
        ),
    }
}
