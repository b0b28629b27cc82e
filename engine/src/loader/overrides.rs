//! The `override:` key of lists, macros and rules: which keys an item
//! appends to and which it replaces.

use super::context::{Context, ItemType};
use super::result::{Check, Fail};
use super::yaml::Node;
use std::collections::BTreeSet;

/// Keys a rule may append to.
pub(crate) const RULE_APPENDABLE: &[&str] = &["condition", "output", "desc", "tags", "exceptions"];

/// Keys a rule may replace.
pub(crate) const RULE_REPLACEABLE: &[&str] = &[
    "condition",
    "output",
    "desc",
    "priority",
    "tags",
    "exceptions",
    "enabled",
    "warn_evttypes",
    "skip-if-unknown-filter",
    "capture",
    "capture_duration",
];

#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Overrides {
    pub append: BTreeSet<String>,
    pub replace: BTreeSet<String>,
}

impl Overrides {
    pub fn is_empty(&self) -> bool {
        self.append.is_empty() && self.replace.is_empty()
    }
}

/// Reads `override:` of `item` (`ctx` is the item's context).
pub(crate) fn decode_overrides(
    item: &Node,
    appendable: &[&str],
    replaceable: &[&str],
    ctx: &Context,
) -> Check<Overrides> {
    let mut out = Overrides::default();
    let Some(value) = item.get("override") else {
        return Ok(out);
    };
    let override_ctx = ctx.child(item.start, ItemType::Override, "");
    let entries = match &value.kind {
        super::yaml::NodeKind::Map(entries) => entries.as_slice(),
        // yaml-cpp iterates a scalar or null as empty; a sequence breaks
        // its map iterator.
        super::yaml::NodeKind::Seq(_) => {
            return Err(Fail::validate(
                "invalid node; this may result from using a map iterator as a sequence iterator, or vice-versa",
                &Context::file(ctx.name()),
            ))
        }
        _ => &[],
    };
    for (key_node, op_node) in entries {
        let (Some(key), Some(op)) = (key_node.as_scalar(), op_node.as_scalar()) else {
            let at = if key_node.as_scalar().is_none() {
                key_node
            } else {
                op_node
            };
            return Err(Fail::validate(
                "bad conversion",
                &override_ctx.child(at.start, ItemType::ValueFor, ""),
            ));
        };
        let can_append = appendable.contains(&key);
        let can_replace = replaceable.contains(&key);
        let key_ctx = override_ctx.child(key_node.start, ItemType::Override, key);
        match op {
            "append" if !can_append => {
                return Err(Fail::yaml(
                    format!("Key '{key}' cannot be appended to, use 'replace' instead"),
                    &key_ctx,
                ))
            }
            "append" => {
                out.append.insert(key.to_owned());
            }
            "replace" if !can_replace => {
                return Err(Fail::yaml(
                    format!("Key '{key}' cannot be replaced"),
                    &key_ctx,
                ));
            }
            "replace" => {
                out.replace.insert(key.to_owned());
            }
            _ => {
                let mut message = format!(
                    "Invalid override operation for key '{key}': '{op}'. Allowed values are: "
                );
                if can_append {
                    message.push_str("append ");
                }
                if can_replace {
                    message.push_str("replace ");
                }
                let op_ctx = override_ctx.child(op_node.start, ItemType::ValueFor, key);
                return Err(Fail::yaml(message, &op_ctx));
            }
        }
    }
    Ok(out)
}
