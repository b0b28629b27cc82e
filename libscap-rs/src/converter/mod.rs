//! Brings events of old captures to the current, exit-only schema.
//!
//! Old captures carry enter/exit pairs and older event versions with fewer
//! parameters. Each row of [`table::RULES`] takes an event of one (code,
//! parameter count) one step forward: add parameters, change it to a newer
//! event code, or store an enter event so that its exit can take the
//! parameters that used to travel on the enter side. Steps repeat until the
//! event is current. Enter events that only fed their exit are dropped;
//! consumers see one shape.

mod table;

use crate::event::{Event, HeaderLayout};
use falco_abi::{event_info, EventCode, EventFlags, EventHeader, EventInfo, ParamType, EVENT_HEADER_SIZE};
use std::collections::HashMap;

/// Where one parameter of the converted event comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Instr {
    /// Parameter n of the event being converted.
    Old(u8),
    /// Parameter n of the event being converted, a DYN value: drop its
    /// type-index byte and keep the value.
    OldDyn(u8),
    /// Parameter n of the stored enter event, or the type's default.
    EnterOrDefault(u8),
    /// Parameter n of the stored enter event, or an empty parameter.
    EnterOrEmpty(u8),
    /// The type's default value.
    Default,
    /// A zero-length parameter (value not available).
    Empty,
    /// The JSON built from an old container event's id/type/name/image.
    ContainerJson,
}

/// What one rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Already in its final form.
    Pass,
    /// Keep as the thread's pending enter event; not delivered.
    Store,
    /// Keep as the pending enter event and deliver it too.
    StoreAndPass,
    /// Append parameters.
    Add(&'static [Instr]),
    /// Rebuild as another event code from these parameters.
    ChangeType(EventCode, &'static [Instr]),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub code: u16,
    pub nparams: u8,
    pub action: Action,
}

pub const fn rule(code: EventCode, nparams: u8, action: Action) -> Rule {
    Rule { code: code as u16, nparams, action }
}

/// The rule for an event of `code` with `nparams` parameters.
pub fn find_rule(code: u16, nparams: u32) -> Option<&'static Rule> {
    let n = u8::try_from(nparams).ok()?;
    table::RULES.binary_search_by(|r| (r.code, r.nparams).cmp(&(code, n))).ok().map(|i| &table::RULES[i])
}

/// Upper bound on steps for one event (the longest chain, execve, has 16).
const MAX_STEPS: usize = 50;
/// Largest converted event; bigger results are refused like upstream's.
const MAX_EVENT_SIZE: usize = 64 * 1024;

/// What the converter decided for one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Deliver the event as it is.
    Pass,
    /// Do not deliver it (a stored enter, or an unused event).
    Drop,
    /// Deliver [`Converter::event`] instead.
    Converted,
}

/// Counts of what conversion did, and its anomalies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConverterStats {
    pub converted: u64,
    pub dropped: u64,
    /// Exits whose enter event was missing: parameters fell back to defaults.
    pub missing_enter: u64,
    /// Events that could not be converted and were delivered unchanged.
    pub failed: u64,
    /// The first failure, for the log.
    pub first_failure: Option<String>,
}

/// Converts a stream of events; keeps the pending enter event of each thread.
#[derive(Debug, Default)]
pub struct Converter {
    enters: HashMap<u64, Vec<u8>>,
    cur: Vec<u8>,
    next: Vec<u8>,
    stats: ConverterStats,
}

enum First {
    Pass,
    Drop,
    Convert,
}

/// The convertibility test: upstream's rules, in order.
fn classify(info: &EventInfo, nparams: u32) -> First {
    let f = info.flags;
    if f.contains(EventFlags::UNUSED) {
        return First::Drop;
    }
    if !f.contains(EventFlags::CONVERTER_MANAGED) {
        return match (f.contains(EventFlags::OLD_VERSION), info.direction()) {
            (false, _) => First::Pass,
            (true, falco_abi::Direction::Enter) => First::Drop,
            // No exit is old and unmanaged in the schema; deliver it as is.
            (true, falco_abi::Direction::Exit) => First::Pass,
        };
    }
    if info.direction() == falco_abi::Direction::Enter
        || f.contains(EventFlags::OLD_VERSION)
        || nparams as usize != info.nparams()
    {
        First::Convert
    } else {
        First::Pass
    }
}

impl Converter {
    pub fn new() -> Converter {
        Converter::default()
    }

    pub fn stats(&self) -> &ConverterStats {
        &self.stats
    }

    /// Forgets pending enter events (a new capture starts).
    pub fn reset(&mut self) {
        self.enters.clear();
    }

