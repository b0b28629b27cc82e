//! Running a case: the case file's rules loaded and compiled once (every
//! rule reports: `rule_matching: all`), the case's events driven through
//! the real state and rules, and each alert rendered as an output would
//! render it. Then the alerts are held against what the case expects.

use super::case::{Case, CaseFile, Events, Expect, Range};
use super::{events, world};
use crate::outputs::alert::{json_of, AlertFormat, RunFields};
use crate::rules::{load_rule_files, LoadedRules};
use falco_engine::compiler::{CompiledRuleset, Issue, Matching};
use falco_engine::drive::{drive_with, Hooks};
use falco_scap::builder::TestEngine;
use falco_scap::{Engine, SavefileEngine};
use falco_sinsp::format::Formatter;
use falco_sinsp::{Ctx, Inspector, SyscallFields};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

/// A case file's rules, ready to run cases against.
pub struct Rules {
    set: CompiledRuleset<SyscallFields>,
    formats: Vec<AlertFormat>,
}

impl Rules {
    /// Loads and compiles the rules of `file`; the message is Falco's
    /// load result (or the compile errors).
    pub fn load(file: &CaseFile) -> Result<Rules, String> {
        let name = format!("{} (rules_text)", file.path.display());
        let extra = file.rules_text.as_deref().map(|t| (name.as_str(), t));
        let ruleset = load_rule_files(&file.rules, extra)?;
        let names = file.rules.iter().map(|p| p.display().to_string()).collect();
        let loaded = LoadedRules::select(ruleset, &[], names);
        let (mut set, issues) = CompiledRuleset::compile(&loaded.ruleset, SyscallFields::new());
        let errors: Vec<String> = issues
            .iter()
            .filter_map(|i| match &i.issue {
                Issue::Error(code, msg) => {
                    Some(format!("rule '{}': {msg} ({})", i.rule, code.as_str()))
                }
                Issue::Warning(..) => None,
            })
            .collect();
        if !errors.is_empty() {
            return Err(errors.join("\n"));
        }
        for rule in &mut set.rules {
            rule.enabled = loaded.enabled.contains(&rule.name);
        }
        set.matching = Matching::All;
        let formats = AlertFormat::for_rules(&[], &set).map_err(|e| format!("{e:#}"))?;
        Ok(Rules { set, formats })
    }

    /// The names of the rules enabled in their files.
    pub fn enabled_rules(&self) -> impl Iterator<Item = String> + '_ {
        self.set
            .rules
            .iter()
            .filter(|r| r.enabled)
            .map(|r| r.name.clone())
    }

    pub fn has_rule(&self, name: &str) -> bool {
        self.set.rules.iter().any(|r| r.name == name)
    }
}

/// One alert a case raised.
#[derive(Debug, Clone, PartialEq)]
pub struct Raised {
    pub rule: String,
    pub evt_num: u64,
    /// The alert's output fields, and any other field the case asked
    /// about, rendered as strings (`None`: no value).
    pub fields: BTreeMap<String, Option<String>>,
}

/// How a case went.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Pass,
    /// What differs between what was expected and what came, a line each.
    Fail(Vec<String>),
    /// The case could not run (bad event, unreadable capture...).
    Error(String),
}

/// Runs `case` of `file` against `rules`.
pub fn run_case(file: &CaseFile, rules: &Rules, case: &Case) -> Outcome {
    match raised(file, rules, case) {
        Ok(alerts) => judge(rules, case, &alerts),
        Err(message) => Outcome::Error(message),
    }
}

/// The fields the case's expectations name.
fn asked_fields(case: &Case) -> Vec<&str> {
    match &case.expect {
        Expect::Nothing => Vec::new(),
        Expect::Alerts(list) => list
            .iter()
            .flat_map(|e| e.fields.iter().map(|(f, _)| f.as_str()))
            .collect(),
    }
}

struct Collect<'r> {
    rules: &'r Rules,
    asked: Vec<(String, Formatter)>,
    range: Option<Range>,
    alerts: Vec<Raised>,
}

impl Collect<'_> {
    fn in_range(&self, c: &Ctx<'_>) -> bool {
        let scope = c.insp.scope();
        match self.range {
            None => true,
            Some(Range::EvtNum(a, b)) => (a..=b).contains(&scope.num),
            Some(Range::Time(a, b)) => {
                let since = c.ev.ts.saturating_sub(scope.first_ts.unwrap_or(c.ev.ts));
                (a..=b).contains(&since)
            }
        }
    }
}

