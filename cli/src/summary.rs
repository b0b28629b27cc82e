//! Falco's end-of-run summary: the matches counted by severity and by
//! rule (`Events detected: N` ...), and with `-v` the elapsed time and
//! event rate, and (live runs) the drop monitoring.

use falco_engine::loader::Priority;
use std::collections::BTreeMap;
use std::time::Duration;

/// The matches of a run, as the summary counts them.
#[derive(Debug, Default)]
pub struct Counts {
    total: u64,
    by_priority: BTreeMap<Priority, u64>,
    /// In the order rules first matched.
    by_rule: Vec<(String, u64)>,
    /// (rule that alerted, rule it hid, events), with `rule_matching:
    /// first`: in the order the pairs first occurred.
    shadowed: Vec<(String, String, u64)>,
}

impl Counts {
    /// Counts one match of `rule`.
    pub fn add(&mut self, priority: Priority, rule: &str) {
        self.total += 1;
        *self.by_priority.entry(priority).or_default() += 1;
        match self.by_rule.iter_mut().find(|(r, _)| r == rule) {
            Some((_, n)) => *n += 1,
            None => self.by_rule.push((rule.to_string(), 1)),
        }
    }

    /// Counts an event rule `hidden` matched too, but that only `first`
    /// alerted on (`rule_matching: first`).
    pub fn add_shadowed(&mut self, first: &str, hidden: &str) {
        match self
            .shadowed
            .iter_mut()
            .find(|(f, h, _)| f == first && h == hidden)
        {
            Some((_, _, n)) => *n += 1,
            None => self
                .shadowed
                .push((first.to_string(), hidden.to_string(), 1)),
        }
    }

    /// The hidden matches by pair of rules.
    pub fn shadowed(&self) -> &[(String, String, u64)] {
        &self.shadowed
    }

    /// `-v`: the matches an earlier rule hid (nothing when none did).
    pub fn shadowed_text(&self) -> String {
        if self.shadowed.is_empty() {
            return String::new();
        }
        let mut s = String::from("Matches hidden by an earlier rule (rule_matching: first):\n");
        for (first, hidden, n) in &self.shadowed {
            s.push_str(&format!("   {hidden} (behind {first}): {n}\n"));
        }
        s
    }

    /// The matches of each rule that matched, in the order rules first
    /// matched.
    pub fn by_rule(&self) -> &[(String, u64)] {
        &self.by_rule
    }

    /// Falco's end-of-run text: severities from the most severe.
    pub fn text(&self) -> String {
        let mut s = format!(
            "Events detected: {}\nRule counts by severity:\n",
            self.total
        );
        for (p, n) in &self.by_priority {
            s.push_str(&format!("   {}: {n}\n", severity_name(*p)));
        }
        s.push_str("Triggered rules by rule name:\n");
        for (r, n) in &self.by_rule {
            s.push_str(&format!("   {r}: {n}\n"));
        }
        s
    }
}

/// A severity as the summary names it: Falco's short form in capitals
/// (`INFO`, where alerts say "Informational").
fn severity_name(p: Priority) -> String {
    match p {
        Priority::Informational => "INFO".to_owned(),
        p => p.as_str().to_uppercase(),
    }
}

/// `-v`: how long the run took and how many events it read.
pub fn elapsed_text(elapsed: Duration, events: u64) -> String {
    let secs = elapsed.as_secs_f64();
    format!(
        "Elapsed time: {secs:.3}, Captured Events: {events}, {:.2} eps\n",
        if secs > 0.0 {
            events as f64 / secs
        } else {
            0.0
        }
    )
}

/// What `syscall_event_drops` saw and did, at the end of every run.
pub fn drops_text(drops_detected: u64, actions_taken: u64) -> String {
    format!(
        "Syscall event drop monitoring:\n   - event drop detected: {drops_detected} occurrences\n   - num times actions taken: {actions_taken}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_matches_are_counted_by_pair_in_first_order() {
        let mut c = Counts::default();
        assert_eq!(c.shadowed_text(), "");
        c.add_shadowed("Shell", "Any bash");
        c.add_shadowed("Read", "Any bash");
        c.add_shadowed("Shell", "Any bash");
        assert_eq!(
            c.shadowed_text(),
            "Matches hidden by an earlier rule (rule_matching: first):\n   \
             Any bash (behind Shell): 2\n   Any bash (behind Read): 1\n"
        );
    }

    #[test]
    fn no_matches() {
        assert_eq!(
            Counts::default().text(),
            "Events detected: 0\nRule counts by severity:\nTriggered rules by rule name:\n"
        );
    }

    #[test]
    fn severities_from_the_most_severe_rules_in_first_match_order() {
        let mut counts = Counts::default();
        counts.add(Priority::Notice, "Zeta");
        counts.add(Priority::Informational, "Info rule");
        counts.add(Priority::Critical, "Alpha");
        counts.add(Priority::Notice, "Zeta");
        counts.add(Priority::Warning, "Mid");
        counts.add(Priority::Notice, "Other notice");
        assert_eq!(
            counts.text(),
            "Events detected: 6\n\
             Rule counts by severity:\n   CRITICAL: 1\n   WARNING: 1\n   NOTICE: 3\n   INFO: 1\n\
             Triggered rules by rule name:\n   Zeta: 2\n   Info rule: 1\n   Alpha: 1\n   Mid: 1\n   Other notice: 1\n"
        );
        assert_eq!(
            counts.by_rule(),
            [
                ("Zeta".to_string(), 2),
                ("Info rule".to_string(), 1),
                ("Alpha".to_string(), 1),
                ("Mid".to_string(), 1),
                ("Other notice".to_string(), 1)
            ]
        );
    }

    #[test]
    fn elapsed_time_and_rate() {
        assert_eq!(
            elapsed_text(Duration::from_millis(2500), 1000),
            "Elapsed time: 2.500, Captured Events: 1000, 400.00 eps\n"
        );
        assert_eq!(
            elapsed_text(Duration::ZERO, 7),
            "Elapsed time: 0.000, Captured Events: 7, 0.00 eps\n"
        );
    }

    #[test]
    fn drop_monitoring() {
        assert_eq!(
            drops_text(3, 2),
            "Syscall event drop monitoring:\n   - event drop detected: 3 occurrences\n   - num times actions taken: 2\n"
        );
    }
}
