//! `falco tune` (falco-rs's own subcommand): from the alerts of a noisy
//! workload to rule exceptions that silence it without silencing what
//! matters.
//!
//! - [`alerts`]: the alerts, from events.json lines, and `--keep`;
//! - [`replay`]: the alerts of a capture replayed through the rules;
//! - [`group`]: the grouping fields and the heuristic picking the cluster
//!   an exception removes;
//! - [`propose`]: a cluster as an exception item, and its narrowing;
//! - [`existing`]: the rules' own exception items, to append values to;
//! - [`verify`]: the replay (or output_fields) check of each proposal;
//! - [`render`]: the YAML output with its comments.
//!
//! Per rule, alerts are grouped greedily: the best cluster of the alerts
//! not yet covered becomes a proposal, as long as it has at least
//! `--min-alerts` alerts and `--min-share` percent of the rule's, at most
//! `--max-per-rule` times. A proposal that would silence a kept alert is
//! narrowed with one more field, or dropped; then it is verified.

pub mod alerts;
pub mod existing;
pub mod group;
pub mod propose;
pub mod render;
pub mod replay;
pub mod verify;

use alerts::{parse_keep, Alert, Keep};
use anyhow::{anyhow, bail, Result};
use clap::Parser;
use group::{best_cluster, raw_value, FIELDS};
use propose::Proposal;
use render::{Accepted, Dropped};
use replay::Rules;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;

#[derive(Parser, Debug, Default)]
#[command(
    name = "falco tune",
    about = "Propose rule exceptions for noisy alerts, verified against the alerts to keep (falco-rs's own)",
    max_term_width = 120,
    after_help = "Per rule, the alerts are grouped on the field whose most common value covers the most of them \
(among fields where the rule's alerts differ; fewer distinct values win ties), plus a second field all of that group \
share, the rarest among the rule's other alerts. A group becomes an exception when it is large enough \
(--min-alerts, --min-share). A proposal that would silence a kept alert gets one more field, or is dropped; \
with -e it is verified by replaying the capture with the exception appended to the rules."
)]
pub struct TuneArgs {
    /// Alerts as Falco's json_output lines (events.json); - reads standard input.
    #[arg(long = "alerts", value_name = "FILE", conflicts_with = "capture")]
    pub alerts: Option<String>,
    /// A capture (.scap or .scap.gz) to replay through the rules: any field can then group alerts, and proposals are verified by replaying it again.
    #[arg(
        short = 'e',
        long = "capture",
        visible_alias = "replay",
        value_name = "CAPTURE"
    )]
    pub capture: Option<String>,
    /// Rules files or directories (default: rules_files of -c, else /etc/falco/falco_rules.yaml and falco_rules.local.yaml).
    #[arg(short = 'r', long = "rules", value_name = "FILE", num_args = 1..)]
    pub rules: Vec<String>,
    /// falco.yaml: its rules_files, rules selection, priority and rule_matching.
    #[arg(short = 'c', value_name = "path")]
    pub config: Option<String>,
    /// An alert that must still be raised, as RULE:EVT_NUM. Can be passed multiple times.
    #[arg(long = "keep", value_name = "RULE:EVT_NUM")]
    pub keep: Vec<String>,
    /// A capture of real attacks: every alert raised on it must still be raised with the exceptions (needs -e).
    #[arg(long = "keep-capture", value_name = "CAPTURE")]
    pub keep_capture: Option<String>,
    /// The fewest alerts an exception must remove.
    #[arg(long = "min-alerts", value_name = "N", default_value_t = 5)]
    pub min_alerts: usize,
    /// The smallest share (percent) of a rule's alerts an exception must remove.
    #[arg(long = "min-share", value_name = "PERCENT", default_value_t = 10.0)]
    pub min_share: f64,
    /// At most this many exceptions per rule.
    #[arg(long = "max-per-rule", value_name = "N", default_value_t = 3)]
    pub max_per_rule: usize,
    /// Only tune these rules. Can be passed multiple times.
    #[arg(long = "rule", value_name = "RULE")]
    pub only: Vec<String>,
}