    /// The last converted event (valid after `Outcome::Converted`).
    pub fn event(&self) -> Option<Event<'_>> {
        Event::parse(&self.cur, HeaderLayout::V2).ok()
    }

    /// Decides about `ev`, converting it when it is old.
    pub fn process(&mut self, ev: &Event<'_>) -> Outcome {
        match classify(ev.info(), ev.nparams) {
            First::Pass => Outcome::Pass,
            First::Drop => {
                self.stats.dropped += 1;
                Outcome::Drop
            }
            First::Convert => match self.convert(ev) {
                Ok(o) => o,
                Err(msg) => {
                    self.stats.failed += 1;
                    if self.stats.first_failure.is_none() {
                        self.stats.first_failure =
                            Some(format!("event type {} ({}) ts {}: {msg}", ev.evt_type, ev.name(), ev.ts));
                    }
                    Outcome::Pass
                }
            },
        }
    }

    fn convert(&mut self, ev: &Event<'_>) -> Result<Outcome, String> {
        // Work on a current-form copy of the event.
        normalize(ev, &mut self.cur);
        let mut changed = false;
        for _ in 0..MAX_STEPS {
            let view = Event::parse(&self.cur, HeaderLayout::V2).map_err(|e| e.to_string())?;
            let (code, n, tid) = (view.evt_type, view.nparams, view.tid);
            match classify(view.info(), n) {
                First::Pass => {
                    self.stats.converted += changed as u64;
                    return Ok(if changed { Outcome::Converted } else { Outcome::Pass });
                }
                First::Drop => {
                    self.stats.dropped += 1;
                    return Ok(Outcome::Drop);
                }
                First::Convert => {}
            }
            let rule = find_rule(code, n).ok_or_else(|| format!("no conversion for {n} parameters"))?;
            match rule.action {
                Action::Pass => {
                    self.stats.converted += changed as u64;
                    return Ok(if changed { Outcome::Converted } else { Outcome::Pass });
                }
                Action::Store | Action::StoreAndPass => {
                    let slot = self.enters.entry(tid).or_default();
                    slot.clear();
                    slot.extend_from_slice(&self.cur);
                    if rule.action == Action::Store {
                        self.stats.dropped += 1;
                        return Ok(Outcome::Drop);
                    }
                    self.stats.converted += changed as u64;
                    return Ok(if changed { Outcome::Converted } else { Outcome::Pass });
                }
                Action::Add(instrs) => self.step(code, code, instrs, true)?,
                Action::ChangeType(to, instrs) => self.step(code, to as u16, instrs, false)?,
            }
            changed = true;
            std::mem::swap(&mut self.cur, &mut self.next);
        }
        Err(format!("still not current after {MAX_STEPS} conversion steps"))
    }

    /// Builds `self.next` from `self.cur` with one rule.
    fn step(&mut self, from: u16, to: u16, instrs: &[Instr], keep_old: bool) -> Result<(), String> {
        let old = Event::parse(&self.cur, HeaderLayout::V2).map_err(|e| e.to_string())?;
        let target = event_info(to).ok_or("target event not in schema")?;
        let base = if keep_old { old.nparams as usize } else { 0 };
        let total = base + instrs.len();
        if total > target.nparams() {
            return Err(format!("conversion gives {total} parameters, {} has {}", target.name, target.nparams()));
        }
        // The stored enter must be the enter of the exit being converted.
        let enter = self
            .enters
            .get(&old.tid)
            .and_then(|b| Event::parse(b, HeaderLayout::V2).ok())
            .filter(|e| e.evt_type.wrapping_add(1) == from);
        let mut used_enter = false;
        let mut missing_enter = false;
        let mut values: Vec<std::borrow::Cow<'_, [u8]>> = Vec::with_capacity(total);
        for i in 0..base {
            values.push(old.param_bytes(i).unwrap_or_default().into());
        }
        for (k, ins) in instrs.iter().enumerate() {
            let ptype = target.params[base + k].ptype;
            let cap = max_len(ptype, target);
            let v: std::borrow::Cow<'_, [u8]> = match *ins {
                Instr::Old(i) => {
                    let b = old.param_bytes(i as usize).ok_or_else(|| format!("parameter {i} missing"))?;
                    b[..b.len().min(cap)].into()
                }
                Instr::OldDyn(i) => {
                    let b = old.param_bytes(i as usize).ok_or_else(|| format!("parameter {i} missing"))?;
                    let b = b.get(1..).unwrap_or_default();
                    b[..b.len().min(cap)].into()
                }
                Instr::EnterOrDefault(i) | Instr::EnterOrEmpty(i) => {
                    match enter.as_ref().and_then(|e| e.param_bytes(i as usize)) {
                        Some(b) => {
                            used_enter = true;
                            b[..b.len().min(cap)].into()
                        }
                        None => {
                            missing_enter = true;
                            if matches!(ins, Instr::EnterOrDefault(_)) {
                                default_value(ptype).into()
                            } else {
                                Vec::new().into()
                            }
                        }
                    }
                }
                Instr::Default => default_value(ptype).into(),
                Instr::Empty => Vec::new().into(),
                Instr::ContainerJson => container_json(&old).unwrap_or_default().into(),
            };
            values.push(v);
        }
        let width = target.param_len_size();
        let len = EVENT_HEADER_SIZE + total * width + values.iter().map(|v| v.len()).sum::<usize>();
        if len > MAX_EVENT_SIZE {
            return Err(format!("converted event would be {len} bytes"));
        }
        let hdr = EventHeader { ts: old.ts, tid: old.tid, len: len as u32, evt_type: to, nparams: total as u32 };
        self.next.clear();
        self.next.extend_from_slice(&hdr.to_bytes());
        for v in &values {
            if width == 4 {
                self.next.extend_from_slice(&(v.len() as u32).to_le_bytes());
            } else {
                self.next.extend_from_slice(&(v.len() as u16).to_le_bytes());
            }
        }
        for v in &values {
            self.next.extend_from_slice(v);
        }
        let tid = old.tid;
        if missing_enter {
            self.stats.missing_enter += 1;
        }
        if used_enter {
            self.enters.remove(&tid);
        }
        Ok(())
    }
}

