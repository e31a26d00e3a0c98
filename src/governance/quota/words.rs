//! Every sentence about quota that a person reads, in the app and in the CLI: what an item
//! uses, how much of the plan is in use, what waiting requests would add, why an item does
//! not fit and which plan holds it, refusals and the overcommit warning. One place, so that
//! "slot(s)", raw byte counts and option ids cannot creep back into what customers read
//! (issue #19). Bytes read as [`format_bytes`] writes them (IEC units: KiB, MiB, GiB).

use crate::auth::Tier;

use super::{format_bytes, larger_tier_holding, limits, tier_label, TierLimits};

/// `n` with the noun in the right number: `1 slot`, `3 slots`, `0 requests`.
pub fn count(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `1 slot`, `3 slots`.
pub fn slots(n: i64) -> String {
    count(n, "slot", "slots")
}

/// What an item takes: `1 slot and 12 MiB`, `2 slots` when it stores nothing, `12 MiB` when
/// it takes no slot.
pub fn footprint(slot_count: i64, bytes: i64) -> String {
    match (slot_count, bytes) {
        (0, b) if b > 0 => format_bytes(b),
        (n, b) if b > 0 => format!("{} and {}", slots(n), format_bytes(b)),
        (n, _) => slots(n),
    }
}

/// One item's line: `Uses 1 slot and 12 MiB`.
pub fn uses(slot_count: i64, bytes: i64) -> String {
    format!("Uses {}", footprint(slot_count, bytes))
}

/// The slot meter's words: `Uses 2 of your 3 slots on Pro`.
pub fn slots_of_plan(used: i64, limit: i64, tier: Tier) -> String {
    let noun = if limit == 1 { "slot" } else { "slots" };
    format!("Uses {used} of your {limit} {noun} on {}", tier_label(tier))
}

/// The storage meter's words: `Uses 12 MiB of your 1 GiB of storage`.
pub fn storage_of_plan(used: i64, limit: i64) -> String {
    format!(
        "Uses {} of your {} of storage",
        format_bytes(used),
        format_bytes(limit)
    )
}

/// What requests still waiting would add, or `None` when none waits:
/// `2 waiting requests would add 2 slots and 12 MiB.`
pub fn waiting(requested: i64, slot_count: i64, bytes: i64) -> Option<String> {
    (requested > 0).then(|| {
        format!(
            "{} waiting would add {}.",
            count(requested, "request", "requests"),
            footprint(slot_count, bytes)
        )
    })
}

/// What a choice's slot meter counts besides the choice, or `None` when no request waits:
/// `Counts 1 slot already installed and 2 slots requested and waiting.`
pub fn counted(installed: i64, requested: i64) -> Option<String> {
    (requested > 0).then(|| {
        format!(
            "Counts {} already installed and {} requested and waiting.",
            slots(installed),
            slots(requested)
        )
    })
}

/// What a plan lacks for one more item, as the numbers the sentence needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shortfall {
    pub tier: Tier,
    /// What the item needs.
    pub slots: i64,
    pub bytes: i64,
    /// What is already taken on the plan before the item.
    pub slots_taken: i64,
    pub bytes_taken: i64,
}

impl Shortfall {
    fn limits(&self) -> TierLimits {
        limits(self.tier)
    }

    fn slots_short(&self) -> bool {
        self.slots_taken.saturating_add(self.slots) > self.limits().slots
    }
}

/// Why an item was left out of a recommendation, and the smallest plan whose own
/// recommendation includes it (`fits_on`, found by the recommender):
/// `Doesn't fit on Free: it needs 310 MiB and your plan has 100 MiB. It fits on Pro.`
pub fn doesnt_fit(shortfall: Shortfall, fits_on: Option<Tier>) -> String {
    let limits = shortfall.limits();
    let slots_short = shortfall.slots_short();
    let storage_short =
        shortfall.bytes_taken.saturating_add(shortfall.bytes) > limits.storage_bytes;
    let slots_has = || {
        let left = (limits.slots - shortfall.slots_taken).max(0);
        match (left, limits.slots) {
            (0, 1) => "your plan's only slot is taken".to_owned(),
            (0, n) => format!("your plan's {n} slots are all taken"),
            (left, _) => format!("your plan has {} left", slots(left)),
        }
    };
    let storage_has = || {
        let left = (limits.storage_bytes - shortfall.bytes_taken).max(0);
        if left == limits.storage_bytes {
            format!("your plan has {}", format_bytes(limits.storage_bytes))
        } else {
            format!(
                "your plan has {} left of {}",
                format_bytes(left),
                format_bytes(limits.storage_bytes)
            )
        }
    };
    let need = match (slots_short, storage_short) {
        (true, true) => {
            let left = (limits.slots - shortfall.slots_taken).max(0);
            let slots_left = if left == 0 {
                "no slot left".to_owned()
            } else {
                format!("{} left", slots(left))
            };
            format!(
                "it needs {} and {}, and your plan has {slots_left} and {}",
                slots(shortfall.slots),
                format_bytes(shortfall.bytes),
                storage_has().trim_start_matches("your plan has ")
            )
        }
        (true, false) => format!("it needs {} and {}", slots(shortfall.slots), slots_has()),
        _ => format!(
            "it needs {} and {}",
            format_bytes(shortfall.bytes),
            storage_has()
        ),
    };
    let holds = match fits_on {
        Some(t) => format!("It fits on {}.", tier_label(t)),
        None => "No plan has room for it with the rest of this bundle.".to_owned(),
    };
    format!(
        "Doesn't fit on {}: {need}. {holds}",
        tier_label(shortfall.tier)
    )
}

