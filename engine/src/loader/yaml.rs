//! Rules files through the one YAML reader ([`crate::yaml`]): every
//! document, each position mapped into the loaded file, and libyaml's
//! syntax errors prefixed with their line and column as Falco's are.

use super::sources::{Position, SourceFile};
use crate::yaml::{Documents, Error, Options};

pub(crate) use crate::yaml::Style;
pub(crate) type Node = crate::yaml::Node<Position>;
pub(crate) type NodeKind = crate::yaml::NodeKind<Position>;

/// Parses every document of `file`. A document with no content is a null
/// node.
pub(crate) fn parse_documents(file: &SourceFile) -> Result<Vec<Node>, Error<Position>> {
    let options = Options {
        documents: Documents::All,
        scalar_keys: false,
    };
    crate::yaml::parse(&file.text, options, |mark| file.position(mark.offset)).map_err(|err| {
        match err.syntax {
            Some(mark) => Error {
                message: format!(
                    "error at line {}, column {}: {}",
                    mark.line, mark.column, err.message
                ),
                ..err
            },
            None => err,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::sources::Sources;

    fn parse(text: &str) -> Result<Vec<Node>, Error<Position>> {
        let mut sources = Sources::default();
        let index = sources.add("t.yaml", text);
        parse_documents(sources.file(index))
    }

    #[test]
    fn positions_are_the_files() {
        let docs = parse("- rule: x\n  desc: é y\n").unwrap();
        let item = &docs[0].as_seq().unwrap()[0];
        let desc = item.get("desc").unwrap();
        assert_eq!(
            (desc.start.line, desc.start.column, desc.start.offset),
            (2, 9, 18)
        );
        assert_eq!(desc.end.offset, 22);
    }

    #[test]
    fn syntax_errors_say_where_in_the_message() {
        let err = parse("- a: [b\n- c: d\n").unwrap_err();
        assert!(
            err.message.starts_with("error at line 2, column 4: "),
            "{err:?}"
        );
        assert_eq!((err.pos.line, err.pos.column), (2, 4));
        let err = parse("- *nope\n").unwrap_err();
        assert_eq!(err.message, "the anchor 'nope' is not defined");
    }
}
