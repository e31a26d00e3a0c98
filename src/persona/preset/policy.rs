//! Per-file policies of a preset (issue 14): for each workspace file or glob, whether a change is
//! a violation (`locked`), becomes a change request (`review`) or is accepted with its history
//! kept (`agent_editable`). Owns the rule type (`file_policy` in `preset.json`), the defaults,
//! the first-match-wins reading of a preset's rules followed by the defaults ([`FilePolicies`],
//! patterns compiled once with `globset`), and the located problems of a preset's rules.
//! Which preset an agent was given, and so its rules, is `provision::applied::policies_for_agent`.

use std::collections::BTreeMap;

use globset::{GlobBuilder, GlobMatcher};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::persona::workspace::RUNTIME_FILES;
use crate::problem::Problem;
use crate::{Error, Result};

/// How a change to a managed workspace file is treated (issue 14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum FilePolicy {
    /// Any change is a violation.
    Locked,
    /// A change becomes a change request.
    Review,
    /// The change is accepted, and its history is kept.
    AgentEditable,
}

impl FilePolicy {
    /// The wire name (`locked`, `review`, `agent_editable`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a wire name; `invalid_input` naming the three policies otherwise.
    pub fn parse(text: &str) -> Result<Self> {
        Error::parse_name("file policy", Some("file policy"), text)
    }
}

/// One rule of a preset: a workspace-relative path or glob and its policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct PolicyRule {
    /// A workspace-relative, '/'-separated path (`SOUL.md`) or glob (`memory/**`, `notes/*.md`);
    /// `*` stays within one folder, `**` crosses folders. [`OPENCLAW_ENTRY`] names the agent's
    /// entry in OpenClaw's config.
    pub path: String,
    /// What a change to a matching file is.
    pub policy: FilePolicy,
}

impl PolicyRule {
    fn new(path: &str, policy: FilePolicy) -> Self {
        PolicyRule {
            path: path.to_owned(),
            policy,
        }
    }
}

/// The name a rule uses for the agent's entry in OpenClaw's config (not a workspace file).
pub const OPENCLAW_ENTRY: &str = "openclaw.json";

/// The pattern of the final default rule, which every path matches.
pub const CATCH_ALL: &str = "**";

/// The most rules a preset may declare.
pub const MAX_RULES: usize = 256;

/// The longest pattern a rule may have, in bytes.
pub const MAX_PATTERN_BYTES: usize = 512;

/// The rule codes [`validate`] and [`validate_value`] report.
pub const RULE_CODES: [&str; 11] = [
    "policy_not_a_list",
    "policy_bad_rule",
    "policy_unknown_policy",
    "policy_too_many",
    "policy_empty",
    "policy_too_long",
    "policy_absolute",
    "policy_parent",
    "policy_backslash",
    "policy_not_normalized",
    "policy_bad_pattern",
];

/// The code [`validate`] gives a path that an earlier rule already names.
pub const DUPLICATE_CODE: &str = "policy_duplicate";

/// The rules that apply when a preset says nothing about a file, in order: SOUL.md, IDENTITY.md
/// and AGENTS.md `review`; USER.md, MEMORY.md and `memory/**` `agent_editable`; the OpenClaw
/// config entry ([`OPENCLAW_ENTRY`]) `locked`; everything else ([`CATCH_ALL`]) `review`, so every
/// path has a policy.
pub fn default_rules() -> Vec<PolicyRule> {
    use FilePolicy::{AgentEditable, Locked, Review};
    vec![
        PolicyRule::new("SOUL.md", Review),
        PolicyRule::new("IDENTITY.md", Review),
        PolicyRule::new("AGENTS.md", Review),
        PolicyRule::new("USER.md", AgentEditable),
        PolicyRule::new("MEMORY.md", AgentEditable),
        PolicyRule::new("memory/**", AgentEditable),
        PolicyRule::new(OPENCLAW_ENTRY, Locked),
        PolicyRule::new(CATCH_ALL, Review),
    ]
}

/// Compiles one pattern as every rule is read: `*` and `?` never match '/', `**` does.
fn compile(pattern: &str) -> std::result::Result<GlobMatcher, globset::Error> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map(|glob| glob.compile_matcher())
}

/// One line of the editor's policy summary: a managed file (or a pattern of further files), its
/// effective policy, and the pattern of the rule that gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PolicyLine {
    /// A file name (`SOUL.md`, [`OPENCLAW_ENTRY`]) or a pattern (`memory/**`).
    pub path: String,
    /// The policy it gets.
    pub policy: FilePolicy,
    /// The pattern of the first rule that matched it.
    pub rule: String,
}

