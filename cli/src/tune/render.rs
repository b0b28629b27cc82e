//! The output: YAML to drop into falco_rules.local.yaml, one rule item
//! per proposal (an exception appended with `override: {exceptions:
//! append}`, which works on a rule defined in another file), with
//! comments giving what each removes and how it was checked, and the
//! proposals that were dropped, with why.

use super::group::FIELDS;
use super::propose::Proposal;

/// `text` as a YAML scalar: plain when that reads back as the same text
/// (in block and flow context alike), else double-quoted.
pub fn scalar(text: &str) -> String {
    let plain = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '/' || c == '_')
        && !text.ends_with(' ')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " _./-=+".contains(c))
        && !matches!(
            text,
            "null" | "Null" | "NULL" | "true" | "false" | "True" | "False"
        );
    if plain {
        return text.to_owned();
    }
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}

fn flow(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

/// The rules item of `p`, its exception item called `name`.
pub fn item_yaml(p: &Proposal, name: &str) -> String {
    let mut out = format!(
        "- rule: {}\n  exceptions:\n    - name: {}\n",
        scalar(&p.rule),
        scalar(name)
    );
    // Values appended to an item take its fields and comparisons: the
    // loader refuses them again.
    if p.existing.is_none() {
        let fields: Vec<String> = p.fields.iter().map(|&f| FIELDS[f].to_owned()).collect();
        let comps: Vec<String> = p.comps.iter().map(|c| c.to_string()).collect();
        out.push_str(&format!(
            "      fields: {}\n      comps: {}\n",
            flow(&fields),
            flow(&comps)
        ));
    }
    out.push_str("      values:\n");
    for tuple in &p.values {
        let values: Vec<String> = tuple.iter().map(|v| scalar(v)).collect();
        out.push_str(&format!("        - {}\n", flow(&values)));
    }
    out.push_str("  override:\n    exceptions: append\n");
    out
}

/// One accepted proposal, commented.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub proposal: Proposal,
    pub name: String,
    pub rule_total: usize,
    pub notes: Vec<String>,
}

/// A proposal that was not printed, and why.
#[derive(Debug, Clone)]
pub struct Dropped {
    pub rule: String,
    pub what: String,
    pub why: String,
}

fn percent(part: usize, whole: usize) -> String {
    format!("{:.1}%", 100.0 * part as f64 / whole.max(1) as f64)
}

/// What the values of `p` say, for a comment.
fn describe(p: &Proposal) -> String {
    let alternatives: Vec<String> = p
        .values
        .iter()
        .map(|tuple| {
            p.fields
                .iter()
                .zip(&p.comps)
                .zip(tuple)
                .map(|((&f, c), v)| format!("{} {c} {v:?}", FIELDS[f]))
                .collect::<Vec<_>>()
                .join(" and ")
        })
        .collect();
    alternatives.join(" | ")
}

/// A proposal's description for the list of dropped ones.
pub fn what(p: &Proposal) -> String {
    describe(p)
}

/// The whole output.
pub fn report(
    header: &[String],
    accepted: &[Accepted],
    dropped: &[Dropped],
    notes: &[String],
) -> String {
    let mut out = String::new();
    out.push_str(
        "# Exceptions proposed by `falco tune`: review, then add to falco_rules.local.yaml.\n",
    );
    for line in header {
        out.push_str(&format!("# {line}\n"));
    }
    if accepted.is_empty() {
        out.push_str("# No exception to propose.\n");
    }
    for a in accepted {
        let p = &a.proposal;
        out.push('\n');
        let target = match &p.existing {
            Some(name) => format!("values appended to its exception '{name}'"),
            None => format!("new exception '{}'", a.name),
        };
        out.push_str(&format!(
            "# Rule {:?}: removes {} of its {} alerts ({}); {target}\n",
            p.rule,
            p.claimed.len(),
            a.rule_total,
            percent(p.claimed.len(), a.rule_total)
        ));
        out.push_str(&format!("#   {}\n", describe(p)));
        for note in p.notes.iter().chain(&a.notes) {
            out.push_str(&format!("#   {note}\n"));
        }
        out.push_str(&item_yaml(p, &a.name));
    }
    if !dropped.is_empty() {
        out.push_str("\n# Not proposed:\n");
        for d in dropped {
            out.push_str(&format!("#   rule {:?}: {} — {}\n", d.rule, d.what, d.why));
        }
    }
    if !notes.is_empty() {
        out.push_str("\n# Notes:\n");
        for n in notes {
            out.push_str(&format!("#   {n}\n"));
        }
    }
    out
}
