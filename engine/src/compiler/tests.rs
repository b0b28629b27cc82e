//! Semantics of every operator on synthetic events, through a fake field
//! source (the real one is falco-sinsp's).

use super::*;
use crate::condition::parse_condition;
use crate::loader::RulesLoader;
use falco_sinsp::field::FieldError;
use falco_sinsp::value::FieldType;
use std::collections::HashMap;

/// A field source whose events are maps from field name to values.
#[derive(Debug)]
struct Fake;

#[derive(Debug, Default, Clone)]
struct Ev {
    fields: HashMap<String, Vec<FieldValue<'static>>>,
    /// How many times a field was extracted from this event.
    extracted: std::cell::Cell<u32>,
}

const TYPES: &[(&str, FieldType)] = &[
    ("evt.type", FieldType::CharBuf),
    ("proc.name", FieldType::CharBuf),
    ("proc.pname", FieldType::CharBuf),
    ("proc.aname", FieldType::CharBuf),
    ("fd.name", FieldType::CharBuf),
    ("fd.sport", FieldType::Port),
    ("fd.sip", FieldType::IpAddr),
    ("fd.snet", FieldType::IpNet),
    ("user.uid", FieldType::UInt32),
    ("evt.rawres", FieldType::Int64),
    ("container.privileged", FieldType::Bool),
    ("evt.buffer", FieldType::ByteBuf),
    ("proc.fdusage", FieldType::Double),
];

impl FieldSource for Fake {
    type Event<'a> = Ev;
    type Field = (String, FieldType);

    fn source_name(&self) -> &'static str {
        "syscall"
    }

    fn resolve(&self, name: &str, arg: Option<&FieldArg>) -> Result<Self::Field, FieldError> {
        let t = TYPES
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| FieldError::Unknown(name.into()))?
            .1;
        let key = match arg {
            Some(FieldArg::Key(k)) => format!("{name}[{k}]"),
            Some(FieldArg::Index(i)) => format!("{name}[{i}]"),
            None => name.to_string(),
        };
        Ok((key, t))
    }

    fn field_type(&self, f: &Self::Field) -> FieldType {
        f.1
    }

    fn extract<'a>(&self, f: &Self::Field, ev: &Ev, out: &mut Vec<FieldValue<'a>>) {
        ev.extracted.set(ev.extracted.get() + 1);
        if let Some(v) = ev.fields.get(&f.0) {
            out.extend(v.iter().cloned());
        }
    }
}

