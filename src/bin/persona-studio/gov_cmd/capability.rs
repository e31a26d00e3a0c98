//! `persona-studio capability …`: the capability catalog.

use clap::Subcommand;
use persona_studio::governance::catalog::{
    self, Capability, CapabilityKind, CapabilityManifest, CatalogFilter,
};
use persona_studio::governance::quota::{self, format_bytes};

use super::lines;
use crate::output::{Failure, Output};
use crate::{values, Env};

#[derive(Debug, Subcommand)]
pub enum CapabilityCommand {
    /// List the catalog.
    List {
        /// Only entries of this kind.
        #[arg(long, value_parser = values::wire::<CapabilityKind>())]
        kind: Option<CapabilityKind>,
        /// Text to find in the id, name, summary or traits.
        #[arg(long)]
        search: Option<String>,
    },
    /// Show one entry.
    Show { id: String },
    /// Add an entry from a manifest file (JSON, or - for stdin). Owner or admin, unlocked.
    Add { file: String },
    /// Replace an entry's manifest (JSON, or - for stdin). Owner or admin, unlocked.
    Edit { file: String },
}

pub fn run_capability(command: CapabilityCommand, env: &Env, out: &Output) -> Result<(), Failure> {
    let clock = env.clock.as_ref();
    match command {
        CapabilityCommand::List { kind, search } => {
            let filter = CatalogFilter {
                kind,
                query: search,
            };
            let (mut store, actor) = env.open_acting()?;
            catalog::ensure_starter(&mut store, &actor, clock)?;
            let entries = catalog::list(&store, &actor.tenant_id, &filter)?;
            out.value(&entries, || {
                lines(&entries, "No catalog entries match.", capability_line)
            });
        }
        CapabilityCommand::Show { id } => {
            let (store, actor) = env.open_acting()?;
            let entry = catalog::get(&store, &actor.tenant_id, &id)?;
            out.value(&entry, || capability_text(&entry));
        }
        CapabilityCommand::Add { file } => {
            let manifest = manifest_from(&file)?;
            let (mut store, actor) = env.open_acting()?;
            let entry = catalog::create(&mut store, &actor, &manifest, clock)?;
            out.value(&entry, || format!("Added {}", capability_line(&entry)));
        }
        CapabilityCommand::Edit { file } => {
            let manifest = manifest_from(&file)?;
            let (mut store, actor) = env.open_acting()?;
            let entry = catalog::edit(&mut store, &actor, &manifest, clock)?;
            out.value(&entry, || format!("Edited {}", capability_line(&entry)));
        }
    }
    Ok(())
}

fn manifest_from(file: &str) -> Result<CapabilityManifest, Failure> {
    let bytes = crate::read_bytes(file)?;
    let body =
        persona_studio::json::strict(&bytes, "capability manifest", crate::source_name(file))?;
    serde_json::from_slice(body).map_err(|e| {
        Failure::usage(
            "invalid_input",
            format!("{file}: not a capability manifest: {e}"),
        )
    })
}

fn capability_line(c: &Capability) -> String {
    let m = &c.manifest;
    format!(
        "{:<20} {:<9} {:<8} {:<9} {:<9} {:<8} {:>9}  {}",
        m.id,
        m.version,
        m.kind.as_str(),
        m.risk.as_str(),
        m.trust.as_str(),
        quota::words::slots(i64::from(m.slots)),
        format_bytes(i64::try_from(m.storage_bytes).unwrap_or(i64::MAX)),
        m.name
    )
}

fn capability_text(c: &Capability) -> String {
    let m = &c.manifest;
    format!(
        "{} {} ({})\n  {}\n  kind {}, risk {}, trust {}\n  scope: {}\n  {}\n  traits: {}\n  content hash: {}",
        m.id,
        m.version,
        m.name,
        m.summary,
        m.kind.as_str(),
        m.risk.as_str(),
        m.trust.as_str(),
        m.scope.join(", "),
        c.uses,
        m.traits.join(", "),
        c.content_hash
    )
}
