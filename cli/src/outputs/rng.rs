//! A tiny random source for alert UUIDs and retry jitter.
//!
//! SplitMix64 over an atomic counter: every call advances the state by
//! the golden-ratio increment (one `fetch_add`, no lock, so the event loop
//! and every output worker can share one) and mixes it. Distinct states
//! give distinct outputs (the mix is a bijection), so one process never
//! repeats a 64-bit draw; the seed (time, pid, a stack address) keeps
//! processes apart. Not cryptographic: a UUID here only has to be unique
//! so that receivers can drop duplicates, and jitter only has to spread
//! retries.

use std::sync::atomic::{AtomicU64, Ordering};

const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

#[derive(Debug)]
pub struct Rng {
    state: AtomicU64,
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Default for Rng {
    fn default() -> Self {
        Rng::from_entropy()
    }
}

impl Rng {
    /// Seeded with `seed` (tests that want a known sequence).
    pub fn with_seed(seed: u64) -> Rng {
        Rng {
            state: AtomicU64::new(seed),
        }
    }

    /// Seeded from the clock, the pid and where this call's stack is
    /// (address space randomisation differs between runs).
    pub fn from_entropy() -> Rng {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let local = 0u8;
        let addr = std::ptr::addr_of!(local) as usize as u64;
        let pid = u64::from(std::process::id());
        Rng::with_seed(mix(nanos) ^ mix(pid.rotate_left(32) ^ addr))
    }

    pub fn next_u64(&self) -> u64 {
        mix(self
            .state
            .fetch_add(GAMMA, Ordering::Relaxed)
            .wrapping_add(GAMMA))
    }

    /// Uniform in `0..=max` (the small modulo bias does not matter for
    /// jitter).
    pub fn below_or_equal(&self, max: u64) -> u64 {
        match max.checked_add(1) {
            Some(n) => self.next_u64() % n,
            None => self.next_u64(),
        }
    }

    /// A random (version 4, RFC 4122 variant) UUID in its 36-character
    /// lower-case form.
    pub fn uuid_v4(&self) -> String {
        let hi = self.next_u64();
        let lo = self.next_u64();
        let hi = (hi & !0xf000) | 0x4000; // version 4
        let lo = (lo & !(0xc000 << 48)) | (0x8000 << 48); // variant 10xx
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xffff,
            hi & 0xffff,
            lo >> 48,
            lo & 0xffff_ffff_ffff
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn uuids_are_version_4_and_distinct() {
        let rng = Rng::from_entropy();
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let u = rng.uuid_v4();
            assert_eq!(u.len(), 36, "{u}");
            let b = u.as_bytes();
            assert_eq!([b[8], b[13], b[18], b[23]], [b'-'; 4], "{u}");
            assert_eq!(b[14], b'4', "version nibble: {u}");
            assert!(matches!(b[19], b'8' | b'9' | b'a' | b'b'), "variant: {u}");
            assert!(u
                .chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
            assert!(seen.insert(u), "a repeated UUID");
        }
    }

    #[test]
    fn seeds_give_reproducible_and_different_sequences() {
        let a: Vec<u64> = (0..4).map(|_| Rng::with_seed(7).next_u64()).collect();
        assert!(a.iter().all(|v| *v == a[0]), "same seed, same first draw");
        let r = Rng::with_seed(7);
        let (x, y) = (r.next_u64(), r.next_u64());
        assert_ne!(x, y);
        assert_ne!(Rng::with_seed(8).next_u64(), x);
        for _ in 0..1000 {
            assert!(r.below_or_equal(10) <= 10);
        }
        assert_eq!(r.below_or_equal(0), 0);
    }
}
