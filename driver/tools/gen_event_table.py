#!/usr/bin/env python3
"""Regenerate driver/src/events.rs and driver/src/flag_tables.rs from the
schema facts in ../shared/reference/event_table.json.

The generated Rust is the project's own form of the PPM event schema: one
`event_table!` invocation whose rows produce both the `EventCode` enum and
the `EVENTS` info table, plus the flag sets. Run it only when the
upstream schema moves; `tests/cross_check.rs` fails when the two disagree.

Each flag set becomes a module of named constants (`open_flags::O_CREAT`),
typed by the parameters that carry the set (see `int_type`), and the
`&[FlagName]` table Falco prints names with (`OPEN_FLAGS`), built from
those constants, so each name and value is written once.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REF = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    ROOT, "..", "..", "shared", "reference", "event_table.json")

CATS = [
    (0x2000, "ITER"), (0x1000, "METAEVENT"), (0x800, "PLUGIN"), (0x400, "TRACEPOINT"),
    (0x200, "SYSCALL"), (0x100, "INTERNAL"), (0x80, "SCHEDULER"), (0x40, "WAIT"),
]
BASE_CATS = {0: "UNKNOWN", 1: "OTHER", 2: "FILE", 3: "NET", 4: "IPC", 5: "MEMORY",
             6: "PROCESS", 7: "SLEEP", 8: "SYSTEM", 9: "SIGNAL", 10: "USER",
             11: "TIME", 12: "PROCESSING", 32: "IO_READ", 33: "IO_WRITE", 34: "IO_OTHER"}
FLAGS = [(1, "CREATES_FD"), (2, "DESTROYS_FD"), (4, "USES_FD"), (8, "READS_FROM_FD"),
         (16, "WRITES_TO_FD"), (32, "MODIFIES_STATE"), (64, "UNUSED"), (128, "WAITS"),
         (256, "SKIPPARSERESET"), (512, "OLD_VERSION"), (1024, "DROP_SIMPLE_CONS"),
         (2048, "LARGE_PAYLOAD"), (4096, "CONVERTER_MANAGED")]

# Names for the flag-name tables, keyed by the first flag name in the table.
TABLE_NAMES = {
    "O_LARGEFILE": "OPEN_FLAGS", "CLONE_FILES": "CLONE_FLAGS", "AF_NFC": "SOCKET_FAMILIES",
    "SHUT_UNKNOWN": "SHUTDOWN_HOW", "SOL_SOCKET": "SOCKOPT_LEVELS", "SO_COOKIE": "SOCKOPT_OPTNAMES",
    "FD_UPPER_LAYER_CREAT": "CREAT_FLAGS", "FUTEX_CLOCK_REALTIME": "FUTEX_OPERATIONS",
    "SEEK_END": "LSEEK_WHENCE", "RLIMIT_UNKNOWN": "RLIMIT_RESOURCES", "F_GETPIPE_SZ": "FCNTL_COMMANDS",
    "PROT_READ": "PROT_FLAGS", "MAP_SHARED": "MMAP_FLAGS", "SPLICE_F_MOVE": "SPLICE_FLAGS",
    "PTRACE_SINGLEBLOCK": "PTRACE_REQUESTS", "Q_QUOTAON": "QUOTACTL_CMDS", "USRQUOTA": "QUOTACTL_TYPES",
    "QFMT_NOT_USED": "QUOTACTL_QUOTA_FMTS", "DQF_NONE": "QUOTACTL_DQI_FLAGS", "LOCK_SH": "FLOCK_FLAGS",
    "IPC_NOWAIT": "SEMOP_FLAGS", "IPC_STAT": "SEMCTL_COMMANDS", "RDONLY": "MOUNT_FLAGS",
    "FORCE": "UMOUNT_FLAGS", "IPC_EXCL": "SEMGET_FLAGS", "F_OK": "ACCESS_FLAGS",
    "PROTECTION_VIOLATION": "PF_FLAGS", "EXE_WRITABLE": "EXECVE_FLAGS", "AT_REMOVEDIR": "UNLINKAT_FLAGS",
    "AT_SYMLINK_FOLLOW": "LINKAT_FLAGS", "S_IXOTH": "CHMOD_MODE", "RENAME_NOREPLACE": "RENAMEAT2_FLAGS",
    "RESOLVE_BENEATH": "OPENAT2_FLAGS", "AT_EMPTY_PATH": "EXECVEAT_FLAGS",
    "IORING_SETUP_IOPOLL": "IO_URING_SETUP_FLAGS", "IORING_FEAT_SINGLE_MMAP": "IO_URING_SETUP_FEATS",
    "IORING_ENTER_GETEVENTS": "IO_URING_ENTER_FLAGS", "IORING_REGISTER_BUFFERS": "IO_URING_REGISTER_OPCODES",
    "MCL_CURRENT": "MLOCKALL_FLAGS", "BPF_MAP_CREATE": "BPF_COMMANDS", "MLOCK_ONFAULT": "MLOCK2_FLAGS",
    "FSCONFIG_SET_FLAG": "FSCONFIG_CMDS", "EPOLL_CLOEXEC": "EPOLL_CREATE1_FLAGS",
    "AT_SYMLINK_NOFOLLOW": "FCHOWNAT_FLAGS", "PR_GET_DUMPABLE": "PRCTL_OPTIONS", "MFD_CLOEXEC": "MEMFD_CREATE_FLAGS",
    "PIDFD_NONBLOCK": "PIDFD_OPEN_FLAGS", "MODULE_INIT_IGNORE_MODVERSIONS": "FINIT_MODULE_FLAGS",
    "AT_NO_AUTOMOUNT": "NEWFSTATAT_FLAGS", "O_NONBLOCK": "DELETE_MODULE_FLAGS",
    "ANON_INODE_FD_TYPE_UNKNOWN": "ANON_INODE_FD_TYPES", "CLOSE_RANGE_UNSHARE": "CLOSE_RANGE_FLAGS",
    "KEYCTL_GET_KEYRING_ID": "KEYCTL_OPERATIONS",
}


def cat_expr(c):
    parts = []
    for bit, name in CATS:
        if c & bit:
            parts.append(name)
            c &= ~bit
    parts.insert(0, BASE_CATS[c])
    return " | ".join(parts)


def flag_expr(f):
    parts = [name for bit, name in FLAGS if f & bit]
    assert sum(bit for bit, _ in FLAGS if f & bit) == f, f
    return " | ".join(parts) if parts else "NONE"


def variant(enum):
    assert enum.startswith("PPME_")
    return enum[5:]  # PPME_SYSCALL_OPEN_E -> SYSCALL_OPEN_E, as upstream spells it


def pfmt(f):
    return "PADDED_DEC" if f == "PF_10_PADDED_DEC" else f[3:]


def ptype(t):
    return t[3:]  # PT_CHARBUF -> CHARBUF


# Bits of each flags parameter type; PT_MODE is a u32.
TYPE_BITS = {"PT_FLAGS8": 8, "PT_ENUMFLAGS8": 8, "PT_FLAGS16": 16, "PT_ENUMFLAGS16": 16,
             "PT_FLAGS32": 32, "PT_ENUMFLAGS32": 32, "PT_MODE": 32}


def int_type(type_names, flags):
    """The constants' type: the widest parameter type carrying the set,
    widened again if a value does not fit (SHUT_UNKNOWN is 0xffff in a u8)."""
    bits = max(TYPE_BITS[t] for t in type_names)
    while max(v for _, v in flags) >> bits:
        bits *= 2
    assert bits <= 32, flags
    return "u%d" % bits


def flag_set(table, flags, ty, type_names):
    """One flag set as a `flag_set!` invocation (see driver/src/flags.rs):
    its module of constants and its name table come from one list."""
    seen = {}
    out = ["crate::flags::flag_set! {\n",
           "    /// `%s`: the values of `%s` parameters.\n" % (table, "`, `".join(sorted(type_names)))]
    if any(n != n.upper() for n, _ in flags):  # AF_DECnet keeps upstream's spelling
        out.append("    #[allow(non_upper_case_globals)]\n")
    out.append("    %s, %s: %s {\n" % (table, table.lower(), ty))
    for n, v in flags:
        if n in seen:  # upstream lists PR_MCE_KILL twice, with one value
            assert seen[n] == v, (table, n)
            out.append("        %s,\n" % n)
            continue
        seen[n] = v
        out.append("        %s = 0x%x,\n" % (n, v))
    out.append("    }\n}\n\n")
    return out


def main():
    data = json.load(open(REF))
    types = data["param_types"]
    fmts = data["print_formats"]
    tables = {}  # json -> name
    order = []
    type_names = {}  # json -> parameter types carrying the set
    for e in data["events"]:
        for p in e["params"]:
            if "flags" in p:
                key = json.dumps(p["flags"])
                type_names.setdefault(key, set()).add(p["type_name"])
                if key not in tables:
                    first = p["flags"][0][0]
                    # EXECVEAT and FCHOWNAT-style tables share a first name with others
                    name = TABLE_NAMES[first]
                    while name in tables.values():
                        name = name + "_" + variant(e["enum"]).upper()
                    tables[key] = name
                    order.append(key)
    out = []
    out.append("// @generated by driver/tools/gen_event_table.py from the PPM event schema\n"
               "// (falcosecurity/libs event_table.c facts). Edit the generator, not this file.\n"
               "//\n// Per flag set: a module of its values as constants, typed by the\n"
               "// parameters that carry it (u8, u16 or u32, widened until every value\n"
               "// fits), and the name table Falco prints them with, built from them\n"
               "// by `flag_set!` (flags.rs).\n\n")
    for key in order:
        flags = json.loads(key)
        out += flag_set(tables[key], flags, int_type(type_names[key], flags), type_names[key])
    path = os.path.join(ROOT, "src", "flag_tables.rs")
    open(path, "w").write("".join(out).rstrip("\n") + "\n")

    rows = []
    for e in data["events"]:
        params = []
        for p in e["params"]:
            s = "%s: %s/%s" % (json.dumps(p["name"]), ptype(p["type_name"]), pfmt(fmts[str(p["fmt"])]))
            if "flags" in p:
                s += " @ ParamAux::Flags(ft::%s)" % tables[json.dumps(p["flags"])]
            elif "dyn" in p:
                s += " @ ParamAux::Dyn(&[%s])" % ", ".join(
                    "DynParam::new(ParamType::%s, PrintFormat::%s)" % (ptype(types[str(d["type"])]), pfmt(fmts[str(d["fmt"])]))
                    for d in p["dyn"])
            elif "dirfd_param" in p:
                s += " @ ParamAux::DirFd(%d)" % p["dirfd_param"]
            params.append(s)
        rows.append("    %d %s %s [%s] [%s] {%s};\n" % (
            e["code"], variant(e["enum"]), json.dumps(e["name"]), cat_expr(e["category"]),
            flag_expr(e["flags"]), (" " + ", ".join(params) + " ") if params else ""))
    head = ("// @generated by driver/tools/gen_event_table.py from the PPM event schema\n"
            "// (falcosecurity/libs event_table.c facts). Edit the generator, not this file.\n"
            "//\n// Row: code Variant \"name\" [category] [flags] { \"param\": TYPE/FORMAT @ aux, ... };\n\n"
            "use crate::flag_tables as ft;\n"
            "use crate::schema::{DynParam, ParamAux, ParamType, PrintFormat};\n\n"
            "crate::schema::event_table! {\n")
    open(os.path.join(ROOT, "src", "events.rs"), "w").write(head + "".join(rows) + "}\n")


if __name__ == "__main__":
    main()
