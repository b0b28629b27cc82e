//! Alerts built from a real rule, configuration and event: the message,
//! and `output_fields` with Falco's JSON types.

use super::*;
use crate::config::Config;
use falco_abi::EventCode as C;
use falco_engine::loader::Priority;
use falco_scap::builder::{view, EventBuilder};
use falco_scap::state::InitialState;
use falco_sinsp::Inspector;
use serde_json::json;

const RULES: &str = "
- rule: Open
  desc: an open
  condition: evt.type = openat
  output: opened %fd.name fd=%fd.num
  priority: WARNING
  tags: [files]
- rule: Quiet
  desc: never appended to
  condition: evt.type = close
  output: closed
  priority: NOTICE
";

const CONFIG: &str = "
append_output:
  - match: {tags: [files]}
    extra_output: \"by %proc.name\"
    extra_fields:
      - fd.num
      - failed: \"%evt.failed\"
      - evt.rawres
static_fields:
  cluster: prod
";

fn compiled() -> CompiledRuleset<SyscallFields> {
    let mut loader = crate::rules::rules_loader();
    let result = loader.load_file("rules.yaml", RULES);
    assert!(result.successful(), "{result:?}");
    let (set, issues) = CompiledRuleset::compile(loader.ruleset().unwrap(), SyscallFields::new());
    assert!(issues.is_empty(), "{issues:?}");
    set
}

/// An openat of `/etc/shadow` giving fd 7, at time 42.
fn openat() -> Vec<u8> {
    EventBuilder::new(C::SYSCALL_OPENAT_2_X)
        .ts(42)
        .tid(1)
        .int(7)
        .int(-100)
        .str("/etc/shadow")
        .int(1)
        .int(0o644)
        .int(0)
        .int(0)
        .build()
}

fn alerts_of(config: &Config) -> Vec<Alert> {
    let set = compiled();
    let formats = AlertFormat::for_rules(&config.append_output, &set).unwrap();
    assert_eq!(formats.len(), set.rules.len());
    let bytes = openat();
    let mut insp = Inspector::new(InitialState::default());
    insp.process(&view(&bytes));
    let c = Ctx {
        ev: view(&bytes),
        insp: &insp,
    };
    let run = RunFields {
        hostname: "host-1",
        static_fields: &config.static_fields,
    };
    set.rules
        .iter()
        .zip(&formats)
        .map(|(rule, format)| format.alert(rule, &set.source, &c, run))
        .collect()
}

#[test]
fn an_alert_carries_the_rule_the_event_and_the_run() {
    let config = Config::from_text("/etc/falco/falco.yaml", CONFIG, &[]).unwrap();
    let open = &alerts_of(&config)[0];
    assert_eq!(open.rule, "Open");
    assert_eq!(open.priority, Priority::Warning);
    assert_eq!(open.source, "syscall");
    assert_eq!(open.tags, ["files"]);
    assert_eq!(open.time_ns, 42);
    assert_eq!(open.hostname, "host-1");
    // The rule's output with the matching entry's text appended.
    assert!(
        open.message.starts_with("opened /etc/shadow fd=7 by "),
        "{}",
        open.message
    );
}

#[test]
fn output_fields_keep_their_json_types_in_order() {
    let config = Config::from_text("/etc/falco/falco.yaml", CONFIG, &[]).unwrap();
    let open = &alerts_of(&config)[0];
    let fields: Vec<(&str, &Json)> = open
        .output_fields
        .iter()
        .map(|(n, v)| (n.as_str(), v))
        .collect();
    let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "fd.name",
            "fd.num",
            "proc.name",
            "fd.num",
            "failed",
            "evt.rawres",
            "cluster"
        ]
    );
    // The format's fields: a string and a number.
    assert_eq!(fields[0].1, &json!("/etc/shadow"));
    assert_eq!(fields[1].1, &json!(7));
    // A raw extra field keeps its type; a formatted one is a string.
    assert_eq!(fields[3].1, &json!(7));
    assert_eq!(fields[4].1, &json!("false"));
    assert_eq!(fields[5].1, &json!(7));
    // Static fields are strings.
    assert_eq!(fields[6].1, &json!("prod"));
}

#[test]
fn a_rule_no_entry_matches_gets_only_its_own_fields_and_the_static_ones() {
    let config = Config::from_text("/etc/falco/falco.yaml", CONFIG, &[]).unwrap();
    let quiet = &alerts_of(&config)[1];
    assert_eq!(quiet.message, "closed");
    assert_eq!(
        quiet.output_fields,
        [("cluster".to_string(), json!("prod"))]
    );
}

#[test]
fn an_unknown_field_in_an_output_is_an_error_naming_the_rule() {
    let config = Config::from_text(
        "/etc/falco/falco.yaml",
        "append_output:\n  - match: {rule: Quiet}\n    extra_fields: [no.such.field]\n",
        &[],
    )
    .unwrap();
    let err = AlertFormat::for_rules(&config.append_output, &compiled())
        .expect_err("an unknown field fails");
    assert_eq!(
        err.to_string(),
        "Invalid append_output fields for rule 'Quiet'"
    );
}

#[test]
fn json_of_gives_numbers_booleans_null_and_joined_strings() {
    assert_eq!(json_of(&[]), Json::Null);
    assert_eq!(json_of(&[Value::Int(-3)]), json!(-3));
    assert_eq!(json_of(&[Value::UInt(3)]), json!(3));
    assert_eq!(json_of(&[Value::Bool(true)]), json!(true));
    assert_eq!(json_of(&[Value::str("x")]), json!("x"));
    assert_eq!(json_of(&[Value::Double(0.5)]), json!(0.5));
    // Not a JSON number: its text.
    assert_eq!(json_of(&[Value::Double(f64::NAN)]), json!("NaN"));
    assert_eq!(json_of(&[Value::Int(1), Value::Int(2)]), json!("1,2"));
}
