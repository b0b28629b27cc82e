//! Falco's command line, with clap.
//!
//! The flags are current Falco's (0.41). Flags Falco removed in 0.38-0.41
//! are still accepted: each is turned into the `-o` options that replaced
//! it, with a deprecation warning on standard error:
//!
//! | old flag | becomes |
//! | --- | --- |
//! | `-e FILE` | `-o engine.kind=replay -o engine.replay.capture_file=FILE` |
//! | `--modern-bpf` | `-o engine.kind=modern_ebpf` |
//! | `--nodriver` | `-o engine.kind=nodriver` |
//! | `-T TAG` | `-o rules[].disable.tag=TAG` |
//! | `-t TAG` | `-o rules[].disable.rule=*` once, then `-o rules[].enable.tag=TAG` |
//! | `-D SUBSTRING` | `-o rules[].disable.rule=*SUBSTRING*` (it matched substrings) |
//! | `-A` | `-o base_syscalls.all=true` |
//! | `-S LEN`, `--snaplen LEN` | `-o falco_libs.snaplen=LEN` |
//! | `-b`, `--print-base64` | `-o buffer_format_base64=true` |
//! | `--cri PATH` | `-o container_engines.cri.sockets[]=PATH` |
//! | `--disable-cri-async` | `-o container_engines.cri.disable_async=true` |
//! | `-s FILE` | `-o metrics.enabled=true -o metrics.output_file=FILE` |
//! | `--stats-interval N` | `-o metrics.interval=N` |
//! | `--list-syscall-events` | `--list-events` |
//! | `-k`, `-K`, `--k8s-node` | ignored (Kubernetes metadata comes from the container runtime) |
//!
//! The mapped options come before the explicit `-o` options, so an
//! explicit `-o` wins. Removed flags with no equivalent here (`-d`, `-u`,
//! the gVisor flags) are errors that say so.
//!
//! Errors are reported like Falco's (`Runtime error: ... Exiting.`) with
//! exit code 1; `-h`/`--help` prints the usage and exits 0.

use clap::{Parser, ValueEnum};

/// The output format of `--list`, `--list-events` and `-L`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ListFormat {
    #[default]
    Text,
    Json,
    Markdown,
}

