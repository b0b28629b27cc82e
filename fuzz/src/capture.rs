//! A structured model of a `.scap` capture for the `capture_structured`
//! target: `arbitrary` picks blocks and their contents, [`Capture::to_bytes`]
//! lays them out as a well-formed byte stream (section header first, block
//! lengths and trailers right, fields in the section's byte order), so the
//! fuzzer's time goes to state loading, the converter and parameter decoding
//! instead of the magic number.
//!
//! Well-formed is the default, not a promise: every block carries a
//! `damage` byte that now and then shifts its length or trailer, cuts it
//! short or pads an entry, and the string lengths of state entries come
//! from the input too, so the readers' error paths are reached from deep
//! inside valid files.
//!
//! Thread ids come from a small set ([`tid`]) so that fd lists and events
//! meet the threads of the process lists; file names and addresses come
//! from small dictionaries so that the state layer sees paths and
//! sockets it can follow.

use arbitrary::{Arbitrary, Result, Unstructured};
use falco_abi::{event_info, ParamType, EVENT_COUNT};

/// Block numbers of the capture format (libscap-rs's `savefile/block.rs`).
mod ty {
    pub const SHB: u32 = 0x0A0D_0D0A;
    pub const MACHINE: u32 = 0x201;
    pub const MACHINE_INT: u32 = 0x8002_ABCD;
    pub const FDLIST: u32 = 0x203;
    pub const FDLIST_INT: u32 = 0x8001_ABCD;
    pub const FDLIST_V2: u32 = 0x218;
    pub const IFLIST: u32 = 0x205;
    pub const IFLIST_INT: u32 = 0x8011_ABCD;
    pub const IFLIST_V2: u32 = 0x219;
    pub const USERLIST: u32 = 0x206;
    pub const USERLIST_INT: u32 = 0x8012_ABCD;
    pub const USERLIST_V2: u32 = 0x220;
    /// Process lists: versions 1 to 9, then the pre-release v1 to v3.
    pub const PROCLIST: [(u32, u8); 12] = [
        (0x202, 1),
        (0x207, 2),
        (0x209, 3),
        (0x210, 4),
        (0x211, 5),
        (0x212, 6),
        (0x213, 7),
        (0x214, 8),
        (0x215, 9),
        (0x8000_ABCD, 1),
        (0x8013_ABCD, 2),
        (0x8014_ABCD, 3),
    ];
    /// Event blocks: number, flags word, current (26-byte) header.
    pub const EVENTS: [(u32, bool, bool); 7] = [
        (0x204, false, false),
        (0x8010_ABCD, false, false),
        (0x208, true, false),
        (0x216, false, true),
        (0x217, true, true),
        (0x221, false, true),
        (0x222, true, true),
    ];
}

/// The thread ids every block draws from.
pub fn tid(sel: u8) -> u64 {
    [1, 100, 101, 102, 200, 201, 300, 4242][usize::from(sel % 8)]
}

const PATHS: &[&str] = &[
    "/etc/shadow",
    "/etc/passwd",
    "/bin/sh",
    "/usr/bin/cat",
    "/tmp/x",
    "/proc/self/exe",
    "/dev/null",
    "relative/file",
    "../up",
    "/var/run/docker.sock",
    "",
    "/",
];

const COMMS: &[&str] = &[
    "bash",
    "cat",
    "sh",
    "curl",
    "sshd",
    "runc",
    "containerd-shim",
    "",
];

const CGROUPS: &[&[u8]] = &[
    b"cpuset=/\0",
    b"cpuset=/docker/3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e\0memory=/\0",
    b"0::/kubepods/besteffort/pod05869489-8c7f-45dc-9abd-1b1620787bb1/9c3c8ae8e0f8b0b7d21a1e0d2f0e5f7a8c9b0d1e2f3a4b5c6d7e8f9a0b1c2d3e4\0",
    b"",
];

fn pick<'a, T: ?Sized>(list: &'a [&'a T], sel: u8) -> &'a T {
    list[usize::from(sel) % list.len()]
}

/// A string: from a dictionary, or raw bytes.
#[derive(Debug, Arbitrary)]
pub enum Text {
    Path(u8),
    Comm(u8),
    Raw(Vec<u8>),
}

impl Text {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Text::Path(s) => pick(PATHS, *s).as_bytes().to_vec(),
            Text::Comm(s) => pick(COMMS, *s).as_bytes().to_vec(),
            Text::Raw(b) => b.clone(),
        }
    }
}

