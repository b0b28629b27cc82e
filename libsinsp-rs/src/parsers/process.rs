//! Process lifecycle: clone family, execve family, procexit, credentials,
//! working directory, thread name.

use super::memory::Reported;
use super::Cx;
use crate::inspector::{Inspector, Removal};
use crate::state::thread::{parse_cgroups, split_nul};
use crate::state::{container, paths, Thread};
use falco_abi::flag_tables::clone_flags::{
    CLONE_CHILD_IN_PIDNS, CLONE_NEWPID, CLONE_PARENT, CLONE_THREAD,
};
use falco_abi::flag_tables::execve_flags::{
    EXE_FROM_MEMFD, EXE_LOWER_LAYER, EXE_UPPER_LAYER, EXE_WRITABLE,
};
use falco_abi::flag_tables::prctl_options::PR_SET_NAME;
use falco_abi::EventCode as C;

fn cgroups(cx: &Cx<'_, '_, '_>) -> Vec<(String, String)> {
    parse_cgroups(cx.bytes("cgroups").unwrap_or_default())
}

/// The container a process's cgroups name ("" on the host); the inspector
/// is told, to make or ask for its record.
fn container_id(insp: &mut Inspector, cg: &[(String, String)]) -> String {
    match container::match_cgroups(cg.iter().map(|(_, p)| p.as_str())) {
        Some(m) => {
            insp.note_container(&m);
            m.id.to_string()
        }
        None => String::new(),
    }
}

/// The last path component of an executable.
fn basename(exe: &str) -> &str {
    exe.rsplit('/').next().unwrap_or(exe)
}

/// The exit of clone/fork/vfork/clone3, on either side: the parent sees
/// the child's tid as result, the child sees 0. Whichever arrives first
/// creates the child.
pub fn clone_exit(cx: &mut Cx<'_, '_, '_>) {
    let Some(res) = cx.i64("res") else {
        return cx.bad_params();
    };
    if res < 0 {
        return;
    }
    let flags = cx.u64("flags").unwrap_or(0);
    let child_tid = if res == 0 { cx.tid() } else { res };
    if res > 0 && cx.insp.threads.exited_before(child_tid, cx.ev.ts) {
        // The child already ran, exited and was removed before its
        // parent's clone returned: nothing to create.
        return;
    }
    if res == 0 {
        cx.insp.threads.forget_exit(child_tid);
    }
    if cx
        .insp
        .threads
        .get(child_tid)
        .is_some_and(|t| !t.exited && t.clone_ts != 0)
    {
        // The other side's event came first and created the child (with
        // the fds the parent had at that moment): keep it.
        return;
    }
    let is_thread = flags & u64::from(CLONE_THREAD) != 0;
    // The thread that called clone: the event's own thread on the parent
    // side; on the child side, its leader (new thread) or parent (new process).
    let caller_tid = match res {
        0 if is_thread => cx.i64("pid").unwrap_or(-1),
        0 => cx.i64("ptid").unwrap_or(-1),
        _ => cx.tid(),
    };
    let caller = cx.insp.threads.get(caller_tid).cloned().unwrap_or_default();
    // As libsinsp: a child in another pid namespace (or whose parent is
    // not the caller, CLONE_PARENT) is left to its own side's event, which
    // knows its virtual ids; a caller whose virtual tid is not its tid is
    // in one already.
    let elsewhere = u64::from(CLONE_CHILD_IN_PIDNS | CLONE_NEWPID | CLONE_PARENT);
    if res > 0 && (flags & elsewhere != 0 || caller.vtid != caller.tid) {
        return;
    }
    // Parameters describe the thread that returns from the call.
    let (tid, pid, ptid) = if res == 0 {
        (
            child_tid,
            cx.i64("pid").unwrap_or(child_tid),
            cx.i64("ptid").unwrap_or(-1),
        )
    } else {
        let pid = if is_thread { caller.pid } else { child_tid };
        let ptid = if is_thread { caller.ptid } else { caller.tid };
        (child_tid, pid, ptid)
    };
    // Either side's cgroups are the child's: it inherits the parent's.
    let cg = match cgroups(cx) {
        cg if cg.is_empty() => caller.cgroups.clone(),
        cg => cg,
    };
    let exe = cx.str("exe").unwrap_or_else(|| caller.exe.clone());
    // Old captures have no comm: Falco then takes the executable's name.
    let comm = cx.str("comm").unwrap_or_else(|| basename(&exe).to_string());
    let args = split_nul(cx.bytes("args").unwrap_or_default());
    let container_id = container_id(cx.insp, &cg);
    let mut child = Thread {
        tid,
        pid,
        ptid,
        comm,
        exe,
        args: if args.is_empty() {
            caller.args.clone()
        } else {
            args
        },
        // The working directory is the creator's (shared by threads).
        cwd: caller.cwd.clone(),
        fdlimit: cx.u64("fdlimit").unwrap_or(caller.fdlimit),
        uid: cx.u64("uid").map(|v| v as u32).unwrap_or(caller.uid),
        gid: cx.u64("gid").map(|v| v as u32).unwrap_or(caller.gid),
        // The parent's side: a child in the caller's (host) namespace.
        vtid: if res == 0 {
            cx.i64("vtid").unwrap_or(-1)
        } else {
            tid
        },
        vpid: if res == 0 {
            cx.i64("vpid").unwrap_or(-1)
        } else {
            pid
        },
        pidns_init_start_ts: cx
            .u64("pidns_init_start_ts")
            .unwrap_or(caller.pidns_init_start_ts),
        container_id,
        cgroups: cg,
        clone_ts: cx.ev.ts,
        ..caller.clone()
    };
    child.euid = child.uid;
    child.egid = child.gid;
    if let Some(m) = Reported::of(cx) {
        m.apply(&mut child);
    }
    child.exited = false;
    // A new process gets a copy of the parent's fds (or shares them with
    // CLONE_FILES, which our per-process table cannot tell apart from a
    // copy at this moment); a new thread uses its leader's table.
    child.fds = if is_thread {
        Default::default()
    } else {
        cx.insp.threads.fds(caller.tid).cloned().unwrap_or_default()
    };
    cx.insp.threads.insert(child);
}

