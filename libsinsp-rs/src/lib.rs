//! falco-sinsp: the state events build up (threads, fds, users,
//! containers) and the fields rules and outputs read from it.
//!
//! - [`inspector`] keeps the state up to date; [`parsers`] hold one file per
//!   syscall family.
//! - [`state`] is the thread table, fd tables, users, container ids.
//! - [`fields`] has one file per field class; [`field`] the trait the rules
//!   engine compiles against.
//! - [`render`] renders parameters and times as Falco prints them.

#![forbid(unsafe_code)]

pub mod caps;
pub mod field;
pub mod fields;
pub mod format;
pub mod inspector;
mod parsers;
pub mod render;
pub mod state;
pub mod value;

pub use field::{Ctx, FieldArg, FieldError, FieldSource};
pub use fields::SyscallFields;
pub use inspector::Inspector;
pub use value::{FieldType, Value};
