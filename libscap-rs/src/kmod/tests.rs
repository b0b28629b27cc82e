//! The kmod engine without the module: the merge, the syscall mask, the
//! errors of missing and wrong devices, and the ring consumer over
//! file-backed rings (a regular file maps like the device; only the ioctls
//! need the real thing, which the VM test covers).

use super::*;
use crate::builder::EventBuilder;
use falco_abi::ioctl::API_VERSION;
use falco_abi::ring::{pad_header, reserve, Reserve, RING_CONTROL_SIZE, RING_MIN_DATA_SIZE};
use falco_abi::syscalls::PPM_SC;
use falco_abi::{EventCode, EVENT_HEADER_SIZE};
use std::os::unix::fs::FileExt;

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("falco-rs-kmod-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn opts(prefix: PathBuf) -> KmodOptions {
    KmodOptions {
        device_prefix: prefix,
        scan: None,
        poll_every: Duration::from_millis(1),
        ..KmodOptions::default()
    }
}

#[test]
fn earliest_picks_the_smallest_timestamp_and_the_lowest_cpu_on_ties() {
    assert_eq!(earliest(&[]), None);
    assert_eq!(earliest(&[None, None]), None);
    assert_eq!(earliest(&[None, Some(7)]), Some(1));
    assert_eq!(earliest(&[Some(9), Some(3), Some(5)]), Some(1));
    assert_eq!(earliest(&[Some(4), None, Some(4)]), Some(0));
    assert_eq!(earliest(&[Some(u64::MAX), Some(0)]), Some(1));
}

#[test]
fn merging_sorted_per_cpu_streams_gives_one_sorted_stream() {
    let streams: Vec<Vec<u64>> = vec![vec![1, 4, 4, 9, 20], vec![], vec![2, 3, 4, 30], vec![0, 25]];
    let mut pos = vec![0usize; streams.len()];
    let mut out = Vec::new();
    loop {
        let heads: Vec<Option<u64>> = streams
            .iter()
            .zip(&pos)
            .map(|(s, &p)| s.get(p).copied())
            .collect();
        let Some(i) = earliest(&heads) else { break };
        out.push((streams[i][pos[i]], i));
        pos[i] += 1;
    }
    assert_eq!(
        out,
        [
            (0, 3),
            (1, 0),
            (2, 2),
            (3, 2),
            (4, 0),
            (4, 0),
            (4, 2),
            (9, 0),
            (20, 0),
            (25, 3),
            (30, 2)
        ]
    );
}

#[test]
fn the_syscall_mask_holds_the_x86_64_numbers_of_the_ppm_sc_codes() {
    assert_eq!(syscall_mask(None), SyscallMask::ALL);
    let code = |name: &str| PPM_SC.iter().find(|s| s.name == name).unwrap().code;
    let set: BTreeSet<u16> = [code("execve"), code("openat")].into();
    let m = syscall_mask(Some(&set));
    assert!(m.contains(59) && m.contains(257), "execve and openat");
    assert!(!m.contains(0) && !m.contains(1), "not read or write");
    assert_eq!(m.bits.iter().map(|w| w.count_ones()).sum::<u32>(), 2);
    assert_eq!(syscall_mask(Some(&BTreeSet::new())), SyscallMask::NONE);
}

#[test]
fn no_devices_is_a_clear_error_naming_the_first_device() {
    let dir = TempDir::new("none");
    let prefix = dir.0.join("falco");
    let err = KmodEngine::open(&opts(prefix.clone()))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!(
            "kmod: no {}0: is the falco module loaded? (modprobe falco)",
            prefix.display()
        )
    );
    // A missing first device is that error even when a later one exists.
    std::fs::write(dir.0.join("falco1"), b"").unwrap();
    let err = KmodEngine::open(&opts(prefix.clone()))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("kmod: no "), "{err}");
}

