//! The walk of each field the persona spec v1 format defines: which fields an object has, their
//! limits and patterns, and the rules across fields (unique ids, a module's contexts against its
//! visibility).

use serde_json::Value;

use super::walker::{
    alternatives, describe, is_language_tag, is_snake_id, is_tool_name, quoted, Walker,
    SNAKE_ID_HELP,
};
use super::{
    child, item, DUPLICATE_ID, DUPLICATE_VALUE, SCHEMA_VERSION_RULE, TYPE, VISIBILITY_CONTEXT,
};
use crate::persona::spec::{
    Autonomy, InteractionContext, Mode, OutputFormat, ReasoningLevel, ReasoningVisibility,
    Severity, Verbosity, Visibility, SCHEMA_VERSION,
};

impl Walker {
    /// The whole document: every field of the format, each checked by its own walk.
    pub(super) fn spec(&mut self, value: &Value) {
        const FIELDS: [&str; 12] = [
            "schema_version",
            "id",
            "version",
            "mode",
            "identity",
            "constitution",
            "decision_policy",
            "style",
            "intent_modules",
            "tool_policy",
            "reasoning",
            "extensions",
        ];
        const REQUIRED_FIELDS: [&str; 11] = [
            "schema_version",
            "id",
            "version",
            "mode",
            "identity",
            "constitution",
            "decision_policy",
            "style",
            "intent_modules",
            "tool_policy",
            "reasoning",
        ];
        let Some(map) = self.object(value, "", "the persona spec", &FIELDS, &REQUIRED_FIELDS)
        else {
            return;
        };
        for (key, value) in map {
            let pointer = child("", key);
            let at = pointer.as_str();
            match key.as_str() {
                "schema_version" => self.schema_version(value, at),
                "id" => {
                    self.patterned(value, at, "\"id\"", is_snake_id, SNAKE_ID_HELP);
                }
                "version" => self.integer(value, at, "\"version\"", 1, 1_000_000),
                "mode" => {
                    self.one_of(value, at, "\"mode\"", &Mode::NAMES);
                }
                "identity" => self.identity(value, at),
                "constitution" => self.constitution(value, at),
                "decision_policy" => self.decision_policy(value, at),
                "style" => self.style(value, at),
                "intent_modules" => self.intent_modules(value, at),
                "tool_policy" => self.tool_policy(value, at),
                "reasoning" => self.reasoning(value, at),
                // Anything goes inside extensions; only its own type is checked.
                "extensions" if !value.is_object() => self.push(
                    at,
                    TYPE,
                    format!("\"extensions\" must be an object; got {}", describe(value)),
                ),
                _ => {}
            }
        }
    }

    fn schema_version(&mut self, value: &Value, pointer: &str) {
        match value {
            Value::Number(n) if n.as_u64() == Some(u64::from(SCHEMA_VERSION)) => {}
            Value::Number(n) if n.is_u64() || n.is_i64() => self.push(
                pointer,
                SCHEMA_VERSION_RULE,
                format!(
                    "this is a persona spec v{SCHEMA_VERSION} validator, so \"schema_version\" \
                     must be {SCHEMA_VERSION}; got {n}"
                ),
            ),
            _ => self.push(
                pointer,
                TYPE,
                format!(
                    "\"schema_version\" must be the integer {SCHEMA_VERSION}; got {}",
                    describe(value)
                ),
            ),
        }
    }

    fn identity(&mut self, value: &Value, pointer: &str) {
        const FIELDS: [&str; 4] = ["name", "purpose", "vibe", "emoji"];
        let Some(map) = self.object(
            value,
            pointer,
            "\"identity\"",
            &FIELDS,
            &["name", "purpose"],
        ) else {
            return;
        };
        for (key, value) in map {
            let at = child(pointer, key);
            let limits = match key.as_str() {
                "name" => (1, 80),
                "purpose" => (1, 500),
                "vibe" => (0, 200),
                "emoji" => (0, 16),
                _ => continue,
            };
            self.string(value, &at, &quoted(key), limits.0, limits.1);
        }
    }