/// A preset's rules followed by the defaults: the first rule whose pattern matches wins.
/// Patterns are compiled once, when built.
#[derive(Debug, Clone)]
pub struct FilePolicies {
    rules: Vec<PolicyRule>,
    /// One matcher per rule; `None` for a pattern that does not compile (which [`validate`]
    /// refuses before a preset is stored), so that rule never matches.
    matchers: Vec<Option<GlobMatcher>>,
}

impl FilePolicies {
    fn from_rules(rules: Vec<PolicyRule>) -> FilePolicies {
        let matchers = rules.iter().map(|r| compile(&r.path).ok()).collect();
        FilePolicies { rules, matchers }
    }

    /// `preset_rules` (from a preset's `file_policy`), then [`default_rules`].
    pub fn effective(preset_rules: &[PolicyRule]) -> FilePolicies {
        let mut rules = preset_rules.to_vec();
        rules.extend(default_rules());
        FilePolicies::from_rules(rules)
    }

    /// [`default_rules`] alone: an agent no preset was applied to.
    pub fn defaults() -> FilePolicies {
        FilePolicies::from_rules(default_rules())
    }

    /// Every rule in the order they are tried (the preset's first, the defaults last).
    pub fn rules(&self) -> &[PolicyRule] {
        &self.rules
    }

    /// The policy of `path` (workspace-relative, '/'-separated) and the pattern of the rule that
    /// gave it. The defaults end with [`CATCH_ALL`], so every path has one.
    pub fn policy_for(&self, path: &str) -> (FilePolicy, &str) {
        self.rules
            .iter()
            .zip(&self.matchers)
            .find(|(_, matcher)| matcher.as_ref().is_some_and(|m| m.is_match(path)))
            .map_or((FilePolicy::Review, CATCH_ALL), |(rule, _)| {
                (rule.policy, rule.path.as_str())
            })
    }

    /// The patterns that can match files not in the baseline's fixed list (they contain '*',
    /// '?', '[', '{' or '/'), each once, in rule order, so a scanner knows which extra files to
    /// look for: `["memory/**"]` for the defaults. The catch-all [`CATCH_ALL`] is left out: it
    /// names no files to look for, only the policy of files found otherwise.
    pub fn glob_patterns(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for rule in &self.rules {
            let path = rule.path.as_str();
            let is_glob = path.contains(['*', '?', '[', '{', '/']);
            if is_glob && path != CATCH_ALL && !out.contains(&path) {
                out.push(path);
            }
        }
        out
    }

    /// What the editor shows: each file the runtime reads and [`OPENCLAW_ENTRY`] with its
    /// policy, then every other pattern the rules name, once, with the policy of its first rule
    /// (the catch-all last).
    pub fn summary(&self) -> Vec<PolicyLine> {
        let mut lines: Vec<PolicyLine> = RUNTIME_FILES
            .iter()
            .chain(std::iter::once(&OPENCLAW_ENTRY))
            .map(|file| {
                let (policy, rule) = self.policy_for(file);
                PolicyLine {
                    path: (*file).to_owned(),
                    policy,
                    rule: rule.to_owned(),
                }
            })
            .collect();
        for rule in &self.rules {
            if !lines.iter().any(|l| l.path == rule.path) {
                lines.push(PolicyLine {
                    path: rule.path.clone(),
                    policy: rule.policy,
                    rule: rule.path.clone(),
                });
            }
        }
        lines
    }
}

fn problem(pointer: String, rule: &'static str, message: String) -> Problem {
    Problem {
        pointer,
        rule,
        message,
    }
}

