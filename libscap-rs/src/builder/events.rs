//! The common events, built from the few facts that vary; every other
//! parameter is a plausible constant or empty. Each returns the builder,
//! so a test can still `.set()` what it cares about (and `.ts()`).

use super::EventBuilder;
use falco_abi::flag_tables::socket_families::{AF_INET, AF_INET6, AF_UNSPEC};
use falco_abi::EventCode as C;

/// Strings each followed by a NUL, as in `args`, `env` and `cgroups`.
pub fn nul_join(xs: &[&str]) -> Vec<u8> {
    let mut v = Vec::new();
    for x in xs {
        v.extend_from_slice(x.as_bytes());
        v.push(0);
    }
    v
}

/// An IPv4 socket tuple (family, source, destination), as in
/// `connect`'s `tuple`.
pub fn ipv4_tuple(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16) -> Vec<u8> {
    let mut t = vec![AF_INET as u8];
    t.extend_from_slice(&src);
    t.extend_from_slice(&sport.to_le_bytes());
    t.extend_from_slice(&dst);
    t.extend_from_slice(&dport.to_le_bytes());
    t
}

/// An IPv6 socket tuple (family, source, destination), as in `connect`'s
/// and `accept`'s `tuple`.
pub fn ipv6_tuple(src: [u8; 16], sport: u16, dst: [u8; 16], dport: u16) -> Vec<u8> {
    let mut t = vec![AF_INET6 as u8];
    t.extend_from_slice(&src);
    t.extend_from_slice(&sport.to_le_bytes());
    t.extend_from_slice(&dst);
    t.extend_from_slice(&dport.to_le_bytes());
    t
}

/// The last path component of an executable.
fn basename(exe: &str) -> &str {
    exe.rsplit('/').next().unwrap_or(exe)
}

/// The fields execve and clone exits share: `tid`, a process leader
/// (pid = tid), child of `ptid`, running `exe` (comm: its last component),
/// fdlimit 1024, no page faults or memory.
fn process_exit(code: C, tid: i64, ptid: i64, exe: &str) -> EventBuilder {
    EventBuilder::new(code)
        .tid(tid as u64)
        .set("res", 0)
        .set("exe", exe)
        .set("tid", tid)
        .set("pid", tid)
        .set("ptid", ptid)
        .set("fdlimit", 1024)
        .set("pgft_maj", 0)
        .set("pgft_min", 0)
        .set("vm_size", 0)
        .set("vm_rss", 0)
        .set("vm_swap", 0)
        .set("comm", basename(exe))
        .set("flags", 0)
}

/// A successful execve exit (SYSCALL_EXECVE_19_X) of `tid` (see
/// `process_exit`) with `args`, no tty, vpgid = tid.
pub fn execve_exit(tid: i64, ptid: i64, exe: &str, args: &[&str]) -> EventBuilder {
    process_exit(C::SYSCALL_EXECVE_19_X, tid, ptid, exe)
        .set("args", nul_join(args))
        .set("tty", 0)
        .set("vpgid", tid)
}

/// The child's side (res 0) of a clone exit (SYSCALL_CLONE_20_X) that
/// made process `tid` (see `process_exit`), no flags, vtid = vpid = tid.
pub fn clone_child_exit(tid: i64, ptid: i64, exe: &str) -> EventBuilder {
    process_exit(C::SYSCALL_CLONE_20_X, tid, ptid, exe)
        .set("vtid", tid)
        .set("vpid", tid)
}

/// An openat exit (SYSCALL_OPENAT_2_X) of `tid` returning `fd` for `name`
/// relative to `dirfd`, with `flags` in the schema's numbering; mode, dev
/// and inode 0.
pub fn openat_exit(tid: i64, fd: i64, dirfd: i64, name: &str, flags: u32) -> EventBuilder {
    EventBuilder::new(C::SYSCALL_OPENAT_2_X)
        .tid(tid as u64)
        .set("fd", fd)
        .set("dirfd", dirfd)
        .set("name", name)
        .set("flags", flags)
        .set("mode", 0)
        .set("dev", 0)
        .set("ino", 0)
}

/// A successful close exit (SYSCALL_CLOSE_X) of `fd` by `tid`.
pub fn close_exit(tid: i64, fd: i64) -> EventBuilder {
    EventBuilder::new(C::SYSCALL_CLOSE_X)
        .tid(tid as u64)
        .set("res", 0)
        .set("fd", fd)
}

/// A socket exit (SOCKET_SOCKET_X) of `tid` returning `fd` for an IPv4
/// TCP socket (domain AF_INET, type SOCK_STREAM 1, proto 0, no flags).
pub fn socket_exit(tid: i64, fd: i64) -> EventBuilder {
    EventBuilder::new(C::SOCKET_SOCKET_X)
        .tid(tid as u64)
        .set("fd", fd)
        .set("domain", AF_INET)
        .set("type", 1)
        .set("proto", 0)
        .set("flags", 0)
}

/// A socket exit (SOCKET_SOCKET_X) of `tid` returning `fd` for an IPv6
/// TCP socket (domain AF_INET6, type SOCK_STREAM 1, proto 0, no flags).
pub fn socket6_exit(tid: i64, fd: i64) -> EventBuilder {
    socket_exit(tid, fd).set("domain", AF_INET6)
}

/// An accept4 exit (SOCKET_ACCEPT4_6_X) of `tid` returning `fd` for a
/// connection with `tuple`; an empty queue, no flags.
pub fn accept4_exit(tid: i64, fd: i64, tuple: &[u8]) -> EventBuilder {
    EventBuilder::new(C::SOCKET_ACCEPT4_6_X)
        .tid(tid as u64)
        .set("fd", fd)
        .set("tuple", tuple)
        .set("queuepct", 0)
        .set("queuelen", 0)
        .set("queuemax", 0)
        .set("flags", 0)
}

/// A successful connect exit (SOCKET_CONNECT_X) of `tid` on `fd` with
/// `tuple` (see [`ipv4_tuple`]); the address is only a family, AF_UNSPEC.
pub fn connect_exit(tid: i64, fd: i64, tuple: &[u8]) -> EventBuilder {
    EventBuilder::new(C::SOCKET_CONNECT_X)
        .tid(tid as u64)
        .set("res", 0)
        .set("tuple", tuple)
        .set("fd", fd)
        .set("addr", &[AF_UNSPEC as u8])
}
