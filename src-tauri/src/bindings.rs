//! The TypeScript types of everything that crosses IPC, generated from the Rust types into
//! `ui/src/lib/bindings.ts`. Only the types commands take and return are listed; everything
//! they reference is found by walking ts-rs dependencies. The test fails when the committed file
//! is stale; regenerate it with `cargo xtask bindings` (this test with `UPDATE_BINDINGS=1`).

/// Fails when the committed generated file at `path` differs from `generated`; with
/// `UPDATE_BINDINGS` set, writes it instead (`cargo xtask bindings`).
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) fn assert_fresh(path: &std::path::Path, generated: &str) {
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(path, generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale. Run `cargo xtask bindings` and commit the result.",
        path.display()
    );
}

#[cfg(test)]
mod tests {
    use std::any::TypeId;
    use std::collections::BTreeMap;

    use persona_studio::audit::{AuditFilter, AuditRecord, VerifyReport};
    use persona_studio::doctor::DoctorReport;
    use persona_studio::integrity::baseline::{AgentIntegrity, Baseline, FileDiff};
    use persona_studio::persona::compile::PromptPlan;
    use persona_studio::persona::spec::InteractionContext;
    use persona_studio::persona::versions::{StoredVersion, VersionSummary};
    use persona_studio::tenant::{InitRequest, SelfAccess};
    use ts_rs::{TypeVisitor, TS};

    use persona_studio::governance::breakglass::{BreakGlass, BreakGlassStatus};
    use persona_studio::governance::catalog::{Capability, CatalogFilter};
    use persona_studio::governance::changes::{
        ChangeAction, ChangeComment, ChangeDetail, ChangeRequest, NewChange,
    };
    use persona_studio::governance::installs::{ApprovalInput, InstallRequest, RequestInput};
    use persona_studio::governance::quota::QuotaUsage;
    use persona_studio::tenant::members::{MemberSummary, UnlockStatus};

    use persona_studio::persona::preset::catalog::{
        LabelInfo, PresetFilter, PresetSummary, PresetVersion,
    };
    use persona_studio::persona::preset::editing::{PresetCheck, PresetTexts};
    use persona_studio::provision::apply::{ApplyOptions, ApplyReport};

    use persona_studio::onboarding::accept::AcceptOutcome;
    use persona_studio::onboarding::customize::{Choice, Customization};
    use persona_studio::onboarding::recommend::Answer;
    use persona_studio::onboarding::session::WizardState;

    use persona_studio::backup::destinations::{DestinationInfo, DestinationSpec};
    use persona_studio::backup::drives::Volume;
    use persona_studio::backup::remind::ReminderStatus;
    use persona_studio::backup::{
        BackupRecord, ExportOutcome, Preview, Progress, RestoreReport, RestoreTarget,
        VerifyReport as BackupVerifyReport,
    };

    use crate::backup_commands::{BackupLocation, RevealedPassphrase};
    use crate::commands::{AppInfo, SpecCheck};
    use crate::IpcError;

    /// Declarations by type name; visiting a type adds it and, recursively, what it references.
    #[derive(Default)]
    struct Declarations(BTreeMap<String, (TypeId, String)>);

    impl TypeVisitor for Declarations {
        fn visit<T: TS + 'static + ?Sized>(&mut self) {
            // Built-in types (String, Vec, Option, …) have no declaration of their own.
            if T::output_path().is_none() {
                return;
            }
            if let Some((seen, _)) = self.0.get(&T::ident()) {
                // Two Rust types with one TypeScript name would silently drop one of them.
                assert!(
                    *seen == TypeId::of::<T>(),
                    "two Rust types are both named {} in TypeScript; give one #[ts(rename)]",
                    T::ident()
                );
                return;
            }
            self.0.insert(T::ident(), (TypeId::of::<T>(), T::decl()));
            T::visit_dependencies(self);
        }
    }

    fn typescript() -> String {
        let mut declarations = Declarations::default();
        declarations.visit::<IpcError>();
        declarations.visit::<AppInfo>();
        declarations.visit::<persona_studio::openclaw::claw::ClawExport>();
        declarations.visit::<persona_studio::openclaw::Status>();
        declarations.visit::<persona_studio::openclaw::SyncPlan>();
        declarations.visit::<persona_studio::openclaw::SyncOutcome>();
        declarations.visit::<persona_studio::openclaw::ImportReport>();
        declarations.visit::<InitRequest>();
        declarations.visit::<SelfAccess>();
        declarations.visit::<DoctorReport>();
        declarations.visit::<SpecCheck>();
        declarations.visit::<InteractionContext>();
        declarations.visit::<PromptPlan>();
        declarations.visit::<VersionSummary>();
        declarations.visit::<StoredVersion>();
        declarations.visit::<AgentIntegrity>();
        declarations.visit::<FileDiff>();
        declarations.visit::<Baseline>();
        declarations.visit::<persona_studio::selfedit::page::IntegrityPage>();
        declarations.visit::<persona_studio::selfedit::scan::ScanReport>();
        declarations.visit::<persona_studio::selfedit::revert::Reverted>();
        declarations.visit::<persona_studio::selfedit::review::Decided>();
        declarations.visit::<crate::watch::IntegrityChanged>();
        declarations.visit::<AuditFilter>();
        declarations.visit::<AuditRecord>();
        declarations.visit::<VerifyReport>();
        declarations.visit::<persona_studio::integrity::attest::AttestedPlan>();
        declarations.visit::<MemberSummary>();
        declarations.visit::<UnlockStatus>();
        declarations.visit::<Capability>();
        declarations.visit::<CatalogFilter>();
        declarations.visit::<RequestInput>();
        declarations.visit::<ApprovalInput>();
        declarations.visit::<InstallRequest>();
        declarations.visit::<QuotaUsage>();
        declarations.visit::<BreakGlass>();
        declarations.visit::<BreakGlassStatus>();
        declarations.visit::<NewChange>();
        declarations.visit::<ChangeAction>();
        declarations.visit::<ChangeRequest>();
        declarations.visit::<ChangeDetail>();
        declarations.visit::<ChangeComment>();
        declarations.visit::<PresetFilter>();
        declarations.visit::<PresetSummary>();
        declarations.visit::<PresetVersion>();
        declarations.visit::<PresetTexts>();
        declarations.visit::<PresetCheck>();
        declarations.visit::<LabelInfo>();
        declarations.visit::<ApplyOptions>();
        declarations.visit::<ApplyReport>();
        declarations.visit::<WizardState>();
        declarations.visit::<Answer>();
        declarations.visit::<Choice>();
        declarations.visit::<Customization>();
        declarations.visit::<AcceptOutcome>();
        declarations.visit::<DestinationSpec>();
        declarations.visit::<BackupLocation>();
        declarations.visit::<RevealedPassphrase>();
        declarations.visit::<DestinationInfo>();
        declarations.visit::<Volume>();
        declarations.visit::<BackupRecord>();
        declarations.visit::<ExportOutcome>();
        declarations.visit::<BackupVerifyReport>();
        declarations.visit::<Preview>();
        declarations.visit::<RestoreReport>();
        declarations.visit::<RestoreTarget>();
        declarations.visit::<Progress>();
        declarations.visit::<ReminderStatus>();
        let mut out = String::from(
            "// Generated from the Rust types by `cargo xtask bindings`. Do not edit by hand.\n",
        );
        for (_, declaration) in declarations.0.values() {
            out.push_str("\nexport ");
            out.push_str(declaration);
            out.push('\n');
        }
        out
    }

    #[test]
    fn typescript_bindings_are_fresh() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts");
        super::assert_fresh(&path, &typescript());
    }
}
