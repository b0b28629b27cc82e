//! Flag-name tables: the names Falco prints for bits and enum values of
//! flags parameters. The flag sets themselves are in `flag_tables.rs`: per
//! set a module of named constants (`flag_tables::open_flags::O_CREAT`) and
//! the table built from them (`flag_tables::OPEN_FLAGS`), both made by
//! `flag_set!` from one list of names and values.

/// One named bit pattern or enum value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FlagName {
    pub name: &'static str,
    pub value: u32,
}

impl FlagName {
    pub const fn new(name: &'static str, value: u32) -> FlagName {
        FlagName { name, value }
    }
}

/// One flag set: `pub mod $module` with a constant per `NAME = value` row
/// (of type `$ty`) and `NAMES`, the rows as [`FlagName`]s in their order,
/// re-exported as `$table`. A row without a value repeats an earlier name
/// in the table only (upstream lists `PR_MCE_KILL` twice).
macro_rules! flag_set {
    (
        $(#[$meta:meta])*
        $table:ident, $module:ident: $ty:ty {
            $( $name:ident $(= $value:expr)? , )*
        }
    ) => {
        $(#[$meta])*
        pub mod $module {
            $( $( pub const $name: $ty = $value; )? )*

            /// The names Falco prints for these values, in upstream's order.
            pub const NAMES: &[$crate::flags::FlagName] = &[
                $( $crate::flags::FlagName::new(stringify!($name), $name as u32), )*
            ];
        }
        pub use $module::NAMES as $table;
    };
}
pub(crate) use flag_set;