/// A successful execve/execveat replaces the process image.
pub fn execve_exit(cx: &mut Cx<'_, '_, '_>) {
    let tid = cx.tid();
    // The enter's filename serves this exit only, whatever its result.
    let entered = cx
        .insp
        .threads
        .get_mut(tid)
        .and_then(|t| t.exec_filename.take());
    if cx.i64("res") != Some(0) {
        return;
    }
    let cg = cgroups(cx);
    let p = |name: &str| cx.u64(name);
    let exe = cx.str("exe");
    let trusted = cx.str("trusted_exepath");
    let filename = cx.str("filename");
    let args = split_nul(cx.bytes("args").unwrap_or_default());
    let env = split_nul(cx.bytes("env").unwrap_or_default());
    let comm = cx.str("comm");
    let cwd = cx.str("cwd");
    let flags = p("flags").unwrap_or(0);
    let (uid, gid, loginuid) = (p("uid"), p("gid"), p("loginuid"));
    let (pid, ptid, vpgid, pgid) = (
        cx.i64("pid"),
        cx.i64("ptid"),
        cx.i64("vpgid"),
        cx.i64("pgid"),
    );
    let caps = (p("cap_inheritable"), p("cap_permitted"), p("cap_effective"));
    let ino = (p("exe_ino"), p("exe_ino_ctime"), p("exe_ino_mtime"));
    let (tty, fdlimit) = (p("tty"), p("fdlimit"));
    let memory = Reported::of(cx);
    if cx.insp.threads.get(tid).is_none() {
        // A thread we never saw (the capture starts here): the exec event
        // says who it is.
        let pid = pid.unwrap_or(tid);
        cx.insp.threads.insert(Thread {
            tid,
            pid,
            ptid: ptid.unwrap_or(-1),
            ..Default::default()
        });
    }
    let container_id = if cg.is_empty() {
        String::new()
    } else {
        container_id(cx.insp, &cg)
    };
    let process_cwd = cx
        .insp
        .threads
        .leader(tid)
        .map(|l| l.cwd.clone())
        .unwrap_or_default();
    let Some(t) = cx.insp.threads.get_mut(tid) else {
        return;
    };
    if let Some(e) = exe {
        t.exe = e;
    }
    // The kernel's path of the executable; else, as libsinsp, the filename
    // the call named (this exit's, or its enter's) against the working
    // directory; else the path stays what it was.
    let named = filename.or(entered);
    match (trusted, named) {
        (Some(p), _) => t.exepath = p,
        (None, Some(f)) if f == "<NA>" => t.exepath = f,
        (None, Some(f)) => t.exepath = paths::resolve(&process_cwd, &f),
        (None, None) => {}
    }
    t.args = args;
    t.env = env;
    t.comm = match comm {
        Some(c) => c,
        None => basename(&t.exe).to_string(),
    };
    // exec does not change the working directory (the cwd parameter is
    // informational), as in libsinsp.
    let _ = cwd;
    if !cg.is_empty() {
        t.container_id = container_id;
        t.cgroups = cg;
    }
    if let Some(v) = pid {
        t.pid = v;
    }
    if let Some(v) = ptid {
        t.ptid = v;
    }
    if let Some(v) = vpgid {
        t.vpgid = v;
    }
    if let Some(v) = pgid {
        t.pgid = v;
    }
    if let Some(v) = uid {
        t.uid = v as u32;
        t.euid = v as u32;
    }
    if let Some(v) = gid {
        t.gid = v as u32;
        t.egid = v as u32;
    }
    if let Some(v) = loginuid {
        t.loginuid = v as u32;
    }
    if let (Some(i), Some(pm), Some(e)) = caps {
        (t.cap_inheritable, t.cap_permitted, t.cap_effective) = (i, pm, e);
    }
    t.exe_ino = ino.0.unwrap_or(0);
    t.exe_ino_ctime = ino.1.unwrap_or(0);
    t.exe_ino_mtime = ino.2.unwrap_or(0);
    t.exe_writable = flags & u64::from(EXE_WRITABLE) != 0;
    t.exe_upper_layer = flags & u64::from(EXE_UPPER_LAYER) != 0;
    t.exe_from_memfd = flags & u64::from(EXE_FROM_MEMFD) != 0;
    t.exe_lower_layer = flags & u64::from(EXE_LOWER_LAYER) != 0;
    if let Some(m) = memory {
        m.apply(t);
    }
    if let Some(v) = tty {
        t.tty = v as u32;
    }
    if let Some(v) = fdlimit {
        t.fdlimit = v;
    }
}

