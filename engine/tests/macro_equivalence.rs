//! Our default ruleset (rules/falco_rules.yaml) against Falco's stable
//! ruleset (the reference's rules/falco_rules.yaml). It proves:
//!
//! - completeness: every macro, list and rule name of upstream stable is
//!   defined in ours, and every such rule has the same enabled state and
//!   at least upstream's output fields;
//! - macros mean the same: for each upstream macro `M` a probe rule
//!   (`condition: M`) is added to both rulesets, and on every event of
//!   every reference capture the probes of both sides must match the same
//!   events, and the compiler must infer the same event types for them
//!   (which catches differences no capture exercises, such as a dropped
//!   `execveat`). `inbound`, `bin_dir` and `package_mgmt_procs` (named by the
//!   issue, defined upstream only in the incubating and sandbox files) are
//!   compared against the three upstream files loaded together, when ours
//!   defines them;
//! - lists mean the same: the values each upstream list stands for in a
//!   condition (lists named in lists expanded by the loader, items unquoted
//!   by the condition parser) are the values ours stands for;
//! - macros are structurally equal: both sides' macros, as the loader
//!   expands them (macros replaced by their definitions, list names by
//!   their items), are brought to a canonical form (module `canon`:
//!   `and`/`or` flattened and sorted, equalities of one field inside an
//!   `or` merged into one `in`, value sets compared as sets) and compared.
//!
//! Each macro is then proved on events (it matched some event of some
//! capture, and both sides agree on every event and on event types),
//! proved structurally (equal canonical forms), both, or UNPROVED; an
//! UNPROVED macro fails the test unless `INTENDED` names it.
//!
//! `INTENDED` names the deliberate differences; each must really differ
//! (a list of ours may only add values), so the table cannot go stale.
//!
//! `FALCO_RS_OURS_RULES=<path>` replaces our rules file (to check that the
//! test fails on a mutated copy).
//!
//! Both sides are evaluated in one pass over each capture: one engine and
//! one inspector, our probe set matched by `drive`, upstream's probe sets
//! matched by a hook on the same event, so the comparison is event by event
//! and keeps only the differences.

mod common;

use canon::{canon, explain, Canon};
use common::reference;
use falco_engine::compiler::evttypes::EventSet;
use falco_engine::compiler::{CompiledRuleset, Issue, Matching, ScratchPool};
use falco_engine::condition::ast::{ExprKind, Value};
use falco_engine::drive::{drive_with, Hooks};
use falco_engine::loader::{EventSource, RulesLoader, Ruleset};
use falco_engine::parse_condition;
use falco_scap::{Engine, SavefileEngine};
use falco_sinsp::field::FieldSource;
use falco_sinsp::{Ctx, Inspector, SyscallFields};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// Macros and lists of upstream stable that ours deliberately defines
/// otherwise: (name, reason). A list here must be a strict superset of
/// upstream's; a macro here must differ on some event or in event types.
const INTENDED: &[(&str, &str)] = &[];

/// Macros the issue names that upstream defines outside the stable file.
const EXTRA_MACROS: &[&str] = &["inbound", "bin_dir", "package_mgmt_procs"];

const STABLE: &str = "falco_rules.yaml";
const UPSTREAM_ALL: [&str; 3] = [
    STABLE,
    "falco-incubating_rules.yaml",
    "falco-sandbox_rules.yaml",
];

/// Differing events shown per side of a macro and capture.
const SHOWN: usize = 5;

/// Upstream's side of a comparison: `Stable`, or all three files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Upstream {
    Stable,
    All,
}

impl Upstream {
    fn files(self) -> &'static [&'static str] {
        match self {
            Upstream::Stable => &UPSTREAM_ALL[..1],
            Upstream::All => &UPSTREAM_ALL,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Upstream::Stable => "upstream stable",
            Upstream::All => "upstream stable+incubating+sandbox",
        }
    }
}

// ---------------------------------------------------------------- loading

/// Our rules file: `FALCO_RS_OURS_RULES`, else rules/falco_rules.yaml.
fn ours_path() -> PathBuf {
    std::env::var_os("FALCO_RS_OURS_RULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../rules/falco_rules.yaml")
        })
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A named rules file.
struct RulesFile {
    name: String,
    text: String,
}

fn ours_file() -> RulesFile {
    let path = ours_path();
    RulesFile {
        name: format!("ours:{}", path.display()),
        text: read(&path),
    }
}

fn upstream_files(rules_dir: &Path, which: Upstream) -> Vec<RulesFile> {
    which
        .files()
        .iter()
        .map(|f| RulesFile {
            name: format!("upstream:{f}"),
            text: read(&rules_dir.join(f)),
        })
        .collect()
}

/// Loads `files` in order with the syscall fields; warnings are fine,
/// errors fail the test with the loader's messages.
fn load(files: &[RulesFile]) -> Ruleset {
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|f| (f.name.as_str(), f.text.as_str()))
        .collect();
    let loaded = RulesLoader::with_sources(vec![EventSource::with_fields(
        "syscall",
        SyscallFields::new(),
    )])
    .load(&refs);
    let errors: Vec<String> = loaded
        .errors()
        .map(|e| format!("{:?}: {} ({:?})", e.code, e.message, e.context))
        .collect();
    let names: Vec<&str> = refs.iter().map(|(n, _)| *n).collect();
    assert!(
        errors.is_empty(),
        "loading {names:?} failed:\n{}",
        errors.join("\n")
    );
    loaded
        .ruleset
        .unwrap_or_else(|| panic!("loading {names:?}: no ruleset and no error"))
}

