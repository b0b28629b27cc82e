//! The field classes, one file each. Every field is one `FieldRow` (name,
//! type, argument kind, description, extractor); `falco --list` is
//! generated from these rows.

pub mod container;
pub mod evt;
pub mod fd;
pub mod fdlist;
pub mod fs;
pub mod group;
pub mod k8s;
pub mod proc;
pub mod thread;
pub mod user;

use crate::field::{ArgKind, Ctx, FieldArg, FieldError, FieldRow, FieldSource};
use crate::state::{Fd, Thread};
use crate::value::{FieldType, Value};
use std::collections::HashMap;

/// A field class: its name and description as `--list` shows them.
#[derive(Debug, Clone, Copy)]
pub struct FieldClass {
    pub name: &'static str,
    pub desc: &'static str,
    pub fields: &'static [FieldRow],
    /// Fields of the class `--list` leaves out, as Falco does: libsinsp's
    /// table-only, print-only and deprecated fields (they still resolve).
    pub unlisted: &'static [&'static str],
}

/// Every class of the syscall source, in `--list` order.
pub const CLASSES: &[FieldClass] = &[
    evt::CLASS,
    proc::CLASS,
    thread::CLASS,
    user::CLASS,
    group::CLASS,
    container::CLASS,
    fd::CLASS,
    fdlist::CLASS,
    fs::CLASS,
    k8s::CLASS,
];

impl<'a> Ctx<'a> {
    /// The thread that generated the event.
    pub fn thread(&self) -> Option<&'a Thread> {
        self.insp.threads.get(self.ev.tid as i64)
    }

    /// Its thread group leader (the process).
    pub fn process(&self) -> Option<&'a Thread> {
        self.insp.threads.leader(self.ev.tid as i64)
    }

    /// The parent process.
    pub fn parent(&self) -> Option<&'a Thread> {
        let t = self.thread()?;
        self.insp.threads.get(t.ptid)
    }

    /// The fd the event is about.
    pub fn fd(&self) -> Option<(i64, &'a Fd)> {
        self.insp.event_fd(self.ev.tid as i64)
    }
}

/// Pushes a string value (borrowed from the state).
pub(crate) fn push_str<'a>(out: &mut Vec<Value<'a>>, s: &'a str) {
    out.push(Value::Str(std::borrow::Cow::Borrowed(s)));
}

fn extract_nothing<'a>(_: &Ctx<'a>, _: Option<&FieldArg>, _: &mut Vec<Value<'a>>) {}

/// A field Falco keeps only as deprecated: it resolves (rules using it
/// load) and extracts nothing.
pub(crate) const fn deprecated(
    name: &'static str,
    ftype: FieldType,
    arg: ArgKind,
    desc: &'static str,
) -> FieldRow {
    FieldRow {
        name,
        ftype,
        arg,
        desc,
        extract: extract_nothing,
    }
}

/// The field whose type is its parameter's.
const RAWARG: &str = "evt.rawarg";

/// A field resolved against the syscall source.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub row: &'static FieldRow,
    pub arg: Option<FieldArg>,
}

/// The syscall event source: every field of every class.
#[derive(Debug)]
pub struct SyscallFields {
    by_name: HashMap<&'static str, &'static FieldRow>,
}

impl Default for SyscallFields {
    fn default() -> Self {
        SyscallFields::new()
    }
}

impl SyscallFields {
    pub fn new() -> SyscallFields {
        let by_name = CLASSES
            .iter()
            .flat_map(|c| c.fields.iter())
            .map(|r| (r.name, r))
            .collect();
        SyscallFields { by_name }
    }

    pub fn row(&self, name: &str) -> Option<&'static FieldRow> {
        self.by_name.get(name).copied()
    }
}

fn parse_arg(row: &FieldRow, raw: &str) -> Result<FieldArg, FieldError> {
    let bad = || FieldError::BadArg {
        name: row.name.to_string(),
        arg: raw.to_string(),
    };
    match row.arg {
        ArgKind::Index | ArgKind::OptionalIndex => {
            raw.parse().map(FieldArg::Index).map_err(|_| bad())
        }
        ArgKind::IndexOrKey | ArgKind::OptionalIndexOrKey => Ok(raw
            .parse()
            .map(FieldArg::Index)
            .unwrap_or_else(|_| FieldArg::Key(raw.into()))),
        ArgKind::Key | ArgKind::OptionalKey => Ok(FieldArg::Key(raw.into())),
        ArgKind::None => Err(FieldError::UnexpectedArg(row.name.into())),
    }
}

impl FieldSource for SyscallFields {
    type Event<'a> = Ctx<'a>;
    type Field = Resolved;

