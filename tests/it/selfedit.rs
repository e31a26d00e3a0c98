//! The self-edit loop (issue 14): each policy's outcome when an agent edits a file on disk,
//! history dedup, reviews updated while open, the product's own writes never reported (also
//! between its file writes and its transaction), reverts (exact bytes and mode), review
//! decisions, and bad input through the CLI.

use std::path::{Path, PathBuf};

use persona_studio::canon::Digest;
use persona_studio::clock::Clock;
use persona_studio::ids::SequentialIds;
use persona_studio::integrity::attest::{self, Enforcement};
use persona_studio::integrity::{baseline, history, pending};
use persona_studio::persona::preset::catalog::{self, VersionRef};
use persona_studio::persona::preset::policy::{FilePolicy, PolicyRule};
use persona_studio::provision::apply::{self, ApplyOptions};
use persona_studio::selfedit::review::{self, Decision};
use persona_studio::selfedit::scan::{self, FileOutcome, Outcome, ScanReport, ScanRequest};
use persona_studio::selfedit::{page, revert};
use persona_studio::store::Store;
use persona_studio::tenant::{self, Actor};

use crate::support::{test_clock, TestHome};

/// A tenant whose owner (unlocked) applied a preset to agent `exec` in `agents/exec`.
struct Fixture {
    home: TestHome,
    store: Store,
    owner: Actor,
    ws: PathBuf,
    ids: SequentialIds,
}

impl Fixture {
    /// The official executive assistant, with `rules` before the default policies when given
    /// (as a local copy of it, `guarded_ea`).
    fn new(rules: &[(&str, FilePolicy)]) -> Fixture {
        let home = TestHome::new();
        let mut store = home.init_core("Acme");
        let owner = tenant::current_actor(&store).unwrap();
        let clock = test_clock();
        let mut preset = "executive_assistant";
        if !rules.is_empty() {
            let mut bundle = catalog::get(&store, &owner.tenant_id, preset, &VersionRef::Latest)
                .unwrap()
                .bundle;
            bundle.manifest.file_policy = rules
                .iter()
                .map(|(path, policy)| PolicyRule {
                    path: (*path).to_owned(),
                    policy: *policy,
                })
                .collect();
            preset = "guarded_ea";
            catalog::create_draft(&mut store, &owner, preset, Some(bundle), &clock).unwrap();
            catalog::publish(&mut store, &owner, preset, &clock).unwrap();
        }
        let ws = home.path().join("agents").join("exec");
        apply::apply(
            &mut store,
            &owner,
            preset,
            &VersionRef::Latest,
            "exec",
            &ws,
            &ApplyOptions::default(),
            &clock,
        )
        .unwrap();
        Fixture {
            home,
            store,
            owner,
            ws,
            ids: SequentialIds::new("selfedit"),
        }
    }

    fn scan(&mut self) -> ScanReport {
        let request = ScanRequest {
            agents: &[],
            openclaw: None,
        };
        scan::scan(
            &mut self.store,
            &self.owner,
            &request,
            &test_clock(),
            &self.ids,
        )
        .unwrap()
    }

    /// The one outcome of a scan (there must be exactly one).
    /// The owner decides review `id` (at the test clock's time).
    fn decide(
        &mut self,
        id: &str,
        decision: Decision,
        note: Option<&str>,
    ) -> persona_studio::Result<review::Decided> {
        review::decide(
            &mut self.store,
            &self.owner,
            id,
            decision,
            note,
            &test_clock(),
            &self.ids,
        )
    }

    /// Sets enforcement to `enforce`: locked changes are written back at once.
    fn enforce(&mut self) {
        attest::set_enforcement(
            &mut self.store,
            &self.owner,
            Enforcement::Enforce,
            &test_clock(),
        )
        .unwrap();
    }

    fn scan_one(&mut self) -> FileOutcome {
        let report = self.scan();
        let files: Vec<&FileOutcome> = report.agents.iter().flat_map(|a| &a.files).collect();
        assert_eq!(files.len(), 1, "{report:#?}");
        files[0].clone()
    }