/// The problem of one pattern on its own, if any.
fn pattern_problem(path: &str) -> Option<(&'static str, String)> {
    let segments: Vec<&str> = path.split('/').collect();
    let drive = matches!(path.as_bytes(), [letter, b':', ..] if letter.is_ascii_alphabetic());
    let found = if path.trim().is_empty() {
        (
            "policy_empty",
            "is empty; give a workspace-relative path such as SOUL.md or memory/**".to_owned(),
        )
    } else if path.len() > MAX_PATTERN_BYTES {
        (
            "policy_too_long",
            format!("is {} bytes; the limit is {MAX_PATTERN_BYTES}", path.len()),
        )
    } else if path.contains('\\') {
        (
            "policy_backslash",
            format!("\"{path}\" has a backslash; separate folders with '/'"),
        )
    } else if path.starts_with('/') || drive {
        (
            "policy_absolute",
            format!("\"{path}\" is absolute; give it relative to the workspace"),
        )
    } else if segments.contains(&"..") {
        (
            "policy_parent",
            format!("\"{path}\" has '..'; a rule names files inside the workspace only"),
        )
    } else if segments.iter().any(|s| s.is_empty() || *s == ".") {
        (
            "policy_not_normalized",
            format!("\"{path}\" has an empty or '.' folder; write it without them"),
        )
    } else if let Err(e) = compile(path) {
        (
            "policy_bad_pattern",
            format!("\"{path}\" is not a valid glob: {}", e.kind()),
        )
    } else {
        return None;
    };
    Some(found)
}

/// Every problem of a preset's rules, located by JSON pointer under `base` (e.g.
/// `"/file_policy"`): more than [`MAX_RULES`] rules (`policy_too_many`, at `base`), and at each
/// rule's `/N/path` an empty, too long, absolute, `..`, backslash, `.`/empty-segment or
/// unparsable pattern (codes in [`RULE_CODES`]) or a path an earlier rule already gives
/// ([`DUPLICATE_CODE`]).
pub fn validate(rules: &[PolicyRule], base: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    if rules.len() > MAX_RULES {
        problems.push(problem(
            base.to_owned(),
            "policy_too_many",
            format!("has {} rules; the limit is {MAX_RULES}", rules.len()),
        ));
    }
    let mut first_at: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, rule) in rules.iter().enumerate() {
        let pointer = format!("{base}/{i}/path");
        if let Some((code, message)) = pattern_problem(&rule.path) {
            problems.push(problem(pointer, code, message));
        } else if let Some(first) = first_at.get(rule.path.as_str()) {
            problems.push(problem(
                pointer,
                DUPLICATE_CODE,
                format!(
                    "\"{}\" is already given by rule {first}; keep one rule per path",
                    rule.path
                ),
            ));
        } else {
            first_at.insert(&rule.path, i);
        }
    }
    problems
}