// ---------------------------------------------------------------- probes

fn probe_rule_name(macro_name: &str) -> String {
    format!("probe {macro_name}")
}

/// One rule per macro, whose condition is the macro.
fn probe_text(macros: &[&str]) -> String {
    let mut text = String::new();
    for m in macros {
        writeln!(
            text,
            "- rule: {}\n  desc: x\n  condition: {m}\n  output: x\n  priority: INFO\n",
            probe_rule_name(m)
        )
        .expect("writing to a String");
    }
    text
}

/// What one side says of a probed macro without replaying events.
struct MacroFacts {
    /// The event types its probe rule can match (as the compiler infers
    /// them: what Falco would ask the driver for).
    events: EventSet,
    /// Its condition with macros and lists expanded, in canonical form.
    canonical: Canon,
}

/// A ruleset with probe rules, compiled, only its probes enabled.
struct ProbeSet {
    label: String,
    set: CompiledRuleset<SyscallFields>,
    /// Compiled rule index → index of the probed macro in `Probes::names`.
    slot: Vec<Option<usize>>,
    /// By index of the probed macro.
    facts: HashMap<usize, MacroFacts>,
}

/// `files` plus a probe rule for each `(index, name)` of `macros`.
fn probe_set(label: String, mut files: Vec<RulesFile>, macros: &[(usize, &str)]) -> ProbeSet {
    let names: Vec<&str> = macros.iter().map(|(_, m)| *m).collect();
    files.push(RulesFile {
        name: "probes.yaml".into(),
        text: probe_text(&names),
    });
    let ruleset = load(&files);
    let (mut set, issues) = CompiledRuleset::compile(&ruleset, SyscallFields::new());
    let errors: Vec<String> = issues
        .iter()
        .filter(|i| matches!(i.issue, Issue::Error(..)))
        .map(|i| format!("{}: {:?}", i.rule, i.issue))
        .collect();
    assert!(
        errors.is_empty(),
        "{label}: rules do not compile:\n{}",
        errors.join("\n")
    );
    let by_rule: HashMap<String, usize> = macros
        .iter()
        .map(|&(i, m)| (probe_rule_name(m), i))
        .collect();
    let slot: Vec<Option<usize>> = set
        .rules
        .iter()
        .map(|r| by_rule.get(&r.name).copied())
        .collect();
    for (r, s) in set.rules.iter_mut().zip(&slot) {
        r.enabled = s.is_some();
    }
    set.matching = Matching::All;
    set.reindex();
    let mut facts = HashMap::new();
    for (r, s) in set.rules.iter().zip(&slot) {
        if let Some(i) = *s {
            let name = &macros
                .iter()
                .find(|(j, _)| *j == i)
                .expect("probed macro")
                .1;
            let m = ruleset
                .macro_named(name)
                .unwrap_or_else(|| panic!("{label}: macro `{name}` vanished"));
            facts.insert(
                i,
                MacroFacts {
                    events: r.events,
                    canonical: canon(&m.condition),
                },
            );
        }
    }
    assert_eq!(
        facts.len(),
        macros.len(),
        "{label}: some probe rules are missing from the compiled set"
    );
    ProbeSet {
        label,
        set,
        slot,
        facts,
    }
}

/// The macros compared, and the probe sets of both sides.
struct Probes {
    /// Probed macro names; `upstream_of[i]` says which upstream defines it.
    names: Vec<String>,
    upstream_of: Vec<Upstream>,
    ours: ProbeSet,
    upstream: Vec<ProbeSet>,
}

impl Probes {
    /// Both sides' facts about macro `i`: (upstream, ours).
    fn facts(&self, i: usize) -> (&MacroFacts, &MacroFacts) {
        let up = self
            .upstream
            .iter()
            .find_map(|p| p.facts.get(&i))
            .expect("every probed macro has an upstream probe");
        let ours = self
            .ours
            .facts
            .get(&i)
            .expect("every probed macro has our probe");
        (up, ours)
    }
}

/// Event type names of `a` not in `b` ("none", or "all" event types).
fn only_in(a: &EventSet, b: &EventSet) -> String {
    let only = a.intersect(&b.complement());
    if only.is_empty() {
        "none".into()
    } else if only.is_all() {
        "all".into()
    } else {
        only.names().join(",")
    }
}

