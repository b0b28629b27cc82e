//! Syscall numbering: PPM_SC codes (the driver-independent syscall ids that
//! generic events carry and that select "interesting" syscalls) and the
//! x86-64 syscall table that maps kernel syscall numbers onto them and onto
//! event codes. The rows are in `syscall_table.rs`.

/// One PPM_SC code and its syscall name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PpmSc {
    pub code: u16,
    /// Upstream's enum name without `PPM_SC_` (e.g. `NEWFSTATAT`).
    pub ident: &'static str,
    /// The syscall name as Falco prints it (e.g. `newfstatat`).
    pub name: &'static str,
}

/// x86-64 syscall table flags.
pub mod syscall_flags {
    pub const USED: u8 = 1;
    pub const NEVER_DROP: u8 = 2;
    pub const ALWAYS_DROP: u8 = 4;
    pub const ATOMIC: u8 = 16;
}

/// One x86-64 syscall: its number, PPM_SC code, and the event codes of its
/// enter and exit events (0 and 0 = the generic event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syscall {
    pub nr: u16,
    pub ppm_sc: u16,
    pub enter_event: u16,
    pub exit_event: u16,
    pub flags: u8,
}

macro_rules! ppm_sc_table {
    ($( $code:literal $ident:ident $name:literal; )*) => {
        /// Every PPM_SC code, sorted by code.
        pub const PPM_SC: &[$crate::syscalls::PpmSc] = &[
            $( $crate::syscalls::PpmSc { code: $code, ident: stringify!($ident), name: $name }, )*
        ];
    };
}
pub(crate) use ppm_sc_table;

macro_rules! x86_64_table {
    ($( $nr:literal $sc:literal $enter:literal $exit:literal $flags:literal; )*) => {
        /// The x86-64 syscalls, sorted by number.
        pub const X86_64_SYSCALLS: &[$crate::syscalls::Syscall] = &[
            $( $crate::syscalls::Syscall { nr: $nr, ppm_sc: $sc, enter_event: $enter, exit_event: $exit, flags: $flags }, )*
        ];
    };
}
pub(crate) use x86_64_table;

pub use crate::syscall_table::{PPM_SC, X86_64_SYSCALLS};

const _: () = {
    let mut i = 1;
    while i < PPM_SC.len() {
        assert!(PPM_SC[i - 1].code < PPM_SC[i].code);
        i += 1;
    }
    let mut i = 1;
    while i < X86_64_SYSCALLS.len() {
        assert!(X86_64_SYSCALLS[i - 1].nr < X86_64_SYSCALLS[i].nr);
        i += 1;
    }
};

/// The PPM_SC row of `code`.
pub fn ppm_sc(code: u16) -> Option<&'static PpmSc> {
    PPM_SC
        .binary_search_by_key(&code, |s| s.code)
        .ok()
        .map(|i| &PPM_SC[i])
}

/// The x86-64 syscall with number `nr`.
pub fn x86_64_syscall(nr: u16) -> Option<&'static Syscall> {
    X86_64_SYSCALLS
        .binary_search_by_key(&nr, |s| s.nr)
        .ok()
        .map(|i| &X86_64_SYSCALLS[i])
}
