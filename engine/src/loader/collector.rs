//! The collector: every list, macro and rule read so far (across files),
//! with Falco's ordering bookkeeping, and the define / append / replace /
//! enable operations of rule_loader_collector.cpp.
//!
//! Each definition gets an `index` (when its name was first defined) and
//! a `visibility` (when it was last defined or appended to). A macro or
//! list can only use macros and lists whose index is below its own
//! visibility; rules see everything.

use super::codes::WarningCode;
use super::context::Context;
use super::exceptions::{validate_exception, ExceptionInfo};
use super::mapped_text::MappedText;
use super::priority::Priority;
use super::result::{Check, Fail, FileResult};
use super::version::{PluginRequirement, Version, ENGINE_VERSION};
use super::EventSource;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Definitions kept in first-definition order, found by name.
#[derive(Debug, Clone)]
pub(crate) struct Indexed<T> {
    items: Vec<T>,
    by_name: HashMap<String, usize>,
}

impl<T> Default for Indexed<T> {
    fn default() -> Self {
        Indexed {
            items: Vec::new(),
            by_name: HashMap::new(),
        }
    }
}

impl<T> Indexed<T> {
    pub fn get(&self, name: &str) -> Option<&T> {
        self.by_name.get(name).map(|&i| &self.items[i])
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        self.by_name.get(name).map(|&i| &mut self.items[i])
    }

    /// Replaces the definition of that name in place, or adds it.
    pub fn put(&mut self, name: &str, item: T) {
        match self.by_name.get(name) {
            Some(&i) => self.items[i] = item,
            None => {
                self.by_name.insert(name.to_owned(), self.items.len());
                self.items.push(item);
            }
        }
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }
}

/// A list item and the global offset of its YAML scalar.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ListItem {
    pub text: String,
    pub pos: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct ListInfo {
    pub ctx: Context,
    pub index: usize,
    pub visibility: usize,
    pub name: String,
    pub items: Vec<ListItem>,
}

#[derive(Debug, Clone)]
pub(crate) struct MacroInfo {
    pub ctx: Context,
    pub cond_ctx: Context,
    pub index: usize,
    pub visibility: usize,
    pub name: String,
    pub cond: MappedText,
}

#[derive(Debug, Clone)]
pub(crate) struct RuleInfo {
    pub ctx: Context,
    pub cond_ctx: Context,
    pub output_ctx: Context,
    pub index: usize,
    pub visibility: usize,
    pub unknown_source: bool,
    pub name: String,
    pub cond: MappedText,
    pub source: String,
    pub desc: String,
    pub output: String,
    pub tags: BTreeSet<String>,
    pub exceptions: Vec<ExceptionInfo>,
    pub priority: Priority,
    pub enabled: bool,
    pub warn_evttypes: bool,
    pub skip_if_unknown_filter: bool,
    pub capture: bool,
    pub capture_duration: u32,
}

/// An `append`/`override` of an existing rule: only the keys given.
#[derive(Debug, Clone, Default)]
pub(crate) struct RuleUpdate {
    pub cond: Option<MappedText>,
    pub output: Option<String>,
    pub desc: Option<String>,
    pub tags: Option<BTreeSet<String>>,
    pub exceptions: Option<Vec<ExceptionInfo>>,
    pub priority: Option<Priority>,
    pub enabled: Option<bool>,
    pub warn_evttypes: Option<bool>,
    pub skip_if_unknown_filter: Option<bool>,
    pub capture: Option<bool>,
    pub capture_duration: Option<u32>,
}

