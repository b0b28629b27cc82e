//! The savefile engine: reading and writing `.scap` capture files.
//!
//! - `block.rs` — pcapng-style blocks and the buffered block reader
//! - `section.rs`, `machine.rs`, `proclist.rs`, `fdlist.rs`, `userlist.rs`,
//!   `iflist.rs` — one file per state block kind (parse and encode)
//! - `reader.rs` — [`SavefileReader`]: state first, then events
//! - `writer.rs` — [`SavefileWriter`]
//! - `swap.rs` — big-endian sections

pub mod block;
pub mod cursor;
pub mod fdlist;
pub mod iflist;
pub mod machine;
pub mod proclist;
pub mod reader;
pub mod section;
pub mod swap;
pub mod userlist;
pub mod writer;

pub use reader::{ReadStats, SavefileReader};
pub use writer::SavefileWriter;
