//! Owns [`Digest`], a SHA-256 value written as `sha256:<64 lowercase hex>`,
//! its parse error [`DigestParseError`], the streaming [`DigestWriter`], and
//! the hashing sink that digests canonical output without storing it.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest as _, Sha256};

use super::write::Sink;

const PREFIX: &str = "sha256:";
const HEX: &[u8; 16] = b"0123456789abcdef";

/// A SHA-256 digest. Displays, parses and (de)serializes as
/// `sha256:<64 lowercase hex digits>`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest([u8; 32]);

impl Digest {
    /// Wraps raw digest bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// SHA-256 of `bytes`.
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// The 32 raw digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// 64 lowercase hex digits, without the `sha256:` prefix.
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        s
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(PREFIX)?;
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

/// Why a string is not a `sha256:<64 lowercase hex>` digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestParseError {
    /// The string does not start with `sha256:`.
    #[error("digest must start with \"sha256:\" (expected sha256:<64 lowercase hex digits>)")]
    MissingPrefix,
    /// The part after the prefix has the wrong length.
    #[error("digest must have 64 hex digits after \"sha256:\", found {found} characters")]
    WrongLength { found: usize },
    /// A character that is not `0-9a-f`.
    #[error(
        "digest has {found:?} at position {position} after \"sha256:\"; \
         only lowercase hex digits 0-9a-f are allowed"
    )]
    InvalidDigit { found: char, position: usize },
}

impl FromStr for Digest {
    type Err = DigestParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let hex = s
            .strip_prefix(PREFIX)
            .ok_or(DigestParseError::MissingPrefix)?;
        let found = hex.chars().count();
        if found != 64 {
            // Report a bad character first when there is one: more useful.
            if let Some((position, c)) = hex.chars().enumerate().find(|(_, c)| nibble(*c).is_none())
            {
                return Err(DigestParseError::InvalidDigit { found: c, position });
            }
            return Err(DigestParseError::WrongLength { found });
        }
        let mut bytes = [0u8; 32];
        let mut chars = hex.chars().enumerate();
        for byte in &mut bytes {
            let mut value = 0u8;
            for _ in 0..2 {
                let (position, c) = chars
                    .next()
                    .ok_or(DigestParseError::WrongLength { found })?;
                let d = nibble(c).ok_or(DigestParseError::InvalidDigit { found: c, position })?;
                value = (value << 4) | d;
            }
            *byte = value;
        }
        Ok(Self(bytes))
    }
}

fn nibble(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        'a'..='f' => Some(c as u8 - b'a' + 10),
        _ => None,
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Digest;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a digest string \"sha256:<64 lowercase hex digits>\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Digest, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// Streaming SHA-256: write bytes in pieces, then [`DigestWriter::finish`].
#[derive(Clone, Default)]
pub struct DigestWriter(Sha256);

impl DigestWriter {
    /// An empty hasher.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds more bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The digest of everything fed so far.
    pub fn finish(self) -> Digest {
        Digest(self.0.finalize().into())
    }
}

impl fmt::Debug for DigestWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DigestWriter")
    }
}

impl std::io::Write for DigestWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Hashes canonical output as it is produced. Pieces are gathered into
/// blocks first: the output comes in many tiny pieces (`,`, `{`, keys).
pub(crate) struct HashSink {
    hasher: Sha256,
    pending: Vec<u8>,
}

const HASH_CHUNK: usize = 16 * 1024;

impl HashSink {
    pub(crate) fn new() -> Self {
        Self {
            hasher: Sha256::new(),
            pending: Vec::with_capacity(HASH_CHUNK),
        }
    }

    pub(crate) fn finish(mut self) -> Digest {
        self.hasher.update(&self.pending);
        Digest(self.hasher.finalize().into())
    }
}

impl Sink for HashSink {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        if self.pending.len() + bytes.len() > HASH_CHUNK {
            self.hasher.update(&self.pending);
            self.pending.clear();
            if bytes.len() >= HASH_CHUNK {
                self.hasher.update(bytes);
                return;
            }
        }
        self.pending.extend_from_slice(bytes);
    }

    #[inline]
    fn push(&mut self, byte: u8) {
        if self.pending.len() >= HASH_CHUNK {
            self.hasher.update(&self.pending);
            self.pending.clear();
        }
        self.pending.push(byte);
    }
}
