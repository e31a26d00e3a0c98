//! Benchmark for `canon` (plain `Instant`, no harness): bytes in, digest out,
//! on a generated ~1 MB document, against `serde_json_canonicalizer` and
//! against a bare `serde_json::Value` parse. Prints MB/s (1 MB = 10^6 bytes),
//! the two ratios, and PASS/MISS for the targets (>= 4x peer, <= 2x parse).

use std::hint::black_box;
use std::time::{Duration, Instant};

use persona_studio::canon::{canonicalize, digest_json, Digest};

const TARGET_BYTES: usize = 1_000_000;
const ITERATIONS: usize = 31;

/// Deterministic pseudo-random source (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Prose vocabulary: mostly ASCII, with some accented, CJK, Cyrillic and
/// emoji words and a few JSON escapes, as persona prompts and notes have.
const WORDS: &[&str] = &[
    "the",
    "agent",
    "should",
    "answer",
    "politely",
    "and",
    "cite",
    "sources",
    "when",
    "asked",
    "about",
    "Policy",
    "review",
    "customer",
    "data",
    "never",
    "share",
    "secrets",
    "with",
    "users",
    "persona",
    "tone",
    "friendly",
    "concise",
    "escalate",
    "to",
    "a",
    "human",
    "if",
    "unsure",
    "déjà vu",
    "naïve",
    "Zürich",
    "東京",
    "данные",
    "😀",
    "🚀",
    "€uro",
    "ﬁ",
    "\\u00e9t\\u00e9",
    "line\\nbreak",
    "\\\"quoted\\\"",
    "tab\\there",
    "back\\\\slash",
    "\\/path\\/x",
];

const KEYS: &[&str] = &[
    "id",
    "displayName",
    "Version",
    "createdAt",
    "updated_at",
    "Tags",
    "metrics",
    "score",
    "LatencyMs",
    "description",
    "settings",
    "history",
    "owner",
    "ACL",
    "zIndex",
    "alpha",
    "\\u00e9tat",
    "ключ",
    "名前",
    "emoji😀",
    "ﬀ",
    "enabled",
    "ratio",
    "Count",
    "nested",
    "systemPrompt",
    "notes",
    "Locale",
    "maxTokens",
    "temperature",
];

/// A string of `words` words from [`WORDS`].
fn prose(rng: &mut Rng, words: u64, out: &mut String) {
    out.push('"');
    for i in 0..words {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(rng.pick(WORDS));
    }
    out.push('"');
}

fn text(rng: &mut Rng, out: &mut String) {
    // Mostly short labels, sometimes a paragraph.
    let words = if rng.below(8) == 0 {
        20 + rng.below(100)
    } else {
        1 + rng.below(6)
    };
    prose(rng, words, out);
}

fn number(rng: &mut Rng, out: &mut String) {
    match rng.below(6) {
        0 => out.push_str(&rng.below(1000).to_string()),
        1 => out.push_str(&format!("-{}", rng.below(1 << 40))),
        2 => out.push_str(&format!("{:.3}", rng.below(1_000_000) as f64 / 7.0)),
        3 => out.push_str(&format!("{:e}", (rng.next() >> 11) as f64 * 1e-12)),
        4 => out.push_str(&format!(
            "{}",
            (rng.next() >> 11) as f64 / (1u64 << 53) as f64
        )),
        _ => out.push_str(&format!("{}.0", rng.below(100))),
    }
}

fn value(rng: &mut Rng, depth: u32, out: &mut String) {
    let roll = if depth >= 5 {
        rng.below(4)
    } else {
        rng.below(7)
    };
    match roll {
        0 => text(rng, out),
        1 => number(rng, out),
        2 => out.push_str(rng.pick(&["true", "false", "null"])),
        3 => number(rng, out),
        4 | 5 => object(rng, depth + 1, out),
        _ => {
            out.push('[');
            for i in 0..rng.below(6) {
                if i > 0 {
                    out.push(',');
                }
                value(rng, depth + 1, out);
            }
            out.push(']');
        }
    }
}