fn ev(pairs: &[(&str, FieldValue<'static>)]) -> Ev {
    let mut e = Ev::default();
    for (k, v) in pairs {
        e.fields.entry(k.to_string()).or_default().push(v.clone());
    }
    e
}

fn s(x: &str) -> FieldValue<'static> {
    FieldValue::str(x)
}

fn check(cond: &str, e: &Ev) -> bool {
    let c = Compiler {
        src: &Fake,
        slots: &Default::default(),
        shared: &Default::default(),
    };
    let node = c
        .expr(&parse_condition(cond).unwrap())
        .unwrap_or_else(|i| panic!("{cond}: {i:?}"));
    node.eval(&Fake, e, &mut Scratch::default())
}

/// A rules file compiled without issues, every matching rule reported.
fn compile_all(rules: &str) -> CompiledRuleset<Fake> {
    let ruleset = RulesLoader::new()
        .load(&[("r.yaml", rules)])
        .ruleset
        .expect("loads");
    let (mut set, issues) = CompiledRuleset::compile(&ruleset, Fake);
    assert!(issues.is_empty(), "{issues:?}");
    set.matching = Matching::All;
    set
}

fn compile_err(cond: &str) -> String {
    match (Compiler {
        src: &Fake,
        slots: &Default::default(),
        shared: &Default::default(),
    })
    .expr(&parse_condition(cond).unwrap())
    {
        Err(Issue::Error(_, m)) => m,
        other => panic!("{cond} compiled: {other:?}"),
    }
}

#[test]
fn string_operators() {
    let e = ev(&[("proc.name", s("bash")), ("fd.name", s("/etc/shadow"))]);
    for (c, want) in [
        ("proc.name = bash", true),
        ("proc.name == bash", true),
        ("proc.name != bash", false),
        ("proc.name != sh", true),
        ("fd.name contains shad", true),
        ("fd.name icontains SHAD", true),
        ("fd.name startswith /etc", true),
        ("fd.name endswith dow", true),
        ("fd.name glob '/etc/*'", true),
        ("fd.name iglob '/ETC/*'", true),
        ("fd.name glob '/usr/*'", false),
        ("fd.name regex '/etc/s[a-z]+'", true),
        ("fd.name regex 'etc'", false),
        ("proc.name in (sh, bash)", true),
        ("proc.name in (sh, zsh)", false),
        ("proc.name intersects (bash)", true),
        ("fd.name pmatch (/etc)", true),
        ("fd.name pmatch (/et)", false),
        ("fd.name pmatch (/etc/shadow, /usr)", true),
        ("fd.name bcontains 736861", true),
        ("fd.name bstartswith 2f657463", true),
        ("proc.name exists", true),
        ("proc.pname exists", false),
    ] {
        assert_eq!(check(c, &e), want, "{c}");
    }
}

#[test]
fn missing_values_make_every_comparison_false() {
    let e = ev(&[("proc.name", s("bash"))]);
    for c in [
        "proc.pname = x",
        "proc.pname != x",
        "proc.pname in (x)",
        "proc.pname contains x",
        "user.uid > 0",
    ] {
        assert!(!check(c, &e), "{c}");
    }
    assert!(check("not proc.pname = x", &e));
}

#[test]
fn numbers_booleans_and_addresses() {
    let e = ev(&[
        ("user.uid", FieldValue::UInt(1000)),
        ("evt.rawres", FieldValue::Int(-2)),
        ("fd.sport", FieldValue::UInt(22)),
        ("container.privileged", FieldValue::Bool(true)),
        ("fd.sip", FieldValue::Ip("10.1.2.3".parse().unwrap())),
        ("fd.snet", FieldValue::Ip("10.1.2.3".parse().unwrap())),
    ]);
    for (c, want) in [
        ("user.uid = 1000", true),
        ("user.uid > 999", true),
        ("user.uid >= 1001", false),
        ("user.uid < 0x3e9", true),
        ("evt.rawres < 0", true),
        ("fd.sport in (22, 23)", true),
        // Ports by service name, from /etc/services (netbase), as Falco.
        ("fd.sport = ssh", true),
        ("fd.sport in (http, ssh)", true),
        ("fd.sport = http", false),
        ("container.privileged = true", true),
        ("container.privileged != true", false),
        ("fd.sip = 10.1.2.3", true),
        ("fd.sip in (10.0.0.0/8)", true),
        ("fd.snet = 10.0.0.0/8", true),
        ("fd.snet in (192.168.0.0/16, 172.16.0.0/12)", false),
    ] {
        assert_eq!(check(c, &e), want, "{c}");
    }
    assert!(compile_err("user.uid = bash").contains("not a number"));
    assert!(compile_err("user.uid contains 1").contains("not supported"));
    assert!(compile_err("fd.sip = nothere").contains("not an IP"));
    assert_eq!(
        compile_err("fd.sport = no-such-service"),
        "unrecognized protocol no-such-service"
    );
    assert!(compile_err("proc.nope = 1").contains("nonexistent field proc.nope"));
}

#[test]
fn doubles_compare_as_floating_point_numbers() {
    let e = ev(&[("proc.fdusage", FieldValue::Double(80.5))]);
    for (c, want) in [
        ("proc.fdusage > 80", true),
        ("proc.fdusage > 80.5", false),
        ("proc.fdusage >= 80.5", true),
        ("proc.fdusage < 90.25", true),
        ("proc.fdusage = 80.5", true),
        ("proc.fdusage != 80.5", false),
        ("proc.fdusage in (1, 80.5)", true),
    ] {
        assert_eq!(check(c, &e), want, "{c}");
    }
    assert!(compile_err("proc.fdusage = high").contains("not a number"));
}

#[test]
fn multi_valued_fields_match_any_value() {
    let e = ev(&[
        ("proc.aname", s("sshd")),
        ("proc.aname", s("bash")),
        ("proc.aname", s("systemd")),
    ]);
    assert!(check("proc.aname = bash", &e));
    assert!(check("proc.aname in (nginx, sshd)", &e));
    assert!(!check("proc.aname != bash", &e));
    assert!(check("proc.aname != nginx", &e));
    assert!(check("proc.aname intersects (nginx, systemd)", &e));
}

#[test]
fn transformers_and_field_comparisons() {
    let e = ev(&[
        ("proc.name", s("Bash")),
        ("proc.pname", s("bash")),
        ("fd.name", s("/tmp/x.sh")),
        ("evt.buffer", s("aGVsbG8=")),
    ]);
    assert!(check("tolower(proc.name) = bash", &e));
    assert!(check("toupper(proc.pname) = BASH", &e));
    assert!(check("basename(fd.name) = x.sh", &e));
    assert!(check("len(proc.name) = 4", &e));
    assert!(check("len(fd.name) > 5", &e));
    assert!(check("b64(evt.buffer) = hello", &e));
    assert!(check("tolower(proc.name) = val(proc.pname)", &e));
    assert!(!check("proc.name = val(proc.pname)", &e));
    assert!(check("proc.name != val(proc.pname)", &e));
    assert!(check("proc.name icontains val(proc.pname)", &e));
}

#[test]
fn a_loaded_ruleset_is_indexed_by_event_type_and_honours_matching_and_enablement() {
    let rules = r#"
- rule: shell in container
  desc: d
  condition: evt.type = execve and proc.name in (bash, sh)
  output: shell %proc.name
  priority: WARNING
  tags: [shell, mitre_execution]
- rule: read shadow
  desc: d
  condition: evt.type in (open, openat) and fd.name = /etc/shadow
  output: read %fd.name
  priority: ERROR
- rule: any bash
  desc: d
  condition: proc.name = bash
  output: bash
  priority: DEBUG
  warn_evttypes: false
"#;
    let r = RulesLoader::new().load(&[("r.yaml", rules)]);
    let ruleset = r.ruleset.expect("loads");
    let (mut set, issues) = CompiledRuleset::compile(&ruleset, Fake);
    assert!(issues.is_empty(), "{issues:?}");
    let execve = falco_abi::EventCode::SYSCALL_EXECVE_19_X as u16;
    let openat = falco_abi::EventCode::SYSCALL_OPENAT_2_X as u16;
    let of = |t: &str| {
        ev(&[
            ("evt.type", s(t)),
            ("proc.name", s("bash")),
            ("fd.name", s("/etc/shadow")),
        ])
    };
    let (e_exec, e_open, e_close) = (of("execve"), of("openat"), of("close"));
    // Rules meet exits only, as with libsinsp; a meta event without a
    // system call (procexit, container) still reaches "any bash".
    use falco_abi::EventCode as C;
    assert!(set.has_rules_for(execve) && !set.has_rules_for(C::SYSCALL_EXECVE_19_E as u16));
    assert!(!set.has_rules_for(C::SYSCALL_OPENAT_2_E as u16));
    assert!(!set.has_rules_for(C::SYSCALL_CLOSE_E as u16));
    assert!(set.has_rules_for(C::PROCEXIT_1_E as u16));
    let mut out = Vec::new();
    let mut sc = Scratch::default();
    set.matching(execve, &e_exec, &mut sc, &mut out);
    assert_eq!(out, [0]);
    set.matching(openat, &e_open, &mut sc, &mut out);
    assert_eq!(out, [1]);
    assert_eq!(set.split_alerting(&out), (&[1][..], &[][..]));
    // Counting what the first match hides: "any bash" matched too.
    set.count_shadowed = true;
    set.matching(openat, &e_open, &mut sc, &mut out);
    assert_eq!(set.split_alerting(&out), (&[1][..], &[2][..]));
    set.count_shadowed = false;
    set.matching(
        falco_abi::EventCode::SYSCALL_CLOSE_X as u16,
        &e_close,
        &mut sc,
        &mut out,
    );
    assert_eq!(out, [2]);
    // The index decides which rules an event meets: rule 0 is not even
    // evaluated for an open.
    set.matching = Matching::All;
    set.matching(openat, &e_open, &mut sc, &mut out);
    assert_eq!(out, [1, 2]);
    assert_eq!(set.split_alerting(&out), (&[1, 2][..], &[][..]));
    set.set_min_priority(Priority::Warning);
    set.matching(openat, &e_open, &mut sc, &mut out);
    assert_eq!(out, [1]);
    assert_eq!(set.enable_by_tag("shell", false), 1);
    set.matching(execve, &e_exec, &mut sc, &mut out);
    assert!(out.is_empty());
    assert_eq!(set.enable_by_name("read *", false), 1);
    set.matching(openat, &e_open, &mut sc, &mut out);
    assert!(out.is_empty());
    assert!(!set.event_codes().contains(openat));
    assert!(!set.needs_every_event());
    set.set_min_priority(Priority::Debug);
    assert!(set.needs_every_event(), "\"any bash\" has no event type");
}

#[test]
fn unknown_fields_fail_a_rule_unless_it_skips_them() {
    let rules = r#"
- rule: a
  desc: d
  condition: evt.type = open and proc.bogus = 1
  output: o
  priority: INFO
- rule: b
  desc: d
  condition: evt.type = open and proc.bogus = 1
  output: o
  priority: INFO
  skip-if-unknown-filter: true
"#;
    let ruleset = RulesLoader::new()
        .load(&[("r.yaml", rules)])
        .ruleset
        .unwrap();
    let (set, issues) = CompiledRuleset::compile(&ruleset, Fake);
    assert!(set.rules.is_empty());
    assert!(
        matches!(&issues[0].issue, Issue::Error(ErrorCode::CompileCondition, m) if m.contains("proc.bogus"))
    );
    assert!(matches!(
        &issues[1].issue,
        Issue::Warning(WarningCode::UnknownFilter, _)
    ));
}

/// The rules of `yaml` compiled, with the compile issues by rule name.
fn compile_issues(yaml: &str) -> (CompiledRuleset<Fake>, Vec<(String, Issue)>) {
    let ruleset = RulesLoader::new()
        .load(&[("r.yaml", yaml)])
        .ruleset
        .unwrap();
    let (set, issues) = CompiledRuleset::compile(&ruleset, Fake);
    (set, issues.into_iter().map(|i| (i.rule, i.issue)).collect())
}

fn rule(name: &str, condition: &str, extra: &str) -> String {
    format!("- rule: {name}\n  desc: d\n  condition: {condition}\n  output: o\n  priority: INFO\n{extra}")
}

#[test]
fn no_evttype_warns_on_more_than_100_codes_or_none_as_falco() {
    let cases = [
        ("evt.type in (open, openat)", false),
        ("evt.type = execve and proc.name = x", false),
        // Everything but a few: far more than 100 codes.
        ("evt.type != execve", true),
        ("not evt.type in (open, openat)", true),
        ("evt.type = open or proc.name = x", true),
        // No evt.type at all: every code.
        ("proc.name = x", true),
        // No code can match.
        ("evt.type = open and evt.type = execve", true),
    ];
    for (cond, warns) in cases {
        let (_, issues) = compile_issues(&rule("r", cond, ""));
        let warned = issues
            .iter()
            .any(|(_, i)| matches!(i, Issue::Warning(WarningCode::NoEvttype, _)));
        assert_eq!(warned, warns, "{cond}");
    }
    let (_, issues) = compile_issues(&rule("r", "evt.type != execve", "  warn_evttypes: false\n"));
    assert!(issues.is_empty(), "{issues:?}");
}

#[test]
fn evt_type_names_must_be_events_syscalls_or_async_events() {
    // Known: an event, a syscall that has no event of its own, an async
    // event's name.
    let (set, issues) = compile_issues(&rule("r", "evt.type in (open, madvise, container)", ""));
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(set.rules.len(), 1);
    let yaml = [
        rule("typo", "evt.type = opne", ""),
        rule(
            "skipped",
            "evt.type in (open, opne)",
            "  skip-if-unknown-filter: true\n",
        ),
        // Two lists naming each other: after one level of expansion a
        // list name is left as a literal.
        "- list: la\n  items: [open, lb]\n- list: lb\n  items: [execve, la]\n".to_string(),
        rule("lists", "evt.type in (la)", ""),
    ]
    .concat();
    let (set, issues) = compile_issues(&yaml);
    assert!(set.rules.is_empty());
    let of = |r: &str| issues.iter().find(|(n, _)| n == r).map(|(_, i)| i.clone());
    assert_eq!(
        of("typo"),
        Some(Issue::Error(
            ErrorCode::CompileCondition,
            "unknown event type opne".into()
        ))
    );
    assert!(
        matches!(of("skipped"), Some(Issue::Warning(WarningCode::UnknownFilter, m)) if m == "unknown event type opne")
    );
    assert!(
        matches!(of("lists"), Some(Issue::Error(ErrorCode::CompileCondition, m)) if m.starts_with("unknown event type l"))
    );
}

#[test]
fn each_field_is_extracted_once_per_event() {
    let rules = r#"
- rule: a
  desc: d
  condition: proc.name = bash
  output: a
  priority: WARNING
  warn_evttypes: false
- rule: b
  desc: d
  condition: proc.name = zsh or (proc.name startswith ba and proc.name != sh)
  output: b
  priority: WARNING
  warn_evttypes: false
"#;
    let set = compile_all(rules);
    let code = falco_abi::EventCode::SYSCALL_OPENAT_2_X as u16;
    let (mut sc, mut out) = (Scratch::default(), Vec::new());
    let bash = ev(&[("proc.name", s("bash"))]);
    set.matching(code, &bash, &mut sc, &mut out);
    assert_eq!(out, [0, 1]);
    assert_eq!(
        bash.extracted.get(),
        1,
        "proc.name extracted once for both rules"
    );
    // The next event on the same scratch sees its own values.
    let zsh = ev(&[("proc.name", s("zsh"))]);
    set.matching(code, &zsh, &mut sc, &mut out);
    assert_eq!(out, [1]);
    assert_eq!(zsh.extracted.get(), 1);
}

#[test]
fn a_subexpression_several_rules_hold_is_shared_and_fresh_for_each_event() {
    let rules = r#"
- macro: m
  condition: (proc.name in (bash, zsh) and fd.name startswith /etc)
- rule: a
  desc: d
  condition: m and proc.name != x
  output: a
  priority: WARNING
  warn_evttypes: false
- rule: b
  desc: d
  condition: not m
  output: b
  priority: WARNING
  warn_evttypes: false
- rule: c
  desc: d
  condition: m or fd.name = y
  output: c
  priority: WARNING
  warn_evttypes: false
"#;
    let set = compile_all(rules);
    // The macro's body is one shared node, in the same slot in all three.
    let shared: Vec<String> = set
        .rules
        .iter()
        .map(|r| {
            let d = format!("{:?}", r.condition);
            let at = d.find("Shared(").expect("the macro is shared");
            d[at..at + 9].to_string()
        })
        .collect();
    assert!(shared.iter().all(|s| *s == shared[0]), "{shared:?}");
    let code = falco_abi::EventCode::SYSCALL_OPENAT_2_X as u16;
    let (mut sc, mut out) = (Scratch::default(), Vec::new());
    // One scratch for every event: a result kept from the event before
    // would show as a wrong match.
    for (name, fd, want) in [
        ("bash", "/etc/x", &[0usize, 2][..]),
        ("sh", "/etc/x", &[1]),
        ("zsh", "/tmp/x", &[1]),
        ("zsh", "/etc/y", &[0, 2]),
        ("sh", "y", &[1, 2]),
    ] {
        let e = ev(&[("proc.name", s(name)), ("fd.name", s(fd))]);
        set.matching(code, &e, &mut sc, &mut out);
        assert_eq!(out, want, "{name} {fd}");
    }
}
