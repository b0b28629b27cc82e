//! Helpers shared by the fuzz targets (`fuzz_targets/`): the structured
//! capture model and the replay of a capture through the state layer.

pub mod capture;

use falco_scap::{Engine, Next, SavefileEngine, SavefileReader};
use falco_sinsp::format::Formatter;
use falco_sinsp::{Ctx, Inspector, SyscallFields};
use std::sync::{Once, OnceLock};

/// Makes panics abort (a crash for libFuzzer, with the usual message)
/// except those raised inside libyaml-safer, which falco-engine's YAML
/// reader catches and reports as a syntax error (libyaml-safer 0.3 has a
/// few `todo!`s on malformed input; see `falco_engine::yaml::builder`).
/// libfuzzer-sys's own hook aborts before any unwinding, so without this
/// the targets that read YAML would stop on a handled panic.
pub fn abort_on_panic_outside_yaml_parser() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info
                .location()
                .is_some_and(|l| l.file().contains("libyaml-safer"))
            {
                return;
            }
            fuzzer_hook(info);
            std::process::abort();
        }));
    });
}

/// The fields every replayed event is rendered with: one per field class
/// that reads the state (process, fd, user, container), plus the
/// parameters.
pub const STATE_FORMAT: &str = "%evt.num %evt.type %evt.dir %evt.args %proc.name %proc.pname \
     %proc.cmdline %proc.exepath %proc.cwd %thread.tid %fd.name %fd.type %fd.cip %fd.sport \
     %fd.l4proto %user.name %group.name %container.id %proc.aname[2] %fdlist.names";

/// Events replayed per input at most (the structured target's inputs are
/// small; this bounds a pathological one).
pub const MAX_EVENTS: usize = 4096;

/// The field table and the compiled [`STATE_FORMAT`], built once.
pub fn state_formatter() -> &'static (SyscallFields, Formatter) {
    static F: OnceLock<(SyscallFields, Formatter)> = OnceLock::new();
    F.get_or_init(|| {
        let fields = SyscallFields::new();
        let f = Formatter::new(&fields, STATE_FORMAT).expect("the state format compiles");
        (fields, f)
    })
}

/// Reads `bytes` as a capture (state blocks, events, conversion) and
/// replays it through the inspector, rendering [`STATE_FORMAT`] for every
/// event. Errors end the replay; a panic anywhere is the bug. Returns how
/// many events were seen.
pub fn replay_through_state(bytes: Vec<u8>) -> usize {
    let Ok(reader) = SavefileReader::from_reader(std::io::Cursor::new(bytes)) else {
        return 0;
    };
    let mut engine = SavefileEngine::new(reader);
    let mut insp = Inspector::new(engine.take_initial_state());
    let (fields, fmt) = state_formatter();
    let mut n = 0;
    while n < MAX_EVENTS {
        match engine.next() {
            Ok(Next::Event(ev)) => {
                n += 1;
                insp.process(&ev);
                let c = Ctx { ev, insp: &insp };
                std::hint::black_box(fmt.format(fields, &c));
            }
            Ok(Next::Touch(t)) => {
                n += 1;
                insp.touch(&t);
            }
            Ok(Next::Timeout) => {}
            Ok(Next::Eof) | Err(_) => break,
        }
    }
    n
}
