use super::alerts::{parse_keep, parse_line, Alert};
use super::existing::{adopt, exception_items};
use super::group::{best_cluster, key, usable_prefix, CMDLINE, FIELDS};
use super::propose::Proposal;
use super::render::{item_yaml, scalar};
use super::verify::check_json;
use crate::rules::rules_loader;

fn field(name: &str) -> usize {
    FIELDS.iter().position(|f| *f == name).unwrap()
}

fn alert(num: u64, fields: &[(&str, &str)]) -> Alert {
    Alert {
        rule: "R".into(),
        evt_num: Some(num),
        origin: format!("t:{num}"),
        fields: fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn shell(num: u64, pname: &str, cmdline: &str, user: &str) -> Alert {
    alert(
        num,
        &[
            ("proc.name", "sh"),
            ("proc.pname", pname),
            ("proc.cmdline", cmdline),
            ("user.name", user),
        ],
    )
}

/// 30 health checks under runc, one shell under nginx.
fn noisy() -> Vec<Alert> {
    let mut alerts: Vec<Alert> = (0..30)
        .map(|i| shell(i, "runc", "sh -c curl localhost/health", "root"))
        .collect();
    alerts.push(shell(99, "nginx", "sh -i", "root"));
    alerts
}

fn all(alerts: &[Alert]) -> Vec<usize> {
    (0..alerts.len()).collect()
}

#[test]
fn the_cluster_is_the_health_check_on_its_two_separating_fields() {
    let alerts = noisy();
    let c = best_cluster(&alerts, &all(&alerts), &all(&alerts)).unwrap();
    // proc.name and user.name are the same on every alert: never used.
    assert_eq!(c.fields, [field("proc.cmdline"), field("proc.pname")]);
    assert_eq!(c.keys, ["sh -c curl localhost/health", "runc"]);
    assert_eq!(c.members, (0..30).collect::<Vec<_>>());
    let p = Proposal::from_cluster("R", &alerts, &all(&alerts), &c);
    assert_eq!(p.comps, ["=", "="]);
    assert_eq!(p.claimed.len(), 30);
    assert!(!p.removes(&alerts[30]));
}

#[test]
fn alerts_that_all_look_alike_get_the_two_most_specific_fields() {
    let alerts: Vec<Alert> = (0..10)
        .map(|i| shell(i, "runc", "sh -c true", "root"))
        .collect();
    let c = best_cluster(&alerts, &all(&alerts), &all(&alerts)).unwrap();
    assert_eq!(c.fields, [field("proc.cmdline"), field("proc.pname")]);
    assert_eq!(c.members.len(), 10);
}

#[test]
fn the_largest_group_wins_and_fewer_values_break_ties() {
    // pname: runc 6, nginx 4; user: root 6, a 2, b 2: the same coverage,
    // and pname has fewer distinct values. Every command line differs:
    // its best key covers one alert.
    let mut alerts = Vec::new();
    for i in 0..6 {
        alerts.push(shell(i, "runc", &format!("sh -c job{i}"), "root"));
    }
    for i in 6..10 {
        let user = if i < 8 { "a" } else { "b" };
        alerts.push(shell(i, "nginx", &format!("sh -c job{i}"), user));
    }
    let c = best_cluster(&alerts, &all(&alerts), &all(&alerts)).unwrap();
    assert_eq!(c.fields[0], field("proc.pname"));
    assert_eq!(c.keys[0], "runc");
    // Every runc alert is root; root is nowhere else: the second field.
    assert_eq!(c.fields[1], field("user.name"));
}

#[test]
fn command_lines_group_on_their_first_words_and_compare_by_prefix() {
    let alerts: Vec<Alert> = (0..8)
        .map(|i| {
            shell(
                i,
                "runc",
                &format!("check --probe live --verbose --ts={i}"),
                "root",
            )
        })
        .collect();
    assert_eq!(
        key(&alerts[0], CMDLINE).as_deref(),
        Some("check --probe live --verbose")
    );
    let c = best_cluster(&alerts, &all(&alerts), &all(&alerts)).unwrap();
    let p = Proposal::from_cluster("R", &alerts, &all(&alerts), &c);
    let n = p.fields.iter().position(|&f| f == CMDLINE).unwrap();
    assert_eq!(p.comps[n], "startswith");
    assert_eq!(p.values[0][n], "check --probe live --verbose");
    assert_eq!(p.claimed.len(), 8);
    // A value stops before what Falco would paste badly into a condition.
    assert_eq!(
        usable_prefix("sh -c curl 'http://x/'").as_deref(),
        Some("sh -c curl")
    );
    assert_eq!(usable_prefix("\"quoted"), None);
}

#[test]
fn narrowing_spares_the_kept_alert_or_gives_up() {
    let mut alerts: Vec<Alert> = (0..20)
        .map(|i| shell(i, "runc", "sh -c curl localhost/health", "root"))
        .collect();
    alerts.extend((20..30).map(|i| shell(i, "runc", "sh -c wget -q localhost/ready", "root")));
    alerts.push(shell(30, "runc", "sh", "root"));
    alerts.push(shell(31, "nginx", "sh -i", "www-data"));
    let every = all(&alerts);
    let c = best_cluster(&alerts, &every, &every).unwrap();
    let p = Proposal::from_cluster("R", &alerts, &every, &c);
    assert_eq!(p.claimed.len(), 31);
    let kept = vec![alerts[30].clone()];
    assert_eq!(p.silenced(&kept), [0]);
    let narrowed = p.narrowed(&alerts, &every, &kept).unwrap();
    assert!(narrowed.fields.contains(&CMDLINE));
    assert_eq!(narrowed.values.len(), 2);
    assert_eq!(narrowed.claimed.len(), 30);
    assert!(narrowed.silenced(&kept).is_empty());
    // A kept health check looks like every other one.
    let kept = vec![alerts[0].clone()];
    assert_eq!(narrowed.narrowed(&alerts, &every, &kept), None);
}

#[test]
fn a_new_exception_loads_on_a_rule_of_another_file() {
    let base = "
- rule: R
  desc: d
  condition: evt.type = execve and proc.name = sh
  output: o %proc.name
  priority: WARNING
";
    let alerts = noisy();
    let c = best_cluster(&alerts, &all(&alerts), &all(&alerts)).unwrap();
    let mut p = Proposal::from_cluster("R", &alerts, &all(&alerts), &c);
    let files = vec![("base.yaml".to_string(), base.to_string())];
    let items = exception_items(&files);
    let name = adopt(&mut p, items.get("R").map_or(&[][..], Vec::as_slice));
    assert_eq!(name, "tune_proc_cmdline_proc_pname");
    assert_eq!(p.existing, None);
    let yaml = item_yaml(&p, &name);
    let mut loader = rules_loader();
    assert!(loader.load_file("base.yaml", base).successful());
    let res = loader.load_file("local.yaml", &yaml);
    assert!(res.successful(), "{yaml}\n{res:?}");
    let rule = loader.ruleset().unwrap().rule("R").unwrap().clone();
    assert!(rule.exception_names.contains(&name), "{rule:?}");
    assert!(
        rule.expanded_text
            .contains("proc.cmdline = \"sh -c curl localhost/health\""),
        "{}",
        rule.expanded_text
    );
}

#[test]
fn values_go_to_an_existing_item_with_the_same_fields() {
    let base = "
- rule: R
  desc: d
  condition: evt.type = execve and proc.name = sh
  output: o %proc.name
  priority: WARNING
  exceptions:
    - name: by_name
      fields: [proc.name]
      comps: [=]
    - name: known_parents
      fields: [proc.pname, proc.cmdline]
      values:
        - [cron, sh -c backup]
";
    let alerts = noisy();
    let c = best_cluster(&alerts, &all(&alerts), &all(&alerts)).unwrap();
    let mut p = Proposal::from_cluster("R", &alerts, &all(&alerts), &c);
    let files = vec![("base.yaml".to_string(), base.to_string())];
    let items = exception_items(&files);
    assert_eq!(items["R"].len(), 2);
    let name = adopt(&mut p, &items["R"]);
    assert_eq!(name, "known_parents");
    assert_eq!(p.existing.as_deref(), Some("known_parents"));
    // The item's field order: pname first.
    assert_eq!(p.values[0], ["runc", "sh -c curl localhost/health"]);
    let yaml = item_yaml(&p, &name);
    assert!(!yaml.contains("fields:"), "{yaml}");
    let mut loader = rules_loader();
    assert!(loader.load_file("base.yaml", base).successful());
    let res = loader.load_file("local.yaml", &yaml);
    assert!(res.successful(), "{yaml}\n{res:?}");
    let text = &loader.ruleset().unwrap().rule("R").unwrap().expanded_text;
    assert!(text.contains("proc.pname = runc"), "{text}");
    assert!(text.contains("proc.pname = cron"), "{text}");
}

#[test]
fn yaml_scalars_read_back_as_written() {
    assert_eq!(
        scalar("sh -c curl localhost/health"),
        "sh -c curl localhost/health"
    );
    assert_eq!(scalar("Shell in container"), "Shell in container");
    assert_eq!(scalar("null"), "\"null\"");
    assert_eq!(scalar("-c"), "\"-c\"");
    assert_eq!(scalar("a: b"), "\"a: b\"");
    assert_eq!(scalar("x #y"), "\"x #y\"");
}

#[test]
fn keep_and_alert_lines_are_read_or_refused_clearly() {
    let k = parse_keep("Rule: with colon:42").unwrap();
    assert_eq!((k.rule.as_str(), k.evt_num), ("Rule: with colon", 42));
    assert!(parse_keep("no number").is_err());
    assert!(parse_keep(":3").is_err());

    let a = parse_line(
        r#"{"rule":"R","output_fields":{"evt.num":7,"proc.name":"sh","fd.name":null,"user.name":"<NA>"}}"#,
        "e.json:1",
    )
    .unwrap();
    assert_eq!(a.evt_num, Some(7));
    assert_eq!(a.fields.len(), 2, "{a:?}");
    let err = parse_line("{oops", "e.json:4").unwrap_err().to_string();
    assert!(err.starts_with("e.json:4: not a JSON alert"), "{err}");
    let err = parse_line("[1]", "e.json:5").unwrap_err().to_string();
    assert!(err.starts_with("e.json:5: not a JSON alert"), "{err}");
    let err = parse_line(r#"{"output":"x"}"#, "e.json:6")
        .unwrap_err()
        .to_string();
    assert!(err.contains("no \"rule\""), "{err}");
}

#[test]
fn fd_directory_comes_from_fd_name_and_missing_fields_are_reported() {
    let a = alert(1, &[("fd.name", "/etc/shadow")]);
    assert_eq!(key(&a, field("fd.directory")).as_deref(), Some("/etc"));
    let root = alert(2, &[("fd.name", "/x")]);
    assert_eq!(key(&root, field("fd.directory")).as_deref(), Some("/"));

    let mut alerts = noisy();
    alerts[3].fields.remove("proc.pname");
    let every = all(&alerts);
    // Without its parent, the alert still has the health check's command
    // line: the grouping falls back to that field alone.
    let c = best_cluster(&alerts, &every, &every).unwrap();
    assert_eq!(c.fields, [CMDLINE]);
    assert_eq!(c.members.len(), 30);
    let two = super::group::Cluster {
        fields: vec![CMDLINE, field("proc.pname")],
        keys: vec!["sh -c curl localhost/health".into(), "runc".into()],
        members: (0..30).collect(),
    };
    let p = Proposal::from_cluster("R", &alerts, &every, &two);
    assert_eq!(p.claimed.len(), 29);
    let notes = check_json(&p, &alerts, &every, &[]).unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("1 alerts have no proc.pname")),
        "{notes:?}"
    );
    let kept = vec![alerts[0].clone()];
    assert!(check_json(&p, &alerts, &every, &kept).is_err());
}

#[test]
fn two_clusters_on_the_same_fields_share_one_item() {
    let dir = tempfile::tempdir().unwrap();
    let line = |num: u64, cmdline: &str| {
        let name = cmdline.split(' ').next().unwrap();
        format!(
            r#"{{"rule":"Read sensitive file untrusted","output_fields":{{"evt.num":{num},"proc.name":"{name}","proc.cmdline":"{cmdline}"}}}}"#
        )
    };
    let mut lines: Vec<String> = (0..12).map(|i| line(i, "cat /etc/shadow")).collect();
    lines.extend((12..20).map(|i| line(i, "grep -r root /etc")));
    lines.push(line(20, "vi /etc/shadow"));
    let path = dir.path().join("events.json");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let args = super::parse_args(["--alerts", path.to_str().unwrap()]).unwrap();
    let out = super::run(&args).unwrap();
    assert_eq!(out.matches("- rule:").count(), 1, "{out}");
    assert_eq!(
        out.matches("- name: tune_proc_cmdline\n").count(),
        1,
        "{out}"
    );
    assert!(out.contains("removes 20 of its 21 alerts"), "{out}");
    assert!(
        out.contains("        - [cat /etc/shadow]\n        - [grep -r root /etc]\n"),
        "{out}"
    );
    // What is kept stays out of it.
    let args = super::parse_args([
        "--alerts",
        path.to_str().unwrap(),
        "--keep",
        "Read sensitive file untrusted:20",
    ])
    .unwrap();
    assert!(!super::run(&args).unwrap().contains("vi /etc/shadow]"));
    let args = super::parse_args(["--alerts", path.to_str().unwrap(), "--keep", "Nope:1"]).unwrap();
    let err = super::run(&args).unwrap_err().to_string();
    assert!(err.contains("unknown rule 'Nope'"), "{err}");
}
