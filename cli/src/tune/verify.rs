//! Checking a proposal before it is printed. With a replay: the rules are
//! loaded again with the proposal appended and the same capture replayed;
//! the alerts that disappear must be exactly those claimed, no kept alert
//! may be among them, and every alert of the kept capture must still be
//! raised. With events.json: the exception's values are evaluated against
//! each alert's `output_fields` (what [`Proposal::removes`] does), and the
//! alerts that lack one of its fields are reported, since only the engine
//! could tell what it does with them.

use super::alerts::{Alert, Keep};
use super::group::{raw_value, FIELDS};
use super::propose::Proposal;
use super::replay::{replay, Rules};
use std::collections::BTreeSet;

/// An alert's identity in a replay: its rule and event number.
type Id = (String, u64);

fn ids(alerts: &[Alert]) -> BTreeSet<Id> {
    alerts
        .iter()
        .filter_map(|a| Some((a.rule.clone(), a.evt_num?)))
        .collect()
}

fn show(ids: &BTreeSet<Id>) -> String {
    let mut shown: Vec<String> = ids
        .iter()
        .take(5)
        .map(|(r, n)| format!("{r}:{n}"))
        .collect();
    if ids.len() > 5 {
        shown.push(format!("... ({} in all)", ids.len()));
    }
    shown.join(", ")
}

/// What a replay check compares against.
#[derive(Debug)]
pub struct ReplayCheck<'a> {
    pub rules: &'a Rules,
    pub capture: &'a str,
    /// The alerts of `capture` without the proposal.
    pub baseline: &'a [Alert],
    pub keeps: &'a [Keep],
    /// A capture whose alerts must all stay, and its alerts without the
    /// proposal.
    pub keep_capture: Option<(&'a str, &'a [Alert])>,
}

impl ReplayCheck<'_> {
    /// Notes for the output when the proposal (as the rules item `yaml`)
    /// holds, else why it does not.
    pub fn check(&self, p: &Proposal, yaml: &str) -> Result<Vec<String>, String> {
        self.check_all(&[p], yaml)
    }

    /// [`Self::check`] of several proposals at once (`yaml` holding all
    /// their items): together they must remove exactly what each claims.
    pub fn check_all(&self, proposals: &[&Proposal], yaml: &str) -> Result<Vec<String>, String> {
        let set = self
            .rules
            .compile(Some(yaml))
            .map_err(|e| format!("the rules do not load with it: {e}"))?;
        let after = replay(&set, self.capture).map_err(|e| e.to_string())?;
        let (before, after) = (ids(self.baseline), ids(&after));
        let removed: BTreeSet<Id> = before.difference(&after).cloned().collect();
        let claimed: BTreeSet<Id> = proposals
            .iter()
            .flat_map(|p| {
                p.claimed
                    .iter()
                    .filter_map(|&i| Some((p.rule.clone(), self.baseline[i].evt_num?)))
            })
            .collect();
        if removed != claimed {
            let missed: BTreeSet<Id> = claimed.difference(&removed).cloned().collect();
            let extra: BTreeSet<Id> = removed.difference(&claimed).cloned().collect();
            return Err(format!(
                "replaying {} with it removes {} alerts, not the {} claimed (not removed: [{}]; removed too: [{}])",
                self.capture,
                removed.len(),
                claimed.len(),
                show(&missed),
                show(&extra)
            ));
        }
        let silenced: BTreeSet<Id> = self
            .keeps
            .iter()
            .map(|k| (k.rule.clone(), k.evt_num))
            .filter(|id| removed.contains(id))
            .collect();
        if !silenced.is_empty() {
            return Err(format!("it silences kept alerts: {}", show(&silenced)));
        }
        let mut notes = vec![format!(
            "verified: replaying {} with it removes exactly these {} alerts",
            self.capture,
            removed.len()
        )];
        if !self.keeps.is_empty() {
            notes.push(format!(
                "the {} alerts kept with --keep are still raised",
                self.keeps.len()
            ));
        }
        if let Some((path, kept)) = self.keep_capture {
            let after_kept = ids(&replay(&set, path).map_err(|e| e.to_string())?);
            let lost: BTreeSet<Id> = ids(kept).difference(&after_kept).cloned().collect();
            if !lost.is_empty() {
                return Err(format!(
                    "alerts of the kept capture {path} would no longer be raised: {}",
                    show(&lost)
                ));
            }
            notes.push(format!(
                "all {} alerts of the kept capture {path} are still raised",
                kept.len()
            ));
        }
        // With `rule_matching: first`, an event the rule no longer alerts
        // on may now raise a later rule: worth knowing, not a failure.
        let appeared: BTreeSet<Id> = after.difference(&before).cloned().collect();
        if !appeared.is_empty() {
            notes.push(format!(
                "on those events other rules now alert (rule_matching: first): {}",
                show(&appeared)
            ));
        }
        Ok(notes)
    }
}

/// The events.json check: notes, or why the proposal cannot stand. Kept
/// alerts were spared by construction; they are checked again here so a
/// proposal never reaches the output silencing one.
pub fn check_json(
    p: &Proposal,
    alerts: &[Alert],
    rule_alerts: &[usize],
    kept: &[Alert],
) -> Result<Vec<String>, String> {
    let silenced = p.silenced(kept);
    if !silenced.is_empty() {
        let names: Vec<String> = silenced.iter().map(|&i| kept[i].label()).collect();
        return Err(format!("it silences kept alerts: {}", names.join(", ")));
    }
    let mut notes = vec![format!(
        "checked against the output_fields of the {} alerts of the rule",
        rule_alerts.len()
    )];
    for &f in &p.fields {
        let lacking = rule_alerts
            .iter()
            .filter(|&&i| raw_value(&alerts[i], f).is_none())
            .count();
        if lacking > 0 {
            notes.push(format!(
                "{lacking} alerts have no {} in output_fields and are not counted (replay a capture with -e to know)",
                FIELDS[f]
            ));
        }
    }
    Ok(notes)
}
