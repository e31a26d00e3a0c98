//! Onboarding: the versioned question bank (data in `onboarding/questions.json`) and its
//! validation, the recommender, the stored wizard session per member, customizing a
//! recommendation against the tier's quota, accepting it, and the plain-language sentences
//! that explain a recommendation ([`explain`]).

pub mod accept;
pub mod answers;
pub mod customize;
pub mod explain;
pub mod questions;
pub mod recommend;
pub mod session;

pub use accept::{accept, customize_for_tenant, AcceptOutcome};
pub use customize::{customize, Choice, Customization};
pub use session::{WizardState, WizardStatus};

#[cfg(test)]
mod tests {
    use ts_rs::TS;

    /// The wizard's types cross IPC: their TypeScript declarations must generate, with numbers
    /// (not bigint) for indices, sizes and counts.
    #[test]
    fn typescript_declarations_generate() {
        let all = [
            super::WizardState::decl(),
            super::WizardStatus::decl(),
            super::AcceptOutcome::decl(),
            super::accept::RequestedCapability::decl(),
            super::Choice::decl(),
            super::Customization::decl(),
            super::customize::ChosenCapability::decl(),
            super::customize::ChosenPreset::decl(),
            super::recommend::Recommendation::decl(),
        ]
        .join("\n");
        assert!(!all.contains("bigint"), "{all}");
        for needle in [
            "current: number | null",
            "storage_used: number",
            "recommendation: Recommendation | null",
            "harness_profile: unknown",
            "status: WizardStatus",
        ] {
            assert!(all.contains(needle), "{needle} in {all}");
        }
    }
}