/// The refusal before an install or an enable that would exceed the plan, with the fix:
/// `2 of 3 ability slots are used on Pro and uplay_chromium needs 2. Uninstall one, or move to
/// Business for 10 slots.` `what` names the item in the words of the caller.
pub fn refusal(shortfall: Shortfall, what: &str) -> String {
    let limits = shortfall.limits();
    let tier = tier_label(shortfall.tier);
    let larger = larger_tier_holding(
        shortfall.tier,
        shortfall.slots_taken.saturating_add(shortfall.slots),
        shortfall.bytes_taken.saturating_add(shortfall.bytes),
    );
    if shortfall.slots_short() {
        let needs = if shortfall.slots == 1 && shortfall.slots_taken >= limits.slots {
            String::new()
        } else {
            format!(" and {what} needs {}", shortfall.slots)
        };
        let fix = match larger {
            Some(n) => format!(
                "Uninstall one, or move to {} for {}.",
                tier_label(n.tier),
                slots(n.slots)
            ),
            None => format!("Uninstall some; no larger plan than {tier} holds that many."),
        };
        return format!(
            "{} of {} ability slots are used on {tier}{needs}. {fix}",
            shortfall.slots_taken, limits.slots
        );
    }
    let fix = match larger {
        Some(n) => format!(
            "Uninstall something, or move to {} for {}.",
            tier_label(n.tier),
            format_bytes(n.storage_bytes)
        ),
        None => format!("Uninstall something; no larger plan than {tier} holds that much."),
    };
    let free = (limits.storage_bytes - shortfall.bytes_taken).max(0);
    format!(
        "{} of {} storage is used on {tier} and {what} needs {}, {} more than is free. {fix}",
        format_bytes(shortfall.bytes_taken),
        format_bytes(limits.storage_bytes),
        format_bytes(shortfall.bytes),
        format_bytes(shortfall.bytes.saturating_sub(free))
    )
}

/// Installed plus waiting (plus, for a choice, what it adds) against the plan, for the
/// overcommit warning and the wizard's "does not fit" lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Commitment {
    pub tier: Tier,
    pub slots_installed: i64,
    pub slots_requested: i64,
    /// Everything counted together: installed, requested and, for a choice, added.
    pub slots_total: i64,
    pub bytes_installed: i64,
    pub bytes_requested: i64,
    pub bytes_total: i64,
}

impl Commitment {
    fn over_slots(&self) -> bool {
        self.slots_total > limits(self.tier).slots
    }

    fn over_storage(&self) -> bool {
        self.bytes_total > limits(self.tier).storage_bytes
    }

    fn larger(&self) -> Option<TierLimits> {
        larger_tier_holding(self.tier, self.slots_total, self.bytes_total)
    }
}

/// The Governance page's and the CLI's warning when installed and waiting requests together
/// exceed the plan, or `None` when they fit.
pub fn overcommitted(c: Commitment) -> Option<String> {
    let limits = limits(c.tier);
    let tier = tier_label(c.tier);
    let slots_need = format!(
        "{} ability slots ({} installed, {} requested); {tier} allows {}",
        c.slots_total, c.slots_installed, c.slots_requested, limits.slots
    );
    let storage_need = format!(
        "{} of storage ({} installed, {} requested); {tier} allows {}",
        format_bytes(c.bytes_total),
        format_bytes(c.bytes_installed),
        format_bytes(c.bytes_requested),
        format_bytes(limits.storage_bytes)
    );
    let need = match (c.over_slots(), c.over_storage()) {
        (true, true) => format!("{slots_need}, and {storage_need}"),
        (true, false) => slots_need,
        (false, true) => storage_need,
        (false, false) => return None,
    };
    let larger = c
        .larger()
        .map(|t| format!(", or move to {}", tier_label(t.tier)))
        .unwrap_or_default();
    Some(format!(
        "Installed and requested capabilities together need {need}: not every request can be installed. Reject or uninstall some{larger}."
    ))
}

