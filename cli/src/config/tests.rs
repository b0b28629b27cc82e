//! Loading whole configurations: defaults, the shipped falco.yaml, `-o`
//! overrides, errors with positions.

use super::*;

fn load(text: &str, options: &[&str]) -> Result<Config, ConfigError> {
    let options: Vec<String> = options.iter().map(|s| s.to_string()).collect();
    Config::from_text("/etc/falco/falco.yaml", text, &options)
}

#[test]
fn falcos_defaults_without_a_file() {
    let config = Config::load(None, &[]).unwrap();
    assert_eq!(config.engine.kind, EngineKind::Kmod);
    assert_eq!(config.priority, Priority::Debug);
    assert_eq!(config.rule_matching, RuleMatching::First);
    assert!(!config.outputs.json_output);
    assert!(config.outputs.json_include_output_property);
    assert!(config.outputs.json_include_tags_property);
    assert!(!config.outputs.json_include_message_property);
    assert!(config.outputs.json_include_output_fields_property);
    assert!(!config.outputs.stdout);
    assert_eq!(config.outputs.output_timeout_ms, 2000);
    assert_eq!(config.outputs.queue_capacity, 0);
    assert!(config.watch_config_files);
    assert!(!config.logging.log_stderr);
    assert!(config.logging.log_syslog);
    assert_eq!(
        config.syscall_event_drops.actions,
        [runtime::DropAction::Ignore]
    );
    assert_eq!(config.syscall_event_timeouts_max_consecutives, 1000);
    assert_eq!(config.libs.falco_libs.thread_table_size, 262_144);
    assert_eq!(config.webserver.listen_port, 8765);
    assert_eq!(config.capture.default_duration_ns, 5_000_000_000);
    assert!(config.files.is_empty());
}

#[test]
fn the_shipped_falco_yaml_loads_without_unknown_keys() {
    let text = include_str!("../../falco.yaml");
    let config = load(text, &[]).unwrap();
    assert!(
        config.files[0].unknown_keys.is_empty(),
        "{:?}",
        config.files[0].unknown_keys
    );
    assert_eq!(config.engine.kind, EngineKind::ModernEbpf);
    assert_eq!(config.engine.cpus_for_each_buffer, 2);
    assert_eq!(config.engine.buf_size_preset, 4);
    assert_eq!(
        config.rules.configured,
        [
            "/etc/falco/falco_rules.yaml",
            "/etc/falco/falco_rules.local.yaml",
            "/etc/falco/rules.d"
        ]
    );
    assert!(config.outputs.stdout);
    assert!(config.outputs.syslog);
    assert!(config.logging.log_stderr);
    assert!(!config.logging.libs_logger_enabled);
    assert_eq!(config.metrics.interval_ms, 3_600_000);
    assert_eq!(
        config.syscall_event_drops.actions,
        [runtime::DropAction::Log, runtime::DropAction::Alert]
    );
    assert_eq!(config.append_output.len(), 1);
    assert!(config.append_output[0].suggested_output);
    assert!(config.webserver.enabled);
}

#[test]
fn options_override_the_file_with_types() {
    let config = load(
        "json_output: false\npriority: debug\nengine:\n  kind: modern_ebpf\n",
        &[
            "json_output=true",
            "priority=warning",
            "engine.kind=replay",
            "engine.replay.capture_file=/tmp/x.scap",
            "outputs_queue.capacity=10",
            "rules_files[]=/a.yaml",
            "rules[].disable.rule=*",
            "rules[].enable.tag=network",
            "append_output[]={\"match\": {\"source\": \"syscall\"}, \"extra_output\": \"x=%evt.cpu\"}",
        ],
    )
    .unwrap();
    assert!(config.outputs.json_output);
    assert_eq!(config.priority, Priority::Warning);
    assert_eq!(config.engine.kind, EngineKind::Replay);
    assert_eq!(config.engine.capture_file, "/tmp/x.scap");
    assert_eq!(config.outputs.queue_capacity, 10);
    assert_eq!(config.rules.configured, ["/a.yaml"]);
    assert_eq!(
        config.rules.selection,
        [
            RuleSelection {
                enable: false,
                rule: Some("*".into()),
                tag: None
            },
            RuleSelection {
                enable: true,
                rule: None,
                tag: Some("network".into())
            },
        ]
    );
    assert_eq!(config.append_output[0].source.as_deref(), Some("syscall"));
}