/// Copies `ev` into `out` with the current 26-byte header.
fn normalize(ev: &Event<'_>, out: &mut Vec<u8>) {
    let w = ev.len_width();
    out.clear();
    let mut lens = Vec::with_capacity(ev.nparams as usize * w);
    let mut data = Vec::new();
    for i in 0..ev.nparams as usize {
        let b = ev.param_bytes(i).unwrap_or_default();
        if w == 4 {
            lens.extend_from_slice(&(b.len() as u32).to_le_bytes());
        } else {
            lens.extend_from_slice(&(b.len() as u16).to_le_bytes());
        }
        data.extend_from_slice(b);
    }
    let len = EVENT_HEADER_SIZE + lens.len() + data.len();
    let hdr = EventHeader { ts: ev.ts, tid: ev.tid, len: len as u32, evt_type: ev.evt_type, nparams: ev.nparams };
    out.extend_from_slice(&hdr.to_bytes());
    out.extend_from_slice(&lens);
    out.extend_from_slice(&data);
}

/// Longest value a parameter of `t` may take in an event of `target`.
fn max_len(t: ParamType, target: &EventInfo) -> usize {
    match t.fixed_size() {
        Some(n) if t != ParamType::NONE => n,
        _ => {
            if target.param_len_size() == 4 {
                u32::MAX as usize
            } else {
                u16::MAX as usize
            }
        }
    }
}

/// The default a missing parameter takes: zeros of the type's size, except
/// uid/gid (all ones, "unknown") and sockaddr (family AF_UNSPEC).
fn default_value(t: ParamType) -> Vec<u8> {
    match t {
        ParamType::UID | ParamType::GID => vec![0xff; 4],
        ParamType::SOCKADDR => vec![0],
        _ => match t.fixed_size() {
            Some(n) if matches!(
                t,
                ParamType::INT8 | ParamType::UINT8 | ParamType::FLAGS8 | ParamType::ENUMFLAGS8 | ParamType::SIGTYPE
                    | ParamType::INT16 | ParamType::UINT16 | ParamType::FLAGS16 | ParamType::ENUMFLAGS16
                    | ParamType::SYSCALLID | ParamType::INT32 | ParamType::UINT32 | ParamType::FLAGS32
                    | ParamType::ENUMFLAGS32 | ParamType::MODE | ParamType::SIGSET | ParamType::INT64
                    | ParamType::UINT64 | ParamType::RELTIME | ParamType::ABSTIME | ParamType::ERRNO
                    | ParamType::FD | ParamType::PID
            ) => vec![0; n],
            _ => Vec::new(),
        },
    }
}

/// `{"id":..,"type":..,"name":..,"image":..}` from an old container event.
fn container_json(old: &Event<'_>) -> Option<Vec<u8>> {
    let s = |i: usize| old.param(i).map(|p| String::from_utf8_lossy(p.as_str_bytes()).into_owned());
    let ty = old.param(1)?.as_u64()?;
    let mut out =
        format!(r#"{{"id":"{}","type":{},"name":"{}","image":"{}"}}"#, s(0)?, ty, s(2)?, s(3)?).into_bytes();
    out.push(0);
    Some(out)
}

#[cfg(test)]
mod tests;
