//! The OCI image (packaging/container/) run the way the DaemonSets of
//! packaging/kubernetes/ run it: the pod spec is read from the manifest and
//! turned into `podman run` flags (env, security context, host paths,
//! ConfigMaps), so that a change to a manifest is a change to what this
//! test runs. No host PID namespace, no host network: falco sees the host
//! through eBPF and the host's /proc under `HOST_ROOT=/host`.
//!
//! The one substitution: the host paths `/run` and `/var/run`, where the
//! DaemonSet finds the runtimes' sockets, are the test's own runtime
//! directory, in which its podman service listens at `run/podman/podman.sock`
//! (the podman engine's default socket), so the test never touches a real
//! runtime socket of this machine.
//!
//! `make test` builds the image first (scripts/build-image.sh) and names it
//! in `FALCO_RS_IMAGE`; without it the test is skipped with a message.

use super::*;
use serde_yaml_ng::Value as Yaml;

/// The repository's packaging directory.
fn packaging() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../packaging")
}

/// The YAML documents of a manifest file.
fn documents(path: &Path) -> Vec<Yaml> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_yaml_ng::Deserializer::from_str(&text)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect()
}

fn text(v: &Yaml) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, found {v:?}"))
}

/// Appends `flag value`.
fn add(flags: &mut Vec<String>, flag: &str, value: String) {
    flags.push(flag.to_string());
    flags.push(value);
}

/// What the test needs of a DaemonSet's pod: how to run it, and where its
/// health check answers.
struct Pod {
    flags: Vec<String>,
    healthz: (String, u16),
}

/// Reads `manifest` (a DaemonSet) and the ConfigMaps of configmap.yaml into
/// `podman run` flags. ConfigMap data is written under `dir`; the host
/// paths `/run` and `/var/run` become `sockets`. Anything in the pod spec
/// this translation does not know fails the test, rather than being
/// silently left out.
fn pod_from_manifest(manifest: &Path, dir: &Path, sockets: &Path) -> Pod {
    let docs = documents(manifest);
    let ds = docs
        .iter()
        .find(|d| d["kind"] == "DaemonSet")
        .expect("a DaemonSet in the manifest");
    let spec = &ds["spec"]["template"]["spec"];
    let containers = spec["containers"].as_sequence().unwrap();
    assert_eq!(containers.len(), 1, "one container in the pod");
    let c = &containers[0];
    let mut flags: Vec<String> = Vec::new();

    assert_ne!(
        spec["hostPID"].as_bool(),
        Some(true),
        "the pod must not share the host's PIDs"
    );
    if spec["hostNetwork"].as_bool() == Some(true) {
        add(&mut flags, "--network", "host".into());
    }
    for e in c["env"].as_sequence().into_iter().flatten() {
        let value = match (&e["value"], &e["valueFrom"]["fieldRef"]["fieldPath"]) {
            (Yaml::String(v), _) => v.clone(),
            (_, Yaml::String(path)) if path == "spec.nodeName" => "test-node".into(),
            other => panic!("env {:?}: unknown source {other:?}", e["name"]),
        };
        add(&mut flags, "--env", format!("{}={value}", text(&e["name"])));
    }

    let sc = &c["securityContext"];
    for (key, value) in sc.as_mapping().expect("a securityContext") {
        match (text(key), value) {
            ("privileged", Yaml::Bool(true)) => flags.push("--privileged".into()),
            ("privileged", Yaml::Bool(false)) => {}
            ("allowPrivilegeEscalation", Yaml::Bool(false)) => {
                add(&mut flags, "--security-opt", "no-new-privileges".into())
            }
            ("capabilities", caps) => {
                for cap in caps["drop"].as_sequence().into_iter().flatten() {
                    add(&mut flags, "--cap-drop", text(cap).to_lowercase());
                }
                for cap in caps["add"].as_sequence().into_iter().flatten() {
                    add(&mut flags, "--cap-add", text(cap).to_lowercase());
                }
            }
            ("seccompProfile", p) if p["type"] == "Unconfined" => {
                add(&mut flags, "--security-opt", "seccomp=unconfined".into())
            }
            ("appArmorProfile", p) if p["type"] == "Unconfined" => {
                add(&mut flags, "--security-opt", "apparmor=unconfined".into())
            }
            (k, v) => panic!("securityContext.{k}: {v:?} is not translated"),
        }
    }

    // ConfigMaps: each key a file under dir/<name>/.
    let maps = documents(&packaging().join("kubernetes/configmap.yaml"));
    let volumes = spec["volumes"].as_sequence().unwrap();
    let source = |name: &str| -> PathBuf {
        let v = volumes
            .iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("no volume {name}"));
        if let Some(path) = v["hostPath"]["path"].as_str() {
            return match path {
                "/run" | "/var/run" => sockets.to_path_buf(),
                _ => PathBuf::from(path),
            };
        }
        let map_name = text(&v["configMap"]["name"]);
        let map = maps
            .iter()
            .find(|m| m["kind"] == "ConfigMap" && m["metadata"]["name"] == map_name)
            .unwrap_or_else(|| panic!("no ConfigMap {map_name} in configmap.yaml"));
        let at = dir.join(map_name);
        std::fs::create_dir_all(&at).unwrap();
        for (key, data) in map["data"].as_mapping().unwrap() {
            std::fs::write(at.join(text(key)), text(data)).unwrap();
        }
        at
    };
    for m in c["volumeMounts"].as_sequence().unwrap() {
        let mut from = source(text(&m["name"]));
        if let Some(sub) = m["subPath"].as_str() {
            from = from.join(sub);
        }
        let ro = if m["readOnly"].as_bool() == Some(true) {
            ":ro"
        } else {
            ""
        };
        add(
            &mut flags,
            "--volume",
            format!("{}:{}{ro}", from.display(), text(&m["mountPath"])),
        );
    }

    let probe = &c["livenessProbe"]["httpGet"];
    assert_eq!(
        c["readinessProbe"]["httpGet"], *probe,
        "both probes ask the same endpoint"
    );
    let port = probe["port"].as_u64().expect("a numeric probe port") as u16;
    Pod {
        flags,
        healthz: (text(&probe["path"]).to_string(), port),
    }
}

