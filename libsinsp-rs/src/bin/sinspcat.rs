//! sinspcat: replays a capture through the state and prints a format per
//! event, like `sysdig -r FILE -p FORMAT`. A debugging aid and the oracle
//! harness for the differential tests against sysdig.
//!
//! Usage: sinspcat [-p FORMAT] FILE.scap[.gz]

use falco_scap::{Engine, Next, SavefileEngine};
use falco_sinsp::format::Formatter;
use falco_sinsp::{Ctx, Inspector, SyscallFields};
use std::io::Write;
use std::process::ExitCode;

const DEFAULT: &str =
    "%evt.num %evt.time %evt.cpu %proc.name (%thread.tid) %evt.dir %evt.type %evt.args";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut fmt, mut path) = (DEFAULT.to_string(), None);
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-p" => fmt = it.next().unwrap_or_default(),
            "-h" | "--help" => {
                println!("usage: sinspcat [-p FORMAT] FILE.scap[.gz]");
                return ExitCode::SUCCESS;
            }
            _ => path = Some(a),
        }
    }
    let Some(path) = path else {
        eprintln!("usage: sinspcat [-p FORMAT] FILE.scap[.gz]");
        return ExitCode::from(2);
    };
    let fields = SyscallFields::new();
    // sysdig's "print even when fields are missing" marker: we always do.
    let fmt = fmt.strip_prefix('*').unwrap_or(&fmt);
    let formatter = match Formatter::new(&fields, fmt) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("sinspcat: -p: {e}");
            return ExitCode::from(2);
        }
    };
    let mut engine = match SavefileEngine::open(&path) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("sinspcat: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut insp = Inspector::new(engine.take_initial_state());
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    loop {
        match engine.next() {
            Ok(Next::Event(ev)) => {
                insp.process(&ev);
                let c = Ctx { ev, insp: &insp };
                let _ = writeln!(out, "{}", formatter.format(&fields, &c));
            }
            // sinspcat prints every event: it asks for no outlines.
            Ok(Next::Touch(t)) => {
                insp.touch(&t);
            }
            Ok(Next::Timeout) => {}
            Ok(Next::Eof) => break,
            Err(e) => {
                let _ = out.flush();
                eprintln!("sinspcat: {path}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let _ = out.flush();
    eprintln!(
        "anomalies: {:?}; threads: {:?}",
        insp.anomalies, insp.threads.stats
    );
    ExitCode::SUCCESS
}
