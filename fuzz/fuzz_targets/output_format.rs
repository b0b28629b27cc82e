//! Output format strings (a rule's `output:`): compiled against the field
//! table, then rendered as text and as an alert's JSON for a few events of
//! a small capture. Compiling reports unknown fields, rendering never
//! panics.
#![no_main]

use falco::outputs::alert::json_of;
use falco::outputs::format::{FormatOptions, LineRenderer};
use falco::outputs::Alert;
use falco_engine::loader::Priority;
use falco_scap::{Engine, Event, HeaderLayout, Next, SavefileEngine, SavefileReader};
use falco_sinsp::format::Formatter;
use falco_sinsp::{Ctx, Inspector, SyscallFields};
use libfuzzer_sys::fuzz_target;

/// A seed capture (a process list, fds, users and a few dozen events).
static CAPTURE: &[u8] = include_bytes!("../seeds/decode_capture/vm_cat_shadow.scap");

struct World {
    fields: SyscallFields,
    insp: Inspector,
    /// Events of the capture in the current schema, 8 of them spread
    /// over it.
    events: Vec<Vec<u8>>,
}

fn world() -> World {
    let reader = SavefileReader::from_reader(std::io::Cursor::new(CAPTURE)).expect("seed capture");
    let mut engine = SavefileEngine::new(reader);
    let mut insp = Inspector::new(engine.take_initial_state());
    let mut all = Vec::new();
    while let Ok(next) = engine.next() {
        match next {
            Next::Event(ev) => {
                insp.process(&ev);
                let mut bytes = Vec::new();
                ev.write_current_form(&mut bytes);
                all.push(bytes);
            }
            Next::Touch(t) => {
                insp.touch(&t);
            }
            Next::Timeout => {}
            Next::Eof => break,
        }
    }
    let step = (all.len() / 8).max(1);
    let events = all.into_iter().step_by(step).collect();
    World {
        fields: SyscallFields::new(),
        insp,
        events,
    }
}

thread_local! {
    static WORLD: World = world();
}

fuzz_target!(|data: &[u8]| {
    let Ok(fmt) = std::str::from_utf8(data) else {
        return;
    };
    WORLD.with(|w| {
        let Ok(f) = Formatter::new(&w.fields, fmt) else {
            return;
        };
        let json = LineRenderer {
            options: FormatOptions {
                json_output: true,
                include_message: true,
                include_uuid: true,
                ..FormatOptions::default()
            },
            tz: chrono::Utc,
        };
        for bytes in &w.events {
            let Ok(ev) = Event::parse(bytes, HeaderLayout::V2) else {
                continue;
            };
            let c = Ctx { ev, insp: &w.insp };
            let mut output_fields = Vec::new();
            f.for_each_field(&w.fields, &c, |name, vals| {
                output_fields.push((name.to_string(), json_of(vals)));
            });
            let alert = Alert {
                rule: "fuzz".into(),
                priority: Priority::Warning,
                source: "syscall".into(),
                tags: vec!["fuzz".into()],
                time_ns: ev.ts,
                hostname: "host".into(),
                message: f.format(&w.fields, &c),
                output_fields,
                explain: None,
            };
            let line = json.render(&alert);
            assert!(
                serde_json::from_str::<serde_json::Value>(&line).is_ok(),
                "the JSON alert line is not JSON: {line}"
            );
        }
    });
});
