//! Deterministic fuzzing of the loader in the normal test suite: mutate
//! real rules files (lines deleted, duplicated, swapped, re-indented,
//! characters inserted) with a fixed seed, and check that loading never
//! panics and that every message points inside its file.

use super::test_support::{rule, upstream_files};
use super::*;
use std::panic::catch_unwind;

/// SplitMix64: small and fixed.
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

const INSERTS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    ":",
    "- ",
    "'",
    "\"",
    "&a ",
    "*a",
    "#",
    "|",
    ">",
    "\t",
    "  ",
    "(",
    ")",
    "%",
    ",",
    "\\",
    "é",
    "\n",
    "---\n",
    "override:\n",
    "append: true\n",
    "exceptions:\n",
    "<NA>",
];

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for _ in 0..=rng.below(3) {
        let n = lines.len().max(1);
        let at = rng.below(n);
        match rng.below(6) {
            0 if !lines.is_empty() => {
                lines.remove(at);
            }
            1 if !lines.is_empty() => {
                let copy = lines[at].clone();
                lines.insert(at, copy);
            }
            2 if at + 1 < lines.len() => lines.swap(at, at + 1),
            3 if !lines.is_empty() => {
                let line = &mut lines[at];
                let indent = line.len() - line.trim_start().len();
                *line = if rng.below(2) == 0 {
                    format!(" {line}")
                } else {
                    line[indent.min(1)..].to_owned()
                };
            }
            _ if !lines.is_empty() => {
                let line = &mut lines[at];
                let mut cut = rng.below(line.len() + 1);
                while !line.is_char_boundary(cut) {
                    cut -= 1;
                }
                line.insert_str(cut, INSERTS[rng.below(INSERTS.len())]);
            }
            _ => lines.push("- rule: x".to_owned()),
        }
    }
    lines.join("\n")
}

/// Loads `text`; fails the test on a panic or a position outside the file.
fn check(text: &str) -> bool {
    let Ok(result) = catch_unwind(|| RulesLoader::new().load(&[("m.yaml", text)])) else {
        panic!("the loader panicked on:\n{text}");
    };
    let line_count = text.lines().count() + 1;
    let contexts = result
        .errors()
        .map(|e| &e.context)
        .chain(result.warnings().map(|w| &w.context));
    for context in contexts {
        for loc in context.locations() {
            assert!(
                loc.pos.line >= 1 && loc.pos.line <= line_count,
                "{loc:?} in:\n{text}"
            );
            assert!(loc.pos.offset <= text.len(), "{loc:?}");
        }
        let _ = context_snippet(context, &result.sources);
    }
    let _ = result.to_json();
    result.successful()
}

const SEEDS: &[&str] = &[
    "- list: l\n  items: [a, \"b c\"]\n- macro: m\n  condition: proc.name in (l)\n",
    "- rule: r\n  desc: d\n  condition: >\n    evt.type = open and m\n  output: \"%proc.name %fd.name\"\n  priority: INFO\n  \
     exceptions:\n    - name: e\n      fields: [proc.name, fd.name]\n      comps: [=, startswith]\n      values:\n        - [a, /tmp]\n",
    "- rule: r\n  condition: and x.y = 1\n  override:\n    condition: append\n- rule: r\n  enabled: false\n",
    "- required_engine_version: 0.26.0\n- required_plugin_versions:\n  - name: container\n    version: 0.4.0\n",
];

#[test]
fn mutated_snippets_never_panic() {
    let mut rng = Rng(0x5EED);
    let (mut ok, mut failed) = (0, 0);
    for seed in SEEDS
        .iter()
        .map(|s| s.to_string())
        .chain([rule("r", "evt.type = open")])
    {
        for _ in 0..300 {
            if check(&mutate(&seed, &mut rng)) {
                ok += 1;
            } else {
                failed += 1;
            }
        }
    }
    assert!(ok > 100 && failed > 100, "{ok} loaded, {failed} rejected");
}

#[test]
fn mutated_upstream_files_never_panic() {
    let Some(files) = upstream_files() else {
        return;
    };
    let mut rng = Rng(0xFA1C0);
    let (mut ok, mut failed) = (0, 0);
    for (_, text) in &files {
        for _ in 0..25 {
            if check(&mutate(text, &mut rng)) {
                ok += 1;
            } else {
                failed += 1;
            }
        }
    }
    assert!(ok > 5 && failed > 5, "{ok} loaded, {failed} rejected");
    eprintln!(
        "{} mutants of the upstream files: {ok} loaded, {failed} rejected",
        ok + failed
    );
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(7);
    let alphabet = b"- :[]{}'\"\n\t#&*!|>%,()abcrulemacroistemcondition0123456789\\\xc3\xa9\xff";
    for _ in 0..3000 {
        let len = rng.below(80);
        let bytes: Vec<u8> = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        let _ = fuzz_load(&bytes);
    }
}

/// libyaml-safer 0.3 panics ("TODO: What is expected here?") on a tag
/// followed by a comma in a flow collection; fuzzing found it. The loader
/// must turn that into a YAML parse error.
#[test]
fn yaml_parser_panics_become_parse_errors() {
    for text in [
        "- list: a\n  items: [!x,b]\n",
        "[!<x>,]",
        "- x: [!a!,]\n",
        "{!a,: b}",
    ] {
        let r = RulesLoader::new().load(&[("m.yaml", text)]);
        assert!(!r.successful(), "{text:?} loaded");
    }
}
