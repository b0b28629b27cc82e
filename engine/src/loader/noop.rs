//! Appends and overrides that leave the item as it was
//! (`LOAD_NOOP_OVERRIDE`, our code, not Falco's): a blank condition
//! appended (an empty one is already an error), tags, list items or
//! exception values appended that are all there already, a key replaced
//! with the value it has, `enabled` set to what it already is. Each is
//! judged against the item as collected just before the change (so after
//! the `append` part of an override when judging its `replace` part), and
//! reported per key.

use super::codes::WarningCode;
use super::collector::{ListInfo, ListItem, RuleInfo, RuleUpdate};
use super::context::{Context, ItemType};
use super::exceptions::{Entry, ExceptionInfo};
use super::mapped_text::MappedText;
use super::result::FileResult;
use super::yaml::Node;

/// A key of an item whose change changes nothing, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Noop {
    pub key: &'static str,
    pub message: String,
}

impl Noop {
    fn new(key: &'static str, message: impl Into<String>) -> Noop {
        Noop {
            key,
            message: message.into(),
        }
    }
}

/// Warns about each no-op at its key of `item` (`ctx` is the item's).
pub(crate) fn report(res: &mut FileResult, item: &Node, ctx: &Context, noops: Vec<Noop>) {
    for noop in noops {
        let at = item.get(noop.key).map_or(item.start, |n| n.start);
        let key_ctx = ctx.child(at, ItemType::Override, noop.key);
        res.warn(WarningCode::NoopOverride, noop.message, &key_ctx);
    }
}

fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// An appended condition with nothing but blanks.
pub(crate) fn condition_append(cond: &MappedText) -> Option<Noop> {
    blank(cond.text())
        .then(|| Noop::new("condition", "Appending an empty condition changes nothing"))
}

/// What of a rule `append` (legacy or `override: append`) changes nothing.
pub(crate) fn rule_append(prev: &RuleInfo, update: &RuleUpdate) -> Vec<Noop> {
    let mut out = Vec::new();
    if let Some(noop) = update.cond.as_ref().and_then(condition_append) {
        out.push(noop);
    }
    // An empty output or description never gets here: reading refuses
    // empty values ("Value must be non-empty"), and blanks are appended.
    if let Some(tags) = &update.tags {
        if tags.is_subset(&prev.tags) {
            out.push(Noop::new("tags", "Every appended tag is already present"));
        }
    }
    for ex in update.exceptions.iter().flatten() {
        // A new exception, or one appending no values (Falco's
        // LOAD_APPEND_NO_VALUES says so), is not ours to report.
        let Some(existing) = prev.exceptions.iter().find(|p| p.name == ex.name) else {
            continue;
        };
        if !ex.values.is_empty()
            && ex
                .values
                .iter()
                .all(|v| existing.values.iter().any(|e| same_entry(e, v)))
        {
            out.push(Noop::new(
                "exceptions",
                format!(
                    "Every value appended to exception '{}' is already present",
                    ex.name
                ),
            ));
        }
    }
    out
}

/// What of a rule `override: replace` sets the value the rule already has.
pub(crate) fn rule_replace(prev: &RuleInfo, update: &RuleUpdate) -> Vec<Noop> {
    let same = [
        (
            "condition",
            update.cond.as_ref().map(|c| c.text() == prev.cond.text()),
        ),
        ("output", update.output.as_ref().map(|o| *o == prev.output)),
        ("desc", update.desc.as_ref().map(|d| *d == prev.desc)),
        ("tags", update.tags.as_ref().map(|t| *t == prev.tags)),
        (
            "exceptions",
            update
                .exceptions
                .as_ref()
                .map(|e| same_exceptions(e, &prev.exceptions)),
        ),
        ("priority", update.priority.map(|p| p == prev.priority)),
        ("enabled", update.enabled.map(|e| e == prev.enabled)),
        (
            "warn_evttypes",
            update.warn_evttypes.map(|w| w == prev.warn_evttypes),
        ),
        (
            "skip-if-unknown-filter",
            update
                .skip_if_unknown_filter
                .map(|s| s == prev.skip_if_unknown_filter),
        ),
        ("capture", update.capture.map(|c| c == prev.capture)),
        (
            "capture_duration",
            update.capture_duration.map(|d| d == prev.capture_duration),
        ),
    ];
    same.into_iter()
        .filter(|(_, same)| *same == Some(true))
        .map(|(key, _)| {
            Noop::new(
                key,
                format!("Replacing '{key}' with the value it already has changes nothing"),
            )
        })
        .collect()
}

/// A standalone `enabled: <value>` for a rule that already has it.
pub(crate) fn enable(prev: &RuleInfo, enabled: bool) -> Option<Noop> {
    (prev.enabled == enabled).then(|| {
        Noop::new(
            "enabled",
            format!(
                "The rule is already {}: setting 'enabled: {enabled}' changes nothing",
                if enabled { "enabled" } else { "disabled" }
            ),
        )
    })
}

/// A list append whose items are all in the list already.
pub(crate) fn list_append(prev: &ListInfo, items: &[ListItem]) -> Option<Noop> {
    items
        .iter()
        .all(|item| prev.items.iter().any(|p| p.text == item.text))
        .then(|| {
            Noop::new(
                "items",
                format!("Every appended item is already in list '{}'", prev.name),
            )
        })
}

/// Entries compared by what they say, not where they were written.
fn same_entry(a: &Entry, b: &Entry) -> bool {
    a.is_list == b.is_list
        && a.item == b.item
        && a.items.len() == b.items.len()
        && a.items.iter().zip(&b.items).all(|(x, y)| same_entry(x, y))
}

/// Exceptions compared by what they say. The collected ones have their
/// implicit comparisons filled in and a replacement does not yet, so a
/// replacement that leaves `comps` out counts as different: the lint stays
/// quiet rather than guess.
fn same_exceptions(new: &[ExceptionInfo], old: &[ExceptionInfo]) -> bool {
    new.len() == old.len()
        && new.iter().zip(old).all(|(n, o)| {
            n.name == o.name
                && same_entry(&n.fields, &o.fields)
                && same_entry(&n.comps, &o.comps)
                && n.values.len() == o.values.len()
                && n.values
                    .iter()
                    .zip(&o.values)
                    .all(|(x, y)| same_entry(x, y))
        })
}
