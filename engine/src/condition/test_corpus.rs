//! Test support: the conditions of the upstream Falco rules in
//! `../shared/reference/rules` (read, never copied into the project).

use serde_yaml_ng::Value;
use std::path::PathBuf;

/// One `condition:` of a rule or macro.
#[derive(Debug)]
pub(super) struct UpstreamCondition {
    /// "falco_rules.yaml: macro open_write", for failure messages.
    pub origin: String,
    pub text: String,
}

/// Every rule and macro condition of every upstream rules file, or `None`
/// (after saying so) when the reference data is absent.
pub(super) fn upstream_conditions() -> Option<Vec<UpstreamCondition>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/rules");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: no upstream rules at {}", dir.display());
        return None;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    files.sort();
    let mut found = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable rules file");
        let items: Vec<Value> = serde_yaml_ng::from_str(&text).expect("a YAML list of items");
        let file = path.file_name().unwrap_or_default().to_string_lossy();
        for item in &items {
            for kind in ["rule", "macro"] {
                let name = item.get(kind).and_then(Value::as_str);
                let condition = item.get("condition").and_then(Value::as_str);
                if let (Some(name), Some(condition)) = (name, condition) {
                    found.push(UpstreamCondition {
                        origin: format!("{file}: {kind} {name}"),
                        text: condition.to_owned(),
                    });
                }
            }
        }
    }
    Some(found)
}
