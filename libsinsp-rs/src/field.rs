//! Fields: the rows of every field class, and the trait the rules engine
//! compiles conditions against.

use crate::inspector::Inspector;
use crate::value::{FieldType, Value};
use falco_scap::Event;

/// The argument a field reference carries: `proc.aname[2]`,
/// `evt.arg.name` / `evt.arg[name]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldArg {
    Index(u64),
    Key(String),
}

/// Which arguments a field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    None,
    /// `[N]` is required.
    Index,
    /// `[N]` may be given.
    OptionalIndex,
    /// `[name]` or `.name` is required.
    Key,
    /// `[name]` may be given.
    OptionalKey,
    /// `[N]`, `[name]` or `.name` is required.
    IndexOrKey,
    /// `[N]` or `[name]` may be given (`proc.aenv`).
    OptionalIndexOrKey,
}

/// What extraction reads: the event and the state after parsing it.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub ev: Event<'a>,
    pub insp: &'a Inspector,
}

/// Appends the values of a field for one event (none when not available).
pub type Extract = for<'a> fn(&Ctx<'a>, Option<&FieldArg>, &mut Vec<Value<'a>>);

/// One field: the row `falco --list` prints and its extractor.
#[derive(Clone, Copy)]
pub struct FieldRow {
    pub name: &'static str,
    pub ftype: FieldType,
    pub arg: ArgKind,
    pub desc: &'static str,
    pub extract: Extract,
}

impl std::fmt::Debug for FieldRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldRow")
            .field("name", &self.name)
            .field("ftype", &self.ftype)
            .finish()
    }
}

/// Why a field reference cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("unknown field '{0}'")]
    Unknown(String),
    #[error("field '{0}' requires an argument")]
    MissingArg(String),
    #[error("field '{0}' does not take an argument")]
    UnexpectedArg(String),
    #[error("field '{name}': bad argument '{arg}'")]
    BadArg { name: String, arg: String },
    /// `evt.rawarg.NAME` where no event has a parameter NAME.
    #[error("unknown event argument {0}")]
    UnknownEventArg(String),
}

impl FieldRow {
    /// A field that takes no argument.
    pub const fn plain(
        name: &'static str,
        ftype: FieldType,
        desc: &'static str,
        extract: Extract,
    ) -> FieldRow {
        FieldRow {
            name,
            ftype,
            arg: ArgKind::None,
            desc,
            extract,
        }
    }
}

/// What the rules engine needs from a field source: resolve names once at
/// load time, extract values per event.
pub trait FieldSource {
    /// What extraction reads for one event.
    type Event<'a>;
    /// A field resolved at load time.
    type Field: Clone + std::fmt::Debug;
    /// The `source:` name rules use (`syscall`).
    fn source_name(&self) -> &'static str;
    /// Resolves `name` (with its argument, if written as `[..]`).
    fn resolve(&self, name: &str, arg: Option<&FieldArg>) -> Result<Self::Field, FieldError>;
    /// The type of a resolved field.
    fn field_type(&self, field: &Self::Field) -> FieldType;
    /// Appends the field's values for `ev`; appends nothing when absent.
    fn extract<'a>(&self, field: &Self::Field, ev: &Self::Event<'a>, out: &mut Vec<Value<'a>>);
    /// Appends the values an output shows: what conditions compare, but
    /// for fields libsinsp renders otherwise in outputs (the ancestor
    /// fields without an index).
    fn extract_for_output<'a>(
        &self,
        field: &Self::Field,
        ev: &Self::Event<'a>,
        out: &mut Vec<Value<'a>>,
    ) {
        self.extract(field, ev, out)
    }
    /// The event's code in the event table, when the source has one: lets
    /// `evt.type` checks be evaluated as a set of codes.
    fn event_code(&self, _ev: &Self::Event<'_>) -> Option<u16> {
        None
    }
}