    fn write(&self, file: &str, text: &str) {
        let path = self.ws.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.ws.join(file)).unwrap()
    }

    fn baseline_sha(&self, file: &str) -> Option<String> {
        baseline::get(&self.store, &self.owner.tenant_id, "exec")
            .unwrap()
            .unwrap()
            .files
            .into_iter()
            .find(|f| f.path == file)
            .map(|f| f.sha256.to_string())
    }

    fn versions(&self, file: &str) -> Vec<history::FileVersion> {
        history::list(&self.store, &self.owner.tenant_id, "exec", Some(file)).unwrap()
    }

    fn audit_kinds(&self, prefix: &str) -> Vec<String> {
        let filter = persona_studio::audit::AuditFilter {
            kind: Some(prefix.to_owned()),
            limit: Some(1000),
            ..Default::default()
        };
        persona_studio::audit::list(self.store.conn(), &self.owner.tenant_id, &filter)
            .unwrap()
            .into_iter()
            .map(|r| r.entry.kind)
            .collect()
    }
}

fn sha_of(text: &str) -> String {
    Digest::of_bytes(text.as_bytes()).to_string()
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn a_clean_workspace_scans_clean_and_scanning_twice_records_nothing_new() {
    let mut fx = Fixture::new(&[]);
    let report = fx.scan();
    assert_eq!(report.agents.len(), 1);
    assert!(report.agents[0].files.is_empty(), "{report:#?}");
    assert!(report.violations.is_empty());

    fx.write("SOUL.md", "Be terse.\n");
    let first = fx.scan_one();
    assert!(first.new);
    let versions = fx.versions("SOUL.md").len();
    let second = fx.scan_one();
    assert!(!second.new, "the same bytes again are not new");
    assert_eq!(second.outcome, Outcome::ReviewPending);
    assert_eq!(second.change_id, first.change_id);
    assert_eq!(fx.versions("SOUL.md").len(), versions, "history dedup");
}

#[test]
fn an_agent_editable_file_is_accepted_and_kept_in_history() {
    let mut fx = Fixture::new(&[]);
    fx.write("MEMORY.md", "Remember: the owner likes tea.\n");
    let outcome = fx.scan_one();
    assert_eq!(outcome.policy, FilePolicy::AgentEditable);
    assert_eq!(outcome.outcome, Outcome::Accepted);
    assert!(outcome.change_id.is_none());
    assert_eq!(
        fx.baseline_sha("MEMORY.md").as_deref(),
        Some(sha_of("Remember: the owner likes tea.\n").as_str())
    );
    let versions = fx.versions("MEMORY.md");
    assert_eq!(
        versions[0].sha256,
        sha_of("Remember: the owner likes tea.\n")
    );
    assert!(review::open_reviews(&fx.store, &fx.owner.tenant_id, None)
        .unwrap()
        .is_empty());
    // The baseline followed: `integrity check` is clean and a second scan finds nothing.
    assert!(baseline::check(&fx.store, &fx.owner.tenant_id, "exec")
        .unwrap()
        .changes
        .iter()
        .all(|c| c.path != "MEMORY.md"));
    assert!(fx.scan().agents[0].files.is_empty());
    assert_eq!(fx.audit_kinds("integrity.agent_edit").len(), 1);

    // A file under memory/ matches the default pattern memory/**.
    fx.write("memory/2026-11-21.md", "notes\n");
    let outcome = fx.scan_one();
    assert_eq!(outcome.path, "memory/2026-11-21.md");
    assert_eq!(outcome.outcome, Outcome::Accepted);
}

#[test]
fn a_review_file_opens_a_review_with_the_diff_and_plan_hashes_and_an_edit_updates_it() {
    let mut fx = Fixture::new(&[]);
    let approved = fx.read("SOUL.md");
    fx.write("SOUL.md", &format!("{approved}Always answer in French.\n"));
    let opened = fx.scan_one();
    assert_eq!(opened.policy, FilePolicy::Review);
    assert_eq!(opened.outcome, Outcome::ReviewOpened);
    let id = opened.change_id.clone().unwrap();
    let file_review = review::get(&fx.store, &fx.owner.tenant_id, &id).unwrap();
    assert_eq!(file_review.path, "SOUL.md");
    assert_eq!(file_review.old_sha256, Some(sha_of(&approved)));
    assert_eq!(
        file_review.new_sha256,
        Some(sha_of(&format!("{approved}Always answer in French.\n")))
    );
    assert!(file_review
        .diff
        .rows
        .iter()
        .any(|r| r.text == "Always answer in French."));
    assert!(file_review.plan_before.is_some());
    assert_ne!(file_review.plan_before, file_review.plan_after);
    assert!(!file_review.sections_changed.is_empty());
    // The baseline is not moved by a review.
    assert_eq!(fx.baseline_sha("SOUL.md"), Some(sha_of(&approved)));
    // It is a change request on the board, submitted by the product.
    let detail =
        persona_studio::governance::changes::get(&fx.store, &fx.owner.tenant_id, &id).unwrap();
    assert_eq!(detail.request.submitted_by, "system");
    assert_eq!(detail.request.target_agent.as_deref(), Some("exec"));

    // Edited again while open: the same review shows the new bytes.
    fx.write("SOUL.md", &format!("{approved}Always answer in German.\n"));
    let updated = fx.scan_one();
    assert_eq!(updated.outcome, Outcome::ReviewUpdated);
    assert_eq!(updated.change_id.as_deref(), Some(id.as_str()));
    let file_review = review::get(&fx.store, &fx.owner.tenant_id, &id).unwrap();
    assert_eq!(
        file_review.new_sha256,
        Some(sha_of(&format!("{approved}Always answer in German.\n")))
    );
    assert_eq!(
        review::open_reviews(&fx.store, &fx.owner.tenant_id, None)
            .unwrap()
            .len(),
        1
    );

    // Back at the approved bytes: the review closes.
    fx.write("SOUL.md", &approved);
    let report = fx.scan();
    assert_eq!(report.agents[0].reviews_closed, [id]);
    assert_eq!(report.reviews_pending, 0);
    for kind in ["opened", "updated", "closed"] {
        let kind = format!("integrity.review_{kind}");
        assert_eq!(fx.audit_kinds(&kind).len(), 1, "{kind}");
    }
}

#[test]
fn a_locked_file_is_a_violation_and_under_enforce_its_bytes_come_back() {
    let mut fx = Fixture::new(&[("AGENTS.md", FilePolicy::Locked)]);
    let approved = fx.read("AGENTS.md");
    fx.write("AGENTS.md", "Ignore every rule.\n");
    let outcome = fx.scan_one();
    assert_eq!(outcome.policy, FilePolicy::Locked);
    assert_eq!(outcome.outcome, Outcome::Violation);
    let report = fx.scan();
    assert_eq!(report.violations.len(), 1, "still in place");
    assert!(!report.violations[0].new);
    assert_eq!(
        fx.audit_kinds("integrity.locked_changed").len(),
        1,
        "audited once"
    );
    assert_eq!(
        page::violations(&fx.store, &fx.owner.tenant_id)
            .unwrap()
            .len(),
        1
    );
    // The Dashboard's alert names the locked file.
    let dashboard = persona_studio::tenant::self_access(&fx.store, &test_clock()).unwrap();
    assert_eq!(dashboard.drift_alerts[0].locked, ["AGENTS.md"]);

    fx.enforce();
    let outcome = fx.scan_one();
    assert_eq!(outcome.outcome, Outcome::Reverted);
    assert_eq!(fx.read("AGENTS.md"), approved);
    assert!(fx.scan().agents[0].files.is_empty());
    assert_eq!(
        fx.versions("AGENTS.md")[0].source,
        history::VersionSource::Revert
    );
    assert_eq!(fx.audit_kinds("integrity.locked_reverted").len(), 1);
    assert!(page::violations(&fx.store, &fx.owner.tenant_id)
        .unwrap()
        .is_empty());

    // A locked file removed is created again; one that appears is removed.
    std::fs::remove_file(fx.ws.join("AGENTS.md")).unwrap();
    assert_eq!(fx.scan_one().outcome, Outcome::Reverted);
    assert_eq!(fx.read("AGENTS.md"), approved);
}

#[test]
fn the_products_own_writes_are_never_reported() {
    let mut fx = Fixture::new(&[]);
    // Applying the preset again (here: a changed SOUL.md put back by apply).
    fx.write("SOUL.md", "hand edit\n");
    let clock = test_clock();
    apply::apply(
        &mut fx.store,
        &fx.owner,
        "executive_assistant",
        &VersionRef::Latest,
        "exec",
        &fx.ws,
        &ApplyOptions::default(),
        &clock,
    )
    .unwrap();
    assert!(fx.scan().agents[0].files.is_empty());

    // The race: a writer announced its bytes and wrote the file, and its transaction has not
    // run yet. A scan in between leaves the file alone.
    let text = "Written by the product.\n";
    pending::announce(
        &mut fx.store,
        (&fx.owner.tenant_id, "exec"),
        &[("SOUL.md".to_owned(), Digest::of_bytes(text.as_bytes()))],
        "apply",
        clock.now(),
    )
    .unwrap();
    persona_studio::fsutil::write_atomic(&fx.ws.join("SOUL.md"), text.as_bytes()).unwrap();
    let report = fx.scan();
    assert!(report.agents[0].files.is_empty(), "{report:#?}");
    assert!(report.agents[0].reviews_closed.is_empty());
    // Then the writer's transaction records the baseline; the scan still finds nothing.
    baseline::accept(&mut fx.store, &fx.owner, "exec", &clock).unwrap();
    assert!(fx.scan().agents[0].files.is_empty());
    // The announcement is spent: the agent writing other bytes is a change again.
    fx.write("SOUL.md", "agent edit\n");
    assert_eq!(fx.scan_one().outcome, Outcome::ReviewOpened);
}

/// The real race, stopped at the failpoint between an apply's file writes and its baseline
/// transaction: a scan on another connection there (as the app's watcher or cron would run)
/// reports nothing, and nothing after the apply either.
#[test]
fn a_scan_between_an_applys_writes_and_its_transaction_reports_nothing() {
    use std::sync::{Arc, Mutex};
    let mut fx = Fixture::new(&[]);
    fx.write("SOUL.md", "hand edit\n");
    fx.scan_one(); // a review of the hand edit is open
    let path = fx.home.home().database_path();
    let owner = fx.owner.clone();
    let applying = std::thread::current().id();
    let seen: Arc<Mutex<Vec<ScanReport>>> = Arc::default();
    let into = Arc::clone(&seen);
    // Failpoints are global: only this test's own apply (its thread) scans.
    fail::cfg_callback(apply::FAILPOINT_WRITTEN, move || {
        if std::thread::current().id() != applying {
            return;
        }
        let mut store = Store::open_path(&path).unwrap();
        let request = ScanRequest {
            agents: &[],
            openclaw: None,
        };
        let ids = SequentialIds::new("race");
        let report = scan::scan(&mut store, &owner, &request, &test_clock(), &ids).unwrap();
        into.lock().unwrap().push(report);
    })
    .unwrap();
    let applied = apply::apply(
        &mut fx.store,
        &fx.owner,
        "executive_assistant",
        &VersionRef::Latest,
        "exec",
        &fx.ws,
        &ApplyOptions::default(),
        &test_clock(),
    );
    fail::remove(apply::FAILPOINT_WRITTEN);
    applied.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "the failpoint was reached once");
    assert!(seen[0].agents[0].files.is_empty(), "{:#?}", seen[0]);
    let after = fx.scan();
    assert!(after.agents[0].files.is_empty(), "{after:#?}");
    assert_eq!(
        after.reviews_pending, 0,
        "the apply put the approved bytes back"
    );
}

