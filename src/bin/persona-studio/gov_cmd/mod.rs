//! `persona-studio capability|install|breakglass|quota|change|member …`: governance, each
//! subcommand one core call. Passphrases are read from stdin (never from arguments).

mod breakglass;
mod capability;
mod change;
mod install;
mod member;

use std::collections::BTreeMap;

use persona_studio::store::Store;
use persona_studio::tenant::names;

use crate::output::Failure;

pub use breakglass::{
    breakglass_status_text, quota_text, run_breakglass, run_quota, BreakglassCommand, QuotaCommand,
};
pub use capability::{run_capability, CapabilityCommand};
pub use change::{run_change, ChangeCommand};
pub use install::{run_install, InstallCommand};
pub use member::{run_member, set_initial_passphrase, MemberCommand};

/// The duration argument `flag` (such as `--ttl 30m`), in seconds; a unit is required.
fn duration_secs(flag: &'static str, text: Option<&str>) -> Result<Option<i64>, Failure> {
    Ok(text
        .map(|text| persona_studio::governance::breakglass::parse_duration_secs(flag, text))
        .transpose()?)
}

/// One line per item, or `empty` when there is none.
fn lines<T>(items: &[T], empty: &str, line: impl Fn(&T) -> String) -> String {
    if items.is_empty() {
        empty.to_owned()
    } else {
        items.iter().map(line).collect::<Vec<_>>().join("\n")
    }
}

/// Display names by member id, to show a name beside each id in lists.
pub(crate) fn member_names(
    store: &Store,
    tenant: &str,
) -> Result<BTreeMap<String, String>, Failure> {
    Ok(names::display_names(store.conn(), tenant)?)
}

/// `Name (id)` for a member id, or the id alone when no member has it (`system`).
pub(crate) fn who(names: &BTreeMap<String, String>, id: &str) -> String {
    names
        .get(id)
        .map_or_else(|| id.to_owned(), |name| format!("{name} ({id})"))
}