#[test]
fn type_and_value_errors_name_file_line_and_column() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("json_output: maybe\n", &[], "/etc/falco/falco.yaml:1:14: json_output must be a boolean (true or false), found 'maybe'"),
        ("priority: loud\n", &[], "/etc/falco/falco.yaml:1:11: Unknown priority \"loud\"--must be one of emergency, alert, critical, error, warning, notice, informational, debug"),
        ("rule_matching: some\n", &[], "/etc/falco/falco.yaml:1:16: Unknown rule matching strategy \"some\"--must be one of first, all"),
        ("engine:\n  kind: ebpf\n", &[], "/etc/falco/falco.yaml:2:9: engine.kind 'ebpf' is not a valid kind (kmod, modern_ebpf, replay, nodriver)."),
        ("engine:\n  kind: replay\n", &[], "/etc/falco/falco.yaml:2:9: engine.kind is 'replay' but no engine.replay.capture_file specified."),
        ("outputs_queue:\n  capacity: lots\n", &[], "/etc/falco/falco.yaml:2:13: outputs_queue.capacity must be an integer, found 'lots'"),
        ("http_output:\n  enabled: true\n", &[], "/etc/falco/falco.yaml:2:12: http output enabled but no url in configuration block"),
        ("", &["priority=loud"], "command line option '-o priority=loud': Unknown priority \"loud\""),
        ("webserver:\n  listen_address: nowhere\n", &[], "/etc/falco/falco.yaml:2:19: webserver listen address \"nowhere\" is not a valid IP address"),
        ("syscall_event_drops:\n  actions: [ignore, log]\n", &[], "/etc/falco/falco.yaml:2:21: syscall event drop action \"log\" does not make sense with the \"ignore\" action"),
        ("rules_file: [/a]\nrules_files: [/b]\n", &[], "/etc/falco/falco.yaml:1:13: both 'rules_files' and 'rules_file' keys set"),
        ("load_plugins: [k8saudit]\n", &[], "/etc/falco/falco.yaml:1:16: Cannot load plugin 'k8saudit': plugin config not found for given name"),
        ("json_output: [1\n", &[], "/etc/falco/falco.yaml:2:1: YAML syntax error"),
    ];
    for (text, options, expected) in cases {
        let err = load(text, options).unwrap_err().to_string();
        assert!(
            err.starts_with(expected),
            "{text:?}: got {err:?}, expected {expected:?}"
        );
    }
}

#[test]
fn unknown_keys_are_reported_not_fatal() {
    let config = load("json_output: true\nsyscall_buf_size_preset: 4\nstdout_output:\n  enabled: true\n  color: red\n", &[]).unwrap();
    let report = config.validation_report();
    assert_eq!(
        report[0],
        (
            false,
            "Falco initialized with configuration files:".to_owned()
        )
    );
    let warnings: Vec<&str> = report
        .iter()
        .filter(|r| r.0)
        .map(|r| r.1.as_str())
        .collect();
    assert_eq!(
        warnings,
        [
            "   /etc/falco/falco.yaml | schema validation: failed for /etc/falco/falco.yaml:2:1: unknown key 'syscall_buf_size_preset', ignored",
            "   /etc/falco/falco.yaml | schema validation: failed for /etc/falco/falco.yaml:5:3: unknown key 'stdout_output.color', ignored",
        ]
    );
    let ok = load("json_output: true\n", &[])
        .unwrap()
        .validation_report();
    assert_eq!(
        ok[1],
        (
            false,
            "   /etc/falco/falco.yaml | schema validation: ok".to_owned()
        )
    );
}

#[test]
fn deprecated_rules_file_still_works_with_a_warning() {
    let config = load("rules_file:\n  - /nonexistent/rules.yaml\n", &[]).unwrap();
    assert_eq!(config.rules.configured, ["/nonexistent/rules.yaml"]);
    assert!(
        config.rules.files.is_empty(),
        "missing files are dropped like Falco"
    );
    assert!(config.warnings[0].contains("deprecated config key 'rules_file'"));
}

