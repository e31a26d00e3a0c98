//! The TypeScript types of everything that crosses IPC, generated from the Rust types into
//! `ui/src/lib/bindings.ts`. The test fails when the committed file is stale; regenerate it with
//! `cargo xtask bindings` (which runs this test with `UPDATE_BINDINGS=1`).

#[cfg(test)]
mod tests {
    use persona_studio::doctor::{Check, DoctorReport};
    use persona_studio::integrity::audit::{AuditEntry, AuditFilter, AuditRecord, VerifyReport};
    use persona_studio::integrity::baseline::{
        AgentIntegrity, Attribute, Baseline, Change, ChangeKind, DriftReport, FileDiff, FileState,
    };
    use persona_studio::persona::compile::{
        Budget, Conflict, FileBudget, Layer, Part, PromptPlan, Section, SectionKind, SettingValue,
        Source, Trace, Warning,
    };
    use persona_studio::persona::spec::{InteractionContext, Problem};
    use persona_studio::persona::versions::{StoredVersion, VersionState, VersionSummary};
    use persona_studio::persona::workspace::PersonaFile;
    use persona_studio::tenant::{
        InitRequest, MemberInfo, Role, SelfAccess, SelfCounts, TenantInfo, Tier,
    };
    use persona_studio::textdiff::{DiffRow, RowKind};
    use ts_rs::TS;

    use crate::commands::{AppInfo, SpecCheck};
    use crate::IpcError;

    fn typescript() -> String {
        let declarations = [
            IpcError::decl(),
            AppInfo::decl(),
            Role::decl(),
            Tier::decl(),
            InitRequest::decl(),
            TenantInfo::decl(),
            MemberInfo::decl(),
            SelfCounts::decl(),
            SelfAccess::decl(),
            Check::decl(),
            DoctorReport::decl(),
            Problem::decl(),
            SpecCheck::decl(),
            InteractionContext::decl(),
            PersonaFile::decl(),
            SectionKind::decl(),
            Source::decl(),
            Part::decl(),
            Section::decl(),
            Layer::decl(),
            SettingValue::decl(),
            Conflict::decl(),
            Warning::decl(),
            FileBudget::decl(),
            Budget::decl(),
            Trace::decl(),
            PromptPlan::decl(),
            VersionState::decl(),
            VersionSummary::decl(),
            StoredVersion::decl(),
            FileState::decl(),
            ChangeKind::decl(),
            Attribute::decl(),
            Change::decl(),
            DriftReport::decl(),
            Baseline::decl(),
            RowKind::decl(),
            DiffRow::decl(),
            FileDiff::decl(),
            AgentIntegrity::decl(),
            AuditEntry::decl(),
            AuditRecord::decl(),
            AuditFilter::decl(),
            VerifyReport::decl(),
        ];
        let mut out = String::from(
            "// Generated from the Rust types by `cargo xtask bindings`. Do not edit by hand.\n\n",
        );
        for declaration in declarations {
            out.push_str("export ");
            out.push_str(&declaration);
            out.push_str("\n\n");
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    }

    #[test]
    fn typescript_bindings_are_fresh() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts");
        let generated = typescript();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &generated).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} is stale. Run `cargo xtask bindings` and commit the result.",
            path.display()
        );
    }
}