/// An execve enter: its filename, kept for the exit of old captures,
/// whose exit does not carry the executable's path.
pub fn execve_enter(cx: &mut Cx<'_, '_, '_>) {
    let filename = cx.str("filename");
    let tid = cx.tid();
    if let Some(t) = cx.insp.threads.get_mut(tid) {
        t.exec_filename = filename;
    }
}

/// The thread exits: visible to this event's rules, removed afterwards.
pub fn procexit(cx: &mut Cx<'_, '_, '_>) {
    let tid = cx.tid();
    if let Some(t) = cx.insp.threads.get_mut(tid) {
        t.exited = true;
    }
    let ts = cx.ev.ts;
    cx.insp.threads.note_exit(tid, ts);
    cx.insp.defer(Removal::Thread(tid));
}

/// setuid/setgid/setresuid/setresgid/setreuid/setregid.
pub fn set_ids(cx: &mut Cx<'_, '_, '_>, code: C) {
    if cx.i64("res") != Some(0) {
        return;
    }
    let id = |name: &str| cx.u64(name).map(|v| v as u32).filter(|v| *v != u32::MAX);
    let (uid, gid) = match code {
        C::SYSCALL_SETUID_X => (id("uid"), None),
        C::SYSCALL_SETGID_X => (None, id("gid")),
        C::SYSCALL_SETRESUID_X | C::SYSCALL_SETREUID_X => (id("euid"), None),
        C::SYSCALL_SETRESGID_X | C::SYSCALL_SETREGID_X => (None, id("egid")),
        _ => (None, None),
    };
    let Some(t) = cx.insp.threads.get_mut(cx.ev.tid as i64) else {
        return;
    };
    if let Some(u) = uid {
        t.uid = u;
        t.euid = u;
    }
    if let Some(g) = gid {
        t.gid = g;
        t.egid = g;
    }
}

/// chdir/fchdir change the working directory of the whole process.
pub fn chdir(cx: &mut Cx<'_, '_, '_>, code: C) {
    if let Some(fd) = cx.i64("fd") {
        cx.insp.set_scope_fd(fd);
    }
    if cx.i64("res") != Some(0) {
        return;
    }
    let tid = cx.tid();
    let cur = cx
        .insp
        .threads
        .leader(tid)
        .map(|t| t.cwd.clone())
        .unwrap_or_default();
    let new = match code {
        C::SYSCALL_CHDIR_X => cx.str("path").map(|p| paths::resolve(&cur, &p)),
        _ => {
            let fd = cx.i64("fd");
            fd.and_then(|fd| cx.insp.threads.fds(tid)?.get(fd).map(|f| f.name.clone()))
        }
    };
    let Some(new) = new else { return };
    let pid = cx.insp.threads.get(tid).map(|t| t.pid).unwrap_or(tid);
    for id in [pid, tid] {
        if let Some(t) = cx.insp.threads.get_mut(id) {
            t.cwd = new.clone();
        }
    }
}

/// prctl(PR_SET_NAME) renames the thread.
pub fn prctl(cx: &mut Cx<'_, '_, '_>) {
    if cx.i64("res") != Some(0) || cx.i64("option") != Some(i64::from(PR_SET_NAME)) {
        return;
    }
    let Some(name) = cx.str("arg2_str") else {
        return;
    };
    if let Some(t) = cx.insp.threads.get_mut(cx.ev.tid as i64) {
        t.comm = name;
    }
}
