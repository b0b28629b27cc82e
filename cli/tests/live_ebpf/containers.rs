//! Containers started, exec'd into and removed through real runtimes:
//! podman (its API served by `podman system service`) and docker (a dockerd
//! of the test's own), each on a socket of its own that falco follows, as
//! the container plugin's `init_config` says. Alerts carry the container's
//! name, image, type and pod, even for a container that lives a few
//! milliseconds; the CKS course's container detections fire through our
//! default rules (terminal shell, package manager, miner, mount, write
//! below /etc) and their negatives stay silent; the lifecycle raises
//! nothing; a runtime that dies costs its metadata, never the run.
//!
//! Needs root and the runtimes (scripts/setup.sh installs podman and
//! docker.io); a missing runtime skips its test with a message.

mod daemonset;

use super::*;
use std::process::Output;

/// Where the runtime's own processes show up as `proc.name`.
const RUNTIME_PROCS: &[&str] = &[
    "podman",
    "conmon",
    "runc",
    "runc:[0:PARENT]",
    "runc:[1:CHILD]",
    "runc:[2:INIT]",
    "netavark",
    "aardvark-dns",
    "catatonit",
    "dockerd",
    "docker",
    "containerd",
    "containerd-shim",
    "containerd-shim-runc-v2",
    "docker-init",
    "docker-proxy",
];

/// One runtime, with a daemon of the test's own on a private socket.
struct Runtime {
    kind: &'static str,
    dir: tempfile::TempDir,
    socket: PathBuf,
    daemon: Option<Child>,
    /// The command and its global flags.
    cli: Vec<String>,
    /// Flags every `run` needs on these machines.
    run_flags: Vec<&'static str>,
}

