//! `falco explain` (falco-rs's own): why a rule did or did not match the
//! events of a capture. With `--event N`, the rule's condition traced on
//! event N (the first failing part and its value, then the whole tree);
//! without, the events it matched and the ones that came closest.

use crate::rules::{load_rule_files, DEFAULT_RULES};
use anyhow::{anyhow, bail, Result};
use clap::Parser;
use falco_engine::compiler::explain::{Explainer, Trace};
use falco_engine::compiler::{CompiledRuleset, Issue};
use falco_scap::{Engine, Next, SavefileEngine};
use falco_sinsp::format::Formatter;
use falco_sinsp::{Ctx, Inspector, SyscallFields};
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "falco explain",
    about = "Explains why a rule matched or did not match the events of a capture."
)]
struct Args {
    /// The rule to explain.
    #[arg(long, value_name = "NAME")]
    rule: String,
    /// The capture (.scap, plain or gzip).
    #[arg(long, short = 'e', value_name = "FILE")]
    capture: PathBuf,
    /// The event (evt.num) to explain; without it, the events the rule
    /// matched and those that came closest.
    #[arg(long, value_name = "N")]
    event: Option<u64>,
    /// Rules files, loaded in order (default: /etc/falco/falco_rules.yaml
    /// and /etc/falco/falco_rules.local.yaml when present).
    #[arg(short = 'r', value_name = "rules_file")]
    rules: Vec<PathBuf>,
    /// How many of the closest events to show.
    #[arg(long, default_value_t = 5, value_name = "K")]
    top: usize,
}

/// `falco explain ARGS...` (the arguments after `explain`).
pub fn main(args: &[OsString]) -> Result<u8> {
    let args: Args = match crate::subcommand::parse_args("falco explain", args) {
        Ok(a) => a,
        Err(code) => return Ok(code),
    };
    let files = if args.rules.is_empty() {
        DEFAULT_RULES
            .iter()
            .map(PathBuf::from)
            .filter(|p| p.exists())
            .collect()
    } else {
        args.rules.clone()
    };
    if files.is_empty() {
        bail!("no rules files: give them with -r");
    }
    let ruleset = load_rule_files(&files, None).map_err(|e| anyhow!(e))?;
    let Some(rule) = ruleset.rule(&args.rule) else {
        bail!("no rule named '{}' in {}", args.rule, shown(&files));
    };
    let src = SyscallFields::new();
    let explainer = Explainer::new(rule, &ruleset, &src)
        .map_err(|e| anyhow!("rule '{}': {}", args.rule, issue(&e)))?;
    let (set, _) = CompiledRuleset::compile(&ruleset, SyscallFields::new());
    let Some(compiled) = set.rules.iter().find(|r| r.name == args.rule) else {
        bail!("rule '{}' does not compile", args.rule);
    };
    let mut engine = SavefileEngine::open(&args.capture)
        .map_err(|e| anyhow!("{}: {e}", args.capture.display()))?;
    let mut insp = Inspector::new(engine.take_initial_state());
    let describe = Formatter::new(&src, "%evt.type %evt.dir proc.name=%proc.name")
        .map_err(|e| anyhow!("{e}"))?;
    let mut scan = Scan::new(args.top);
    loop {
        let ev = match engine
            .next()
            .map_err(|e| anyhow!("{}: {e}", args.capture.display()))?
        {
            Next::Event(ev) => ev,
            Next::Touch(t) => {
                insp.touch(&t);
                continue;
            }
            Next::Timeout => continue,
            Next::Eof => break,
        };
        insp.process(&ev);
        let c = Ctx { ev, insp: &insp };
        let num = insp.scope().num;
        match args.event {
            Some(n) if n == num => {
                let trace = explainer.explain(&src, &c);
                crate::emit(&one_event(
                    &args.rule,
                    num,
                    &describe.format(&src, &c),
                    &trace,
                ));
                return Ok(0);
            }
            Some(_) => {}
            None if compiled.events.contains(ev.evt_type) => {
                let trace = explainer.explain(&src, &c);
                scan.add(num, || describe.format(&src, &c), &trace);
            }
            None => {}
        }
    }
    if let Some(n) = args.event {
        bail!(
            "{} has no event {n} (it has {})",
            args.capture.display(),
            insp.scope().num
        );
    }
    crate::emit(&scan.report(&args.rule, insp.scope().num));
    Ok(0)
}

fn shown(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn issue(i: &Issue) -> String {
    match i {
        Issue::Error(_, m) | Issue::Warning(_, m) => m.clone(),
    }
}

/// The report for one event.
fn one_event(rule: &str, num: u64, event: &str, trace: &Trace) -> String {
    let mut out = if trace.result {
        format!("Rule '{rule}' matched event {num} ({event}).\n")
    } else {
        format!(
            "Rule '{rule}' did not match event {num} ({event}).\nFirst failing part: {}\n",
            trace.failure().unwrap_or_default()
        )
    };
    out.push('\n');
    out.push_str(&trace.render());
    out
}

/// The events a whole-capture explanation keeps: the matches, and the
/// `top` closest misses.
struct Scan {
    top: usize,
    checked: u64,
    matched: Vec<u64>,
    /// (closeness, evt.num, event, first failure), best first.
    closest: Vec<(f64, u64, String, String)>,
}

impl Scan {
    fn new(top: usize) -> Scan {
        Scan {
            top,
            checked: 0,
            matched: Vec::new(),
            closest: Vec::new(),
        }
    }

    fn add(&mut self, num: u64, event: impl FnOnce() -> String, trace: &Trace) {
        self.checked += 1;
        if trace.result {
            self.matched.push(num);
            return;
        }
        let score = trace.closeness();
        // Only a closer event than the last kept one can enter; ties keep
        // the earlier event.
        if self.closest.len() == self.top && self.closest.last().is_none_or(|(s, ..)| score <= *s) {
            return;
        }
        let at = self.closest.partition_point(|(s, ..)| *s >= score);
        self.closest.insert(
            at,
            (score, num, event(), trace.failure().unwrap_or_default()),
        );
        self.closest.truncate(self.top);
    }

    fn report(&self, rule: &str, events: u64) -> String {
        let mut out = format!(
            "Rule '{rule}': {} of {events} events have an event type it checks; it matched {}",
            self.checked,
            self.matched.len()
        );
        if self.matched.is_empty() {
            out.push_str(".\n");
        } else {
            let nums: Vec<String> = self.matched.iter().take(20).map(u64::to_string).collect();
            out.push_str(&format!(
                " (evt.num {}{}).\n",
                nums.join(", "),
                if self.matched.len() > 20 { ", ..." } else { "" }
            ));
        }
        if !self.closest.is_empty() {
            out.push_str("Closest events that did not match (share of the condition that held):\n");
            for (score, num, event, failure) in &self.closest {
                out.push_str(&format!(
                    "  evt.num {num} ({event}), {:.0}%: fails at {failure}\n",
                    score * 100.0
                ));
            }
            out.push_str("Run with --event N for the whole tree of one event.\n");
        }
        out
    }
}
