//! Users' rules on top of our default ruleset: the CKS course's custom
//! rules (written against Falco's macro and list names) load with no error
//! and no warning and each fires on its workload and not on its negative;
//! a Falco-style tuning file (list appends, macro overrides, an exception,
//! rules disabled by name) loads and changes what fires.

mod common;

use common::world::{
    assert_fires, assert_quiet, connect, default_rules_text, exec, fired_in_world, load_allowing,
    load_clean, mount, openat, CONTAINER,
};
use falco_abi::flag_tables::open_flags::{O_RDONLY, O_WRONLY};
use falco_abi::EventCode as C;
use falco_engine::compiler::CompiledRuleset;
use falco_scap::builder::events::socket_exit;
use falco_scap::builder::EventBuilder;
use falco_sinsp::SyscallFields;
use std::path::PathBuf;

fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn with_cks() -> CompiledRuleset<SyscallFields> {
    load_clean(&[
        ("falco_rules.yaml", &default_rules_text()),
        ("cks_rules.yaml", &fixture("cks_rules.yaml")),
    ])
}

/// The container's metadata event: a pod `web-1` in namespace `ns`.
fn pod(ns: &str) -> EventBuilder {
    let json = format!(
        r#"{{"container":{{"id":"{}","name":"k8s_web_web-1","image":"registry.example/web:1.4","imagerepo":"registry.example/web","imagetag":"1.4","type":7,"privileged":false,"labels":{{"io.kubernetes.pod.name":"web-1","io.kubernetes.pod.namespace":"{ns}"}}}}}}"#,
        &CONTAINER[..12]
    );
    EventBuilder::new(C::CONTAINER_JSON_2_E).set("json", json)
}

/// `rule` fires on `workload` and stays silent on `negative`.
fn case(
    set: &CompiledRuleset<SyscallFields>,
    rule: &str,
    workload: Vec<EventBuilder>,
    negative: Vec<EventBuilder>,
) {
    assert_fires(set, rule, &workload);
    assert_quiet(set, rule, &negative);
}

#[test]
fn the_cks_rules_load_cleanly_on_our_defaults() {
    let set = with_cks();
    let cks: Vec<&str> = set
        .rules
        .iter()
        .map(|r| r.name.as_str())
        .filter(|n| n.starts_with("CKS "))
        .collect();
    assert_eq!(cks.len(), 10, "{cks:?}");
}

#[test]
fn cks_shells_and_kubectl_exec() {
    let set = with_cks();
    // app (500) in the container runs sh; the same on the host is quiet.
    case(
        &set,
        "CKS shell spawned in container",
        vec![exec(600, 500, "sh", &["-c", "id"], 0, true)],
        vec![exec(600, 200, "sh", &["-c", "id"], 1000, false)],
    );
    // runc (400) starts bash into the container; a shell the app starts is
    // not an exec from outside.
    case(
        &set,
        "CKS kubectl exec",
        vec![exec(600, 400, "bash", &[], 0, true)],
        vec![exec(600, 500, "bash", &[], 0, true)],
    );
}

/// Falco's `spawned_process` has no direction: a rule on it must still
/// raise one alert per program started, not a second one on the execve
/// enter of the shell starting its next command.
#[test]
fn a_shell_running_a_command_raises_one_alert_per_program() {
    let set = with_cks();
    let mut e = falco_scap::builder::TestEngine::new(common::world::world());
    for ev in [
        exec(600, 500, "sh", &["-c", "id; id"], 0, true),
        EventBuilder::new(C::SYSCALL_EXECVE_19_E)
            .tid(600)
            .set("filename", "/usr/bin/id"),
        exec(600, 500, "id", &[], 0, true),
    ] {
        e.push(&ev);
    }
    let raised = common::world::raised(&set, &mut e);
    let shells = raised
        .iter()
        .filter(|r| *r == "CKS shell spawned in container")
        .count();
    assert_eq!(shells, 1, "{raised:?}");
}

#[test]
fn cks_sensitive_read_and_write_below_etc() {
    let set = with_cks();
    case(
        &set,
        "CKS sensitive file read",
        vec![openat(500, 3, "/etc/shadow", O_RDONLY)],
        vec![openat(500, 3, "/etc/hostname", O_RDONLY)],
    );
    case(
        &set,
        "CKS write below etc in container",
        vec![openat(500, 3, "/etc/passwd", O_WRONLY)],
        vec![openat(200, 3, "/etc/passwd.tmp", O_WRONLY)],
    );
}

#[test]
fn cks_network_rules() {
    let set = with_cks();
    let dial =
        |tid: i64, dst: [u8; 4], port: u16| vec![socket_exit(tid, 5), connect(tid, 5, dst, port)];
    case(
        &set,
        "CKS unexpected outbound connection from container",
        dial(500, [203, 0, 113, 7], 4444),
        dial(500, [203, 0, 113, 7], 443),
    );
    case(
        &set,
        "CKS outbound SSH",
        dial(200, [198, 51, 100, 20], 22),
        dial(200, [198, 51, 100, 20], 443),
    );
}

#[test]
fn cks_miner_mount_and_package_manager() {
    let set = with_cks();
    case(
        &set,
        "CKS crypto miner",
        vec![exec(600, 500, "xmrig", &["-o", "pool:3333"], 0, true)],
        vec![exec(600, 500, "xmllint", &["a.xml"], 0, true)],
    );
    case(
        &set,
        "CKS container escape via mount",
        vec![mount(500)],
        vec![mount(200)],
    );
    case(
        &set,
        "CKS package manager in container",
        vec![exec(600, 500, "apt-get", &["install", "nmap"], 0, true)],
        vec![exec(600, 200, "apt-get", &["install", "nmap"], 0, false)],
    );
}

