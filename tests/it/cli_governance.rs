//! Governance as a user runs it: the real CLI as a process, passphrases on stdin, the clock
//! pinned with `PERSONA_STUDIO_NOW` and moved forward to test expiry.

use crate::support::TestHome;

const T0: &str = "2026-11-21T12:00:00Z";
const OWNER_PW: &[u8] = b"owner passphrase 1\n";

struct Cli {
    home: TestHome,
    owner: String,
}

impl Cli {
    fn run(&self, now: &str, args: &[&str]) -> crate::support::CliRun {
        self.home.cli_at(now, args, None)
    }

    fn stdin(&self, now: &str, args: &[&str], input: &[u8]) -> crate::support::CliRun {
        self.home.cli_at(now, args, Some(input))
    }

    fn json(&self, now: &str, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        self.run(now, &all).expect_code(0).json()
    }

    /// Adds a customer and returns its id.
    fn add_customer(&self, name: &str) -> String {
        let member = self.json(T0, &["member", "add", "--name", name, "--role", "customer"]);
        member["id"].as_str().unwrap().to_owned()
    }

    fn switch(&self, member: &str) {
        self.run(T0, &["member", "switch", member]).expect_code(0);
    }
}

/// `init --passphrase-stdin` and an unlocked owner.
fn setup(tier: &str) -> Cli {
    let home = TestHome::new();
    let init = home
        .cli_at(
            T0,
            &[
                "init",
                "--tenant",
                "Acme",
                "--owner",
                "Olive",
                "--tier",
                tier,
                "--passphrase-stdin",
                "--json",
            ],
            Some(OWNER_PW),
        )
        .expect_code(0)
        .json();
    assert_eq!(init["unlock"]["has_passphrase"], true);
    assert_eq!(init["unlock"]["unlocked"], false);
    let owner = init["member"]["id"].as_str().unwrap().to_owned();
    let unlocked = home
        .cli_at(T0, &["member", "unlock", "--json"], Some(OWNER_PW))
        .expect_code(0)
        .json();
    assert_eq!(unlocked["unlocked"], true);
    assert_eq!(unlocked["unlocked_until"], "2026-11-21T12:15:00.000Z");
    Cli { home, owner }
}

