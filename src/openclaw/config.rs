//! Reading `openclaw.json` the way OpenClaw reads it: JSON5, `$include` followed, `${VAR}` kept
//! as written. Follows openclaw 2026.9.6 `docs/gateway/configuration/common-tasks.md` ("Split
//! config into multiple files"), whose rules this mirrors:
//!
//! - `$include: "file"` replaces the object holding it; `$include: [a, b]` deep-merges the files
//!   in order (objects merge, arrays concatenate, later scalars win); keys beside `$include` are
//!   merged over the included content.
//! - Relative paths resolve against the including file's folder. Every include must stay inside
//!   the folder holding `openclaw.json`, both as written and after following symlinks.
//! - At most [`MAX_INCLUDE_DEPTH`] nested levels, no cycles, each file a regular file with one
//!   hard link and at most [`MAX_FILE_BYTES`] (OpenClaw's own limits).
//!
//! Reads are bounded beyond OpenClaw's rules too: [`MAX_TOTAL_BYTES`] over all files and
//! [`MAX_NESTING`] levels of brackets per file, checked before the JSON5 parser runs. Nothing
//! here substitutes `${VAR}`: values stay exactly as written.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Value};

use super::OpenClawError;
use crate::{Error, Result};

/// The largest config or include file read (OpenClaw's `MAX_INCLUDE_FILE_BYTES`).
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;
/// The most bytes read for one config with all its includes.
pub const MAX_TOTAL_BYTES: u64 = 16 * 1024 * 1024;
/// How deep includes may nest (OpenClaw's limit).
pub const MAX_INCLUDE_DEPTH: usize = 10;
/// How deep brackets may nest inside one file.
pub const MAX_NESTING: usize = 256;
/// Include paths must be shorter than this, as written and resolved (OpenClaw's limit).
const MAX_INCLUDE_PATH: usize = 4096;

/// A config as OpenClaw would see it, with every `$include` resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigFiles {
    /// The merged document.
    pub value: Value,
    /// The config file itself as parsed, its `$include`s not followed.
    pub raw: Value,
    /// The included files, in the order they were read (lexical paths).
    pub includes: Vec<PathBuf>,
    /// The files (the config and its includes) that hold JSON5 comments, which no writer
    /// keeps.
    pub commented: Vec<PathBuf>,
}

/// Reads the config at `path` (absolute) and every file it includes.
pub fn read_config(path: &Path) -> Result<ConfigFiles> {
    let path = normalize(path);
    let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let root_real = std::fs::canonicalize(&root).map_err(|e| Error::io("resolve", &root, e))?;
    let mut reader = Reader {
        root,
        root_real,
        total: 0,
        includes: Vec::new(),
        commented: Vec::new(),
    };
    let text = reader.read(&path, &path)?;
    let raw = reader.parse(&path, &text)?;
    let value = reader.expand(raw.clone(), &path, std::slice::from_ref(&path))?;
    Ok(ConfigFiles {
        value,
        raw,
        includes: reader.includes,
        commented: reader.commented,
    })
}

/// `path` with `.` and `..` resolved without touching the disk (like Node's `path.normalize`).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

struct Reader {
    /// The folder holding `openclaw.json`, as written, and with symlinks resolved.
    root: PathBuf,
    root_real: PathBuf,
    total: u64,
    includes: Vec<PathBuf>,
    commented: Vec<PathBuf>,
}

impl Reader {
    /// Parses one file's text, noting whether it has comments.
    fn parse(&mut self, path: &Path, text: &str) -> Result<Value> {
        let value = parse_json5(path, text)?;
        if scan(text, MAX_NESTING).comments {
            self.commented.push(path.to_path_buf());
        }
        Ok(value)
    }

