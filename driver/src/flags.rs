//! Flag-name tables: the names Falco prints for bits and enum values of
//! flags parameters (the tables themselves are in `flag_tables.rs`).

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
