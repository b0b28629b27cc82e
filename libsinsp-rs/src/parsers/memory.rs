//! The memory a process uses, as the kernel reports it: brk, mmap, mmap2
//! and munmap exits carry the process's vm_size/vm_rss/vm_swap (kB); a
//! context switch also carries the thread's page faults. `proc.vm*`,
//! `thread.vm*` and `thread.pf*` read what these left on the event's
//! thread.

use super::Cx;
use crate::state::Thread;

/// The (vm_size, vm_rss, vm_swap) of the event, when it has all three: old
/// captures converted to the new layout leave them empty.
fn vm(cx: &Cx<'_, '_, '_>) -> Option<(u32, u32, u32)> {
    let kb = |name: &str| {
        cx.ev
            .param_by_name(name)
            .filter(|p| !p.is_empty())
            .and_then(|p| p.as_u64())
            .map(|v| v as u32)
    };
    Some((kb("vm_size")?, kb("vm_rss")?, kb("vm_swap")?))
}

fn set_vm(t: &mut Thread, (size, rss, swap): (u32, u32, u32)) {
    (t.vmsize_kb, t.vmrss_kb, t.vmswap_kb) = (size, rss, swap);
}

/// What clone and execve exits report of the new image: memory and page
/// faults, all or none.
#[derive(Debug, Clone, Copy)]
pub struct Reported {
    vm: (u32, u32, u32),
    faults: (u64, u64),
}

impl Reported {
    pub fn of(cx: &Cx<'_, '_, '_>) -> Option<Reported> {
        Some(Reported {
            vm: vm(cx)?,
            faults: (cx.u64("pgft_maj")?, cx.u64("pgft_min")?),
        })
    }

    pub fn apply(self, t: &mut Thread) {
        set_vm(t, self.vm);
        (t.pfmajor, t.pfminor) = self.faults;
    }
}

/// The group leader of the event's thread.
fn leader<'i>(cx: &'i mut Cx<'_, '_, '_>) -> Option<&'i mut Thread> {
    let pid = cx.insp.threads.get(cx.tid())?.pid;
    cx.insp.threads.get_mut(pid)
}

/// brk, mmap, mmap2, munmap exits: the process's memory after the call,
/// kept on the calling thread (as libsinsp does; `proc.vm*` read the
/// event's thread).
pub fn mapping_exit(cx: &mut Cx<'_, '_, '_>) {
    if let Some(v) = vm(cx) {
        let tid = cx.tid();
        if let Some(t) = cx.insp.threads.get_mut(tid) {
            set_vm(t, v);
        }
    }
    // mmap of a file uses its fd.
    super::generic(cx.insp, cx.tid(), cx.ev.used_fd());
}

/// A context switch: the page faults of the thread switched out, the
/// memory of its process (on the group leader, as libsinsp does).
pub fn context_switch(cx: &mut Cx<'_, '_, '_>) {
    let Some(v) = vm(cx) else { return };
    let (Some(maj), Some(min)) = (cx.u64("pgft_maj"), cx.u64("pgft_min")) else {
        return;
    };
    let tid = cx.tid();
    if let Some(t) = cx.insp.threads.get_mut(tid) {
        (t.pfmajor, t.pfminor) = (maj, min);
    }
    if let Some(l) = leader(cx) {
        set_vm(l, v);
    }
}
