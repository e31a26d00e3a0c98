//! PLACEHOLDER until the RFC 8785 implementation lands.
use sha2::{Digest as _, Sha256};
use std::fmt;

#[derive(Debug, thiserror::Error)]
pub enum CanonError {
    #[error("invalid JSON: {0}")]
    Syntax(String),
}
impl CanonError {
    pub fn code(&self) -> &'static str {
        "json_syntax"
    }
}
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest([u8; 32]);
impl Digest {
    pub fn of_bytes(b: &[u8]) -> Digest {
        Digest(Sha256::digest(b).into())
    }
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}
impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.to_hex())
    }
}
impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
impl std::str::FromStr for Digest {
    type Err = CanonError;
    fn from_str(s: &str) -> Result<Self, CanonError> {
        let h = s
            .strip_prefix("sha256:")
            .ok_or_else(|| CanonError::Syntax("digest".into()))?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(h, &mut out).map_err(|e| CanonError::Syntax(e.to_string()))?;
        Ok(Digest(out))
    }
}
pub fn to_canonical_vec<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CanonError> {
    let v = serde_json::to_value(value).map_err(|e| CanonError::Syntax(e.to_string()))?;
    serde_json::to_vec(&v).map_err(|e| CanonError::Syntax(e.to_string()))
}
pub fn canonicalize(json: &[u8]) -> Result<Vec<u8>, CanonError> {
    let v: serde_json::Value =
        serde_json::from_slice(json).map_err(|e| CanonError::Syntax(e.to_string()))?;
    to_canonical_vec(&v)
}
pub fn digest_of<T: serde::Serialize + ?Sized>(value: &T) -> Result<Digest, CanonError> {
    Ok(Digest::of_bytes(&to_canonical_vec(value)?))
}
pub fn digest_json(json: &[u8]) -> Result<Digest, CanonError> {
    Ok(Digest::of_bytes(&canonicalize(json)?))
}
