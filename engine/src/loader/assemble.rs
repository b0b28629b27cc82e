//! Assembling what the collector holds into a [`Ruleset`]: lists
//! expanded, macros parsed and resolved, rule conditions put together
//! (exceptions folded in, list names substituted), parsed, resolved and
//! checked. This is what Falco's rule_loader_compiler.cpp does; in this
//! crate, `crate::compiler` then turns the ruleset into typed nodes to
//! evaluate. The first error stops the assembly; unused macros and lists
//! are reported after a successful one.

use super::codes::{ErrorCode, WarningCode};
use super::collector::{Collector, RuleInfo};
use super::context::Context;
use super::context::ItemType;
use super::exceptions::{exception_operators, fold_exceptions};
use super::fields::{
    condition_fields, field_prefix, output_fields, unsafe_na_checks, UNSAFE_NA_MESSAGE,
};
use super::lint::{At, RuleLint};
use super::lists::{compile_lists, substitute_list, CompiledList};
use super::macros::{ResolveError, Resolver};
use super::mapped_text::MappedText;
use super::remap::Remap;
use super::result::{Check, Fail, FileResult};
use super::rule_item::DEFAULT_SOURCE;
use super::ruleset::{List, Macro, Rule, Ruleset};
use super::sources::Sources;
use super::{EventSource, FieldCatalog};
use crate::condition::ast::Expr;
use crate::condition::parse_condition;
use std::collections::{BTreeSet, HashMap};

const CONTAINER_INFO: &str = "%container.info";

struct Assembler<'a> {
    collector: &'a Collector,
    event_sources: &'a [EventSource],
    files: &'a Sources,
    lists: Vec<CompiledList>,
    /// Macro name -> position in definition order.
    macro_index: HashMap<&'a str, usize>,
}

pub(crate) fn assemble(
    collector: &Collector,
    event_sources: &[EventSource],
    files: &Sources,
    res: &mut FileResult,
) -> Check<Ruleset> {
    let mut assembler = Assembler {
        collector,
        event_sources,
        files,
        lists: compile_lists(collector),
        macro_index: collector
            .macros
            .iter()
            .enumerate()
            .map(|(i, m)| (m.name.as_str(), i))
            .collect(),
    };
    let (macros, mut macros_used, macro_spans) = assembler.macros()?;
    let rules = assembler.rules(&macros, &mut macros_used, res)?;
    let mut ruleset = Ruleset {
        rules,
        required_engine_version: collector.required_engine_version,
        required_plugin_versions: collector.required_plugin_versions.clone(),
        ..Ruleset::default()
    };
    for ((info, (condition, used)), spans) in collector
        .macros
        .iter()
        .zip(macros.into_iter().zip(macros_used))
        .zip(macro_spans)
    {
        if !used {
            res.warn(
                WarningCode::UnusedMacro,
                "Macro not referred to by any other rule/macro",
                &info.ctx,
            );
        }
        ruleset.macros.push(Macro {
            name: info.name.clone(),
            condition,
            used,
            spans,
        });
    }
    for list in assembler.lists {
        if !list.used {
            res.warn(
                WarningCode::UnusedList,
                "List not referred to by any other rule/macro",
                &list.ctx,
            );
        }
        ruleset.lists.push(List {
            name: list.name,
            items: list.items.into_iter().map(|item| item.text).collect(),
            used: list.used,
        });
    }
    Ok(ruleset)
}

