//! The disk spool of one output (`X_output.spool`, falco-rs's own): alerts
//! the output could not deliver wait here, in order, and survive a restart
//! (the next run sends them first).
//!
//! Layout: a directory of segment files `NNNNNNNNNNNNNNNNNNNN.seg`, numbered
//! in write order, each an 8-byte magic followed by records:
//!
//! ```text
//! u32 LE payload length | u32 LE CRC-32 (IEEE) of the payload | payload
//! ```
//!
//! The payload is a small JSON object (the alert's line, uuid, time,
//! priority, rule, source). Segments are append-only; a run never appends
//! to a segment written by an earlier one (it starts a new one), so a
//! record torn by a crash is always at the end of an old segment. Reading
//! stops at the first record whose length does not fit or whose checksum
//! does not match: what follows in that segment is skipped with a warning
//! (no length after a bad record can be trusted). `cursor` holds where
//! delivery stands (segment, offset; with its own checksum) and is replaced
//! atomically (write, rename) after every delivered record; a missing or
//! bad cursor means "from the start" (duplicates, never losses: receivers
//! drop them by uuid).
//!
//! The cap counts the segment files' bytes. When an alert does not fit,
//! `drop_newest` discards that alert and `drop_oldest` discards the oldest
//! segment's remaining records (a segment is an eighth of the cap, so the
//! spool keeps its newest seven eighths); both are counted.
//!
//! Writes are not fsynced: a record written survives the process (the
//! page cache has it), not a power cut.

use super::OutputMessage;
pub use crate::config::WhenFull;
use falco_engine::loader::Priority;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"FRSPOOL1";
const RECORD_HEADER: u64 = 8;
/// No alert is this big; a larger length is a torn or foreign record.
const MAX_RECORD: u32 = 64 << 20;
const CURSOR: &str = "cursor";

/// `X_output.spool`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolConfig {
    pub dir: PathBuf,
    pub max_bytes: u64,
    pub when_full: WhenFull,
}

/// What opening a spool found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// Records left by an earlier run, to send.
    pub records: usize,
    /// What was skipped and why (torn or corrupt records), for the log.
    pub warnings: Vec<String>,
}

/// What became of a record given to [`Spool::push`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pushed {
    pub stored: bool,
    /// Records discarded to keep the cap (the new one with `drop_newest`).
    pub dropped: u64,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    seg: u64,
    offset: u64,
    len: u32,
}

#[derive(Debug)]
pub struct Spool {
    config: SpoolConfig,
    segment_bytes: u64,
    /// Live records, oldest first.
    index: VecDeque<Entry>,
    /// Segment files on disk, oldest first, with their sizes.
    segments: VecDeque<(u64, u64)>,
    /// The segment this run appends to.
    writer: Option<(u64, File)>,
    /// The segment the oldest record is read from.
    reader: Option<(u64, File)>,
    /// The number of the next segment: never reused, so that the cursor
    /// never points past a new segment.
    next_seq: u64,
}

/// CRC-32 (IEEE 802.3, reflected), table built at compile time.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

pub fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |c, b| {
        CRC_TABLE[((c ^ u32::from(*b)) & 0xff) as usize] ^ (c >> 8)
    })
}

/// The record payload of `msg`.
pub fn encode(msg: &OutputMessage) -> Vec<u8> {
    json!({
        "uuid": msg.uuid,
        "time_ns": msg.time_ns,
        "priority": msg.priority.as_str(),
        "rule": msg.rule,
        "source": msg.source,
        "json": msg.json,
        "line": msg.line,
    })
    .to_string()
    .into_bytes()
}

/// The message of a record payload; `None` when it is not one.
pub fn decode(payload: &[u8]) -> Option<OutputMessage> {
    let v: Value = serde_json::from_slice(payload).ok()?;
    Some(OutputMessage {
        uuid: v.get("uuid")?.as_str()?.to_owned(),
        time_ns: v.get("time_ns")?.as_u64()?,
        priority: Priority::parse(v.get("priority")?.as_str()?)?,
        rule: v.get("rule")?.as_str()?.to_owned(),
        source: v.get("source")?.as_str()?.to_owned(),
        json: v.get("json")?.as_bool()?,
        line: v.get("line")?.as_str()?.to_owned(),
    })
}

