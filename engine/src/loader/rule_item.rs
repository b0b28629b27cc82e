//! Reading `- rule:` items: full definitions, `override:` appends and
//! replaces, the legacy `append: true`, and `enabled`-only entries.

use super::codes::WarningCode;
use super::collector::{RuleInfo, RuleUpdate};
use super::context::{Context, ItemType};
use super::decode;
use super::exceptions::read_exceptions;
use super::items::{Reader, ERROR_OVERRIDE_APPEND, WARNING_APPEND, WARNING_ENABLED};
use super::noop;
use super::overrides::{decode_overrides, RULE_APPENDABLE, RULE_REPLACEABLE};
use super::priority::Priority;
use super::result::{Check, Fail};
use super::yaml::Node;
use std::collections::{BTreeSet, HashSet};

/// The source of a rule that names none.
pub const DEFAULT_SOURCE: &str = "syscall";

pub(crate) fn read_rule(reader: &mut Reader<'_>, item: &Node, root: &Context) -> Check<()> {
    let tmp = root.child(item.start, ItemType::Rule, "");
    let name = decode::string(item, "rule", &tmp)?;
    let ctx = root.child(item.start, ItemType::Rule, &name);
    let append_flag = decode::optional_bool(item, "append", &ctx)?.unwrap_or(false);
    if append_flag {
        reader
            .res
            .warn(WarningCode::DeprecatedItem, WARNING_APPEND, &ctx);
    }
    let overrides = decode_overrides(item, RULE_APPENDABLE, RULE_REPLACEABLE, &ctx)?;
    if append_flag && !overrides.is_empty() {
        return Err(Fail::yaml(ERROR_OVERRIDE_APPEND, &ctx));
    }
    if !overrides.is_empty() {
        return read_overrides(reader, item, &name, &ctx, &overrides);
    }
    if append_flag {
        let mut update = RuleUpdate::default();
        if item.get("condition").is_some() {
            update.cond = Some(reader.mapped(decode::string_node(item, "condition", &ctx)?));
        }
        if item.get("exceptions").is_some() {
            update.exceptions = Some(read_exceptions(item, &ctx, true, reader.file, reader.res)?);
        }
        let noops = reader
            .collector
            .rules
            .get(&name)
            .map(|prev| noop::rule_append(prev, &update));
        reader
            .collector
            .append_rule(&name, update, &ctx, reader.sources)?;
        noop::report(reader.res, item, &ctx, noops.unwrap_or_default());
        return Ok(());
    }
    let defines = ["condition", "output", "desc", "priority"];
    if defines.iter().all(|key| item.get(key).is_none()) {
        let enabled = decode::boolean(item, "enabled", &ctx)?;
        reader
            .res
            .warn(WarningCode::DeprecatedItem, WARNING_ENABLED, &ctx);
        let noops = reader
            .collector
            .rules
            .get(&name)
            .and_then(|prev| noop::enable(prev, enabled));
        reader.collector.enable_rule(&name, enabled, &ctx)?;
        noop::report(reader.res, item, &ctx, noops.into_iter().collect());
        return Ok(());
    }
    let info = read_definition(reader, item, name, ctx)?;
    reader
        .collector
        .define_rule(info, reader.sources, reader.res)
}

fn read_definition(
    reader: &mut Reader<'_>,
    item: &Node,
    name: String,
    ctx: Context,
) -> Check<RuleInfo> {
    let cond_node = decode::string_node(item, "condition", &ctx)?;
    let cond_ctx = ctx.child(cond_node.start, ItemType::RuleCondition, "");
    let output_node = decode::string_node(item, "output", &ctx)?;
    let output_ctx = ctx.child(output_node.start, ItemType::RuleOutput, "");
    let desc = decode::string(item, "desc", &ctx)?;
    let priority = read_priority(item, &ctx)?;
    let source =
        decode::optional_string(item, "source", &ctx)?.unwrap_or_else(|| DEFAULT_SOURCE.to_owned());
    let enabled = decode::optional_bool(item, "enabled", &ctx)?.unwrap_or(true);
    let warn_evttypes = decode::optional_bool(item, "warn_evttypes", &ctx)?.unwrap_or(true);
    let skip = decode::optional_bool(item, "skip-if-unknown-filter", &ctx)?.unwrap_or(false);
    let capture = decode::optional_bool(item, "capture", &ctx)?.unwrap_or(false);
    let capture_duration = decode::optional_u32(item, "capture_duration", &ctx)?.unwrap_or(0);
    let tags = read_tags(item, &ctx)?.unwrap_or_default();
    let exceptions = read_exceptions(item, &ctx, false, reader.file, reader.res)?;
    Ok(RuleInfo {
        cond: reader.mapped(cond_node),
        output: trim(output_node.as_scalar().unwrap_or_default()).to_owned(),
        ctx,
        cond_ctx,
        output_ctx,
        index: 0,
        visibility: 0,
        unknown_source: false,
        name,
        source,
        desc,
        tags,
        exceptions,
        priority,
        enabled,
        warn_evttypes,
        skip_if_unknown_filter: skip,
        capture,
        capture_duration,
    })
}