    /// Reads one regular file as UTF-8, refusing it before reading when it is too large.
    /// `shown` is the path named in errors.
    fn read(&mut self, path: &Path, shown: &Path) -> Result<String> {
        let metadata = std::fs::metadata(path).map_err(|e| Error::io("read", shown, e))?;
        if !metadata.is_file() {
            return Err(OpenClawError::NotAFile {
                path: shown.to_path_buf(),
                kind: kind_of(&metadata),
            }
            .into());
        }
        let too_large = || OpenClawError::TooLarge {
            path: shown.to_path_buf(),
            limit: MAX_FILE_BYTES,
        };
        if metadata.len() > MAX_FILE_BYTES {
            return Err(too_large().into());
        }
        let file = std::fs::File::open(path).map_err(|e| Error::io("read", shown, e))?;
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io("read", shown, e))?;
        let length = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if length > MAX_FILE_BYTES {
            return Err(too_large().into());
        }
        self.total = self.total.saturating_add(length);
        if self.total > MAX_TOTAL_BYTES {
            return Err(OpenClawError::Invalid {
                path: shown.to_path_buf(),
                at: "the config".to_owned(),
                detail: format!(
                    "and its includes are larger than {MAX_TOTAL_BYTES} bytes together; they were not read"
                ),
            }
            .into());
        }
        String::from_utf8(bytes).map_err(|e| {
            OpenClawError::NotJson5 {
                path: shown.to_path_buf(),
                detail: format!(
                    "it is not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            }
            .into()
        })
    }

    /// Resolves every `$include` inside `value`, which was read from `file`; `chain` is the
    /// files that led here, the config itself first.
    fn expand(&mut self, value: Value, file: &Path, chain: &[PathBuf]) -> Result<Value> {
        match value {
            Value::Array(items) => items
                .into_iter()
                .map(|item| self.expand(item, file, chain))
                .collect::<Result<Vec<_>>>()
                .map(Value::Array),
            Value::Object(mut map) => {
                let include = map.remove("$include");
                let mut rest = Map::new();
                for (key, item) in map {
                    rest.insert(key, self.expand(item, file, chain)?);
                }
                let Some(include) = include else {
                    return Ok(Value::Object(rest));
                };
                let included = self.include(&include, file, chain)?;
                if rest.is_empty() {
                    return Ok(included);
                }
                if !included.is_object() {
                    return Err(refused(
                        file,
                        &describe(&include),
                        "keys beside $include need the included content to be an object",
                    ));
                }
                Ok(deep_merge(included, Value::Object(rest)))
            }
            other => Ok(other),
        }
    }

    fn include(&mut self, include: &Value, file: &Path, chain: &[PathBuf]) -> Result<Value> {
        match include {
            Value::String(written) => self.load(written, file, chain),
            Value::Array(items) => {
                let mut merged = Value::Object(Map::new());
                for item in items {
                    let Value::String(written) = item else {
                        return Err(refused(
                            file,
                            &describe(include),
                            "a list of includes may hold only paths",
                        ));
                    };
                    merged = deep_merge(merged, self.load(written, file, chain)?);
                }
                Ok(merged)
            }
            other => Err(refused(
                file,
                &describe(other),
                "$include must be a path or a list of paths",
            )),
        }
    }

    /// Reads one included file, checked as OpenClaw checks it, and expands its own includes.
    fn load(&mut self, written: &str, file: &Path, chain: &[PathBuf]) -> Result<Value> {
        let refuse = |reason: String| refused(file, written, &reason);
        if chain.len() > MAX_INCLUDE_DEPTH {
            return Err(refuse(format!(
                "includes nest deeper than {MAX_INCLUDE_DEPTH} levels"
            )));
        }
        if written.contains('\0') || written.len() >= MAX_INCLUDE_PATH {
            return Err(refuse(format!(
                "an include path must have no NUL byte and fewer than {MAX_INCLUDE_PATH} characters"
            )));
        }
        let folder = file.parent().unwrap_or(&self.root);
        let target = normalize(&folder.join(written));
        if !target.starts_with(&self.root) || target.as_os_str().len() >= MAX_INCLUDE_PATH {
            return Err(refuse(format!(
                "it is outside the config folder {}",
                self.root.display()
            )));
        }
        let real = match std::fs::canonicalize(&target) {
            Ok(real) => real,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(refuse(format!("{} does not exist", target.display())));
            }
            Err(e) => return Err(Error::io("resolve", &target, e)),
        };
        if !real.starts_with(&self.root_real) {
            return Err(refuse(format!(
                "it leads outside the config folder through a symlink (to {})",
                real.display()
            )));
        }
        if chain.contains(&target) {
            let mut cycle: Vec<String> = chain.iter().map(|p| p.display().to_string()).collect();
            cycle.push(target.display().to_string());
            return Err(refuse(format!(
                "it includes itself: {}",
                cycle.join(" -> ")
            )));
        }
        if real.is_file() && hard_links(&real) > 1 {
            return Err(refuse(format!(
                "{} has more than one hard link",
                target.display()
            )));
        }
        let text = self.read(&real, &target)?;
        let value = self.parse(&target, &text)?;
        self.includes.push(target.clone());
        let mut deeper = chain.to_vec();
        deeper.push(target.clone());
        self.expand(value, &target, &deeper)
    }
}