/// The image's falco in a pod of its own; removed on drop.
struct FalcoPod<'a> {
    rt: &'a Runtime,
    name: String,
    falco: Option<LiveFalco>,
}

impl FalcoPod<'_> {
    fn falco(&mut self) -> &mut LiveFalco {
        self.falco.as_mut().unwrap()
    }

    /// SIGTERM through podman's signal proxy; the pod's exit status and its
    /// log (stderr included).
    fn stop(mut self) -> (std::process::ExitStatus, String) {
        let status = self.falco.take().unwrap().stop();
        let log = self.rt.cmd(&["logs", &self.name]);
        (
            status,
            String::from_utf8_lossy(&log.stdout).to_string()
                + &String::from_utf8_lossy(&log.stderr),
        )
    }
}

impl Drop for FalcoPod<'_> {
    fn drop(&mut self) {
        drop(self.falco.take());
        let _ = self.rt.cmd(&["rm", "--force", "--time", "0", &self.name]);
    }
}

/// `GET path` on `ip:port`: the status line.
fn get_status(ip: &str, port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let addr = format!("{ip}:{port}").parse().unwrap();
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {ip}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut reply = String::new();
    s.read_to_string(&mut reply).ok()?;
    Some(reply)
}

/// The name this thread has in /proc: the `proc.pname` of what it spawns.
fn own_thread_comm() -> String {
    std::fs::read_to_string("/proc/thread-self/comm")
        .unwrap()
        .trim_end()
        .to_string()
}

