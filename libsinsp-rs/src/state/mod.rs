//! The system state events update: threads and their fds, users and
//! groups, containers.

pub mod container;
pub mod containers;
pub mod fd;
pub mod paths;
pub mod scap;
pub mod thread;
pub mod users;

pub use containers::{Container, Containers};
pub use fd::{Fd, FdKind, FdTable, L4Proto, SockTuple};
pub use thread::{Thread, ThreadTable};
pub use users::Users;