#[test]
fn environment_variables_expand_in_values_not_in_options() {
    std::env::set_var("FALCO_RS_TEST_DIR", "/opt/rules");
    let config = load(
        "rules_files: [\"${FALCO_RS_TEST_DIR}/a.yaml\"]\nfile_output:\n  enabled: true\n  filename: $${HOME}/x\n",
        &["program_output.enabled=true", "program_output.program=echo ${HOME}"],
    )
    .unwrap();
    assert_eq!(config.rules.configured, ["/opt/rules/a.yaml"]);
    assert_eq!(config.outputs.file.unwrap().filename, "${HOME}/x");
    assert_eq!(config.outputs.program.unwrap().program, "echo ${HOME}");
}

#[test]
fn capture_look_back_and_file_caps() {
    let config = load("", &[]).unwrap();
    // Off unless asked: without a window, captures start at the alert.
    assert_eq!(config.capture.pre_duration_ns, 0);
    assert_eq!(config.capture.pre_max_bytes, 64 << 20);
    assert_eq!(config.capture.max_size_bytes, 0);
    assert_eq!(config.capture.max_files, 0);
    let config = load(
        "capture:\n  pre_duration: 2s\n  pre_max_mb: 8\n  max_size_mb: 3\n  max_files: 4\n",
        &[],
    )
    .unwrap();
    assert_eq!(config.capture.pre_duration_ns, 2_000_000_000);
    assert_eq!(config.capture.pre_max_bytes, 8 << 20);
    assert_eq!(config.capture.max_size_bytes, 3 << 20);
    assert_eq!(config.capture.max_files, 4);
    // A bare number is nanoseconds.
    let config = load("", &["capture.pre_duration=1500"]).unwrap();
    assert_eq!(config.capture.pre_duration_ns, 1500);
    let err = load("capture:\n  pre_duration: soon\n", &[]).unwrap_err();
    assert!(
        err.to_string()
            .contains("capture.pre_duration must be nanoseconds or a duration"),
        "{err}"
    );
}

#[test]
fn delivery_keys_are_off_by_default_and_checked() {
    let config = load("http_output:\n  enabled: true\n  url: http://x/\n", &[]).unwrap();
    let http = config.outputs.http.unwrap();
    assert_eq!(http.delivery, DeliveryConfig::default());
    assert!(!http.delivery.retry && http.delivery.spool.is_none());
    assert_eq!(config.outputs.syslog_delivery, DeliveryConfig::default());
    assert!(config.outputs.json_include_uuid_property);

    let text = "json_include_uuid_property: false\nhttp_output:\n  enabled: true\n  url: http://x/\n  retry:\n    initial_backoff_ms: 5\n  spool:\n    enabled: true\n    max_size_mb: 2\n    when_full: drop_newest\nprogram_output:\n  enabled: true\n  program: cat\n  retry:\n    enabled: true\n    max_backoff_ms: 900\nsyslog_output:\n  enabled: true\n  spool:\n    enabled: true\n    dir: /tmp/s\n";
    let config = load(text, &[]).unwrap();
    assert!(!config.outputs.json_include_uuid_property);
    let warnings: Vec<String> = config
        .validation_report()
        .into_iter()
        .filter(|r| r.0)
        .map(|r| r.1)
        .collect();
    assert!(warnings.is_empty(), "{warnings:?}");
    let http = config.outputs.http.unwrap().delivery;
    assert!(http.retry, "a spool retries");
    assert_eq!(http.initial_backoff_ms, 5);
    assert_eq!(
        http.spool,
        Some(SpoolSettings {
            dir: "/var/lib/falco/spool/http".into(),
            max_size_mb: 2,
            when_full: WhenFull::DropNewest,
        })
    );
    let program = config.outputs.program.unwrap().delivery;
    assert!(program.retry && program.spool.is_none());
    assert_eq!(program.max_backoff_ms, 900);
    let syslog = config.outputs.syslog_delivery;
    assert_eq!(syslog.spool.unwrap().dir, "/tmp/s");

    for (bad, message) in [
        (
            "when_full: later",
            "http_output.spool.when_full must be drop_oldest or drop_newest, found 'later'",
        ),
        (
            "max_size_mb: 0",
            "http_output.spool.max_size_mb must be at least 1",
        ),
    ] {
        let text = format!(
            "http_output:\n  enabled: true\n  url: http://x/\n  spool:\n    enabled: true\n    {bad}\n"
        );
        let err = load(&text, &[]).unwrap_err().to_string();
        assert!(err.contains(message), "{err}");
        assert!(err.starts_with("/etc/falco/falco.yaml:6:"), "{err}");
    }
}