impl Assembler<'_> {
    /// The context of a condition token at byte `offset` of `text`.
    fn token_ctx(&self, parent: &Context, text: &MappedText, offset: usize) -> Context {
        let global = text.locate(offset);
        let pos = self
            .files
            .locate(global)
            .map(|(_, pos)| pos)
            .unwrap_or_default();
        parent.condition_token(text.text(), offset, pos)
    }

    /// Substitutes list names, parses, and moves positions to the files.
    fn parse(&mut self, condition: &MappedText, cond_ctx: &Context) -> Check<(Expr, MappedText)> {
        let mut text = condition.clone();
        for list in &mut self.lists {
            if substitute_list(&mut text, list) {
                list.used = true;
            }
        }
        match parse_condition(text.text()) {
            Ok(mut expr) => {
                Remap {
                    text: &text,
                    sources: self.files,
                }
                .expr(&mut expr);
                Ok((expr, text))
            }
            Err(err) => {
                let shown = err.to_string();
                let message = shown.split_once(": ").map_or(shown.as_str(), |(_, m)| m);
                // An error at the end points just after the last token.
                let content_end = text.text().trim_end().len();
                let ctx = self.token_ctx(cond_ctx, &text, err.pos().offset.min(content_end));
                Err(Fail::new(ErrorCode::CompileCondition, message, &ctx))
            }
        }
    }

    /// The context of the condition token at global offset `global`
    /// (which may lie in a macro's text rather than in `text`).
    fn global_ctx(&self, parent: &Context, text: &MappedText, global: usize) -> Context {
        let offset = text.offset_of(global).unwrap_or(0);
        let pos = self
            .files
            .locate(global)
            .map(|(_, pos)| pos)
            .unwrap_or_default();
        parent.condition_token(text.text(), offset, pos)
    }

    fn resolve_error(&self, err: ResolveError, text: &MappedText, parent: &Context) -> Fail {
        Fail::validate(err.message, &self.global_ctx(parent, text, err.pos))
    }

    /// Every macro parsed, then resolved in definition order against the
    /// macros defined before its last definition; with where each was
    /// written.
    #[allow(clippy::type_complexity)]
    fn macros(&mut self) -> Check<(Vec<Expr>, Vec<bool>, Vec<Vec<std::ops::Range<usize>>>)> {
        let infos: Vec<_> = self.collector.macros.iter().collect();
        let mut bodies = Vec::with_capacity(infos.len());
        let mut texts = Vec::with_capacity(infos.len());
        for info in &infos {
            let (expr, text) = self.parse(&info.cond, &info.cond_ctx)?;
            bodies.push(expr);
            texts.push(text);
        }
        let mut used = vec![false; infos.len()];
        for (i, info) in infos.iter().enumerate() {
            let visible = infos
                .iter()
                .zip(&bodies)
                .filter(|(other, _)| other.index < info.visibility)
                .map(|(other, body)| (other.name.as_str(), body));
            let mut body = bodies[i].clone();
            let names = Resolver::new(visible)
                .run(&mut body)
                .map_err(|err| self.resolve_error(err, &texts[i], &info.ctx))?;
            self.mark_used(&names, &mut used);
            bodies[i] = body;
        }
        let spans = texts.iter().map(MappedText::global_ranges).collect();
        Ok((bodies, used, spans))
    }

    fn rules(
        &mut self,
        macros: &[Expr],
        macros_used: &mut [bool],
        res: &mut FileResult,
    ) -> Check<Vec<Rule>> {
        let infos: Vec<_> = self.collector.macros.iter().collect();
        let mut rules = Vec::new();
        for info in self.collector.rules.iter().filter(|r| !r.unknown_source) {
            let Some(source) = self.event_sources.iter().find(|s| s.name == info.source) else {
                return Err(Fail::validate(
                    format!("Unknown source at compile-time{}", info.source),
                    &info.ctx,
                ));
            };
            let catalog = source.fields.as_deref();
            let mut exception_fields = BTreeSet::new();
            let condition = if info.exceptions.is_empty() {
                info.cond.clone()
            } else {
                fold_exceptions(
                    &info.cond,
                    &info.exceptions,
                    info.cond.locate(0),
                    &mut exception_fields,
                )?
            };
            let Some(output) = self.output(info, catalog, res)? else {
                continue;
            };
            let (mut expr, text) = self.parse(&condition, &info.cond_ctx)?;
            let visible = infos
                .iter()
                .zip(macros)
                .map(|(m, body)| (m.name.as_str(), body));
            let names = Resolver::new(visible)
                .run(&mut expr)
                .map_err(|err| self.resolve_error(err, &text, &info.ctx))?;
            self.mark_used(&names, macros_used);
            for at in unsafe_na_checks(&expr) {
                let ctx = self.global_ctx(&info.cond_ctx, &text, at);
                res.warn(WarningCode::UnsafeNaCheck, UNSAFE_NA_MESSAGE, &ctx);
            }
            if let Some(catalog) = catalog {
                if !self.fields_known(info, &expr, &text, catalog, res)? {
                    continue;
                }
            }
            self.lint(info, &expr, &text, res);
            rules.push(Rule {
                name: info.name.clone(),
                description: info.desc.clone(),
                source: info.source.clone(),
                condition: expr,
                condition_text: info.cond.text().to_owned(),
                expanded_text: text.text().to_owned(),
                output,
                priority: info.priority,
                tags: info.tags.clone(),
                exception_fields,
                exception_names: info.exceptions.iter().map(|e| e.name.clone()).collect(),
                exception_clauses: info
                    .exceptions
                    .iter()
                    .filter(|e| !e.values.is_empty())
                    .map(|e| (e.pos, e.name.clone()))
                    .collect(),
                exception_operators: exception_operators(&info.exceptions),
                enabled: info.enabled,
                warn_evttypes: info.warn_evttypes,
                skip_if_unknown_filter: info.skip_if_unknown_filter,
                capture: info.capture,
                capture_duration: info.capture_duration,
                context: info.ctx.clone(),
                condition_context: info.cond_ctx.clone(),
                output_context: info.output_ctx.clone(),
            });
        }
        Ok(rules)
    }

    /// The rule's output, checked; `None` when the rule is skipped
    /// (unknown field with `skip-if-unknown-filter`).
    fn output(
        &self,
        info: &RuleInfo,
        catalog: Option<&(dyn FieldCatalog + Send + Sync)>,
        res: &mut FileResult,
    ) -> Check<Option<String>> {
        let mut output = info.output.clone();
        if output.contains(CONTAINER_INFO) {
            res.warn(
                WarningCode::DeprecatedItem,
                "%container.info is deprecated and no more useful, and will be dropped by Falco 1.0.0. \
                 The container plugin will automatically add required fields to the output message.",
                &info.ctx,
            );
            output = output.replace(CONTAINER_INFO, "");
        }
        let checked = output_fields(&output).and_then(|fields| match catalog {
            None => Ok(()),
            Some(catalog) => fields
                .iter()
                .find(|f| field_prefix(&f.name, f.arg, |n, a| catalog.has_field(n, a)).is_none())
                .map_or(Ok(()), |f| {
                    Err(format!("invalid formatting token {}", f.rest))
                }),
        });
        match checked {
            Ok(()) => Ok(Some(output)),
            Err(err) if info.skip_if_unknown_filter && is_unknown_field_error(&err) => {
                res.warn(WarningCode::UnknownFilter, err, &info.output_ctx);
                Ok(None)
            }
            Err(err) => Err(Fail::new(ErrorCode::CompileOutput, err, &info.output_ctx)),
        }
    }

    /// Reports what can never take effect in the rule (see `lint.rs`).
    fn lint(&self, info: &RuleInfo, expr: &Expr, text: &MappedText, res: &mut FileResult) {
        let lint = RuleLint {
            expr,
            exceptions: &info.exceptions,
            syscall: info.source == DEFAULT_SOURCE,
            warn_evttypes: info.warn_evttypes,
        };
        for finding in lint.findings() {
            let ctx = match finding.at {
                At::Condition(at) => self.global_ctx(&info.cond_ctx, text, at),
                At::Exception { index, at } => {
                    let pos = self
                        .files
                        .locate(at)
                        .map(|(_, pos)| pos)
                        .unwrap_or_default();
                    info.exceptions[index]
                        .ctx
                        .child(pos, ItemType::ExceptionValue, "")
                }
            };
            res.warn(finding.code, finding.message, &ctx);
        }
    }

    fn mark_used(&self, names: &[String], used: &mut [bool]) {
        for name in names {
            if let Some(&i) = self.macro_index.get(name.as_str()) {
                used[i] = true;
            }
        }
    }

    /// Checks every field of the condition; false when the rule is skipped.
    fn fields_known(
        &self,
        info: &RuleInfo,
        expr: &Expr,
        text: &MappedText,
        catalog: &(dyn FieldCatalog + Send + Sync),
        res: &mut FileResult,
    ) -> Check<bool> {
        let Some(unknown) = condition_fields(expr)
            .into_iter()
            .find(|f| !catalog.has_field(&f.name, f.arg))
        else {
            return Ok(true);
        };
        let message = format!(
            "filter_check called with nonexistent field {}",
            unknown.name
        );
        let ctx = self.global_ctx(&info.cond_ctx, text, unknown.pos);
        if info.skip_if_unknown_filter {
            res.warn(WarningCode::UnknownFilter, message, &ctx);
            return Ok(false);
        }
        Err(Fail::new(ErrorCode::CompileCondition, message, &ctx))
    }
}

/// The errors Falco downgrades to warnings for `skip-if-unknown-filter`.
fn is_unknown_field_error(err: &str) -> bool {
    [
        "nonexistent field",
        "invalid formatting token",
        "unknown event type",
        "unknown filter:",
    ]
    .iter()
    .any(|needle| err.contains(needle))
}