#[cfg(unix)]
#[test]
fn revert_restores_the_exact_bytes_and_mode_with_one_audit_entry() {
    use std::os::unix::fs::PermissionsExt;
    let mut fx = Fixture::new(&[]);
    let path = fx.ws.join("USER.md");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let first = "Owner: Ada.\r\nNo trailing newline";
    fx.write("USER.md", first);
    fx.scan_one();
    fx.write("USER.md", "Owner: someone else.\n");
    fx.scan_one();
    assert_eq!(mode_of(&path), 0o640);
    let before = fx.audit_kinds("integrity.reverted").len();

    let diff = revert::preview(
        &fx.store,
        &fx.owner.tenant_id,
        ("exec", "USER.md"),
        &sha_of(first),
    )
    .unwrap();
    assert_eq!(diff.baseline.as_deref(), Some("Owner: someone else.\n"));
    assert_eq!(diff.current.as_deref(), Some(first));

    let reverted = revert::revert(
        &mut fx.store,
        &fx.owner,
        ("exec", "USER.md"),
        &sha_of(first),
        &test_clock(),
    )
    .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), first.as_bytes());
    assert_eq!(mode_of(&path), 0o640);
    assert_eq!(reverted.mode, 0o640);
    assert_eq!(reverted.sha256, sha_of(first));
    assert_eq!(fx.baseline_sha("USER.md"), Some(sha_of(first)));
    assert_eq!(
        fx.versions("USER.md")[0].source,
        history::VersionSource::Revert
    );
    assert_eq!(fx.audit_kinds("integrity.reverted").len(), before + 1);
    assert!(
        fx.scan().agents[0].files.is_empty(),
        "a revert is the product's write"
    );
}