fn daemonset_runs(manifest: &str) {
    if !can_run() {
        return;
    }
    let Ok(image) = std::env::var("FALCO_RS_IMAGE") else {
        eprintln!("skipped: FALCO_RS_IMAGE not set (make test builds the image with scripts/build-image.sh)");
        return;
    };
    let _one = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let Some(rt) = Runtime::podman_at("run/podman/podman.sock") else {
        return;
    };
    assert!(
        rt.cmd(&["image", "exists", &image]).status.success(),
        "image {image} not found: scripts/build-image.sh builds it"
    );
    let victim_image = rt.import_image();
    let dir = tempfile::tempdir().unwrap();
    let pod = pod_from_manifest(
        &packaging().join("kubernetes").join(manifest),
        dir.path(),
        &rt.dir.path().join("run"),
    );

    let name = format!("falco-ds-{}", std::process::id());
    let mut args: Vec<&str> = vec!["run", "--name", &name];
    args.extend(&rt.run_flags);
    args.extend(pod.flags.iter().map(String::as_str));
    args.push(&image);
    let child = Command::new(&rt.cli[0])
        .args(&rt.cli[1..])
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("podman runs the image");
    let mut falco = FalcoPod {
        rt: &rt,
        name: name.clone(),
        falco: Some(LiveFalco::follow(child)),
    };

    // On the host: repeated until falco has attached. The parent's name
    // comes from the host's /proc (scanned at start, under /host) and the
    // user's from the host's /etc/passwd: the image has neither.
    let parent = own_thread_comm();
    let deadline = Instant::now() + Duration::from_secs(120);
    let host = loop {
        let pid = run_in_group("cat", &["/etc/shadow"]);
        let found = falco.falco().wait_for(
            |a| {
                a["rule"] == "Read sensitive file untrusted"
                    && a["output_fields"]["proc.pid"] == pid
            },
            Duration::from_millis(700),
        );
        if let Some(a) = found {
            break a;
        }
        assert!(
            Instant::now() < deadline,
            "{manifest}: no alert for cat /etc/shadow on the host within 120 s; alerts: {:#?}",
            falco.falco().seen
        );
    };
    let f = &host["output_fields"];
    assert_eq!(f["container.id"], "host", "{host:#}");
    assert_eq!(f["user.name"], "root", "{host:#}");
    assert_eq!(f["proc.pname"], parent.as_str(), "{host:#}");
    assert_eq!(
        host["hostname"], "test-node",
        "FALCO_HOSTNAME from spec.nodeName"
    );

    // In another container, through the runtime whose socket the pod reads.
    let victim = format!("ds-victim-{}", std::process::id());
    rt.run(&[
        "--rm",
        "--name",
        &victim,
        &victim_image,
        "cat",
        "/etc/shadow",
    ]);
    let alert = falco
        .falco()
        .wait_for(
            |a| {
                a["rule"] == "Read sensitive file untrusted"
                    && a["output_fields"]["container.id"] != "host"
                    && a["output_fields"]["proc.cmdline"] == "cat /etc/shadow"
            },
            Duration::from_secs(60),
        )
        .unwrap_or_else(|| {
            panic!(
                "{manifest}: no alert for cat /etc/shadow in a container; alerts: {:#?}",
                falco.falco().seen
            )
        });
    let f = &alert["output_fields"];
    assert_eq!(f["container.name"], victim.as_str(), "{alert:#}");
    assert_eq!(
        f["container.image.repository"],
        victim_image.split(':').next().unwrap(),
        "{alert:#}"
    );

    // The probes' endpoint, on the pod's own address.
    let ip = rt.ok(&[
        "inspect",
        "--format",
        "{{.NetworkSettings.IPAddress}}",
        &name,
    ]);
    let (path, port) = &pod.healthz;
    let reply = get_status(&ip, *port, path).unwrap_or_default();
    assert!(
        reply.starts_with("HTTP/1.1 200") && reply.contains(r#""status": "ok""#),
        "{manifest}: GET {path} on {ip}:{port}: {reply:?}"
    );

    // falco's own pod raises nothing about itself.
    let own: Vec<_> = falco
        .falco()
        .seen
        .iter()
        .filter(|a| a["output_fields"]["container.name"] == name.as_str())
        .collect();
    assert!(
        own.is_empty(),
        "{manifest}: alerts about falco's own pod: {own:#?}"
    );

    let (status, log) = falco.stop();
    assert!(
        status.success(),
        "{manifest}: the pod exited with {status}: {log}"
    );
    assert!(
        log.contains("/etc/falco/rules.d/custom_rules.yaml | schema validation: ok"),
        "{manifest}: the rules ConfigMap was not loaded: {log}"
    );
}

#[test]
fn the_image_runs_as_the_daemonset_does() {
    daemonset_runs("daemonset.yaml");
}

#[test]
fn the_image_runs_as_the_least_privilege_daemonset_does() {
    daemonset_runs("daemonset-least-privilege.yaml");
}
