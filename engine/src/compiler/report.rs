//! Compile issues as load results: each issue goes to the file that defines
//! the rule, under the rule's condition context, so `-V` reports what only
//! the compiler can see (operator/type mismatches, bad literals) exactly as
//! it reports the loader's findings.

use super::{Issue, RuleIssue};
use crate::loader::{FileResult, Message, Ruleset};

/// Adds `issues` to `results` (matched by file name). Returns the issues
/// whose rule or file is not among them.
pub fn add_to_results(
    results: &mut [FileResult],
    ruleset: &Ruleset,
    issues: Vec<RuleIssue>,
) -> Vec<RuleIssue> {
    let mut left = Vec::new();
    for issue in issues {
        let Some(rule) = ruleset.rules.iter().find(|r| r.name == issue.rule) else {
            left.push(issue);
            continue;
        };
        let context = rule.condition_context.clone();
        let Some(result) = results.iter_mut().find(|f| f.name == context.name()) else {
            left.push(issue);
            continue;
        };
        match issue.issue {
            Issue::Error(code, message) => result.errors.push(Message {
                code,
                message,
                context,
            }),
            Issue::Warning(code, message) => result.warnings.push(Message {
                code,
                message,
                context,
            }),
        }
    }
    left
}
