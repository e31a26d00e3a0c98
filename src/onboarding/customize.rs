//! Customizing a recommendation before accepting it: the user's [`Choice`] (a preset and the
//! capability set) and [`customize`], a pure, deterministic evaluation of it against the tier's
//! quota (slots and storage, counting what is already installed and what requests still wait
//! for) with the warnings to show, so
//! the UI can run it on every toggle and accept can run exactly the same check.

use serde::{Deserialize, Serialize};

use crate::auth::Tier;
use crate::governance::catalog::{CapabilityManifest, TrustTier};
use crate::governance::installs::{InstalledCapability, Waiting};
use crate::governance::quota;
use crate::onboarding::recommend::{self, community_warning, Recommendation};
use crate::persona::preset::PresetManifest;
use crate::persona::spec::Mode;
use crate::{Error, Result};

/// What the user settles on: a preset, the official capabilities, and the community
/// capabilities, which must be listed apart so that none is ever included by accident.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Choice {
    pub preset: String,
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// Community capabilities chosen explicitly, after their warning.
    #[serde(default)]
    pub community: Vec<String>,
}

impl Choice {
    /// The recommendation as it stands: its preset and its (official) bundle.
    pub fn recommended(recommendation: &Recommendation) -> Choice {
        Choice {
            preset: recommendation.preset.id.clone(),
            capabilities: recommendation
                .capabilities
                .iter()
                .map(|c| c.id.clone())
                .collect(),
            community: Vec::new(),
        }
    }

    /// The same choice with sorted, de-duplicated lists (so equal choices compare equal).
    pub fn normalized(&self) -> Choice {
        let sorted = |ids: &[String]| {
            let mut ids = ids.to_vec();
            ids.sort();
            ids.dedup();
            ids
        };
        Choice {
            preset: self.preset.clone(),
            capabilities: sorted(&self.capabilities),
            community: sorted(&self.community),
        }
    }
}

/// The chosen preset, with its score when the recommender ranked it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ChosenPreset {
    pub id: String,
    pub name: String,
    pub mode: Mode,
    pub recommended: bool,
    pub score: Option<i32>,
}

/// One chosen capability and what it costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ChosenCapability {
    pub id: String,
    pub name: String,
    pub slots: u32,
    #[ts(type = "number")]
    pub storage_bytes: u64,
    pub official: bool,
    /// In the recommended bundle.
    pub recommended: bool,
    /// Already installed: it costs nothing more.
    pub installed: bool,
    /// A request for it is already waiting: it is counted among the requested.
    pub requested: bool,
    pub warning: Option<String>,
    /// What it takes, in words: `Uses 1 slot and 12 MiB`.
    pub uses: String,
}

/// A choice evaluated: the quota meter (what is installed plus what the choice adds), whether
/// it fits, why not and which tier would hold it, and warnings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Customization {
    /// The choice, normalized.
    pub choice: Choice,
    pub preset: ChosenPreset,
    pub capabilities: Vec<ChosenCapability>,
    pub tier: Tier,
    #[ts(type = "number")]
    pub slots_installed: i64,
    /// Slots that requests already waiting will take (each accept adds requests, so the next
    /// one counts them).
    #[ts(type = "number")]
    pub slots_requested: i64,
    /// Installed, requested and added by this choice.
    #[ts(type = "number")]
    pub slots_used: i64,
    #[ts(type = "number")]
    pub slots_limit: i64,
    #[ts(type = "number")]
    pub storage_installed: i64,
    #[ts(type = "number")]
    pub storage_requested: i64,
    #[ts(type = "number")]
    pub storage_used: i64,
    #[ts(type = "number")]
    pub storage_limit: i64,
    pub fits: bool,
    /// Why it does not fit, with the numbers; empty when it fits.
    pub over: Vec<String>,
    /// The smallest larger tier that would hold it, when it does not fit.
    pub upgrade: Option<Tier>,
    pub warnings: Vec<String>,
    /// The slot meter in words: `Uses 2 of your 3 slots on Pro`.
    pub slots_text: String,
    /// The storage meter in words: `Uses 12 MiB of your 1 GiB of storage`.
    pub storage_text: String,
    /// What the slot meter counts besides this choice, in words; `None` when nothing waits.
    pub counted_text: Option<String>,
}

