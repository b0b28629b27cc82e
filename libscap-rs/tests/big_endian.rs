//! A section written in big-endian byte order (the section header's magic
//! says so) reads the same as a little-endian one. The capture is built by
//! hand here with `to_be_bytes`, independently of the reader's swap code.

use falco_abi::flag_tables::socket_families::AF_INET;
use falco_abi::EventCode;
use falco_scap::event::SockTuple;
use falco_scap::{ParamValue, SavefileReader};

fn block(out: &mut Vec<u8>, ty: u32, body: &[u8]) {
    let pad = (4 - body.len() % 4) % 4;
    let total = (12 + body.len() + pad) as u32;
    out.extend_from_slice(&ty.to_be_bytes());
    out.extend_from_slice(&total.to_be_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(&[0u8; 3][..pad]);
    out.extend_from_slice(&total.to_be_bytes());
}

fn str16(b: &mut Vec<u8>, s: &str) {
    b.extend_from_slice(&(s.len() as u16).to_be_bytes());
    b.extend_from_slice(s.as_bytes());
}

/// An event block (v2 header) with parameters given as big-endian bytes.
fn event(out: &mut Vec<u8>, code: EventCode, ts: u64, tid: u64, params: &[Vec<u8>]) {
    let len = 26 + 2 * params.len() + params.iter().map(Vec::len).sum::<usize>();
    let mut b = Vec::new();
    b.extend_from_slice(&1u16.to_be_bytes()); // cpu
    b.extend_from_slice(&ts.to_be_bytes());
    b.extend_from_slice(&tid.to_be_bytes());
    b.extend_from_slice(&(len as u32).to_be_bytes());
    b.extend_from_slice(&(code as u16).to_be_bytes());
    b.extend_from_slice(&(params.len() as u32).to_be_bytes());
    for p in params {
        b.extend_from_slice(&(p.len() as u16).to_be_bytes());
    }
    for p in params {
        b.extend_from_slice(p);
    }
    block(out, 0x216, &b);
}

fn big_endian_capture() -> Vec<u8> {
    let mut f = Vec::new();
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1A2B_3C4Du32.to_be_bytes());
    shb.extend_from_slice(&1u16.to_be_bytes());
    shb.extend_from_slice(&2u16.to_be_bytes());
    shb.extend_from_slice(&u64::MAX.to_be_bytes());
    block(&mut f, 0x0A0D_0D0A, &shb);

    let mut mi = Vec::new();
    mi.extend_from_slice(&4u32.to_be_bytes());
    mi.extend_from_slice(&(8u64 << 30).to_be_bytes());
    mi.extend_from_slice(&32768u64.to_be_bytes());
    let mut host = [0u8; 128];
    host[..6].copy_from_slice(b"bighst");
    mi.extend_from_slice(&host);
    mi.extend_from_slice(&[0u8; 32]);
    block(&mut f, 0x201, &mi);

    let mut ul = Vec::new();
    ul.push(0);
    ul.extend_from_slice(&1000u32.to_be_bytes());
    ul.extend_from_slice(&1001u32.to_be_bytes());
    str16(&mut ul, "alice");
    str16(&mut ul, "/home/alice");
    str16(&mut ul, "/bin/sh");
    block(&mut f, 0x206, &ul);

    // Process list v1: tid pid ptid comm exe args cwd fdlimit flags uid gid.
    let mut pl = Vec::new();
    for v in [77u64, 77, 1] {
        pl.extend_from_slice(&v.to_be_bytes());
    }
    str16(&mut pl, "cat");
    str16(&mut pl, "/bin/cat");
    str16(&mut pl, "/etc/shadow");
    str16(&mut pl, "/root");
    pl.extend_from_slice(&1024u64.to_be_bytes());
    pl.extend_from_slice(&0u32.to_be_bytes());
    pl.extend_from_slice(&1000u32.to_be_bytes());
    pl.extend_from_slice(&1001u32.to_be_bytes());
    block(&mut f, 0x202, &pl);

    let mut name = b"/etc/shadow".to_vec();
    name.push(0);
    event(
        &mut f,
        EventCode::SYSCALL_OPENAT_2_X,
        1_000,
        77,
        &[
            3i64.to_be_bytes().to_vec(),
            (-100i64).to_be_bytes().to_vec(),
            name,
            1u32.to_be_bytes().to_vec(),
            0o600u32.to_be_bytes().to_vec(),
            0x803u32.to_be_bytes().to_vec(),
            42u64.to_be_bytes().to_vec(),
        ],
    );
    let mut tuple = vec![AF_INET as u8];
    tuple.extend_from_slice(&[127, 0, 0, 1]);
    tuple.extend_from_slice(&4242u16.to_be_bytes());
    tuple.extend_from_slice(&[10, 0, 0, 2]);
    tuple.extend_from_slice(&22u16.to_be_bytes());
    event(
        &mut f,
        EventCode::SOCKET_CONNECT_X,
        2_000,
        77,
        &[
            0i64.to_be_bytes().to_vec(),
            tuple,
            4i64.to_be_bytes().to_vec(),
            vec![0],
        ],
    );
    // A DYN value: its type index (2: UINT32), then the value in the
    // section's byte order.
    let mut val = vec![2u8];
    val.extend_from_slice(&1u32.to_be_bytes());
    event(
        &mut f,
        EventCode::SOCKET_SETSOCKOPT_X,
        3_000,
        77,
        &[
            0i64.to_be_bytes().to_vec(),
            4i64.to_be_bytes().to_vec(),
            vec![1],
            vec![2],
            val,
            4u32.to_be_bytes().to_vec(),
        ],
    );
    f
}