fn segment_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{seq:020}.seg"))
}

/// `(segment, offset)` of the next record to deliver, if the cursor file
/// is whole.
fn read_cursor(dir: &Path) -> Option<(u64, u64)> {
    let bytes = std::fs::read(dir.join(CURSOR)).ok()?;
    let bytes: &[u8; 20] = bytes.as_slice().try_into().ok()?;
    let (body, crc) = bytes.split_at(16);
    if crc32(body).to_le_bytes() != crc {
        return None;
    }
    let seg = u64::from_le_bytes(body[..8].try_into().ok()?);
    let offset = u64::from_le_bytes(body[8..].try_into().ok()?);
    Some((seg, offset))
}

fn write_cursor(dir: &Path, seg: u64, offset: u64) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(20);
    bytes.extend_from_slice(&seg.to_le_bytes());
    bytes.extend_from_slice(&offset.to_le_bytes());
    bytes.extend_from_slice(&crc32(&bytes).to_le_bytes());
    let tmp = dir.join("cursor.tmp");
    std::fs::write(&tmp, &bytes)?;
    std::fs::rename(tmp, dir.join(CURSOR))
}

/// The records of segment `seq` (all of them; the caller skips delivered
/// ones), stopping at the first bad one with a warning.
fn scan(path: &Path, seq: u64, warnings: &mut Vec<String>) -> io::Result<Vec<Entry>> {
    let data = std::fs::read(path)?;
    let mut entries = Vec::new();
    if data.len() < MAGIC.len() || &data[..MAGIC.len()] != MAGIC {
        warnings.push(format!(
            "{}: not a spool segment (no header): skipped",
            path.display()
        ));
        return Ok(entries);
    }
    let mut at = MAGIC.len();
    while at < data.len() {
        let rest = &data[at..];
        let bad = |what: &str| {
            format!(
                "{}: {what} at byte {at} (a write torn by a crash?): the {} bytes from there are skipped",
                path.display(),
                rest.len()
            )
        };
        if rest.len() < RECORD_HEADER as usize {
            warnings.push(bad("a partial record header"));
            break;
        }
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
        let crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
        let end = RECORD_HEADER as usize + len as usize;
        if len > MAX_RECORD || end > rest.len() {
            warnings.push(bad("a record longer than what is left"));
            break;
        }
        let payload = &rest[RECORD_HEADER as usize..end];
        if crc32(payload) != crc {
            warnings.push(bad("a record whose checksum does not match"));
            break;
        }
        if decode(payload).is_none() {
            // Whole but not ours: skip just this record.
            warnings.push(format!(
                "{}: the record at byte {at} is not an alert: skipped",
                path.display()
            ));
        } else {
            entries.push(Entry {
                seg: seq,
                offset: at as u64,
                len,
            });
        }
        at += end;
    }
    Ok(entries)
}

