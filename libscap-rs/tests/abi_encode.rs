//! falco-abi's event encoder (what the kernel module writes with) against
//! falco-scap's event parser: what one writes, the other reads back.

use falco_abi::encode::{EncodeError, EventWriter};
use falco_abi::EventCode as E;
use falco_scap::{Event, HeaderLayout};

fn openat(buf: &mut [u8]) -> Result<usize, EncodeError> {
    let mut w = EventWriter::new(buf, E::SYSCALL_OPENAT_2_X as u16, 1_700_000_000_123, 4242)?;
    w.i64(3)
        .i64(-100)
        .bytes(b"/etc/shadow\0")
        .u32(0x1)
        .u32(0)
        .u32(0x801)
        .u64(123456);
    w.finish()
}

#[test]
fn an_encoded_event_parses_back_with_every_parameter() {
    let mut buf = [0u8; 256];
    let len = openat(&mut buf).unwrap();
    let ev = Event::parse(&buf[..len], HeaderLayout::V2).unwrap();
    assert_eq!(
        (ev.evt_type, ev.tid, ev.ts, ev.nparams),
        (E::SYSCALL_OPENAT_2_X as u16, 4242, 1_700_000_000_123, 7)
    );
    assert_eq!(ev.raw().len(), len);
    let p = |n: &str| ev.param_by_name(n).unwrap();
    assert_eq!(p("fd").as_i64(), Some(3));
    assert_eq!(p("dirfd").as_i64(), Some(-100));
    assert_eq!(p("name").as_str_bytes(), b"/etc/shadow");
    assert_eq!(p("flags").as_u64(), Some(1));
    assert_eq!(p("dev").as_u64(), Some(0x801));
    assert_eq!(p("ino").as_u64(), Some(123456));
    // 26-byte header + 7 u16 lengths + 8+8+12+4+4+4+8 bytes of values
    assert_eq!(len, 26 + 14 + 48);
}

#[test]
fn the_generic_event_and_empty_parameters() {
    let mut buf = [0u8; 64];
    let mut w = EventWriter::new(&mut buf, E::GENERIC_X as u16, 1, 2).unwrap();
    w.u16(16).u16(39);
    let len = w.finish().unwrap();
    let ev = Event::parse(&buf[..len], HeaderLayout::V2).unwrap();
    assert_eq!(ev.param_by_name("nativeID").unwrap().as_u64(), Some(39));

    let mut w = EventWriter::new(&mut buf, E::SYSCALL_CLOSE_X as u16, 1, 2).unwrap();
    w.empty().i64(7);
    let len = w.finish().unwrap();
    let ev = Event::parse(&buf[..len], HeaderLayout::V2).unwrap();
    assert!(ev.param(0).unwrap().is_empty());
}

#[test]
fn values_filled_in_place_are_clamped_to_the_room_given() {
    let mut buf = [0u8; 64];
    let mut w = EventWriter::new(&mut buf, E::SYSCALL_CLOSE_X as u16, 1, 2).unwrap();
    // Asked for 5 bytes at most; the closure claims 100: only 5 count.
    w.fill(5, |dst| {
        assert_eq!(dst.len(), 5);
        dst.copy_from_slice(&[1, 0, 0, 0, 0]);
        100
    })
    .fill(8, |dst| {
        dst[..8].copy_from_slice(&7i64.to_le_bytes());
        8
    });
    let len = w.finish().unwrap();
    assert_eq!(len, 26 + 4 + 5 + 8);
    let ev = Event::parse(&buf[..len], HeaderLayout::V2).unwrap();
    assert_eq!(ev.param_bytes(0).unwrap(), &[1, 0, 0, 0, 0]);
    assert_eq!(ev.param_by_name("fd").unwrap().as_i64(), Some(7));
    // A third value is one too many.
    let mut buf = [0u8; 64];
    let mut w = EventWriter::new(&mut buf, E::SYSCALL_CLOSE_X as u16, 1, 2).unwrap();
    w.i64(0).i64(1).fill(8, |_| 0);
    assert!(matches!(w.finish(), Err(EncodeError::ParamCount { .. })));
}

#[test]
fn errors_instead_of_partial_events() {
    let mut buf = [0u8; 256];
    assert_eq!(
        EventWriter::new(&mut buf, 9999, 0, 0).unwrap_err(),
        EncodeError::UnknownEvent(9999)
    );
    // Too few parameters.
    let mut w = EventWriter::new(&mut buf, E::SYSCALL_CLOSE_X as u16, 0, 0).unwrap();
    w.i64(0);
    assert_eq!(
        w.finish(),
        Err(EncodeError::ParamCount {
            expected: 2,
            written: 1
        })
    );
    // Too many.
    let mut w = EventWriter::new(&mut buf, E::SYSCALL_CLOSE_X as u16, 0, 0).unwrap();
    w.i64(0).i64(1).i64(2);
    assert_eq!(
        w.finish(),
        Err(EncodeError::ParamCount {
            expected: 2,
            written: 3
        })
    );
    // A value longer than a u16 length can say.
    let mut big = vec![0u8; 70_000];
    let mut w = EventWriter::new(&mut big, E::SYSCALL_WRITE_X as u16, 0, 0).unwrap();
    w.i64(0).bytes(&[0u8; 65_536]).i64(1).u32(0);
    assert_eq!(w.finish(), Err(EncodeError::NoRoom));
}

#[test]
fn any_buffer_size_gives_the_event_or_no_room_never_a_panic() {
    let mut full = [0u8; 256];
    let want = openat(&mut full).unwrap();
    for size in 0..=want + 8 {
        let mut buf = vec![0xAAu8; size];
        match openat(&mut buf) {
            Ok(len) => {
                assert!(size >= want, "{size} bytes cannot hold {want}");
                assert_eq!(&buf[..len], &full[..want]);
            }
            Err(e) => {
                assert_eq!(e, EncodeError::NoRoom);
                assert!(size < want, "{size} bytes should hold {want}");
            }
        }
    }
}
