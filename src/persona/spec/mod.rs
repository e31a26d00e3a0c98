//! Persona spec v1: the Rust types of a persona spec, the JSON Schema that documents it, and a
//! validator that reports every problem in a document at once.
//!
//! A persona spec is a JSON document (all keys snake_case) that says who an AI-agent persona is
//! ([`Identity`]), what it must never do ([`Constitution`]), when it asks before acting
//! ([`DecisionPolicy`]), how it writes ([`Style`]), which procedures it follows for which intents
//! and where ([`IntentModule`]), which tools and sources it may use ([`ToolPolicy`]) and how hard
//! it thinks ([`Reasoning`]). `extensions` holds anything else, uninterpreted.
//!
//! - [`validate_json`] / [`validate_value`] turn untrusted input into a [`PersonaSpec`] or a list
//!   of [`Problem`]s (see [`validate`] for the rule codes).
//! - [`SCHEMA_JSON`] is the JSON Schema (draft 2020-12) of the same format, for editors and
//!   users; a test checks that it agrees with the validator.
//! - [`resolve_reasoning`] picks the reasoning level to ask a model for.
//! - [`sample_spec`] is a realistic, valid spec for tests and documentation.
//!
//! The types trust their contents: build them through the validator (or [`sample_spec`]).
//! Deserializing straight into [`PersonaSpec`] checks shapes but not lengths, patterns,
//! uniqueness or the visibility/context rule.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Defines a fieldless enum whose JSON/TypeScript names, `as_str`, `NAMES`, `ALL`, `Display` and
/// `FromStr` all come from one list, so the validator's messages can never drift from the types.
/// The string impls are strum's derives over that list; `FromStr` fails with [`ParseEnumError`].
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident ($kind:literal) $(derive($($extra:ident),*))? {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS
            $($(, $extra)*)?
        )]
        #[derive(strum::IntoStaticStr, strum::Display, strum::EnumString, strum::VariantNames)]
        #[strum(parse_err_ty = ParseEnumError, parse_err_fn = $name::unknown)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] #[strum(serialize = $text)] $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];
            /// The JSON name of every value, in declaration order.
            pub const NAMES: [&'static str; [$($text),+].len()] = [$($text),+];

            /// The JSON name of this value.
            pub fn as_str(self) -> &'static str {
                self.into()
            }

            /// What `FromStr` says of a text that is none of the names (exact, lowercase, no
            /// surrounding spaces).
            fn unknown(text: &str) -> ParseEnumError {
                ParseEnumError {
                    kind: $kind,
                    got: text.to_string(),
                    expected: $name::NAMES.join(", "),
                }
            }
        }
    };
}

mod reasoning;
pub mod validate;

#[cfg(test)]
mod tests;

pub use reasoning::{
    resolve_reasoning, ReasoningLevel, ReasoningSource, ReasoningVisibility, ResolvedReasoning,
};
pub use validate::{
    describe_problems, validate_json, validate_json_bytes, validate_value, Problem, MAX_DEPTH,
    MAX_DOCUMENT_BYTES, RULE_CODES,
};

/// The JSON Schema (draft 2020-12) of persona spec v1. In this crate the file lives at
/// `schemas/persona-spec-v1.schema.json` under the package root.
pub const SCHEMA_JSON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/schemas/persona-spec-v1.schema.json"
));

/// The `$id` of [`SCHEMA_JSON`].
pub const SCHEMA_ID: &str = "https://persona-studio.dev/schemas/persona-spec-v1.schema.json";

/// The only `schema_version` this module reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// A text that is not the name of any value of an enum; the message lists the valid names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{got:?} is not a valid {kind}; use one of: {expected}")]
pub struct ParseEnumError {
    /// What was being parsed, e.g. "interaction context".
    pub kind: &'static str,
    /// The text that did not match.
    pub got: String,
    /// The valid names, comma-separated.
    pub expected: String,
}

/// A persona spec, version 1. See the module documentation and the JSON Schema for each field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct PersonaSpec {
    /// Always 1 for this format.
    pub schema_version: u32,
    /// lower_snake_case, at most 64 characters.
    pub id: String,
    /// The spec's own revision, 1..=1,000,000.
    pub version: u32,
    pub mode: Mode,
    pub identity: Identity,
    pub constitution: Constitution,
    pub decision_policy: DecisionPolicy,
    pub style: Style,
    /// Always present in JSON, possibly empty.
    pub intent_modules: Vec<IntentModule>,
    pub tool_policy: ToolPolicy,
    pub reasoning: Reasoning,
    /// Anything else, kept as-is and never interpreted.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    #[ts(type = "Record<string, unknown>")]
    pub extensions: Map<String, Value>,
}

