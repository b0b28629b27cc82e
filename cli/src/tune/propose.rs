//! From a cluster to an exception item: the values Falco will compare
//! (the `proc.cmdline` words shared by the cluster, `startswith` when they
//! are a prefix), the alerts it removes by our own evaluation, and the
//! narrowing that spares the alerts the user keeps.

use super::alerts::Alert;
use super::group::{key, raw_value, usable_prefix, Cluster, CMDLINE, FIELDS};
use std::collections::BTreeMap;

/// At most this many fields in an exception: two from the grouping, one
/// more to spare kept alerts.
pub const MAX_FIELDS: usize = 3;

/// An exception item proposed for one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub rule: String,
    /// Indices into [`FIELDS`], in the order the item lists them.
    pub fields: Vec<usize>,
    /// The comparison of each field: `=`, or `startswith` for a command
    /// line prefix.
    pub comps: Vec<&'static str>,
    /// One value per field, per alternative.
    pub values: Vec<Vec<String>>,
    /// The alerts (indices) of the rule the item removes, by our own
    /// evaluation of `fields`/`comps`/`values`.
    pub claimed: Vec<usize>,
    /// The exception item of the rule to append values to (same fields and
    /// comparisons), if the rules have one.
    pub existing: Option<String>,
    /// Why the proposal looks the way it does (narrowing), for the output.
    pub notes: Vec<String>,
}