/// What goes wrong with a block, rarely: its header length, its trailer,
/// its end.
#[derive(Debug, Clone, Copy)]
pub struct Damage(u8);

impl<'a> Arbitrary<'a> for Damage {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Damage(u.arbitrary()?))
    }
}

/// A whole capture: byte order, format version, blocks after the section
/// header.
#[derive(Debug, Arbitrary)]
pub struct Capture {
    pub big_endian: bool,
    pub minor: u8,
    pub blocks: Vec<Block>,
}

/// One block after the section header.
#[derive(Debug, Arbitrary)]
pub enum Block {
    Machine {
        pre_release: bool,
        num_cpus: u32,
        memory: u64,
        max_pid: u64,
        hostname: Text,
        /// How many of the four trailing words (boot time, flags,
        /// reserved) the writer had: older ones stop after the hostname.
        tail_words: u8,
        boot: u64,
        damage: Damage,
    },
    Procs {
        version: u8,
        entries: Vec<Proc>,
        damage: Damage,
    },
    Fds {
        version: u8,
        tid: u8,
        entries: Vec<Fd>,
        damage: Damage,
    },
    Ifaces {
        version: u8,
        entries: Vec<Iface>,
        damage: Damage,
    },
    Users {
        version: u8,
        entries: Vec<User>,
        damage: Damage,
    },
    Event {
        kind: u8,
        cpu: u16,
        flags: u32,
        event: Ev,
        damage: Damage,
    },
    /// A second section header (a merged capture), maybe of the other
    /// byte order.
    Section { flip: bool, minor: u8 },
    /// Any block number with any body (unknown blocks are skipped).
    Raw { ty: u32, body: Vec<u8> },
}

#[derive(Debug, Arbitrary)]
pub struct Proc {
    pub tid: u8,
    pub pid: u8,
    pub ptid: u8,
    pub sid: u64,
    pub vpgid: u64,
    pub comm: Text,
    pub exe: Text,
    pub exepath: Text,
    pub args: Vec<Text>,
    pub cwd: Text,
    pub fdlimit: u64,
    pub flags: u32,
    pub uid: u32,
    pub gid: u32,
    pub vm: [u32; 3],
    pub pf: [u64; 2],
    pub env: Vec<Text>,
    pub vtid: i64,
    pub vpid: i64,
    pub cgroups: u8,
    pub root: Text,
    /// Version 9: how many bytes of the optional tail (loginuid,
    /// capabilities, exe inode...) the writer knew, and extra bytes of a
    /// newer writer.
    pub tail: u8,
    pub extra: u8,
    pub caps: [u64; 3],
    pub loginuid: u32,
}

#[derive(Debug, Arbitrary)]
pub struct Fd {
    pub fd: i64,
    pub ino: u64,
    pub target: FdTarget,
    /// V2 entries: bytes after the known fields (a newer writer's).
    pub extra: u8,
}

#[derive(Debug, Arbitrary)]
pub enum FdTarget {
    Ipv4 {
        sip: [u8; 4],
        dip: [u8; 4],
        ports: [u16; 2],
        proto: u8,
    },
    Ipv4Serv {
        ip: [u8; 4],
        port: u16,
        proto: u8,
    },
    Ipv6 {
        sip: [u8; 16],
        dip: [u8; 16],
        ports: [u16; 2],
        proto: u8,
    },
    Ipv6Serv {
        ip: [u8; 16],
        port: u16,
        proto: u8,
    },
    Unix {
        source: u64,
        dest: u64,
        path: Text,
    },
    File {
        open_flags: u32,
        name: Text,
        dev: Option<u32>,
    },
    /// Any other type byte, with a name.
    Named {
        ty: u8,
        name: Text,
    },
}

#[derive(Debug, Arbitrary)]
pub struct Iface {
    pub v6: bool,
    pub linkspeed: bool,
    pub addr: [u8; 16],
    pub mask: [u8; 16],
    pub bcast: [u8; 16],
    pub speed: u64,
    pub name: Text,
    /// An unknown interface type instead.
    pub bad_type: Option<u16>,
}

