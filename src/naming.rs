//! Naming rules shared by every layer: what a registry, preset or capability id may look like.

/// lower_snake_case, 1 to 64 characters, starting with a letter, no `__`, no trailing `_`.
pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && id.len() <= 64
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !id.ends_with('_')
        && !id.contains("__")
}