#[test]
fn a_customer_requests_and_the_unlocked_owner_approves_and_installs() {
    let cli = setup("pro");
    let customer = cli.add_customer("Cass");
    cli.switch(&customer);
    let request = cli.json(
        T0,
        &[
            "install",
            "request",
            "--capability",
            "web_research",
            "--reason",
            "research for me",
        ],
    );
    assert_eq!(request["state"], "pending");
    let id = request["id"].as_str().unwrap().to_owned();
    // The customer can neither approve nor open break-glass.
    let refused = cli
        .run(T0, &["install", "approve", &id, "--json"])
        .expect_code(1);
    assert!(
        refused.stderr.contains("\"code\":\"forbidden\""),
        "{}",
        refused.stderr
    );
    let refused = cli
        .run(
            T0,
            &[
                "breakglass",
                "open",
                "--reason",
                "I would like this right now please",
            ],
        )
        .expect_code(1);
    assert!(
        refused.stderr.contains("Only an owner or admin"),
        "{}",
        refused.stderr
    );
    // The owner, still unlocked, approves; approving installs.
    cli.switch(&cli.owner);
    // Switching ended the earlier unlock: unlock again via stdin.
    let locked = cli.run(T0, &["install", "approve", &id]).expect_code(1);
    assert!(
        locked.stderr.contains("you are locked"),
        "{}",
        locked.stderr
    );
    cli.stdin(T0, &["member", "unlock"], OWNER_PW)
        .expect_code(0);
    let installed = cli.json(T0, &["install", "approve", &id]);
    assert_eq!(installed["state"], "installed");
    assert_eq!(installed["decided_by"], cli.owner.as_str());
    let list = cli.json(T0, &["install", "list", "--state", "installed"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let me = cli.json(T0, &["tenant", "self"]);
    assert_eq!(me["counts"]["installed_capabilities"], 1);
    assert_eq!(me["installed"][0]["capability_id"], "web_research");
    assert_eq!(me["quota"]["slots_used"], 1);
    let text = cli.run(T0, &["tenant", "self"]).expect_code(0).stdout;
    assert!(text.contains("web_research"), "{text}");
    let quota = cli.json(T0, &["quota", "show"]);
    assert_eq!(quota["slots_limit"], 3);
    // Uninstall, then the unlock lapses after 15 minutes.
    cli.json(
        T0,
        &["install", "uninstall", "--capability", "web_research"],
    );
    let locked = cli
        .run(
            "2026-11-21T12:15:00Z",
            &["install", "uninstall", "--capability", "web_research"],
        )
        .expect_code(1);
    assert!(locked.stderr.contains("member unlock"), "{}", locked.stderr);
}

#[test]
fn unlocking_reads_the_passphrase_from_stdin_and_refuses_a_wrong_one() {
    let cli = setup("free");
    let wrong = cli
        .stdin(T0, &["member", "unlock", "--json"], b"not it at all\n")
        .expect_code(1);
    assert!(
        wrong.stderr.contains("wrong_passphrase"),
        "{}",
        wrong.stderr
    );
    let none = cli.stdin(T0, &["member", "unlock"], b"").expect_code(2);
    assert!(none.stderr.contains("stdin"), "{}", none.stderr);
    cli.json(T0, &["member", "lock"]);
    let status = cli.json(T0, &["member", "status"]);
    assert_eq!(status["unlocked"], false);
    let members = cli.json(T0, &["member", "list"]);
    assert_eq!(members[0]["acting"], true);
    // A second passphrase change needs the current one first.
    cli.stdin(
        T0,
        &["member", "set-passphrase"],
        b"owner passphrase 1\nsecond passphrase\n",
    )
    .expect_code(0);
    cli.stdin(
        T0,
        &["member", "unlock", "--timeout", "1h"],
        b"second passphrase\n",
    )
    .expect_code(0);
}

#[test]
fn a_quota_refusal_exits_1_with_the_numbers() {
    let cli = setup("free");
    let customer = cli.add_customer("Cass");
    cli.switch(&customer);
    let request = cli.json(T0, &["install", "request", "--capability", "voice_tts_stt"]);
    let id = request["id"].as_str().unwrap().to_owned();
    cli.switch(&cli.owner);
    cli.stdin(T0, &["member", "unlock"], OWNER_PW)
        .expect_code(0);
    let refused = cli.run(T0, &["install", "approve", &id]).expect_code(1);
    assert!(
        refused
            .stderr
            .contains("0 bytes of 100 MiB storage is used on Free and voice_tts_stt needs 180 MiB"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("move to Pro for 1 GiB"),
        "{}",
        refused.stderr
    );
    // The approval itself was recorded.
    let approved = cli.json(T0, &["install", "list", "--state", "approved"]);
    assert_eq!(approved[0]["id"], id.as_str());
}

#[test]
fn break_glass_opens_reports_and_closes_by_the_clock() {
    let cli = setup("pro");
    let short = cli
        .run(T0, &["breakglass", "open", "--reason", "urgent"])
        .expect_code(2);
    assert!(short.stderr.contains("at least 20"), "{}", short.stderr);
    cli.run(
        T0,
        &[
            "breakglass",
            "open",
            "--reason",
            "Agents are down in production",
            "--ttl",
            "25h",
        ],
    )
    .expect_code(2);
    let opened = cli.json(
        T0,
        &[
            "breakglass",
            "open",
            "--reason",
            "Agents are down in production",
            "--ttl",
            "30m",
        ],
    );
    assert_eq!(opened["state"], "open");
    assert_eq!(opened["expires_at"], "2026-11-21T12:30:00.000Z");
    let status = cli.json("2026-11-21T12:10:00Z", &["breakglass", "status"]);
    assert_eq!(status["open"], true);
    assert_eq!(status["remaining_secs"], 1200);
    // Under break-glass the owner's own request installs at once.
    let installed = cli.json(
        "2026-11-21T12:10:00Z",
        &["install", "request", "--capability", "code_review"],
    );
    assert_eq!(installed["state"], "installed");
    assert_eq!(installed["break_glass_id"], opened["id"]);
    // Past its TTL it is closed, with nothing running in between.
    let status = cli.json("2026-11-21T12:31:00Z", &["breakglass", "status"]);
    assert_eq!(status["open"], false);
    assert_eq!(status["latest"]["state"], "expired");
    // Open again (re-unlock first) and close early.
    cli.stdin("2026-11-21T12:40:00Z", &["member", "unlock"], OWNER_PW)
        .expect_code(0);
    cli.json(
        "2026-11-21T12:40:00Z",
        &[
            "breakglass",
            "open",
            "--reason",
            "Second incident, payments stuck",
        ],
    );
    let closed = cli.json("2026-11-21T12:41:00Z", &["breakglass", "close"]);
    assert_eq!(closed["state"], "closed");
    let again = cli
        .run("2026-11-21T12:42:00Z", &["breakglass", "close", "--json"])
        .expect_code(1);
    assert!(
        again.stderr.contains("invalid_transition"),
        "{}",
        again.stderr
    );
    let text = cli
        .run("2026-11-21T12:42:00Z", &["breakglass", "status"])
        .expect_code(0)
        .stdout;
    assert!(text.contains("closed"), "{text}");
}

#[test]
fn change_requests_and_the_catalog_from_the_cli() {
    let cli = setup("business");
    let catalog = cli.json(T0, &["capability", "list"]);
    let ids: Vec<&str> = catalog
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.len() >= 18 && ids.contains(&"uplay_chromium"),
        "{ids:?}"
    );
    let voice = cli.json(
        T0,
        &[
            "capability",
            "list",
            "--kind",
            "device",
            "--search",
            "voice",
        ],
    );
    assert!(voice
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == "voice_tts_stt"));
    let shown = cli.json(T0, &["capability", "show", "uplay_chromium"]);
    assert!(shown["content_hash"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    cli.run(T0, &["capability", "list", "--kind", "gadget"])
        .expect_code(2);
    let manifest = br#"{"kind":"skill","id":"cli_tool","version":"0.1.0","name":"CLI tool",
        "summary":"Made from the CLI.","risk":"low","scope":["files:read"],"trust":"community",
        "slots":1,"storage_bytes":1000,"traits":["code"]}"#;
    let added = cli
        .stdin(T0, &["capability", "add", "-", "--json"], manifest)
        .expect_code(0)
        .json();
    assert_eq!(added["origin"], "admin");

    let customer = cli.add_customer("Cass");
    cli.switch(&customer);
    cli.stdin(T0, &["capability", "edit", "-"], manifest)
        .expect_code(1);
    let change = cli.json(
        T0,
        &[
            "change",
            "submit",
            "--title",
            "Friendlier greeting",
            "--description",
            "Say hi first",
            "--agent",
            "support-bot",
        ],
    );
    assert_eq!(change["state"], "submitted");
    let id = change["id"].as_str().unwrap().to_owned();
    cli.json(T0, &["change", "comment", &id, "--body", "Any news?"]);
    cli.run(T0, &["change", "triage", &id]).expect_code(1);
    cli.switch(&cli.owner);
    cli.stdin(T0, &["member", "unlock"], OWNER_PW)
        .expect_code(0);
    let wrong = cli
        .run(T0, &["change", "apply", &id, "--json"])
        .expect_code(1);
    assert!(wrong.stderr.contains("is submitted"), "{}", wrong.stderr);
    for (step, state) in [
        ("triage", "triage"),
        ("approve", "approved"),
        ("apply", "applied"),
    ] {
        let moved = cli.json(T0, &["change", step, &id]);
        assert_eq!(moved["state"], state);
    }
    let detail = cli.json(T0, &["change", "show", &id]);
    assert_eq!(detail["comments"][0]["body"], "Any news?");
    assert_eq!(
        cli.json(T0, &["change", "list"]).as_array().unwrap().len(),
        0
    );
    assert_eq!(
        cli.json(T0, &["change", "list", "--all"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// Requests each fit alone, but waiting requests count: a request that overcommits the tier
/// warns, `quota show` lists what waits, an approval that cannot install says how to finish
/// later and how the tier changes, and the owner changes it (a customer cannot; a smaller
/// tier must still hold what is installed).
#[test]
fn waiting_requests_count_against_the_tier_and_the_owner_changes_it() {
    let cli = setup("free");
    let customer = cli.add_customer("Cass");
    cli.switch(&customer);
    let mut ids = Vec::new();
    for (n, capability) in ["web_research", "meeting_notes", "code_review"]
        .iter()
        .enumerate()
    {
        let run = cli
            .run(T0, &["install", "request", "--capability", capability])
            .expect_code(0);
        let warned = run.stderr.contains("not every request can be installed");
        assert_eq!(warned, n == 2, "request {n}: {}", run.stderr);
        ids.push(run.stdout.split_whitespace().nth(1).unwrap().to_owned());
    }
    let quota = cli.json(T0, &["quota", "show"]);
    assert_eq!(
        (
            quota["requested"].as_i64(),
            quota["slots_requested"].as_i64()
        ),
        (Some(3), Some(3))
    );
    assert!(
        quota["overcommitted"]
            .as_str()
            .unwrap()
            .contains("3 ability slots (0 installed, 3 requested); Free allows 2"),
        "{quota}"
    );
    let refused = cli
        .run(T0, &["tenant", "tier", "pro", "--json"])
        .expect_code(1);
    assert!(
        refused.stderr.contains("\"code\":\"forbidden\""),
        "{}",
        refused.stderr
    );

    cli.switch(&cli.owner);
    cli.stdin(T0, &["member", "unlock"], OWNER_PW)
        .expect_code(0);
    for id in &ids[..2] {
        cli.run(T0, &["install", "approve", id]).expect_code(0);
    }
    let full = cli.run(T0, &["install", "approve", &ids[2]]).expect_code(1);
    for needle in [
        "was approved, but not installed",
        &format!("`persona-studio install apply {}`", ids[2]),
        "`persona-studio tenant tier TIER`",
    ] {
        assert!(full.stderr.contains(needle), "{needle} in {}", full.stderr);
    }
    let usage = cli.json(T0, &["tenant", "tier", "pro"]);
    assert_eq!(
        (usage["tier"].as_str(), usage["slots_limit"].as_i64()),
        (Some("pro"), Some(3))
    );
    let installed = cli.json(T0, &["install", "apply", &ids[2]]);
    assert_eq!(installed["state"], "installed");
    let smaller = cli
        .run(T0, &["tenant", "tier", "free", "--json"])
        .expect_code(1);
    assert!(
        smaller.stderr.contains("\"code\":\"quota_exceeded\"")
            && smaller.stderr.contains("Uninstall some first"),
        "{}",
        smaller.stderr
    );
    let audit = cli.json(T0, &["audit", "list", "--kind", "tenant.tier_changed"]);
    let changed = audit.as_array().unwrap();
    assert_eq!(changed.len(), 1, "{audit}");
    assert_eq!(changed[0]["entry"]["data"]["from"], "free", "{audit}");
}
