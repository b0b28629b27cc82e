//! falco-scap: where events come from.
//!
//! - [`savefile`] reads and writes `.scap` captures (plain or gzip), block
//!   by block, yielding borrowed [`Event`]s without per-event allocation.
//! - [`converter`] brings events of old captures to the current exit-only
//!   schema so that consumers see one shape.
//! - [`engine`] is the [`Engine`] trait every source implements (savefile
//!   and [`modern_ebpf`] now; the kernel module engine builds on it).
//! - [`state`] is the system state a capture starts from.

#![forbid(unsafe_code)]

pub mod builder;
pub mod converter;
pub mod engine;
pub mod error;
pub mod event;
#[cfg(feature = "modern-bpf")]
pub mod modern_ebpf;
pub mod procfs;
pub mod savefile;
pub mod state;

pub use converter::TidHasher;
pub use engine::{replay_all, Engine, EngineStats, Next, ReplaySummary, SavefileEngine};
pub use error::{Result, ScapError};
pub use event::{Event, HeaderLayout, Param, ParamValue};
pub use savefile::{SavefileReader, SavefileWriter};