fn object(rng: &mut Rng, depth: u32, out: &mut String) {
    out.push('{');
    // Keys in generation order (not sorted), unique within the object.
    let mut used = Vec::new();
    for _ in 0..2 + rng.below(8) {
        let key = rng.pick(KEYS);
        if used.contains(&key) {
            continue;
        }
        if !used.is_empty() {
            out.push(',');
        }
        used.push(key);
        out.push('"');
        out.push_str(key);
        out.push_str("\":");
        value(rng, depth, out);
    }
    out.push('}');
}

pub fn document() -> Vec<u8> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = String::from("{\"schema\":\"persona-studio/v1\",\"personas\":[");
    let mut first = true;
    while out.len() < TARGET_BYTES {
        if !first {
            out.push_str(",\n  ");
        }
        first = false;
        object(&mut rng, 0, &mut out);
    }
    out.push_str("]}");
    out.into_bytes()
}

/// Times one call of `f`.
fn time<T>(f: &mut impl FnMut() -> T) -> Duration {
    let start = Instant::now();
    black_box(f());
    start.elapsed()
}

/// Median and minimum of a set of timings.
fn stats(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[0])
}

fn mb_per_s(bytes: usize, t: Duration) -> f64 {
    bytes as f64 / 1e6 / t.as_secs_f64()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let doc = document();
    let ours_out = canonicalize(&doc)?;
    let value: serde_json::Value = serde_json::from_slice(&doc)?;
    let peer_out = serde_json_canonicalizer::to_vec(&value)?;
    println!(
        "document: {} bytes in, {} canonical bytes; ours == peer: {}",
        doc.len(),
        ours_out.len(),
        ours_out == peer_out
    );

    // All inputs were checked above, so the timed closures just return
    // their results (bytes in, digest out for both canonicalizers).
    let mut ours = || digest_json(black_box(&doc));
    let mut peer = || {
        serde_json::from_slice::<serde_json::Value>(black_box(&doc))
            .map(|v| serde_json_canonicalizer::to_vec(&v).map(|b| Digest::of_bytes(&b)))
    };
    let mut parse = || serde_json::from_slice::<serde_json::Value>(black_box(&doc));
    let mut hash = || Digest::of_bytes(black_box(&ours_out));

    // Interleave the contenders so load from other processes on the machine
    // hits all of them alike; the first round is a warm-up.
    let mut samples: [Vec<Duration>; 4] = Default::default();
    for round in 0..=ITERATIONS {
        let t = [
            time(&mut ours),
            time(&mut peer),
            time(&mut parse),
            time(&mut hash),
        ];
        if round > 0 {
            for (list, d) in samples.iter_mut().zip(t) {
                list.push(d);
            }
        }
    }
    let [ours, peer, parse, hash] = samples.map(stats);

    let n = doc.len();
    let line = |name: &str, (median, min): (Duration, Duration)| {
        println!(
            "{name}: {:7.1} MB/s median ({median:?}), {:7.1} MB/s best",
            mb_per_s(n, median),
            mb_per_s(n, min)
        );
    };
    line("(a) ours  canonicalize+sha256", ours);
    line("(b) peer  parse+canon+sha256 ", peer);
    line("(c) serde_json::Value parse  ", parse);
    line("    sha256 of output alone   ", hash);

    let speedup = peer.0.as_secs_f64() / ours.0.as_secs_f64();
    let vs_parse = ours.0.as_secs_f64() / parse.0.as_secs_f64();
    let verdict = |ok: bool| if ok { "PASS" } else { "MISS" };
    println!(
        "ours/peer speed (medians): {speedup:.2}x (target >= 4x): {}",
        verdict(speedup >= 4.0)
    );
    println!(
        "ours_time/parse_time (medians): {vs_parse:.2} (target <= 2): {}",
        verdict(vs_parse <= 2.0)
    );
    Ok(())
}