#[test]
fn cks_unexpected_process_in_production() {
    let set = with_cks();
    case(
        &set,
        "CKS unexpected process in production",
        vec![pod("production"), exec(600, 500, "curl", &["x"], 0, true)],
        vec![pod("production"), exec(600, 500, "nginx", &[], 0, true)],
    );
    let f = fired_in_world(
        &set,
        &[pod("staging"), exec(600, 500, "curl", &["x"], 0, true)],
    );
    assert!(!f.contains("CKS unexpected process in production"), "{f:?}");
}

/// Our defaults, or our defaults with the tuning fixture; deprecation
/// warnings (Falco's, for `append: true` and a bare `enabled:`) allowed.
fn tuned(with_tuning: bool) -> CompiledRuleset<SyscallFields> {
    let defaults = default_rules_text();
    let tuning = fixture("falco_rules.local.yaml");
    let mut files = vec![("falco_rules.yaml", defaults.as_str())];
    if with_tuning {
        files.push(("falco_rules.local.yaml", tuning.as_str()));
    }
    load_allowing(&files, |w| w.contains("DeprecatedItem"))
}

/// The tuning file flips `rule` on `events`: it fires with the tuning
/// file exactly when `fires_tuned`, and without it exactly when not.
fn tuning_changes(rule: &str, events: Vec<EventBuilder>, fires_tuned: bool) {
    let before = fired_in_world(&tuned(false), &events);
    let after = fired_in_world(&tuned(true), &events);
    assert_eq!(
        after.contains(rule),
        fires_tuned,
        "{rule} with the tuning file; fired: {after:?}"
    );
    assert_eq!(
        before.contains(rule),
        !fires_tuned,
        "{rule} without the tuning file; fired: {before:?}"
    );
}

#[test]
fn a_falco_style_tuning_file_changes_what_fires() {
    let shadow_by = |comm: &str| {
        vec![
            exec(600, 200, comm, &[], 0, false),
            openat(600, 3, "/etc/shadow", O_RDONLY),
        ]
    };
    // List appends, both syntaxes.
    tuning_changes(
        "Run shell untrusted",
        vec![exec(600, 300, "fish", &[], 33, false)],
        true,
    );
    tuning_changes(
        "Read sensitive file untrusted",
        shadow_by("restic-agent"),
        false,
    );
    // Macros redefined and overridden.
    tuning_changes(
        "Read sensitive file untrusted",
        shadow_by("vault-agent"),
        false,
    );
    let dup_socket = |comm: &str| {
        vec![
            exec(600, 500, comm, &[], 0, true),
            socket_exit(600, 3),
            connect(600, 3, [198, 51, 100, 1], 4444),
            EventBuilder::new(C::SYSCALL_DUP2_X)
                .tid(600)
                .set("res", 0)
                .set("oldfd", 3)
                .set("newfd", 0),
        ]
    };
    tuning_changes(
        "Redirect STDOUT/STDIN to Network Connection in Container",
        dup_socket("socat"),
        false,
    );
    // The exception: restic may read /etc/shadow, not /etc/sudoers.
    tuning_changes("Read sensitive file untrusted", shadow_by("restic"), false);
    let sudoers = vec![
        exec(600, 200, "restic", &[], 0, false),
        openat(600, 3, "/etc/sudoers", O_RDONLY),
    ];
    assert!(fired_in_world(&tuned(true), &sudoers).contains("Read sensitive file untrusted"));
    // Rules disabled by name.
    tuning_changes(
        "Terminal shell in container",
        vec![exec(600, 400, "bash", &[], 0, true).set("tty", 34816)],
        false,
    );
    tuning_changes(
        "Search Private Keys or Passwords",
        vec![exec(
            600,
            200,
            "grep",
            &["-r", "BEGIN RSA PRIVATE", "/"],
            0,
            false,
        )],
        false,
    );
}

/// Falco 0.41+ writes container metadata into captures as async events
/// named `container`: a rule on `evt.type = container` sees them (and not
/// the `container_removed` ones), as it sees the older container events.
#[test]
fn evt_type_container_matches_the_plugins_async_event() {
    let set = load_clean(&[(
        "r.yaml",
        "- rule: Privileged container started\n  desc: d\n  condition: evt.type = container and container.privileged = true\n  output: privileged %container.name\n  priority: WARNING\n\
         - rule: Container removed\n  desc: d\n  condition: evt.type = container_removed\n  output: o\n  priority: INFO\n",
    )]);
    let json = |privileged: bool| {
        format!(
            "{{\"container\":{{\"id\":\"3ad7b26ded6d\",\"name\":\"web\",\"type\":11,\"privileged\":{privileged}}}}}\0"
        )
    };
    let async_event = |name: &str, data: &str| {
        EventBuilder::new(C::ASYNCEVENT_E)
            .tid(0)
            .set("plugin_id", 0u64)
            .set("name", name)
            .set("data", data.as_bytes())
    };
    let (yes, no) = (json(true), json(false));
    let fired = |ev: EventBuilder| fired_in_world(&set, &[ev]);
    let added = fired(async_event("container", &yes));
    assert!(added.contains("Privileged container started"), "{added:?}");
    assert!(!added.contains("Container removed"), "{added:?}");
    assert!(!fired(async_event("container", &no)).contains("Privileged container started"));
    let removed = fired(async_event("container_removed", &yes));
    assert!(!removed.contains("Privileged container started"), "{removed:?}");
    assert!(removed.contains("Container removed"), "{removed:?}");
}