    fn source_name(&self) -> &'static str {
        "syscall"
    }

    fn resolve(&self, name: &str, arg: Option<&FieldArg>) -> Result<Resolved, FieldError> {
        // `evt.arg.name` is `evt.arg` with the key `name`.
        let (row, dotted) = match self.row(name) {
            Some(r) => (r, None),
            None => {
                let (base, key) = name
                    .rsplit_once('.')
                    .and_then(|(b, k)| Some((self.row(b)?, k)))
                    .filter(|(r, _)| {
                        matches!(
                            r.arg,
                            ArgKind::Key | ArgKind::OptionalKey | ArgKind::IndexOrKey
                        )
                    })
                    .ok_or_else(|| FieldError::Unknown(name.to_string()))?;
                (base, Some(key))
            }
        };
        let arg = match (arg, dotted) {
            (Some(_), Some(_)) => {
                return Err(FieldError::BadArg {
                    name: name.into(),
                    arg: "both forms".into(),
                })
            }
            (Some(FieldArg::Key(k)), None) => Some(parse_arg(row, k)?),
            (Some(FieldArg::Index(i)), None) => Some(parse_arg(row, &i.to_string())?),
            (None, Some(k)) => Some(FieldArg::Key(k.into())),
            (None, None) => None,
        };
        match (row.arg, &arg) {
            (ArgKind::Index | ArgKind::Key | ArgKind::IndexOrKey, None) => {
                Err(FieldError::MissingArg(row.name.into()))
            }
            (ArgKind::None, Some(_)) => Err(FieldError::UnexpectedArg(row.name.into())),
            (_, Some(FieldArg::Key(k))) if row.name == RAWARG && evt::rawarg_type(k).is_none() => {
                Err(FieldError::UnknownEventArg(k.clone()))
            }
            _ => Ok(Resolved { row, arg }),
        }
    }

    /// The row's type; `evt.rawarg.NAME` has the type of the parameter
    /// NAME, as in libsinsp, so that `evt.rawarg.res < 0` compares numbers.
    fn field_type(&self, field: &Resolved) -> FieldType {
        match &field.arg {
            Some(FieldArg::Key(k)) if field.row.name == RAWARG => {
                evt::rawarg_type(k).unwrap_or(field.row.ftype)
            }
            _ => field.row.ftype,
        }
    }

    fn extract<'a>(&self, field: &Resolved, ev: &Ctx<'a>, out: &mut Vec<Value<'a>>) {
        (field.row.extract)(ev, field.arg.as_ref(), out)
    }

    fn extract_for_output<'a>(&self, field: &Resolved, ev: &Ctx<'a>, out: &mut Vec<Value<'a>>) {
        let shown = field
            .arg
            .is_none()
            .then(|| proc::output_form(field.row.name));
        match shown.flatten() {
            Some(show) => show(ev, None, out),
            None => self.extract(field, ev, out),
        }
    }

    fn event_code(&self, ev: &Ctx<'_>) -> Option<u16> {
        Some(ev.ev.evt_type)
    }
}

/// `falco --list` text for the syscall source.
pub fn list_text() -> String {
    let mut s = String::new();
    for c in CLASSES {
        s.push_str(&format!("\n-------------------------------------------------------------------------------\nField Class:                  {} ({})\nEvent Sources:                syscall\n\n{}\n\n", c.name, c.desc, c.desc));
        for f in c.fields.iter().filter(|f| !c.unlisted.contains(&f.name)) {
            let arg = match f.arg {
                ArgKind::None => "",
                _ => "[...]",
            };
            s.push_str(&format!(
                "{:<30}{:<12}{}\n",
                format!("{}{}", f.name, arg),
                f.ftype.name(),
                f.desc
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_leaves_out_table_print_only_and_deprecated_fields_which_still_resolve() {
        let text = list_text();
        let listed = |n: &str| text.lines().any(|l| l.split_whitespace().next() == Some(n));
        assert!(listed("proc.pgid") && listed("fdlist.names") && listed("evt.deltatime"));
        let src = SyscallFields::new();
        for c in CLASSES {
            for n in c.unlisted {
                assert!(!listed(n), "{n} is listed");
                assert!(src.row(n).is_some(), "{n} is not a field");
            }
        }
    }

    #[test]
    fn rawarg_has_its_parameters_type_and_refuses_unknown_parameters() {
        let src = SyscallFields::new();
        let ty = |name: &str| src.field_type(&src.resolve(name, None).unwrap());
        assert_eq!(ty("evt.rawarg.res"), FieldType::Errno);
        assert_eq!(ty("evt.rawarg.fd"), FieldType::Fd);
        assert_eq!(ty("evt.rawarg.name"), FieldType::CharBuf);
        assert!(matches!(
            src.resolve("evt.rawarg.no_such_param", None),
            Err(FieldError::UnknownEventArg(a)) if a == "no_such_param"
        ));
    }
}
