//! Brings events of old captures to the current, exit-only schema.
//!
//! Old captures carry enter/exit pairs and older event versions with fewer
//! parameters. Each row of [`table::RULES`] takes an event of one (code,
//! parameter count) one step forward: add parameters, change it to a newer
//! event code, or store an enter event so that its exit can take the
//! parameters that used to travel on the enter side. Steps repeat until the
//! event is current. Enter events that only fed their exit are dropped;
//! consumers see one shape.

mod extensions;
mod table;

use crate::engine::Touch;
use crate::event::{Event, EventMeta, HeaderLayout};
use falco_abi::{
    event_info, EventCode, EventFlags, EventHeader, EventInfo, ParamType, EVENT_HEADER_SIZE,
};
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
    Rule {
        code: code as u16,
        nparams,
        action,
    }
}

/// `RULE_START[c]..RULE_START[c + 1]` are the rules of event code `c`
/// (the table is sorted by code), built at compile time.
const RULE_START: [u16; falco_abi::EVENT_COUNT + 1] = {
    let mut start = [0u16; falco_abi::EVENT_COUNT + 1];
    let mut code = 0;
    let mut i = 0;
    while code <= falco_abi::EVENT_COUNT {
        while i < table::RULES.len() && (table::RULES[i].code as usize) < code {
            i += 1;
        }
        start[code] = i as u16;
        code += 1;
    }
    start
};

/// The rule for an event of `code` with `nparams` parameters.
#[inline]
pub fn find_rule(code: u16, nparams: u32) -> Option<&'static Rule> {
    let c = code as usize;
    let rules = table::RULES.get(*RULE_START.get(c)? as usize..*RULE_START.get(c + 1)? as usize)?;
    rules
        .iter()
        .find(|r| r.nparams as u32 == nparams)
        .or_else(|| {
            extensions::EXTENSION_RULES
                .iter()
                .find(|r| r.code == code && r.nparams as u32 == nparams)
        })
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
    /// Deliver only this outline of the (converted) event: its type is one
    /// the consumer asked to see light ([`Converter::set_light`]).
    Touch(Touch),
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

/// Hashes thread ids with one multiply: keys are small integers, not
/// attacker-chosen strings, and this map is hit on every old event.
#[derive(Debug, Default, Clone, Copy)]
pub struct TidHasher(u64);