#[derive(Debug, Arbitrary)]
pub enum User {
    User {
        uid: u32,
        gid: u32,
        name: Text,
        home: Text,
        shell: Text,
    },
    Group {
        gid: u32,
        name: Text,
    },
}

/// One event: any code of the schema, its parameters typed by the schema
/// unless the input says otherwise.
#[derive(Debug, Arbitrary)]
pub struct Ev {
    pub ts: u64,
    pub tid: u8,
    pub code: u16,
    pub params: Vec<ParamGen>,
    /// Parameters the header claims beyond (or short of) the ones written.
    pub nparams_delta: i8,
}

/// How one parameter's value is made.
#[derive(Debug, Arbitrary)]
pub enum ParamGen {
    /// A value of the schema type built from this number (fixed-size
    /// types), or from the dictionaries (strings, addresses, fds).
    Typed(u64),
    /// Whatever bytes, whatever the type.
    Bytes(Vec<u8>),
    /// An empty parameter (length 0).
    Empty,
}

/// Bytes in the byte order of a section.
struct Out {
    buf: Vec<u8>,
    be: bool,
}

impl Out {
    fn new(be: bool) -> Out {
        Out {
            buf: Vec::new(),
            be,
        }
    }
    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    fn u16(&mut self, v: u16) {
        let b = if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.buf.extend_from_slice(&b);
    }
    fn u32(&mut self, v: u32) {
        let b = if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.buf.extend_from_slice(&b);
    }
    fn u64(&mut self, v: u64) {
        let b = if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.buf.extend_from_slice(&b);
    }
    fn raw(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }
    /// `u16 length | bytes`, the length cut to what a u16 holds.
    fn str16(&mut self, b: &[u8]) {
        let b = &b[..b.len().min(u16::MAX as usize)];
        self.u16(b.len() as u16);
        self.raw(b);
    }
}

fn nul_joined(items: &[Text]) -> Vec<u8> {
    let mut v = Vec::new();
    for t in items {
        v.extend(t.bytes());
        v.push(0);
    }
    v
}

impl Capture {
    /// The capture as a `.scap` byte stream.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut be = self.big_endian;
        let mut file = Vec::new();
        section(&mut file, be, self.minor);
        for b in &self.blocks {
            match b {
                Block::Section { flip, minor } => {
                    be ^= flip;
                    section(&mut file, be, *minor);
                }
                Block::Raw { ty, body } => frame(&mut file, be, *ty, body, Damage(0)),
                _ => {
                    let (ty, body, damage) = b.body(be);
                    frame(&mut file, be, ty, &body, damage);
                }
            }
        }
        file
    }
}

fn section(file: &mut Vec<u8>, be: bool, minor: u8) {
    let mut o = Out::new(be);
    o.u32(0x1A2B_3C4D);
    o.u16(1);
    o.u16(u16::from(minor % 4));
    o.u64(u64::MAX);
    frame(file, be, ty::SHB, &o.buf, Damage(0));
}

/// `type | total length | body | padding | total length`, damaged as the
/// block's damage byte says (1 time in 16).
fn frame(file: &mut Vec<u8>, be: bool, ty: u32, body: &[u8], damage: Damage) {
    let pad = (4 - body.len() % 4) % 4;
    let total = (12 + body.len() + pad) as u32;
    let mut o = Out::new(be);
    let d = damage.0;
    let (head_len, trailer, cut) = match d {
        0xF0..=0xF3 => (total.wrapping_add(u32::from(d & 3) * 4 + 4), total, 0),
        0xF4..=0xF7 => (total.wrapping_sub(u32::from(d & 3) * 4 + 4), total, 0),
        0xF8..=0xFB => (total, total ^ 4, 0),
        0xFC..=0xFF => (total, total, usize::from(d & 3) * 3 + 1),
        _ => (total, total, 0),
    };
    o.u32(ty);
    o.u32(head_len);
    o.raw(body);
    o.raw(&[0; 3][..pad]);
    o.u32(trailer);
    let keep = o.buf.len().saturating_sub(cut);
    file.extend_from_slice(&o.buf[..keep]);
}