/// What a total is made of, naming only the parts that are not zero:
/// `2 already installed, 1 requested and waiting, 1 in this choice`.
fn made_of(parts: [(i64, &str); 3], show: impl Fn(i64) -> String) -> String {
    parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{} {what}", show(*n)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What to do about going over by `excess` when the choice itself adds `adding`: drop some of
/// the choice when that is enough, else deal with what is installed or waiting.
fn choice_fix(excess: i64, adding: i64, requested: i64, amount: &dyn Fn(i64) -> String) -> String {
    if excess <= adding {
        format!(
            "Remove capabilities worth {} from the choice.",
            amount(excess)
        )
    } else if requested > 0 {
        "Even without this choice it does not fit: reject waiting requests or uninstall some."
            .to_owned()
    } else {
        "Even without this choice it does not fit: uninstall some.".to_owned()
    }
}

/// Why a wizard choice does not fit its plan, one line per limit it breaks (empty when it
/// fits), then the plan it would fit on: `This choice needs 4 ability slots (1 already
/// installed, 1 requested and waiting, 2 in this choice); Free allows 2. Remove capabilities
/// worth 2 slots from the choice.`
pub fn choice_over(c: Commitment) -> Vec<String> {
    let limits = limits(c.tier);
    let tier = tier_label(c.tier);
    let mut over = Vec::new();
    if c.over_slots() {
        let adding = c.slots_total - c.slots_installed - c.slots_requested;
        let parts = [
            (c.slots_installed, "already installed"),
            (c.slots_requested, "requested and waiting"),
            (adding, "in this choice"),
        ];
        over.push(format!(
            "This choice needs {} ability slots ({}); {tier} allows {}. {}",
            c.slots_total,
            made_of(parts, |n| n.to_string()),
            limits.slots,
            choice_fix(
                c.slots_total - limits.slots,
                adding,
                c.slots_requested,
                &slots
            )
        ));
    }
    if c.over_storage() {
        let adding = c.bytes_total - c.bytes_installed - c.bytes_requested;
        let parts = [
            (c.bytes_installed, "already installed"),
            (c.bytes_requested, "requested and waiting"),
            (adding, "in this choice"),
        ];
        over.push(format!(
            "This choice needs {} of storage ({}); {tier} allows {}. {}",
            format_bytes(c.bytes_total),
            made_of(parts, format_bytes),
            format_bytes(limits.storage_bytes),
            choice_fix(
                c.bytes_total - limits.storage_bytes,
                adding,
                c.bytes_requested,
                &format_bytes
            )
        ));
    }
    if let (false, Some(larger)) = (over.is_empty(), c.larger()) {
        over.push(format!("It would fit on {}.", tier_label(larger.tier)));
    }
    over
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: i64 = 1024 * 1024;

    #[test]
    fn counts_agree_in_number() {
        assert_eq!(slots(1), "1 slot");
        assert_eq!(slots(0), "0 slots");
        assert_eq!(uses(1, 12 * MIB), "Uses 1 slot and 12 MiB");
        assert_eq!(uses(2, 0), "Uses 2 slots");
        assert_eq!(
            slots_of_plan(1, 3, Tier::Pro),
            "Uses 1 of your 3 slots on Pro"
        );
        assert_eq!(
            waiting(1, 1, 5 * MIB).as_deref(),
            Some("1 request waiting would add 1 slot and 5 MiB.")
        );
        assert_eq!(waiting(0, 0, 0), None);
    }

    #[test]
    fn a_trimmed_item_says_what_it_needs_and_which_plan_has_room() {
        let storage = Shortfall {
            tier: Tier::Free,
            slots: 1,
            bytes: 310 * MIB,
            slots_taken: 0,
            bytes_taken: 0,
        };
        assert_eq!(
            doesnt_fit(storage, Some(Tier::Pro)),
            "Doesn't fit on Free: it needs 310 MiB and your plan has 100 MiB. It fits on Pro."
        );
        let slots_full = Shortfall {
            slots_taken: 2,
            bytes: 0,
            ..storage
        };
        assert_eq!(
            doesnt_fit(slots_full, Some(Tier::Business)),
            "Doesn't fit on Free: it needs 1 slot and your plan's 2 slots are all taken. It fits on Business."
        );
        let both = Shortfall {
            slots_taken: 2,
            bytes: 180 * MIB,
            ..storage
        };
        assert_eq!(
            doesnt_fit(both, None),
            "Doesn't fit on Free: it needs 1 slot and 180 MiB, and your plan has no slot left and 100 MiB. No plan has room for it with the rest of this bundle."
        );
        assert_eq!(uses(0, 48 * MIB), "Uses 48 MiB");
    }

    #[test]
    fn a_choice_that_does_not_fit_gets_advice_it_can_follow() {
        let over = choice_over(Commitment {
            tier: Tier::Free,
            slots_installed: 2,
            slots_requested: 4,
            slots_total: 8,
            bytes_installed: 0,
            bytes_requested: 0,
            bytes_total: 0,
        });
        assert_eq!(
            over[0],
            "This choice needs 8 ability slots (2 already installed, 4 requested and waiting, 2 in this choice); Free allows 2. Even without this choice it does not fit: reject waiting requests or uninstall some."
        );
        let adding_only = choice_over(Commitment {
            tier: Tier::Free,
            slots_installed: 0,
            slots_requested: 0,
            slots_total: 3,
            bytes_installed: 0,
            bytes_requested: 0,
            bytes_total: 0,
        });
        assert_eq!(
            adding_only,
            [
                "This choice needs 3 ability slots (3 in this choice); Free allows 2. Remove capabilities worth 1 slot from the choice.",
                "It would fit on Pro."
            ]
        );
    }
}