/// `falco tune ARGS...`: prints the proposals; 0 on success, 1 with a
/// message on any error (a bad line, an unreadable capture, an unknown
/// rule in `--keep`).
pub fn main(args: &[OsString]) -> Result<u8> {
    let parsed: TuneArgs = match crate::subcommand::parse_args("falco tune", args) {
        Ok(a) => a,
        Err(code) => return Ok(code),
    };
    // The rules are loaded once per verification: their info lines
    // ("Loaded N rules") would drown the output; warnings still show.
    crate::logger::configure(
        &crate::config::LoggingConfig {
            log_stderr: true,
            log_syslog: false,
            log_level: crate::logger::LogLevel::Warning,
            ..Default::default()
        },
        false,
    );
    match run(&parsed) {
        Ok(text) => {
            crate::emit(&text);
            Ok(0)
        }
        Err(e) => {
            eprintln!("falco tune: {e:#}");
            Ok(1)
        }
    }
}

/// Where the alerts came from, and what verifies proposals.
enum Input {
    Replay {
        rules: Rules,
        capture: String,
        keep_capture: Option<(String, Vec<Alert>)>,
    },
    Json {
        /// Rules given with --rules or -c: their exception items.
        rules: Option<Rules>,
    },
}

/// The alerts `--keep` names, checked against the known rules.
fn kept_alerts(keeps: &[Keep], alerts: &[Alert], known: &BTreeSet<String>) -> Result<Vec<Alert>> {
    let mut out = Vec::new();
    for k in keeps {
        if !known.contains(&k.rule) {
            bail!("--keep {}:{}: unknown rule '{}'", k.rule, k.evt_num, k.rule);
        }
        let found = alerts
            .iter()
            .find(|a| a.rule == k.rule && a.evt_num == Some(k.evt_num));
        match found {
            Some(a) => out.push(a.clone()),
            None => {
                let numbered = alerts.iter().any(|a| a.evt_num.is_some());
                bail!(
                    "--keep {}:{}: rule '{}' raised no alert on event {}{}",
                    k.rule,
                    k.evt_num,
                    k.rule,
                    k.evt_num,
                    if numbered {
                        ""
                    } else {
                        " (the alerts carry no evt.num: add it to the rule's output, or replay a capture with -e)"
                    }
                );
            }
        }
    }
    Ok(out)
}

/// The alerts, where they came from, and the names of the rules known
/// (for `--keep` and `--rule`); a line for the output's header.
fn load_input(
    args: &TuneArgs,
    header: &mut Vec<String>,
) -> Result<(Vec<Alert>, Input, BTreeSet<String>)> {
    let loaded = match (&args.alerts, &args.capture) {
        (Some(_), Some(_)) => bail!("--alerts and -r cannot be used together"),
        (None, None) => bail!("nothing to tune: pass --alerts events.json or -e CAPTURE"),
        (None, Some(capture)) => {
            let rules = Rules::load(args.config.as_deref(), &args.rules)?;
            let set = rules.compile(None)?;
            let alerts = replay::replay(&set, capture)?;
            let keep_capture = match &args.keep_capture {
                Some(path) => Some((path.clone(), replay::replay(&set, path)?)),
                None => None,
            };
            let known: BTreeSet<String> = set.rules.iter().map(|r| r.name.clone()).collect();
            let files: Vec<&str> = rules.files.iter().map(|(p, _)| p.as_str()).collect();
            header.push(format!(
                "Alerts: replay of {capture} ({} alerts), rules: {}",
                alerts.len(),
                files.join(", ")
            ));
            let input = Input::Replay {
                rules,
                capture: capture.clone(),
                keep_capture,
            };
            (alerts, input, known)
        }
        (Some(path), None) => {
            if args.keep_capture.is_some() {
                bail!("--keep-capture needs -r: the alerts of a capture come from a replay");
            }
            let alerts = alerts::read_events_json(path)?;
            let rules = if args.config.is_some() || !args.rules.is_empty() {
                Some(Rules::load(args.config.as_deref(), &args.rules)?)
            } else {
                None
            };
            let mut known: BTreeSet<String> = alerts.iter().map(|a| a.rule.clone()).collect();
            if let Some(rules) = &rules {
                known.extend(rules.compile(None)?.rules.iter().map(|r| r.name.clone()));
            }
            header.push(format!("Alerts: {path} ({} alerts)", alerts.len()));
            (alerts, Input::Json { rules }, known)
        }
    };
    Ok(loaded)
}

