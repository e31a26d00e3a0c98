//! Time as an argument. Business logic asks a [`Clock`]; only the binaries pick the system clock.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A point in time, UTC, with millisecond precision. Serializes as RFC 3339
/// (`2026-11-21T13:20:00.000Z`), so canonical JSON and audit hashes do not depend on the platform.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    unix_millis: i64,
}

impl Timestamp {
    pub const fn from_unix_millis(unix_millis: i64) -> Self {
        Timestamp { unix_millis }
    }

    pub const fn unix_millis(self) -> i64 {
        self.unix_millis
    }

    /// Parses RFC 3339 text, such as `2026-11-21T13:20:00Z`, into a timestamp.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let parsed = OffsetDateTime::parse(text.trim(), &Rfc3339).map_err(|e| {
            TimestampError(format!(
                "\"{text}\" is not an RFC 3339 time ({e}); write it like 2026-11-21T13:20:00Z"
            ))
        })?;
        let millis = parsed.unix_timestamp_nanos() / 1_000_000;
        i64::try_from(millis)
            .map(Timestamp::from_unix_millis)
            .map_err(|_| TimestampError(format!("\"{text}\" is out of range")))
    }

    /// Adds a number of milliseconds, saturating at the ends of the range.
    pub fn plus_millis(self, millis: i64) -> Self {
        Timestamp::from_unix_millis(self.unix_millis.saturating_add(millis))
    }

    fn to_datetime(self) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.unix_millis) * 1_000_000).ok()
    }
}

/// Text that is not a timestamp we can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TimestampError(String);

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_datetime() {
            Some(dt) => write!(
                f,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                dt.year(),
                u8::from(dt.month()),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second(),
                dt.millisecond()
            ),
            None => write!(f, "@{}ms", self.unix_millis),
        }
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

crate::ts_as_string!(Timestamp);

/// Where "now" comes from.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The real wall clock. Only binaries construct it.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
        Timestamp::from_unix_millis(i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX))
    }
}

/// A clock that always says the same time; for tests and for `PERSONA_STUDIO_NOW`.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc3339() {
        for (input, shown) in [
            ("2026-11-21T13:20:00Z", "2026-11-21T13:20:00.000Z"),
            ("2026-11-21T13:20:00.123Z", "2026-11-21T13:20:00.123Z"),
            ("2026-11-21T14:20:00+01:00", "2026-11-21T13:20:00.000Z"),
            ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z"),
        ] {
            let ts = Timestamp::parse(input).unwrap();
            assert_eq!(ts.to_string(), shown, "{input}");
            assert_eq!(Timestamp::parse(&ts.to_string()).unwrap(), ts);
        }
    }

    #[test]
    fn rejects_garbage_with_a_hint() {
        let err = Timestamp::parse("yesterday").unwrap_err();
        assert!(err.to_string().contains("2026-11-21T13:20:00Z"), "{err}");
    }
}