/// The longest common prefix of `texts` that ends at a word boundary (or
/// is a whole text).
fn common_words(texts: &[String]) -> String {
    let Some(first) = texts.first() else {
        return String::new();
    };
    let mut len = first.len();
    for t in &texts[1..] {
        len = first
            .bytes()
            .zip(t.bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count();
    }
    let prefix = &first[..len];
    let whole_word = texts
        .iter()
        .all(|t| t.len() == len || t.as_bytes().get(len) == Some(&b' '));
    if whole_word {
        prefix.trim_end().to_owned()
    } else {
        prefix
            .rsplit_once(' ')
            .map_or(String::new(), |(h, _)| h.trim_end().to_owned())
    }
}

/// The value field `f` gets for `members`: their shared key, or for
/// `proc.cmdline` the words all their command lines start with (more than
/// the grouping key when they agree further).
fn value_for(alerts: &[Alert], members: &[usize], f: usize, group_key: &str) -> String {
    if f != CMDLINE {
        return group_key.to_owned();
    }
    let full: Vec<String> = members
        .iter()
        .filter_map(|&i| raw_value(&alerts[i], f))
        .collect();
    usable_prefix(&common_words(&full))
        .filter(|v| v.len() >= group_key.len())
        .unwrap_or_else(|| group_key.to_owned())
}

/// Whether `alert` has `value` on field `f` under `comp`.
fn field_matches(alert: &Alert, f: usize, comp: &str, value: &str) -> bool {
    match raw_value(alert, f) {
        None => false,
        Some(v) if comp == "startswith" => v.starts_with(value),
        Some(v) => v == value,
    }
}

impl Proposal {
    /// Whether the item removes `alert` (of any rule: only this rule's
    /// alerts can be removed).
    pub fn removes(&self, alert: &Alert) -> bool {
        alert.rule == self.rule
            && self.values.iter().any(|tuple| {
                self.fields
                    .iter()
                    .zip(&self.comps)
                    .zip(tuple)
                    .all(|((&f, comp), v)| field_matches(alert, f, comp, v))
            })
    }

    /// The item for `groups` (each: keys on `fields`, and its members).
    fn build(
        rule: &str,
        alerts: &[Alert],
        rule_alerts: &[usize],
        fields: Vec<usize>,
        groups: &[(Vec<String>, Vec<usize>)],
    ) -> Proposal {
        let values: Vec<Vec<String>> = groups
            .iter()
            .map(|(keys, members)| {
                fields
                    .iter()
                    .zip(keys)
                    .map(|(&f, k)| value_for(alerts, members, f, k))
                    .collect()
            })
            .collect();
        // `=` unless some member's command line goes on after the value.
        let comps = fields
            .iter()
            .enumerate()
            .map(|(n, &f)| {
                let prefix_only = f == CMDLINE
                    && groups.iter().zip(&values).any(|((_, members), tuple)| {
                        members
                            .iter()
                            .any(|&i| raw_value(&alerts[i], f).as_deref() != Some(&tuple[n]))
                    });
                if prefix_only {
                    "startswith"
                } else {
                    "="
                }
            })
            .collect();
        let mut p = Proposal {
            rule: rule.to_owned(),
            fields,
            comps,
            values,
            claimed: Vec::new(),
            existing: None,
            notes: Vec::new(),
        };
        p.claimed = rule_alerts
            .iter()
            .copied()
            .filter(|&i| p.removes(&alerts[i]))
            .collect();
        p
    }

    /// The item removing `cluster`, fields in [`FIELDS`] order.
    pub fn from_cluster(
        rule: &str,
        alerts: &[Alert],
        rule_alerts: &[usize],
        cluster: &Cluster,
    ) -> Proposal {
        let mut pairs: Vec<(usize, String)> = cluster
            .fields
            .iter()
            .copied()
            .zip(cluster.keys.iter().cloned())
            .collect();
        pairs.sort();
        let (fields, keys): (Vec<usize>, Vec<String>) = pairs.into_iter().unzip();
        Proposal::build(
            rule,
            alerts,
            rule_alerts,
            fields,
            &[(keys, cluster.members.clone())],
        )
    }

    /// The kept alerts (indices into `kept`) this item would remove.
    pub fn silenced(&self, kept: &[Alert]) -> Vec<usize> {
        (0..kept.len())
            .filter(|&i| self.removes(&kept[i]))
            .collect()
    }

    /// The item with one more field, chosen so that none of `kept` is
    /// removed while as many claimed alerts as possible still are: the
    /// claimed alerts are split by their key on the new field and the
    /// keys of silenced kept alerts left out. `None` when no field spares
    /// them and keeps anything, or the item has [`MAX_FIELDS`] already.
    pub fn narrowed(
        &self,
        alerts: &[Alert],
        rule_alerts: &[usize],
        kept: &[Alert],
    ) -> Option<Proposal> {
        if self.fields.len() >= MAX_FIELDS {
            return None;
        }
        let silenced: Vec<&Alert> = self.silenced(kept).into_iter().map(|i| &kept[i]).collect();
        let mut best: Option<Proposal> = None;
        for g in (0..FIELDS.len()).filter(|g| !self.fields.contains(g)) {
            // Claimed alerts grouped by (their tuple's keys, key on g).
            let mut groups: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
            for &i in &self.claimed {
                let a = &alerts[i];
                let Some(gk) = key(a, g) else { continue };
                if silenced
                    .iter()
                    .any(|k| key(k, g).as_deref() == Some(gk.as_str()))
                {
                    continue;
                }
                let Some(mut keys) = self
                    .fields
                    .iter()
                    .map(|&f| key(a, f))
                    .collect::<Option<Vec<_>>>()
                else {
                    continue;
                };
                keys.push(gk);
                groups.entry(keys).or_default().push(i);
            }
            if groups.is_empty() {
                continue;
            }
            let mut pairs: Vec<usize> = self.fields.clone();
            pairs.push(g);
            // Fields in FIELDS order, each group's keys in the same order.
            let mut order: Vec<usize> = (0..pairs.len()).collect();
            order.sort_by_key(|&n| pairs[n]);
            let fields: Vec<usize> = order.iter().map(|&n| pairs[n]).collect();
            let groups: Vec<(Vec<String>, Vec<usize>)> = groups
                .into_iter()
                .map(|(keys, members)| (order.iter().map(|&n| keys[n].clone()).collect(), members))
                .collect();
            let candidate = Proposal::build(&self.rule, alerts, rule_alerts, fields, &groups);
            // The wider value of a command line may catch a kept alert
            // again: such a field does not spare it.
            if !candidate.silenced(kept).is_empty() {
                continue;
            }
            if best
                .as_ref()
                .is_none_or(|b| candidate.claimed.len() > b.claimed.len())
            {
                best = Some(candidate);
            }
        }
        best
    }
}