/// Does the work of `falco tune` and returns the output.
pub fn run(args: &TuneArgs) -> Result<String> {
    let keeps = args
        .keep
        .iter()
        .map(|k| parse_keep(k))
        .collect::<Result<Vec<_>>>()?;
    let mut header = Vec::new();
    let (alerts, input, known) = load_input(args, &mut header)?;
    for rule in &args.only {
        if !known.contains(rule) {
            bail!("--rule: unknown rule '{rule}'");
        }
    }
    let mut kept = kept_alerts(&keeps, &alerts, &known)?;
    if let Input::Replay {
        keep_capture: Some((_, k)),
        ..
    } = &input
    {
        kept.extend(k.iter().cloned());
    }
    let items = match &input {
        Input::Replay { rules, .. } | Input::Json { rules: Some(rules) } => {
            existing::exception_items(&rules.files)
        }
        Input::Json { rules: None } => BTreeMap::new(),
    };
    header.push(format!(
        "Grouping fields: {}; heuristic: see `falco tune --help` and cli/README.md",
        FIELDS.join(", ")
    ));

    // Rules by number of alerts, the noisiest first.
    let mut by_rule: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, a) in alerts.iter().enumerate() {
        by_rule.entry(a.rule.as_str()).or_default().push(i);
    }
    let mut rules: Vec<(&str, Vec<usize>)> = by_rule
        .into_iter()
        .filter(|(r, _)| args.only.is_empty() || args.only.iter().any(|o| o == r))
        .collect();
    rules.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));

    let check = match &input {
        Input::Replay {
            rules,
            capture,
            keep_capture,
        } => Some(verify::ReplayCheck {
            rules,
            capture,
            baseline: &alerts,
            keeps: &keeps,
            keep_capture: keep_capture
                .as_ref()
                .map(|(p, a)| (p.as_str(), a.as_slice())),
        }),
        Input::Json { .. } => None,
    };
    let tuner = Tuner {
        args,
        alerts: &alerts,
        kept: &kept,
        items: &items,
        check: check.as_ref(),
    };
    let mut out = Outcome::default();
    for (rule, rule_alerts) in &rules {
        tuner.tune_rule(rule, rule_alerts, &mut out);
    }
    let Outcome {
        accepted,
        dropped,
        mut notes,
    } = out;
    // Each item was checked alone; the file is used whole.
    if let (Some(check), true) = (&check, accepted.len() > 1) {
        let yaml: String = accepted
            .iter()
            .map(|a| render::item_yaml(&a.proposal, &a.name))
            .collect();
        let all: Vec<&Proposal> = accepted.iter().map(|a| &a.proposal).collect();
        match check.check_all(&all, &yaml) {
            Ok(_) => header.push(format!(
                "All {} items together: verified by the same replay",
                accepted.len()
            )),
            Err(why) => header.push(format!(
                "WARNING: the {} items together do not hold: {why}",
                accepted.len()
            )),
        }
    }
    if alerts.is_empty() {
        notes.push("no alerts: nothing to tune".into());
    }
    Ok(render::report(&header, &accepted, &dropped, &notes))
}

/// What tuning a rule needs.
struct Tuner<'a> {
    args: &'a TuneArgs,
    alerts: &'a [Alert],
    /// Alerts that must stay: `--keep` ones and the kept capture's.
    kept: &'a [Alert],
    /// The rules' own exception items, by rule.
    items: &'a BTreeMap<String, Vec<existing::ExistingItem>>,
    /// The replay check; `None` with events.json.
    check: Option<&'a verify::ReplayCheck<'a>>,
}

/// What tuning every rule gave.
#[derive(Default)]
struct Outcome {
    accepted: Vec<Accepted>,
    dropped: Vec<Dropped>,
    notes: Vec<String>,
}

