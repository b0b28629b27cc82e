//! The results as a JUnit XML report, which CI systems read: a test suite
//! per case file, a test case per case, a `<failure>` carrying the diff or
//! an `<error>` carrying why the case could not run.

use super::runner::Outcome;
use std::fmt::Write as _;
use std::time::Duration;

/// One case's result.
pub struct CaseResult {
    pub name: String,
    pub outcome: Outcome,
    pub time: Duration,
}

/// One case file's results (or the reason none ran).
pub struct FileResults {
    pub file: String,
    pub cases: Vec<CaseResult>,
    /// The file could not be read or its rules not loaded.
    pub error: Option<String>,
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry other control characters.
            c if c.is_control() && !matches!(c, '\n' | '\t' | '\r') => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The report for `files`.
pub fn report(files: &[FileResults]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"falco test\">\n",
    );
    for f in files {
        let failures = f
            .cases
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Fail(_)))
            .count();
        let errors = f
            .cases
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Error(_)))
            .count()
            + usize::from(f.error.is_some());
        let time: f64 = f.cases.iter().map(|c| c.time.as_secs_f64()).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.3}\">",
            escape(&f.file),
            f.cases.len() + usize::from(f.error.is_some()),
        );
        if let Some(error) = &f.error {
            let _ = writeln!(
                out,
                "    <testcase name=\"(load)\" classname=\"{}\">\n      <error message=\"the case file could not be run\">{}</error>\n    </testcase>",
                escape(&f.file),
                escape(error)
            );
        }
        for c in &f.cases {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
                escape(&c.name),
                escape(&f.file),
                c.time.as_secs_f64()
            );
            match &c.outcome {
                Outcome::Pass => out.push_str("/>\n"),
                Outcome::Fail(diff) => {
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                        escape(diff.first().map_or("", String::as_str)),
                        escape(&diff.join("\n"))
                    );
                }
                Outcome::Error(e) => {
                    let _ = writeln!(
                        out,
                        ">\n      <error message=\"the case could not run\">{}</error>\n    </testcase>",
                        escape(e)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
