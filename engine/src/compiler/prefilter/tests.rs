//! Path tests read off small rulesets.

use super::*;
use crate::loader::{EventSource, RulesLoader, Ruleset};
use falco_sinsp::SyscallFields;

/// A rules file's text, loaded and compiled (errors fail the test).
fn load(text: &str) -> (Ruleset, CompiledRuleset<SyscallFields>) {
    let loaded = RulesLoader::with_sources(vec![EventSource::with_fields(
        "syscall",
        SyscallFields::new(),
    )])
    .load(&[("t.yaml", text)]);
    let ruleset = loaded.ruleset.expect("rules load");
    let (set, issues) = CompiledRuleset::compile(&ruleset, SyscallFields::new());
    let errors = |i: &&super::super::RuleIssue| matches!(i.issue, super::super::Issue::Error(..));
    assert!(!issues.iter().any(|i| errors(&i)), "{issues:?}");
    (ruleset, set)
}

/// The interest of rules given as `(name, condition)`, every one enabled
/// at priority WARNING.
fn interest_of(rules: &[(&str, &str)]) -> Result<OpenInterest, Off> {
    let text: String = rules
        .iter()
        .map(|(name, cond)| {
            format!("- rule: {name}\n  desc: d\n  condition: {cond}\n  output: o %proc.name\n  priority: WARNING\n")
        })
        .collect();
    let (ruleset, set) = load(&text);
    open_interest(&ruleset, &set, [])
}

fn names(v: &[&str]) -> std::collections::BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn each_path_field_and_operator_gives_its_test() {
    let i = interest_of(&[
        ("a", "evt.type = open and fd.name = /etc/shadow"),
        ("b", "evt.type = openat and fd.name startswith /root/.ssh/ and proc.name = cat"),
        ("c", "evt.type in (open, openat) and (fd.directory in (/etc, /usr/bin) or fd.filename = id_rsa)"),
        ("d", "evt.type = openat2 and fd.name glob '/var/run/*.sock'"),
        ("e", "evt.type = creat and fd.name pmatch (/boot, /lib/modules)"),
        ("f", "evt.type = close and fd.name endswith release_agent"),
        ("g", "evt.type = openat and fd.nameraw contains '/.kube/'"),
        ("h", "evt.type = openat and fd.name glob '*.pem'"),
        // Not an open or a close: its path tests do not count.
        ("i", "evt.type = unlinkat and fs.path.name startswith /tmp"),
        ("j", "evt.type = execve and proc.name = nc"),
    ])
    .expect("every open rule names paths");
    assert_eq!(i.exact, names(&["/etc/shadow"]));
    assert_eq!(i.dirs, names(&["/etc", "/usr/bin"]));
    assert_eq!(
        i.prefixes,
        names(&["/root/.ssh/", "/var/run/", "/boot", "/lib/modules"])
    );
    assert_eq!(i.suffixes, names(&["/id_rsa", "release_agent", ".pem"]));
    assert_eq!(i.contains, names(&["/.kube/"]));
    assert!(i.matches_path(b"/etc/passwd") && i.matches_path(b"/etc"));
    assert!(!i.matches_path(b"/etc.d/x") && !i.matches_path(b"/tmp/x"));
    assert!(!i.matches_path(b"/etc/ssl/x"));
}

#[test]
fn a_conjunction_needs_the_fewest_tests_and_a_disjunction_all() {
    let i = interest_of(&[(
        "a",
        "evt.type = open and fd.name in (/a, /b, /c) and (fd.name startswith /d or fd.filename = e) and not proc.name = x",
    )])
    .unwrap();
    assert!(i.exact.is_empty());
    assert_eq!(i.prefixes, names(&["/d"]));
    assert_eq!(i.suffixes, names(&["/e"]));
}

#[test]
fn a_rule_that_may_match_any_open_turns_the_prefilter_off() {
    for cond in [
        "evt.type = open and proc.name startswith ca",
        "evt.type = open and proc.exe = /bin/cat",
        "evt.type = open and not fd.name startswith /etc",
        "evt.type = open and fd.name icontains shadow",
        "evt.type = open and (fd.name startswith /etc or proc.pname = cat)",
        "evt.type = close and fd.name != /x",
        "evt.type = open and tolower(fd.name) = /etc/shadow",
        "evt.type = open and fd.name glob '[ab]*'",
        "fd.name regex '^/etc'",
    ] {
        assert_eq!(
            interest_of(&[("a", cond)]),
            Err(Off::AnyPath("a".into())),
            "{cond}"
        );
    }
}

#[test]
fn rules_that_cannot_run_do_not_count() {
    let text = "- rule: off\n  desc: d\n  condition: evt.type = open and proc.pname = cat\n  output: o\n  priority: WARNING\n  enabled: false\n- rule: on\n  desc: d\n  condition: evt.type = open and fd.name = /x\n  output: o\n  priority: WARNING\n";
    let (ruleset, mut set) = load(text);
    assert_eq!(
        open_interest(&ruleset, &set, []).unwrap().exact,
        names(&["/x"])
    );
    // Below the minimum priority, the path-free rule would not run either.
    set.set_min_priority(crate::loader::Priority::Error);
    assert_eq!(
        open_interest(&ruleset, &set, []).unwrap(),
        OpenInterest::default()
    );
}

#[test]
fn counting_the_open_fds_turns_the_prefilter_off() {
    assert_eq!(
        interest_of(&[("a", "evt.type = execve and proc.fdopencount > 100")]),
        Err(Off::CountsFds(Some("a".into())))
    );
    assert!(interest_of(&[("a", "evt.type = open and fd.name = /x")]).is_ok());
    let text = "- rule: a\n  desc: d\n  condition: evt.type = open and fd.name = /x\n  output: o\n  priority: WARNING\n";
    let (ruleset, set) = load(text);
    assert_eq!(
        open_interest(&ruleset, &set, ["%proc.fdusage"]),
        Err(Off::CountsFds(None))
    );
}

#[test]
fn a_rule_on_any_open_by_named_processes_gives_their_names() {
    let i = interest_of(&[
        (
            "a",
            "evt.type = openat and proc.name = tar and container.id != host",
        ),
        (
            "b",
            "evt.type = open and (proc.name in (cp, mv) or fd.name = /x)",
        ),
        // A name test beside a path test: the fewer tests win.
        (
            "c",
            "evt.type = open and proc.name in (a, b, c) and fd.name = /y",
        ),
    ])
    .unwrap();
    assert_eq!(i.comms, names(&["tar", "cp", "mv"]));
    assert_eq!(i.exact, names(&["/x", "/y"]));
    assert!(i.matches(b"/tmp/z", b"tar") && !i.matches(b"/tmp/z", b"cat"));
}