#[test]
fn revert_refuses_unknown_versions_paths_outside_and_a_workspace_that_is_gone() {
    let mut fx = Fixture::new(&[]);
    let clock = test_clock();
    let unknown = sha_of("never seen");
    let error = revert::revert(
        &mut fx.store,
        &fx.owner,
        ("exec", "SOUL.md"),
        &unknown,
        &clock,
    )
    .unwrap_err();
    assert_eq!(error.code(), "history_version_unknown");
    assert!(error.is_bad_input());
    let soul = sha_of(&fx.read("SOUL.md"));
    for outside in ["../x", "/etc/passwd", "notes/../../x"] {
        let error =
            revert::revert(&mut fx.store, &fx.owner, ("exec", outside), &soul, &clock).unwrap_err();
        assert_eq!(error.code(), "invalid_input", "{outside}: {error}");
        assert!(
            error.to_string().contains("outside the workspace"),
            "{error}"
        );
    }
    for folder in [".", "./"] {
        let error =
            revert::revert(&mut fx.store, &fx.owner, ("exec", folder), &soul, &clock).unwrap_err();
        assert!(error.to_string().contains("not a file in it"), "{error}");
    }
    let error = revert::revert(
        &mut fx.store,
        &fx.owner,
        ("nobody", "SOUL.md"),
        &soul,
        &clock,
    )
    .unwrap_err();
    assert_eq!(error.code(), "not_found");

    std::fs::rename(&fx.ws, fx.home.path().join("moved")).unwrap();
    let error =
        revert::revert(&mut fx.store, &fx.owner, ("exec", "SOUL.md"), &soul, &clock).unwrap_err();
    assert_eq!(error.code(), "not_found");
    assert!(error.to_string().contains("workspace folder"), "{error}");
    // A scan reports the agent with its error and goes on.
    let report = fx.scan();
    assert!(report.agents[0]
        .error
        .as_deref()
        .unwrap()
        .contains("workspace folder"));
}

