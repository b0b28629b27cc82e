//! The exception items rules already have, read from the rules files'
//! YAML (the loaded ruleset keeps only their names and fields together):
//! a proposal with the same fields and comparisons appends values to that
//! item instead of adding one.

use super::group::FIELDS;
use super::propose::Proposal;
use falco_engine::yaml::{self, Documents, Node, Options};
use std::collections::BTreeMap;

/// An exception item as written: its name, fields and comparisons (`=`
/// for each field when `comps` is left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingItem {
    pub name: String,
    pub fields: Vec<String>,
    pub comps: Vec<String>,
}

fn scalars(node: Option<&Node<yaml::Mark>>) -> Option<Vec<String>> {
    node?
        .as_seq()?
        .iter()
        .map(|n| n.as_scalar().map(str::to_owned))
        .collect()
}

/// The exception items of every rule of `files` (name, text), in load
/// order: a rule defined again (a `condition` without `override`), or
/// its exceptions replaced, starts over; items that only add values to an item are skipped. Files that do
/// not parse are the loader's business, not ours: they give nothing.
pub fn exception_items(files: &[(String, String)]) -> BTreeMap<String, Vec<ExistingItem>> {
    let mut out: BTreeMap<String, Vec<ExistingItem>> = BTreeMap::new();
    let options = Options {
        documents: Documents::All,
        scalar_keys: false,
    };
    for (_, text) in files {
        let Ok(docs) = yaml::parse(text, options, |m| m) else {
            continue;
        };
        for item in docs.iter().filter_map(|d| d.as_seq()).flatten() {
            let Some(rule) = item.get("rule").and_then(|n| n.as_scalar()) else {
                continue;
            };
            let replaced = item
                .get("override")
                .and_then(|o| o.get("exceptions"))
                .and_then(|n| n.as_scalar())
                == Some("replace");
            let redefined =
                replaced || (item.get("condition").is_some() && item.get("override").is_none());
            let items = out.entry(rule.to_owned()).or_default();
            if redefined {
                items.clear();
            }
            for ex in item
                .get("exceptions")
                .and_then(|n| n.as_seq())
                .unwrap_or(&[])
            {
                let (Some(name), Some(fields)) = (
                    ex.get("name").and_then(|n| n.as_scalar()),
                    scalars(ex.get("fields")),
                ) else {
                    continue;
                };
                let comps =
                    scalars(ex.get("comps")).unwrap_or_else(|| vec!["=".into(); fields.len()]);
                items.push(ExistingItem {
                    name: name.to_owned(),
                    fields,
                    comps,
                });
            }
        }
    }
    out
}

/// The name a new item of `fields` gets on a rule that has `items`.
fn new_name(p: &Proposal, items: &[ExistingItem]) -> String {
    let base: Vec<String> = p
        .fields
        .iter()
        .map(|&f| FIELDS[f].replace('.', "_"))
        .collect();
    let base = format!("tune_{}", base.join("_"));
    let mut name = base.clone();
    let mut n = 2;
    while items.iter().any(|i| i.name == name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

/// Points `p` at an item of the rule with the same fields and comparisons
/// (its fields then in that item's order), or returns the name of the new
/// item it adds.
pub fn adopt(p: &mut Proposal, items: &[ExistingItem]) -> String {
    let ours: Vec<(&str, &str)> = p
        .fields
        .iter()
        .zip(&p.comps)
        .map(|(&f, &c)| (FIELDS[f], c))
        .collect();
    for item in items {
        if item.fields.len() != ours.len() || item.comps.len() != ours.len() {
            continue;
        }
        // Our position of each of the item's fields, comparison included.
        let order: Option<Vec<usize>> = item
            .fields
            .iter()
            .zip(&item.comps)
            .map(|(f, c)| ours.iter().position(|(of, oc)| of == f && oc == c))
            .collect();
        let Some(order) = order else { continue };
        p.fields = order.iter().map(|&n| p.fields[n]).collect();
        p.comps = order.iter().map(|&n| p.comps[n]).collect();
        for tuple in &mut p.values {
            *tuple = order.iter().map(|&n| tuple[n].clone()).collect();
        }
        p.existing = Some(item.name.clone());
        return item.name.clone();
    }
    p.existing = None;
    new_name(p, items)
}