string_enum! {
    /// Whether the persona serves a team or one person.
    Mode ("mode") {
        Team = "team",
        Individual = "individual",
    }
}

/// Who the persona is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// 1..=80 characters.
    pub name: String,
    /// 1..=500 characters.
    pub purpose: String,
    /// At most 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub vibe: Option<String>,
    /// At most 16 characters (Unicode scalar values, so most emoji sequences fit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub emoji: Option<String>,
}

/// The rules the persona lives by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Constitution {
    /// 1..=100 rules with unique ids.
    pub rules: Vec<Rule>,
}

/// One constitution rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// lower_snake_case, unique within the constitution.
    pub id: String,
    /// 1..=2000 characters.
    pub text: String,
    pub severity: Severity,
}

string_enum! {
    /// How binding a rule is.
    Severity ("severity") {
        /// Never to be broken.
        Must = "must",
        /// Followed unless there is a stated reason not to.
        Should = "should",
    }
}

/// When the persona acts on its own and when it asks first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct DecisionPolicy {
    pub autonomy: Autonomy,
    /// Situations that go to a human; at most 50, each 1..=500 characters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalate_when: Vec<String>,
    /// Actions that need confirmation first; at most 50, each 1..=500 characters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub confirm_before: Vec<String>,
}

string_enum! {
    /// How freely the persona acts.
    Autonomy ("autonomy") {
        AskFirst = "ask_first",
        Balanced = "balanced",
        Autonomous = "autonomous",
    }
}

/// How the persona writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Style {
    pub verbosity: Verbosity,
    /// At most 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub tone: Option<String>,
    pub output_format: OutputFormat,
    /// A BCP-47-like language tag such as `en` or `pt-BR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub language: Option<String>,
}

string_enum! {
    /// How much the persona writes.
    Verbosity ("verbosity") {
        Terse = "terse",
        Balanced = "balanced",
        Detailed = "detailed",
    }
}

string_enum! {
    /// The format of the persona's answers.
    OutputFormat ("output format") {
        Markdown = "markdown",
        Plain = "plain",
        Json = "json",
    }
}

/// A procedure the persona follows when an intent comes up, in the contexts it lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct IntentModule {
    /// lower_snake_case, unique within `intent_modules`.
    pub id: String,
    /// The intent that triggers the module, 1..=500 characters.
    pub when: String,
    /// 1..=30 steps, each 1..=1000 characters.
    pub procedure: Vec<String>,
    /// 1..=4 distinct contexts, compatible with `visibility`.
    pub contexts: Vec<InteractionContext>,
    pub visibility: Visibility,
}

string_enum! {
    /// Who may see that a module exists and what it says.
    Visibility ("visibility") {
        /// Anyone the persona talks to.
        Public = "public",
        /// Only the owner; never in a public context.
        OwnerOnly = "owner_only",
        /// Only while the owner is training the persona.
        TrainingOnly = "training_only",
    }
}

impl Visibility {
    /// Whether a module with this visibility may run in `context`.
    pub fn allows(self, context: InteractionContext) -> bool {
        match self {
            Visibility::Public => true,
            Visibility::OwnerOnly => !context.is_public(),
            Visibility::TrainingOnly => context == InteractionContext::OwnerTraining,
        }
    }
}

string_enum! {
    /// Where a conversation with the persona happens.
    InteractionContext ("interaction context") {
        /// The owner teaching the persona.
        OwnerTraining = "owner_training",
        /// The owner using the persona.
        OwnerChat = "owner_chat",
        /// Someone else, through a shared link.
        PublicShare = "public_share",
        /// Someone else, through an embedded widget.
        PublicWidget = "public_widget",
    }
}

impl InteractionContext {
    /// Whether people other than the owner are on the other side.
    pub fn is_public(self) -> bool {
        matches!(
            self,
            InteractionContext::PublicShare | InteractionContext::PublicWidget
        )
    }
}

/// Which tools and sources the persona may use, and how it must back its claims.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct ToolPolicy {
    /// Tool names such as `calendar.read`; at most 100, unique. Empty or absent: no tools.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_tools: Vec<String>,
    /// Sources such as URLs or `internal:wiki`; at most 100, unique, each 1..=300 characters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_sources: Vec<String>,
    pub require_citations: bool,
    /// Evidence older than this many days (1..=3650) is not to be relied on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub max_evidence_age_days: Option<u32>,
}