fn refused(file: &Path, include: &str, reason: &str) -> Error {
    OpenClawError::IncludeRefused {
        path: file.to_path_buf(),
        include: include.to_owned(),
        reason: reason.to_owned(),
    }
    .into()
}

fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// OpenClaw's merge for includes: objects merge recursively, arrays concatenate, and otherwise
/// `source` wins.
pub fn deep_merge(target: Value, source: Value) -> Value {
    match (target, source) {
        (Value::Object(mut into), Value::Object(from)) => {
            for (key, value) in from {
                let merged = match into.remove(&key) {
                    Some(existing) => deep_merge(existing, value),
                    None => value,
                };
                into.insert(key, merged);
            }
            Value::Object(into)
        }
        (Value::Array(mut into), Value::Array(from)) => {
            into.extend(from);
            Value::Array(into)
        }
        (_, source) => source,
    }
}

/// Parses JSON5 (comments, trailing commas, unquoted keys, single quotes), after checking that
/// brackets nest at most [`MAX_NESTING`] deep so the parser's recursion stays bounded.
pub fn parse_json5(path: &Path, text: &str) -> Result<Value> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let not_json5 = |detail: String| -> Error {
        OpenClawError::NotJson5 {
            path: path.to_path_buf(),
            detail,
        }
        .into()
    };
    if let Some((line, column)) = scan(text, MAX_NESTING).too_deep {
        return Err(not_json5(format!(
            "it nests deeper than {MAX_NESTING} levels at line {line}, column {column}"
        )));
    }
    json5::from_str::<Value>(text).map_err(|e| not_json5(e.to_string()))
}

/// What [`scan`] finds in a JSON5 text before it is parsed.
struct TextScan {
    /// The 1-based line and column where brackets first nest deeper than the limit.
    too_deep: Option<(usize, usize)>,
    /// Whether it holds a comment (up to that point).
    comments: bool,
}

/// Walks a JSON5 text once, skipping strings: where brackets first nest deeper than `limit`,
/// and whether there are comments.
fn scan(text: &str, limit: usize) -> TextScan {
    let mut found = TextScan {
        too_deep: None,
        comments: false,
    };
    let mut depth = 0usize;
    let (mut line, mut column) = (1usize, 0usize);
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    let mut comment: Option<bool> = None; // Some(true): a block comment; Some(false): a line comment.
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
            column = 0;
        } else {
            column += 1;
        }
        match (quote, comment) {
            (Some(_), _) if c == '\\' => {
                // An escape: skip the escaped character (a line continuation is counted above).
                if chars.peek() != Some(&'\n') {
                    chars.next();
                    column += 1;
                }
            }
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, Some(false)) if c == '\n' => comment = None,
            (None, Some(true)) if c == '*' && chars.peek() == Some(&'/') => {
                chars.next();
                column += 1;
                comment = None;
            }
            (None, Some(_)) => {}
            (None, None) => match c {
                '"' | '\'' => quote = Some(c),
                '/' if chars.peek() == Some(&'/') => {
                    comment = Some(false);
                    found.comments = true;
                }
                '/' if chars.peek() == Some(&'*') => {
                    chars.next();
                    column += 1;
                    comment = Some(true);
                    found.comments = true;
                }
                '{' | '[' => {
                    depth += 1;
                    if depth > limit {
                        found.too_deep = Some((line, column));
                        return found;
                    }
                }
                '}' | ']' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
    }
    found
}

#[cfg(unix)]
fn kind_of(metadata: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = metadata.file_type();
    if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a named pipe"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "a device"
    } else {
        "not a plain file"
    }
}

#[cfg(not(unix))]
fn kind_of(metadata: &std::fs::Metadata) -> &'static str {
    if metadata.is_dir() {
        "a folder"
    } else {
        "not a plain file"
    }
}

#[cfg(unix)]
fn hard_links(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).map(|m| m.nlink()).unwrap_or(1)
}

#[cfg(not(unix))]
fn hard_links(_path: &Path) -> u64 {
    1
}