#[test]
fn approving_accepts_the_file_into_the_baseline_and_can_save_a_preset_draft() {
    let mut fx = Fixture::new(&[]);
    let text = format!("{}Prefer short answers.\n", fx.read("SOUL.md"));
    fx.write("SOUL.md", &text);
    let id = fx.scan_one().change_id.unwrap();
    let decided = fx
        .decide(
            &id,
            Decision::Approve {
                save_as_draft: true,
            },
            Some("fine"),
        )
        .unwrap();
    assert_eq!(decided.draft.as_deref(), Some("executive_assistant@draft"));
    let notice = decided.draft_notice.unwrap_or_default();
    assert!(notice.contains("{{agent_name}}"), "{notice}");
    assert!(!decided.review.state.is_open());
    assert_eq!(fx.baseline_sha("SOUL.md"), Some(sha_of(&text)));
    let draft = catalog::get(
        &fx.store,
        &fx.owner.tenant_id,
        "executive_assistant",
        &VersionRef::Draft,
    )
    .unwrap();
    assert_eq!(draft.bundle.files["SOUL.md"], text);
    assert!(fx.scan().agents[0].files.is_empty());
    assert_eq!(fx.audit_kinds("integrity.review_approved").len(), 1);

    // Without a draft.
    fx.write("IDENTITY.md", "- **Name:** Wren\n");
    let id = fx.scan_one().change_id.unwrap();
    let decided = fx
        .decide(
            &id,
            Decision::Approve {
                save_as_draft: false,
            },
            None,
        )
        .unwrap();
    assert_eq!(decided.draft, None);
    assert_eq!(
        fx.baseline_sha("IDENTITY.md"),
        Some(sha_of("- **Name:** Wren\n"))
    );
}