/// Evaluates `choice` against `recommendation`'s tier, given the tenant's presets, catalog,
/// installed capabilities and requests waiting. Unknown ids (`not_found`), and community
/// capabilities not listed under `community`, are errors that name them.
pub fn customize(
    recommendation: &Recommendation,
    presets: &[PresetManifest],
    catalog: &[CapabilityManifest],
    tenant: (&[InstalledCapability], &[Waiting]),
    choice: &Choice,
) -> Result<Customization> {
    let (installed, waiting) = tenant;
    let choice = choice.normalized();
    let (preset, mode_warning) = chosen_preset(recommendation, presets, &choice)?;
    let mut capabilities = chosen_capabilities(recommendation, catalog, installed, &choice)?;
    for capability in &mut capabilities {
        capability.requested = waiting.iter().any(|w| w.capability_id == capability.id);
    }
    let mut warnings: Vec<String> = mode_warning.into_iter().collect();
    warnings.extend(capabilities.iter().filter_map(|c| c.warning.clone()));
    let tier = recommendation.tier;
    let meter = QuotaMeter::new(tier, installed, waiting, &capabilities);
    Ok(Customization {
        choice,
        preset,
        capabilities,
        tier,
        slots_installed: meter.slots_installed,
        slots_requested: meter.slots_requested,
        slots_used: meter.slots_used,
        slots_limit: meter.limits.slots,
        storage_installed: meter.storage_installed,
        storage_requested: meter.storage_requested,
        storage_used: meter.storage_used,
        storage_limit: meter.limits.storage_bytes,
        fits: meter.fits,
        over: meter.over,
        upgrade: meter.upgrade,
        warnings,
        slots_text: quota::words::slots_of_plan(meter.slots_used, meter.limits.slots, tier),
        storage_text: quota::words::storage_of_plan(meter.storage_used, meter.limits.storage_bytes),
        counted_text: quota::words::counted(meter.slots_installed, meter.slots_requested),
    })
}

/// The chosen preset (one of the tenant's active, published presets), with the warning to show
/// when it is written for another mode than the answers describe.
fn chosen_preset(
    recommendation: &Recommendation,
    presets: &[PresetManifest],
    choice: &Choice,
) -> Result<(ChosenPreset, Option<String>)> {
    let preset = presets
        .iter()
        .find(|p| p.id == choice.preset)
        .ok_or_else(|| {
            let ids: Vec<&str> = presets.iter().map(|p| p.id.as_str()).collect();
            Error::invalid(
                "choice",
                format!(
                    "preset \"{}\" is not an active, published preset of this tenant; choose one of {}",
                    choice.preset,
                    ids.join(", ")
                ),
            )
        })?;
    let score = std::iter::once(&recommendation.preset)
        .chain(&recommendation.runners_up)
        .find(|p| p.id == preset.id)
        .map(|p| p.score);
    let warning = (preset.mode != recommendation.mode).then(|| {
        format!(
            "{} is written for {}; your answers describe {}, so the agent keeps {} mode.",
            preset.name,
            describe_mode(preset.mode),
            describe_mode(recommendation.mode),
            recommendation.mode.as_str()
        )
    });
    let chosen = ChosenPreset {
        id: preset.id.clone(),
        name: preset.name.clone(),
        mode: preset.mode,
        recommended: preset.id == recommendation.preset.id,
        score,
    };
    Ok((chosen, warning))
}