#[derive(Parser, Debug, Default)]
#[command(
    name = "falco",
    about = "Falco - Cloud Native Runtime Security",
    disable_version_flag = true,
    max_term_width = 140
)]
struct RawOptions {
    /// Configuration file. If not specified uses /etc/falco/falco.yaml.
    #[arg(short = 'c', value_name = "path")]
    config: Option<String>,
    /// Print the config json schema and exit.
    #[arg(long = "config-schema")]
    config_schema: bool,
    /// Print the rule json schema and exit.
    #[arg(long = "rule-schema")]
    rule_schema: bool,
    /// Turn off a specific <event_source>. Can be passed multiple times. Can not be mixed with --enable-source.
    #[arg(long = "disable-source", value_name = "event_source")]
    disable_source: Vec<String>,
    /// Run Falco without processing events. It can help check that the configuration and rules do not have any errors.
    #[arg(long = "dry-run")]
    dry_run: bool,
    /// Enable a specific <event_source>; only the sources given are enabled. Can not be mixed with --disable-source.
    #[arg(long = "enable-source", value_name = "event_source")]
    enable_source: Vec<String>,
    /// Print those events that are ignored by default for performance reasons and exit.
    #[arg(short = 'i')]
    print_ignored_events: bool,
    /// Show the name and description of all rules and exit (JSON details with json_output or --format json).
    #[arg(short = 'L')]
    describe_all_rules: bool,
    /// Show the name and description of the rule specified <rule> and exit.
    #[arg(short = 'l', value_name = "rule")]
    describe_rule: Option<String>,
    /// List all defined fields and exit. If <source> is provided, only list the fields of that source.
    #[arg(long = "list", value_name = "source", num_args = 0..=1, default_missing_value = "")]
    list: Option<String>,
    /// List all defined syscall events, metaevents, tracepoint events and exit.
    #[arg(long = "list-events")]
    list_events: bool,
    /// Print info on all loaded plugins and exit.
    #[arg(long = "list-plugins")]
    list_plugins: bool,
    /// Stop Falco execution after <num_seconds> are passed.
    #[arg(short = 'M', value_name = "num_seconds", default_value_t = 0)]
    duration: u64,
    /// Print output in Markdown format with --list or --list-events (same as --format markdown).
    #[arg(long = "markdown")]
    markdown: bool,
    /// Output format of --list, --list-events, -L and -l.
    #[arg(long = "format", value_enum, value_name = "format")]
    format: Option<ListFormat>,
    /// Only print field names when used in conjunction with the --list option.
    #[arg(short = 'N')]
    names_only: bool,
    /// Set the value of option <opt> to <val>, overriding the configuration file. Nested keys use dots, list items brackets: base.list[1]=val, base.list[]=appended.
    #[arg(short = 'o', long = "option", value_name = "opt>=<val")]
    options: Vec<String>,
    /// Print info for the plugin specified by <plugin_name> and exit.
    #[arg(long = "plugin-info", value_name = "plugin_name")]
    plugin_info: Option<String>,
    /// DEPRECATED: use -o append_output... instead. Append <output_format> to every rule's output.
    #[arg(short = 'p', long = "print", value_name = "output_format")]
    print: Option<String>,
    /// Write PID to specified <pid_file> path. By default, no PID file is created.
    #[arg(short = 'P', long = "pidfile", value_name = "pid_file")]
    pidfile: Option<String>,
    /// Rules file or directory to be loaded. Can be passed multiple times. Only .yml and .yaml files are considered.
    #[arg(short = 'r', value_name = "rules_file")]
    rules: Vec<String>,
    /// Print support information, including version, rules files used, loaded configuration, etc., and exit (JSON).
    #[arg(long = "support")]
    support: bool,
    /// falco-rs: say which engine can run on this host and why the others cannot, check that the rules load, and exit (0: the configured engine runs; 10: the rules fail; 11: another engine would run; 12: none can).
    #[arg(long = "doctor")]
    doctor: bool,
    /// falco-rs: add to each alert why it fired: the rule's condition as a tree (macros and exceptions named), each part's result and each field's value.
    #[arg(long = "explain")]
    explain: bool,
    /// Turn off output buffering for configured outputs.
    #[arg(short = 'U', long = "unbuffered")]
    unbuffered: bool,
    /// Read the contents of the specified <rules_file> file(s), validate the loaded rules, and exit. Can be passed multiple times.
    #[arg(short = 'V', long = "validate", value_name = "rules_file")]
    validate: Vec<String>,
    /// Enable verbose output.
    #[arg(short = 'v')]
    verbose: bool,
    /// Print version information and exit.
    #[arg(long = "version")]
    version: bool,
    /// Print the system page size and exit.
    #[arg(long = "page-size")]
    page_size: bool,

    // Flags Falco removed (hidden from --help).
    #[arg(short = 'e', hide = true)]
    trace_file: Option<String>,
    #[arg(long = "modern-bpf", hide = true)]
    modern_bpf: bool,
    #[arg(long = "nodriver", hide = true)]
    nodriver: bool,
    #[arg(short = 'T', hide = true)]
    disable_tags: Vec<String>,
    #[arg(short = 't', hide = true)]
    enable_tags: Vec<String>,
    #[arg(short = 'D', hide = true)]
    disable_substrings: Vec<String>,
    #[arg(short = 'A', hide = true)]
    all_events: bool,
    #[arg(short = 'S', long = "snaplen", hide = true)]
    snaplen: Option<u64>,
    #[arg(short = 'b', long = "print-base64", hide = true)]
    print_base64: bool,
    #[arg(long = "cri", hide = true)]
    cri: Vec<String>,
    #[arg(long = "disable-cri-async", hide = true)]
    disable_cri_async: bool,
    #[arg(short = 's', hide = true)]
    stats_file: Option<String>,
    #[arg(long = "stats-interval", hide = true)]
    stats_interval: Option<String>,
    #[arg(long = "list-syscall-events", hide = true)]
    list_syscall_events: bool,
    #[arg(short = 'k', long = "k8s-api", hide = true)]
    k8s_api: Option<String>,
    #[arg(short = 'K', long = "k8s-api-cert", hide = true)]
    k8s_api_cert: Option<String>,
    #[arg(long = "k8s-node", hide = true)]
    k8s_node: Option<String>,
    #[arg(short = 'd', long = "daemon", hide = true)]
    daemon: bool,
    #[arg(short = 'u', long = "userspace", hide = true)]
    userspace: bool,
    #[arg(short = 'g', long = "gvisor-config", hide = true)]
    gvisor_config: Option<String>,
    #[arg(long = "gvisor-root", hide = true)]
    gvisor_root: Option<String>,
    #[arg(long = "gvisor-generate-config", hide = true, num_args = 0..=1, default_missing_value = "/run/falco/gvisor.sock")]
    gvisor_generate_config: Option<String>,
}