impl Spool {
    /// Opens (creating) the spool in `config.dir` and indexes what an
    /// earlier run left there.
    pub fn open(config: SpoolConfig) -> io::Result<(Spool, Recovered)> {
        std::fs::create_dir_all(&config.dir)?;
        let mut seqs: Vec<u64> = std::fs::read_dir(&config.dir)?
            .flatten()
            .filter_map(|e| {
                let name = e.file_name();
                let name = name.to_str()?;
                name.strip_suffix(".seg")?.parse::<u64>().ok()
            })
            .collect();
        seqs.sort_unstable();
        let cursor = read_cursor(&config.dir);
        let next_seq = seqs
            .last()
            .map_or(0, |s| s + 1)
            .max(cursor.map_or(0, |c| c.0));
        let mut recovered = Recovered::default();
        if cursor.is_none() && !seqs.is_empty() && config.dir.join(CURSOR).exists() {
            recovered.warnings.push(format!(
                "{}: the delivery cursor is damaged: sending the whole spool again",
                config.dir.display()
            ));
        }
        let mut index = VecDeque::new();
        let mut segments = VecDeque::new();
        for seq in seqs {
            let path = segment_path(&config.dir, seq);
            let live: Vec<Entry> = scan(&path, seq, &mut recovered.warnings)?
                .into_iter()
                .filter(|e| cursor.is_none_or(|(cs, co)| (e.seg, e.offset) >= (cs, co)))
                .collect();
            if live.is_empty() {
                // Delivered (or nothing readable): reclaim the space.
                let _ = std::fs::remove_file(&path);
                continue;
            }
            let size = std::fs::metadata(&path).map_or(0, |m| m.len());
            segments.push_back((seq, size));
            index.extend(live);
        }
        recovered.records = index.len();
        // Small caps make small segments: dropping one never frees much more
        // than an eighth.
        let segment_bytes = (config.max_bytes / 8).max(1);
        Ok((
            Spool {
                config,
                segment_bytes,
                index,
                segments,
                writer: None,
                reader: None,
                next_seq,
            },
            recovered,
        ))
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Bytes of the segment files (what the cap limits).
    pub fn disk_bytes(&self) -> u64 {
        self.segments.iter().map(|s| s.1).sum()
    }

    /// Appends `msg`, making room or refusing as `when_full` says.
    pub fn push(&mut self, msg: &OutputMessage) -> io::Result<Pushed> {
        let payload = encode(msg);
        let need = RECORD_HEADER + payload.len() as u64;
        let mut dropped = 0;
        // A record that could never fit, even alone in a fresh segment.
        if need + MAGIC.len() as u64 > self.config.max_bytes {
            return Ok(Pushed {
                stored: false,
                dropped: 1,
            });
        }
        loop {
            let new_segment = match &self.writer {
                Some((seq, _)) => self.size_of(*seq) + need > self.segment_bytes,
                None => true,
            };
            let extra = need + if new_segment { MAGIC.len() as u64 } else { 0 };
            if self.disk_bytes() + extra <= self.config.max_bytes {
                break;
            }
            match self.config.when_full {
                WhenFull::DropNewest => {
                    return Ok(Pushed {
                        stored: false,
                        dropped: 1,
                    })
                }
                WhenFull::DropOldest => {
                    let freed = self.drop_oldest_segment()?;
                    if freed == 0 {
                        return Ok(Pushed {
                            stored: false,
                            dropped: dropped + 1,
                        });
                    }
                    dropped += freed;
                }
            }
        }
        let writer_full = match &self.writer {
            Some((seq, _)) => self.size_of(*seq) + need > self.segment_bytes,
            None => true,
        };
        if writer_full {
            self.start_segment()?;
        }
        let Some(seq) = self.writer.as_ref().map(|w| w.0) else {
            return Err(io::Error::other("no spool segment"));
        };
        let offset = self.size_of(seq);
        let mut record = Vec::with_capacity(need as usize);
        record.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        record.extend_from_slice(&crc32(&payload).to_le_bytes());
        record.extend_from_slice(&payload);
        // One write: a crash tears at most this record, which the next
        // open detects by its length or checksum.
        if let Some((_, file)) = self.writer.as_mut() {
            file.write_all(&record)?;
        }
        if let Some(s) = self.segments.iter_mut().find(|s| s.0 == seq) {
            s.1 += need;
        }
        self.index.push_back(Entry {
            seg: seq,
            offset,
            len: payload.len() as u32,
        });
        Ok(Pushed {
            stored: true,
            dropped,
        })
    }

    fn size_of(&self, seq: u64) -> u64 {
        self.segments.iter().find(|s| s.0 == seq).map_or(0, |s| s.1)
    }

    fn start_segment(&mut self) -> io::Result<()> {
        let seq = self.next_seq;
        self.next_seq += 1;
        let path = segment_path(&self.config.dir, seq);
        let mut file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)?;
        file.write_all(MAGIC)?;
        self.segments.push_back((seq, MAGIC.len() as u64));
        self.writer = Some((seq, file));
        Ok(())
    }

    /// Discards the oldest segment's records; how many.
    fn drop_oldest_segment(&mut self) -> io::Result<u64> {
        let Some(&(seq, _)) = self.segments.front() else {
            return Ok(0);
        };
        let mut n = 0;
        while self.index.front().is_some_and(|e| e.seg == seq) {
            self.index.pop_front();
            n += 1;
        }
        self.remove_segment(seq);
        self.save_cursor()?;
        Ok(n)
    }

