//! A synthetic case's events as the drivers would send them: each form's
//! defaults (a spawn's execve exit with the process's credentials and
//! cgroups, an openat exit, a connect exit), then the parameters the case
//! sets, each checked against the event's schema.

use super::case::{EventSpec, Form, ProcessSpec, WorldSpec};
use super::params::{self, tuple_bytes};
use super::read::{bad, scalar_at, Bad, Read};
use super::world::{cgroups, nul_terminated};
use falco_abi::schema::AT_FDCWD;
use falco_abi::EventInfo;
use falco_abi::EVENTS;
use falco_scap::builder::events::{
    connect_exit, execve_exit, openat_exit, socket6_exit, socket_exit,
};
use falco_scap::builder::EventBuilder;

/// Where a case's clock starts: one second after the world's processes
/// started, so `proc.duration` is known and positive.
pub const START_NS: u64 = 1_000_000_000;

/// The gap between events that give no `at`.
const STEP_NS: u64 = 1_000_000;

/// The events of `specs` in `world`, timed.
pub fn build(world: &WorldSpec, specs: &[EventSpec]) -> Read<Vec<EventBuilder>> {
    let mut out = Vec::with_capacity(specs.len());
    let mut ts = START_NS;
    for (i, spec) in specs.iter().enumerate() {
        ts = match spec.at {
            Some(at) => START_NS + at,
            None if i == 0 => START_NS,
            None => ts + STEP_NS,
        };
        for ev in event(world, spec)? {
            out.push(ev.ts(ts));
        }
    }
    Ok(out)
}

/// The events of one spec: one, or for `connect` the socket it connects
/// first (a connect on an fd the state does not know names nothing).
fn event(world: &WorldSpec, spec: &EventSpec) -> Read<Vec<EventBuilder>> {
    let mut before = Vec::new();
    let at = |v: &str| scalar_at(&spec.origin, v);
    let (mut b, mut given) = match &spec.form {
        Form::Event { name, exit } => (
            EventBuilder::new(
                falco_abi::EventCode::ALL[usize::from(schema_row(spec, name, *exit)?.code)],
            ),
            Vec::new(),
        ),
        Form::Spawn(p) => (spawn(world, p)?, Vec::new()),
        Form::Open => {
            let mut given = spec.params.clone();
            if !given.iter().any(|(k, _)| k == "name") {
                return bad(&at(""), "open needs the file's 'path'");
            }
            let b = openat_exit(spec.tid, 3, AT_FDCWD, "", 0).set("mode", 0o644);
            if !given.iter().any(|(k, _)| k == "flags") {
                given.push(("flags".into(), at("O_RDONLY")));
            }
            (b, given)
        }
        Form::Connect => {
            let mut given = spec.params.clone();
            let mut take = |k: &str| {
                let i = given.iter().position(|(n, _)| n == k)?;
                Some(given.remove(i).1)
            };
            let from = take("from").unwrap_or_else(|| at("10.0.0.5:40000"));
            let to = take("to");
            let Some(to) = to else {
                return bad(&at(""), "connect needs 'to: ADDR:PORT'");
            };
            let (from, to) = (
                params::endpoint(&from, "from")?,
                params::endpoint(&to, "to")?,
            );
            let fd = match given.iter().find(|(k, _)| k == "fd") {
                Some((_, n)) => super::read::int(n, "fd")?,
                None => 3,
            };
            before.push(if from.is_ipv6() || to.is_ipv6() {
                socket6_exit(spec.tid, fd)
            } else {
                socket_exit(spec.tid, fd)
            });
            (connect_exit(spec.tid, fd, &tuple_bytes(from, to)), given)
        }
    };
    if matches!(spec.form, Form::Event { .. } | Form::Spawn(_)) {
        given = spec.params.clone();
    }
    b = b.tid(spec.tid as u64);
    let info = b.info();
    for (name, value) in &given {
        let Some(i) = info.param_index(name) else {
            let names: Vec<&str> = info.params.iter().map(|p| p.name).collect();
            return bad(
                value,
                format!(
                    "{} has no parameter '{name}' (it has: {})",
                    info.name,
                    names.join(", ")
                ),
            );
        };
        b = b.set(name, params::encode(&info.params[i], value)?);
    }
    before.push(b);
    Ok(before)
}

/// The current schema row of the event `name` in one direction.
fn schema_row(spec: &EventSpec, name: &str, exit: bool) -> Read<&'static EventInfo> {
    EVENTS
        .iter()
        .rfind(|e| {
            e.name == name
                && !e.is_old_version()
                && (e.direction() == falco_abi::Direction::Exit) == exit
        })
        .ok_or_else(|| Bad {
            origin: spec.origin.clone(),
            message: format!(
                "no event '{name}' with direction '{}' in the schema",
                if exit { '<' } else { '>' }
            ),
        })
}

/// A new image for `p.pid`: the execve exit the kernel would report.
fn spawn(world: &WorldSpec, p: &ProcessSpec) -> Read<EventBuilder> {
    let args: Vec<&str> = p.args.iter().map(String::as_str).collect();
    Ok(execve_exit(p.pid, p.ppid, &p.exe, &args)
        .set("comm", p.name.as_str())
        .set("cwd", p.cwd.as_str())
        .set("cgroups", cgroups(world, p)?)
        .set("env", nul_terminated(&p.env))
        .set("tty", p.tty)
        .set("loginuid", p.loginuid)
        .set("uid", p.uid)
        .set("gid", p.gid)
        .set("trusted_exepath", p.exe.as_str())
        .set("cap_inheritable", 0)
        .set("cap_permitted", 0)
        .set("cap_effective", 0)
        .set("exe_ino", 0)
        .set("exe_ino_ctime", 0)
        .set("exe_ino_mtime", 0))
}