impl Block {
    /// Block number, body and damage of a state or event block.
    fn body(&self, be: bool) -> (u32, Vec<u8>, Damage) {
        let mut o = Out::new(be);
        match self {
            Block::Machine {
                pre_release,
                num_cpus,
                memory,
                max_pid,
                hostname,
                tail_words,
                boot,
                damage,
            } => {
                o.u32(*num_cpus);
                o.u64(*memory);
                o.u64(*max_pid);
                let mut host = [0u8; 128];
                let name = hostname.bytes();
                let n = name.len().min(128);
                host[..n].copy_from_slice(&name[..n]);
                o.raw(&host);
                for i in 0..(tail_words % 5) {
                    o.u64(if i == 0 { *boot } else { u64::from(i) });
                }
                let ty = if *pre_release {
                    ty::MACHINE_INT
                } else {
                    ty::MACHINE
                };
                (ty, o.buf, *damage)
            }
            Block::Procs {
                version,
                entries,
                damage,
            } => {
                let (ty, v) = ty::PROCLIST[usize::from(*version) % ty::PROCLIST.len()];
                for e in entries {
                    e.write(&mut o, v);
                }
                (ty, o.buf, *damage)
            }
            Block::Fds {
                version,
                tid: t,
                entries,
                damage,
            } => {
                let (ty, v2) = [
                    (ty::FDLIST, false),
                    (ty::FDLIST_INT, false),
                    (ty::FDLIST_V2, true),
                ][usize::from(*version % 3)];
                o.u64(tid(*t));
                for e in entries {
                    e.write(&mut o, v2);
                }
                (ty, o.buf, *damage)
            }
            Block::Ifaces {
                version,
                entries,
                damage,
            } => {
                let (ty, v2) = [
                    (ty::IFLIST, false),
                    (ty::IFLIST_INT, false),
                    (ty::IFLIST_V2, true),
                ][usize::from(*version % 3)];
                for e in entries {
                    e.write(&mut o, v2);
                }
                (ty, o.buf, *damage)
            }
            Block::Users {
                version,
                entries,
                damage,
            } => {
                let (ty, v2) = [
                    (ty::USERLIST, false),
                    (ty::USERLIST_INT, false),
                    (ty::USERLIST_V2, true),
                ][usize::from(*version % 3)];
                for e in entries {
                    e.write(&mut o, v2);
                }
                (ty, o.buf, *damage)
            }
            Block::Event {
                kind,
                cpu,
                flags,
                event,
                damage,
            } => {
                let (ty, has_flags, v2) = ty::EVENTS[usize::from(*kind) % ty::EVENTS.len()];
                o.u16(*cpu);
                if has_flags {
                    o.u32(*flags);
                }
                event.write(&mut o, v2);
                (ty, o.buf, *damage)
            }
            Block::Section { .. } | Block::Raw { .. } => unreachable!("framed by to_bytes"),
        }
    }
}

impl Proc {
    fn write(&self, o: &mut Out, v: u8) {
        let mut e = Out::new(o.be);
        e.u64(tid(self.tid));
        e.u64(tid(self.pid));
        e.u64(tid(self.ptid));
        if v >= 6 {
            e.u64(self.sid);
        }
        if v >= 8 {
            e.u64(self.vpgid);
        }
        e.str16(&self.comm.bytes());
        e.str16(&self.exe.bytes());
        if v >= 7 {
            e.str16(&self.exepath.bytes());
        }
        e.str16(&nul_joined(&self.args));
        e.str16(&self.cwd.bytes());
        e.u64(self.fdlimit);
        e.u32(self.flags);
        e.u32(self.uid);
        e.u32(self.gid);
        if v >= 2 {
            for x in self.vm {
                e.u32(x);
            }
            for x in self.pf {
                e.u64(x);
            }
        }
        if v >= 3 {
            e.str16(&nul_joined(&self.env));
        }
        if v >= 4 {
            e.u64(self.vtid as u64);
            e.u64(self.vpid as u64);
            e.str16(pick(CGROUPS, self.cgroups));
        }
        if v >= 5 {
            e.str16(&self.root.bytes());
        }
        if v >= 9 {
            // The optional tail, cut where the (simulated) writer stopped.
            let mut tail = Out::new(o.be);
            tail.u64(1_700_000_000); // pidns_init_start_ts
            tail.u32(0); // tty
            tail.u32(self.loginuid);
            tail.u8(1); // exe_writable
            for c in self.caps {
                tail.u64(c);
            }
            tail.u8(0); // exe_upper_layer
            tail.u64(42); // exe_ino
            tail.u64(1);
            tail.u64(2);
            tail.u8(0); // exe_from_memfd
            let keep = usize::from(self.tail).min(tail.buf.len());
            e.raw(&tail.buf[..keep]);
            e.raw(&vec![0xAB; usize::from(self.extra % 8)]);
            // The entry length counts itself.
            o.u32(e.buf.len() as u32 + 4);
        }
        o.raw(&e.buf);
    }
}