    fn remove_segment(&mut self, seq: u64) {
        self.segments.retain(|s| s.0 != seq);
        if self.writer.as_ref().is_some_and(|w| w.0 == seq) {
            self.writer = None;
        }
        if self.reader.as_ref().is_some_and(|r| r.0 == seq) {
            self.reader = None;
        }
        let _ = std::fs::remove_file(segment_path(&self.config.dir, seq));
    }

    fn save_cursor(&self) -> io::Result<()> {
        let (seg, offset) = match self.index.front() {
            Some(e) => (e.seg, e.offset),
            // Nothing left: past everything written so far.
            None => (self.next_seq, 0),
        };
        write_cursor(&self.config.dir, seg, offset)
    }

    /// The oldest record, read back. A record that no longer reads back
    /// whole (the disk changed under us) is discarded and counted in the
    /// second value.
    pub fn front(&mut self) -> io::Result<(Option<OutputMessage>, u64)> {
        let mut corrupt = 0;
        while let Some(entry) = self.index.front().copied() {
            if self.reader.as_ref().is_none_or(|r| r.0 != entry.seg) {
                let file = File::open(segment_path(&self.config.dir, entry.seg))?;
                self.reader = Some((entry.seg, file));
            }
            let Some((_, file)) = self.reader.as_ref() else {
                break;
            };
            let mut buf = vec![0u8; RECORD_HEADER as usize + entry.len as usize];
            let whole = file.read_exact_at(&mut buf, entry.offset).is_ok();
            let payload = &buf[RECORD_HEADER as usize..];
            let crc_ok = whole && buf[4..8] == crc32(payload).to_le_bytes();
            if let Some(msg) = crc_ok.then(|| decode(payload)).flatten() {
                return Ok((Some(msg), corrupt));
            }
            corrupt += 1;
            self.pop_front()?;
        }
        Ok((None, corrupt))
    }

    /// Marks the oldest record delivered.
    pub fn pop_front(&mut self) -> io::Result<()> {
        let Some(done) = self.index.pop_front() else {
            return Ok(());
        };
        let next_seg = self.index.front().map(|e| e.seg);
        if next_seg != Some(done.seg) && self.writer.as_ref().is_none_or(|w| w.0 != done.seg) {
            // Every record of that segment is delivered.
            self.remove_segment(done.seg);
        }
        if self.index.is_empty() {
            // Empty: start over with a fresh segment next time, so that
            // a spool that has caught up takes no space.
            if let Some((seq, _)) = self.writer.take() {
                self.remove_segment(seq);
            }
        }
        self.save_cursor()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(n: u64) -> OutputMessage {
        OutputMessage {
            uuid: format!("00000000-0000-4000-8000-{n:012}"),
            time_ns: n,
            priority: Priority::Warning,
            rule: "R".into(),
            source: "syscall".into(),
            line: format!("{{\"n\":{n}}}"),
            json: true,
        }
    }

    fn config(dir: &Path, max_bytes: u64, when_full: WhenFull) -> SpoolConfig {
        SpoolConfig {
            dir: dir.to_owned(),
            max_bytes,
            when_full,
        }
    }

    fn drain(spool: &mut Spool) -> Vec<u64> {
        let mut out = Vec::new();
        while let (Some(m), _) = spool.front().unwrap() {
            out.push(m.time_ns);
            spool.pop_front().unwrap();
        }
        out
    }

    #[test]
    fn crc32_is_ieee() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn records_come_back_in_order_and_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let (mut s, r) = Spool::open(config(dir.path(), 1 << 20, WhenFull::DropOldest)).unwrap();
        assert_eq!(r, Recovered::default());
        for n in 0..10 {
            assert!(s.push(&msg(n)).unwrap().stored);
        }
        let (first, _) = s.front().unwrap();
        assert_eq!(first, Some(msg(0)), "the whole message comes back");
        for _ in 0..3 {
            s.pop_front().unwrap();
        }
        drop(s);
        let (mut s, r) = Spool::open(config(dir.path(), 1 << 20, WhenFull::DropOldest)).unwrap();
        assert_eq!(r.records, 7);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        s.push(&msg(10)).unwrap();
        assert_eq!(drain(&mut s), (3..=10).collect::<Vec<_>>());
        assert_eq!(s.disk_bytes(), 0, "a caught-up spool takes no space");
        drop(s);
        let (_, r) = Spool::open(config(dir.path(), 1 << 20, WhenFull::DropOldest)).unwrap();
        assert_eq!(r.records, 0, "delivered records are not sent again");
    }