#[test]
fn a_regular_file_is_refused_by_its_first_ioctl_naming_the_path() {
    let dir = TempDir::new("plain");
    let dev = dir.0.join("falco0");
    std::fs::write(&dev, vec![0u8; 8192]).unwrap();
    let err = KmodEngine::open(&opts(dir.0.join("falco")))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!("kmod: {}: ioctl GET_API_VERSION: ", dev.display())),
        "{err}"
    );
    assert!(err.contains("not a falco device"), "ENOTTY's hint: {err}");
}

#[test]
fn open_errors_say_what_to_do() {
    let p = Path::new("/dev/falco1");
    let e = |n| open_error(p, std::io::Error::from_raw_os_error(n)).to_string();
    assert_eq!(
        e(nix::libc::EBUSY),
        "kmod: another consumer holds /dev/falco1 (is another falco running?)"
    );
    assert!(
        e(nix::libc::EACCES).ends_with("(run falco as root)"),
        "{}",
        e(nix::libc::EACCES)
    );
    assert!(
        e(nix::libc::ENXIO).contains("modprobe falco"),
        "{}",
        e(nix::libc::ENXIO)
    );
    assert_eq!(
        device_path(Path::new("/dev/falco"), 12),
        Path::new("/dev/falco12")
    );
    // The kind a program can act on.
    let kind = |n| match open_error(p, std::io::Error::from_raw_os_error(n)) {
        ScapError::Engine(e) => e.failure,
        other => panic!("not an engine error: {other}"),
    };
    assert_eq!(kind(nix::libc::EBUSY), EngineFailure::Busy);
    assert_eq!(kind(nix::libc::ENOENT), EngineFailure::ModuleNotLoaded);
    assert_eq!(kind(nix::libc::ENODEV), EngineFailure::ModuleNotLoaded);
    assert_eq!(kind(nix::libc::EACCES), EngineFailure::NotPermitted);
    assert_eq!(kind(nix::libc::EIO), EngineFailure::Other);
}

/// A ring in a regular file laid out like a device's mapping: the control
/// page, then `RING_MIN_DATA_SIZE` bytes of data. Events are placed as the
/// module places them (falco-abi's `reserve`, pad headers included).
struct FileRing {
    path: PathBuf,
    file: std::fs::File,
    head: u64,
}

const DATA: usize = RING_MIN_DATA_SIZE;

impl FileRing {
    /// A ring whose head and tail start at `start` (to put events near the
    /// wrap point).
    fn create(path: PathBuf, start: u64, api: u64) -> FileRing {
        let mut control = vec![0u8; RING_CONTROL_SIZE];
        control[0..8].copy_from_slice(&start.to_le_bytes());
        control[64..72].copy_from_slice(&start.to_le_bytes());
        control[128..136].copy_from_slice(&(DATA as u64).to_le_bytes());
        control[136..144].copy_from_slice(&api.to_le_bytes());
        control.resize(RING_CONTROL_SIZE + DATA, 0);
        std::fs::write(&path, &control).unwrap();
        let file = std::fs::File::options()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        FileRing {
            path,
            file,
            head: start,
        }
    }

    fn tail(&self) -> u64 {
        let mut b = [0u8; 8];
        self.file.read_exact_at(&mut b, 64).unwrap();
        u64::from_le_bytes(b)
    }

    /// Writes an event the way the producer does, then publishes the head.
    fn push(&mut self, ts: u64) {
        let ev = EventBuilder::new(EventCode::GENERIC_X)
            .ts(ts)
            .tid(ts * 10)
            .int(39)
            .int(39)
            .build();
        let at = |off: usize| (RING_CONTROL_SIZE + off) as u64;
        match reserve(self.head, self.tail(), DATA, ev.len()) {
            Reserve::Full => panic!("test ring full"),
            Reserve::At {
                offset,
                new_head,
                pad,
            } => {
                if let Some((p, n)) = pad {
                    if n >= EVENT_HEADER_SIZE {
                        self.file.write_all_at(&pad_header(n), at(p)).unwrap();
                    }
                }
                self.file.write_all_at(&ev, at(offset)).unwrap();
                self.publish(new_head);
            }
        }
    }