fn probes(rules_dir: &Path) -> Probes {
    let stable = load(&upstream_files(rules_dir, Upstream::Stable));
    let ours = load(&[ours_file()]);
    let defined = |r: &Ruleset, m: &str| r.macro_named(m).is_some();
    let mut names = Vec::new();
    let mut upstream_of = Vec::new();
    for m in &stable.macros {
        if defined(&ours, &m.name) {
            names.push(m.name.clone());
            upstream_of.push(Upstream::Stable);
        } else {
            eprintln!("macro `{}`: not defined in ours, not probed", m.name);
        }
    }
    for m in EXTRA_MACROS {
        if defined(&stable, m) {
            continue; // compared with the stable macros
        }
        if defined(&ours, m) {
            names.push((*m).to_string());
            upstream_of.push(Upstream::All);
        } else {
            eprintln!("note: `{m}` (incubating/sandbox macro) is not defined in ours: skipped");
        }
    }
    let of = |which: Option<Upstream>| -> Vec<(usize, &str)> {
        names
            .iter()
            .enumerate()
            .filter(|(i, _)| which.is_none_or(|w| upstream_of[*i] == w))
            .map(|(i, n)| (i, n.as_str()))
            .collect()
    };
    let ours_set = probe_set(
        format!("ours ({})", ours_path().display()),
        vec![ours_file()],
        &of(None),
    );
    let mut upstream = Vec::new();
    for which in [Upstream::Stable, Upstream::All] {
        let macros = of(Some(which));
        if !macros.is_empty() {
            upstream.push(probe_set(
                which.label().into(),
                upstream_files(rules_dir, which),
                &macros,
            ));
        }
    }
    Probes {
        names,
        upstream_of,
        ours: ours_set,
        upstream,
    }
}

// ---------------------------------------------------------------- replay

/// The events of one capture where a macro's probes disagree.
#[derive(Debug, Default)]
struct Diff {
    /// Events matched only upstream, only ours.
    count: [u64; 2],
    /// The first of them: "#ordinal evt.type proc.name".
    first: [Vec<String>; 2],
}

/// One capture's replay.
#[derive(Debug, Default)]
struct Replay {
    events: u64,
    /// Probe matches upstream, ours.
    matches: [u64; 2],
    /// Per macro (index in `Probes::names`) that disagrees somewhere.
    diffs: BTreeMap<usize, Diff>,
    /// Macros (indices) that matched at least one event, on either side.
    matched: BTreeSet<usize>,
}

/// Drive hooks: collect our probes' matches of an event, then match
/// upstream's probe sets on it and compare.
struct Lockstep<'p> {
    probes: &'p Probes,
    pools: Vec<ScratchPool>,
    fields: SyscallFields,
    evt_type: <SyscallFields as FieldSource>::Field,
    proc_name: <SyscallFields as FieldSource>::Field,
    ours_hits: Vec<usize>,
    upstream_hits: Vec<usize>,
    out: Vec<usize>,
    touched: u64,
    replay: Replay,
}

impl<'p> Lockstep<'p> {
    fn new(probes: &'p Probes) -> Self {
        let fields = SyscallFields::new();
        let resolve = |name: &str| {
            fields
                .resolve(name, None)
                .unwrap_or_else(|e| panic!("resolving {name}: {e:?}"))
        };
        let (evt_type, proc_name) = (resolve("evt.type"), resolve("proc.name"));
        Lockstep {
            probes,
            pools: probes
                .upstream
                .iter()
                .map(|_| ScratchPool::default())
                .collect(),
            fields,
            evt_type,
            proc_name,
            ours_hits: Vec::new(),
            upstream_hits: Vec::new(),
            out: Vec::new(),
            touched: 0,
            replay: Replay::default(),
        }
    }

    fn field(&self, field: &<SyscallFields as FieldSource>::Field, c: &Ctx<'_>) -> String {
        let mut values = Vec::new();
        self.fields.extract(field, c, &mut values);
        let shown: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        if shown.is_empty() {
            "<none>".into()
        } else {
            shown.join(",")
        }
    }

    fn describe(&self, ordinal: u64, c: &Ctx<'_>) -> String {
        format!(
            "#{ordinal} {} {}",
            self.field(&self.evt_type, c),
            self.field(&self.proc_name, c)
        )
    }

    fn record(&mut self, side: usize, macro_index: usize, ordinal: u64, c: &Ctx<'_>) {
        let shown = {
            let d = self.replay.diffs.entry(macro_index).or_default();
            d.count[side] += 1;
            d.first[side].len() < SHOWN
        };
        if shown {
            let line = self.describe(ordinal, c);
            if let Some(d) = self.replay.diffs.get_mut(&macro_index) {
                d.first[side].push(line);
            }
        }
    }
}

impl<E: Engine + ?Sized> Hooks<E> for Lockstep<'_> {
    fn on_match(&mut self, rule: usize, _c: &Ctx<'_>) {
        if let Some(i) = self.probes.ours.slot[rule] {
            self.ours_hits.push(i);
        }
    }

    fn on_event(&mut self, c: &Ctx<'_>) {
        self.replay.events += 1;
        let ordinal = self.replay.events;
        self.upstream_hits.clear();
        for (side, pool) in self.probes.upstream.iter().zip(&mut self.pools) {
            let mut sc = pool.take();
            side.set.matching(c.ev.evt_type, c, &mut sc, &mut self.out);
            pool.put(sc);
            self.upstream_hits
                .extend(self.out.iter().filter_map(|&r| side.slot[r]));
        }
        self.replay.matches[0] += self.upstream_hits.len() as u64;
        self.replay.matches[1] += self.ours_hits.len() as u64;
        self.replay.matched.extend(&self.upstream_hits);
        self.replay.matched.extend(&self.ours_hits);
        if self.ours_hits != self.upstream_hits {
            let mut up = std::mem::take(&mut self.upstream_hits);
            let mut ours = std::mem::take(&mut self.ours_hits);
            up.sort_unstable();
            ours.sort_unstable();
            for &m in up.iter().filter(|m| ours.binary_search(m).is_err()) {
                self.record(0, m, ordinal, c);
            }
            for &m in ours.iter().filter(|m| up.binary_search(m).is_err()) {
                self.record(1, m, ordinal, c);
            }
            self.upstream_hits = up;
            self.ours_hits = ours;
        }
        self.ours_hits.clear();
    }

    fn on_touch(&mut self, _ts: u64) {
        self.replay.events += 1;
        self.touched += 1;
    }
}

