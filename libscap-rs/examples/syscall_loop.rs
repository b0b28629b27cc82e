//! A syscall loop for the eBPF overhead benchmark (scripts/bench-ebpf.sh):
//! `syscall_loop getpid|read1|openclose N` makes N such calls and prints
//! the mean nanoseconds per call.

use std::fs::File;
use std::io::Read;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(kind), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse::<u64>().ok()))
    else {
        eprintln!("usage: syscall_loop getpid|read1|openclose N");
        std::process::exit(2);
    };
    let mut zero = File::open("/dev/zero").expect("/dev/zero");
    let mut byte = [0u8; 1];
    let start = Instant::now();
    for _ in 0..n {
        match kind.as_str() {
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
        }
    }
    let ns = start.elapsed().as_nanos() as f64 / n as f64;
    println!("{ns:.1}");
}