impl Tuner<'_> {
    /// The proposals for `rule`, whose alerts are `rule_alerts`, into `out`.
    fn tune_rule(&self, rule: &str, rule_alerts: &[usize], out: &mut Outcome) {
        let total = rule_alerts.len();
        if total < self.args.min_alerts {
            out.notes.push(format!(
                "rule {rule:?}: {total} alerts, fewer than --min-alerts {}: left as it is",
                self.args.min_alerts
            ));
            return;
        }
        if self.check.is_none() {
            let missing: Vec<&str> = (0..FIELDS.len())
                .filter(|&f| {
                    rule_alerts
                        .iter()
                        .all(|&i| raw_value(&self.alerts[i], f).is_none())
                })
                .map(|f| FIELDS[f])
                .collect();
            if !missing.is_empty() {
                out.notes.push(format!(
                "rule {rule:?}: its output_fields have no {}: not used for grouping (replay a capture with -e to group on any field)",
                missing.join(", ")
            ));
            }
        }
        let mut remaining = rule_alerts.to_vec();
        for _ in 0..self.args.max_per_rule {
            let Some(cluster) = best_cluster(self.alerts, rule_alerts, &remaining) else {
                break;
            };
            let size = cluster.members.len();
            if size < self.args.min_alerts
                || (size as f64) * 100.0 < self.args.min_share * total as f64
            {
                break;
            }
            let naive = Proposal::from_cluster(rule, self.alerts, rule_alerts, &cluster);
            remaining.retain(|i| !cluster.members.contains(i) && !naive.claimed.contains(i));
            let mut p = match spare_kept(naive.clone(), self.alerts, rule_alerts, self.kept) {
                Ok(narrowed) => narrowed,
                Err(why) => {
                    out.dropped.push(Dropped {
                        rule: rule.to_string(),
                        what: render::what(&naive),
                        why,
                    });
                    continue;
                }
            };
            let name = existing::adopt(&mut p, self.items.get(rule).map_or(&[][..], Vec::as_slice));
            // A later cluster of the same rule on the same fields adds its
            // values to the item already accepted: one item per name, as
            // the loader wants, checked as it will be printed.
            let same = out.accepted.iter().position(|a: &Accepted| {
                a.proposal.rule == p.rule
                    && a.name == name
                    && a.proposal.fields == p.fields
                    && a.proposal.comps == p.comps
            });
            let part = p.clone();
            if let Some(n) = same {
                let mut combined = out.accepted[n].proposal.clone();
                combined.values.extend(p.values);
                combined.claimed.extend(p.claimed);
                combined.claimed.sort_unstable();
                combined.claimed.dedup();
                combined.notes.extend(p.notes);
                p = combined;
            }
            let checked = match &self.check {
                Some(check) => check.check(&p, &render::item_yaml(&p, &name)),
                None => verify::check_json(&p, self.alerts, rule_alerts, self.kept),
            };
            match (checked, same) {
                (Ok(check_notes), Some(n)) => {
                    out.accepted[n].proposal = p;
                    out.accepted[n].notes = check_notes;
                }
                (Ok(check_notes), None) => out.accepted.push(Accepted {
                    proposal: p,
                    name,
                    rule_total: total,
                    notes: check_notes,
                }),
                (Err(why), _) => out.dropped.push(Dropped {
                    rule: rule.to_string(),
                    what: render::what(&part),
                    why,
                }),
            }
        }
    }
}

/// `p`, narrowed until no kept alert is silenced, or why it cannot be.
fn spare_kept(
    mut p: Proposal,
    alerts: &[Alert],
    rule_alerts: &[usize],
    kept: &[Alert],
) -> std::result::Result<Proposal, String> {
    loop {
        let silenced = p.silenced(kept);
        if silenced.is_empty() {
            return Ok(p);
        }
        let names: Vec<String> = silenced.iter().map(|&i| kept[i].label()).collect();
        let Some(mut narrowed) = p.narrowed(alerts, rule_alerts, kept) else {
            return Err(format!(
                "it would silence kept alerts ({}) and no further field (of {}) separates them from the alerts it removes",
                names.join(", "),
                FIELDS.join(", ")
            ));
        };
        let added: Vec<&str> = narrowed
            .fields
            .iter()
            .filter(|f| !p.fields.contains(f))
            .map(|&f| FIELDS[f])
            .collect();
        narrowed.notes = p.notes.clone();
        narrowed.notes.push(format!(
            "narrowed with {}: on {} alone it would silence kept alerts ({}); it now removes {} instead of {}",
            added.join(", "),
            p.fields.iter().map(|&f| FIELDS[f]).collect::<Vec<_>>().join(", "),
            names.join(", "),
            narrowed.claimed.len(),
            p.claimed.len()
        ));
        p = narrowed;
    }
}

/// For tests and callers that build arguments in code.
pub fn parse_args<I, T>(args: I) -> Result<TuneArgs>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let argv =
        std::iter::once(OsString::from("falco tune")).chain(args.into_iter().map(Into::into));
    TuneArgs::try_parse_from(argv).map_err(|e| anyhow!("{e}"))
}

#[cfg(test)]
mod tests;
