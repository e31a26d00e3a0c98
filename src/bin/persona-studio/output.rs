//! How the CLI prints: text for people, `--json` for machines, and errors as `{code, message}`.

use std::io::Write;
use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use persona_studio::doctor::DoctorReport;
use persona_studio::tenant::SelfAccess;
use persona_studio::Error;
use serde::Serialize;

/// A failure on its way to the user, with the exit code it earns.
#[derive(Debug)]
pub struct Failure {
    code: String,
    message: String,
    exit: u8,
}

impl Failure {
    /// The same failure with another exit code.
    pub fn with_exit(mut self, exit: u8) -> Self {
        self.exit = exit;
        self
    }

    /// A failure whose details were already printed as the command's output.
    pub fn silent(exit: u8) -> Self {
        Failure {
            code: String::new(),
            message: String::new(),
            exit,
        }
    }

    pub fn new(code: &str, message: impl Into<String>, exit: u8) -> Self {
        Failure {
            code: code.to_owned(),
            message: message.into(),
            exit,
        }
    }

    /// The same failure with `before` in front of its message and `after` behind it (and its
    /// hint), for a step that failed after an earlier one succeeded.
    pub fn around(mut self, before: &str, after: &str) -> Self {
        self.message = format!("{before} {} {after}", self.message);
        self
    }

    /// The same failure with a front-end hint (a command to run) after its message.
    pub fn with_hint(mut self, hint: &str) -> Self {
        self.message = format!("{} {hint}", self.message);
        self
    }

    pub fn usage(code: &str, message: impl Into<String>) -> Self {
        Failure {
            code: code.to_owned(),
            message: message.into(),
            exit: 2,
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let message = match cli_hint(&error) {
            Some(hint) => format!("{error} {hint}"),
            None => error.to_string(),
        };
        Failure {
            code: error.code().to_owned(),
            message,
            exit: if error.is_bad_input() { 2 } else { 1 },
        }
    }
}

/// `text` as one word of a POSIX shell command line (quoted when it needs to be), so that a
/// suggested command pastes as it reads.
pub fn shell_word(text: &str) -> String {
    // try_quote fails only on a NUL byte, which no path or id holds.
    shlex::try_quote(text).map_or_else(|_| text.to_owned(), |quoted| quoted.into_owned())
}

/// The command to run next, for errors whose fix is a CLI command. The core speaks of the domain
/// only; the app adds its own hint (a button) for the same error.
fn cli_hint(error: &Error) -> Option<String> {
    let hint = match error {
        Error::NotInitialized { home } => {
            return Some(format!(
                "Run `persona-studio --home {} init` first.",
                shell_word(&home.display().to_string())
            ))
        }
        Error::Locked(_) => {
            "Run `persona-studio member unlock` (it reads the passphrase from stdin)."
        }
        Error::NoPassphrase { .. } => {
            "Set one with `persona-studio member set-passphrase` (it reads the passphrase from stdin); an owner's or admin's first passphrase is set by an unlocked owner or admin with `persona-studio member set-passphrase --member ID`."
        }
        Error::WrongPassphrase { .. } => {
            "An owner or admin shows it with `persona-studio backup passphrase show`."
        }
        Error::ReviewStale(_) => {
            "Run `persona-studio integrity scan` to update the review, then `persona-studio change show ID` and decide again."
        }
        Error::QuotaExceeded(_) => {
            "The owner changes the tier with `persona-studio tenant tier TIER` (free, pro or business)."
        }
        Error::DestinationCredentials { .. } => {
            "Remove it and add it again with `persona-studio destination add --label LABEL --kind KIND`."
        }
        Error::OpenClaw {
            code: "openclaw_plan_changed" | "openclaw_plan_unknown",
            ..
        } => {
            "Show the plan with `persona-studio openclaw sync --agent AGENT --dry-run`, then pass the hash it prints to --plan."
        }
        Error::OpenClaw {
            code: "openclaw_entry_included",
            ..
        } => "Give the OpenClaw CLI with --openclaw-bin PATH (or put `openclaw` on PATH).",
        _ => return None,
    };
    Some(hint.to_owned())
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
}

pub struct Output {
    json: bool,
}

impl Output {
    pub fn new(json: bool) -> Self {
        Output { json }
    }

    /// Prints a result: as JSON, or as the text `human` builds.
    pub fn value<T: Serialize>(&self, value: &T, human: impl FnOnce() -> String) {
        let text = if self.json {
            serde_json::to_string_pretty(value)
                .unwrap_or_else(|e| format!("{{\"code\":\"internal\",\"message\":\"{e}\"}}"))
        } else {
            human()
        };
        let mut stdout = std::io::stdout().lock();
        // A closed pipe (`| head`) is not worth a panic.
        let _ = writeln!(stdout, "{text}");
    }

    /// Prints notes about a result (warnings, hashes) to stderr, in text mode only: under
    /// `--json` they are fields of the value, and stdout stays the result alone either way.
    pub fn notes(&self, notes: impl FnOnce() -> String) {
        if !self.json {
            let text = notes();
            if !text.is_empty() {
                eprintln!("{text}");
            }
        }
    }

