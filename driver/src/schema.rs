//! The shape of the PPM event schema: parameter types, print formats,
//! categories, flags, and the `event_table!` macro that turns the rows of
//! `events.rs` into the `EventCode` enum and the `EVENTS` info table.

use crate::flags::FlagName;

/// Type of one event parameter, with upstream's numeric values.
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[repr(u8)]
pub enum ParamType {
    NONE = 0,
    INT8 = 1,
    INT16 = 2,
    INT32 = 3,
    INT64 = 4,
    UINT8 = 5,
    UINT16 = 6,
    UINT32 = 7,
    UINT64 = 8,
    /// NUL-terminated printable string.
    CHARBUF = 9,
    /// Raw bytes.
    BYTEBUF = 10,
    /// i64 interpreted as an errno when negative.
    ERRNO = 11,
    /// One family byte then the address.
    SOCKADDR = 12,
    /// One family byte then source and destination.
    SOCKTUPLE = 13,
    FD = 14,
    PID = 15,
    /// u16 count, then (u64 fd, u16 flags) pairs.
    FDLIST = 16,
    FSPATH = 17,
    SYSCALLID = 18,
    SIGTYPE = 19,
    RELTIME = 20,
    ABSTIME = 21,
    PORT = 22,
    L4PROTO = 23,
    SOCKFAMILY = 24,
    BOOL = 25,
    IPV4ADDR = 26,
    /// One index byte selecting the real type from the parameter's list.
    DYN = 27,
    FLAGS8 = 28,
    FLAGS16 = 29,
    FLAGS32 = 30,
    UID = 31,
    GID = 32,
    DOUBLE = 33,
    SIGSET = 34,
    CHARBUFARRAY = 35,
    CHARBUF_PAIR_ARRAY = 36,
    IPV4NET = 37,
    IPV6ADDR = 38,
    IPV6NET = 39,
    IPADDR = 40,
    IPNET = 41,
    MODE = 42,
    /// A path relative to the directory fd named by the parameter's `DirFd`.
    FSRELPATH = 43,
    ENUMFLAGS8 = 44,
    ENUMFLAGS16 = 45,
    ENUMFLAGS32 = 46,
    FD32 = 47,
    PID32 = 48,
}

impl ParamType {
    /// All types in numeric order (`ALL[n] as u8 == n`).
    pub const ALL: [ParamType; 49] = {
        use ParamType::*;
        [
            NONE,
            INT8,
            INT16,
            INT32,
            INT64,
            UINT8,
            UINT16,
            UINT32,
            UINT64,
            CHARBUF,
            BYTEBUF,
            ERRNO,
            SOCKADDR,
            SOCKTUPLE,
            FD,
            PID,
            FDLIST,
            FSPATH,
            SYSCALLID,
            SIGTYPE,
            RELTIME,
            ABSTIME,
            PORT,
            L4PROTO,
            SOCKFAMILY,
            BOOL,
            IPV4ADDR,
            DYN,
            FLAGS8,
            FLAGS16,
            FLAGS32,
            UID,
            GID,
            DOUBLE,
            SIGSET,
            CHARBUFARRAY,
            CHARBUF_PAIR_ARRAY,
            IPV4NET,
            IPV6ADDR,
            IPV6NET,
            IPADDR,
            IPNET,
            MODE,
            FSRELPATH,
            ENUMFLAGS8,
            ENUMFLAGS16,
            ENUMFLAGS32,
            FD32,
            PID32,
        ]
    };

    /// The type with this numeric value, if any.
    pub const fn from_u8(v: u8) -> Option<ParamType> {
        if (v as usize) < Self::ALL.len() {
            Some(Self::ALL[v as usize])
        } else {
            None
        }
    }

    /// A set of flags or an enumeration, rendered by name (a mode, which
    /// also has names, is not counted).
    pub const fn is_flags(self) -> bool {
        use ParamType::*;
        matches!(
            self,
            FLAGS8 | FLAGS16 | FLAGS32 | ENUMFLAGS8 | ENUMFLAGS16 | ENUMFLAGS32
        )
    }

    /// Encoded size for fixed-size types; `None` for variable-length ones.
    pub const fn fixed_size(self) -> Option<usize> {
        use ParamType::*;
        match self {
            INT8 | UINT8 | FLAGS8 | ENUMFLAGS8 | SIGTYPE | L4PROTO | SOCKFAMILY => Some(1),
            INT16 | UINT16 | FLAGS16 | ENUMFLAGS16 | SYSCALLID | PORT => Some(2),
            INT32 | UINT32 | FLAGS32 | ENUMFLAGS32 | UID | GID | BOOL | IPV4ADDR | MODE
            | SIGSET | FD32 | PID32 => Some(4),
            INT64 | UINT64 | ERRNO | FD | PID | RELTIME | ABSTIME | DOUBLE | IPV4NET => Some(8),
            IPV6ADDR => Some(16),
            IPV6NET => Some(32),
            NONE => Some(0),
            CHARBUF | BYTEBUF | SOCKADDR | SOCKTUPLE | FDLIST | FSPATH | DYN | CHARBUFARRAY
            | CHARBUF_PAIR_ARRAY | IPADDR | IPNET | FSRELPATH => None,
        }
    }

