//! Lists: expanding list references inside lists, and substituting list
//! names in condition text before parsing — textually, exactly as Falco
//! does (`resolve_list` in rule_loader_compiler.cpp), so that
//! `proc.name in (shell_binaries, sh)`, list names in exception values
//! and even list names that are not valid identifiers behave as in Falco.

use super::collector::{Collector, ListItem};
use super::context::Context;
use super::exceptions::quote_item;
use super::mapped_text::MappedText;

/// A list after expansion of the lists it refers to.
#[derive(Debug, Clone)]
pub(crate) struct CompiledList {
    pub name: String,
    pub items: Vec<ListItem>,
    pub used: bool,
    pub ctx: Context,
}

/// Expands, in each list, items naming a list defined before this list's
/// last definition (with that list's own items, one level, as Falco).
pub(crate) fn compile_lists(collector: &Collector) -> Vec<CompiledList> {
    let mut used = Vec::new();
    let mut out: Vec<CompiledList> = Vec::new();
    for list in collector.lists.iter() {
        let mut items = Vec::new();
        for item in &list.items {
            match collector.lists.get(&item.text) {
                Some(other) if other.index < list.visibility => {
                    used.push(other.name.clone());
                    items.extend(other.items.iter().cloned());
                }
                _ => items.push(item.clone()),
            }
        }
        out.push(CompiledList {
            name: list.name.clone(),
            items,
            used: false,
            ctx: list.ctx.clone(),
        });
    }
    for name in used {
        if let Some(list) = out.iter_mut().find(|l| l.name == name) {
            list.used = true;
        }
    }
    out
}

const BLANKS: &[u8] = b" \t\n\r";

fn is_delim(byte: u8) -> bool {
    BLANKS.contains(&byte) || b"(),=".contains(&byte)
}

/// Replaces every occurrence of the list's name that stands between
/// delimiters (blanks, `(`, `)`, `,`, `=`, or the ends of the text) with
/// the list's items joined by ", ". Returns whether any was replaced.
pub(crate) fn substitute_list(cond: &mut MappedText, list: &CompiledList) -> bool {
    let name = list.name.as_str();
    if name.is_empty() {
        return false;
    }
    let mut used = false;
    let mut from = 0;
    while let Some(found) = find_from(cond.text(), name, from) {
        let bytes = cond.text().as_bytes();
        let end = found + name.len();
        let before_ok = found == 0 || is_delim(bytes[found - 1]);
        let after_ok = end >= bytes.len() || is_delim(bytes[end]);
        if !(before_ok && after_ok) {
            from = found + 1;
            continue;
        }
        let at = cond.locate(found);
        let (mut start, mut stop) = (found, end);
        while start > 0 && BLANKS.contains(&bytes[start - 1]) {
            start -= 1;
        }
        while stop < bytes.len() && BLANKS.contains(&bytes[stop]) {
            stop += 1;
        }
        let mut sub = MappedText::default();
        for (i, item) in list.items.iter().enumerate() {
            if i > 0 {
                sub.push_point(", ", at);
            }
            sub.push_point(&quote_item(&item.text), item.pos);
        }
        // An empty list takes a neighbouring comma with it.
        if sub.text().is_empty() {
            if start > 0 && bytes[start - 1] == b',' {
                start -= 1;
            } else if stop < bytes.len() && bytes[stop] == b',' {
                stop += 1;
            }
        }
        let mut replacement = MappedText::default();
        if start > 0 {
            replacement.push_point(" ", at);
        }
        let sub_len = sub.len();
        replacement.push(&sub);
        replacement.push_point(" ", at);
        cond.splice(start..stop, &replacement);
        used = true;
        from = start + sub_len + 2;
    }
    used
}

/// `text.find(pattern)` from byte `from` (moved to a char boundary).
fn find_from(text: &str, pattern: &str, from: usize) -> Option<usize> {
    let mut from = from;
    while from < text.len() && !text.is_char_boundary(from) {
        from += 1;
    }
    // memmem: most conditions do not hold most list names, and a
    // substring searcher's setup per (condition, list) pair dominated
    // rule loading.
    memchr::memmem::find(text.get(from..)?.as_bytes(), pattern.as_bytes()).map(|at| at + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(name: &str, items: &[&str]) -> CompiledList {
        CompiledList {
            name: name.into(),
            items: items
                .iter()
                .enumerate()
                .map(|(i, t)| ListItem {
                    text: (*t).into(),
                    pos: 1000 + i,
                })
                .collect(),
            used: false,
            ctx: Context::file("t.yaml"),
        }
    }

    fn substituted(cond: &str, l: &CompiledList) -> (String, bool) {
        let mut text = MappedText::point(cond, 0);
        let used = substitute_list(&mut text, l);
        (text.text().to_owned(), used)
    }

    #[test]
    fn substitutes_like_falco() {
        let shells = list("shells", &["bash", "my sh"]);
        assert_eq!(
            substituted("proc.name in (shells)", &shells),
            ("proc.name in ( bash, \"my sh\" )".into(), true)
        );
        assert_eq!(
            substituted("proc.name in (a, shells, b)", &shells),
            ("proc.name in (a, bash, \"my sh\" , b)".into(), true)
        );
        assert!(!substituted("proc.name in (shellsx)", &shells).1);
        assert!(!substituted("proc.name = \"shells\"", &shells).1);
        let empty = list("none", &[]);
        assert_eq!(
            substituted("x.y in (a, none)", &empty),
            ("x.y in (a  )".into(), true)
        );
        assert_eq!(
            substituted("x.y in (none, a)", &empty),
            ("x.y in (   a)".into(), true)
        );
        // Two occurrences, and a name that is not an identifier.
        let odd = list("test list", &["open"]);
        assert_eq!(
            substituted("evt.type in (test list) or evt.type in (test list)", &odd),
            ("evt.type in ( open ) or evt.type in ( open )".into(), true)
        );
    }

    #[test]
    fn substituted_items_point_at_their_list_item() {
        let shells = list("shells", &["bash", "zsh"]);
        let mut text = MappedText::point("proc.name in (shells)", 7);
        substitute_list(&mut text, &shells);
        let z = text.text().find("zsh").unwrap();
        assert_eq!(text.locate(z), 1001);
        assert_eq!(text.locate(text.text().find(',').unwrap()), 7);
    }
}