    /// Prints an error to stderr and returns its exit code.
    pub fn failure(&self, failure: &Failure) -> ExitCode {
        if failure.message.is_empty() {
            return ExitCode::from(failure.exit);
        }
        let mut stderr = std::io::stderr().lock();
        if self.json {
            let body = ErrorBody {
                code: &failure.code,
                message: &failure.message,
            };
            let _ = writeln!(
                stderr,
                "{}",
                serde_json::to_string(&body).unwrap_or_default()
            );
        } else {
            let _ = writeln!(stderr, "error: {}", failure.message);
        }
        ExitCode::from(failure.exit)
    }
}

/// A command line clap refused. With `--json`, a value that is not one of an argument's possible
/// values is the `{code, message}` every other bad input is; anything else (help and version
/// included) is printed by clap as usual, with its exit code (2 for a usage error).
/// Reports a command line clap could not parse: under `--json` as `{code: "usage", message}`
/// like every other failure (exit 2), otherwise as clap prints it. Help and version requests
/// are printed as they are, whatever the flags.
pub fn parse_error(error: clap::Error, json: bool) -> ExitCode {
    let asked_for_text = matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    );
    if !json || asked_for_text {
        error.exit()
    }
    let message = if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        missing_subcommand_message(&error)
    } else {
        invalid_value_message(&error).unwrap_or_else(|| plain_message(&error))
    };
    let code = if error.kind() == ErrorKind::InvalidValue {
        "invalid_input"
    } else {
        "usage"
    };
    Output::new(true).failure(&Failure::usage(code, message))
}

/// `a subcommand is missing; one of: show. Usage: persona-studio quota <COMMAND>`, from the
/// help clap would print instead.
fn missing_subcommand_message(error: &clap::Error) -> String {
    let help = error.render().to_string();
    let mut lines = help.lines().map(str::trim);
    let usage = lines
        .clone()
        .find(|line| line.starts_with("Usage:"))
        .unwrap_or("")
        .to_owned();
    let commands: Vec<&str> = lines
        .by_ref()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .collect();
    format!(
        "a subcommand is missing; one of: {}. {usage}",
        commands.join(", ")
    )
}

/// clap's own text without its `error: ` prefix and the closing help pointer, on one line per
/// fact: `unrecognized subcommand 'bogus' Usage: persona-studio [OPTIONS] <COMMAND>`.
fn plain_message(error: &clap::Error) -> String {
    let text = error.render().to_string();
    let text = text.trim().trim_start_matches("error: ");
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("For more information"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `Invalid --tier: "platinum" is not one of: free, pro, business`, from clap's error context.
fn invalid_value_message(error: &clap::Error) -> Option<String> {
    let text = |kind| match error.get(kind) {
        Some(ContextValue::String(text)) => Some(text.as_str()),
        _ => None,
    };
    let arg = text(ContextKind::InvalidArg)?;
    let arg = arg.split(' ').next().unwrap_or(arg);
    let value = text(ContextKind::InvalidValue)?;
    let Some(ContextValue::Strings(valid)) = error.get(ContextKind::ValidValue) else {
        return None;
    };
    if valid.is_empty() {
        return None;
    }
    Some(format!(
        "Invalid {arg}: \"{value}\" is not one of: {}",
        valid.join(", ")
    ))
}

pub fn doctor_text(report: &DoctorReport) -> String {
    let mut text = format!("Persona Studio doctor: {}\n", report.home);
    for check in &report.checks {
        let mark = if check.ok { "ok    " } else { "FAILED" };
        text.push_str(&format!("  {mark} {:<15} {}\n", check.name, check.detail));
        if let Some(fix) = &check.fix {
            text.push_str(&format!("         {:<15} fix: {fix}\n", ""));
        }
    }
    text.push_str(if report.ok {
        "All checks passed."
    } else {
        "Some checks failed."
    });
    text
}

pub fn self_access_text(context: &SelfAccess) -> String {
    let mut text = format!(
        "Tenant:  {} ({}, tier {})\nMember:  {} ({}, role {}, {})\nMembers: {}\nAudit entries: {}\nQuota:   {}\nCatalog entries: {}",
        context.tenant.name,
        context.tenant.id,
        context.tenant.tier.as_str(),
        context.member.display_name,
        context.member.id,
        context.member.role.as_str(),
        match context.unlock.unlocked_until {
            Some(until) => format!("unlocked until {until}"),
            None => "locked".to_owned(),
        },
        context.counts.members,
        context.counts.audit_entries,
        crate::gov_cmd::quota_text(&context.quota),
        context.counts.catalog_entries,
    );
    text.push_str(&format!(
        "\nInstalled ({}):",
        context.counts.installed_capabilities
    ));
    for item in &context.installed {
        text.push_str(&format!(
            "\n  {} {} ({})",
            item.capability_id, item.version, item.name
        ));
    }
    text.push_str(&format!(
        "\nPending install requests: {}",
        context.counts.pending_requests
    ));
    for r in &context.pending_requests {
        text.push_str(&format!(
            "\n  {} {} by {}",
            r.id, r.capability_id, r.requested_by
        ));
    }
    text.push_str(&format!(
        "\n{}",
        crate::gov_cmd::breakglass_status_text(&context.break_glass)
    ));
    text.push_str(&format!(
        "\nOpen change requests: {}",
        context.counts.open_change_requests
    ));
    for c in &context.open_changes {
        text.push_str(&format!("\n  {} {} {}", c.id, c.state.as_str(), c.title));
    }
    text
}
