//! Alerts held for late container metadata (falco-rs only).
//!
//! Falco renders an alert with whatever container metadata it has when the
//! rule matches, so an alert on a container's first exec often says
//! `<NA>` for its name and image. Here such an alert waits instead: the
//! event and a frozen copy of the state it reads are kept aside while the
//! event stream goes on, and the alert is rendered once the runtime's
//! record of its container arrives, or when `metadata_wait_ms` has passed
//! (then it goes out incomplete, and is counted).

use falco_scap::{Event, HeaderLayout};
use falco_sinsp::{Ctx, Inspector};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// One held match, with what the caller needs to render it later (`T`:
/// the rule, and the ruleset it belongs to).
#[derive(Debug)]
struct Held<T> {
    rule: T,
    raw: Vec<u8>,
    layout: HeaderLayout,
    frozen: Inspector,
    container: String,
    deadline: Instant,
}

/// The alerts waiting for their containers' metadata.
#[derive(Debug)]
pub struct HeldAlerts<T> {
    queue: VecDeque<Held<T>>,
    wait: Duration,
    /// Alerts that were held.
    pub held: u64,
    /// Alerts sent without their container's metadata (the wait ran out).
    pub incomplete: u64,
}

impl<T> HeldAlerts<T> {
    pub fn new(wait: Duration) -> HeldAlerts<T> {
        HeldAlerts {
            queue: VecDeque::new(),
            wait,
            held: 0,
            incomplete: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// How long an alert may wait.
    pub fn wait(&self) -> Duration {
        self.wait
    }

    /// How long alerts held from now on may wait (those held already keep
    /// their deadlines).
    pub fn set_wait(&mut self, wait: Duration) {
        self.wait = wait;
    }

    /// The container whose metadata an alert on `c` would lack, when a
    /// runtime may still send it.
    pub fn missing<'a>(&self, c: &Ctx<'a>) -> Option<&'a str> {
        if self.wait.is_zero() || !c.insp.follows_runtimes() {
            return None;
        }
        let id = c
            .insp
            .event_container()
            .or_else(|| c.thread().map(|t| t.container_id.as_str()))?;
        (!c.insp.containers.contains(id)).then_some(id)
    }

    /// Holds the match of `rule` on `c` until the metadata of container
    /// `id` (what [`HeldAlerts::missing`] said) arrives.
    pub fn hold(&mut self, rule: T, c: &Ctx<'_>, id: &str, now: Instant) {
        self.held += 1;
        self.queue.push_back(Held {
            rule,
            raw: c.ev.raw().to_vec(),
            layout: c.ev.layout(),
            frozen: c.insp.freeze_for(c.ev.tid as i64),
            container: id.to_string(),
            deadline: now + self.wait,
        });
    }

    /// Sends (through `send`) every held alert whose container `live` now
    /// knows, or whose wait is over (all of them with `all`).
    pub fn release(
        &mut self,
        live: &Inspector,
        now: Instant,
        all: bool,
        mut send: impl FnMut(T, &Ctx<'_>),
    ) {
        let mut i = 0;
        while i < self.queue.len() {
            let h = &self.queue[i];
            let known = live.containers.get(&h.container);
            if known.is_none() && !all && now < h.deadline {
                i += 1;
                continue;
            }
            let Some(mut h) = self.queue.remove(i) else {
                break;
            };
            match known {
                Some(record) => h.frozen.containers.insert(record.clone()),
                None => self.incomplete += 1,
            }
            // The bytes came from a parsed event: they parse again.
            if let Ok(ev) = Event::parse(&h.raw, h.layout) {
                send(
                    h.rule,
                    &Ctx {
                        ev,
                        insp: &h.frozen,
                    },
                );
            }
        }
    }
}
