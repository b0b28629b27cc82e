//! The inspector's current state in the form of a capture's state blocks:
//! the inverse of [`Inspector::new`], so that a capture writer can start a
//! new `.scap` file from where the state is now. The conversion of each
//! thread and fd, and what it cannot carry, is `state::scap`'s; users and
//! groups come back one per id (what `Users` keeps), sorted by id, their
//! strings not cut (the reader takes up to 255 bytes).

use crate::inspector::{Inspector, Removal};
use crate::state::scap::thread_to_scap;
use falco_scap::state::InitialState;
use std::collections::{BTreeMap, HashSet};

impl Inspector {
    /// The current state as a capture's initial state: live threads with
    /// their fd tables, users, groups and the machine, so that
    /// `Inspector::new(insp.snapshot())` sees what `insp` sees (see the
    /// module documentation for the few facts scap cannot carry).
    ///
    /// Removals the last event deferred count as applied: exited threads
    /// and fds being closed are left out, as the next event would see them.
    pub fn snapshot(&self) -> InitialState {
        let mut gone: HashSet<i64> = HashSet::new();
        let mut closed: HashSet<(i64, i64)> = HashSet::new();
        for r in self.pending_removals() {
            match *r {
                Removal::Thread(tid) => {
                    gone.insert(tid);
                }
                Removal::Fd { tid, fd } => {
                    // The table the removal will apply to: the leader's when
                    // the leader is known (as `ThreadTable::fds_mut`).
                    if let Some(t) = self.threads.get(tid) {
                        let owner = if self.threads.get(t.pid).is_some() {
                            t.pid
                        } else {
                            tid
                        };
                        closed.insert((owner, fd));
                    }
                }
            }
        }
        let mut threads = BTreeMap::new();
        for t in self.threads.iter() {
            if t.exited || gone.contains(&t.tid) {
                continue;
            }
            let mut ti = thread_to_scap(t);
            ti.fds.retain(|f| !closed.contains(&(t.tid, f.fd)));
            threads.insert(ti.tid, ti);
        }
        let mut users: Vec<_> = self.users.users().cloned().collect();
        users.sort_by_key(|u| u.uid);
        let mut groups: Vec<_> = self.users.groups().cloned().collect();
        groups.sort_by_key(|g| g.gid);
        InitialState {
            machine: self.machine.clone(),
            threads,
            users,
            groups,
            interfaces: self.interfaces.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Fd, FdKind, L4Proto, SockTuple, Thread};
    use falco_scap::savefile::proclist::{MAX_ARGS, MAX_ENV, MAX_PATH};
    use falco_scap::state::{FdInfo, FdTarget, FdType};
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    /// The longest fd name the savefile reader accepts.
    const MAX_FD_NAME: usize = MAX_PATH - 1;
    use falco_scap::state::{
        GroupInfo, Interface, InterfaceAddr, MachineInfo, ThreadInfo, UserInfo, THREAD_FLAGS,
    };

    const CID: &str = "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e";

    fn fdi(fd: i64, ino: u64, target: FdTarget) -> FdInfo {
        FdInfo { fd, ino, target }
    }

    /// Threads whose every field has a scap form the inspector keeps, with
    /// fds of every family, listed out of order.
    fn initial() -> InitialState {
        let mut st = InitialState {
            machine: Some(MachineInfo {
                num_cpus: 4,
                memory_size_bytes: 8 << 30,
                max_pid: 4_194_304,
                hostname: "snap-host".into(),
                boot_ts_epoch: 1_700_000_000_000_000_000,
                flags: 3,
                reserved3: 0,
                reserved4: 0,
            }),
            users: vec![
                UserInfo {
                    uid: 33,
                    gid: 33,
                    name: "www-data".into(),
                    homedir: "/var/www".into(),
                    shell: "/usr/sbin/nologin".into(),
                },
                UserInfo {
                    uid: 0,
                    gid: 0,
                    name: "root".into(),
                    homedir: "/root".into(),
                    shell: "/bin/bash".into(),
                },
            ],
            groups: vec![
                GroupInfo {
                    gid: 33,
                    name: "www-data".into(),
                },
                GroupInfo {
                    gid: 0,
                    name: "root".into(),
                },
            ],
            ..Default::default()
        };
        st.threads.insert(
            1,
            ThreadInfo {
                tid: 1,
                pid: 1,
                ptid: 0,
                sid: 1,
                vpgid: 1,
                comm: "systemd".into(),
                exe: "/sbin/init".into(),
                exepath: "/usr/lib/systemd/systemd".into(),
                args: b"splash\0".to_vec(),
                cwd: "/".into(),
                fdlimit: 1_048_576,
                vtid: 1,
                vpid: 1,
                // A cgroup v2 line has no "subsys=": kept as a bare path.
                cgroups: b"0::/init.scope\0".to_vec(),
                loginuid: u32::MAX,
                cap_effective: 0x1ff_ffff_ffff,
                cap_permitted: 0x1ff_ffff_ffff,
                clone_ts: 1_700_000_000_000_000_001,
                ..Default::default()
            },
        );
        st.threads.insert(
            100,
            ThreadInfo {
                tid: 100,
                pid: 100,
                ptid: 1,
                sid: 100,
                vpgid: 100,
                comm: "nginx".into(),
                exe: "nginx".into(),
                exepath: "/usr/sbin/nginx".into(),
                args: b"-g\0daemon off;\0".to_vec(),
                cwd: "/srv/www".into(),
                fdlimit: 1024,
                uid: 33,
                gid: 33,
                env: b"PATH=/usr/bin:/bin\0HOME=/var/www\0EMPTY=\0".to_vec(),
                vtid: 7,
                vpid: 7,
                cgroups: format!("cpu=/docker/{CID}\0memory=/docker/{CID}\0").into_bytes(),
                pidns_init_start_ts: 1_700_000_000_100_000_000,
                tty: 34816,
                loginuid: 1000,
                exe_writable: true,
                cap_inheritable: 1,
                cap_permitted: 2,
                cap_effective: 3,
                exe_upper_layer: true,
                exe_ino: 4242,
                exe_ino_ctime: 11,
                exe_ino_mtime: 12,
                exe_from_memfd: true,
                clone_ts: 1_700_000_000_200_000_000,
                fds: vec![
                    fdi(
                        7,
                        900,
                        FdTarget::UnixSock {
                            source: 0xffff_8880_0001,
                            dest: 0xffff_8880_0002,
                            path: "/run/php-fpm.sock".into(),
                        },
                    ),
                    fdi(
                        3,
                        77,
                        FdTarget::File {
                            open_flags: 0x2 | 0x8 | 0x400,
                            name: "/var/log/nginx/access.log".into(),
                            dev: Some(0x803),
                        },
                    ),
                    fdi(
                        0,
                        1234,
                        FdTarget::Named {
                            fd_type: FdType::Fifo,
                            name: "pipe:[1234]".into(),
                        },
                    ),
                    fdi(
                        4,
                        500,
                        FdTarget::IpServSock {
                            ip: IpAddr::from([0, 0, 0, 0]),
                            port: 80,
                            l4proto: 2,
                        },
                    ),
                    // The server side of a connection to port 80: the
                    // inspector turns it client -> server.
                    fdi(
                        5,
                        501,
                        FdTarget::IpSock {
                            sip: IpAddr::from([10, 0, 0, 2]),
                            dip: IpAddr::from([10, 0, 0, 9]),
                            sport: 80,
                            dport: 51000,
                            l4proto: 2,
                        },
                    ),
                    fdi(
                        6,
                        502,
                        FdTarget::IpSock {
                            sip: IpAddr::from([10, 0, 0, 2]),
                            dip: IpAddr::from([1, 1, 1, 1]),
                            sport: 43210,
                            dport: 53,
                            l4proto: 3,
                        },
                    ),
                    fdi(
                        8,
                        0,
                        FdTarget::Named {
                            fd_type: FdType::Directory,
                            name: "/srv/www".into(),
                        },
                    ),
                    fdi(
                        9,
                        503,
                        FdTarget::IpServSock {
                            ip: IpAddr::from([0; 16]),
                            port: 443,
                            l4proto: 2,
                        },
                    ),
                    fdi(
                        10,
                        504,
                        FdTarget::IpSock {
                            sip: IpAddr::from(Ipv6Addr::LOCALHOST.octets()),
                            dip: IpAddr::from("fe80::1".parse::<Ipv6Addr>().unwrap().octets()),
                            sport: 40000,
                            dport: 8443,
                            l4proto: 2,
                        },
                    ),
                    fdi(
                        11,
                        0,
                        FdTarget::Named {
                            fd_type: FdType::Eventpoll,
                            name: "anon_inode:[eventpoll]".into(),
                        },
                    ),
                    fdi(
                        12,
                        0,
                        FdTarget::Named {
                            fd_type: FdType::Memfd,
                            name: "memfd:x".into(),
                        },
                    ),
                ],
                ..Default::default()
            },
        );
        // A second thread of nginx: no fds of its own, thread flags.
        st.threads.insert(
            101,
            ThreadInfo {
                tid: 101,
                pid: 100,
                ptid: 1,
                sid: 100,
                vpgid: 100,
                comm: "nginx-worker".into(),
                exe: "nginx".into(),
                exepath: "/usr/sbin/nginx".into(),
                cwd: "/srv/www".into(),
                flags: THREAD_FLAGS,
                uid: 33,
                gid: 33,
                vtid: 8,
                vpid: 7,
                loginuid: 1000,
                ..Default::default()
            },
        );
        st
    }

    /// The initial state in the order a snapshot gives it: fds by number,
    /// users by uid, groups by gid.
    fn normalised(mut st: InitialState) -> InitialState {
        for t in st.threads.values_mut() {
            t.fds.sort_by_key(|f| f.fd);
        }
        st.users.sort_by_key(|u| u.uid);
        st.groups.sort_by_key(|g| g.gid);
        st
    }

    fn threads(insp: &Inspector) -> Vec<Thread> {
        let mut v: Vec<Thread> = insp.threads.iter().cloned().collect();
        v.sort_by_key(|t| t.tid);
        v
    }

    #[test]
    fn snapshot_gives_back_the_initial_state_it_was_built_from() {
        let st = initial();
        let insp = Inspector::new(st.clone());
        // The inspector did turn the accepted connection around.
        let accepted = insp.threads.fds(100).unwrap().get(5).unwrap();
        assert!(accepted.is_server);
        assert_eq!(accepted.name, "10.0.0.9:51000->10.0.0.2:80");

        let snap = insp.snapshot();
        let want = normalised(st);
        assert_eq!(
            snap.threads.keys().collect::<Vec<_>>(),
            want.threads.keys().collect::<Vec<_>>()
        );
        for (tid, w) in &want.threads {
            let g = &snap.threads[tid];
            assert_eq!(g.fds.len(), w.fds.len(), "fds of {tid}");
            for (gf, wf) in g.fds.iter().zip(&w.fds) {
                assert_eq!(gf, wf, "fd {} of {tid}", wf.fd);
            }
            assert_eq!(g, w, "thread {tid}");
        }
        assert_eq!(snap.users, want.users);
        assert_eq!(snap.groups, want.groups);
        assert_eq!(snap.machine, want.machine);
        assert_eq!(snap, want);
    }

    #[test]
    fn an_inspector_seeded_from_a_snapshot_has_the_same_threads() {
        let first = Inspector::new(initial());
        let second = Inspector::new(first.snapshot());
        let (a, b) = (threads(&first), threads(&second));
        assert_eq!(a.len(), 3);
        assert_eq!(a, b);
        let nginx = &b[1];
        assert_eq!(nginx.container_id, &CID[..12]);
        assert_eq!(nginx.env, ["PATH=/usr/bin:/bin", "HOME=/var/www", "EMPTY="]);
        assert_eq!(nginx.fds.len(), 11);
        let f = nginx.fds.get(3).unwrap();
        assert_eq!((f.kind, f.open_flags, f.dev), (FdKind::File, 0x40a, 0x803));
        let s = nginx.fds.get(9).unwrap();
        assert_eq!(
            (s.kind, s.is_server, s.name.as_str()),
            (FdKind::Ipv6, true, ":::443")
        );
        assert_eq!(nginx.fds.get(6).unwrap().l4proto, L4Proto::Udp);
        let u = nginx.fds.get(7).unwrap();
        assert_eq!(u.unix_peers, Some((0xffff_8880_0001, 0xffff_8880_0002)));
        assert_eq!(first.users.user(33).unwrap().name, "www-data");
        assert_eq!(second.users.user(33), first.users.user(33));
        assert_eq!(second.users.group(0), first.users.group(0));
        assert_eq!(second.machine, first.machine);
    }

    #[test]
    fn what_the_inspector_does_not_keep_is_left_out() {
        let mut st = initial();
        st.interfaces.push(Interface {
            name: "eth0".into(),
            addr: InterfaceAddr::V4 {
                addr: [10, 0, 0, 2],
                netmask: [255, 0, 0, 0],
                bcast: [10, 255, 255, 255],
            },
            linkspeed: None,
        });
        let t = st.threads.get_mut(&100).unwrap();
        t.vmsize_kb = 1000;
        t.vmrss_kb = 500;
        t.pfmajor = 3;
        t.root = "/chroot".into();
        t.args = b"-g\0daemon off;".to_vec(); // no final NUL
        t.fds.push(fdi(20, 0, FdTarget::UnknownType(99)));
        t.fds.push(fdi(
            21,
            0,
            FdTarget::File {
                open_flags: 1,
                name: "/etc/hosts".into(),
                dev: None,
            },
        ));
        let snap = Inspector::new(st.clone()).snapshot();
        // The interfaces are kept (fd.lip, fd.is_server...).
        assert_eq!(snap.interfaces, st.interfaces);
        let t = &snap.threads[&100];
        // Memory and page faults are kept (proc.vm*, thread.pf*).
        assert_eq!((t.vmsize_kb, t.vmrss_kb, t.pfmajor), (1000, 500, 3));
        assert_eq!(t.root, "");
        assert_eq!(t.args, b"-g\0daemon off;\0");
        assert!(
            t.fds.iter().all(|f| f.fd != 20),
            "unknown types are not read"
        );
        let hosts = t.fds.iter().find(|f| f.fd == 21).unwrap();
        assert_eq!(
            hosts.target,
            FdTarget::File {
                open_flags: 1,
                name: "/etc/hosts".into(),
                dev: Some(0),
            }
        );
    }

    #[test]
    fn exited_threads_and_closing_fds_are_left_out() {
        let mut insp = Inspector::new(initial());
        insp.threads.get_mut(1).unwrap().exited = true;
        // fd 3 closed by the worker thread: removed from the leader's table.
        insp.defer(Removal::Fd { tid: 101, fd: 3 });
        insp.defer(Removal::Thread(101));
        let snap = insp.snapshot();
        assert_eq!(snap.threads.keys().copied().collect::<Vec<_>>(), [100]);
        let fds: Vec<i64> = snap.threads[&100].fds.iter().map(|f| f.fd).collect();
        assert_eq!(fds, [0, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        // Once applied, the state is the snapshot's.
        insp.flush_removals();
        insp.threads.remove(1);
        assert_eq!(threads(&Inspector::new(snap)), threads(&insp));
    }

    #[test]
    fn state_built_by_events_round_trips_where_scap_can_say_it() {
        let mut insp = Inspector::default();
        let mut t = Thread::unknown(300);
        t.cgroups = vec![
            (String::new(), "=odd".into()),
            // cgroup v1's "name=systemd=/user.slice", split as parsed.
            ("name".into(), "systemd=/user.slice".into()),
            (String::new(), String::new()),
        ];
        // A socket created but not connected, a bound one, a connected one
        // and an accepted one, as the parsers build them.
        let mut s = Fd::new(FdKind::Ipv4, "");
        s.l4proto = L4Proto::Udp;
        t.fds.insert(3, s.clone());
        s.is_server = true;
        s.tuple = Some(SockTuple {
            sip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            sport: 0,
            dip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            dport: 5353,
        });
        s.name_by_tuple();
        t.fds.insert(4, s.clone());
        let mut a = Fd::new(FdKind::Ipv4, "");
        a.l4proto = L4Proto::Tcp;
        a.is_server = true;
        a.tuple = Some(SockTuple {
            sip: IpAddr::V4(Ipv4Addr::new(10, 1, 1, 1)),
            sport: 40000,
            dip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            dport: 5353,
        });
        a.name_by_tuple();
        t.fds.insert(5, a.clone());
        let mut u = Fd::new(FdKind::Unix, "ffff1->ffff2 /run/x.sock");
        u.unix_peers = Some((0xffff1, 0xffff2));
        t.fds.insert(6, u);
        let mut f = Fd::new(FdKind::File, "/tmp/x");
        f.name_raw = "x".into();
        f.open_flags = 3;
        f.dev = 9;
        t.fds.insert(7, f);
        insp.threads.insert(t.clone());

        let snap = insp.snapshot();
        let ti = &snap.threads[&300];
        assert_eq!(ti.cgroups, b"==odd\0name=systemd=/user.slice\0=\0");
        assert_eq!(ti.comm, "<NA>");
        assert_eq!((ti.sid, ti.vtid), (u64::MAX, -1));
        let target = |n: i64| &ti.fds.iter().find(|f| f.fd == n).unwrap().target;
        assert_eq!(
            *target(3),
            FdTarget::IpSock {
                sip: IpAddr::from([0; 4]),
                dip: IpAddr::from([0; 4]),
                sport: 0,
                dport: 0,
                l4proto: 3
            }
        );
        assert_eq!(
            *target(4),
            FdTarget::IpServSock {
                ip: IpAddr::from([127, 0, 0, 1]),
                port: 5353,
                l4proto: 3
            }
        );
        assert_eq!(
            *target(5),
            FdTarget::IpSock {
                sip: IpAddr::from([127, 0, 0, 1]),
                dip: IpAddr::from([10, 1, 1, 1]),
                sport: 5353,
                dport: 40000,
                l4proto: 2
            }
        );

        let back = Inspector::new(snap);
        let b = back.threads.get(300).unwrap();
        assert_eq!(b.cgroups, t.cgroups);
        for n in [4, 5, 6] {
            assert_eq!(b.fds.get(n), t.fds.get(n), "fd {n}");
        }
        // What scap cannot say: the unconnected socket gets a zero tuple,
        // the file its resolved name as the raw one.
        let s3 = b.fds.get(3).unwrap();
        assert_eq!(s3.name, "0.0.0.0:0->0.0.0.0:0");
        assert_eq!(s3.l4proto, L4Proto::Udp);
        assert_eq!(b.fds.get(7).unwrap().name_raw, "/tmp/x");
        assert_eq!(b.fds.get(7).unwrap().open_flags, 3);
    }

    #[test]
    fn over_long_strings_are_cut_to_what_the_reader_accepts() {
        let mut insp = Inspector::default();
        let mut t = Thread::unknown(42);
        t.env = (0..1000).map(|i| format!("V{i}=é")).collect();
        t.args = vec!["x".repeat(5000)];
        t.cwd = format!("/{}", "é".repeat(600));
        t.fds.insert(3, Fd::new(FdKind::File, "/".repeat(2000)));
        insp.threads.insert(t);
        let snap = insp.snapshot();
        let ti = &snap.threads[&42];
        assert!(ti.env.len() <= MAX_ENV && ti.env.len() > MAX_ENV - 16);
        assert_eq!(ti.env.last(), Some(&0));
        assert!(!ti.env.ends_with(&[0, 0]));
        assert_eq!(ti.args.len(), MAX_ARGS);
        assert_eq!(ti.cwd.len(), MAX_PATH - 1, "cut at a character boundary");
        let mut buf = falco_scap::SavefileWriter::new(Vec::new(), &snap)
            .unwrap()
            .finish()
            .unwrap();
        let mut r =
            falco_scap::SavefileReader::from_reader(std::io::Cursor::new(std::mem::take(&mut buf)))
                .expect("the reader accepts what the snapshot wrote");
        let read = r.take_initial_state();
        let back = Inspector::new(read);
        let b = back.threads.get(42).unwrap();
        assert_eq!(b.args, ["x".repeat(MAX_ARGS - 1)]);
        assert_eq!(b.env[0], "V0=é");
        assert_eq!(b.fds.get(3).unwrap().name.len(), MAX_FD_NAME);
    }
}
