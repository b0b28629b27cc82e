//! Helpers shared by the integration tests: where the reference captures are.

#![allow(dead_code)]

pub mod syscall_events;

use std::path::PathBuf;

/// `../shared/reference/scap`, or `None` (with a message) when absent.
pub fn reference_dir() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/scap");
    if d.is_dir() {
        Some(d)
    } else {
        eprintln!("skipped: {} not found", d.display());
        None
    }
}

/// Every reference capture except the 248 MB benchmark file.
pub fn reference_captures() -> Vec<PathBuf> {
    let Some(d) = reference_dir() else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = std::fs::read_dir(&d)
        .expect("reference dir readable")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| !p.to_string_lossy().contains("vm_bench_3m"))
        .collect();
    v.sort();
    v
}

/// Events as sysdig 0.29.3 counts them without -D: code below 336 and not
/// internal. Its older table also had the container meta-events as
/// internal, which today's schema files under METAEVENT.
pub fn sysdig_visible(evt_type: u16) -> bool {
    use falco_abi::Category;
    evt_type < 336
        && falco_abi::event_info(evt_type)
            .map(|i| {
                !i.category.contains(Category::INTERNAL)
                    && !i.category.contains(Category::METAEVENT)
            })
            .unwrap_or(false)
}
