//! falco-abi: the event ABI shared by the drivers and userspace.
//!
//! - `events.rs` — the PPM event schema, one row per event code, in the
//!   project's own form (generated once from upstream's facts by
//!   `tools/gen_event_table.py`); it defines [`EventCode`] and [`EVENTS`].
//! - `header.rs` — the packed 26-byte event header and parameter lengths.
//! - `ring.rs` — the per-CPU mmap ring layout and its producer/consumer rules.
//! - `encode.rs` — writing one event (the kernel module encodes with it).
//! - `convert.rs` — Linux flag values to the PPM ones events carry.
//! - `ioctl.rs` — device ioctls and the API version.
//! - `syscalls.rs` (+ `syscall_table.rs`) — PPM_SC codes and the x86-64
//!   syscall table.
//!
//! `#![no_std]`, no dependencies, no allocation, no panics: this source is
//! also compiled into the kernel module with `#[path]`.
#![no_std]
#![forbid(unsafe_code)]

pub mod convert;
pub mod encode;
pub mod flag_tables;
pub mod flags;
pub mod header;
pub mod ioctl;
pub mod ring;
pub mod schema;
pub mod syscalls;

mod events;
mod syscall_table;

pub use events::{EventCode, EVENTS};
pub use flags::FlagName;
pub use header::{EventHeader, EVENT_HEADER_SIZE, EVENT_HEADER_V1_SIZE};
pub use schema::{
    Category, Direction, DynParam, EventFlags, EventInfo, ParamAux, ParamInfo, ParamType,
    PrintFormat,
};

/// Number of event codes in the schema (upstream's PPM_EVENT_MAX).
pub const EVENT_COUNT: usize = 454;

const _: () = {
    assert!(EVENTS.len() == EVENT_COUNT);
    assert!(EventCode::ALL.len() == EVENT_COUNT);
    let mut i = 0;
    while i < EVENT_COUNT {
        assert!(EVENTS[i].code as usize == i);
        assert!(EventCode::ALL[i] as usize == i);
        i += 1;
    }
};

impl EventCode {
    /// The code with this numeric value, if the schema has it.
    pub const fn from_u16(v: u16) -> Option<EventCode> {
        if (v as usize) < EVENT_COUNT {
            Some(EventCode::ALL[v as usize])
        } else {
            None
        }
    }

    /// This code's schema row.
    pub const fn info(self) -> &'static EventInfo {
        &EVENTS[self as usize]
    }
}

/// The schema row of a numeric event code.
#[inline]
pub fn event_info(code: u16) -> Option<&'static EventInfo> {
    EVENTS.get(code as usize)
}
