//! `falco test` (falco-rs's own): rule unit tests. Case files (YAML, next
//! to the rules; format in rules/tests/README.md) name the rules to load
//! and cases, each a sequence of synthetic events in a described world, or
//! a capture with an optional range, and the alerts it expects (or none).
//! Prints pass/fail per case with a diff of expected against raised
//! alerts, writes JUnit XML with `--junit`, and exits 1 when any case
//! fails or cannot run.

mod case;
mod events;
mod junit;
mod params;
mod read;
mod runner;
#[cfg(test)]
mod tests;
mod world;

use anyhow::{bail, Result};
use clap::Parser;
use junit::{CaseResult, FileResults};
use runner::{Outcome, Rules};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The command line of `falco test`.
#[derive(Debug, Parser)]
#[command(
    name = "falco test",
    about = "Runs rule unit tests: case files of events and the alerts they must (or must not) raise."
)]
struct Args {
    /// Case files, or directories whose *.yaml files are case files.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Also write the results as JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Run only the cases whose name contains TEXT.
    #[arg(long = "case", value_name = "TEXT")]
    filter: Option<String>,
    /// Print every case, not only the failing ones.
    #[arg(short, long)]
    verbose: bool,
    /// Also fail unless every enabled rule the case files load has a case
    /// that raises it and a case (naming it in `rule:`) that must not.
    #[arg(long)]
    coverage: bool,
}

/// Per rule: the cases that show it firing and the near misses that show
/// it silent.
#[derive(Debug, Default)]
struct Coverage {
    rules: BTreeMap<String, (usize, usize)>,
}

impl Coverage {
    fn add_rules(&mut self, names: impl Iterator<Item = String>) {
        for n in names {
            self.rules.entry(n).or_default();
        }
    }

    fn add_case(&mut self, case: &case::Case) {
        for r in case.positive_for() {
            self.rules.entry(r.to_owned()).or_default().0 += 1;
        }
        if let Some(r) = case.negative_for() {
            self.rules.entry(r.to_owned()).or_default().1 += 1;
        }
    }

    /// The report lines of rules that lack a positive or a negative case.
    fn gaps(&self) -> Vec<String> {
        self.rules
            .iter()
            .filter(|(_, (pos, neg))| *pos == 0 || *neg == 0)
            .map(|(rule, (pos, neg))| {
                format!("  rule '{rule}': {pos} case(s) raising it, {neg} near miss(es)")
            })
            .collect()
    }
}

/// Reads `data` as a case file and builds what a run would build from it
/// without loading rules or captures: every synthetic case's world (the
/// initial state, the container events) and its events, replayed through
/// the inspector. The fuzz target's entry point (`fuzz/`): a malformed
/// case must be reported, never panic. Returns how many events were built.
pub fn fuzz_case_file(data: &[u8]) -> usize {
    use falco_scap::builder::view;
    let text = String::from_utf8_lossy(data);
    let Ok(file) = case::CaseFile::from_text(Path::new("fuzz/cases.yaml"), &text) else {
        return 0;
    };
    let mut built = 0;
    for case in &file.cases {
        let case::Events::Synthetic(specs) = &case.events else {
            continue;
        };
        let w = world::merged(&file.world, &case.world);
        let Ok(initial) = world::initial_state(&w) else {
            continue;
        };
        let Ok(evs) = events::build(&w, specs) else {
            continue;
        };
        let mut insp = falco_sinsp::Inspector::new(initial);
        for ev in world::container_events(&w).into_iter().chain(evs) {
            let bytes = ev.build();
            insp.process(&view(&bytes));
            built += 1;
        }
    }
    built
}

/// `falco test ARGS...` (the arguments after `test`).
pub fn main(args: &[OsString]) -> Result<u8> {
    let args: Args = match crate::subcommand::parse_args("falco test", args) {
        Ok(a) => a,
        Err(code) => return Ok(code),
    };
    let files = case_files(&args.paths)?;
    let mut results = Vec::new();
    let mut coverage = Coverage::default();
    for file in &files {
        results.push(run_file(file, &args, &mut coverage));
    }
    let (mut passed, mut failed, mut errors) = (0, 0, 0);
    for r in &results {
        errors += usize::from(r.error.is_some());
        for c in &r.cases {
            match c.outcome {
                Outcome::Pass => passed += 1,
                Outcome::Fail(_) => failed += 1,
                Outcome::Error(_) => errors += 1,
            }
        }
    }
    crate::emit(&format!(
        "{} cases: {passed} passed, {failed} failed, {errors} errors\n",
        passed + failed + errors
    ));
    if let Some(path) = &args.junit {
        std::fs::write(path, junit::report(&results))
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    let gaps = coverage.gaps();
    if args.coverage {
        if gaps.is_empty() {
            crate::emit(&format!(
                "coverage: each of the {} enabled rules has a case raising it and a near miss\n",
                coverage.rules.len()
            ));
        } else {
            crate::emit(&format!(
                "coverage: {} rule(s) lack cases:\n{}\n",
                gaps.len(),
                gaps.join("\n")
            ));
        }
    }
    Ok(u8::from(
        failed + errors > 0 || (args.coverage && !gaps.is_empty()),
    ))
}

/// The case files `paths` name: files as given, directories' `*.yaml`
/// files in name order.
fn case_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect();
            inside.sort();
            files.extend(inside);
        } else if p.exists() {
            files.push(p.clone());
        } else {
            bail!("{}: no such case file or directory", p.display());
        }
    }
    if files.is_empty() {
        bail!("no case files found in {}", show_paths(paths));
    }
    Ok(files)
}

fn show_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs one case file, printing as it goes.
fn run_file(path: &Path, args: &Args, coverage: &mut Coverage) -> FileResults {
    let (filter, verbose) = (args.filter.as_deref(), args.verbose);
    let name = path.display().to_string();
    crate::emit(&format!("{name}\n"));
    let loaded = case::CaseFile::load(path)
        .map_err(|e| e.to_string())
        .and_then(|file| Rules::load(&file).map(|rules| (file, rules)));
    let (file, rules) = match loaded {
        Ok(x) => x,
        Err(e) => {
            crate::emit(&format!("  ERROR {}\n", indent(&e)));
            return FileResults {
                file: name,
                cases: Vec::new(),
                error: Some(e),
            };
        }
    };
    coverage.add_rules(rules.enabled_rules());
    let mut cases = Vec::new();
    for case in &file.cases {
        if filter.is_some_and(|f| !case.name.contains(f)) {
            continue;
        }
        coverage.add_case(case);
        let start = Instant::now();
        let outcome = runner::run_case(&file, &rules, case);
        let time = start.elapsed();
        match &outcome {
            Outcome::Pass if verbose => crate::emit(&format!("  PASS  {}\n", case.name)),
            Outcome::Pass => {}
            Outcome::Fail(diff) => crate::emit(&format!(
                "  FAIL  {} ({})\n        {}\n",
                case.name,
                case.origin,
                diff.join("\n        ")
            )),
            Outcome::Error(e) => crate::emit(&format!(
                "  ERROR {} ({})\n        {}\n",
                case.name,
                case.origin,
                indent(e)
            )),
        }
        cases.push(CaseResult {
            name: case.name.clone(),
            outcome,
            time,
        });
    }
    FileResults {
        file: name,
        cases,
        error: None,
    }
}

fn indent(text: &str) -> String {
    text.trim_end().replace('\n', "\n        ")
}
