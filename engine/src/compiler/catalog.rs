//! The syscall source's fields as the loader checks them, and what its
//! lint may assume about their values.

use crate::loader::FieldCatalog;
use falco_sinsp::field::{FieldArg, FieldError, FieldSource};
use falco_sinsp::SyscallFields;

impl FieldCatalog for SyscallFields {
    fn has_field(&self, name: &str, arg: bool) -> bool {
        // Any argument will do to ask whether the field exists; a wrong
        // kind of argument is the compiler's to report.
        let a = arg.then(|| FieldArg::Key("0".into()));
        !matches!(self.resolve(name, a.as_ref()), Err(FieldError::Unknown(_)))
    }
}

/// How a single-valued field compares with literals, for the load-time
/// lint (`loader/satisfy.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueKind {
    /// One text value: `=` and `in` compare bytes exactly.
    Text,
    /// One integer value: literals are read as numbers (decimal or 0x),
    /// so `5` and `0x5` are the same value.
    Integer,
}

/// What the lint may assume about the values of the syscall field `name`
/// (written without argument or transformer), or `None` when nothing is
/// known. The loader asks this for rules of the syscall source whatever
/// catalog it was given (`falco -V` checks fields with its own).
pub(crate) fn syscall_value_kind(name: &str) -> Option<ValueKind> {
    SINGLE_VALUED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, kind)| *kind)
}

/// The fields the load-time lint may reason about: each extracts at most
/// one value per event (checked by reading their extractors, not
/// derivable from the field table), so two different `=` values on one
/// of them cannot both hold. Kept short on purpose: a field missing here
/// only makes the lint quieter, a multi-valued field here (`proc.aname`,
/// `fd.ip`, `fd.types`) would make it report rules that can fire.
const SINGLE_VALUED: &[(&str, ValueKind)] = &[
    ("evt.type", ValueKind::Text),
    ("evt.dir", ValueKind::Text),
    ("proc.name", ValueKind::Text),
    ("proc.exe", ValueKind::Text),
    ("proc.exepath", ValueKind::Text),
    ("proc.pname", ValueKind::Text),
    ("proc.cmdline", ValueKind::Text),
    ("proc.pcmdline", ValueKind::Text),
    ("user.name", ValueKind::Text),
    ("group.name", ValueKind::Text),
    ("container.id", ValueKind::Text),
    ("fd.name", ValueKind::Text),
    ("fd.directory", ValueKind::Text),
    ("fd.filename", ValueKind::Text),
    ("fd.type", ValueKind::Text),
    ("fd.typechar", ValueKind::Text),
    ("fd.num", ValueKind::Integer),
    ("proc.pid", ValueKind::Integer),
    ("proc.ppid", ValueKind::Integer),
    ("proc.vpid", ValueKind::Integer),
    ("user.uid", ValueKind::Integer),
    ("user.loginuid", ValueKind::Integer),
    ("group.gid", ValueKind::Integer),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_syscall_fields_with_and_without_arguments() {
        let f = SyscallFields::new();
        assert!(f.has_field("proc.name", false));
        assert!(f.has_field("proc.aname", true));
        assert!(f.has_field("evt.arg.flags", false));
        assert!(f.has_field("container.mount.dest", true));
        assert!(!f.has_field("proc.bogus", false));
        assert!(!f.has_field("ka.verb", false));
    }

    #[test]
    fn single_valued_fields_exist_with_the_kind_their_type_compares_as() {
        use crate::compiler::operand::{domain, Domain};
        let f = SyscallFields::new();
        for (name, kind) in SINGLE_VALUED {
            let field = f
                .resolve(name, None)
                .unwrap_or_else(|e| panic!("{name}: {e:?}"));
            let want = match kind {
                ValueKind::Text => Domain::Str,
                ValueKind::Integer => Domain::Num,
            };
            assert_eq!(domain(f.field_type(&field)), want, "{name}");
        }
        // Ports take service names (`ssh`), ancestors and socket ends have
        // several values: none of them is claimed.
        for name in ["fd.sport", "proc.aname", "fd.ip", "fd.types", "proc.args"] {
            assert_eq!(syscall_value_kind(name), None, "{name}");
        }
    }
}