#[test]
fn big_endian_section_reads_like_little_endian() {
    let mut r = SavefileReader::from_reader(std::io::Cursor::new(big_endian_capture())).unwrap();
    let st = r.initial_state().clone();
    let m = st.machine.as_ref().unwrap();
    assert_eq!(
        (m.num_cpus, m.max_pid, m.hostname.as_str()),
        (4, 32768, "bighst")
    );
    assert_eq!(st.users[0].name, "alice");
    assert_eq!((st.users[0].uid, st.users[0].gid), (1000, 1001));
    let t = &st.threads[&77];
    assert_eq!(
        (t.comm.as_str(), t.exe.as_str(), t.fdlimit, t.uid),
        ("cat", "/bin/cat", 1024, 1000)
    );

    let ev = r.next_event().unwrap().unwrap();
    assert_eq!(
        (ev.evt_type, ev.ts, ev.tid, ev.cpu),
        (EventCode::SYSCALL_OPENAT_2_X as u16, 1_000, 77, 1)
    );
    assert_eq!(ev.param_by_name("fd").unwrap().as_i64(), Some(3));
    assert_eq!(ev.param_by_name("dirfd").unwrap().as_i64(), Some(-100));
    assert_eq!(
        ev.param_by_name("name").unwrap().as_str_bytes(),
        b"/etc/shadow"
    );
    assert_eq!(ev.param_by_name("mode").unwrap().as_u64(), Some(0o600));
    assert_eq!(ev.param_by_name("dev").unwrap().as_u64(), Some(0x803));
    assert_eq!(ev.param_by_name("ino").unwrap().as_u64(), Some(42));

    let ev = r.next_event().unwrap().unwrap();
    match ev.param_by_name("tuple").unwrap().value() {
        Some(ParamValue::SockTuple(SockTuple::Inet {
            sip,
            sport,
            dip,
            dport,
        })) => {
            assert_eq!(
                (sip, sport, dip, dport),
                ([127, 0, 0, 1], 4242, [10, 0, 0, 2], 22)
            );
        }
        other => panic!("tuple decoded as {other:?}"),
    }
    assert_eq!(ev.param_by_name("fd").unwrap().as_i64(), Some(4));

    let ev = r.next_event().unwrap().unwrap();
    assert_eq!(
        ev.param_by_name("val").unwrap().value(),
        Some(ParamValue::Dyn(
            falco_abi::ParamType::UINT32,
            Box::new(ParamValue::UInt(1))
        ))
    );
    assert_eq!(ev.param_by_name("optlen").unwrap().as_u64(), Some(4));
    assert!(r.next_event().unwrap().is_none());
}
