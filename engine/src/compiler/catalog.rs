//! The syscall source's fields as the loader checks them.

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
}
