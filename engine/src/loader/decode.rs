//! Reading typed values out of YAML items, with Falco's messages
//! (`decode_val`, `decode_optional_val`, `decode_seq` of the reader).

use super::context::{Context, ItemType};
use super::result::{Check, Fail};
use super::yaml::Node;

/// The scalar under `key`, checked the way Falco checks it. `None` when
/// the key is absent and `optional`.
pub(crate) fn scalar<'n>(
    item: &'n Node,
    key: &str,
    ctx: &Context,
    optional: bool,
) -> Check<Option<(&'n Node, Context)>> {
    let Some(value) = item.get(key) else {
        if optional {
            return Ok(None);
        }
        return Err(Fail::yaml(
            format!("Item has no mapping for key '{key}'"),
            ctx,
        ));
    };
    if value.is_null() {
        return Err(Fail::yaml(format!("Mapping for key '{key}' is empty"), ctx));
    }
    let value_ctx = ctx.child(value.start, ItemType::ValueFor, key);
    match value.as_scalar() {
        None => Err(Fail::yaml("Value is not a scalar value", &value_ctx)),
        Some("") => Err(Fail::yaml("Value must be non-empty", &value_ctx)),
        Some(_) => Ok(Some((value, value_ctx))),
    }
}

fn text(node: &Node) -> &str {
    node.as_scalar().unwrap_or_default()
}

pub(crate) fn string(item: &Node, key: &str, ctx: &Context) -> Check<String> {
    let (node, _) = required(scalar(item, key, ctx, false)?, key, ctx)?;
    Ok(text(node).to_owned())
}

pub(crate) fn optional_string(item: &Node, key: &str, ctx: &Context) -> Check<Option<String>> {
    Ok(scalar(item, key, ctx, true)?.map(|(node, _)| text(node).to_owned()))
}

/// The node of a required string value (its position is needed).
pub(crate) fn string_node<'n>(item: &'n Node, key: &str, ctx: &Context) -> Check<&'n Node> {
    Ok(required(scalar(item, key, ctx, false)?, key, ctx)?.0)
}

pub(crate) fn boolean(item: &Node, key: &str, ctx: &Context) -> Check<bool> {
    let (node, value_ctx) = required(scalar(item, key, ctx, false)?, key, ctx)?;
    parse_bool(text(node)).ok_or_else(|| cant_decode(&value_ctx))
}

pub(crate) fn optional_bool(item: &Node, key: &str, ctx: &Context) -> Check<Option<bool>> {
    match scalar(item, key, ctx, true)? {
        None => Ok(None),
        Some((node, value_ctx)) => parse_bool(text(node))
            .map(Some)
            .ok_or_else(|| cant_decode(&value_ctx)),
    }
}

pub(crate) fn optional_u32(item: &Node, key: &str, ctx: &Context) -> Check<Option<u32>> {
    match scalar(item, key, ctx, true)? {
        None => Ok(None),
        Some((node, value_ctx)) => parse_u32(text(node))
            .map(Some)
            .ok_or_else(|| cant_decode(&value_ctx)),
    }
}

pub(crate) fn u32_value(item: &Node, key: &str, ctx: &Context) -> Check<u32> {
    let (node, value_ctx) = required(scalar(item, key, ctx, false)?, key, ctx)?;
    parse_u32(text(node)).ok_or_else(|| cant_decode(&value_ctx))
}

fn required<T>(value: Option<T>, key: &str, ctx: &Context) -> Check<T> {
    value.ok_or_else(|| Fail::yaml(format!("Item has no mapping for key '{key}'"), ctx))
}

fn cant_decode(ctx: &Context) -> Fail {
    Fail::yaml("Can't decode YAML scalar value", ctx)
}

/// The scalar entries of the sequence under `key` (`items`, `tags`).
pub(crate) fn string_seq<'n>(
    item: &'n Node,
    key: &str,
    ctx: &Context,
    optional: bool,
) -> Check<Option<Vec<&'n Node>>> {
    let Some(value) = item.get(key) else {
        if optional {
            return Ok(None);
        }
        return Err(Fail::yaml(
            format!("Item has no mapping for key '{key}'"),
            ctx,
        ));
    };
    let value_ctx = ctx.child(value.start, ItemType::ValueFor, key);
    let Some(entries) = value.as_seq() else {
        return Err(Fail::yaml("Value is not a sequence", &value_ctx));
    };
    for entry in entries {
        if entry.as_scalar().is_none() {
            let entry_ctx = value_ctx.child(entry.start, ItemType::ListItem, "");
            return Err(Fail::yaml("sequence value is not scalar", &entry_ctx));
        }
    }
    Ok(Some(entries.iter().collect()))
}

/// yaml-cpp's boolean: y/n, yes/no, true/false, on/off, in lower case,
/// upper case, or capitalized.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    let mut chars = text.chars();
    let first_upper = chars.next().is_some_and(|c| c.is_ascii_uppercase());
    let rest: String = chars.collect();
    let flexible = text == text.to_ascii_lowercase()
        || text == text.to_ascii_uppercase()
        || (first_upper && rest == rest.to_ascii_lowercase());
    if !flexible {
        return None;
    }
    match text.to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" | "on" => Some(true),
        "n" | "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

/// yaml-cpp's unsigned integer: read like a C++ stream with base
/// detection (0x hex, leading 0 octal), trailing blanks allowed, nothing
/// else after the number, no minus sign.
pub(crate) fn parse_u32(text: &str) -> Option<u32> {
    let body = text.trim_end_matches([' ', '\t', '\n', '\r', '\u{0B}', '\u{0C}']);
    let body = body.strip_prefix('+').unwrap_or(body);
    if body.is_empty() {
        return None;
    }
    let (digits, radix) =
        if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (hex, 16)
        } else if body.len() > 1 && body.starts_with('0') {
            (&body[1..], 8)
        } else {
            (body, 10)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_follow_yaml_cpp() {
        for yes in ["true", "True", "TRUE", "yes", "Y", "on", "On"] {
            assert_eq!(parse_bool(yes), Some(true), "{yes}");
        }
        for no in ["false", "FALSE", "no", "n", "off", "Off"] {
            assert_eq!(parse_bool(no), Some(false), "{no}");
        }
        for bad in ["tRue", "1", "", "enabled", "fALSE"] {
            assert_eq!(parse_bool(bad), None, "{bad}");
        }
    }

    #[test]
    fn unsigned_numbers_follow_yaml_cpp() {
        assert_eq!(parse_u32("26"), Some(26));
        assert_eq!(parse_u32("0x1A"), Some(26));
        assert_eq!(parse_u32("032"), Some(26));
        assert_eq!(parse_u32("+7 "), Some(7));
        assert_eq!(parse_u32("0"), Some(0));
        for bad in ["0.26.0", "-1", "seven", "", "4294967296", "08", "1e3"] {
            assert_eq!(parse_u32(bad), None, "{bad}");
        }
    }
}