impl Fd {
    fn write(&self, o: &mut Out, v2: bool) {
        let mut e = Out::new(o.be);
        e.u64(self.fd as u64);
        e.u64(self.ino);
        match &self.target {
            FdTarget::Ipv4 {
                sip,
                dip,
                ports,
                proto,
            } => {
                e.u8(1);
                e.raw(sip);
                e.raw(dip);
                e.u16(ports[0]);
                e.u16(ports[1]);
                e.u8(*proto);
            }
            FdTarget::Ipv4Serv { ip, port, proto } => {
                e.u8(3);
                e.raw(ip);
                e.u16(*port);
                e.u8(*proto);
            }
            FdTarget::Ipv6 {
                sip,
                dip,
                ports,
                proto,
            } => {
                e.u8(2);
                e.raw(sip);
                e.raw(dip);
                e.u16(ports[0]);
                e.u16(ports[1]);
                e.u8(*proto);
            }
            FdTarget::Ipv6Serv { ip, port, proto } => {
                e.u8(4);
                e.raw(ip);
                e.u16(*port);
                e.u8(*proto);
            }
            FdTarget::Unix { source, dest, path } => {
                e.u8(5);
                e.u64(*source);
                e.u64(*dest);
                e.str16(&path.bytes());
            }
            FdTarget::File {
                open_flags,
                name,
                dev,
            } => {
                e.u8(16); // SCAP_FD_FILE_V2
                e.u32(*open_flags);
                e.str16(&name.bytes());
                if let (true, Some(d)) = (v2, dev) {
                    e.u32(*d);
                }
            }
            FdTarget::Named { ty, name } => {
                e.u8(*ty);
                e.str16(&name.bytes());
            }
        }
        if v2 {
            e.raw(&vec![0; usize::from(self.extra % 8)]);
            o.u32(e.buf.len() as u32 + 4);
        }
        o.raw(&e.buf);
    }
}

impl Iface {
    fn write(&self, o: &mut Out, v2: bool) {
        let mut e = Out::new(o.be);
        let ty = match (self.bad_type, self.v6, self.linkspeed) {
            (Some(t), _, _) => t,
            (None, false, true) => 1,
            (None, true, true) => 2,
            (None, false, false) => 3,
            (None, true, false) => 4,
        };
        let name = self.name.bytes();
        e.u16(ty);
        e.u16(name.len().min(u16::MAX as usize) as u16);
        let n = if self.v6 { 16 } else { 4 };
        e.raw(&self.addr[..n]);
        e.raw(&self.mask[..n]);
        e.raw(&self.bcast[..n]);
        if self.linkspeed {
            e.u64(self.speed);
        }
        e.raw(&name);
        if v2 {
            o.u32(e.buf.len() as u32);
        }
        o.raw(&e.buf);
    }
}

impl User {
    fn write(&self, o: &mut Out, v2: bool) {
        let mut e = Out::new(o.be);
        match self {
            User::User {
                uid,
                gid,
                name,
                home,
                shell,
            } => {
                e.u8(0);
                e.u32(*uid);
                e.u32(*gid);
                e.str16(&name.bytes());
                e.str16(&home.bytes());
                e.str16(&shell.bytes());
            }
            User::Group { gid, name } => {
                e.u8(1);
                e.u32(*gid);
                e.str16(&name.bytes());
            }
        }
        if v2 {
            o.u32(e.buf.len() as u32 + 4);
        }
        o.raw(&e.buf);
    }
}

impl Ev {
    /// The event code: any of the schema.
    pub fn code(&self) -> u16 {
        self.code % EVENT_COUNT as u16
    }