impl RuleUpdate {
    fn has_any_value(&self) -> bool {
        self.cond.is_some()
            || self.output.is_some()
            || self.desc.is_some()
            || self.tags.is_some()
            || self.exceptions.is_some()
            || self.priority.is_some()
            || self.enabled.is_some()
            || self.warn_evttypes.is_some()
            || self.skip_if_unknown_filter.is_some()
            || self.capture.is_some()
            || self.capture_duration.is_some()
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Collector {
    pub lists: Indexed<ListInfo>,
    pub macros: Indexed<MacroInfo>,
    pub rules: Indexed<RuleInfo>,
    pub required_engine_version: Option<Version>,
    pub required_plugin_versions: Vec<Vec<PluginRequirement>>,
    next_index: usize,
}

pub(crate) const ERROR_NO_PREVIOUS_MACRO: &str =
    "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists";
pub(crate) const ERROR_NO_PREVIOUS_LIST: &str =
    "List uses 'append' or 'override.items: append' but no list by that name already exists";
pub(crate) const ERROR_NO_PREVIOUS_RULE_APPEND: &str =
    "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists";
pub(crate) const ERROR_NO_PREVIOUS_RULE_REPLACE: &str =
    "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists";

impl Collector {
    fn next(&mut self) -> usize {
        let id = self.next_index;
        self.next_index += 1;
        id
    }

    pub fn define_engine_version(&mut self, version: Version, ctx: &Context) -> Check<()> {
        if !ENGINE_VERSION.compatible_with(version) {
            return Err(Fail::validate(
                format!("Rules require engine version {version}, but engine version is {ENGINE_VERSION}"),
                ctx,
            ));
        }
        if self.required_engine_version.is_none_or(|max| max < version) {
            self.required_engine_version = Some(version);
        }
        Ok(())
    }

    pub fn define_plugin_versions(
        &mut self,
        alternatives: Vec<PluginRequirement>,
        ctx: &Context,
    ) -> Check<()> {
        let mut names = HashSet::new();
        for req in &alternatives {
            if Version::parse(&req.version).is_none() {
                return Err(Fail::validate(
                    format!(
                        "Invalid required version '{}' for plugin '{}'",
                        req.version, req.name
                    ),
                    ctx,
                ));
            }
            if !names.insert(req.name.clone()) {
                return Err(Fail::validate(
                    format!(
                        "Defined multiple alternative version requirements for plugin '{}'",
                        req.name
                    ),
                    ctx,
                ));
            }
        }
        self.required_plugin_versions.push(alternatives);
        Ok(())
    }

    pub fn define_list(&mut self, mut info: ListInfo) {
        let id = self.next();
        info.visibility = id;
        info.index = self.lists.get(&info.name).map_or(id, |prev| prev.index);
        let name = info.name.clone();
        self.lists.put(&name, info);
    }

    pub fn append_list(&mut self, info: ListInfo) -> Check<()> {
        let id = self.next();
        let Some(prev) = self.lists.get_mut(&info.name) else {
            return Err(Fail::validate(ERROR_NO_PREVIOUS_LIST, &info.ctx));
        };
        prev.items.extend(info.items);
        prev.visibility = id;
        Ok(())
    }

    pub fn define_macro(&mut self, mut info: MacroInfo) {
        let id = self.next();
        info.visibility = id;
        info.index = self.macros.get(&info.name).map_or(id, |prev| prev.index);
        let name = info.name.clone();
        self.macros.put(&name, info);
    }

    pub fn append_macro(&mut self, info: MacroInfo) -> Check<()> {
        let id = self.next();
        let Some(prev) = self.macros.get_mut(&info.name) else {
            return Err(Fail::validate(ERROR_NO_PREVIOUS_MACRO, &info.ctx));
        };
        prev.cond.push_point(" ", info.ctx.last().pos.offset);
        prev.cond.push(&info.cond);
        prev.visibility = id;
        Ok(())
    }

    pub fn define_rule(
        &mut self,
        mut info: RuleInfo,
        sources: &[EventSource],
        res: &mut FileResult,
    ) -> Check<()> {
        if let Some(prev) = self.rules.get(&info.name) {
            if prev.source != info.source {
                return Err(Fail::validate(
                    "Rule has been re-defined with a different source",
                    &info.ctx,
                ));
            }
        }
        let source = sources.iter().find(|s| s.name == info.source);
        if source.is_none() {
            info.unknown_source = true;
            res.warn(
                WarningCode::UnknownSource,
                format!("Unknown source {}, skipping", info.source),
                &info.ctx,
            );
        }
        for ex in &mut info.exceptions {
            if !ex.fields.is_valid() {
                return Err(Fail::validate(
                    "Rule exception item must have fields property with a list of fields",
                    &ex.ctx,
                ));
            }
            validate_exception(source, ex)?;
        }
        let id = self.next();
        info.visibility = id;
        info.index = self.rules.get(&info.name).map_or(id, |prev| prev.index);
        let name = info.name.clone();
        self.rules.put(&name, info);
        Ok(())
    }

    fn source_of<'s>(
        prev: &RuleInfo,
        sources: &'s [EventSource],
        ctx: &Context,
    ) -> Check<Option<&'s EventSource>> {
        if prev.unknown_source {
            return Ok(None);
        }
        match sources.iter().find(|s| s.name == prev.source) {
            Some(source) => Ok(Some(source)),
            None => Err(Fail::validate(
                format!("Unknown source {}", prev.source),
                ctx,
            )),
        }
    }