/// The parsed command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// `-c`, when given.
    pub config_file: Option<String>,
    /// Every `-o` option, deprecated flags' equivalents first.
    pub config_options: Vec<String>,
    /// `-r`.
    pub rules_files: Vec<String>,
    /// `-V`.
    pub validate: Vec<String>,
    /// `-L`.
    pub describe_all_rules: bool,
    /// `-l`.
    pub describe_rule: Option<String>,
    /// `--list [SOURCE]`: `Some("")` lists every source.
    pub list_fields: Option<String>,
    pub list_events: bool,
    pub format: ListFormat,
    /// Whether `--format` was given (else `json_output` decides for `-L`).
    pub format_given: bool,
    pub names_only: bool,
    pub print_ignored_events: bool,
    pub list_plugins: bool,
    pub plugin_info: Option<String>,
    /// `-M`: stop after this many seconds (0: never).
    pub duration_secs: u64,
    /// `-p`.
    pub print_additional: Option<String>,
    pub pidfile: Option<String>,
    pub support: bool,
    /// `--doctor` (falco-rs's own).
    pub doctor: bool,
    /// `--explain` (falco-rs's own): alerts carry their condition's trace.
    pub explain: bool,
    pub unbuffered: bool,
    pub verbose: bool,
    pub version: bool,
    pub page_size: bool,
    pub config_schema: bool,
    pub rule_schema: bool,
    pub dry_run: bool,
    pub enable_sources: Vec<String>,
    pub disable_sources: Vec<String>,
    /// Warnings about deprecated flags, printed on standard error.
    pub deprecations: Vec<String>,
    /// The whole command line, for `--support`.
    pub cmdline: String,
}

/// Why parsing stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseOutcome {
    /// `-h`/`--help`: print this on standard output and exit 0.
    Help(String),
    /// A bad command line: print `Runtime error: <this>. Exiting.` on
    /// standard error and exit 1.
    Error(String),
}