fn as_text(v: &Json) -> Option<String> {
    match v {
        Json::Null => None,
        Json::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

impl<E: Engine + ?Sized> Hooks<E> for Collect<'_> {
    fn on_match(&mut self, i: usize, c: &Ctx<'_>) {
        if !self.in_range(c) {
            return;
        }
        let set = &self.rules.set;
        let run = RunFields {
            hostname: "",
            static_fields: &[],
        };
        let alert = self.rules.formats[i].alert(&set.rules[i], &set.source, c, run);
        let mut fields: BTreeMap<String, Option<String>> = alert
            .output_fields
            .iter()
            .map(|(k, v)| (k.clone(), as_text(v)))
            .collect();
        for (name, f) in &self.asked {
            if !fields.contains_key(name) {
                let mut value = Json::Null;
                f.for_each_field(&set.source, c, |_, vals| value = json_of(vals));
                fields.insert(name.clone(), as_text(&value));
            }
        }
        self.alerts.push(Raised {
            rule: alert.rule,
            evt_num: c.insp.scope().num,
            fields,
        });
    }
}

/// The alerts `case` raises.
fn raised(file: &CaseFile, rules: &Rules, case: &Case) -> Result<Vec<Raised>, String> {
    let mut asked = Vec::new();
    for name in asked_fields(case) {
        let f = Formatter::new(&rules.set.source, &format!("%{name}"))
            .map_err(|e| format!("output field '{name}': {e}"))?;
        asked.push((name.to_owned(), f));
    }
    let mut collect = Collect {
        rules,
        asked,
        range: None,
        alerts: Vec::new(),
    };
    let stop = AtomicBool::new(false);
    match &case.events {
        Events::Synthetic(specs) => {
            let w = world::merged(&file.world, &case.world);
            let initial = world::initial_state(&w).map_err(|e| e.to_string())?;
            let mut engine = TestEngine::new(initial);
            for ev in world::container_events(&w) {
                engine.push(&ev.ts(1));
            }
            for ev in events::build(&w, specs).map_err(|e| e.to_string())? {
                engine.push(&ev);
            }
            let mut insp = Inspector::new(engine.take_initial_state());
            drive_with(&mut engine, &mut insp, &rules.set, &stop, &mut collect)
                .map_err(|e| e.to_string())?;
        }
        Events::Capture { path, range } => {
            collect.range = *range;
            let mut engine =
                SavefileEngine::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut insp = Inspector::new(engine.take_initial_state());
            drive_with(&mut engine, &mut insp, &rules.set, &stop, &mut collect)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(collect.alerts)
}

/// What came against what was expected.
fn judge(rules: &Rules, case: &Case, alerts: &[Raised]) -> Outcome {
    let mut diff = Vec::new();
    let judged: Vec<&Raised> = alerts
        .iter()
        .filter(|a| !case.ignore.contains(&a.rule))
        .collect();
    let mut by_rule: BTreeMap<&str, Vec<&Raised>> = BTreeMap::new();
    for a in &judged {
        by_rule.entry(a.rule.as_str()).or_default().push(a);
    }
    let expected = match &case.expect {
        Expect::Nothing => &[][..],
        Expect::Alerts(list) => list.as_slice(),
    };
    for e in expected {
        if !rules.has_rule(&e.rule) {
            diff.push(format!(
                "- {}: expected alerts of rule '{}', which is not loaded",
                e.origin, e.rule
            ));
            continue;
        }
        let got = by_rule.remove(e.rule.as_str()).unwrap_or_default();
        match e.count {
            Some(n) if n != got.len() as u64 => diff.push(format!(
                "- rule '{}': expected {n} alert(s), got {}",
                e.rule,
                got.len()
            )),
            None if got.is_empty() => {
                diff.push(format!("- rule '{}': expected alerts, got none", e.rule))
            }
            _ => {}
        }
        for a in &got {
            for (field, want) in &e.fields {
                let have = a.fields.get(field).cloned().flatten();
                if &have != want {
                    diff.push(format!(
                        "~ rule '{}' (evt.num {}): {field}: expected {}, got {}",
                        e.rule,
                        a.evt_num,
                        shown(want.as_deref()),
                        shown(have.as_deref())
                    ));
                }
            }
        }
    }
    for (rule, got) in by_rule {
        let nums: Vec<String> = got.iter().take(5).map(|a| a.evt_num.to_string()).collect();
        diff.push(format!(
            "+ rule '{rule}': {} unexpected alert(s) (evt.num {}{})",
            got.len(),
            nums.join(", "),
            if got.len() > 5 { ", ..." } else { "" }
        ));
    }
    if diff.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(diff)
    }
}

fn shown(v: Option<&str>) -> String {
    match v {
        None => "<no value>".into(),
        Some(s) => format!("'{s}'"),
    }
}
