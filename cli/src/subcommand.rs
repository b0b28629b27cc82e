//! falco-rs's own subcommands (`falco test`, `falco explain`, `falco
//! tune`). Falco takes no positional arguments, so a first argument naming
//! one of these can never be part of a Falco command line: every Falco flag
//! keeps its meaning.

use std::ffi::OsString;

/// A subcommand's entry point: its arguments (after its name) to an exit
/// code.
pub type Main = fn(&[OsString]) -> anyhow::Result<u8>;

/// The subcommands, by name.
const SUBCOMMANDS: &[(&str, Main)] = &[
    ("test", crate::ruletest::main),
    ("explain", crate::explain::main),
    ("tune", crate::tune::main),
];

/// A subcommand's arguments (after its name) parsed into `A`; `--help` is
/// printed on standard output, a bad argument on standard error, and
/// either ends the subcommand with the exit code it returns as `Err`.
pub fn parse_args<A: clap::Parser>(name: &str, args: &[OsString]) -> Result<A, u8> {
    let argv = std::iter::once(OsString::from(name)).chain(args.iter().cloned());
    A::try_parse_from(argv).map_err(|e| {
        if e.use_stderr() {
            eprint!("{e}");
            1
        } else {
            crate::emit(&e.to_string());
            0
        }
    })
}

/// The subcommand `args` (the whole command line, program name first)
/// names, with its own arguments.
pub fn find(args: &[OsString]) -> Option<(Main, &[OsString])> {
    let first = args.get(1)?.to_str()?;
    let (_, main) = SUBCOMMANDS.iter().find(|(name, _)| *name == first)?;
    Some((*main, &args[2..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn only_a_first_argument_naming_a_subcommand_selects_it() {
        let a = args(&["falco", "test", "x.yaml"]);
        let (_, rest) = find(&a).expect("test is a subcommand");
        assert_eq!(rest, &args(&["x.yaml"])[..]);
        assert!(find(&args(&["falco", "-r", "test"])).is_none());
        assert!(find(&args(&["falco", "--test"])).is_none());
        assert!(find(&args(&["falco"])).is_none());
    }
}
