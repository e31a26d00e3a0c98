//! Reminders: a backup is due when there has been no verified backup in the last 3.5 days
//! (twice a week), unless the reminder is snoozed. Also the periodic "confirm your backup
//! passphrase" check. Everything runs on the injected clock.

use serde::Serialize;
use serde_json::json;

use super::records;
use crate::audit;
use crate::auth;
use crate::clock::{Clock, Timestamp};
use crate::store::Store;
use crate::{Error, Result};

/// 3.5 days in milliseconds: two verified backups a week.
pub const DUE_AFTER_MILLIS: i64 = 84 * 3600 * 1000;
/// Ask the user to confirm the passphrase every 90 days.
pub const PASSPHRASE_CHECK_MILLIS: i64 = 90 * 24 * 3600 * 1000;
const DAY_MILLIS: i64 = 24 * 3600 * 1000;

/// What the Dashboard and `backup remind` show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ReminderStatus {
    /// A reminder should be shown now.
    pub due: bool,
    pub last_verified_at: Option<Timestamp>,
    /// Whole days since the last verified backup; `None` when there never was one.
    #[ts(type = "number | null")]
    pub last_verified_days_ago: Option<i64>,
    pub snoozed_until: Option<Timestamp>,
    /// The passphrase was never shown, or not confirmed for 90 days.
    pub passphrase_check_due: bool,
    /// "Last verified backup: N days ago" (or "never").
    pub summary: String,
}

/// The pure rule, for tests and for callers with their own data.
pub fn evaluate(
    now: Timestamp,
    last_verified_at: Option<Timestamp>,
    snoozed_until: Option<Timestamp>,
) -> bool {
    let stale = match last_verified_at {
        None => true,
        Some(at) => now.unix_millis() - at.unix_millis() >= DUE_AFTER_MILLIS,
    };
    let snoozed = snoozed_until.is_some_and(|until| until > now);
    stale && !snoozed
}

pub fn summary(now: Timestamp, last_verified_at: Option<Timestamp>) -> (Option<i64>, String) {
    match last_verified_at {
        None => (None, "Last verified backup: never".to_owned()),
        Some(at) => {
            let days = (now.unix_millis() - at.unix_millis()).max(0) / DAY_MILLIS;
            let text = match days {
                0 => "Last verified backup: today".to_owned(),
                1 => "Last verified backup: 1 day ago".to_owned(),
                n => format!("Last verified backup: {n} days ago"),
            };
            (Some(days), text)
        }
    }
}

/// The reminder state of the acting tenant.
pub fn status(store: &Store, clock: &dyn Clock) -> Result<ReminderStatus> {
    let actor = auth::current_actor(store)?;
    let now = clock.now();
    let last = records::last_verified(store.conn(), &actor.tenant_id)?;
    let settings = records::settings(store.conn(), &actor.tenant_id)?;
    let (days, summary) = summary(now, last);
    let checked = settings
        .passphrase_confirmed_at
        .max(settings.passphrase_shown_at);
    let passphrase_check_due = match checked {
        None => true,
        Some(at) => now.unix_millis() - at.unix_millis() >= PASSPHRASE_CHECK_MILLIS,
    };
    Ok(ReminderStatus {
        due: evaluate(now, last, settings.snoozed_until),
        last_verified_at: last,
        last_verified_days_ago: days,
        snoozed_until: settings.snoozed_until.filter(|u| *u > now),
        passphrase_check_due,
        summary,
    })
}

/// Snoozes the reminder for `hours` (1 to 168).
pub fn snooze(store: &mut Store, hours: u32, clock: &dyn Clock) -> Result<ReminderStatus> {
    if !(1..=168).contains(&hours) {
        return Err(Error::invalid(
            "snooze",
            "snooze for 1 to 168 hours (one week at most)",
        ));
    }
    let actor = auth::current_actor(store)?;
    let now = clock.now();
    let until = now.plus_millis(i64::from(hours) * 3600 * 1000);
    store.write(|tx| {
        records::set_setting(tx, &actor.tenant_id, "snoozed_until", Some(until))?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "backup.reminder_snoozed",
            json!({"until": until.to_string()}),
            now,
        )?;
        Ok(())
    })?;
    status(store, clock)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn due_after_three_and_a_half_days() {
        let last = at("2026-11-01T00:00:00Z");
        assert!(!evaluate(at("2026-11-04T11:59:59.999Z"), Some(last), None));
        assert!(evaluate(at("2026-11-04T12:00:00Z"), Some(last), None));
        assert!(evaluate(at("2026-11-01T00:00:00Z"), None, None));
    }

    #[test]
    fn snooze_hides_until_it_ends() {
        let last = at("2026-11-01T00:00:00Z");
        let until = at("2026-11-06T00:00:00Z");
        assert!(!evaluate(
            at("2026-11-05T00:00:00Z"),
            Some(last),
            Some(until)
        ));
        assert!(evaluate(
            at("2026-11-06T00:00:00Z"),
            Some(last),
            Some(until)
        ));
    }

    #[test]
    fn summary_counts_whole_days() {
        let last = at("2026-11-01T10:00:00Z");
        assert_eq!(
            summary(at("2026-11-01T23:00:00Z"), Some(last)).1,
            "Last verified backup: today"
        );
        assert_eq!(
            summary(at("2026-11-02T10:00:00Z"), Some(last)).1,
            "Last verified backup: 1 day ago"
        );
        assert_eq!(summary(at("2026-11-05T09:00:00Z"), Some(last)).0, Some(3));
        assert_eq!(
            summary(at("2026-11-05T09:00:00Z"), None).1,
            "Last verified backup: never"
        );
    }
}