    #[test]
    fn a_torn_record_is_skipped_with_a_warning_and_no_panic() {
        let dir = tempfile::tempdir().unwrap();
        let (mut s, _) = Spool::open(config(dir.path(), 1 << 20, WhenFull::DropOldest)).unwrap();
        for n in 0..3 {
            s.push(&msg(n)).unwrap();
        }
        drop(s);
        let seg = segment_path(dir.path(), 0);
        let mut bytes = std::fs::read(&seg).unwrap();
        let whole = bytes.len();
        // A crash in the middle of the third record.
        bytes.truncate(whole - 5);
        std::fs::write(&seg, &bytes).unwrap();
        let (mut s, r) = Spool::open(config(dir.path(), 1 << 20, WhenFull::DropOldest)).unwrap();
        assert_eq!(r.records, 2);
        assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
        assert!(r.warnings[0].contains("torn"), "{:?}", r.warnings);
        assert_eq!(drain(&mut s), [0, 1]);

        // A flipped byte inside a record: its checksum catches it.
        let dir = tempfile::tempdir().unwrap();
        let (mut s, _) = Spool::open(config(dir.path(), 1 << 20, WhenFull::DropOldest)).unwrap();
        for n in 0..3 {
            s.push(&msg(n)).unwrap();
        }
        drop(s);
        let seg = segment_path(dir.path(), 0);
        let mut bytes = std::fs::read(&seg).unwrap();
        let at = bytes.len() - 3;
        bytes[at] ^= 0x55;
        std::fs::write(&seg, &bytes).unwrap();
        let (mut s, r) = Spool::open(config(dir.path(), 1 << 20, WhenFull::DropOldest)).unwrap();
        assert!(r.warnings[0].contains("checksum"), "{:?}", r.warnings);
        assert_eq!(drain(&mut s), [0, 1]);

        // Garbage of every kind: never a panic.
        for garbage in [
            &b""[..],
            b"FRSPOOL1",
            b"FRSPOOL1\xff\xff\xff\xff\0\0\0\0",
            b"FRSPOOL1\x02\0\0\0\0\0\0\0{}",
            b"not a spool at all",
        ] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(segment_path(dir.path(), 4), garbage).unwrap();
            std::fs::write(dir.path().join(CURSOR), b"short").unwrap();
            let (mut s, _) =
                Spool::open(config(dir.path(), 1 << 20, WhenFull::DropOldest)).unwrap();
            assert!(drain(&mut s).is_empty());
            s.push(&msg(1)).unwrap();
            assert_eq!(drain(&mut s), [1]);
        }
    }

    #[test]
    fn the_cap_holds_with_either_policy_and_drops_are_counted() {
        let one = RECORD_HEADER + encode(&msg(0)).len() as u64;
        // Room for about 40 records.
        let max = 8 + 40 * one + 8 * 8;
        for policy in [WhenFull::DropOldest, WhenFull::DropNewest] {
            let dir = tempfile::tempdir().unwrap();
            let (mut s, _) = Spool::open(config(dir.path(), max, policy)).unwrap();
            let mut dropped = 0;
            for n in 0..200 {
                let p = s.push(&msg(n)).unwrap();
                dropped += p.dropped;
                assert!(
                    s.disk_bytes() <= max,
                    "{policy:?}: {} > {max}",
                    s.disk_bytes()
                );
                let on_disk: u64 = std::fs::read_dir(dir.path())
                    .unwrap()
                    .flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "seg"))
                    .map(|e| e.metadata().unwrap().len())
                    .sum();
                assert_eq!(on_disk, s.disk_bytes());
            }
            let kept = drain(&mut s);
            assert_eq!(kept.len() as u64 + dropped, 200, "{policy:?}");
            assert!(kept.len() > 20, "{policy:?}: kept {}", kept.len());
            assert!(kept.windows(2).all(|w| w[0] < w[1]), "in order");
            match policy {
                WhenFull::DropNewest => assert_eq!(kept[0], 0, "the oldest stay"),
                WhenFull::DropOldest => assert_eq!(*kept.last().unwrap(), 199, "the newest stay"),
            }
        }
    }
}
