//! The typed syntax tree of a Falco condition.
//!
//! Every node keeps the [`Pos`] where its text starts so that later stages
//! (macro expansion, the compiler) can point at the exact spot. Positions
//! take part in `==`; compare shapes with [`Expr::without_positions`].
//!
//! Invariants of a tree built by the parser (the printer relies on them):
//! `And`/`Or` have two or more children, and `a and (b and c)` stays nested
//! (the parser flattens only what was written without parentheses).

use std::fmt;

/// Where a node starts: byte offset into the condition text, and the
/// 1-based line and column (in characters) of that byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Pos {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// A boolean expression: the whole condition or any part of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `a and b and c`: true when every child is.
    And(Vec<Expr>),
    /// `a or b or c`: true when any child is.
    Or(Vec<Expr>),
    /// `not a`.
    Not(Box<Expr>),
    /// `lhs <op> rhs`, e.g. `proc.name in (bash, sh)`.
    Compare {
        lhs: FieldExpr,
        op: BinaryOp,
        rhs: Value,
    },
    /// `lhs exists`.
    Unary { lhs: FieldExpr, op: UnaryOp },
    /// A bare name standing for a check: a macro reference, expanded by the
    /// rules loader.
    MacroRef(String),
}

/// The operators that take no right-hand side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Exists,
}

/// The operators that compare a field with a value. `=` and `==` are the
/// same operator in Falco and both parse to [`BinaryOp::Eq`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    IContains,
    BContains,
    StartsWith,
    BStartsWith,
    EndsWith,
    Glob,
    IGlob,
    Regex,
    In,
    Intersects,
    PMatch,
}

/// Which kind of right-hand side an operator accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperandClass {
    /// A number (decimal or 0x hex) or a field.
    Numeric,
    /// A quoted or bare string or a field.
    String,
    /// An inline list, a list name, or a field.
    List,
}

impl BinaryOp {
    pub const ALL: [BinaryOp; 18] = [
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::Contains,
        BinaryOp::IContains,
        BinaryOp::BContains,
        BinaryOp::StartsWith,
        BinaryOp::BStartsWith,
        BinaryOp::EndsWith,
        BinaryOp::Glob,
        BinaryOp::IGlob,
        BinaryOp::Regex,
        BinaryOp::In,
        BinaryOp::Intersects,
        BinaryOp::PMatch,
    ];

    /// The canonical spelling (`=` for equality).
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Eq => "=",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Contains => "contains",
            BinaryOp::IContains => "icontains",
            BinaryOp::BContains => "bcontains",
            BinaryOp::StartsWith => "startswith",
            BinaryOp::BStartsWith => "bstartswith",
            BinaryOp::EndsWith => "endswith",
            BinaryOp::Glob => "glob",
            BinaryOp::IGlob => "iglob",
            BinaryOp::Regex => "regex",
            BinaryOp::In => "in",
            BinaryOp::Intersects => "intersects",
            BinaryOp::PMatch => "pmatch",
        }
    }

    /// Reads an operator as written (`==` included).
    pub fn from_token(token: &str) -> Option<BinaryOp> {
        if token == "==" {
            return Some(BinaryOp::Eq);
        }
        BinaryOp::ALL.into_iter().find(|op| op.as_str() == token)
    }

    pub fn operand_class(self) -> OperandClass {
        match self {
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => OperandClass::Numeric,
            BinaryOp::In | BinaryOp::Intersects | BinaryOp::PMatch => OperandClass::List,
            _ => OperandClass::String,
        }
    }
}

impl UnaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            UnaryOp::Exists => "exists",
        }
    }
}

/// The left side of a check (and a field on the right side).
#[derive(Debug, Clone, PartialEq)]
pub enum FieldExpr {
    Field(Field),
    /// `tolower(fd.name)`; transformers nest: `toupper(basename(fd.name))`.
    Transform {
        kind: TransformKind,
        inner: Box<FieldExpr>,
        pos: Pos,
    },
}