    pub fn append_rule(
        &mut self,
        name: &str,
        info: RuleUpdate,
        ctx: &Context,
        sources: &[EventSource],
    ) -> Check<()> {
        let id = self.next();
        let Some(prev) = self.rules.get_mut(name) else {
            return Err(Fail::validate(ERROR_NO_PREVIOUS_RULE_APPEND, ctx));
        };
        if !info.has_any_value() {
            return Err(Fail::validate(
                "Appended rule must have exceptions or condition property",
                ctx,
            ));
        }
        let source = Self::source_of(prev, sources, ctx)?;
        if let Some(cond) = info.cond.filter(|c| !c.text().is_empty()) {
            prev.cond.push_point(" ", ctx.last().pos.offset);
            prev.cond.push(&cond);
        }
        for (field, extra) in [(&mut prev.output, info.output), (&mut prev.desc, info.desc)] {
            if let Some(extra) = extra.filter(|e| !e.is_empty()) {
                field.push(' ');
                field.push_str(&extra);
            }
        }
        if let Some(tags) = info.tags {
            prev.tags.extend(tags);
        }
        for mut ex in info.exceptions.unwrap_or_default() {
            match prev.exceptions.iter_mut().find(|p| p.name == ex.name) {
                None => {
                    if !ex.fields.is_valid() {
                        return Err(Fail::validate(
                            "Rule exception must have fields property with a list of fields",
                            &ex.ctx,
                        ));
                    }
                    if ex.values.is_empty() {
                        return Err(Fail::validate(
                            "Rule exception must have values property with a list of values",
                            &ex.ctx,
                        ));
                    }
                    validate_exception(source, &mut ex)?;
                    prev.exceptions.push(ex);
                }
                Some(existing) => {
                    if ex.fields.is_valid() {
                        return Err(Fail::validate(
                            "Can not append exception fields to existing exception, only values",
                            &ex.ctx,
                        ));
                    }
                    if ex.comps.is_valid() {
                        return Err(Fail::validate(
                            "Can not append exception comps to existing exception, only values",
                            &ex.ctx,
                        ));
                    }
                    existing.values.extend(ex.values);
                }
            }
        }
        prev.visibility = id;
        Ok(())
    }

    pub fn replace_rule(
        &mut self,
        name: &str,
        info: RuleUpdate,
        ctx: &Context,
        sources: &[EventSource],
    ) -> Check<()> {
        let id = self.next();
        let Some(prev) = self.rules.get_mut(name) else {
            return Err(Fail::validate(ERROR_NO_PREVIOUS_RULE_REPLACE, ctx));
        };
        if !info.has_any_value() {
            return Err(Fail::validate(
                "The rule must have at least one field that can be replaced",
                ctx,
            ));
        }
        Self::source_of(prev, sources, ctx)?;
        if let Some(cond) = info.cond {
            prev.cond = cond;
        }
        if let Some(output) = info.output {
            prev.output = output;
        }
        if let Some(desc) = info.desc {
            prev.desc = desc;
        }
        if let Some(tags) = info.tags {
            prev.tags = tags;
        }
        if let Some(exceptions) = info.exceptions {
            prev.exceptions = exceptions;
        }
        if let Some(priority) = info.priority {
            prev.priority = priority;
        }
        if let Some(enabled) = info.enabled {
            prev.enabled = enabled;
        }
        if let Some(warn) = info.warn_evttypes {
            prev.warn_evttypes = warn;
        }
        if let Some(skip) = info.skip_if_unknown_filter {
            prev.skip_if_unknown_filter = skip;
        }
        if let Some(capture) = info.capture {
            prev.capture = capture;
        }
        if let Some(duration) = info.capture_duration {
            prev.capture_duration = duration;
        }
        prev.visibility = id;
        Ok(())
    }

    pub fn enable_rule(&mut self, name: &str, enabled: bool, ctx: &Context) -> Check<()> {
        let Some(prev) = self.rules.get_mut(name) else {
            return Err(Fail::validate(
                "Rule has 'enabled' key but no rule by that name already exists",
                ctx,
            ));
        };
        prev.enabled = enabled;
        Ok(())
    }
}
