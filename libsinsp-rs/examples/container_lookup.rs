//! The cost of a container metadata lookup, off the event path: asks the
//! runtime on SOCKET (docker or podman, by KIND) about container ID, N
//! times, through the same feed the inspector drains, and prints the
//! median and 99th percentile of the time from the request to the record.
//!
//! `container_lookup KIND SOCKET ID N` (scripts/bench-containers.sh).

use falco_sinsp::runtimes::{EngineConfig, EngineKind, Feed, RuntimesConfig, Update};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, kind, socket, id, n] = &args[..] else {
        eprintln!("usage: container_lookup docker|podman SOCKET ID N");
        std::process::exit(2);
    };
    let kind = match kind.as_str() {
        "docker" => EngineKind::Docker,
        "podman" => EngineKind::Podman,
        other => {
            eprintln!("container_lookup: unknown runtime {other}");
            std::process::exit(2);
        }
    };
    let n: usize = n.parse().expect("N is a number");
    let config = RuntimesConfig {
        engines: vec![EngineConfig {
            kind,
            enabled: true,
            sockets: Some(vec![socket.clone()]),
        }],
        ..RuntimesConfig::default()
    };
    let mut feed = Feed::start(&config, Arc::new(|_, msg: &str| eprintln!("{msg}")));
    // The listing at start sends what runs: let it pass.
    while feed.next_within(Duration::from_secs(2)).is_some() {}
    let short = &id[..id.len().min(12)];
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        feed.forget(short);
        let t0 = Instant::now();
        feed.lookup(short);
        loop {
            match feed.next_within(Duration::from_secs(10)) {
                Some(Update::Added(c)) if c.id == short => break,
                Some(_) => continue,
                None => {
                    eprintln!("container_lookup: no record for {short} within 10 s");
                    std::process::exit(1);
                }
            }
        }
        times.push(t0.elapsed());
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "lookup of one container, {n} times: median {:.2} ms, p99 {:.2} ms",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3
    );
}
