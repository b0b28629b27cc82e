//! A syscall loop for the eBPF overhead benchmark (scripts/bench-ebpf.sh):
//! `syscall_loop getpid|read1|openclose N` makes N such calls and prints
//! the mean nanoseconds per call, wall clock then thread CPU time:
//! `WALL_NS CPU_NS` (the first field alone is what it printed before).
//!
//! Thread CPU time (CLOCK_THREAD_CPUTIME_ID) counts what this thread ran,
//! user and kernel, the probe's programs in its syscall path included,
//! and leaves out the time it waited preempted by another task: the
//! probe's cost, less sensitive than wall time to a busy machine. The
//! loop runs N/100 calls first, untimed, so that the first timed call
//! does not pay for faulting in the pages and caches it needs.

use nix::time::{clock_gettime, ClockId};
use std::fs::File;
use std::io::Read;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(kind), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse::<u64>().ok()))
    else {
        eprintln!("usage: syscall_loop getpid|read1|openclose N");
        std::process::exit(2);
    };
    let mut zero = File::open("/dev/zero").expect("/dev/zero");
    let mut byte = [0u8; 1];
    let mut call = || match kind.as_str() {
        // glibc does not cache getpid: one syscall per call.
        "getpid" => {
            std::hint::black_box(std::process::id());
        }
        "read1" => {
            zero.read_exact(&mut byte).expect("read /dev/zero");
        }
        "openclose" => {
            drop(File::open("/etc/hostname").expect("open /etc/hostname"));
        }
        other => {
            eprintln!("unknown loop {other}");
            std::process::exit(2);
        }
    };
    for _ in 0..n / 100 {
        call();
    }
    let start = Instant::now();
    let cpu_start = thread_cpu();
    for _ in 0..n {
        call();
    }
    let cpu = thread_cpu().saturating_sub(cpu_start);
    let wall = start.elapsed();
    let per_call = |d: Duration| d.as_nanos() as f64 / n.max(1) as f64;
    println!("{:.1} {:.1}", per_call(wall), per_call(cpu));
}

/// CPU time this thread has used.
fn thread_cpu() -> Duration {
    let t = clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID).expect("CLOCK_THREAD_CPUTIME_ID");
    Duration::from(t)
}