fn deprecated(out: &mut Options, flag: &str, replacement: &[String]) {
    out.deprecations.push(format!(
        "Warning: the {flag} option is deprecated and was removed from Falco; using {} instead",
        replacement
            .iter()
            .map(|o| format!("-o {o}"))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    out.config_options.extend(replacement.iter().cloned());
}

/// Parses the command line (`args[0]` is the program name).
pub fn parse<I, T>(args: I) -> Result<Options, ParseOutcome>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let cmdline = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let raw = match RawOptions::try_parse_from(&args) {
        Ok(raw) => raw,
        Err(err) => {
            return Err(match err.kind() {
                clap::error::ErrorKind::DisplayHelp
                | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    ParseOutcome::Help(err.render().to_string())
                }
                _ => ParseOutcome::Error(short_error(&err)),
            })
        }
    };
    let mut out = Options {
        cmdline,
        ..Options::default()
    };
    removed_flags(&raw)?;

    // Deprecated flags become -o options (before the explicit ones).
    let mut kinds = 0;
    if let Some(file) = &raw.trace_file {
        kinds += 1;
        deprecated(
            &mut out,
            "-e",
            &[
                "engine.kind=replay".into(),
                format!("engine.replay.capture_file={file}"),
            ],
        );
    }
    if raw.modern_bpf {
        kinds += 1;
        deprecated(
            &mut out,
            "--modern-bpf",
            &["engine.kind=modern_ebpf".into()],
        );
    }
    if raw.nodriver {
        kinds += 1;
        deprecated(&mut out, "--nodriver", &["engine.kind=nodriver".into()]);
    }
    if kinds > 1 {
        return Err(ParseOutcome::Error(
            "You can not specify more than one of -e, --modern-bpf and --nodriver".into(),
        ));
    }
    let disables = !raw.disable_tags.is_empty() || !raw.disable_substrings.is_empty();
    if !raw.enable_tags.is_empty() && disables {
        return Err(ParseOutcome::Error(
            "You can not specify both disabled (-D/-T) and enabled (-t) rules".into(),
        ));
    }
    for tag in &raw.disable_tags {
        deprecated(&mut out, "-T", &[format!("rules[].disable.tag={tag}")]);
    }
    if !raw.enable_tags.is_empty() {
        let mut replacement = vec!["rules[].disable.rule=*".to_owned()];
        replacement.extend(
            raw.enable_tags
                .iter()
                .map(|t| format!("rules[].enable.tag={t}")),
        );
        deprecated(&mut out, "-t", &replacement);
    }
    for substring in &raw.disable_substrings {
        deprecated(
            &mut out,
            "-D",
            &[format!("rules[].disable.rule=*{substring}*")],
        );
    }
    if raw.all_events {
        deprecated(&mut out, "-A", &["base_syscalls.all=true".into()]);
    }
    if let Some(len) = raw.snaplen {
        deprecated(&mut out, "-S", &[format!("falco_libs.snaplen={len}")]);
    }
    if raw.print_base64 {
        deprecated(&mut out, "-b", &["buffer_format_base64=true".into()]);
    }
    for path in &raw.cri {
        deprecated(
            &mut out,
            "--cri",
            &[format!("container_engines.cri.sockets[]={path}")],
        );
    }
    if raw.disable_cri_async {
        deprecated(
            &mut out,
            "--disable-cri-async",
            &["container_engines.cri.disable_async=true".into()],
        );
    }
    if let Some(file) = &raw.stats_file {
        deprecated(
            &mut out,
            "-s",
            &[
                "metrics.enabled=true".into(),
                format!("metrics.output_file={file}"),
            ],
        );
    }
    if let Some(interval) = &raw.stats_interval {
        deprecated(
            &mut out,
            "--stats-interval",
            &[format!("metrics.interval={interval}")],
        );
    }
    if raw.list_syscall_events {
        out.deprecations.push(
            "Warning: the --list-syscall-events option is deprecated; use --list-events".into(),
        );
    }
    for (flag, given) in [
        ("-k/--k8s-api", raw.k8s_api.is_some()),
        ("-K/--k8s-api-cert", raw.k8s_api_cert.is_some()),
        ("--k8s-node", raw.k8s_node.is_some()),
    ] {
        if given {
            out.deprecations.push(format!(
                "Warning: the {flag} option was removed from Falco and is ignored; Kubernetes metadata comes from the container runtime"
            ));
        }
    }
    if let Some(print) = &raw.print {
        out.deprecations.push(
            "The -p/--print option is deprecated and will be removed. Use -o append_output=... instead."
                .into(),
        );
        if !matches!(print.as_str(), "c" | "container" | "k" | "kubernetes") {
            // The container/kubernetes variants are covered by
            // append_output's suggested_output, as in Falco 0.41.
            let text = serde_json::to_string(print).unwrap_or_default();
            out.config_options
                .push(format!("append_output[]={{\"extra_output\": {text}}}"));
        }
    }
    out.config_options.extend(raw.options.iter().cloned());

    if !raw.enable_source.is_empty() && !raw.disable_source.is_empty() {
        return Err(ParseOutcome::Error(
            "You can not mix --enable-source and --disable-source".into(),
        ));
    }
    if let Some(path) = &raw.config {
        if std::fs::File::open(path).is_err() {
            return Err(ParseOutcome::Error(format!(
                "Could not find configuration file at {path}"
            )));
        }
    }

    out.config_file = raw.config;
    out.rules_files = raw.rules;
    out.validate = raw.validate;
    out.describe_all_rules = raw.describe_all_rules;
    out.describe_rule = raw.describe_rule;
    out.list_fields = raw.list;
    out.list_events = raw.list_events || raw.list_syscall_events;
    out.format_given = raw.format.is_some() || raw.markdown;
    out.format = raw.format.unwrap_or(if raw.markdown {
        ListFormat::Markdown
    } else {
        ListFormat::Text
    });
    out.names_only = raw.names_only;
    out.print_ignored_events = raw.print_ignored_events;
    out.list_plugins = raw.list_plugins;
    out.plugin_info = raw.plugin_info;
    out.duration_secs = raw.duration;
    out.print_additional = raw.print;
    out.pidfile = raw.pidfile.filter(|p| !p.is_empty());
    out.support = raw.support;
    out.doctor = raw.doctor;
    out.explain = raw.explain;
    out.unbuffered = raw.unbuffered;
    out.verbose = raw.verbose;
    out.version = raw.version;
    out.page_size = raw.page_size;
    out.config_schema = raw.config_schema;
    out.rule_schema = raw.rule_schema;
    out.dry_run = raw.dry_run;
    out.enable_sources = raw.enable_source;
    out.disable_sources = raw.disable_source;
    Ok(out)
}