    /// Header, parameter lengths and values, in the section's byte order
    /// (addresses stay in network order, as in real captures).
    fn write(&self, o: &mut Out, v2_header: bool) {
        let code = self.code();
        let Some(info) = event_info(code) else {
            return;
        };
        let width = info.param_len_size();
        let mut values: Vec<Vec<u8>> = Vec::new();
        for (i, p) in info.params.iter().enumerate() {
            let typed = ParamGen::Typed(i as u64);
            let g = self.params.get(i).unwrap_or(&typed);
            values.push(param_value(p.ptype, g, o.be));
        }
        let declared = (values.len() as i64 + i64::from(self.nparams_delta)).clamp(0, 64) as usize;
        // The old header has no count: the reader infers it from the
        // lengths, so write what is declared.
        values.resize(declared, Vec::new());
        let lens = values.len() * width;
        let body: usize = values.iter().map(Vec::len).sum();
        let hdr = if v2_header { 26 } else { 22 };
        o.u64(self.ts);
        o.u64(tid(self.tid));
        o.u32((hdr + lens + body) as u32);
        o.u16(code);
        if v2_header {
            o.u32(values.len() as u32);
        }
        for v in &values {
            if width == 4 {
                o.u32(v.len() as u32);
            } else {
                o.u16(v.len().min(u16::MAX as usize) as u16);
            }
        }
        for v in &values {
            o.raw(v);
        }
    }
}

/// A parameter value of type `t` made from `g`.
fn param_value(t: ParamType, g: &ParamGen, be: bool) -> Vec<u8> {
    use ParamType as T;
    let n = match g {
        ParamGen::Bytes(b) => return b.clone(),
        ParamGen::Empty => return Vec::new(),
        ParamGen::Typed(n) => *n,
    };
    let sel = n as u8;
    let port = |p: u16| if be { p.to_be_bytes() } else { p.to_le_bytes() };
    match t {
        T::CHARBUF | T::FSPATH | T::FSRELPATH => {
            let mut v = pick(PATHS, sel).as_bytes().to_vec();
            v.push(0);
            v
        }
        T::BYTEBUF => pick(COMMS, sel).as_bytes().to_vec(),
        T::CHARBUFARRAY => b"sh\0-c\0id\0".to_vec(),
        T::CHARBUF_PAIR_ARRAY => b"a\0b\0".to_vec(),
        T::SOCKADDR => match sel % 3 {
            0 => {
                let mut v = vec![2, 127, 0, 0, 1];
                v.extend(port(80));
                v
            }
            1 => {
                let mut v = vec![10];
                v.extend([0u8; 15]);
                v.push(1);
                v.extend(port(443));
                v
            }
            _ => {
                let mut v = vec![1];
                v.extend(pick(PATHS, sel >> 2).as_bytes());
                v.push(0);
                v
            }
        },
        T::SOCKTUPLE => match sel % 3 {
            0 => {
                let mut v = vec![2, 10, 0, 0, 1];
                v.extend(port(40000));
                v.extend([10, 0, 0, 2]);
                v.extend(port(22));
                v
            }
            1 => {
                let mut v = vec![10];
                v.extend([0u8; 16]);
                v.extend(port(40000));
                v.extend([0u8; 15]);
                v.push(1);
                v.extend(port(8080));
                v
            }
            _ => {
                let mut v = vec![1];
                v.extend([0u8; 16]);
                v.extend(b"/run/x.sock\0");
                v
            }
        },
        T::FDLIST => {
            let mut v = Vec::new();
            let count = (sel % 4) as u16;
            v.extend(port(count));
            for i in 0..count {
                let fd = u64::from(i) + 3;
                v.extend(if be {
                    fd.to_be_bytes()
                } else {
                    fd.to_le_bytes()
                });
                v.extend(port(1));
            }
            v
        }
        T::IPADDR | T::IPNET => vec![127, 0, 0, 1],
        T::DYN => vec![0, sel],
        other => match other.fixed_size() {
            Some(w) => {
                // Small numbers mostly: fds, pids and flags that mean something.
                let v = match n >> 60 {
                    0..=11 => n % 64,
                    12 | 13 => u64::MAX - (n % 64),
                    _ => n,
                };
                let b = if be { v.to_be_bytes() } else { v.to_le_bytes() };
                // Wider than a u64 (IPv6 addresses and nets): repeated.
                let b: Vec<u8> = b.iter().copied().cycle().take(w.max(8)).collect();
                if be {
                    b[b.len() - w..].to_vec()
                } else {
                    b[..w].to_vec()
                }
            }
            None => Vec::new(),
        },
    }
}
