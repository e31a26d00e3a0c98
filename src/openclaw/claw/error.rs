//! What can be wrong with a Claw package we are asked to read, in the words of OpenClaw's own
//! reader (openclaw 2026.9.6, `docs/cli/claws.md`: paths stay inside the package, files are
//! regular, not symlinked and not hard-linked, sizes are bounded, and a `CLAW.md` body excludes
//! a `SOUL.md` sidecar). Every message names the path inside the package and says how to fix it;
//! none names a command.

/// A refused Claw package; [`ClawError::code`] is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClawError {
    /// A path that would leave the package: absolute, with `..`, `.` or empty segments, outside
    /// the archive's `package/` root, or with characters OpenClaw refuses in portable paths.
    #[error("The Claw names the path \"{path}\", which {reason}. Every path in a Claw must stay inside the package: relative, with no \"..\" segment. Fix the path and try again.")]
    UnsafePath {
        /// The path as written in the package.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A symbolic link where the package must hold a file (or a folder on the way to one).
    #[error("\"{path}\" in the Claw is a symbolic link. A Claw must hold its files itself; replace the link with the file it points to.")]
    Symlink {
        /// The path inside the package.
        path: String,
    },

    /// A hard link, a folder, a device, a pipe or a socket where a file is expected.
    #[error("\"{path}\" in the Claw is {kind}, not a regular file. A Claw holds only regular files; replace it with a plain copy of the file.")]
    NotRegularFile {
        /// The path inside the package.
        path: String,
        /// What it is instead (`a hard link`, `a folder`, …).
        kind: &'static str,
    },

    /// One file is over its limit; it was not read past the limit.
    #[error("\"{path}\" in the Claw is larger than {limit} bytes, the most a Claw may hold there; it was not read. Make it smaller.")]
    TooLarge {
        /// The path inside the package.
        path: String,
        /// The limit in bytes.
        limit: u64,
    },

    /// The files together are over a limit (the workspace sources, or an archive's contents
    /// once unpacked); reading stopped at the limit.
    #[error("The Claw's {what} add up to more than {limit} bytes, the most a Claw may hold; reading stopped there. Make the package smaller.")]
    TotalTooLarge {
        /// What was counted (`workspace files`, `unpacked archive`).
        what: &'static str,
        /// The limit in bytes.
        limit: u64,
    },

    /// An archive with more entries than any Claw needs.
    #[error("The Claw archive has more than {limit} entries; a Claw needs a handful. It was not read further.")]
    TooManyEntries {
        /// The limit.
        limit: usize,
    },

    /// A `SOUL.md` sidecar next to a non-empty `CLAW.md` body: which one is the soul?
    #[error("The Claw has a SOUL.md sidecar (\"{sidecar}\") and a non-empty CLAW.md body; the body is the agent's SOUL.md, so only one may be there. Remove the sidecar, or empty the body.")]
    SoulConflict {
        /// The sidecar's path inside the package.
        sidecar: String,
    },

    /// A file the package declares (or every package needs) is not there.
    #[error("The Claw has no \"{path}\". {fix}")]
    Missing {
        /// The path inside the package.
        path: String,
        /// What to do.
        fix: &'static str,
    },

    /// A file that is there but is not what a Claw allows (bad JSON, YAML or schema, not UTF-8).
    #[error("\"{path}\" in the Claw is not valid: {detail}.")]
    Invalid {
        /// The path inside the package.
        path: String,
        /// What is wrong, with its place when known.
        detail: String,
    },

    /// Something OpenClaw accepts in a Claw but a preset cannot carry; importing would lose it.
    #[error("The Claw's {what} cannot become part of a preset: {detail}. Remove it from the Claw to import the rest.")]
    Unsupported {
        /// What it is (`packages`, `workspace file "notes/a.md"`, …).
        what: String,
        /// Why a preset cannot carry it.
        detail: String,
    },

    /// The path given is neither a package folder nor a gzip tarball.
    #[error("{path} is not a Claw package: {detail}. Give a package folder (with package.json and CLAW.md) or an npm-style .tgz.")]
    NotAPackage {
        /// The path given.
        path: String,
        /// What it is instead.
        detail: String,
    },
}

impl ClawError {
    /// A stable, snake_case code for scripts and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            ClawError::UnsafePath { .. } => "claw_unsafe_path",
            ClawError::Symlink { .. } => "claw_symlink",
            ClawError::NotRegularFile { .. } => "claw_not_regular_file",
            ClawError::TooLarge { .. } => "claw_too_large",
            ClawError::TotalTooLarge { .. } => "claw_total_too_large",
            ClawError::TooManyEntries { .. } => "claw_too_many_entries",
            ClawError::SoulConflict { .. } => "claw_soul_conflict",
            ClawError::Missing { .. } => "claw_missing_file",
            ClawError::Invalid { .. } => "claw_invalid",
            ClawError::Unsupported { .. } => "claw_unsupported",
            ClawError::NotAPackage { .. } => "claw_not_a_package",
        }
    }
}

impl From<ClawError> for crate::Error {
    fn from(error: ClawError) -> Self {
        crate::Error::OpenClaw {
            code: error.code(),
            bad_input: true,
            message: error.to_string(),
        }
    }
}