impl std::hash::Hasher for TidHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ *b as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (v ^ (v >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type TidMap<V> = HashMap<u64, V, std::hash::BuildHasherDefault<TidHasher>>;

/// Converts a stream of events; keeps the pending enter event of each
/// thread (an empty buffer means none; buffers are reused, not freed).
#[derive(Debug, Default)]
pub struct Converter {
    enters: TidMap<Vec<u8>>,
    cur: Vec<u8>,
    /// `cur` as parsed by the last conversion step's check.
    cur_meta: Option<EventMeta>,
    next: Vec<u8>,
    stats: ConverterStats,
    /// `light[code]`: deliver events of this (current) type as a [`Touch`].
    /// Empty: none.
    light: Vec<bool>,
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
    if !f.contains(EventFlags::CONVERTER_MANAGED) && !extensions::covers(info.code) {
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
        self.cur_meta?.attach(&self.cur)
    }

    /// Asks for events whose current type satisfies `light` as a
    /// [`Touch`] instead of whole: an exit that one conversion step brings
    /// to such a type is not built at all, only its fd is looked up.
    pub fn set_light(&mut self, light: impl Fn(u16) -> bool) {
        self.light = (0..falco_abi::EVENT_COUNT as u16).map(light).collect();
    }

    fn is_light(&self, code: u16) -> bool {
        self.light.get(code as usize).copied().unwrap_or(false)
    }

    /// Decides about `ev`, converting it when it is old.
    pub fn process(&mut self, ev: &Event<'_>) -> Outcome {
        let outcome = self.process_whole(ev);
        if self.light.is_empty() {
            return outcome;
        }
        let outline = |e: &Event<'_>| {
            Outcome::Touch(Touch {
                ts: e.ts,
                tid: e.tid,
                evt_type: e.evt_type,
                fd: e.used_fd(),
            })
        };
        match outcome {
            Outcome::Pass if self.is_light(ev.evt_type) => outline(ev),
            Outcome::Converted => match self.event() {
                Some(e) if self.is_light(e.evt_type) => outline(&e),
                _ => outcome,
            },
            other => other,
        }
    }

    fn process_whole(&mut self, ev: &Event<'_>) -> Outcome {
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
                        self.stats.first_failure = Some(format!(
                            "event type {} ({}) ts {}: {msg}",
                            ev.evt_type,
                            ev.name(),
                            ev.ts
                        ));
                    }
                    Outcome::Pass
                }
            },
        }
    }

    fn convert(&mut self, ev: &Event<'_>) -> Result<Outcome, String> {
        let mut changed = false;
        for _ in 0..MAX_STEPS {
            // The first step reads the event where it is; later ones read the
            // previous step's output.
            let view = if changed {
                let v = Event::parse(&self.cur, HeaderLayout::V2).map_err(|e| e.to_string())?;
                self.cur_meta = Some(v.meta());
                v
            } else {
                *ev
            };
            let (code, n, tid) = (view.evt_type, view.nparams, view.tid);
            let done = if changed {
                Outcome::Converted
            } else {
                Outcome::Pass
            };
            // The event as given was classified by `process` already.
            match changed.then(|| classify(view.info(), n)) {
                Some(First::Pass) => {
                    self.stats.converted += 1;
                    return Ok(done);
                }
                Some(First::Drop) => {
                    self.stats.dropped += 1;
                    return Ok(Outcome::Drop);
                }
                Some(First::Convert) | None => {}
            }
            let rule =
                find_rule(code, n).ok_or_else(|| format!("no conversion for {n} parameters"))?;
            match rule.action {
                Action::Pass => {
                    self.stats.converted += changed as u64;
                    return Ok(done);
                }
                Action::Store | Action::StoreAndPass => {
                    view.write_current_form(self.enters.entry(tid).or_default());
                    if rule.action == Action::Store {
                        self.stats.dropped += 1;
                        return Ok(Outcome::Drop);
                    }
                    self.stats.converted += changed as u64;
                    return Ok(done);
                }
                Action::Add(instrs) | Action::ChangeType(_, instrs)
                    if !changed && self.light_in_one_step(&view, &rule.action) =>
                {
                    let (to, keep_old) = match rule.action {
                        Action::ChangeType(to, _) => (to as u16, false),
                        _ => (code, true),
                    };
                    if let Some(t) = outline(
                        &view,
                        to,
                        instrs,
                        keep_old,
                        &mut self.enters,
                        &mut self.stats,
                    ) {
                        return Ok(Outcome::Touch(t));
                    }
                    // Not outlined: built whole below, as any other.
                    step(
                        &view,
                        to,
                        instrs,
                        keep_old,
                        &mut self.next,
                        &mut self.enters,
                        &mut self.stats,
                    )?
                }
                Action::Add(instrs) => step(
                    &view,
                    code,
                    instrs,
                    true,
                    &mut self.next,
                    &mut self.enters,
                    &mut self.stats,
                )?,
                Action::ChangeType(to, instrs) => step(
                    &view,
                    to as u16,
                    instrs,
                    false,
                    &mut self.next,
                    &mut self.enters,
                    &mut self.stats,
                )?,
            }
            changed = true;
            std::mem::swap(&mut self.cur, &mut self.next);
        }
        Err(format!(
            "still not current after {MAX_STEPS} conversion steps"
        ))
    }

    /// Whether `action` on `old` gives, in this one step, a current event
    /// of a light type.
    fn light_in_one_step(&self, old: &Event<'_>, action: &Action) -> bool {
        let (to, total) = match action {
            Action::Add(instrs) => (old.evt_type, old.nparams as usize + instrs.len()),
            Action::ChangeType(to, instrs) => (*to as u16, instrs.len()),
            _ => return false,
        };
        self.is_light(to)
            && event_info(to)
                .is_some_and(|info| matches!(classify(info, total as u32), First::Pass))
    }
}

/// The [`Touch`] of the event [`step`] would build from `old`, without
/// building it: the same sources, the same enter consumed, the same
/// counts. `None` when the step would fail or not fit (then it is built,
/// and fails or not, as any other).
fn outline(
    old: &Event<'_>,
    to: u16,
    instrs: &[Instr],
    keep_old: bool,
    enters: &mut TidMap<Vec<u8>>,
    stats: &mut ConverterStats,
) -> Option<Touch> {
    let (target, base, total) = step_shape(old, to, instrs, keep_old).ok()?;
    let old_params = Spans::of(old);
    let enter = stored_enter(enters, old);
    let enter_params = enter.as_ref().map(Spans::of);
    let json = step_json(old, instrs);
    let src = Sources {
        old: &old_params,
        enter: enter_params.as_ref(),
        json: json.as_deref(),
        target,
    };
    let mut use_ = EnterUse::default();
    let value = |k: usize, use_: &mut EnterUse| -> Option<&[u8]> {
        if k < base {
            return Some(old_params.get(k).unwrap_or_default());
        }
        src.param(k, instrs.get(k - base).copied()?, use_).ok()
    };
    let width = target.param_len_size();
    let mut len = EVENT_HEADER_SIZE + total * width;
    for k in 0..total {
        len += value(k, &mut use_)?.len();
    }
    if len > MAX_EVENT_SIZE {
        return None;
    }
    let fd = crate::event::used_fd(target, |k| value(k, &mut EnterUse::default()));
    settle(enters, stats, old.tid, use_);
    stats.converted += 1;
    Some(Touch {
        ts: old.ts,
        tid: old.tid,
        evt_type: to,
        fd,
    })
}

