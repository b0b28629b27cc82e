//! Round trips checked by the oracle: sysdig 0.29.3 must print exactly the
//! same lines for a reference capture and for our copy of it.
//!
//! Needs `sysdig` on PATH (scripts/setup.sh installs it); set
//! FALCO_RS_SKIP_SYSDIG=1 to skip on a machine without it.

mod common;

use falco_scap::savefile::block::BlockReader;
use falco_scap::{SavefileReader, SavefileWriter};
use std::path::Path;
use std::process::Command;

fn sysdig_available() -> bool {
    if std::env::var_os("FALCO_RS_SKIP_SYSDIG").is_some() {
        eprintln!("skipped: FALCO_RS_SKIP_SYSDIG is set");
        return false;
    }
    match Command::new("sysdig").arg("--version").output() {
        Ok(o) if o.status.success() => true,
        _ => panic!("sysdig not found: run scripts/setup.sh (or set FALCO_RS_SKIP_SYSDIG=1)"),
    }
}

/// What `sysdig -r` prints, and whether it could read the file.
fn sysdig_lines(path: &Path) -> (Vec<u8>, bool) {
    let out = Command::new("sysdig")
        .arg("-r")
        .arg(path)
        .output()
        .expect("sysdig runs");
    (out.stdout, out.status.success())
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("falco-rs-roundtrip-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

#[test]
fn block_copies_print_the_same_in_sysdig() {
    let files = common::reference_captures();
    if files.is_empty() || !sysdig_available() {
        return;
    }
    for path in &files {
        let name = path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".gz", "");
        let mut blocks = BlockReader::open(path).unwrap();
        let copy = tmp(&format!("raw-{name}"));
        let mut w = SavefileWriter::bare(std::io::BufWriter::new(
            std::fs::File::create(&copy).unwrap(),
        ));
        let mut n = 0;
        while let Some(loc) = blocks.next_block().unwrap() {
            w.write_raw_block(blocks.raw(&loc)).unwrap();
            n += 1;
        }
        w.finish().unwrap();
        let (a, b) = (sysdig_lines(path).0, sysdig_lines(&copy).0);
        assert!(n > 1, "{name}: no blocks");
        assert_eq!(a, b, "{name}: sysdig prints differently for the block copy");
        std::fs::remove_file(&copy).unwrap();
    }
}

/// Rewriting through our own encoders — state blocks re-encoded as the
/// current block versions, events written as current-header event blocks —
/// must not change what sysdig prints either.
#[test]
fn re_encoded_captures_print_the_same_in_sysdig() {
    let files = common::reference_captures();
    if files.is_empty() || !sysdig_available() {
        return;
    }
    for path in &files {
        let name = path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".gz", "");
        let mut r = SavefileReader::open(path).unwrap();
        let copy = tmp(&format!("enc-{name}"));
        let state = r.initial_state().clone();
        let mut w = SavefileWriter::new(
            std::io::BufWriter::new(std::fs::File::create(&copy).unwrap()),
            &state,
        )
        .unwrap();
        while let Some(ev) = r.next_event().unwrap() {
            w.write_event(&ev).unwrap();
        }
        w.finish().unwrap();
        let ((a, a_ok), (b, b_ok)) = (sysdig_lines(path), sysdig_lines(&copy));
        if !a_ok {
            // sysdig 0.29 cannot read this newer writer's file at all; our
            // re-encoding must at least be readable by it.
            assert!(
                b_ok && !b.is_empty(),
                "{name}: sysdig cannot read our re-encoded copy"
            );
        } else if a != b {
            let (a, b) = (String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
            let first = a.lines().zip(b.lines()).find(|(x, y)| x != y);
            panic!("{name}: sysdig prints differently for the re-encoded copy; first difference: {first:?}");
        }
        // And our reader gets the same state back.
        let back = SavefileReader::open(&copy).unwrap();
        assert_eq!(
            back.initial_state(),
            &state,
            "{name}: state differs after re-encoding"
        );
        std::fs::remove_file(&copy).unwrap();
    }
}