/// The problems of `file_policy` as JSON, before it is read into [`PolicyRule`]s, so that a rule
/// of the wrong shape is located too: not a list (`policy_not_a_list`), a rule that is not an
/// object with exactly a string `path` and a `policy` (`policy_bad_rule`), an unknown policy
/// name (`policy_unknown_policy`); a value of the right shape gets [`validate`]'s problems.
pub fn validate_value(value: &Value, base: &str) -> Vec<Problem> {
    let Some(items) = value.as_array() else {
        return vec![problem(
            base.to_owned(),
            "policy_not_a_list",
            "must be a list of {\"path\": …, \"policy\": …} rules".to_owned(),
        )];
    };
    let mut problems = Vec::new();
    let mut rules = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match rule_of(item, &format!("{base}/{i}")) {
            Ok(rule) => rules.push(rule),
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() {
        problems = validate(&rules, base);
    }
    problems
}

/// One rule read from JSON, or its problem.
fn rule_of(item: &Value, at: &str) -> std::result::Result<PolicyRule, Problem> {
    let bad = |message: &str| problem(at.to_owned(), "policy_bad_rule", message.to_owned());
    let Some(object) = item.as_object() else {
        return Err(bad("must be an object {\"path\": …, \"policy\": …}"));
    };
    if let Some(key) = object.keys().find(|k| *k != "path" && *k != "policy") {
        return Err(problem(
            format!("{at}/{key}"),
            "policy_bad_rule",
            format!("\"{key}\" is not a field of a rule; a rule has only path and policy"),
        ));
    }
    let Some(path) = object.get("path").and_then(Value::as_str) else {
        return Err(bad("needs \"path\", a workspace-relative path or glob"));
    };
    let policy = match object.get("policy").map(|p| (p, p.as_str())) {
        Some((_, Some(name))) => FilePolicy::parse(name).map_err(|_| {
            problem(
                format!("{at}/policy"),
                "policy_unknown_policy",
                format!("\"{name}\" is not a file policy; use locked, review or agent_editable"),
            )
        })?,
        _ => return Err(bad("needs \"policy\": locked, review or agent_editable")),
    };
    Ok(PolicyRule::new(path, policy))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(pairs: &[(&str, FilePolicy)]) -> Vec<PolicyRule> {
        pairs.iter().map(|(p, f)| PolicyRule::new(p, *f)).collect()
    }

    #[test]
    fn the_defaults_give_every_path_a_policy() {
        use FilePolicy::*;
        let d = FilePolicies::defaults();
        assert_eq!(d.policy_for("SOUL.md"), (Review, "SOUL.md"));
        assert_eq!(d.policy_for("IDENTITY.md"), (Review, "IDENTITY.md"));
        assert_eq!(d.policy_for("AGENTS.md"), (Review, "AGENTS.md"));
        assert_eq!(d.policy_for("USER.md"), (AgentEditable, "USER.md"));
        assert_eq!(d.policy_for("MEMORY.md"), (AgentEditable, "MEMORY.md"));
        assert_eq!(
            d.policy_for("memory/2026-01-01.md"),
            (AgentEditable, "memory/**")
        );
        assert_eq!(
            d.policy_for("memory/a/b/c.md"),
            (AgentEditable, "memory/**")
        );
        assert_eq!(d.policy_for(OPENCLAW_ENTRY), (Locked, OPENCLAW_ENTRY));
        // The catch-all: anything else, at any depth, is review.
        assert_eq!(d.policy_for("TOOLS.md"), (Review, CATCH_ALL));
        assert_eq!(d.policy_for("notes/x/y.txt"), (Review, CATCH_ALL));
        // Exact names match exactly.
        assert_eq!(d.policy_for("sub/SOUL.md"), (Review, CATCH_ALL));
        assert_eq!(d.policy_for("soul.md"), (Review, CATCH_ALL));
        assert_eq!(d.policy_for("memoryx/a.md"), (Review, CATCH_ALL));
        assert_eq!(d.rules().last().map(|r| r.path.as_str()), Some(CATCH_ALL));
        assert_eq!(d.glob_patterns(), ["memory/**"]);
    }

    #[test]
    fn the_first_matching_rule_wins_and_the_preset_s_rules_come_first() {
        use FilePolicy::*;
        let p = FilePolicies::effective(&rules(&[
            ("memory/secret.md", Locked),
            ("memory/**", Review),
            ("SOUL.md", Locked),
            ("SOUL.md*", AgentEditable),
        ]));
        assert_eq!(
            p.policy_for("memory/secret.md"),
            (Locked, "memory/secret.md")
        );
        assert_eq!(p.policy_for("memory/other.md"), (Review, "memory/**"));
        assert_eq!(p.policy_for("SOUL.md"), (Locked, "SOUL.md"));
        assert_eq!(p.policy_for("SOUL.md.bak"), (AgentEditable, "SOUL.md*"));
        // A file the preset does not name falls through to the defaults.
        assert_eq!(p.policy_for("USER.md"), (AgentEditable, "USER.md"));
        assert_eq!(p.rules().len(), 4 + default_rules().len());
        assert_eq!(
            p.glob_patterns(),
            ["memory/secret.md", "memory/**", "SOUL.md*"]
        );
    }

    #[test]
    fn a_single_star_stays_in_its_folder_and_a_double_star_crosses_folders() {
        use FilePolicy::*;
        let p = FilePolicies::effective(&rules(&[
            ("notes/*.md", Locked),
            ("logs/**", AgentEditable),
            ("**/draft.md", Locked),
            ("*.txt", AgentEditable),
            ("log?.md", Locked),
        ]));
        assert_eq!(p.policy_for("notes/a.md"), (Locked, "notes/*.md"));
        assert_eq!(p.policy_for("notes/deep/a.md").1, CATCH_ALL);
        assert_eq!(p.policy_for("logs/a/b/c").1, "logs/**");
        assert_eq!(p.policy_for("draft.md").1, "**/draft.md");
        assert_eq!(p.policy_for("x/y/draft.md").1, "**/draft.md");
        assert_eq!(p.policy_for("a.txt").1, "*.txt");
        assert_eq!(p.policy_for("dir/a.txt").1, CATCH_ALL);
        assert_eq!(p.policy_for("log1.md").1, "log?.md");
        assert_eq!(p.policy_for("log/.md").1, CATCH_ALL);
    }

    #[test]
    fn the_wire_names_round_trip() {
        for policy in [
            FilePolicy::Locked,
            FilePolicy::Review,
            FilePolicy::AgentEditable,
        ] {
            assert_eq!(FilePolicy::parse(policy.as_str()).unwrap(), policy);
            let json = serde_json::to_string(&policy).unwrap();
            assert_eq!(json, format!("\"{}\"", policy.as_str()));
        }
        assert_eq!(FilePolicy::AgentEditable.as_str(), "agent_editable");
        let error = FilePolicy::parse("frozen").unwrap_err();
        assert_eq!(error.code(), "invalid_input");
        assert!(
            error
                .to_string()
                .contains("locked, review or agent_editable"),
            "{error}"
        );
    }

    fn codes(problems: &[Problem]) -> Vec<(&str, &str)> {
        problems
            .iter()
            .map(|p| (p.pointer.as_str(), p.rule))
            .collect()
    }

    #[test]
    fn every_bad_rule_is_located_by_its_pointer() {
        use FilePolicy::*;
        let bad = rules(&[
            ("SOUL.md", Locked),
            ("", Locked),
            ("/etc/passwd", Locked),
            ("../outside.md", Locked),
            ("memory\\a.md", Locked),
            ("notes/[ab", Locked),
            ("SOUL.md", Review),
            ("a//b.md", Review),
            ("./a.md", Review),
            ("C:/x.md", Review),
            (&"x".repeat(MAX_PATTERN_BYTES + 1), Review),
            ("memory/**", AgentEditable),
        ]);
        assert_eq!(
            codes(&validate(&bad, "/file_policy")),
            [
                ("/file_policy/1/path", "policy_empty"),
                ("/file_policy/2/path", "policy_absolute"),
                ("/file_policy/3/path", "policy_parent"),
                ("/file_policy/4/path", "policy_backslash"),
                ("/file_policy/5/path", "policy_bad_pattern"),
                ("/file_policy/6/path", "policy_duplicate"),
                ("/file_policy/7/path", "policy_not_normalized"),
                ("/file_policy/8/path", "policy_not_normalized"),
                ("/file_policy/9/path", "policy_absolute"),
                ("/file_policy/10/path", "policy_too_long"),
            ]
        );
        let duplicate = &validate(&bad, "/file_policy")[5];
        assert!(
            duplicate.message.contains("rule 0"),
            "{}",
            duplicate.message
        );
        let many: Vec<PolicyRule> = (0..=MAX_RULES)
            .map(|i| PolicyRule::new(&format!("f{i}.md"), Review))
            .collect();
        assert_eq!(codes(&validate(&many, "/fp")), [("/fp", "policy_too_many")]);
        assert!(validate(&many[..MAX_RULES], "/fp").is_empty());
        for problem in validate(&bad, "") {
            assert!(RULE_CODES.contains(&problem.rule) || problem.rule == DUPLICATE_CODE);
        }
    }

    #[test]
    fn rules_of_the_wrong_shape_are_located_too() {
        let value = serde_json::json!([
            {"path": "SOUL.md", "policy": "frozen"},
            "SOUL.md",
            {"path": "a.md"},
            {"path": 3, "policy": "locked"},
            {"path": "a.md", "policy": "locked", "why": "x"},
        ]);
        assert_eq!(
            codes(&validate_value(&value, "/file_policy")),
            [
                ("/file_policy/0/policy", "policy_unknown_policy"),
                ("/file_policy/1", "policy_bad_rule"),
                ("/file_policy/2", "policy_bad_rule"),
                ("/file_policy/3", "policy_bad_rule"),
                ("/file_policy/4/why", "policy_bad_rule"),
            ]
        );
        assert_eq!(
            codes(&validate_value(&serde_json::json!({}), "/file_policy")),
            [("/file_policy", "policy_not_a_list")]
        );
        let good = serde_json::json!([{"path": "../x", "policy": "locked"}]);
        assert_eq!(
            codes(&validate_value(&good, "/file_policy")),
            [("/file_policy/0/path", "policy_parent")]
        );
    }

    #[test]
    fn the_summary_names_each_managed_file_then_the_other_patterns() {
        let p = FilePolicies::effective(&rules(&[("TOOLS.md", FilePolicy::Locked)]));
        let summary = p.summary();
        let line = |path: &str| summary.iter().find(|l| l.path == path).unwrap().clone();
        assert_eq!(line("TOOLS.md").policy, FilePolicy::Locked);
        assert_eq!(line("BOOT.md").rule, CATCH_ALL);
        assert_eq!(line(OPENCLAW_ENTRY).policy, FilePolicy::Locked);
        assert_eq!(line("memory/**").policy, FilePolicy::AgentEditable);
        assert_eq!(summary.last().unwrap().path, CATCH_ALL);
        assert_eq!(summary.len(), RUNTIME_FILES.len() + 1 + 2);
    }
}
