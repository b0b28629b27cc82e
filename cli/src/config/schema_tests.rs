//! The schema, the typed loaders and the shipped defaults agree: every
//! key a loader reads is in the schema, with the type the loader reads
//! ([`Doc`] checks each read in debug builds), and cli/falco.yaml
//! validates against the schema (types included, not only key names).
//!
//! Only reads that happen are checked, so [`BRANCHES`] must take every
//! branch of the loaders: a loader that reads a key only under a new
//! condition needs a line here.

use super::schema::config_schema;
use super::types::Doc;
use super::Config;
use crate::rule_schema::validate::Validator;

const FALCO_YAML: &str = include_str!("../../falco.yaml");

/// `-o` options that, between them, take every branch of the loaders
/// (the shipped file alone reads only its engine kind's block, no output
/// that is off, and no list entries).
const BRANCHES: &[&[&str]] = &[
    &[],
    &["engine.kind=kmod"],
    &["engine.kind=replay", "engine.replay.capture_file=/tmp/x.scap"],
    &["engine.kind=nodriver"],
    &[
        "file_output.enabled=true",
        "file_output.filename=/tmp/events.txt",
        "program_output.enabled=true",
        "program_output.program=cat",
        "http_output.enabled=true",
        "http_output.url=http://localhost:2801/",
    ],
    &[
        "plugins[]={name: p, library_path: /p.so, init_config: {a: 1}, open_params: x}",
        "load_plugins[]=p",
    ],
    &["rules[]={enable: {rule: r}}", "rules[]={disable: {tag: t}}"],
    &[
        "append_output[]={match: {source: syscall, rule: r, tags: [t]}, extra_output: x, suggested_output: true, extra_fields: [a, {b: c}]}",
        "static_fields={a: b}",
    ],
    &[
        "metrics.enabled=true",
        "capture.enabled=true",
        "webserver.enabled=true",
        "base_syscalls.custom_set[]=open",
    ],
    &[
        "config_files[]={path: /nonexistent/falco-rs.yaml, strategy: append}",
        "config_files[]=/nonexistent/falco-rs.d",
    ],
];

#[test]
fn every_key_the_loaders_read_is_in_the_schema() {
    // The check is live: a read the schema lacks panics.
    let root = super::yaml::parse("f.yaml", "a: 1\n").unwrap();
    let bogus = std::panic::catch_unwind(|| Doc::new(&root).bool("no_such_key", false));
    assert!(bogus.is_err(), "Doc must check reads (a debug build)");
    for options in BRANCHES {
        let options: Vec<String> = options.iter().map(|s| s.to_string()).collect();
        if let Err(err) = Config::from_text("/etc/falco/falco.yaml", FALCO_YAML, &options) {
            panic!("{options:?}: {err}");
        }
    }
}

#[test]
fn the_shipped_falco_yaml_validates_against_the_schema() {
    let root = super::yaml::parse("falco.yaml", FALCO_YAML).unwrap();
    let schema = config_schema();
    let problems: Vec<String> = Validator::new(&schema)
        .validate(&root)
        .iter()
        .map(|p| format!("{p:?}"))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}
