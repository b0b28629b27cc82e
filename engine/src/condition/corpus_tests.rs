//! Every condition of the upstream Falco rules parses, prints, and parses
//! back to the same tree.

use super::test_corpus::upstream_conditions;
use super::{parse_condition, print_condition};

#[test]
fn every_upstream_condition_parses_and_round_trips() {
    let Some(conditions) = upstream_conditions() else {
        return;
    };
    // 25 + 31 + 37 rules and about 350 macros: far fewer means the
    // extraction broke, not that the parser got better.
    assert!(
        conditions.len() > 400,
        "only {} conditions found",
        conditions.len()
    );
    let mut failures = Vec::new();
    for condition in &conditions {
        let parsed = match parse_condition(&condition.text) {
            Ok(parsed) => parsed,
            Err(err) => {
                failures.push(format!("{}: {err}\n  {}", condition.origin, condition.text));
                continue;
            }
        };
        let printed = print_condition(&parsed);
        match parse_condition(&printed) {
            Ok(again)
                if again.clone().without_positions() == parsed.clone().without_positions() => {}
            Ok(_) => failures.push(format!(
                "{}: printed text differs\n  {printed}",
                condition.origin
            )),
            Err(err) => failures.push(format!(
                "{}: printed text fails: {err}\n  {printed}",
                condition.origin
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        conditions.len(),
        failures.join("\n")
    );
    eprintln!(
        "{} upstream conditions parsed and round-tripped",
        conditions.len()
    );
}
