//! The shape of falco.yaml: every key falco-rs knows, and its type. One
//! table serves two purposes: unknown keys are reported (Falco validates
//! its configuration against a JSON schema and logs what fails), and
//! `--config-schema` prints it as a JSON schema.

use super::yaml::{Kind, Node, Origin};
use serde_json::{json, Map, Value};

/// What a value may be.
#[derive(Debug)]
pub enum Shape {
    Bool,
    Int,
    Num,
    Str,
    /// A string among these.
    Enum(&'static [&'static str]),
    List(&'static Shape),
    /// A mapping with exactly these keys (all optional).
    Obj(&'static [Prop]),
    /// Any of these shapes.
    AnyOf(&'static [Shape]),
    /// A mapping with any keys whose values have this shape.
    Dict(&'static Shape),
    /// Anything (plugin `init_config`).
    Any,
}

impl Shape {
    /// The shape at a dotted `path` of mapping keys (what
    /// [`super::types::Doc`] reads), if the schema has that path.
    pub fn at(&self, path: &str) -> Option<&Shape> {
        path.split('.').try_fold(self, |shape, key| shape.key(key))
    }

    fn key(&self, name: &str) -> Option<&Shape> {
        match self {
            Shape::Obj(props) => props.iter().find(|p| p.name == name).map(|p| &p.shape),
            Shape::Dict(value) => Some(value),
            Shape::Any => Some(&Shape::Any),
            Shape::AnyOf(shapes) => shapes.iter().find_map(|s| s.key(name)),
            _ => None,
        }
    }

    /// Whether a value of this shape may be what `fits` (anything may be
    /// `Any`; `AnyOf` when one of its shapes fits).
    pub fn accepts(&self, fits: fn(&Shape) -> bool) -> bool {
        match self {
            Shape::Any => true,
            Shape::AnyOf(shapes) => shapes.iter().any(|s| s.accepts(fits)),
            other => fits(other),
        }
    }

    /// The shape of an item of a list (anything else is its own item).
    pub fn item(&self) -> &Shape {
        match self {
            Shape::List(item) => item,
            other => other,
        }
    }
}

/// A key of a mapping.
#[derive(Debug)]
pub struct Prop {
    pub name: &'static str,
    pub shape: Shape,
    pub desc: &'static str,
}

const fn p(name: &'static str, shape: Shape) -> Prop {
    Prop {
        name,
        shape,
        desc: "",
    }
}

const fn d(name: &'static str, shape: Shape, desc: &'static str) -> Prop {
    Prop { name, shape, desc }
}

const ENABLED: Shape = Shape::Obj(&[p("enabled", Shape::Bool)]);
/// falco-rs's own delivery keys of http, program and syslog output.
const RETRY: Prop = p(
    "retry",
    Shape::Obj(&[
        p("enabled", Shape::Bool),
        p("initial_backoff_ms", Shape::Int),
        p("max_backoff_ms", Shape::Int),
    ]),
);
const SPOOL: Prop = p(
    "spool",
    Shape::Obj(&[
        p("enabled", Shape::Bool),
        p("dir", Shape::Str),
        p("max_size_mb", Shape::Int),
        p("when_full", Shape::Enum(&["drop_oldest", "drop_newest"])),
    ]),
);
const ABLE: Shape = Shape::Obj(&[p("rule", Shape::Str), p("tag", Shape::Str)]);

/// Every top-level key of falco.yaml.
pub const FALCO_CONFIG: Shape = Shape::Obj(&[
    d(
        "config_files",
        Shape::List(&Shape::AnyOf(&[
            Shape::Str,
            Shape::Obj(&[
                p("path", Shape::Str),
                p("strategy", Shape::Enum(&["append", "override", "add-only"])),
            ]),
        ])),
        "More configuration files or directories, merged in order after this file.",
    ),
    d(
        "watch_config_files",
        Shape::Bool,
        "Restart when the configuration or rules files change.",
    ),
    d(
        "rules_files",
        Shape::List(&Shape::Str),
        "Rules files and directories, loaded in order.",
    ),
    d(
        "rules_file",
        Shape::List(&Shape::Str),
        "Deprecated name of rules_files.",
    ),
    d(
        "rules",
        Shape::List(&Shape::Obj(&[p("disable", ABLE), p("enable", ABLE)])),
        "Enable or disable rules by name (with * wildcards) or by tag, in order.",
    ),
    d(
        "engine",
        Shape::Obj(&[
            p(
                "kind",
                Shape::Enum(&["kmod", "modern_ebpf", "replay", "nodriver"]),
            ),
            p(
                "kmod",
                Shape::Obj(&[
                    p("buf_size_preset", Shape::Int),
                    p("drop_failed_exit", Shape::Bool),
                ]),
            ),
            p(
                "modern_ebpf",
                Shape::Obj(&[
                    p("cpus_for_each_buffer", Shape::Int),
                    p("buf_size_preset", Shape::Int),
                    p("drop_failed_exit", Shape::Bool),
                ]),
            ),
            p("replay", Shape::Obj(&[p("capture_file", Shape::Str)])),
        ]),
        "Where events come from: kmod, modern_ebpf, replay (a capture file) or nodriver.",
    ),
    d(
        "capture",
        Shape::Obj(&[
            p("enabled", Shape::Bool),
            p("path_prefix", Shape::Str),
            p("mode", Shape::Enum(&["rules", "all_rules"])),
            p("default_duration", Shape::Int),
            p("pre_duration", Shape::AnyOf(&[Shape::Int, Shape::Str])),
            p("pre_max_mb", Shape::Int),
            p("max_size_mb", Shape::Int),
            p("max_files", Shape::Int),
        ]),
        "Write captures around the events that trigger rules.",
    ),
    d(
        "load_plugins",
        Shape::List(&Shape::Str),
        "Plugins to load (falco-rs has built-in container support and loads no plugins).",
    ),
    d(
        "plugins",
        Shape::List(&Shape::Obj(&[
            p("name", Shape::Str),
            p("library_path", Shape::Str),
            p("init_config", Shape::Any),
            p("open_params", Shape::Str),
        ])),
        "Plugin definitions (accepted and ignored by falco-rs).",
    ),
    d(
        "plugins_hostinfo",
        Shape::Bool,
        "Give plugins host information.",
    ),
    d(
        "time_format_iso_8601",
        Shape::Bool,
        "Print times in ISO 8601 instead of local HH:MM:SS.",
    ),
    d(
        "buffer_format_base64",
        Shape::Bool,
        "Print data buffers in base64.",
    ),
    d(
        "priority",
        Shape::Enum(&[
            "emergency",
            "alert",
            "critical",
            "error",
            "warning",
            "notice",
            "informational",
            "info",
            "debug",
        ]),
        "Minimum priority of the rules that are loaded.",
    ),
    d(
        "json_output",
        Shape::Bool,
        "Write alerts (and -V, -L, --version results) as JSON.",
    ),
    d(
        "json_include_output_property",
        Shape::Bool,
        "JSON alerts: include \"output\".",
    ),
    d(
        "json_include_message_property",
        Shape::Bool,
        "JSON alerts: include \"message\" (output without time and priority).",
    ),
    d(
        "json_include_output_fields_property",
        Shape::Bool,
        "JSON alerts: include \"output_fields\".",
    ),
    d(
        "json_include_tags_property",
        Shape::Bool,
        "JSON alerts: include \"tags\".",
    ),
    d(
        "json_include_uuid_property",
        Shape::Bool,
        "JSON alerts: include \"uuid\", each alert's UUID (falco-rs).",
    ),
    d(
        "buffered_outputs",
        Shape::Bool,
        "Buffer the outputs (flush less often).",
    ),
    d(
        "rule_matching",
        Shape::Enum(&["first", "all"]),
        "Stop at the first matching rule, or evaluate them all.",
    ),
    d(
        "outputs_queue",
        Shape::Obj(&[p("capacity", Shape::Int)]),
        "Alerts waiting for the outputs; 0 is unbounded.",
    ),
    d(
        "append_output",
        Shape::List(&Shape::Obj(&[
            p(
                "match",
                Shape::Obj(&[
                    p("source", Shape::Str),
                    p("tags", Shape::List(&Shape::Str)),
                    p("rule", Shape::Str),
                ]),
            ),
            p("extra_output", Shape::Str),
            p(
                "extra_fields",
                Shape::List(&Shape::AnyOf(&[Shape::Str, Shape::Dict(&Shape::Str)])),
            ),
            p("suggested_output", Shape::Bool),
        ])),
        "Text and fields added to the output of matching rules.",
    ),
    d(
        "static_fields",
        Shape::Dict(&Shape::Any),
        "Fields added to every alert's output_fields.",
    ),
    d("stdout_output", ENABLED, "Write alerts to standard output."),
    d(
        "syslog_output",
        Shape::Obj(&[p("enabled", Shape::Bool), RETRY, SPOOL]),
        "Send alerts to syslog.",
    ),
    d(
        "file_output",
        Shape::Obj(&[
            p("enabled", Shape::Bool),
            p("keep_alive", Shape::Bool),
            p("filename", Shape::Str),
        ]),
        "Append alerts to a file.",
    ),
    d(
        "http_output",
        Shape::Obj(&[
            p("enabled", Shape::Bool),
            p("url", Shape::Str),
            p("user_agent", Shape::Str),
            p("insecure", Shape::Bool),
            p("ca_cert", Shape::Str),
            p("ca_bundle", Shape::Str),
            p("ca_path", Shape::Str),
            p("mtls", Shape::Bool),
            p("client_cert", Shape::Str),
            p("client_key", Shape::Str),
            p("echo", Shape::Bool),
            p("compress_uploads", Shape::Bool),
            p("keep_alive", Shape::Bool),
            p("max_consecutive_timeouts", Shape::Int),
            RETRY,
            SPOOL,
        ]),
        "POST alerts to a URL (falcosidekick or a webhook).",
    ),
    d(
        "program_output",
        Shape::Obj(&[
            p("enabled", Shape::Bool),
            p("keep_alive", Shape::Bool),
            p("program", Shape::Str),
            RETRY,
            SPOOL,
        ]),
        "Pipe alerts into a program run with sh -c.",
    ),
    d(
        "webserver",
        Shape::Obj(&[
            p("enabled", Shape::Bool),
            p("threadiness", Shape::Int),
            p("listen_port", Shape::Int),
            p("listen_address", Shape::Str),
            p("k8s_healthz_endpoint", Shape::Str),
            p("prometheus_metrics_enabled", Shape::Bool),
            p("ssl_enabled", Shape::Bool),
            p("ssl_certificate", Shape::Str),
        ]),
        "The health (and metrics) web server.",
    ),
    d(
        "log_stderr",
        Shape::Bool,
        "Write Falco's own log to standard error.",
    ),
    d("log_syslog", Shape::Bool, "Send Falco's own log to syslog."),
    d(
        "log_level",
        Shape::Enum(&[
            "emergency",
            "alert",
            "critical",
            "error",
            "warning",
            "notice",
            "info",
            "debug",
        ]),
        "Minimum level of Falco's own log.",
    ),
    d(
        "libs_logger",
        Shape::Obj(&[
            p("enabled", Shape::Bool),
            p(
                "severity",
                Shape::Enum(&[
                    "fatal", "critical", "error", "warning", "notice", "info", "debug", "trace",
                ]),
            ),
        ]),
        "Log of the capture and state libraries.",
    ),
    d(
        "output_timeout",
        Shape::Int,
        "Milliseconds an output may block before it is reported.",
    ),
    d(
        "syscall_event_timeouts",
        Shape::Obj(&[p("max_consecutives", Shape::Int)]),
        "Consecutive reads without an event before it is reported.",
    ),
    d(
        "syscall_event_drops",
        Shape::Obj(&[
            p("threshold", Shape::Num),
            p(
                "actions",
                Shape::List(&Shape::Enum(&["ignore", "log", "alert", "exit"])),
            ),
            p("rate", Shape::Num),
            p("max_burst", Shape::Int),
            p("simulate_drops", Shape::Bool),
        ]),
        "What to do when the kernel drops events.",
    ),
    d(
        "metrics",
        Shape::Obj(&[
            p("enabled", Shape::Bool),
            p("interval", Shape::Str),
            p("output_rule", Shape::Bool),
            p("output_file", Shape::Str),
            p("rules_counters_enabled", Shape::Bool),
            p("resource_utilization_enabled", Shape::Bool),
            p("state_counters_enabled", Shape::Bool),
            p("kernel_event_counters_enabled", Shape::Bool),
            p("kernel_event_counters_per_cpu_enabled", Shape::Bool),
            p("libbpf_stats_enabled", Shape::Bool),
            p("plugins_metrics_enabled", Shape::Bool),
            p("convert_memory_to_mb", Shape::Bool),
            p("include_empty_values", Shape::Bool),
            p("jemalloc_stats_enabled", Shape::Bool),
        ]),
        "Periodic metrics.",
    ),
    d(
        "base_syscalls",
        Shape::Obj(&[
            p("all", Shape::Bool),
            p("custom_set", Shape::List(&Shape::Str)),
            p("repair", Shape::Bool),
        ]),
        "Which syscalls the driver collects beyond those the rules need.",
    ),
    d(
        "falco_libs",
        Shape::Obj(&[
            p("thread_table_size", Shape::Int),
            p("thread_table_auto_purging_interval_s", Shape::Int),
            p("thread_table_auto_purging_thread_timeout_s", Shape::Int),
            p("snaplen", Shape::Int),
        ]),
        "State and capture tuning.",
    ),
    d(
        "container_engines",
        Shape::Obj(&[
            p("docker", ENABLED),
            p(
                "cri",
                Shape::Obj(&[
                    p("enabled", Shape::Bool),
                    p("sockets", Shape::List(&Shape::Str)),
                    p("disable_async", Shape::Bool),
                ]),
            ),
            p("podman", ENABLED),
            p("lxc", ENABLED),
            p("libvirt_lxc", ENABLED),
            p("bpm", ENABLED),
        ]),
        "Container runtimes to ask for container metadata.",
    ),
]);

/// A key that is not part of the configuration: reported, then ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKey {
    pub path: String,
    pub origin: Origin,
}

/// Every key of `node` that `shape` does not know.
pub fn unknown_keys(node: &Node, shape: &Shape) -> Vec<UnknownKey> {
    let mut out = Vec::new();
    walk(node, shape, "", &mut out);
    out
}

fn walk(node: &Node, shape: &Shape, path: &str, out: &mut Vec<UnknownKey>) {
    match (shape, &node.kind) {
        (Shape::Obj(props), Kind::Map(entries)) => {
            for (key, value) in entries {
                let sub = if path.is_empty() {
                    key.name.clone()
                } else {
                    format!("{path}.{}", key.name)
                };
                match props.iter().find(|p| p.name == key.name) {
                    Some(prop) => walk(value, &prop.shape, &sub, out),
                    None => out.push(UnknownKey {
                        path: sub,
                        origin: key.origin.clone(),
                    }),
                }
            }
        }
        (Shape::List(item), Kind::Seq(items)) => {
            for (i, value) in items.iter().enumerate() {
                walk(value, item, &format!("{path}[{i}]"), out);
            }
        }
        (Shape::AnyOf(shapes), Kind::Map(_)) => {
            if let Some(obj) = shapes
                .iter()
                .find(|s| matches!(s, Shape::Obj(_) | Shape::Dict(_)))
            {
                walk(node, obj, path, out);
            }
        }
        (Shape::Dict(value_shape), Kind::Map(entries)) => {
            for (key, value) in entries {
                walk(value, value_shape, &format!("{path}.{}", key.name), out);
            }
        }
        _ => {}
    }
}

/// The shape as a JSON schema (draft-06, like Falco's).
pub fn to_json_schema(shape: &Shape) -> Value {
    match shape {
        Shape::Bool => json!({"type": "boolean"}),
        Shape::Int => json!({"type": "integer"}),
        Shape::Num => json!({"type": "number"}),
        Shape::Str => json!({"type": "string"}),
        Shape::Enum(values) => json!({"type": "string", "enum": values}),
        Shape::List(item) => json!({"type": "array", "items": to_json_schema(item)}),
        Shape::Obj(props) => {
            let mut properties = Map::new();
            for prop in props.iter() {
                let mut schema = to_json_schema(&prop.shape);
                if !prop.desc.is_empty() {
                    if let Value::Object(map) = &mut schema {
                        map.insert("description".into(), Value::from(prop.desc));
                    }
                }
                properties.insert(prop.name.into(), schema);
            }
            json!({"type": "object", "additionalProperties": false, "properties": properties})
        }
        Shape::AnyOf(shapes) => {
            json!({"anyOf": shapes.iter().map(to_json_schema).collect::<Vec<_>>()})
        }
        Shape::Dict(value) => {
            json!({"type": "object", "additionalProperties": to_json_schema(value)})
        }
        Shape::Any => json!({}),
    }
}

/// What `--config-schema` prints.
pub fn config_schema() -> Value {
    let mut schema = to_json_schema(&FALCO_CONFIG);
    if let Value::Object(map) = &mut schema {
        map.insert(
            "$schema".into(),
            json!("http://json-schema.org/draft-06/schema#"),
        );
        map.insert("title".into(), json!("falco-rs configuration (falco.yaml)"));
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::yaml::parse;

    #[test]
    fn unknown_keys_are_found_with_their_position() {
        let root = parse(
            "f.yaml",
            "json_output: true\nfoo: 1\nhttp_output:\n  enabled: false\n  urll: x\nrules:\n  - enable:\n      rulez: a\nplugins:\n  - name: x\n    init_config: {anything: 1}\n",
        )
        .unwrap();
        let unknown = unknown_keys(&root, &FALCO_CONFIG);
        let paths: Vec<String> = unknown
            .iter()
            .map(|u| format!("{} {}", u.path, u.origin))
            .collect();
        assert_eq!(
            paths,
            [
                "foo f.yaml:2:1",
                "http_output.urll f.yaml:5:3",
                "rules[0].enable.rulez f.yaml:8:7"
            ]
        );
    }

    #[test]
    fn the_schema_lists_every_key() {
        let schema = config_schema();
        let props = schema["properties"].as_object().unwrap();
        for key in [
            "engine",
            "http_output",
            "append_output",
            "rules",
            "metrics",
            "container_engines",
        ] {
            assert!(props.contains_key(key), "{key}");
        }
        assert_eq!(
            props["engine"]["properties"]["kind"]["enum"][1],
            "modern_ebpf"
        );
        assert_eq!(schema["additionalProperties"], false);
    }
}