/// The event a step makes (`to`), how many parameters it keeps from
/// `old`, and how many it has; an error when that does not fit `to`.
fn step_shape(
    old: &Event<'_>,
    to: u16,
    instrs: &[Instr],
    keep_old: bool,
) -> Result<(&'static EventInfo, usize, usize), String> {
    let target = event_info(to).ok_or("target event not in schema")?;
    let base = if keep_old { old.nparams as usize } else { 0 };
    let total = base + instrs.len();
    if total > target.nparams() || total > crate::event::MAX_PARAMS {
        return Err(format!(
            "conversion gives {total} parameters, {} has {}",
            target.name,
            target.nparams()
        ));
    }
    Ok((target, base, total))
}

/// The container JSON a step's instructions ask for, if they do.
fn step_json(old: &Event<'_>, instrs: &[Instr]) -> Option<Vec<u8>> {
    instrs
        .contains(&Instr::ContainerJson)
        .then(|| container_json(old).unwrap_or_default())
}

/// The thread's stored enter, if it is the enter of the exit `old`.
fn stored_enter<'e>(enters: &'e TidMap<Vec<u8>>, old: &Event<'_>) -> Option<Event<'e>> {
    enters
        .get(&old.tid)
        .filter(|b| !b.is_empty())
        .and_then(|b| Event::parse(b, HeaderLayout::V2).ok())
        .filter(|e| e.evt_type.wrapping_add(1) == old.evt_type)
}

/// Whether a step took parameters from the stored enter, and whether one
/// it should have given was missing.
#[derive(Default, Clone, Copy)]
struct EnterUse {
    used: bool,
    missing: bool,
}

/// Counts a missing enter; a used one is consumed (its buffer kept for the
/// thread's next enter).
fn settle(enters: &mut TidMap<Vec<u8>>, stats: &mut ConverterStats, tid: u64, u: EnterUse) {
    if u.missing {
        stats.missing_enter += 1;
    }
    if u.used {
        if let Some(b) = enters.get_mut(&tid) {
            b.clear();
        }
    }
}

/// Where a step's instructions take parameters from.
struct Sources<'s, 'a> {
    old: &'s Spans<'a>,
    enter: Option<&'s Spans<'a>>,
    json: Option<&'s [u8]>,
    target: &'static EventInfo,
}

impl<'s, 'a: 's> Sources<'s, 'a> {
    /// The bytes `instr` gives parameter `k` of the result (cut to its
    /// type's size).
    #[inline]
    fn param(&self, k: usize, instr: Instr, use_: &mut EnterUse) -> Result<&'s [u8], String> {
        let ptype = self.target.params[k].ptype;
        let missing_param = |i: u8| format!("parameter {i} missing");
        let b = match instr {
            Instr::Old(i) => self.old.get(i as usize).ok_or_else(|| missing_param(i))?,
            Instr::OldDyn(i) => self
                .old
                .get(i as usize)
                .ok_or_else(|| missing_param(i))?
                .get(1..)
                .unwrap_or_default(),
            Instr::EnterOrDefault(i) | Instr::EnterOrEmpty(i) => {
                match self.enter.and_then(|e| e.get(i as usize)) {
                    Some(b) => {
                        use_.used = true;
                        b
                    }
                    None => {
                        use_.missing = true;
                        if matches!(instr, Instr::EnterOrDefault(_)) {
                            default_value(ptype)
                        } else {
                            &[]
                        }
                    }
                }
            }
            Instr::Default => default_value(ptype),
            Instr::Empty => &[],
            Instr::ContainerJson => self.json.unwrap_or_default(),
        };
        Ok(&b[..b.len().min(max_len(ptype, self.target))])
    }
}

/// An event's parameters, located in one pass over its lengths.
struct Spans<'a> {
    values: &'a [u8],
    /// End offset of each parameter in `values`.
    ends: [u32; crate::event::MAX_PARAMS],
    n: usize,
}