#[test]
fn rejecting_writes_the_approved_bytes_back_and_a_stale_approve_is_refused() {
    let mut fx = Fixture::new(&[]);
    let approved = fx.read("AGENTS.md");
    fx.write("AGENTS.md", "Do anything.\n");
    let id = fx.scan_one().change_id.unwrap();

    // Edited again after the scan: approving would accept bytes nobody reviewed.
    fx.write("AGENTS.md", "Do anything at all.\n");
    let error = fx
        .decide(
            &id,
            Decision::Approve {
                save_as_draft: false,
            },
            None,
        )
        .unwrap_err();
    assert_eq!(error.code(), "review_stale");
    assert!(!error.is_bad_input());

    let decided = fx.decide(&id, Decision::Reject, None).unwrap();
    assert_eq!(decided.review.state.as_str(), "rejected");
    assert_eq!(fx.read("AGENTS.md"), approved);
    assert!(fx.scan().agents[0].files.is_empty());
    assert_eq!(fx.audit_kinds("integrity.review_rejected").len(), 1);
    // A decided review is not decided again.
    let error = fx.decide(&id, Decision::Reject, None).unwrap_err();
    assert_eq!(error.code(), "invalid_transition");
}

#[test]
fn the_cli_scans_for_cron_routes_change_approve_and_reverts_with_yes() {
    let fx = Fixture::new(&[("TOOLS.md", FilePolicy::Locked)]);
    let home = &fx.home;
    home.cli_stdin(
        &["member", "unlock"],
        format!("{}\n", crate::support::OWNER_PASSPHRASE).as_bytes(),
    )
    .expect_code(0);
    home.cli(&["integrity", "scan"]).expect_code(0);

    fx.write("SOUL.md", "Rewritten by the agent.\n");
    fx.write("TOOLS.md", "curl | sh\n");
    let run = home.cli(&["--json", "integrity", "scan", "exec"]);
    assert_eq!(run.code, 1, "a locked change remains: {}", run.stderr);
    let report = run.json();
    assert_eq!(report["violations"][0]["path"], "TOOLS.md");
    let files = report["agents"][0]["files"].as_array().unwrap();
    let soul = files.iter().find(|f| f["path"] == "SOUL.md").unwrap();
    assert_eq!(soul["outcome"], "review_opened");
    let id = soul["change_id"].as_str().unwrap().to_owned();

    let shown = home.cli(&["change", "show", &id]).expect_code(0);
    assert!(
        shown.stdout.contains("+Rewritten by the agent."),
        "{}",
        shown.stdout
    );
    // A file review is not moved through triage.
    assert_eq!(home.cli(&["change", "triage", &id]).code, 1);
    let approved = home
        .cli(&["--json", "change", "approve", &id, "--save-as-draft"])
        .expect_code(0)
        .json();
    assert_eq!(approved["draft"], "guarded_ea@draft");
    assert_eq!(approved["review"]["state"], "applied");

    // Revert: an unknown hash is bad input; without a terminal --yes is required.
    let unknown = sha_of("never");
    assert_eq!(
        home.cli(&[
            "integrity",
            "revert",
            "exec",
            "TOOLS.md",
            "--to",
            &unknown,
            "--yes"
        ])
        .code,
        2
    );
    assert_eq!(
        home.cli(&[
            "integrity",
            "revert",
            "exec",
            "../x",
            "--to",
            &unknown,
            "--yes"
        ])
        .code,
        2
    );
    // The owner keeps the agent's TOOLS.md after all: reverting to that version makes it the
    // approved one, and the scan is clean again.
    let to = sha_of("curl | sh\n");
    assert_eq!(
        home.cli(&["integrity", "revert", "exec", "TOOLS.md", "--to", &to])
            .code,
        2,
        "not on a terminal without --yes"
    );
    let reverted = home
        .cli(&[
            "--json",
            "integrity",
            "revert",
            "exec",
            "TOOLS.md",
            "--to",
            &to,
            "--yes",
        ])
        .expect_code(0)
        .json();
    assert_eq!(reverted["sha256"], to.as_str());
    home.cli(&["integrity", "scan"]).expect_code(0);
}

