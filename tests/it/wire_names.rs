//! The enums whose strings strum derives keep one spelling everywhere: the name `as_str` gives
//! (SQLite, text output), the serde name (JSON, IPC, the TypeScript bindings) and the name
//! `FromStr` and the CLI's possible values accept are the same, and an unknown name is refused
//! with the same message as before strum.

use std::fmt::Debug;
use std::str::FromStr;

use persona_studio::fsutil::FileKind;
use persona_studio::governance::breakglass::BreakGlassState;
use persona_studio::governance::catalog::{CapabilityKind, CatalogOrigin, RiskLevel, TrustTier};
use persona_studio::governance::changes::ChangeState;
use persona_studio::governance::installs::InstallState;
use persona_studio::integrity::attest::Enforcement;
use persona_studio::openclaw::{ImportAction, LevelsSource, WriterKind};
use persona_studio::persona::preset::Trust;
use persona_studio::persona::spec::{
    Autonomy, InteractionContext, Mode, OutputFormat, ReasoningLevel, Severity, Verbosity,
    Visibility,
};
use persona_studio::tenant::{Role, Tier};
use serde::de::DeserializeOwned;
use serde::Serialize;
use strum::VariantNames;

/// `names` are exactly `T`'s names, in order, and each one round-trips through every door.
fn check<T>(names: &[&str])
where
    T: VariantNames + FromStr + Into<&'static str> + Serialize + DeserializeOwned,
    T: Copy + PartialEq + Debug,
    T::Err: Debug,
{
    assert_eq!(T::VARIANTS, names);
    for name in names {
        let value: T = name.parse().unwrap();
        assert_eq!(Into::<&'static str>::into(value), *name);
        let json = format!("\"{name}\"");
        assert_eq!(serde_json::to_string(&value).unwrap(), json);
        assert_eq!(serde_json::from_str::<T>(&json).unwrap(), value);
    }
    assert!("Not A Name".parse::<T>().is_err());
}

#[test]
fn every_door_spells_a_value_the_same() {
    check::<Role>(&["owner", "admin", "customer"]);
    check::<Tier>(&["free", "pro", "business"]);
    check::<ChangeState>(&["submitted", "triage", "approved", "rejected", "applied"]);
    check::<InstallState>(&[
        "pending",
        "approved",
        "rejected",
        "expired",
        "installed",
        "uninstalled",
    ]);
    check::<CapabilityKind>(&["skill", "library", "device"]);
    check::<RiskLevel>(&["low", "medium", "high", "critical"]);
    check::<TrustTier>(&["official", "community"]);
    check::<CatalogOrigin>(&["starter", "admin"]);
    check::<Enforcement>(&["off", "observe", "enforce"]);
    check::<FileKind>(&[
        "file",
        "directory",
        "symlink",
        "fifo",
        "socket",
        "block_device",
        "char_device",
        "unknown",
    ]);
    check::<Trust>(&["official", "community", "local"]);
    check::<LevelsSource>(&["given", "table", "unknown"]);
    check::<WriterKind>(&["openclaw_cli", "persona_studio"]);
    check::<ImportAction>(&["imported", "would_import", "already_managed", "skipped"]);
    check::<Mode>(&["team", "individual"]);
    check::<Severity>(&["must", "should"]);
    check::<Autonomy>(&["ask_first", "balanced", "autonomous"]);
    check::<Verbosity>(&["terse", "balanced", "detailed"]);
    check::<OutputFormat>(&["markdown", "plain", "json"]);
    check::<Visibility>(&["public", "owner_only", "training_only"]);
    check::<InteractionContext>(&[
        "owner_training",
        "owner_chat",
        "public_share",
        "public_widget",
    ]);
    check::<ReasoningLevel>(&[
        "off", "minimal", "low", "medium", "high", "xhigh", "adaptive", "max", "ultra",
    ]);
    for (state, name) in [
        (BreakGlassState::Open, "open"),
        (BreakGlassState::Closed, "closed"),
        (BreakGlassState::Expired, "expired"),
    ] {
        assert_eq!(state.as_str(), name);
        assert_eq!(
            serde_json::to_string(&state).unwrap(),
            format!("\"{name}\"")
        );
    }
}

#[test]
fn an_unknown_name_is_refused_naming_the_valid_ones() {
    let message = |e: persona_studio::Error| e.to_string();
    assert_eq!(
        message(Role::parse("boss").unwrap_err()),
        "Invalid role: \"boss\" is not a role; use owner, admin or customer"
    );
    assert_eq!(
        message(Tier::parse("platinum").unwrap_err()),
        "Invalid tier: \"platinum\" is not a tier; use free, pro or business"
    );
    assert_eq!(
        message(Enforcement::parse("sometimes").unwrap_err()),
        "Invalid hash enforcement: \"sometimes\" is not a mode; use off, observe or enforce"
    );
    assert_eq!(
        message(InstallState::parse("done").unwrap_err()),
        "Invalid state: \"done\" is not one of: pending, approved, rejected, expired, installed, uninstalled"
    );
    assert_eq!(
        message(ChangeState::parse("done").unwrap_err()),
        "Invalid state: \"done\" is not one of: submitted, triage, approved, rejected, applied"
    );
    assert_eq!(
        message(CapabilityKind::parse("gadget").unwrap_err()),
        "Invalid kind: \"gadget\" is not one of: skill, library, device"
    );
    assert_eq!(
        "everyone"
            .parse::<InteractionContext>()
            .unwrap_err()
            .to_string(),
        "\"everyone\" is not a valid interaction context; use one of: owner_training, owner_chat, \
         public_share, public_widget"
    );
}