/// How hard the persona thinks; see [`resolve_reasoning`] for how this meets a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Reasoning {
    pub preferred: ReasoningLevel,
    /// Whether the reasoning is shown (OpenClaw's `reasoningDefault`); absent means the
    /// runtime's default (hidden).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub visibility: Option<ReasoningVisibility>,
}

/// A realistic, valid spec: an executive assistant with three rules, three intent modules of
/// different visibilities and a tool policy.
pub fn sample_spec() -> PersonaSpec {
    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_string()).collect()
    }
    use InteractionContext::{OwnerChat, OwnerTraining, PublicShare, PublicWidget};

    let mut extensions = Map::new();
    extensions.insert(
        "studio".to_string(),
        serde_json::json!({ "accent_color": "#d97706", "pinned": true }),
    );

    PersonaSpec {
        schema_version: SCHEMA_VERSION,
        id: "executive_assistant".to_string(),
        version: 3,
        mode: Mode::Individual,
        identity: Identity {
            name: "Ada".to_string(),
            purpose: "Keep the owner's calendar, inbox and travel in order so they can focus on \
                      decisions."
                .to_string(),
            vibe: Some("Calm, precise, quietly funny".to_string()),
            emoji: Some("🦊".to_string()),
        },
        constitution: Constitution {
            rules: vec![
                Rule {
                    id: "no_secrets".to_string(),
                    text: "Never reveal passwords, keys or the owner's private notes, to anyone."
                        .to_string(),
                    severity: Severity::Must,
                },
                Rule {
                    id: "confirm_spending".to_string(),
                    text: "Never spend money or accept an invitation on the owner's behalf \
                           without their explicit confirmation."
                        .to_string(),
                    severity: Severity::Must,
                },
                Rule {
                    id: "cite_sources".to_string(),
                    text: "Say where a fact comes from when it is not common knowledge."
                        .to_string(),
                    severity: Severity::Should,
                },
            ],
        },
        decision_policy: DecisionPolicy {
            autonomy: Autonomy::Balanced,
            escalate_when: strings(&[
                "A message mentions legal action or a complaint",
                "Two meetings the owner marked important overlap",
            ]),
            confirm_before: strings(&[
                "Sending an email on the owner's behalf",
                "Booking or cancelling travel",
            ]),
        },
        style: Style {
            verbosity: Verbosity::Terse,
            tone: Some("Warm but businesslike".to_string()),
            output_format: OutputFormat::Markdown,
            language: Some("en-GB".to_string()),
        },
        intent_modules: vec![
            IntentModule {
                id: "triage_inbox".to_string(),
                when: "The owner asks what needs their attention in the inbox".to_string(),
                procedure: strings(&[
                    "Read unread messages from the last 24 hours",
                    "Group them into urgent, this week and FYI",
                    "Draft one-line replies for the urgent ones and ask before sending",
                ]),
                contexts: vec![OwnerChat, OwnerTraining],
                visibility: Visibility::OwnerOnly,
            },
            IntentModule {
                id: "schedule_meeting".to_string(),
                when: "Someone wants to meet the owner".to_string(),
                procedure: strings(&[
                    "Ask for the purpose and the expected length",
                    "Offer three free slots from the owner's calendar",
                    "Hold the chosen slot and tell the owner",
                ]),
                contexts: vec![OwnerChat, PublicShare, PublicWidget],
                visibility: Visibility::Public,
            },
            IntentModule {
                id: "learn_preferences".to_string(),
                when: "The owner corrects how a task was handled".to_string(),
                procedure: strings(&[
                    "Restate the correction in one sentence",
                    "Propose a rule or module change and wait for approval",
                ]),
                contexts: vec![OwnerTraining],
                visibility: Visibility::TrainingOnly,
            },
        ],
        tool_policy: ToolPolicy {
            allowed_tools: strings(&["calendar.read", "calendar.write", "mail.read", "web.search"]),
            allowed_sources: strings(&["https://docs.example.com/handbook", "internal:wiki"]),
            require_citations: true,
            max_evidence_age_days: Some(30),
        },
        reasoning: Reasoning {
            preferred: ReasoningLevel::High,
            visibility: None,
        },
        extensions,
    }
}