/// The chosen capabilities with what each costs: the recommended ones in the recommendation's
/// order (so an unchanged choice gives the recommendation's harness profile), then the others
/// by id. A community capability must be listed under `community`, an official one must not.
fn chosen_capabilities(
    recommendation: &Recommendation,
    catalog: &[CapabilityManifest],
    installed: &[InstalledCapability],
    choice: &Choice,
) -> Result<Vec<ChosenCapability>> {
    let mut capabilities = Vec::new();
    for (id, community) in choice
        .capabilities
        .iter()
        .map(|id| (id, false))
        .chain(choice.community.iter().map(|id| (id, true)))
    {
        let manifest = catalog
            .iter()
            .find(|c| &c.id == id)
            .ok_or_else(|| crate::governance::catalog::not_found(id))?;
        let is_community = manifest.trust == TrustTier::Community;
        if is_community != community {
            return Err(Error::invalid(
                "choice",
                if is_community {
                    format!("capability \"{id}\" is a community capability; choose it explicitly as community, after reading its warning")
                } else {
                    format!("capability \"{id}\" is official; choose it as a capability, not as community")
                },
            ));
        }
        capabilities.push(ChosenCapability {
            id: id.clone(),
            name: manifest.name.clone(),
            slots: manifest.slots,
            storage_bytes: manifest.storage_bytes,
            official: !is_community,
            recommended: recommendation.capabilities.iter().any(|c| &c.id == id),
            installed: installed.iter().any(|i| &i.capability_id == id),
            requested: false,
            warning: community_warning(manifest),
            uses: quota::words::uses(
                i64::from(manifest.slots),
                i64::try_from(manifest.storage_bytes).unwrap_or(i64::MAX),
            ),
        });
    }
    let rank = |id: &str| {
        recommendation
            .capabilities
            .iter()
            .position(|c| c.id == id)
            .unwrap_or(usize::MAX)
    };
    capabilities.sort_by(|a, b| rank(&a.id).cmp(&rank(&b.id)).then_with(|| a.id.cmp(&b.id)));
    Ok(capabilities)
}

/// The quota meter: what is installed, plus what requests already waiting will take, plus what
/// the choice adds (an installed or already requested capability costs nothing more) against
/// the tier's limits, why it does not fit and which tier would hold it.
struct QuotaMeter {
    slots_installed: i64,
    slots_requested: i64,
    slots_used: i64,
    storage_installed: i64,
    storage_requested: i64,
    storage_used: i64,
    limits: quota::TierLimits,
    fits: bool,
    over: Vec<String>,
    upgrade: Option<Tier>,
}

impl QuotaMeter {
    fn new(
        tier: Tier,
        installed: &[InstalledCapability],
        waiting: &[Waiting],
        capabilities: &[ChosenCapability],
    ) -> QuotaMeter {
        let slots_installed: i64 = installed.iter().map(|i| i.slots).sum();
        let storage_installed: i64 = installed.iter().map(|i| i.storage_bytes).sum();
        let slots_requested: i64 = waiting.iter().map(|w| w.slots).sum();
        let storage_requested = waiting
            .iter()
            .map(|w| w.storage_bytes)
            .fold(0i64, i64::saturating_add);
        let adding = capabilities.iter().filter(|c| !c.installed && !c.requested);
        let slots_used = slots_installed
            + slots_requested
            + adding.clone().map(|c| i64::from(c.slots)).sum::<i64>();
        let storage_used = storage_installed
            .saturating_add(storage_requested)
            .saturating_add(
                adding
                    .map(|c| i64::try_from(c.storage_bytes).unwrap_or(i64::MAX))
                    .fold(0i64, i64::saturating_add),
            );
        let limits = quota::limits(tier);
        let over = quota::words::choice_over(quota::words::Commitment {
            tier,
            slots_installed,
            slots_requested,
            slots_total: slots_used,
            bytes_installed: storage_installed,
            bytes_requested: storage_requested,
            bytes_total: storage_used,
        });
        let fits = over.is_empty();
        let upgrade = if fits {
            None
        } else {
            recommend::upgrade_for(
                tier,
                u32::try_from(slots_used).unwrap_or(u32::MAX),
                u64::try_from(storage_used).unwrap_or(u64::MAX),
            )
        };
        QuotaMeter {
            slots_installed,
            slots_requested,
            slots_used,
            storage_installed,
            storage_requested,
            storage_used,
            limits,
            fits,
            over,
            upgrade,
        }
    }
}

fn describe_mode(mode: Mode) -> &'static str {
    match mode {
        Mode::Team => "a team",
        Mode::Individual => "one person",
    }
}
