//! Replacing macro references in condition trees with the macros' trees
//! (Falco's filter_macro_resolver): recursively, with loop detection, and
//! — for macros — only using macros visible at their definition.

use crate::condition::ast::{Expr, ExprKind};
use std::collections::HashMap;

/// How deep a condition tree may be once macros are expanded (Falco's
/// parser stops at the same depth).
pub const MAX_EXPANDED_DEPTH: usize = 1000;

/// How many tree nodes macro expansion may copy into one condition.
pub const MAX_EXPANDED_NODES: usize = 1_000_000;

/// What went wrong resolving one condition: Falco's message and the
/// global offset of the reference it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResolveError {
    pub message: String,
    pub pos: usize,
}

pub(crate) struct Resolver<'m> {
    macros: HashMap<&'m str, &'m Expr>,
    path: Vec<&'m str>,
    pub resolved: Vec<String>,
    loop_error: Option<ResolveError>,
    unknown: Option<ResolveError>,
    limit: Option<ResolveError>,
    copied: usize,
}

impl<'m> Resolver<'m> {
    pub fn new(macros: impl IntoIterator<Item = (&'m str, &'m Expr)>) -> Self {
        Resolver {
            macros: macros.into_iter().collect(),
            path: Vec::new(),
            resolved: Vec::new(),
            loop_error: None,
            unknown: None,
            limit: None,
            copied: 0,
        }
    }

    /// Resolves every reference in `expr`. The first problem is reported
    /// as Falco picks it: a reference loop first, else an undefined macro.
    pub fn run(mut self, expr: &mut Expr) -> Result<Vec<String>, ResolveError> {
        self.visit(expr, 0);
        match self.limit.or(self.loop_error).or(self.unknown) {
            Some(err) => Err(err),
            None => Ok(self.resolved),
        }
    }

    fn visit(&mut self, expr: &mut Expr, depth: usize) {
        if self.limit.is_some() {
            return;
        }
        if depth > MAX_EXPANDED_DEPTH {
            self.limit = Some(ResolveError {
                message: format!("condition nested deeper than {MAX_EXPANDED_DEPTH} levels once macros are expanded"),
                pos: expr.pos.offset,
            });
            return;
        }
        match &mut expr.kind {
            ExprKind::And(children) | ExprKind::Or(children) => children
                .iter_mut()
                .for_each(|child| self.visit(child, depth + 1)),
            ExprKind::Not(child) => self.visit(child, depth + 1),
            ExprKind::Compare { .. } | ExprKind::Unary { .. } => {}
            ExprKind::MacroRef(name) => {
                let pos = expr.pos.offset;
                let Some((&key, &body)) = self.macros.get_key_value(name.as_str()) else {
                    self.unknown.get_or_insert(ResolveError {
                        message: format!("Undefined macro '{name}' used in filter."),
                        pos,
                    });
                    return;
                };
                if self.path.contains(&key) {
                    self.loop_error.get_or_insert(ResolveError {
                        message: format!("reference loop in macro '{key}'"),
                        pos,
                    });
                    return;
                }
                self.copied += size(body);
                if self.copied > MAX_EXPANDED_NODES {
                    self.limit = Some(ResolveError {
                        message: format!("condition larger than {MAX_EXPANDED_NODES} nodes once macros are expanded"),
                        pos,
                    });
                    return;
                }
                self.path.push(key);
                let mut copy = body.clone();
                self.visit(&mut copy, depth);
                self.path.pop();
                self.resolved.push(key.to_owned());
                *expr = copy;
            }
        }
    }
}

fn size(expr: &Expr) -> usize {
    match &expr.kind {
        ExprKind::And(children) | ExprKind::Or(children) => {
            1 + children.iter().map(size).sum::<usize>()
        }
        ExprKind::Not(child) => 1 + size(child),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::{parse_condition, print_condition};

    fn resolve(macros: &[(&str, &str)], src: &str) -> Result<(String, Vec<String>), String> {
        let bodies: Vec<(&str, Expr)> = macros
            .iter()
            .map(|(n, c)| (*n, parse_condition(c).unwrap()))
            .collect();
        let mut expr = parse_condition(src).unwrap();
        let resolver = Resolver::new(bodies.iter().map(|(n, e)| (*n, e)));
        resolver
            .run(&mut expr)
            .map(|used| (print_condition(&expr), used))
            .map_err(|e| e.message)
    }

    #[test]
    fn expands_recursively() {
        let macros = [("a", "b or x.y = 1"), ("b", "p.q = 2")];
        let (text, used) = resolve(&macros, "not a and c.d exists").unwrap();
        assert_eq!(text, "not (p.q = 2 or x.y = 1) and c.d exists");
        assert_eq!(used, ["b", "a"]);
    }

    #[test]
    fn reports_loops_before_undefined_macros() {
        assert_eq!(
            resolve(&[], "nope").unwrap_err(),
            "Undefined macro 'nope' used in filter."
        );
        let looping = [("a", "b"), ("b", "a")];
        assert_eq!(
            resolve(&looping, "zzz or a").unwrap_err(),
            "reference loop in macro 'a'"
        );
    }

    #[test]
    fn bounds_exponential_expansion() {
        let mut macros = vec![("m0".to_owned(), "x.y = 1".to_owned())];
        for i in 1..40 {
            macros.push((format!("m{i}"), format!("m{0} and m{0}", i - 1)));
        }
        let refs: Vec<(&str, &str)> = macros
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let err = resolve(&refs, "m39").unwrap_err();
        assert!(err.contains("nodes") || err.contains("deeper"), "{err}");
    }
}
