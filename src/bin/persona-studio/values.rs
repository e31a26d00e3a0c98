//! Command-line values that name one of a core enum's values (`--tier pro`, `--role admin`,
//! `--state pending`): clap checks them against the enum's wire names, which strum derives in the
//! core, so `--help` lists them and a wrong one is refused with the list; and version numbers,
//! written `2` or `v2`.

use std::str::FromStr;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use strum::VariantNames;

/// The value parser for a core enum: its possible values are exactly its wire names (the same
/// as in JSON and SQLite), parsed with its `FromStr`.
pub fn wire<T>() -> impl TypedValueParser<Value = T>
where
    T: VariantNames + FromStr + Clone + Send + Sync + 'static,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    PossibleValuesParser::new(T::VARIANTS).try_map(|name| name.parse::<T>())
}

/// A version number argument, written `2` or `v2` as the output prints it
/// (`naming::parse_version`).
pub fn version(text: &str) -> Result<u32, String> {
    persona_studio::naming::parse_version(text).map_err(|e| e.to_string())
}