impl<'a> Spans<'a> {
    fn of(ev: &Event<'a>) -> Spans<'a> {
        let (lens, width, values) = ev.param_areas();
        let mut ends = [0u32; crate::event::MAX_PARAMS];
        let mut end = 0u32;
        let n = (ev.nparams as usize).min(ends.len());
        for (i, e) in ends.iter_mut().enumerate().take(n) {
            let len = falco_abi::header::param_len_at(lens, i, width).unwrap_or(0);
            end = end.saturating_add(len);
            *e = end;
        }
        Spans { values, ends, n }
    }

    fn get(&self, i: usize) -> Option<&'a [u8]> {
        if i >= self.n {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.values.get(start..self.ends[i] as usize)
    }
}

/// Builds `next` from `old` with one rule's instructions, taking enter
/// parameters from (and consuming) the thread's stored enter event.
fn step(
    old: &Event<'_>,
    to: u16,
    instrs: &[Instr],
    keep_old: bool,
    next: &mut Vec<u8>,
    enters: &mut TidMap<Vec<u8>>,
    stats: &mut ConverterStats,
) -> Result<(), String> {
    let (target, base, total) = step_shape(old, to, instrs, keep_old)?;
    let old_params = Spans::of(old);
    let enter = stored_enter(enters, old);
    let enter_params = enter.as_ref().map(Spans::of);
    let json = step_json(old, instrs);
    let src = Sources {
        old: &old_params,
        enter: enter_params.as_ref(),
        json: json.as_deref(),
        target,
    };
    let mut use_ = EnterUse::default();
    let width = target.param_len_size();
    // One pass: the length area is reserved, then each value appended and
    // its length written in place.
    next.clear();
    next.resize(EVENT_HEADER_SIZE + total * width, 0);
    for k in 0..total {
        let b: &[u8] = if k < base {
            old_params.get(k).unwrap_or_default()
        } else {
            src.param(k, instrs[k - base], &mut use_)?
        };
        let at = EVENT_HEADER_SIZE + k * width;
        if width == 4 {
            next[at..at + 4].copy_from_slice(&(b.len() as u32).to_le_bytes());
        } else {
            next[at..at + 2].copy_from_slice(&(b.len() as u16).to_le_bytes());
        }
        next.extend_from_slice(b);
    }
    let len = next.len();
    if len > MAX_EVENT_SIZE {
        return Err(format!("converted event would be {len} bytes"));
    }
    let hdr = EventHeader {
        ts: old.ts,
        tid: old.tid,
        len: len as u32,
        evt_type: to,
        nparams: total as u32,
    };
    next[..EVENT_HEADER_SIZE].copy_from_slice(&hdr.to_bytes());
    settle(enters, stats, old.tid, use_);
    Ok(())
}

/// Longest value a parameter of `t` may take in an event of `target`.
fn max_len(t: ParamType, target: &EventInfo) -> usize {
    match t.fixed_size() {
        Some(n) if t != ParamType::NONE => n,
        _ if target.param_len_size() == 4 => u32::MAX as usize,
        _ => u16::MAX as usize,
    }
}

/// The default a missing parameter takes: zeros of the type's size, except
/// uid/gid (all ones, "unknown") and sockaddr (family AF_UNSPEC); variable
/// types default to empty.
fn default_value(t: ParamType) -> &'static [u8] {
    const ZEROS: [u8; 8] = [0; 8];
    const UNKNOWN_ID: [u8; 4] = [0xff; 4];
    use ParamType as T;
    match t {
        T::UID | T::GID => &UNKNOWN_ID,
        T::SOCKADDR => &ZEROS[..1],
        T::INT8 | T::UINT8 | T::FLAGS8 | T::ENUMFLAGS8 | T::SIGTYPE => &ZEROS[..1],
        T::INT16 | T::UINT16 | T::FLAGS16 | T::ENUMFLAGS16 | T::SYSCALLID => &ZEROS[..2],
        T::INT32 | T::UINT32 | T::FLAGS32 | T::ENUMFLAGS32 | T::MODE | T::SIGSET => &ZEROS[..4],
        T::INT64 | T::UINT64 | T::RELTIME | T::ABSTIME | T::ERRNO | T::FD | T::PID => &ZEROS[..8],
        _ => &[],
    }
}

/// `{"id":..,"type":..,"name":..,"image":..}` from an old container event.
fn container_json(old: &Event<'_>) -> Option<Vec<u8>> {
    let s = |i: usize| {
        old.param(i)
            .map(|p| String::from_utf8_lossy(p.as_str_bytes()).into_owned())
    };
    let ty = old.param(1)?.as_u64()?;
    let mut out = format!(
        r#"{{"id":"{}","type":{},"name":"{}","image":"{}"}}"#,
        s(0)?,
        ty,
        s(2)?,
        s(3)?
    )
    .into_bytes();
    out.push(0);
    Some(out)
}

#[cfg(test)]
mod tests;
