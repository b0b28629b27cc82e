//! Deterministic fuzzing in the normal test suite: mutate real conditions
//! (delete, duplicate, swap, insert characters) with a fixed-seed generator
//! and check that the parser never panics, that every error points inside
//! the text, and that whatever still parses also round-trips.

use super::test_corpus::upstream_conditions;
use super::{parse_condition, print_condition};
use std::panic::catch_unwind;

/// SplitMix64: small, fixed, good enough to pick edits.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Characters that matter to the grammar, plus a few that do not.
const INSERTS: &[char] = &[
    '(', ')', '[', ']', '"', '\'', '\\', ',', '=', '!', '<', '>', ' ', '\n', '\t', '.', 'x', '0',
    '-', '+', '*', '/', ':', 'é', '\u{08}', '\u{0}',
];

/// One to three random edits of `text`.
fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..=rng.below(3) {
        let at = rng.below(chars.len());
        match rng.below(6) {
            0 if !chars.is_empty() => {
                chars.remove(at);
            }
            1 if !chars.is_empty() => chars.insert(at, chars[at]),
            2 if at + 1 < chars.len() => chars.swap(at, at + 1),
            3 => chars.insert(at.min(chars.len()), INSERTS[rng.below(INSERTS.len())]),
            4 if !chars.is_empty() => chars[at] = INSERTS[rng.below(INSERTS.len())],
            _ => chars.truncate(at),
        }
    }
    chars.into_iter().collect()
}

/// Conditions that exercise every construct, used with or without the
/// upstream corpus.
const SEEDS: &[&str] = &[
    "evt.type in (open, openat) and evt.is_open_write=true and fd.typechar='f' and fd.num>=0",
    "not proc.aname[2] startswith /usr and (proc.name = \"a b\" or proc.name in shell_binaries)",
    "tolower(proc.name) = toupper(val(proc.pname))",
    "tolower(proc.name) = toupper(proc.pname) or len(proc.args) > 0x10",
    "proc.name = val(proc.aname[1]) and basename(fd.name) glob '*.sh'",
    "fd.name pmatch (/etc, '/var/x y') and k8s.pod.name exists and evt.count < -1.5e+3",
    "fd.name contains \"\\x41\\n\\\"\" or fd.name regex '[a-z]+' or evt.buffer bcontains CAFE",
    "a or b and not c or not (d and e)",
];

/// Checks one input; returns whether it parsed.
fn check(src: &str) -> bool {
    let outcome = catch_unwind(|| parse_condition(src));
    let Ok(result) = outcome else {
        panic!("parse_condition panicked on {src:?}");
    };
    match result {
        Ok(tree) => {
            let printed = print_condition(&tree);
            let again = parse_condition(&printed)
                .unwrap_or_else(|err| panic!("{src:?} printed as {printed:?}, which fails: {err}"));
            assert_eq!(
                again.without_positions(),
                tree.without_positions(),
                "{src:?} printed as {printed:?}"
            );
            true
        }
        Err(err) => {
            let pos = err.pos();
            assert!(src.is_char_boundary(pos.offset), "{src:?}: {err}");
            let expected_line = src[..pos.offset].matches('\n').count() + 1;
            assert_eq!(pos.line, expected_line, "{src:?}: {err}");
            assert!(pos.column >= 1, "{src:?}: {err}");
            false
        }
    }
}

#[test]
fn mutated_conditions_never_panic_and_round_trip_when_valid() {
    let mut inputs: Vec<String> = SEEDS.iter().map(|s| s.to_string()).collect();
    if let Some(upstream) = upstream_conditions() {
        inputs.extend(upstream.into_iter().map(|c| c.text));
    }
    let mut rng = Rng(0xFA1C0);
    let (mut parsed, mut rejected) = (0usize, 0usize);
    for input in &inputs {
        for _ in 0..64 {
            if check(&mutate(input, &mut rng)) {
                parsed += 1;
            } else {
                rejected += 1;
            }
        }
    }
    // Both paths must be exercised, or the mutations are not biting.
    let total = parsed + rejected;
    assert!(
        parsed * 10 > total && rejected * 10 > total,
        "{parsed} parsed, {rejected} rejected"
    );
    eprintln!("{total} mutants: {parsed} parsed and round-tripped, {rejected} rejected");
}

#[test]
fn random_text_never_panics() {
    let mut rng = Rng(42);
    let alphabet: Vec<char> = INSERTS
        .iter()
        .copied()
        .chain("abcnotandorinexistsval(tolower)".chars())
        .collect();
    for _ in 0..5_000 {
        let len = rng.below(40);
        let text: String = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        check(&text);
    }
}