/// Falco trims outputs with these blanks.
fn trim(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\n', '\r', '\u{0B}', '\u{0C}'])
}

fn read_priority(item: &Node, ctx: &Context) -> Check<Priority> {
    let node = decode::string_node(item, "priority", ctx)?;
    let text = node.as_scalar().unwrap_or_default();
    Priority::parse(text).ok_or_else(|| {
        Fail::yaml(
            "Invalid priority",
            &ctx.child(node.start, ItemType::RulePriority, ""),
        )
    })
}

fn read_tags(item: &Node, ctx: &Context) -> Check<Option<BTreeSet<String>>> {
    Ok(decode::string_seq(item, "tags", ctx, true)?.map(|nodes| {
        nodes
            .iter()
            .map(|n| n.as_scalar().unwrap_or_default().to_owned())
            .collect()
    }))
}

/// `override:` on a rule: the append part is applied first, then the
/// replace part; every overridable key given must be named under
/// `override`, and every key named must be given.
fn read_overrides(
    reader: &mut Reader<'_>,
    item: &Node,
    name: &str,
    ctx: &Context,
    overrides: &super::overrides::Overrides,
) -> Check<()> {
    let mut expected: HashSet<&str> = RULE_APPENDABLE
        .iter()
        .chain(RULE_REPLACEABLE)
        .copied()
        .filter(|key| item.get(key).is_some())
        .collect();
    let mut take = |set: &BTreeSet<String>, kind: &str, key: &str| -> Check<bool> {
        if !set.contains(key) {
            return Ok(false);
        }
        if !expected.remove(key) {
            return Err(Fail::yaml(
                format!("An {kind} override for '{key}' was specified but '{key}' is not defined"),
                ctx,
            ));
        }
        Ok(true)
    };
    if !overrides.append.is_empty() {
        let set = &overrides.append;
        let mut update = RuleUpdate::default();
        if take(set, "append", "condition")? {
            update.cond = Some(reader.mapped(decode::string_node(item, "condition", ctx)?));
        }
        if take(set, "append", "exceptions")? {
            update.exceptions = Some(read_exceptions(item, ctx, true, reader.file, reader.res)?);
        }
        if take(set, "append", "output")? {
            update.output = Some(decode::string(item, "output", ctx)?);
        }
        if take(set, "append", "desc")? {
            update.desc = Some(decode::string(item, "desc", ctx)?);
        }
        if take(set, "append", "tags")? {
            update.tags = read_tags(item, ctx)?;
        }
        let noops = reader
            .collector
            .rules
            .get(name)
            .map(|prev| noop::rule_append(prev, &update));
        reader
            .collector
            .append_rule(name, update, ctx, reader.sources)?;
        noop::report(reader.res, item, ctx, noops.unwrap_or_default());
    }
    if !overrides.replace.is_empty() {
        let set = &overrides.replace;
        let mut update = RuleUpdate::default();
        if take(set, "replace", "condition")? {
            update.cond = Some(reader.mapped(decode::string_node(item, "condition", ctx)?));
        }
        if take(set, "replace", "exceptions")? {
            update.exceptions = Some(read_exceptions(item, ctx, false, reader.file, reader.res)?);
        }
        if take(set, "replace", "output")? {
            update.output = Some(decode::string(item, "output", ctx)?);
        }
        if take(set, "replace", "desc")? {
            update.desc = Some(decode::string(item, "desc", ctx)?);
        }
        if take(set, "replace", "tags")? {
            update.tags = read_tags(item, ctx)?;
        }
        if take(set, "replace", "priority")? {
            update.priority = Some(read_priority(item, ctx)?);
        }
        if take(set, "replace", "enabled")? {
            update.enabled = Some(decode::boolean(item, "enabled", ctx)?);
        }
        if take(set, "replace", "warn_evttypes")? {
            update.warn_evttypes = Some(decode::boolean(item, "warn_evttypes", ctx)?);
        }
        if take(set, "replace", "skip-if-unknown-filter")? {
            update.skip_if_unknown_filter =
                Some(decode::boolean(item, "skip-if-unknown-filter", ctx)?);
        }
        if take(set, "replace", "capture")? {
            update.capture = Some(decode::boolean(item, "capture", ctx)?);
        }
        if take(set, "replace", "capture_duration")? {
            update.capture_duration = Some(decode::u32_value(item, "capture_duration", ctx)?);
        }
        let noops = reader
            .collector
            .rules
            .get(name)
            .map(|prev| noop::rule_replace(prev, &update));
        reader
            .collector
            .replace_rule(name, update, ctx, reader.sources)?;
        noop::report(reader.res, item, ctx, noops.unwrap_or_default());
    }
    let mut left: Vec<&str> = expected.into_iter().collect();
    left.sort_unstable();
    if let Some(key) = left.first() {
        let at = item.get(key).map_or(item.start, |n| n.start);
        let key_ctx = ctx.child(at, ItemType::Override, key);
        return Err(Fail::yaml(
            format!("Unexpected key '{key}': no corresponding entry under 'override' is defined."),
            &key_ctx,
        ));
    }
    Ok(())
}
