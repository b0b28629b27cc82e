//! scapcat: prints the events of a capture, one per line, and what the
//! reader and converter counted. A debugging aid and the honest replay
//! command until the falco CLI exists.
//!
//! Usage: scapcat [--raw] [--quiet] FILE.scap[.gz]

use falco_scap::{Engine, Next, ParamValue, SavefileEngine};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut raw = false;
    let mut quiet = false;
    let mut path = None;
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--raw" => raw = true,
            "--quiet" | "-q" => quiet = true,
            "-h" | "--help" => {
                println!("usage: scapcat [--raw] [--quiet] FILE.scap[.gz]");
                return ExitCode::SUCCESS;
            }
            _ => path = Some(a),
        }
    }
    let Some(path) = path else {
        eprintln!("usage: scapcat [--raw] [--quiet] FILE.scap[.gz]");
        return ExitCode::from(2);
    };
    let mut engine = match SavefileEngine::open(&path) {
        Ok(e) if raw => e.without_conversion(),
        Ok(e) => e,
        Err(e) => {
            eprintln!("scapcat: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    let mut n = 0u64;
    loop {
        match engine.next() {
            // scapcat asks for no outlines.
            Ok(Next::Touch(_)) => n += 1,
            Ok(Next::Event(ev)) => {
                n += 1;
                if quiet {
                    continue;
                }
                let _ = write!(
                    out,
                    "{n} {} {} {} {} {}",
                    ev.ts,
                    ev.cpu,
                    ev.tid,
                    ev.info().direction().symbol(),
                    ev.name()
                );
                for p in ev.params() {
                    let name = p.info.map(|i| i.name).unwrap_or("?");
                    let _ = match p.value() {
                        Some(ParamValue::Str(s)) => {
                            write!(out, " {name}={}", String::from_utf8_lossy(s))
                        }
                        Some(ParamValue::Int(v)) => write!(out, " {name}={v}"),
                        Some(ParamValue::UInt(v)) => write!(out, " {name}={v}"),
                        Some(ParamValue::Empty) => write!(out, " {name}=<NA>"),
                        Some(v) => write!(out, " {name}={v:?}"),
                        None => write!(out, " {name}=<bad>"),
                    };
                }
                let _ = writeln!(out);
            }
            Ok(Next::Timeout) => continue,
            Ok(Next::Eof) => break,
            Err(e) => {
                let _ = out.flush();
                eprintln!("scapcat: {path}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let _ = out.flush();
    eprintln!("{n} events delivered; reader: {:?}", engine.read_stats());
    if let Some(c) = engine.converter_stats() {
        eprintln!("converter: {c:?}");
    }
    ExitCode::SUCCESS
}