fn replay(probes: &Probes, capture: &Path) -> Replay {
    let mut engine = SavefileEngine::open(capture)
        .unwrap_or_else(|e| panic!("opening {}: {e}", capture.display()));
    let mut insp = Inspector::new(engine.take_initial_state());
    let mut hooks = Lockstep::new(probes);
    let stats = drive_with(
        &mut engine,
        &mut insp,
        &probes.ours.set,
        &AtomicBool::new(false),
        &mut hooks,
    )
    .unwrap_or_else(|e| panic!("replaying {}: {e}", capture.display()));
    assert_eq!(
        hooks.touched,
        0,
        "{}: events came in outline, upstream's probes did not see them",
        capture.display()
    );
    assert_eq!(stats.events, hooks.replay.events, "{}", capture.display());
    hooks.replay
}

fn captures(reference: &Path) -> Vec<PathBuf> {
    let dir = reference.join("scap");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
                .path()
        })
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no capture in {}", dir.display());
    paths
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

// ---------------------------------------------------------------- lists

/// Falco's quoting of a list item substituted into a condition.
fn quote_item(item: &str) -> String {
    if item.contains(' ') && !item.starts_with('"') && !item.starts_with('\'') {
        format!("\"{item}\"")
    } else {
        item.to_owned()
    }
}

/// The values a list stands for in a condition: its expanded items,
/// substituted as the loader does and read back by the condition parser.
fn list_values(ruleset: &Ruleset, name: &str, who: &str) -> Option<BTreeSet<String>> {
    let list = ruleset.list(name)?;
    if list.items.is_empty() {
        return Some(BTreeSet::new());
    }
    let joined: Vec<String> = list.items.iter().map(|i| quote_item(i)).collect();
    let condition = format!("fd.name in ({})", joined.join(", "));
    let expr = parse_condition(&condition)
        .unwrap_or_else(|e| panic!("{who}: list `{name}` does not parse as values: {e}"));
    match expr.kind {
        ExprKind::Compare {
            rhs: Value::List { items, .. },
            ..
        } => Some(
            items
                .iter()
                .map(|l| String::from_utf8_lossy(&l.bytes).into_owned())
                .collect(),
        ),
        other => panic!("{who}: list `{name}` reads as {other:?}, not a list of values"),
    }
}

/// The differing events shown, or "none".
fn shown(events: &[String]) -> String {
    if events.is_empty() {
        "none".into()
    } else {
        events.join(", ")
    }
}

fn intended(name: &str) -> Option<&'static str> {
    INTENDED.iter().find(|(n, _)| *n == name).map(|(_, r)| *r)
}

// ---------------------------------------------------------------- tests

#[test]
fn intended_differences_name_upstream_macros_or_lists() {
    let Some(reference) = reference() else { return };
    let stable = load(&upstream_files(&reference.join("rules"), Upstream::Stable));
    let unknown: Vec<&str> = INTENDED
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| stable.macro_named(n).is_none() && stable.list(n).is_none())
        .collect();
    assert!(
        unknown.is_empty(),
        "INTENDED names no macro or list of upstream stable: {unknown:?}"
    );
}

/// The `%field` (and `%field[arg]`) tokens of an output format.
fn output_fields(output: &str) -> BTreeSet<String> {
    output
        .split('%')
        .skip(1)
        .map(|t| {
            let end = t
                .find(|c: char| !(c.is_ascii_alphanumeric() || "._[]".contains(c)))
                .unwrap_or(t.len());
            t[..end].trim_end_matches('.').to_string()
        })
        .filter(|f| !f.is_empty())
        .collect()
}

