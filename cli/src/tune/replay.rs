//! Alerts from a replay: the rules files loaded as a run loads them
//! ([`crate::rules`]), optionally with a proposal appended as one more
//! file, and a capture driven through the engine. Each alert carries
//! `evt.num` and every grouping field, extracted on its event, whatever
//! the rule's output shows.

use super::alerts::Alert;
use crate::config::Config;
use crate::outputs::alert::json_of;
use crate::rules::{compile_rules, rules_loader, LoadedRules, DEFAULT_RULES};
use anyhow::{anyhow, bail, Context as _, Result};
use falco_engine::compiler::CompiledRuleset;
use falco_engine::drive::{drive, outline_suffices};
use falco_scap::{Engine, SavefileEngine};
use falco_sinsp::format::Formatter;
use falco_sinsp::{Inspector, SyscallFields};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

/// The fields every replayed alert carries: the event number, the
/// grouping fields, and `fd.name` (to show beside its directory).
const EXTRACTED: &[&str] = &[
    "evt.num",
    "proc.name",
    "proc.pname",
    "proc.cmdline",
    "container.image.repository",
    "fd.name",
    "fd.directory",
    "user.name",
];

/// The rules of the replays: the configuration (selection, priority,
/// `rule_matching`) and the files' text, read once.
#[derive(Debug)]
pub struct Rules {
    pub config: Config,
    /// (path, text) in load order.
    pub files: Vec<(String, String)>,
}

impl Rules {
    /// `rules` (files or directories), else the configuration's
    /// `rules_files` (with `-c`), else Falco's default files that exist.
    pub fn load(config_path: Option<&str>, rules: &[String]) -> Result<Rules> {
        let config = Config::load(config_path, &[])
            .map_err(|e| anyhow!("{}: {e}", config_path.unwrap_or("falco.yaml")))?;
        let configured: Vec<String> = if !rules.is_empty() {
            rules.to_vec()
        } else if config_path.is_some() {
            config.rules.files.clone()
        } else {
            DEFAULT_RULES
                .iter()
                .filter(|p| std::path::Path::new(p).exists())
                .map(|p| p.to_string())
                .collect()
        };
        if configured.is_empty() {
            bail!("no rules files: pass --rules FILE, or -c falco.yaml with rules_files");
        }
        let paths =
            crate::config::rules::expand_rules_paths(&configured).map_err(|e| anyhow!(e))?;
        let files = paths
            .into_iter()
            .map(|p| {
                let text = std::fs::read_to_string(&p)
                    .with_context(|| format!("cannot read rules file {p}"))?;
                Ok((p, text))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Rules { config, files })
    }

    /// The compiled rules, with `extra` (a proposal's YAML) loaded last.
    pub fn compile(&self, extra: Option<&str>) -> Result<CompiledRuleset<SyscallFields>> {
        let mut loader = rules_loader();
        let extra = extra.map(|text| ("falco tune proposal".to_owned(), text.to_owned()));
        for (name, text) in self.files.iter().chain(extra.as_ref()) {
            let result = loader.load_file(name, text);
            if !result.successful() {
                bail!("{}", result.verbose_string(loader.sources()));
            }
        }
        let ruleset = loader
            .ruleset()
            .cloned()
            .ok_or_else(|| anyhow!("no rules were loaded"))?;
        let names = self.files.iter().map(|(n, _)| n.clone()).collect();
        let loaded = LoadedRules::select(ruleset, &self.config.rules.selection, names);
        compile_rules(&loaded, &self.config)
    }
}

/// The alerts `set` raises on the capture at `path`, in event order.
pub fn replay(set: &CompiledRuleset<SyscallFields>, path: &str) -> Result<Vec<Alert>> {
    let mut engine =
        SavefileEngine::open(path).map_err(|e| anyhow!("cannot read capture {path}: {e}"))?;
    // Events no rule can match come in outline, as in a replay run.
    engine.set_light(|code| outline_suffices(set, code));
    let format = EXTRACTED
        .iter()
        .map(|f| format!("%{f}"))
        .collect::<Vec<_>>()
        .join(" ");
    let formatter = Formatter::new(&set.source, &format).map_err(|e| anyhow!("{e}"))?;
    let mut insp = Inspector::new(engine.take_initial_state());
    let stop = AtomicBool::new(false);
    let mut out = Vec::new();
    drive(&mut engine, &mut insp, set, &stop, |rule, c| {
        let mut fields = BTreeMap::new();
        formatter.for_each_field(&set.source, c, |name, vals| {
            if let Some(text) = super::alerts::field_text(&json_of(vals)) {
                fields.insert(name.to_owned(), text);
            }
        });
        let evt_num = fields.get("evt.num").and_then(|n| n.parse().ok());
        out.push(Alert {
            rule: set.rules[rule].name.clone(),
            evt_num,
            origin: format!("{path}: event {}", evt_num.unwrap_or_default()),
            fields,
        });
    })
    .map_err(|e| anyhow!("capture {path}: {e}"))?;
    Ok(out)
}
