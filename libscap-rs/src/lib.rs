//! falco-scap: where events come from.
//!
//! - [`savefile`] reads and writes `.scap` captures (plain or gzip), block
//!   by block, yielding borrowed [`Event`]s without per-event allocation.
//! - [`converter`] brings events of old captures to the current exit-only
//!   schema so that consumers see one shape.
//! - [`engine`] is the [`Engine`] trait every source implements: savefile,
//!   [`modern_ebpf`] and [`kmod`] (the kernel module's per-CPU rings).
//! - [`state`] is the system state a capture starts from.
//! - [`threaded`] runs an engine on a reader thread of its own (replay on
//!   two cores).
//! - [`prefilter`] is the contract of the opens a driver may hold back,
//!   and its simulation over any engine's stream.

// Denied, not forbidden: `kmod::ring` (the device's ioctls, mmap and the
// shared ring words) is the one module that allows it — DESIGN.md's
// "scap's ring/syscall module". Nothing else may.
#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod builder;
pub mod converter;
pub mod engine;
pub mod error;
pub mod event;
pub mod kmod;
#[cfg(feature = "modern-bpf")]
pub mod modern_ebpf;
pub mod prefilter;
pub mod procfs;
pub mod savefile;
pub mod state;
pub mod threaded;

pub use converter::TidHasher;
pub use engine::{replay_all, Engine, EngineStats, Next, ReplaySummary, SavefileEngine};
pub use error::{EngineError, EngineFailure, Result, ScapError};
pub use event::{Event, HeaderLayout, Param, ParamValue};
pub use savefile::{SavefileReader, SavefileWriter};
pub use threaded::ThreadedEngine;
