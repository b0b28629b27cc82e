//! Conversions falco-rs adds to upstream's table (documented in the
//! README): old captures whose enter events carry what the exit needs,
//! but that upstream drops. Without them the state built from an old
//! capture loses the fd that dup2/dup3 created.

use super::{rule, Action::*, Instr::*, Rule};
use falco_abi::EventCode;

pub const EXTENSION_RULES: &[Rule] = &[
    rule(EventCode::SYSCALL_DUP2_E, 1, Store),
    // The new fd is the result; the old one comes from the enter.
    rule(
        EventCode::SYSCALL_DUP2_X,
        1,
        Add(&[EnterOrEmpty(0) /* oldfd */, Old(0) /* newfd */]),
    ),
    rule(EventCode::SYSCALL_DUP3_E, 1, Store),
    rule(
        EventCode::SYSCALL_DUP3_X,
        1,
        Add(&[
            EnterOrEmpty(0), /* oldfd */
            Old(0),          /* newfd */
            Empty,           /* flags */
        ]),
    ),
];

/// Whether `code` is brought forward by an extension rule.
pub fn covers(code: u16) -> bool {
    EXTENSION_RULES.iter().any(|r| r.code == code)
}
