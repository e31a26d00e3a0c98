//! Persona presets: a persona spec plus templates for the workspace files, with metadata.
//! `bundle` is the preset as files (preset.json + Markdown), with its content hash and template
//! rendering; `catalog` stores presets per tenant (drafts, immutable published versions, labels,
//! deprecation, the shipped official presets); `files` exports, imports, releases and verifies
//! folders; `reference` names a version (`ID`, `ID@2`, `ID:LABEL`; what a bare id means);
//! `editing` answers the offline editor (problems by file, preview, version diffs);
//! `policy` is the per-file policies a preset declares (`locked`, `review`, `agent_editable`)
//! and the defaults behind them; `apply` renders a preset into an agent's workspace.

pub mod bundle;
pub mod catalog;
pub mod editing;
pub mod files;
pub mod policy;
pub mod reference;

pub use bundle::{PresetBundle, PresetManifest, Trust};