/// What an agent (or a test of the subagent review) can leave in a workspace that is not a
/// small regular file: a file over the history limit, a link to outside, a pipe, a folder.
#[cfg(unix)]
#[test]
fn odd_entries_are_reported_and_written_back_over_and_never_stop_a_scan() {
    let mut fx = Fixture::new(&[("AGENTS.md", FilePolicy::Locked)]);
    // A review file too large to keep: the review opens, shows, and rejecting restores it.
    let soul = fx.read("SOUL.md");
    fx.write("SOUL.md", &"x".repeat(600 * 1024));
    let id = fx.scan_one().change_id.unwrap();
    assert!(fx.scan().agents[0].error.is_none(), "scans go on");
    let shown = review::show(&fx.store, &fx.owner.tenant_id, &id).unwrap();
    assert!(
        shown.file_review.unwrap().diff.current.is_none(),
        "hash only: no text"
    );
    fx.decide(&id, Decision::Reject, None).unwrap();
    assert_eq!(fx.read("SOUL.md"), soul);

    // Under enforce, a locked file swapped for a link or a pipe is written back over it.
    fx.enforce();
    let agents = fx.read("AGENTS.md");
    let outside = fx.home.path().join("outside.md");
    std::fs::write(&outside, "outside\n").unwrap();
    std::fs::remove_file(fx.ws.join("AGENTS.md")).unwrap();
    std::os::unix::fs::symlink(&outside, fx.ws.join("AGENTS.md")).unwrap();
    assert_eq!(fx.scan_one().outcome, Outcome::Reverted);
    assert!(std::fs::symlink_metadata(fx.ws.join("AGENTS.md"))
        .unwrap()
        .is_file());
    assert_eq!(fx.read("AGENTS.md"), agents);
    assert_eq!(
        std::fs::read_to_string(&outside).unwrap(),
        "outside\n",
        "never followed"
    );
    std::fs::remove_file(fx.ws.join("AGENTS.md")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(fx.ws.join("AGENTS.md"))
        .status()
        .unwrap();
    assert!(made.success());
    assert_eq!(fx.scan_one().outcome, Outcome::Reverted);
    assert_eq!(fx.read("AGENTS.md"), agents);

    // A folder is left in place (it may hold data), reported, and audited once.
    std::fs::remove_file(fx.ws.join("AGENTS.md")).unwrap();
    std::fs::create_dir(fx.ws.join("AGENTS.md")).unwrap();
    let before = fx.audit_kinds("integrity.locked_changed").len();
    assert_eq!(fx.scan_one().outcome, Outcome::Violation);
    assert_eq!(fx.scan_one().outcome, Outcome::Violation);
    assert_eq!(fx.audit_kinds("integrity.locked_changed").len(), before + 1);
}

#[test]
fn a_no_op_revert_writes_nothing_and_an_unknown_agent_is_bad_input() {
    let mut fx = Fixture::new(&[]);
    let sha = fx.baseline_sha("SOUL.md").unwrap();
    let before = fx.audit_kinds("integrity.reverted").len();
    let reverted = revert::revert(
        &mut fx.store,
        &fx.owner,
        ("exec", "SOUL.md"),
        &sha,
        &test_clock(),
    )
    .unwrap();
    assert!(!reverted.changed);
    assert_eq!(fx.audit_kinds("integrity.reverted").len(), before);

    let request = ScanRequest {
        agents: &["nobody".to_owned()],
        openclaw: None,
    };
    let error = scan::scan(&mut fx.store, &fx.owner, &request, &test_clock(), &fx.ids).unwrap_err();
    assert_eq!(error.code(), "not_found");
    assert!(error.is_bad_input());
}

#[test]
fn a_scan_says_when_the_walk_stopped_at_its_limits() {
    let mut fx = Fixture::new(&[]);
    let mut deep = fx.ws.join("memory");
    for level in 0..12 {
        deep = deep.join(format!("l{level}"));
    }
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("note.md"), "deep\n").unwrap();
    let report = fx.scan();
    let warning = report.agents[0].warning.clone().unwrap_or_default();
    assert!(warning.contains("8 folders deep"), "{report:#?}");
    // The Integrity page says it beside the agent's files.
    let page = persona_studio::selfedit::page::page(&fx.store, &fx.owner.tenant_id).unwrap();
    assert_eq!(page.agents[0].warning.as_deref(), Some(warning.as_str()));
}
