//! Output formats: Falco's `%field`, `%field[arg]` and `%(field)`
//! substitution, with `<NA>` for values the event does not have.

use crate::field::{Ctx, FieldArg, FieldError, FieldSource};
use crate::fields::{Resolved, SyscallFields};
use crate::value::Value;
use std::fmt::Write;

#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    /// The field as written in the format (`proc.aname[2]`) and resolved.
    Field(String, Resolved),
}

/// A compiled output format.
#[derive(Debug, Clone)]
pub struct Formatter {
    pieces: Vec<Piece>,
}

fn is_field_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.')
}

impl Formatter {
    /// Compiles `fmt`; every field must exist.
    pub fn new(fields: &SyscallFields, fmt: &str) -> Result<Formatter, FieldError> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut rest = fmt;
        while let Some(i) = rest.find('%') {
            text.push_str(&rest[..i]);
            rest = &rest[i + 1..];
            let paren = rest.starts_with('(');
            let (name, arg, after) = if let Some(r) = rest.strip_prefix('(') {
                let end = r
                    .find(')')
                    .ok_or_else(|| FieldError::Unknown(format!("%({r}")))?;
                let inner = &r[..end];
                let (n, a) = split_arg(inner);
                (n.to_string(), a, &r[end + 1..])
            } else {
                let end = rest.find(|c: char| !is_field_char(c)).unwrap_or(rest.len());
                let name = &rest[..end];
                let mut after = &rest[end..];
                let mut arg = None;
                if let Some(r) = after.strip_prefix('[') {
                    if let Some(close) = r.find(']') {
                        arg = Some(r[..close].to_string());
                        after = &r[close + 1..];
                    }
                }
                (name.to_string(), arg, after)
            };
            if name.is_empty() {
                text.push('%');
                rest = after;
                continue;
            }
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            let (written, field, after) = match resolve_token(fields, &name, arg) {
                Ok(whole) => (whole.0, whole.1, after),
                Err(err) if paren => return Err(err),
                Err(err) => {
                    // libsinsp: the longest prefix that is a field, the
                    // rest of the token is text (`%user.name.`).
                    let (len, f) = (1..name.len())
                        .rev()
                        .map(|n| &name[..n])
                        .filter(|p| !p.ends_with('.'))
                        .find_map(|p| fields.resolve(p, None).ok().map(|f| (p.len(), f)))
                        .ok_or(err)?;
                    let at = fmt.len() - rest.len() + len;
                    (name[..len].to_string(), f, &fmt[at..])
                }
            };
            pieces.push(Piece::Field(written, field));
            rest = after;
        }
        text.push_str(rest);
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Formatter { pieces })
    }

    /// Renders the format for one event.
    pub fn format(&self, fields: &SyscallFields, c: &Ctx<'_>) -> String {
        let mut s = String::new();
        let mut vals = Vec::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => s.push_str(t),
                Piece::Field(_, f) => {
                    vals.clear();
                    fields.extract_for_output(f, c, &mut vals);
                    if vals.is_empty() {
                        s.push_str("<NA>");
                    }
                    for (i, v) in vals.iter().enumerate() {
                        if i > 0 {
                            s.push(',');
                        }
                        let at = s.len();
                        let _ = write!(s, "{v}");
                        // Control characters never reach an output line.
                        if s[at..].chars().any(char::is_control) {
                            let clean: String =
                                s[at..].chars().filter(|c| !c.is_control()).collect();
                            s.truncate(at);
                            s.push_str(&clean);
                        }
                    }
                }
            }
        }
        s
    }
}

impl Formatter {
    /// Calls `each` with every field of the format, as written, and its
    /// values for this event (empty when the event has none), in format
    /// order; a field written twice is reported twice.
    pub fn for_each_field(
        &self,
        fields: &SyscallFields,
        c: &Ctx<'_>,
        mut each: impl FnMut(&str, &[Value<'_>]),
    ) {
        let mut vals = Vec::new();
        for p in &self.pieces {
            if let Piece::Field(name, f) = p {
                vals.clear();
                fields.extract_for_output(f, c, &mut vals);
                each(name, &vals);
            }
        }
    }
}

/// A field and its optional `[arg]`, resolved, with its name as written.
fn resolve_token(
    fields: &SyscallFields,
    name: &str,
    arg: Option<String>,
) -> Result<(String, Resolved), FieldError> {
    let written = match &arg {
        Some(a) => format!("{name}[{a}]"),
        None => name.to_string(),
    };
    let arg = arg.map(|a| a.parse().map(FieldArg::Index).unwrap_or(FieldArg::Key(a)));
    Ok((written, fields.resolve(name, arg.as_ref())?))
}

fn split_arg(s: &str) -> (&str, Option<String>) {
    match s.find('[') {
        Some(i) if s.ends_with(']') => (&s[..i], Some(s[i + 1..s.len() - 1].to_string())),
        _ => (s, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of(fmt: &str) -> Vec<String> {
        let f = Formatter::new(&SyscallFields::new(), fmt).unwrap();
        f.pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => format!("text:{t}"),
                Piece::Field(n, _) => format!("field:{n}"),
            })
            .collect()
    }

    #[test]
    fn a_token_is_its_longest_field_prefix_and_the_rest_is_text() {
        assert_eq!(
            fields_of("user=%user.name. dest=%fd.sip:%fd.sport %proc.aname[2]x %fd.sip.namez"),
            [
                "text:user=",
                "field:user.name",
                "text:. dest=",
                "field:fd.sip",
                "text::",
                "field:fd.sport",
                "text: ",
                "field:proc.aname[2]",
                "text:x ",
                "field:fd.sip.name",
                "text:z",
            ]
        );
        assert!(Formatter::new(&SyscallFields::new(), "x %fd.dport").is_err());
        assert!(Formatter::new(&SyscallFields::new(), "x %(user.name.)").is_err());
    }
}