    /// Whether the value is signed when read as an integer.
    pub const fn is_signed(self) -> bool {
        use ParamType::*;
        matches!(
            self,
            INT8 | INT16 | INT32 | INT64 | ERRNO | FD | PID | FD32 | PID32
        )
    }
}

/// How a parameter is printed, with upstream's numeric values.
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[repr(u8)]
pub enum PrintFormat {
    NA = 0,
    DEC = 1,
    HEX = 2,
    /// Upstream's PF_10_PADDED_DEC.
    PADDED_DEC = 3,
    ID = 4,
    DIR = 5,
    OCT = 6,
}

/// Event category: a base category in the low bits plus flag bits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Category(pub u32);

impl Category {
    pub const UNKNOWN: Category = Category(0);
    pub const OTHER: Category = Category(1);
    pub const FILE: Category = Category(2);
    pub const NET: Category = Category(3);
    pub const IPC: Category = Category(4);
    pub const MEMORY: Category = Category(5);
    pub const PROCESS: Category = Category(6);
    pub const SLEEP: Category = Category(7);
    pub const SYSTEM: Category = Category(8);
    pub const SIGNAL: Category = Category(9);
    pub const USER: Category = Category(10);
    pub const TIME: Category = Category(11);
    pub const PROCESSING: Category = Category(12);
    pub const IO_READ: Category = Category(32);
    pub const IO_WRITE: Category = Category(33);
    pub const IO_OTHER: Category = Category(34);
    pub const WAIT: Category = Category(1 << 6);
    pub const SCHEDULER: Category = Category(1 << 7);
    pub const INTERNAL: Category = Category(1 << 8);
    pub const SYSCALL: Category = Category(1 << 9);
    pub const TRACEPOINT: Category = Category(1 << 10);
    pub const PLUGIN: Category = Category(1 << 11);
    pub const METAEVENT: Category = Category(1 << 12);
    pub const ITER: Category = Category(1 << 13);

    /// Whether every bit of `other` is set here.
    #[inline]
    pub const fn contains(self, other: Category) -> bool {
        self.0 & other.0 == other.0
    }

    /// The base category without the flag bits (WAIT and above).
    pub const fn base(self) -> Category {
        Category(self.0 & 0x3f)
    }
}

/// Event flags (EF_*), with upstream's bit values.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct EventFlags(pub u32);

impl EventFlags {
    pub const NONE: EventFlags = EventFlags(0);
    pub const CREATES_FD: EventFlags = EventFlags(1 << 0);
    pub const DESTROYS_FD: EventFlags = EventFlags(1 << 1);
    pub const USES_FD: EventFlags = EventFlags(1 << 2);
    pub const READS_FROM_FD: EventFlags = EventFlags(1 << 3);
    pub const WRITES_TO_FD: EventFlags = EventFlags(1 << 4);
    pub const MODIFIES_STATE: EventFlags = EventFlags(1 << 5);
    pub const UNUSED: EventFlags = EventFlags(1 << 6);
    pub const WAITS: EventFlags = EventFlags(1 << 7);
    pub const SKIPPARSERESET: EventFlags = EventFlags(1 << 8);
    /// Kept only so that old captures can be read; converted on read.
    pub const OLD_VERSION: EventFlags = EventFlags(1 << 9);
    pub const DROP_SIMPLE_CONS: EventFlags = EventFlags(1 << 10);
    /// Parameter lengths are u32 instead of u16.
    pub const LARGE_PAYLOAD: EventFlags = EventFlags(1 << 11);
    /// The savefile converter knows how to bring this event to its current form.
    pub const CONVERTER_MANAGED: EventFlags = EventFlags(1 << 12);

