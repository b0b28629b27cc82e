//! Flag-name tables: the names Falco prints for bits and enum values of
//! flags parameters. The flag sets themselves are in `flag_tables.rs`: per
//! set a module of named constants (`flag_tables::open_flags::O_CREAT`) and
//! the table built from them (`flag_tables::OPEN_FLAGS`).

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