fn found(prog: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {prog}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Waits until `ready` holds, up to a generous deadline.
fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready() {
        assert!(Instant::now() < deadline, "{what} not ready within 60 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Runtime {
    fn podman() -> Option<Runtime> {
        Self::podman_at("podman.sock")
    }

    /// Podman with its API socket at `socket` under the runtime's own
    /// directory.
    fn podman_at(socket: &str) -> Option<Runtime> {
        if !found("podman") {
            eprintln!("skipped: podman not installed (scripts/setup.sh installs it)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join(socket);
        std::fs::create_dir_all(socket.parent().unwrap()).unwrap();
        let cli: Vec<String> = [
            "podman",
            "--runtime",
            "runc",
            "--cgroup-manager",
            "cgroupfs",
        ]
        .map(String::from)
        .to_vec();
        let daemon = Command::new(&cli[0])
            .args(&cli[1..])
            .args(["system", "service", "--time=0"])
            .arg(format!("unix://{}", socket.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("podman system service starts");
        let rt = Runtime {
            kind: "podman",
            dir,
            socket,
            daemon: Some(daemon),
            cli,
            run_flags: vec![
                "--ulimit",
                "nofile=1024:1024",
                "--ulimit",
                "nproc=1024:1024",
            ],
        };
        wait_until("podman's API socket", || rt.socket.exists());
        Some(rt)
    }

    fn docker() -> Option<Runtime> {
        if !found("dockerd") || !found("docker") {
            eprintln!("skipped: dockerd not installed (scripts/setup.sh installs docker.io)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("docker.sock");
        let p = |name: &str| dir.path().join(name).display().to_string();
        let daemon = Command::new("dockerd")
            .arg(format!("--host=unix://{}", socket.display()))
            .args([
                "--data-root",
                &p("data"),
                "--exec-root",
                &p("exec"),
                "--pidfile",
                &p("docker.pid"),
            ])
            .args(["--iptables=false", "--ip6tables=false", "--bridge=none"])
            .args(["--exec-opt", "native.cgroupdriver=cgroupfs"])
            .args([
                "--default-ulimit",
                "nofile=1024:1024",
                "--default-ulimit",
                "nproc=1024:1024",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dockerd starts");
        let rt = Runtime {
            kind: "docker",
            cli: vec![
                "docker".into(),
                "-H".into(),
                format!("unix://{}", socket.display()),
            ],
            dir,
            socket,
            daemon: Some(daemon),
            run_flags: vec!["--network", "none"],
        };
        wait_until("dockerd", || rt.cmd(&["version"]).status.success());
        Some(rt)
    }

    fn cmd(&self, args: &[&str]) -> Output {
        Command::new(&self.cli[0])
            .args(&self.cli[1..])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("runtime command runs")
    }

    /// Runs a command that must succeed; returns its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args);
        assert!(
            out.status.success(),
            "{} {args:?} failed: {}",
            self.kind,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// `run` with this machine's flags, then `args`.
    fn run(&self, args: &[&str]) -> String {
        let mut all = vec!["run"];
        all.extend(&self.run_flags);
        all.extend(args);
        self.ok(&all)
    }

    /// A busybox image made from this host's static busybox, imported
    /// (there is no registry here).
    fn import_image(&self) -> String {
        let tar = busybox_rootfs(self.dir.path());
        let image = "localhost/falco-rs-test:busybox";
        self.ok(&["import", tar.to_str().unwrap(), image]);
        image.to_string()
    }

    /// The container plugin's configuration that points falco at this
    /// runtime's socket only.
    fn plugin_config(&self) -> String {
        let sock = self.socket.display();
        let on = |k: &str| if k == self.kind { "true" } else { "false" };
        format!(
            "load_plugins: [container]\nplugins:\n  - name: container\n    library_path: libcontainer.so\n    init_config:\n      engines:\n        docker: {{enabled: {}, sockets: ['{sock}']}}\n        podman: {{enabled: {}, sockets: ['{sock}']}}\n        cri: {{enabled: false}}\n        containerd: {{enabled: false}}\n",
            on("docker"),
            on("podman"),
        )
    }

    /// Stops the daemon (SIGTERM, then waits).
    fn stop_daemon(&mut self) {
        if let Some(mut d) = self.daemon.take() {
            let pid = nix::unistd::Pid::from_raw(d.id() as i32);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
            let _ = d.wait();
        }
    }
}

/// A tar of a root filesystem made of this host's static busybox (the
/// applets the tests run, /etc/passwd and /etc/shadow), in `dir`.
fn busybox_rootfs(dir: &Path) -> PathBuf {
    let root = dir.join("rootfs");
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::copy("/bin/busybox", root.join("bin/busybox")).expect("busybox-static installed");
    // apt-get and xmrig are busybox too: their exec is what the rules see.
    for applet in ["sh", "cat", "sleep", "true", "mount", "apt-get", "xmrig"] {
        symlink("busybox", root.join("bin").join(applet)).unwrap();
    }
    std::fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
    std::fs::write(root.join("etc/shadow"), "root:*:19000:0:99999:7:::\n").unwrap();
    let tar = dir.join("rootfs.tar");
    let status = Command::new("tar")
        .args([
            "-C",
            root.to_str().unwrap(),
            "-cf",
            tar.to_str().unwrap(),
            ".",
        ])
        .status()
        .unwrap();
    assert!(status.success());
    tar
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.stop_daemon();
    }
}

/// The alerts a container workload of this test, or a runtime process,
/// raised besides the `expected` (rule, command line) pairs.
fn lifecycle_noise<'a>(
    seen: &'a [Value],
    prefix: &str,
    expected: &[(&str, String)],
) -> Vec<&'a Value> {
    seen.iter()
        .filter(|a| {
            let f = &a["output_fields"];
            let ours = f["container.name"]
                .as_str()
                .is_some_and(|n| n.starts_with(prefix));
            let runtime = f["proc.name"]
                .as_str()
                .is_some_and(|n| RUNTIME_PROCS.contains(&n));
            let wanted = expected
                .iter()
                .any(|(rule, cmdline)| a["rule"] == *rule && f["proc.cmdline"] == cmdline.as_str());
            (ours || runtime) && !(ours && wanted)
        })
        .collect()
}

/// The fields every alert of these tests carries in `output_fields`.
const EXTRA_FIELDS: &[&str] = &[
    "container.id",
    "container.name",
    "container.image.repository",
    "container.type",
    "k8s.pod.name",
    "k8s.ns.name",
    "k8s.pod.uid",
    "proc.name",
    "proc.cmdline",
    "evt.time",
];

/// An `append_output` item with [`EXTRA_FIELDS`].
fn extra_fields_item() -> String {
    let fields: String = EXTRA_FIELDS
        .iter()
        .map(|f| format!("      - {f}\n"))
        .collect();
    format!("  - extra_fields:\n{fields}")
}

/// Workloads exec'd into a running container, each with the default rule
/// it must raise (the CKS course's container detections) or none.
const EXEC_CASES: &[(&[&str], Option<&str>)] = &[
    (
        &["-t", "CONTAINER", "sh", "-c", "exit 0"],
        Some("Terminal shell in container"),
    ),
    (&["CONTAINER", "sh", "-c", "exit 3"], None),
    (
        &["CONTAINER", "apt-get", "install", "-y", "nmap"],
        Some("Package Manager Run in Container"),
    ),
    (
        &["CONTAINER", "xmrig", "--donate-level", "1"],
        Some("Crypto Miner Started"),
    ),
    (
        &["CONTAINER", "mount", "-t", "tmpfs", "none", "/etc"],
        Some("Mount Attempted in Container"),
    ),
    (
        &["CONTAINER", "sh", "-c", "echo x > /etc/cks-drift"],
        Some("Write Below System Directory"),
    ),
    (&["CONTAINER", "cat", "/etc/passwd"], None),
];

fn alert_of_container(falco: &mut LiveFalco, name: &str) -> Value {
    let name = name.to_string();
    let found = falco.wait_for(
        |a| {
            a["rule"] == "Read sensitive file untrusted"
                && a["output_fields"]["container.name"] == name.as_str()
        },
        Duration::from_secs(30),
    );
    found.unwrap_or_else(|| {
        panic!(
            "no alert for container {name}; alerts so far: {:#?}",
            falco.seen
        )
    })
}

/// The whole life of containers through one runtime, with falco following
/// it.
fn containers_through(mut rt: Runtime) {
    let _one = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let image = rt.import_image();
    let prefix = format!("frs{}-", std::process::id());
    let name = |n: &str| format!("{prefix}{n}");
    // Started before falco: found when falco lists the runtime's containers.
    let early_id = rt.run(&["-d", "--name", &name("early"), &image, "sleep", "600"]);

    let dir = tempfile::tempdir().unwrap();
    // Every alert starts a recording of 1 s of events.
    let capture = format!(
        "capture:\n  enabled: true\n  mode: all_rules\n  path_prefix: {}\n  default_duration: 1000\n",
        dir.path().join("cap").display()
    );
    let mut falco = LiveFalco::start(
        dir.path(),
        "",
        &format!("{}{}{capture}", extra_fields_item(), rt.plugin_config()),
    );
    wait_ready(&mut falco);

    rt.ok(&["exec", &name("early"), "cat", "/etc/shadow"]);
    let a = alert_of_container(&mut falco, &name("early"));
    let f = &a["output_fields"];
    assert_eq!(f["container.id"], &early_id[..12], "{a:#}");
    assert_eq!(
        f["container.image.repository"], "localhost/falco-rs-test",
        "{a:#}"
    );
    assert_eq!(f["container.type"], rt.kind, "{a:#}");
    assert_eq!(f["k8s.pod.name"], Value::Null, "{a:#}");
    let mut expected = vec![(
        "Read sensitive file untrusted",
        "cat /etc/shadow".to_string(),
    )];

    for (args, rule) in EXEC_CASES {
        let early_name = name("early");
        let args: Vec<&str> = args
            .iter()
            .map(|a| {
                if *a == "CONTAINER" {
                    early_name.as_str()
                } else {
                    a
                }
            })
            .collect();
        let mut all = vec!["exec"];
        all.extend(&args);
        // The workloads may fail inside (no apt, no right to mount): only
        // the exec matters.
        let _ = rt.cmd(&all);
        let Some(rule) = rule else { continue };
        let at = args.iter().position(|a| *a == early_name).unwrap() + 1;
        let cmdline = args[at..].join(" ");
        let a = falco
            .wait_for(
                |a| a["rule"] == *rule && a["output_fields"]["proc.cmdline"] == cmdline.as_str(),
                Duration::from_secs(30),
            )
            .unwrap_or_else(|| {
                panic!(
                    "no '{rule}' alert for `{cmdline}` in a {} container; alerts: {:#?}",
                    rt.kind, falco.seen
                )
            });
        let f = &a["output_fields"];
        assert_eq!(f["container.name"], early_name.as_str(), "{a:#}");
        assert_eq!(
            f["container.image.repository"], "localhost/falco-rs-test",
            "{a:#}"
        );
        expected.push((rule, cmdline));
    }

    // A pod container that lives a few milliseconds still gets its name.
    rt.run(&[
        "--rm",
        "--name",
        &name("web"),
        "--label",
        "io.kubernetes.pod.name=web-7d9",
        "--label",
        "io.kubernetes.pod.namespace=production",
        &image,
        "/bin/sh",
        "-c",
        "cat /etc/shadow",
    ]);
    let web = alert_of_container(&mut falco, &name("web"));
    let f = &web["output_fields"];
    assert_eq!(
        (&f["k8s.pod.name"], &f["k8s.ns.name"]),
        (&"web-7d9".into(), &"production".into()),
        "{web:#}"
    );
    assert_eq!(
        f["container.image.repository"], "localhost/falco-rs-test",
        "{web:#}"
    );

    rt.ok(&["rm", "-f", &name("early")]);
    // A later host alert proves the lifecycle's events were all processed.
    falco.expect_marker("the marker");
    let noise = lifecycle_noise(&falco.seen, &prefix, &expected);
    assert!(
        noise.is_empty(),
        "the {} container lifecycle raised alerts: {noise:#?}",
        rt.kind
    );

    // The runtime goes away: falco goes on; podman (daemonless) still runs
    // containers, whose alerts come after the bounded wait with their id
    // and without the metadata no runtime can give.
    rt.stop_daemon();
    if rt.kind == "podman" {
        rt.run(&[
            "--rm",
            "--name",
            &name("late"),
            &image,
            "/bin/sh",
            "-c",
            "cat /etc/shadow",
        ]);
        let a = falco
            .wait_for(
                |a| {
                    a["rule"] == "Read sensitive file untrusted"
                        && a["output_fields"]["proc.name"] == "cat"
                        && a["output_fields"]["container.type"].is_null()
                        && a["output_fields"]["container.id"] != "host"
                },
                Duration::from_secs(30),
            )
            .unwrap_or_else(|| {
                panic!(
                    "no alert for a container run without the API; alerts: {:#?}",
                    falco.seen
                )
            });
        assert_eq!(a["output_fields"]["container.name"], Value::Null, "{a:#}");
    }
    falco.expect_marker("a host workload after the runtime died");
    let status = falco.stop();
    assert!(status.success(), "falco exited with {status}");

    // The recording of the pod container's alert carries its metadata:
    // replayed, the alert names the container and the pod; sysdig 0.29
    // reads the container event too.
    let file = capture_holding(dir.path(), &web);
    let replayed = replay_json(
        dir.path(),
        &file,
        &format!("append_output:\n{}", extra_fields_item()),
    );
    let again = replayed
        .iter()
        .find(|a| {
            a["output_fields"]["evt.time"] == web["output_fields"]["evt.time"]
                && a["rule"] == web["rule"]
        })
        .unwrap_or_else(|| {
            panic!(
                "the replay of {} lacks the pod container's alert: {replayed:#?}",
                file.display()
            )
        });
    for field in [
        "container.id",
        "container.name",
        "container.image.repository",
        "container.type",
        "k8s.pod.name",
        "k8s.ns.name",
    ] {
        assert_eq!(
            again["output_fields"][field], web["output_fields"][field],
            "{field} replayed"
        );
    }
    // sysdig 0.29 reads the container event (it predates podman's
    // libpod_parent cgroups, so it may not tie the processes to it).
    let out = Command::new("sysdig")
        .args([
            "-r",
            file.to_str().unwrap(),
            "-p",
            "%container.name %container.image",
            "evt.type=container",
        ])
        .output()
        .expect("sysdig runs (scripts/setup.sh installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    let expected = format!("{} {image}", name("web"));
    assert!(
        text.lines().any(|l| l == expected),
        "sysdig 0.29 does not read the container event: {text}"
    );
}

#[test]
fn podman_containers_alert_with_their_metadata() {
    if !can_run() {
        return;
    }
    if let Some(rt) = Runtime::podman() {
        containers_through(rt);
    }
}

#[test]
fn docker_containers_alert_with_their_metadata() {
    if !can_run() {
        return;
    }
    if let Some(rt) = Runtime::docker() {
        containers_through(rt);
    }
}

/// containerd (Debian's 1.6) serving CRI on a private socket, with its
/// own root, state and a sandbox image made here. These machines deny
/// lowering oom_score_adj even to root: the sandbox's -998 is restricted
/// (`restrict_oom_score_adj`), or the pod would not start.
struct Containerd {
    dir: tempfile::TempDir,
    socket: PathBuf,
    daemon: Child,
}

const PAUSE_IMAGE: &str = "localhost/falco-rs-test:pause";
const CRI_IMAGE: &str = "localhost/falco-rs-test:busybox";

impl Containerd {
    fn start() -> Option<Containerd> {
        for prog in ["containerd", "ctr", "podman"] {
            if !found(prog) {
                eprintln!("skipped: {prog} not installed (scripts/setup.sh installs it)");
                return None;
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("containerd.sock");
        let d = dir.path().display();
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                "version = 2\nroot = \"{d}/root\"\nstate = \"{d}/state\"\n[grpc]\n  address = \"{}\"\n\
                 [plugins]\n  [plugins.\"io.containerd.grpc.v1.cri\"]\n    sandbox_image = \"{PAUSE_IMAGE}\"\n    restrict_oom_score_adj = true\n\
                 [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n      snapshotter = \"native\"\n",
                socket.display()
            ),
        )
        .unwrap();
        let daemon = Command::new("containerd")
            .arg("--config")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("containerd starts");
        let c = Containerd {
            dir,
            socket,
            daemon,
        };
        wait_until("containerd's socket", || c.socket.exists());
        Some(c)
    }

    /// The sandbox image and the busybox image, made with podman and
    /// imported into containerd's k8s.io namespace.
    fn import_images(&self) {
        let tar = busybox_rootfs(self.dir.path());
        for (image, change) in [
            (
                PAUSE_IMAGE,
                vec!["--change", "CMD [\"/bin/sleep\", \"100000\"]"],
            ),
            (CRI_IMAGE, vec![]),
        ] {
            let archive = self.dir.path().join("image.tar");
            let _ = std::fs::remove_file(&archive);
            let steps: [Vec<&str>; 3] = [
                [
                    &["podman", "import"][..],
                    &change,
                    &[tar.to_str().unwrap(), image],
                ]
                .concat(),
                vec![
                    "podman",
                    "save",
                    "--format",
                    "docker-archive",
                    "-o",
                    archive.to_str().unwrap(),
                    image,
                ],
                vec![
                    "ctr",
                    "-a",
                    self.socket.to_str().unwrap(),
                    "-n",
                    "k8s.io",
                    "images",
                    "import",
                    archive.to_str().unwrap(),
                ],
            ];
            for step in steps {
                let out = Command::new(step[0]).args(&step[1..]).output().unwrap();
                assert!(
                    out.status.success(),
                    "{step:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
}

impl Drop for Containerd {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.daemon.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let _ = self.daemon.wait();
    }
}

#[test]
fn cri_pods_alert_with_their_pod_and_namespace() {
    if !can_run() {
        return;
    }
    let Some(ctd) = Containerd::start() else {
        return;
    };
    let _one = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    ctd.import_images();
    let plugin = format!(
        "load_plugins: [container]\nplugins:\n  - name: container\n    library_path: libcontainer.so\n    init_config:\n      engines:\n        docker: {{enabled: false}}\n        podman: {{enabled: false}}\n        containerd: {{enabled: false}}\n        cri: {{enabled: true, sockets: ['{}']}}\n",
        ctd.socket.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let mut falco = LiveFalco::start(dir.path(), "", &format!("{}{plugin}", extra_fields_item()));
    wait_ready(&mut falco);

    // The test is the kubelet: a pod, then a container in it.
    let mut kubelet = kubelet::Kubelet::connect(&ctd.socket);
    let uid = format!("{}-4f1c", std::process::id());
    let logs = dir.path().join("pod-logs");
    std::fs::create_dir_all(&logs).unwrap();
    let pod = kubelet.run_pod("web-7d9", "production", &uid, &logs);
    let mut running = kubelet::RunningPod { kubelet, pod };
    let id = running.kubelet.start(
        &running.pod,
        "web",
        CRI_IMAGE,
        &["/bin/sh", "-c", "cat /etc/shadow; sleep 600"],
    );
    let a = falco
        .wait_for(
            |a| {
                a["rule"] == "Read sensitive file untrusted"
                    && a["output_fields"]["k8s.pod.name"] == "web-7d9"
            },
            Duration::from_secs(30),
        )
        .unwrap_or_else(|| panic!("no alert from the CRI pod; alerts: {:#?}", falco.seen));
    let f = &a["output_fields"];
    assert_eq!(f["container.id"], &id[..12], "{a:#}");
    assert_eq!(f["container.name"], "web", "{a:#}");
    assert_eq!(f["k8s.ns.name"], "production", "{a:#}");
    assert_eq!(f["container.type"], "containerd", "{a:#}");
    assert_eq!(
        f["container.image.repository"], "localhost/falco-rs-test",
        "{a:#}"
    );
    assert_eq!(f["k8s.pod.uid"], uid.as_str(), "{a:#}");
    drop(running);

    falco.expect_marker("the marker");
    let expected = [(
        "Read sensitive file untrusted",
        "cat /etc/shadow".to_string(),
    )];
    let noise = lifecycle_noise(&falco.seen, "web", &expected);
    assert!(
        noise.is_empty(),
        "the CRI pod's lifecycle raised alerts: {noise:#?}"
    );
    let status = falco.stop();
    assert!(status.success(), "falco exited with {status}");
}
