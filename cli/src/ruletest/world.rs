//! The state a synthetic case starts in, from its world: the process
//! table with fds and users as a capture's header would carry them, and
//! one container-metadata event per container (what the container plugin
//! sends), so every field of the real state layer works on them.

use super::case::{ContainerSpec, FdSpecTarget, ProcessSpec, WorldSpec};
use super::params;
use super::read::Read;
use falco_abi::EventCode as C;
use falco_scap::builder::{EventBuilder, ParamInput};
use falco_scap::procfs::net::{L4_TCP, L4_UDP};
use falco_scap::state::{
    FdInfo, FdTarget, InitialState, Interface, InterfaceAddr, ThreadInfo, UserInfo,
};
use std::net::Ipv6Addr;

/// The file's world with the case's added (a case's process or container
/// replaces the file's one with the same pid or id).
pub fn merged(file: &WorldSpec, case: &WorldSpec) -> WorldSpec {
    let mut w = file.clone();
    for c in &case.containers {
        w.containers.retain(|o| o.full_id != c.full_id);
        w.containers.push(c.clone());
    }
    for u in &case.users {
        w.users.retain(|o| o.uid != u.uid);
        w.users.push(u.clone());
    }
    for p in &case.processes {
        w.processes.retain(|o| o.pid != p.pid);
        w.processes.push(p.clone());
    }
    w
}

/// The cgroups of a process in `container` (or on the host).
pub fn cgroups(world: &WorldSpec, p: &ProcessSpec) -> Read<Vec<u8>> {
    Ok(match &p.container {
        None => b"cpu=/\0".to_vec(),
        Some(id) => format!("cpu=/docker/{}\0", container(world, p, id)?.full_id).into_bytes(),
    })
}

fn container<'w>(world: &'w WorldSpec, p: &ProcessSpec, id: &str) -> Read<&'w ContainerSpec> {
    match world
        .containers
        .iter()
        .find(|c| c.full_id.starts_with(id) && id.len() >= 12)
    {
        Some(c) => Ok(c),
        None => Err(super::read::Bad {
            origin: p.origin.clone(),
            message: format!("container '{id}' is not in the world's containers"),
        }),
    }
}

/// NUL-terminated strings.
pub fn nul_terminated(items: &[String]) -> Vec<u8> {
    let refs: Vec<&str> = items.iter().map(String::as_str).collect();
    falco_scap::builder::events::nul_join(&refs)
}

/// The initial state of `world`: every process started at the case's first
/// nanosecond.
pub fn initial_state(world: &WorldSpec) -> Read<InitialState> {
    let mut st = InitialState::default();
    for p in &world.processes {
        let t = ThreadInfo {
            tid: p.pid as u64,
            pid: p.pid as u64,
            ptid: p.ppid as u64,
            comm: p.name.clone(),
            exe: p.args.first().cloned().unwrap_or_else(|| p.exe.clone()),
            exepath: p.exe.clone(),
            args: nul_terminated(&p.args),
            env: nul_terminated(&p.env),
            cwd: p.cwd.clone(),
            fdlimit: 1024,
            uid: p.uid,
            gid: p.gid,
            loginuid: p.loginuid,
            tty: p.tty,
            clone_ts: 1,
            cgroups: cgroups(world, p)?,
            fds: p.fds.iter().map(fd_info).collect::<Read<_>>()?,
            ..Default::default()
        };
        if st.threads.insert(t.tid, t).is_some() {
            return Err(super::read::Bad {
                origin: p.origin.clone(),
                message: format!("pid {} is in the world twice", p.pid),
            });
        }
    }
    st.interfaces = interfaces();
    st.users = world
        .users
        .iter()
        .map(|u| UserInfo {
            uid: u.uid,
            gid: u.gid,
            name: u.name.clone(),
            homedir: u.home.clone(),
            shell: u.shell.clone(),
        })
        .collect();
    Ok(st)
}

/// The machine's interfaces: loopback, and eth0 with 10.0.0.5/24 and
/// 2001:db8::5/64 (the default source of `connect`), so the state tells
/// the local end of a socket as on a real host.
fn interfaces() -> Vec<Interface> {
    let v4 = |name: &str, addr: [u8; 4], netmask: [u8; 4]| Interface {
        name: name.into(),
        addr: InterfaceAddr::V4 {
            addr,
            netmask,
            bcast: std::array::from_fn(|i| addr[i] | !netmask[i]),
        },
        linkspeed: None,
    };
    let v6 = |name: &str, addr: Ipv6Addr, prefix: u32| Interface {
        name: name.into(),
        addr: InterfaceAddr::V6 {
            addr: addr.octets(),
            netmask: (u128::MAX << (128 - prefix)).to_be_bytes(),
            bcast: [0; 16],
        },
        linkspeed: None,
    };
    vec![
        v4("lo", [127, 0, 0, 1], [255, 0, 0, 0]),
        v6("lo", Ipv6Addr::LOCALHOST, 128),
        v4("eth0", [10, 0, 0, 5], [255, 255, 255, 0]),
        v6("eth0", "2001:db8::5".parse().expect("an IPv6 address"), 64),
    ]
}

fn fd_info(fd: &super::case::FdSpec) -> Read<FdInfo> {
    let target = match &fd.target {
        FdSpecTarget::File { path, flags } => {
            let info = C::SYSCALL_OPENAT_2_X.info();
            let p = &info.params[info.param_index("flags").expect("openat has flags")];
            let ParamInput::Int(flags) = params::encode(p, flags)? else {
                unreachable!("flags are an integer parameter")
            };
            FdTarget::File {
                open_flags: flags as u32,
                name: path.clone(),
                dev: None,
            }
        }
        FdSpecTarget::Socket { tuple, udp } => {
            let (src, dst) = params::endpoints(tuple, if *udp { "udp" } else { "tcp" })?;
            FdTarget::IpSock {
                sip: src.ip(),
                dip: dst.ip(),
                sport: src.port(),
                dport: dst.port(),
                l4proto: if *udp { L4_UDP } else { L4_TCP },
            }
        }
    };
    Ok(FdInfo {
        fd: fd.fd,
        ino: 0,
        target,
    })
}

/// The container-metadata events of `world`.
pub fn container_events(world: &WorldSpec) -> Vec<EventBuilder> {
    world
        .containers
        .iter()
        .map(|c| {
            let json = serde_json::json!({ "container": c.record }).to_string();
            EventBuilder::new(C::CONTAINER_JSON_2_E).set("json", json)
        })
        .collect()
}