/// Flags Falco removed that have no equivalent in falco-rs.
fn removed_flags(raw: &RawOptions) -> Result<(), ParseOutcome> {
    let removed = [
        (raw.daemon, "-d/--daemon was removed from Falco: run falco under a service manager (see the systemd units)"),
        (raw.userspace, "-u/--userspace was removed from Falco: the userspace (pdig) driver is not supported"),
        (
            raw.gvisor_config.is_some() || raw.gvisor_root.is_some() || raw.gvisor_generate_config.is_some(),
            "the gVisor options were removed: falco-rs does not support the gVisor engine",
        ),
    ];
    match removed.into_iter().find(|(given, _)| *given) {
        Some((_, message)) => Err(ParseOutcome::Error(message.to_owned())),
        None => Ok(()),
    }
}

/// clap's message, on one line, without its "error: " prefix.
fn short_error(err: &clap::Error) -> String {
    let rendered = err.render().to_string();
    let first = rendered.lines().next().unwrap_or("invalid command line");
    first
        .strip_prefix("error: ")
        .unwrap_or(first)
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(args: &[&str]) -> Options {
        let mut all = vec!["falco"];
        all.extend_from_slice(args);
        parse(all).unwrap()
    }

    fn err(args: &[&str]) -> String {
        let mut all = vec!["falco"];
        all.extend_from_slice(args);
        match parse(all) {
            Err(ParseOutcome::Error(e)) => e,
            other => panic!("expected an error for {args:?}, got {other:?}"),
        }
    }

    #[test]
    fn current_flags() {
        let o = ok(&[
            "-r",
            "a.yaml",
            "-r",
            "rules.d",
            "-o",
            "json_output=true",
            "-o",
            "priority=error",
            "-V",
            "x.yaml",
            "--validate",
            "y.yaml",
            "-L",
            "-l",
            "Some rule",
            "-M",
            "30",
            "-U",
            "-v",
            "--dry-run",
            "--enable-source",
            "syscall",
            "-P",
            "/run/falco.pid",
            "-N",
        ]);
        assert_eq!(o.rules_files, ["a.yaml", "rules.d"]);
        assert_eq!(o.config_options, ["json_output=true", "priority=error"]);
        assert_eq!(o.validate, ["x.yaml", "y.yaml"]);
        assert!(o.describe_all_rules && o.unbuffered && o.verbose && o.dry_run && o.names_only);
        assert_eq!(o.describe_rule.as_deref(), Some("Some rule"));
        assert_eq!(o.duration_secs, 30);
        assert_eq!(o.enable_sources, ["syscall"]);
        assert_eq!(o.pidfile.as_deref(), Some("/run/falco.pid"));
        assert!(o.deprecations.is_empty());
    }

    #[test]
    fn list_takes_an_optional_source_and_a_format() {
        assert_eq!(ok(&["--list"]).list_fields.as_deref(), Some(""));
        assert_eq!(
            ok(&["--list=syscall"]).list_fields.as_deref(),
            Some("syscall")
        );
        assert_eq!(
            ok(&["--list", "syscall"]).list_fields.as_deref(),
            Some("syscall")
        );
        assert_eq!(ok(&["--list", "--format", "json"]).format, ListFormat::Json);
        assert_eq!(ok(&["--list", "--markdown"]).format, ListFormat::Markdown);
        assert_eq!(ok(&["--list"]).format, ListFormat::Text);
        assert!(err(&["--list", "--format", "yaml"]).contains("invalid value 'yaml'"));
        assert!(ok(&["--list-syscall-events"]).list_events);
    }

    #[test]
    fn deprecated_flags_become_options() {
        let o = ok(&["-e", "/tmp/c.scap", "-o", "engine.kind=kmod"]);
        assert_eq!(
            o.config_options,
            [
                "engine.kind=replay",
                "engine.replay.capture_file=/tmp/c.scap",
                "engine.kind=kmod"
            ]
        );
        assert!(
            o.deprecations[0].contains("-e option is deprecated"),
            "{:?}",
            o.deprecations
        );
        let o = ok(&["-T", "network", "-D", "shell", "-A", "-S", "256", "-b"]);
        assert_eq!(
            o.config_options,
            [
                "rules[].disable.tag=network",
                "rules[].disable.rule=*shell*",
                "base_syscalls.all=true",
                "falco_libs.snaplen=256",
                "buffer_format_base64=true"
            ]
        );
        assert_eq!(o.deprecations.len(), 5);
        let o = ok(&["-t", "a", "-t", "b"]);
        assert_eq!(
            o.config_options,
            [
                "rules[].disable.rule=*",
                "rules[].enable.tag=a",
                "rules[].enable.tag=b"
            ]
        );
        let o = ok(&[
            "--modern-bpf",
            "--cri",
            "/run/c.sock",
            "--disable-cri-async",
            "-s",
            "/tmp/s",
        ]);
        assert_eq!(
            o.config_options,
            [
                "engine.kind=modern_ebpf",
                "container_engines.cri.sockets[]=/run/c.sock",
                "container_engines.cri.disable_async=true",
                "metrics.enabled=true",
                "metrics.output_file=/tmp/s"
            ]
        );
        assert_eq!(ok(&["--nodriver"]).config_options, ["engine.kind=nodriver"]);
        let o = ok(&["-p", "cpu=%evt.cpu \"q\""]);
        assert_eq!(
            o.config_options,
            [r#"append_output[]={"extra_output": "cpu=%evt.cpu \"q\""}"#]
        );
        assert!(ok(&["-pc"]).config_options.is_empty());
        assert_eq!(ok(&["-k", "http://x"]).deprecations.len(), 1);
    }

    #[test]
    fn bad_flags_are_errors() {
        assert_eq!(
            err(&["--frobnicate"]),
            "unexpected argument '--frobnicate' found"
        );
        assert!(err(&["-M", "soon"]).contains("invalid value 'soon'"));
        assert!(err(&["-r"]).contains("a value is required for '-r <rules_file>'"));
        assert_eq!(
            err(&["-t", "a", "-T", "b"]),
            "You can not specify both disabled (-D/-T) and enabled (-t) rules"
        );
        assert_eq!(
            err(&["-e", "x.scap", "--nodriver"]),
            "You can not specify more than one of -e, --modern-bpf and --nodriver"
        );
        assert_eq!(
            err(&["--enable-source", "a", "--disable-source", "b"]),
            "You can not mix --enable-source and --disable-source"
        );
        assert_eq!(
            err(&["-c", "/nonexistent/falco.yaml"]),
            "Could not find configuration file at /nonexistent/falco.yaml"
        );
        assert!(err(&["-d"]).contains("-d/--daemon was removed"));
        assert!(err(&["-g", "x.json"]).contains("gVisor"));
    }

    #[test]
    fn help_is_not_an_error() {
        match parse(["falco", "--help"]) {
            Err(ParseOutcome::Help(text)) => {
                assert!(text.contains("Falco - Cloud Native Runtime Security"));
                assert!(text.contains("--config-schema"));
                assert!(!text.contains("--modern-bpf"), "removed flags are hidden");
            }
            other => panic!("{other:?}"),
        }
    }
}