    #[inline]
    pub const fn contains(self, other: EventFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

/// One concrete type a `DYN` parameter can take.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DynParam {
    pub ptype: ParamType,
    pub fmt: PrintFormat,
}

impl DynParam {
    pub const fn new(ptype: ParamType, fmt: PrintFormat) -> DynParam {
        DynParam { ptype, fmt }
    }
}

/// Extra information some parameters carry.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ParamAux {
    None,
    /// Names for the bits or values of a flags / enum-flags / mode parameter.
    Flags(&'static [FlagName]),
    /// The types a DYN parameter can take, selected by its first byte.
    Dyn(&'static [DynParam]),
    /// Index of the parameter holding the directory fd of an FSRELPATH.
    DirFd(u8),
}

/// The directory fd that means the current working directory, as events
/// carry it (upstream's `PPM_AT_FDCWD`, Linux's `AT_FDCWD`).
pub const AT_FDCWD: i64 = -100;

/// One parameter of an event.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ParamInfo {
    pub name: &'static str,
    pub ptype: ParamType,
    pub fmt: PrintFormat,
    pub aux: ParamAux,
}

impl ParamInfo {
    /// Flag names, for flags, enum-flags and mode parameters.
    pub const fn flag_names(&self) -> Option<&'static [FlagName]> {
        match self.aux {
            ParamAux::Flags(f) => Some(f),
            _ => None,
        }
    }
}

/// Whether an event is the enter or the exit half of a syscall.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Direction {
    Enter,
    Exit,
}

impl Direction {
    /// `>` for enter, `<` for exit, as Falco prints evt.dir.
    pub const fn symbol(self) -> char {
        match self {
            Direction::Enter => '>',
            Direction::Exit => '<',
        }
    }
}

/// Everything the schema says about one event code.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct EventInfo {
    pub code: u16,
    pub name: &'static str,
    pub category: Category,
    pub flags: EventFlags,
    pub params: &'static [ParamInfo],
}

impl EventInfo {
    /// Even codes are enter events, odd codes exit events.
    #[inline]
    pub const fn direction(&self) -> Direction {
        if self.code & 1 == 0 {
            Direction::Enter
        } else {
            Direction::Exit
        }
    }

    /// A system call's enter event. libsinsp hands none of these to its
    /// users: the drivers no longer emit most, the scap converter folds the
    /// old ones into their exits, and the few the parser still reads
    /// (open, openat, openat2, creat, connect, execve, execveat) are
    /// dropped once parsed. So rules never see them.
    #[inline]
    pub const fn is_syscall_enter(&self) -> bool {
        self.code & 1 == 0 && self.category.contains(Category::SYSCALL)
    }

    #[inline]
    pub const fn nparams(&self) -> usize {
        self.params.len()
    }

    #[inline]
    pub const fn is_old_version(&self) -> bool {
        self.flags.contains(EventFlags::OLD_VERSION)
    }

    /// Width in bytes of each parameter length in the encoded event: 2, or 4
    /// for large-payload events.
    #[inline]
    pub const fn param_len_size(&self) -> usize {
        if self.flags.contains(EventFlags::LARGE_PAYLOAD) {
            4
        } else {
            2
        }
    }

    /// Index of the parameter called `name`. Inlined so that a literal
    /// name's length and bytes are constants at the call site: the state
    /// parsers and the converter look parameters up by name on every event.
    #[inline(always)]
    pub fn param_index(&self, name: &str) -> Option<usize> {
        let want = name.as_bytes();
        self.params.iter().position(|p| {
            let have = p.name.as_bytes();
            have.len() == want.len() && have.iter().zip(want).all(|(a, b)| a == b)
        })
    }
}

/// Builds `EventCode` and `EVENTS` from one list of rows (see `events.rs`).
/// The code of every row is checked against its position at compile time.
macro_rules! event_table {
    ($(
        $code:literal $variant:ident $name:literal
        [$($cat:ident)|+] [$($flag:ident)|+]
        { $( $pname:literal : $pt:ident / $pf:ident $(@ $aux:expr)? ),* } ;
    )*) => {
        /// Every PPM event code, named as upstream names it (without `PPME_`).
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
        #[repr(u16)]
        pub enum EventCode {
            $( $variant = $code, )*
        }

        impl EventCode {
            /// All codes in numeric order (`ALL[n] as u16 == n`).
            pub const ALL: &'static [EventCode] = &[ $( EventCode::$variant, )* ];
        }

        /// Schema rows indexed by event code.
        pub static EVENTS: &[$crate::schema::EventInfo] = &[ $(
            $crate::schema::EventInfo {
                code: $code,
                name: $name,
                category: $crate::schema::Category(0 $( | $crate::schema::Category::$cat.0 )+),
                flags: $crate::schema::EventFlags(0 $( | $crate::schema::EventFlags::$flag.0 )+),
                params: &[ $(
                    $crate::schema::ParamInfo {
                        name: $pname,
                        ptype: ParamType::$pt,
                        fmt: PrintFormat::$pf,
                        aux: $crate::schema::event_table!(@aux $($aux)?),
                    },
                )* ],
            },
        )* ];
    };
    (@aux) => { $crate::schema::ParamAux::None };
    (@aux $aux:expr) => { $aux };
}
pub(crate) use event_table;