impl FieldExpr {
    pub fn pos(&self) -> Pos {
        match self {
            FieldExpr::Field(field) => field.pos,
            FieldExpr::Transform { pos, .. } => *pos,
        }
    }

    /// The field at the bottom of any transformers.
    pub fn base_field(&self) -> &Field {
        match self {
            FieldExpr::Field(field) => field,
            FieldExpr::Transform { inner, .. } => inner.base_field(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransformKind {
    ToLower,
    ToUpper,
    B64,
    Basename,
    Len,
}

impl TransformKind {
    pub const ALL: [TransformKind; 5] = [
        TransformKind::ToLower,
        TransformKind::ToUpper,
        TransformKind::B64,
        TransformKind::Basename,
        TransformKind::Len,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TransformKind::ToLower => "tolower",
            TransformKind::ToUpper => "toupper",
            TransformKind::B64 => "b64",
            TransformKind::Basename => "basename",
            TransformKind::Len => "len",
        }
    }

    pub fn from_name(name: &str) -> Option<TransformKind> {
        TransformKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// A field reference: `proc.name`, `proc.aname[2]`, `evt.arg[flags]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub arg: Option<FieldArg>,
    pub pos: Pos,
}

/// The bracketed argument of a field, unquoted and unescaped.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldArg {
    pub value: String,
    pub pos: Pos,
}

impl FieldArg {
    /// The argument as an index (`proc.aname[2]`), when it is one.
    pub fn as_index(&self) -> Option<u64> {
        self.value.parse().ok()
    }
}

/// The right side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A quoted or bare string, or a number (kept as written: the compiler
    /// converts it to the field's type).
    Str(Literal),
    /// An inline list: `(bash, sh, "c d")`.
    List { items: Vec<Literal>, pos: Pos },
    /// A list name after a list operator: `proc.name in shell_binaries`.
    ListRef { name: String, pos: Pos },
    /// Another field's value: `val(proc.pname)` when it is a plain field,
    /// `tolower(proc.pname)` when it is transformed.
    Field(FieldExpr),
}

impl Value {
    pub fn pos(&self) -> Pos {
        match self {
            Value::Str(literal) => literal.pos,
            Value::List { pos, .. } | Value::ListRef { pos, .. } => *pos,
            Value::Field(field) => field.pos(),
        }
    }
}

/// A string value after unquoting and unescaping. Bytes, not `String`:
/// `"\xFF"` is a valid Falco string that is not UTF-8.
#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    pub bytes: Vec<u8>,
    pub pos: Pos,
}

impl Literal {
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }
}

impl Expr {
    /// The same tree with every position zeroed, to compare shapes.
    pub fn without_positions(mut self) -> Expr {
        self.clear_positions();
        self
    }

    fn clear_positions(&mut self) {
        self.pos = Pos::default();
        match &mut self.kind {
            ExprKind::And(children) | ExprKind::Or(children) => {
                children.iter_mut().for_each(Expr::clear_positions)
            }
            ExprKind::Not(child) => child.clear_positions(),
            ExprKind::Compare { lhs, rhs, .. } => {
                lhs.clear_positions();
                rhs.clear_positions();
            }
            ExprKind::Unary { lhs, .. } => lhs.clear_positions(),
            ExprKind::MacroRef(_) => {}
        }
    }
}

impl FieldExpr {
    fn clear_positions(&mut self) {
        match self {
            FieldExpr::Field(field) => {
                field.pos = Pos::default();
                if let Some(arg) = &mut field.arg {
                    arg.pos = Pos::default();
                }
            }
            FieldExpr::Transform { inner, pos, .. } => {
                *pos = Pos::default();
                inner.clear_positions();
            }
        }
    }
}

impl Value {
    fn clear_positions(&mut self) {
        match self {
            Value::Str(literal) => literal.pos = Pos::default(),
            Value::List { items, pos } => {
                *pos = Pos::default();
                items.iter_mut().for_each(|item| item.pos = Pos::default());
            }
            Value::ListRef { pos, .. } => *pos = Pos::default(),
            Value::Field(field) => field.clear_positions(),
        }
    }
}