    fn constitution(&mut self, value: &Value, pointer: &str) {
        let Some(map) = self.object(value, pointer, "\"constitution\"", &["rules"], &["rules"])
        else {
            return;
        };
        let Some(rules) = map.get("rules") else {
            return;
        };
        let at = child(pointer, "rules");
        let mut ids = Vec::new();
        for (index, rule) in self
            .array(rules, &at, "\"rules\"", 1, 100)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let rule_at = item(&at, index);
            let what = format!("rule {index}");
            const FIELDS: [&str; 3] = ["id", "text", "severity"];
            let Some(rule) = self.object(rule, &rule_at, &what, &FIELDS, &FIELDS) else {
                continue;
            };
            for (key, value) in rule {
                let field_at = child(&rule_at, key);
                match key.as_str() {
                    "id" => {
                        let name = format!("the id of rule {index}");
                        if let Some(id) =
                            self.patterned(value, &field_at, &name, is_snake_id, SNAKE_ID_HELP)
                        {
                            ids.push((field_at, id));
                        }
                    }
                    "text" => {
                        self.string(value, &field_at, "\"text\"", 1, 2000);
                    }
                    "severity" => {
                        self.one_of(value, &field_at, "\"severity\"", &Severity::NAMES);
                    }
                    _ => {}
                }
            }
        }
        self.duplicates(&ids, DUPLICATE_ID, "rule id");
    }

    fn decision_policy(&mut self, value: &Value, pointer: &str) {
        const FIELDS: [&str; 3] = ["autonomy", "escalate_when", "confirm_before"];
        let Some(map) = self.object(
            value,
            pointer,
            "\"decision_policy\"",
            &FIELDS,
            &["autonomy"],
        ) else {
            return;
        };
        for (key, value) in map {
            let at = child(pointer, key);
            match key.as_str() {
                "autonomy" => {
                    self.one_of(value, &at, "\"autonomy\"", &Autonomy::NAMES);
                }
                "escalate_when" | "confirm_before" => {
                    self.string_list(value, &at, key, 50, (1, 500));
                }
                _ => {}
            }
        }
    }

    fn style(&mut self, value: &Value, pointer: &str) {
        const FIELDS: [&str; 4] = ["verbosity", "tone", "output_format", "language"];
        let required = ["verbosity", "output_format"];
        let Some(map) = self.object(value, pointer, "\"style\"", &FIELDS, &required) else {
            return;
        };
        for (key, value) in map {
            let at = child(pointer, key);
            match key.as_str() {
                "verbosity" => {
                    self.one_of(value, &at, "\"verbosity\"", &Verbosity::NAMES);
                }
                "tone" => {
                    self.string(value, &at, "\"tone\"", 0, 200);
                }
                "output_format" => {
                    self.one_of(value, &at, "\"output_format\"", &OutputFormat::NAMES);
                }
                "language" => {
                    let help = "a language tag such as \"en\" or \"pt-BR\" \
                                (2-3 lowercase letters, then -parts of 2-8 letters or digits)";
                    self.patterned(value, &at, "\"language\"", is_language_tag, help);
                }
                _ => {}
            }
        }
    }

    fn intent_modules(&mut self, value: &Value, pointer: &str) {
        let mut ids = Vec::new();
        for (index, module) in self
            .array(value, pointer, "\"intent_modules\"", 0, 64)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if let Some(id) = self.intent_module(module, &item(pointer, index), index) {
                ids.push(id);
            }
        }
        self.duplicates(&ids, DUPLICATE_ID, "intent module id");
    }

    /// Checks one module; returns its id (pointer and text) for the duplicate check.
    fn intent_module<'v>(
        &mut self,
        value: &'v Value,
        pointer: &str,
        index: usize,
    ) -> Option<(String, &'v str)> {
        const FIELDS: [&str; 5] = ["id", "when", "procedure", "contexts", "visibility"];
        let what = format!("intent module {index}");
        let map = self.object(value, pointer, &what, &FIELDS, &FIELDS)?;
        let mut id = None;
        let mut visibility = None;
        let mut contexts = Vec::new();
        for (key, value) in map {
            let at = child(pointer, key);
            match key.as_str() {
                "id" => {
                    let name = format!("the id of intent module {index}");
                    id = self
                        .patterned(value, &at, &name, is_snake_id, SNAKE_ID_HELP)
                        .map(|text| (at, text));
                }
                "when" => {
                    self.string(value, &at, "\"when\"", 1, 500);
                }
                "procedure" => {
                    let items = self.array(value, &at, "\"procedure\"", 1, 30);
                    for (step, entry) in items.unwrap_or_default().iter().enumerate() {
                        let label = format!("step {step} of \"procedure\"");
                        self.string(entry, &item(&at, step), &label, 1, 1000);
                    }
                }
                "contexts" => contexts = self.contexts(value, &at),
                "visibility" => {
                    visibility = self
                        .one_of(value, &at, "\"visibility\"", &Visibility::NAMES)
                        .and_then(|text| text.parse::<Visibility>().ok());
                }
                _ => {}
            }
        }
        if let Some(visibility) = visibility {
            self.visibility_contexts(visibility, &contexts);
        }
        id
    }

    /// Checks `contexts`; returns the valid entries with their pointers.
    fn contexts(&mut self, value: &Value, pointer: &str) -> Vec<(String, InteractionContext)> {
        let mut valid = Vec::new();
        let mut texts = Vec::new();
        let items = self.array(
            value,
            pointer,
            "\"contexts\"",
            1,
            InteractionContext::ALL.len(),
        );
        for (index, entry) in items.unwrap_or_default().iter().enumerate() {
            let at = item(pointer, index);
            let label = format!("item {index} of \"contexts\"");
            if let Some(text) = self.one_of(entry, &at, &label, &InteractionContext::NAMES) {
                if let Ok(context) = text.parse::<InteractionContext>() {
                    valid.push((at.clone(), context));
                }
                texts.push((at, text));
            }
        }
        self.duplicates(&texts, DUPLICATE_VALUE, "context");
        valid
    }

    fn visibility_contexts(
        &mut self,
        visibility: Visibility,
        contexts: &[(String, InteractionContext)],
    ) {
        for (pointer, context) in contexts {
            if visibility.allows(*context) {
                continue;
            }
            let fitting: Vec<&str> = InteractionContext::ALL
                .into_iter()
                .filter(|c| visibility.allows(*c))
                .map(InteractionContext::as_str)
                .collect();
            self.push(
                pointer,
                VISIBILITY_CONTEXT,
                format!(
                    "a module with visibility {} may only run in {}, not in {}; remove this \
                     context or change the visibility",
                    quoted(visibility.as_str()),
                    alternatives(&fitting),
                    quoted(context.as_str())
                ),
            );
        }
    }

    fn tool_policy(&mut self, value: &Value, pointer: &str) {
        const FIELDS: [&str; 4] = [
            "allowed_tools",
            "allowed_sources",
            "require_citations",
            "max_evidence_age_days",
        ];
        let required = ["require_citations"];
        let Some(map) = self.object(value, pointer, "\"tool_policy\"", &FIELDS, &required) else {
            return;
        };
        for (key, value) in map {
            let at = child(pointer, key);
            match key.as_str() {
                "allowed_tools" => {
                    let mut tools = Vec::new();
                    let items = self.array(value, &at, "\"allowed_tools\"", 0, 100);
                    for (index, entry) in items.unwrap_or_default().iter().enumerate() {
                        let entry_at = item(&at, index);
                        let label = format!("item {index} of \"allowed_tools\"");
                        let help =
                            "a tool name: a letter a-z, then up to 63 of a-z, 0-9, _ . : or -";
                        if let Some(tool) =
                            self.patterned(entry, &entry_at, &label, is_tool_name, help)
                        {
                            tools.push((entry_at, tool));
                        }
                    }
                    self.duplicates(&tools, DUPLICATE_VALUE, "tool");
                }
                "allowed_sources" => {
                    let sources = self.string_list(value, &at, key, 100, (1, 300));
                    self.duplicates(&sources, DUPLICATE_VALUE, "source");
                }
                "require_citations" => self.boolean(value, &at, "\"require_citations\""),
                "max_evidence_age_days" => {
                    self.integer(value, &at, "\"max_evidence_age_days\"", 1, 3650);
                }
                _ => {}
            }
        }
    }

    fn reasoning(&mut self, value: &Value, pointer: &str) {
        let fields = ["preferred", "visibility"];
        let Some(map) = self.object(value, pointer, "\"reasoning\"", &fields, &fields[..1]) else {
            return;
        };
        if let Some(preferred) = map.get("preferred") {
            let at = child(pointer, "preferred");
            self.one_of(preferred, &at, "\"preferred\"", &ReasoningLevel::NAMES);
        }
        if let Some(visibility) = map.get("visibility") {
            let at = child(pointer, "visibility");
            self.one_of(
                visibility,
                &at,
                "\"visibility\"",
                &ReasoningVisibility::NAMES,
            );
        }
    }
}