#[test]
fn output_fields_are_read_from_a_format() {
    let f = output_fields("x | a=%proc.aname[2] b=%fd.sip:%fd.sport c=%user.name. 100%");
    let want: BTreeSet<String> = ["proc.aname[2]", "fd.sip", "fd.sport", "user.name"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(f, want);
}

#[test]
fn ours_defines_every_upstream_stable_macro_list_and_rule() {
    let Some(reference) = reference() else { return };
    let stable = load(&upstream_files(&reference.join("rules"), Upstream::Stable));
    let ours = load(&[ours_file()]);
    let mut problems = Vec::new();
    for m in &stable.macros {
        if ours.macro_named(&m.name).is_none() {
            problems.push(format!("macro `{}` is not defined", m.name));
        }
    }
    for l in &stable.lists {
        if ours.list(&l.name).is_none() {
            problems.push(format!("list `{}` is not defined", l.name));
        }
    }
    for r in &stable.rules {
        match ours.rule(&r.name) {
            None => problems.push(format!("rule `{}` is not defined", r.name)),
            Some(o) if o.enabled != r.enabled => problems.push(format!(
                "rule `{}` is enabled: {} in ours, {} upstream",
                r.name, o.enabled, r.enabled
            )),
            Some(o) => {
                let ours_fields = output_fields(&o.output);
                let missing: Vec<String> = output_fields(&r.output)
                    .difference(&ours_fields)
                    .cloned()
                    .collect();
                if !missing.is_empty() {
                    problems.push(format!(
                        "rule `{}`: output lacks upstream's fields {missing:?}",
                        r.name
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} of upstream stable's {} macros, {} lists and {} rules do not carry over to {}:\n{}",
        problems.len(),
        stable.macros.len(),
        stable.lists.len(),
        stable.rules.len(),
        ours_path().display(),
        problems.join("\n")
    );
}

#[test]
fn ours_lists_stand_for_upstream_stable_values() {
    let Some(reference) = reference() else { return };
    let stable = load(&upstream_files(&reference.join("rules"), Upstream::Stable));
    let ours = load(&[ours_file()]);
    let mut problems = Vec::new();
    let mut compared = 0;
    for l in &stable.lists {
        let up = list_values(&stable, &l.name, "upstream")
            .unwrap_or_else(|| panic!("upstream list `{}` vanished", l.name));
        let Some(our) = list_values(&ours, &l.name, "ours") else {
            continue; // reported by the completeness test
        };
        compared += 1;
        let missing: Vec<&String> = up.difference(&our).collect();
        let extra: Vec<&String> = our.difference(&up).collect();
        match intended(&l.name) {
            None if !missing.is_empty() || !extra.is_empty() => problems.push(format!(
                "list `{}`: missing in ours {missing:?}, only in ours {extra:?}",
                l.name
            )),
            Some(reason) if !missing.is_empty() || extra.is_empty() => problems.push(format!(
                "list `{}` is INTENDED to differ ({reason}) by adding values, but: \
                     missing in ours {missing:?}, only in ours {extra:?}",
                l.name
            )),
            _ => {}
        }
    }
    eprintln!(
        "lists: {compared} of {} upstream stable lists compared",
        stable.lists.len()
    );
    assert!(
        problems.is_empty(),
        "{} lists differ from upstream stable ({}):\n{}",
        problems.len(),
        ours_path().display(),
        problems.join("\n")
    );
}

/// The canonical form of `name` as the loader expands it in `yaml`.
fn loaded_canon(yaml: &str, name: &str) -> Canon {
    let ruleset = load(&[RulesFile {
        name: "test.yaml".into(),
        text: yaml.into(),
    }]);
    let m = ruleset
        .macro_named(name)
        .unwrap_or_else(|| panic!("macro `{name}` not loaded"));
    canon(&m.condition)
}

#[test]
fn canonical_forms_see_macros_and_lists_expanded() {
    let nested = r#"
- list: shells
  items: [sh, "bash"]
- list: more_shells
  items: [shells, zsh]
- macro: spawned
  condition: evt.type in (execve, execveat) and evt.dir = <
- macro: shell
  condition: spawned and proc.name in (more_shells)
"#;
    let inline = r#"
- macro: shell
  condition: >
    (proc.name = zsh or proc.name = 'bash' or proc.name = sh)
    and (evt.dir = "<" and evt.type in (execveat, execve))
"#;
    let fewer = r#"
- macro: shell
  condition: evt.type in (execve, execveat) and evt.dir = < and proc.name in (sh, bash)
"#;
    let nested = loaded_canon(nested, "shell");
    assert_eq!(nested, loaded_canon(inline, "shell"));
    assert_ne!(nested, loaded_canon(fewer, "shell"));
}

#[test]
fn ours_macros_match_upstream_on_every_event_of_every_capture() {
    let Some(reference) = reference() else { return };
    let started = Instant::now();
    let probes = probes(&reference.join("rules"));
    eprintln!(
        "macros: {} probed, loaded and compiled in {:.1?}",
        probes.names.len(),
        started.elapsed()
    );
    let mut total_events = 0;
    let mut matched = BTreeSet::new();
    // Per macro: (capture, its differences).
    let mut diffs: BTreeMap<usize, Vec<(String, Diff)>> = BTreeMap::new();
    for capture in captures(&reference) {
        let t = Instant::now();
        let r = replay(&probes, &capture);
        eprintln!(
            "{:>58}: {:>9} events, probe matches upstream {:>9} ours {:>9}, {:.1?}",
            file_name(&capture),
            r.events,
            r.matches[0],
            r.matches[1],
            t.elapsed()
        );
        total_events += r.events;
        matched.extend(r.matched);
        for (m, d) in r.diffs {
            diffs.entry(m).or_default().push((file_name(&capture), d));
        }
    }
    eprintln!(
        "macros: {total_events} events replayed in {:.1?}; {} of {} macros matched some event",
        started.elapsed(),
        matched.len(),
        probes.names.len()
    );
    eprintln!("macros, per macro:");
    // Macro counts by [proved on events][proved structurally].
    let mut proofs = [[0usize; 2]; 2];
    let mut problems = Vec::new();
    for (i, name) in probes.names.iter().enumerate() {
        let (up, ours) = probes.facts(i);
        let mut found = Vec::new();
        if up.events != ours.events {
            found.push(format!(
                "  event types: only upstream {}; only ours {}",
                only_in(&up.events, &ours.events),
                only_in(&ours.events, &up.events)
            ));
        }
        for (capture, d) in diffs.get(&i).into_iter().flatten() {
            found.push(format!(
                "  {capture}: {} events differ; only upstream ({}): {}; only ours ({}): {}",
                d.count[0] + d.count[1],
                d.count[0],
                shown(&d.first[0]),
                d.count[1],
                shown(&d.first[1]),
            ));
        }
        let against = probes.upstream_of[i].label();
        let on_events = found.is_empty() && matched.contains(&i);
        let structurally = up.canonical == ours.canonical;
        let status = match (on_events, structurally) {
            (true, true) => "proved on events and structurally",
            (true, false) => "proved on events",
            (false, true) => "proved structurally",
            (false, false) => "UNPROVED",
        };
        proofs[usize::from(on_events)][usize::from(structurally)] += 1;
        if structurally {
            eprintln!("  {status:<34} {name}");
        } else {
            eprintln!(
                "  {status:<34} {name}: not structurally equal: {}",
                explain(&up.canonical, &ours.canonical)
            );
        }
        match intended(name) {
            None if !found.is_empty() => problems.push(format!(
                "macro `{name}` differs from {against}:\n{}",
                found.join("\n")
            )),
            None if !on_events && !structurally => problems.push(format!(
                "macro `{name}` is UNPROVED: it matches no event of any capture on either side \
                 and, expanded, is not structurally equal to {against}'s: {}",
                explain(&up.canonical, &ours.canonical)
            )),
            Some(reason) if found.is_empty() => problems.push(format!(
                "macro `{name}` is INTENDED to differ ({reason}) but has the event types of \
                 {against} and matches the same events on every capture{}",
                if structurally {
                    " (and is structurally equal)"
                } else {
                    ""
                }
            )),
            _ => {}
        }
    }
    let [[_, structural_only], [events_only, both]] = proofs;
    eprintln!(
        "macros: {} macros, {} proved on events, {} proved structurally, {both} both \
         ({} UNPROVED)",
        probes.names.len(),
        events_only + both,
        structural_only + both,
        proofs[0][0]
    );
    let labels: Vec<&str> = std::iter::once(probes.ours.label.as_str())
        .chain(probes.upstream.iter().map(|p| p.label.as_str()))
        .collect();
    assert!(
        problems.is_empty(),
        "{} of {} macros differ or are UNPROVED ({}):\n{}",
        problems.len(),
        probes.names.len(),
        labels.join(" vs "),
        problems.join("\n")
    );
}

// ---------------------------------------------------------------- canonical form

/// A canonical form of expanded conditions: two conditions whose forms
/// are equal are equivalent. It only applies rewrites that keep the
/// meaning (and Falco's):
///
/// - `and`/`or` are flattened (associativity) and their operands sorted
///   by their printed form (commutativity); the tree has no parentheses
///   to drop;
/// - `f = a` (a literal) is `f in (a)`, and inside an `or` the `in` checks
///   of one field (transformers and argument included) are merged into one
///   `in` with the union of the values: any value the field gives must
///   equal one of them, either way;
/// - the values of `in`, `intersects` and `pmatch` are a set (sorted,
///   duplicates dropped); values are the literals the parser yields, so
///   quoting differences vanish;
/// - `not` is kept as the parser builds it.
///
/// Falco treats the values of a list field (`EPF_IS_LIST`: `fd.types`) as
/// one list, and `in` then means "every value is in the set": for those
/// `=` and `in` are kept as written and never merged.
mod canon {
    use falco_engine::condition::ast::{BinaryOp, Expr, ExprKind, FieldExpr, Value};
    use std::collections::BTreeSet;
    use std::fmt;

    /// Falco's list fields of the syscall source (see above).
    const LIST_FIELDS: &[&str] = &["fd.types"];

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Canon {
        /// Two or more operands, none an `And`, sorted by printed form.
        And(Vec<Canon>),
        /// Two or more operands, none an `Or`, sorted by printed form, at
        /// most one mergeable `in` per field.
        Or(Vec<Canon>),
        Not(Box<Canon>),
        /// `lhs op (values)` for `in`, `intersects` and `pmatch`, and `=`
        /// with a literal (as `in`). `merge`: `lhs` is no list field.
        Set {
            lhs: String,
            op: BinaryOp,
            values: BTreeSet<Vec<u8>>,
            merge: bool,
        },
        /// Any other check, printed (`lhs op rhs`, `lhs exists`).
        Check(String),
        /// A macro reference left in the tree (the loader expands them all).
        Macro(String),
    }

    /// The canonical form of `expr` (positions play no part).
    pub fn canon(expr: &Expr) -> Canon {
        match &expr.kind {
            ExprKind::And(xs) => junction(xs, false),
            ExprKind::Or(xs) => junction(xs, true),
            ExprKind::Not(x) => Canon::Not(Box::new(canon(x))),
            ExprKind::Compare { lhs, op, rhs } => compare(lhs, *op, rhs),
            ExprKind::Unary { lhs, op } => {
                Canon::Check(format!("{} {}", field_text(lhs), op.as_str()))
            }
            ExprKind::MacroRef(name) => Canon::Macro(name.clone()),
        }
    }

    fn compare(lhs: &FieldExpr, op: BinaryOp, rhs: &Value) -> Canon {
        let text = field_text(lhs);
        let merge = !LIST_FIELDS.contains(&lhs.base_field().name.as_str());
        match (op, rhs) {
            (BinaryOp::In | BinaryOp::Intersects | BinaryOp::PMatch, Value::List { items, .. }) => {
                Canon::Set {
                    lhs: text,
                    op,
                    values: items.iter().map(|l| l.bytes.clone()).collect(),
                    merge,
                }
            }
            (BinaryOp::Eq, Value::Str(literal)) if merge => Canon::Set {
                lhs: text,
                op: BinaryOp::In,
                values: BTreeSet::from([literal.bytes.clone()]),
                merge,
            },
            _ => Canon::Check(format!("{text} {} {}", op.as_str(), value_text(rhs))),
        }
    }

    fn junction(xs: &[Expr], or: bool) -> Canon {
        let mut operands = Vec::with_capacity(xs.len());
        for x in xs {
            match canon(x) {
                Canon::Or(ys) if or => operands.extend(ys),
                Canon::And(ys) if !or => operands.extend(ys),
                c => operands.push(c),
            }
        }
        if or {
            operands = merge_in(operands);
        }
        operands.sort_by_cached_key(|c| c.to_string());
        match (operands.len(), or) {
            (1, _) => operands.pop().expect("one operand"),
            (_, true) => Canon::Or(operands),
            (_, false) => Canon::And(operands),
        }
    }

    /// The operands of an `or` with the mergeable `in` checks of each
    /// field merged into the first.
    fn merge_in(operands: Vec<Canon>) -> Vec<Canon> {
        let mut out: Vec<Canon> = Vec::with_capacity(operands.len());
        for c in operands {
            if let Canon::Set {
                lhs,
                op: BinaryOp::In,
                values,
                merge: true,
            } = &c
            {
                let into = out.iter_mut().find_map(|o| match o {
                    Canon::Set {
                        lhs: l,
                        op: BinaryOp::In,
                        values: v,
                        merge: true,
                    } if l == lhs => Some(v),
                    _ => None,
                });
                if let Some(into) = into {
                    into.extend(values.iter().cloned());
                    continue;
                }
            }
            out.push(c);
        }
        out
    }

    fn quoted(bytes: &[u8]) -> String {
        format!("\"{}\"", bytes.escape_ascii())
    }

    fn field_text(f: &FieldExpr) -> String {
        match f {
            FieldExpr::Field(field) => match &field.arg {
                Some(arg) => format!("{}[{}]", field.name, quoted(arg.value.as_bytes())),
                None => field.name.clone(),
            },
            FieldExpr::Transform { kind, inner, .. } => {
                format!("{}({})", kind.as_str(), field_text(inner))
            }
        }
    }

    fn value_text(v: &Value) -> String {
        match v {
            Value::Str(literal) => quoted(&literal.bytes),
            Value::List { items, .. } => {
                let items: Vec<String> = items.iter().map(|l| quoted(&l.bytes)).collect();
                format!("({})", items.join(", "))
            }
            Value::ListRef { name, .. } => format!("@list:{name}"),
            Value::Field(f) => format!("val({})", field_text(f)),
        }
    }

    impl fmt::Display for Canon {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let join = |f: &mut fmt::Formatter<'_>, xs: &[Canon], sep: &str| {
                f.write_str("(")?;
                for (i, x) in xs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(sep)?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str(")")
            };
            match self {
                Canon::And(xs) => join(f, xs, " and "),
                Canon::Or(xs) => join(f, xs, " or "),
                Canon::Not(x) => write!(f, "not {x}"),
                Canon::Set {
                    lhs, op, values, ..
                } => {
                    let values: Vec<String> = values.iter().map(|v| quoted(v)).collect();
                    write!(f, "{lhs} {} ({})", op.as_str(), values.join(", "))
                }
                Canon::Check(text) => f.write_str(text),
                Canon::Macro(name) => write!(f, "@macro:{name}"),
            }
        }
    }

    /// Where two canonical forms part: the operands found on one side
    /// only, descending while a single operand differs on each side.
    pub fn explain(up: &Canon, ours: &Canon) -> String {
        let operands = |c: &Canon| -> Option<(bool, Vec<Canon>)> {
            match c {
                Canon::And(xs) => Some((false, xs.clone())),
                Canon::Or(xs) => Some((true, xs.clone())),
                _ => None,
            }
        };
        if let (Some((a_or, a)), Some((b_or, b))) = (operands(up), operands(ours)) {
            if a_or == b_or {
                let only_a: Vec<&Canon> = a.iter().filter(|x| !b.contains(x)).collect();
                let only_b: Vec<&Canon> = b.iter().filter(|x| !a.contains(x)).collect();
                if let ([x], [y]) = (only_a.as_slice(), only_b.as_slice()) {
                    return explain(x, y);
                }
                let show = |xs: &[&Canon]| -> String {
                    let texts: Vec<String> = xs.iter().map(|x| clip(&x.to_string())).collect();
                    format!("[{}]", texts.join("; "))
                };
                return format!(
                    "in `{}` operands: only upstream {}, only ours {}",
                    if a_or { "or" } else { "and" },
                    show(&only_a),
                    show(&only_b)
                );
            }
        }
        if let (
            Canon::Set {
                lhs: l1,
                op: o1,
                values: v1,
                ..
            },
            Canon::Set {
                lhs: l2,
                op: o2,
                values: v2,
                ..
            },
        ) = (up, ours)
        {
            if l1 == l2 && o1 == o2 {
                let show = |vs: Vec<&Vec<u8>>| -> String {
                    let texts: Vec<String> = vs.into_iter().map(|v| quoted(v)).collect();
                    clip(&texts.join(", "))
                };
                return format!(
                    "`{l1} {}`: values only upstream ({}), only ours ({})",
                    o1.as_str(),
                    show(v1.difference(v2).collect()),
                    show(v2.difference(v1).collect())
                );
            }
        }
        format!(
            "upstream `{}`, ours `{}`",
            clip(&up.to_string()),
            clip(&ours.to_string())
        )
    }

    fn clip(text: &str) -> String {
        const MAX: usize = 300;
        match text.char_indices().nth(MAX) {
            Some((at, _)) => format!("{}…", &text[..at]),
            None => text.to_owned(),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use falco_engine::parse_condition;

        fn c(text: &str) -> Canon {
            canon(&parse_condition(text).unwrap_or_else(|e| panic!("{text}: {e}")))
        }

        fn same(a: &str, b: &str) {
            assert_eq!(c(a), c(b), "`{a}` and `{b}` should be structurally equal");
        }

        fn differ(a: &str, b: &str) {
            assert_ne!(c(a), c(b), "`{a}` and `{b}` must not be structurally equal");
        }

        #[test]
        fn commutative_and_associative() {
            same(
                "(a.x = 1 or b.x = 2) and c.x = 3",
                "c.x = 3 and (b.x = 2 or a.x = 1)",
            );
            same(
                "a.x = 1 and (b.x = 2 and c.x = 3)",
                "(a.x = 1 and b.x = 2) and c.x = 3",
            );
            same(
                "a.x = 1 or (b.x = 2 or c.x = 3)",
                "c.x = 3 or b.x = 2 or a.x = 1",
            );
            same("((a.x = 1))", "a.x = 1");
            same(
                "not (a.x = 1 and b.x exists) or c.x contains y",
                "c.x contains y or not (b.x exists and a.x = 1)",
            );
        }

        #[test]
        fn equalities_of_one_field_merge_inside_or() {
            same("p.name = x or p.name = y", "p.name in (y, x)");
            same("p.name = x", "p.name in (x)");
            same("p.name == x", "p.name = x");
            same(
                "(p.name = a or q.x = 1) or p.name in (b, c)",
                "q.x = 1 or p.name in (c, b, a)",
            );
            same(
                "p.name in (a, b) or p.name in (b, c)",
                "p.name in (a, b, c)",
            );
            same(
                "proc.aname[2] = a or proc.aname[2] = b",
                "proc.aname[2] in (b, a)",
            );
        }

        #[test]
        fn values_compare_as_parsed_sets() {
            same(r#"p.name = "x y""#, "p.name = 'x y'");
            same(r#"p.name = "bash""#, "p.name = bash");
            same("p.name in (a, b, a)", r#"p.name in ("b", 'a')"#);
            same("p.name pmatch (/a, /b)", "p.name pmatch (/b, /a, /a)");
            same("proc.aname[2] = a", "proc.aname['2'] = a");
        }

        #[test]
        fn negation_follows_the_parser() {
            same("not (p.name in (a, b))", "not p.name in (b, a)");
            same("not p.name = a", "not (p.name = a)");
        }

        #[test]
        fn non_equivalent_conditions_differ() {
            differ("a.x = 1 and b.x = 2", "a.x = 1 or b.x = 2");
            differ("f.x in (a, b)", "f.x in (a)");
            differ("p.name = a and p.name = b", "p.name in (a, b)");
            differ("p.name = a or p.pname = b", "p.name in (a, b)");
            differ("not a.x = 1 and b.x = 2", "not (a.x = 1 and b.x = 2)");
            differ("not p.name = a", "p.name != a");
            differ("p.name pmatch (a)", "p.name in (a)");
            differ("p.name intersects (a)", "p.name in (a)");
            differ("p.name = a", "p.name contains a");
            differ("tolower(p.name) = a", "p.name = a");
            differ(
                "proc.aname[2] = a or proc.aname[3] = b",
                "proc.aname[2] in (a, b)",
            );
            differ("proc.aname = a", "proc.aname[1] = a");
            differ("p.name = val(p.pname)", "p.name = p.pname");
            differ("p.name = \"a b\"", "p.name in (a, b)");
        }

        #[test]
        fn list_fields_are_not_merged() {
            differ("fd.types = a or fd.types = b", "fd.types in (a, b)");
            differ("fd.types in (a) or fd.types in (b)", "fd.types in (a, b)");
            same("fd.types in (a, b)", "fd.types in (b, a)");
        }

        #[test]
        fn explains_the_difference() {
            let why = explain(
                &c("p.name = a or q.x in (b, c) or r.x = 1"),
                &c("q.x in (c) or r.x = 1"),
            );
            assert!(why.contains("only upstream [p.name in (\"a\")"), "{why}");
            let why = explain(&c("q.x in (b, c)"), &c("q.x in (c, d)"));
            assert!(
                why.contains("values only upstream (\"b\"), only ours (\"d\")"),
                "{why}"
            );
        }
    }
}
