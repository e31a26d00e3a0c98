//! Command-line values that name one of a core enum's values (`--tier pro`, `--role admin`,
//! `--state pending`): clap checks them against the enum's wire names, which strum derives in the
//! core, so `--help` lists them and a wrong one is refused with the list.

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