    fn publish(&mut self, head: u64) {
        self.head = head;
        self.file.write_all_at(&head.to_le_bytes(), 0).unwrap();
    }

    fn map(&self) -> Ring {
        Device::open(&self.path).unwrap().map().unwrap()
    }
}

/// (ts, cpu) of the events `next` delivers until its first timeout (the
/// tests push a handful: more means an event was delivered twice).
fn drain(engine: &mut KmodEngine) -> Vec<(u64, u16)> {
    let mut out = Vec::new();
    while let Next::Event(ev) = engine.next().unwrap() {
        assert!(out.len() < 100, "events repeat: {out:?}");
        assert_eq!(ev.tid, ev.ts * 10);
        assert_eq!(ev.evt_type, EventCode::GENERIC_X as u16);
        out.push((ev.ts, ev.cpu));
    }
    out
}

#[test]
fn file_backed_rings_merge_in_time_order_across_wraps_and_free_what_was_read() {
    let dir = TempDir::new("rings");
    let end = DATA as u64;
    // CPU 0 wraps with a pad header (26 bytes left after its first event),
    // CPU 1 with a gap too small for one (6 bytes left).
    let mut r0 = FileRing::create(dir.0.join("falco0"), end - 60, API_VERSION.encode());
    let mut r1 = FileRing::create(dir.0.join("falco1"), 3 * end - 40, API_VERSION.encode());
    for ts in [10, 30, 50] {
        r0.push(ts);
    }
    for ts in [20, 25, 60] {
        r1.push(ts);
    }
    let mut engine = KmodEngine::from_rings(vec![r0.map(), r1.map()], Duration::from_millis(1));
    assert_eq!(engine.cpus(), 2);
    assert_eq!(
        drain(&mut engine),
        [(10, 0), (20, 1), (25, 1), (30, 0), (50, 0), (60, 1)]
    );
    // Every byte read went back to the producer.
    assert_eq!((r0.tail(), r1.tail()), (r0.head, r1.head));
    assert_eq!(engine.stats().events, 6);

    // Events published while the engine runs are seen.
    r1.push(70);
    r0.push(65);
    assert_eq!(drain(&mut engine), [(65, 0), (70, 1)]);
    assert!(matches!(engine.next().unwrap(), Next::Timeout));
}

#[test]
fn a_corrupt_ring_is_an_error_naming_the_device_and_offset() {
    let dir = TempDir::new("corrupt");
    let mut r = FileRing::create(dir.0.join("falco0"), 0, API_VERSION.encode());
    r.push(1);
    // Claim more bytes than the event has.
    r.file
        .write_all_at(&1000u32.to_le_bytes(), (RING_CONTROL_SIZE + 16) as u64)
        .unwrap();
    let mut engine = KmodEngine::from_rings(vec![r.map()], Duration::from_millis(1));
    let err = engine.next().unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "kmod: {}: corrupt ring at data offset 0 (head 34, tail 0)",
            r.path.display()
        )
    );
}

#[test]
fn a_control_page_with_a_bad_size_or_version_is_refused() {
    let dir = TempDir::new("control");
    let other = falco_abi::ioctl::ApiVersion {
        major: API_VERSION.major + 1,
        ..API_VERSION
    };
    let r = FileRing::create(dir.0.join("falco0"), 0, other.encode());
    let err = Device::open(&r.path)
        .unwrap()
        .map()
        .unwrap_err()
        .to_string();
    assert!(err.contains("control page: api_version"), "{err}");
    assert!(err.contains(&r.path.display().to_string()), "{err}");

    let r = FileRing::create(dir.0.join("falco1"), 0, API_VERSION.encode());
    r.file.write_all_at(&1000u64.to_le_bytes(), 128).unwrap();
    let err = Device::open(&r.path)
        .unwrap()
        .map()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("data_size 1000 is not a power of two"),
        "{err}"
    );
}
