#!/usr/bin/env python3
"""Regenerates the fuzz targets' seed corpora (fuzz/seeds/<target>/) from
the reference material: the captures, rules files and event schema in
../shared/reference, our rules and rule tests, cli/falco.yaml.

    scripts/fuzz-seeds.py            # rewrite fuzz/seeds/
    scripts/fuzz-seeds.py --check    # fail if fuzz/seeds/ differs

Deterministic: the same references give the same bytes (no time stamps in
the gzip seed, a fixed PRNG seed for the structured targets). Seeds stay
small: captures are cut to their section header, the state blocks trimmed
to the threads the kept events use, and the first events of every type
(exits with the enter before them); large files are split. Files named
`regress-*` in a seed directory are regression inputs of fixed crashes:
they are kept as they are.
"""

import gzip
import hashlib
import io
import json
import os
import random
import re
import struct
import sys
import zlib

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REF = os.path.normpath(os.path.join(ROOT, "..", "shared", "reference"))
SEEDS = os.path.join(ROOT, "fuzz", "seeds")

SHB = 0x0A0D0D0A
MAGIC = 0x1A2B3C4D
PROCLIST_VERSION = {
    0x202: 1, 0x207: 2, 0x209: 3, 0x210: 4, 0x211: 5, 0x212: 6, 0x213: 7,
    0x214: 8, 0x215: 9, 0x8000ABCD: 1, 0x8013ABCD: 2, 0x8014ABCD: 3,
}
FDLIST = {0x203: False, 0x8001ABCD: False, 0x218: True}
USERLIST = {0x206: False, 0x8012ABCD: False, 0x220: True}
# Event blocks: number -> (flags word, current 26-byte header)
EVENT_BLOCKS = {
    0x204: (False, False), 0x8010ABCD: (False, False), 0x208: (True, False),
    0x216: (False, True), 0x217: (True, True), 0x221: (False, True),
    0x222: (True, True),
}
LARGE_PAYLOAD = 2048
FIXED = {
    "PT_INT8": 1, "PT_UINT8": 1, "PT_FLAGS8": 1, "PT_ENUMFLAGS8": 1,
    "PT_SIGTYPE": 1, "PT_L4PROTO": 1, "PT_SOCKFAMILY": 1, "PT_INT16": 2,
    "PT_UINT16": 2, "PT_FLAGS16": 2, "PT_ENUMFLAGS16": 2, "PT_SYSCALLID": 2,
    "PT_PORT": 2, "PT_INT32": 4, "PT_UINT32": 4, "PT_FLAGS32": 4,
    "PT_ENUMFLAGS32": 4, "PT_UID": 4, "PT_GID": 4, "PT_BOOL": 4, "PT_MODE": 4,
    "PT_SIGSET": 4, "PT_FD32": 4, "PT_PID32": 4, "PT_INT64": 8, "PT_UINT64": 8,
    "PT_ERRNO": 8, "PT_FD": 8, "PT_PID": 8, "PT_RELTIME": 8, "PT_ABSTIME": 8,
    "PT_DOUBLE": 8,
}

with open(os.path.join(REF, "event_table.json")) as f:
    EVENTS = json.load(f)["events"]


# --- captures -------------------------------------------------------------


def read_capture(path, limit=4 << 20):
    """The uncompressed bytes of a capture (at most `limit`)."""
    with open(path, "rb") as f:
        head = f.read(2)
    opener = gzip.open if head == b"\x1f\x8b" else open
    with opener(path, "rb") as f:
        return f.read(limit)


def blocks(data):
    """(type, body, raw) of every whole block of a little-endian capture."""
    off = 0
    while off + 12 <= len(data):
        ty, ln = struct.unpack_from("<II", data, off)
        if ln < 12 or off + ln > len(data):
            return
        yield ty, data[off + 8:off + ln - 4], data[off:off + ln]
        off += ln


def frame(ty, body, end="<"):
    pad = (4 - len(body) % 4) % 4
    total = 12 + len(body) + pad
    return struct.pack(end + "II", ty, total) + body + b"\0" * pad + struct.pack(end + "I", total)


def str16(b, at):
    n = struct.unpack_from("<H", b, at)[0]
    return at + 2 + n


def proc_entries(body, v):
    """The byte ranges of a process list's entries, and their tids."""
    at, out = 0, []
    while len(body) - at >= 4:
        start = at
        if v >= 9:
            n = struct.unpack_from("<I", body, at)[0]
            tid, pid, ptid = struct.unpack_from("<QQQ", body, at + 4)
            at += n
        else:
            tid, pid, ptid = struct.unpack_from("<QQQ", body, at)
            at += 24 + (8 if v >= 6 else 0) + (8 if v >= 8 else 0)
            at = str16(body, str16(body, at))
            if v >= 7:
                at = str16(body, at)
            at = str16(body, str16(body, at)) + 20
            if v >= 2:
                at += 28
            if v >= 3:
                at = str16(body, at)
            if v >= 4:
                at = str16(body, at + 16)
            if v >= 5:
                at = str16(body, at)
        out.append((body[start:at], tid, pid, ptid))
    return out


def user_entries(body, v2):
    at, out = 0, []
    while len(body) - at >= 4:
        start = at
        if v2:
            at += struct.unpack_from("<I", body, at)[0]
        else:
            kind = body[at]
            at += 1
            if kind == 0:
                at = str16(body, str16(body, str16(body, at + 8)))
            else:
                at = str16(body, at + 4)
        out.append(body[start:at])
    return out


def event_of(ty, body):
    """(code, tid, event bytes, v2 header) of an event block."""
    flags, v2 = EVENT_BLOCKS[ty]
    ev = body[2 + (4 if flags else 0):]
    ts, tid, ln, code = struct.unpack_from("<QQIH", ev, 0)
    return code, tid, ev[:ln], v2


def cut(data, max_events=60, max_procs=12, per_type=3):
    """A small capture with the same block kinds as `data`: the state of
    the threads its kept events use, and the first `per_type` events of
    every type (exits with the enter before them)."""
    bl = list(blocks(data))
    events = [(i, event_of(t, b)) for i, (t, b, _) in enumerate(bl) if t in EVENT_BLOCKS]
    keep, seen, last_enter = [], {}, {}
    for i, (code, tid, ev, _) in events:
        if code % 2 == 0:
            last_enter[tid] = i
        if seen.get(code, 0) >= per_type or len(keep) >= max_events:
            continue
        seen[code] = seen.get(code, 0) + 1
        if code % 2 == 1 and tid in last_enter and last_enter[tid] not in keep:
            keep.append(last_enter[tid])
        keep.append(i)
    keep = sorted(set(keep))
    tids = {ev[1] for i, ev in events if i in keep}
    out = []
    fd_blocks = 0
    for i, (t, body, raw) in enumerate(bl):
        if t == SHB or t in (0x201, 0x8002ABCD, 0x205, 0x219, 0x8011ABCD):
            out.append(raw)
        elif t in PROCLIST_VERSION:
            ents = proc_entries(body, PROCLIST_VERSION[t])
            wanted = set(tids)
            for e in ents:
                if e[1] in tids:
                    wanted.update((e[2], e[3]))
            chosen = [e for e in ents if e[1] in wanted][:max_procs] or ents[:2]
            chosen = ents[:2] + [e for e in chosen if e not in ents[:2]]
            out.append(frame(t, b"".join(e[0] for e in chosen)))
        elif t in FDLIST:
            tid = struct.unpack_from("<Q", body, 0)[0]
            if tid in tids and len(raw) <= 2400 and fd_blocks < 6:
                out.append(raw)
                fd_blocks += 1
        elif t in USERLIST:
            ents = user_entries(body, USERLIST[t])
            out.append(frame(t, b"".join(ents[:4] + ents[-2:])))
        elif i in keep:
            out.append(raw)
    return b"".join(out)


def swap_value(tn, v):
    """One parameter value in big-endian order, as a big-endian writer
    stores it: fixed-size integers reversed; in socket addresses and
    tuples the ports (host order) but not the addresses (network order);
    in fd lists the count and each fd and flags word (what
    `savefile/swap.rs` undoes). DYN values stay as they are: the reader
    swaps them by the type their first byte names, so in the big-endian
    seeds they read as other values than in the little-endian ones, which
    is as good an input."""
    def rev(b, a, z):
        return b[:a] + b[a:z][::-1] + b[z:]
    if FIXED.get(tn) == len(v):
        return v[::-1]
    fam = v[:1]
    if tn == "PT_SOCKADDR":
        if fam == b"\x02" and len(v) >= 7:
            return rev(v, 5, 7)
        if fam == b"\x0a" and len(v) >= 19:
            return rev(v, 17, 19)
    elif tn == "PT_SOCKTUPLE":
        if fam == b"\x02" and len(v) >= 13:
            return rev(rev(v, 5, 7), 11, 13)
        if fam == b"\x0a" and len(v) >= 37:
            return rev(rev(v, 17, 19), 35, 37)
        if fam == b"\x01" and len(v) >= 17:
            return rev(rev(v, 1, 9), 9, 17)
    elif tn == "PT_FDLIST" and len(v) >= 2:
        v = rev(v, 0, 2)
        at = 2
        while at + 10 <= len(v):
            v = rev(rev(v, at, at + 8), at + 8, at + 10)
            at += 10
    return v


def swap_event(ev, v2):
    """A little-endian event in big-endian order (header, lengths and the
    parameters, `swap_value`)."""
    hdr = 26 if v2 else 22
    ts, tid, ln, code = struct.unpack_from("<QQIH", ev, 0)
    info = EVENTS[code]
    width = 4 if info["flags"] & LARGE_PAYLOAD else 2
    if v2:
        nparams = struct.unpack_from("<I", ev, 22)[0]
        head = struct.pack(">QQIHI", ts, tid, ln, code, nparams)
    else:
        # Old layout: as many lengths as the schema has and the body holds
        # (what the reader's byte swap assumes too).
        nparams = min(len(info["params"]), (len(ev) - hdr) // width)
        head = struct.pack(">QQIH", ts, tid, ln, code)
    fmt = "I" if width == 4 else "H"
    lens = [struct.unpack_from("<" + fmt, ev, hdr + i * width)[0] for i in range(nparams)]
    out = head + b"".join(struct.pack(">" + fmt, n) for n in lens)
    at = hdr + nparams * width
    for i, n in enumerate(lens):
        v = ev[at:at + n]
        tn = info["params"][i]["type_name"] if i < len(info["params"]) else ""
        out += swap_value(tn, v)
        at += n
    return out


def synthetic(events, big_endian):
    """A capture of kinds the references lack: machine info, a v9 process
    list, v2 fd and user lists, and events in flag and large blocks; big
    endian when asked."""
    e = ">" if big_endian else "<"
    out = frame(SHB, struct.pack(e + "IHHQ", MAGIC, 1, 2, 2**64 - 1), e)
    host = b"fuzz".ljust(128, b"\0")
    out += frame(0x201, struct.pack(e + "IQQ", 2, 1 << 30, 32768) + host + struct.pack(e + "QQQQ", 1, 0, 0, 0), e)

    def s16(b):
        return struct.pack(e + "H", len(b)) + b

    ent = struct.pack(e + "QQQQQ", 100, 100, 1, 100, 100) + s16(b"cat") + s16(b"/usr/bin/cat")
    ent += s16(b"/usr/bin/cat") + s16(b"/etc/shadow\0") + s16(b"/root/")
    ent += struct.pack(e + "QIII", 1024, 0, 0, 0) + struct.pack(e + "IIIQQ", 1, 2, 3, 4, 5)
    ent += s16(b"HOME=/root\0") + struct.pack(e + "qq", 100, 100) + s16(b"cpuset=/\0") + s16(b"/")
    ent += struct.pack(e + "QII", 7, 0, 0) + b"\1" + struct.pack(e + "QQQ", 1, 2, 3)
    out += frame(0x215, struct.pack(e + "I", len(ent) + 4) + ent, e)
    fd = struct.pack(e + "qQ", 3, 7) + b"\x10" + struct.pack(e + "I", 0) + s16(b"/etc/shadow") + struct.pack(e + "I", 8)
    out += frame(0x218, struct.pack(e + "Q", 100) + struct.pack(e + "I", len(fd) + 4) + fd, e)
    user = b"\0" + struct.pack(e + "II", 0, 0) + s16(b"root") + s16(b"/root") + s16(b"/bin/sh")
    out += frame(0x220, struct.pack(e + "I", len(user) + 4) + user, e)
    for i, (code, tid, ev, v2) in enumerate(events):
        kind = [0x217, 0x221, 0x222, 0x216][i % 4] if v2 else [0x208, 0x204][i % 2]
        flags, _ = EVENT_BLOCKS[kind]
        body = struct.pack(e + "H", i % 2) + (struct.pack(e + "I", 1) if flags else b"")
        body += swap_event(ev, v2) if big_endian else ev
        out += frame(kind, body, e)
    return out


class Enc:
    """Fields of state blocks in one byte order."""

    def __init__(self, big_endian):
        self.e = ">" if big_endian else "<"

    def p(self, fmt, *v):
        return struct.pack(self.e + fmt, *v)

    def s16(self, b):
        return self.p("H", len(b)) + b

    def frame(self, ty, body):
        return frame(ty, body, self.e)

    def shb(self):
        return self.frame(SHB, self.p("IHHQ", MAGIC, 1, 2, 2**64 - 1))


def proc_entry(w, v, tid, tail=b""):
    """A process list entry of version `v` (1-9); a v9 entry gets `tail`
    after the v5 fields (pidns start, tty, loginuid... as far as given)."""
    out = w.p("QQQ", tid, tid, 1)
    if v >= 6:
        out += w.p("Q", tid)  # sid
    if v >= 8:
        out += w.p("Q", tid)  # vpgid
    out += w.s16(b"sh") + w.s16(b"/bin/sh")
    if v >= 7:
        out += w.s16(b"/usr/bin/dash")
    out += w.s16(b"-c\0id\0") + w.s16(b"/root/") + w.p("QIII", 1024, 0x4000, 0, 0)
    if v >= 2:
        out += w.p("IIIQQ", 900, 300, 0, 1, 2)
    if v >= 3:
        out += w.s16(b"PATH=/bin\0HOME=/\0")
    if v >= 4:
        out += w.p("qq", tid - 1000, tid - 1000) + w.s16(b"cpuset=/docker/0123456789ab\0memory=/\0")
    if v >= 5:
        out += w.s16(b"/")
    if v >= 9:
        out = w.p("I", len(out) + len(tail) + 4) + out + tail
    return out


# Process list block numbers by version, the pre-release ones after them.
PROCLIST_BLOCKS = [(0x202, 1), (0x207, 2), (0x209, 3), (0x210, 4), (0x211, 5), (0x212, 6),
                   (0x213, 7), (0x214, 8), (0x8000ABCD, 1), (0x8013ABCD, 2), (0x8014ABCD, 3)]


def state_procs(big_endian, events):
    """Section header, machine info without its tail (the pre-release
    block) and with part of it, and a process
    list of every version and block number (one thread each), the v9 one
    with the tails of the 0.9, 0.10 and later writers; then two events."""
    w = Enc(big_endian)
    host = b"fuzz-procs".ljust(128, b"\0")
    out = w.shb()
    out += w.frame(0x8002ABCD, w.p("IQQ", 1, 1 << 20, 4096) + host)
    out += w.frame(0x201, w.p("IQQ", 4, 1 << 30, 32768) + host + w.p("QQ", 1700000000, 1))
    for i, (ty, v) in enumerate(PROCLIST_BLOCKS):
        out += w.frame(ty, proc_entry(w, v, 1000 + i))
    full = w.p("QII", 5, 34816, 0) + b"\1" + w.p("QQQ", 1, 2, 3) + b"\1" + w.p("QQQ", 77, 8, 9) + b"\1"
    pre_0_10 = w.p("I", 0) + b"\0" + w.p("QQQ", 1, 2, 3)
    newer = full + b"\0\0\0\0future"
    v9 = proc_entry(w, 9, 2000, full) + proc_entry(w, 9, 2001, pre_0_10) + proc_entry(w, 9, 2002, newer)
    out += w.frame(0x215, v9)
    return out + event_blocks(w, events[6:8])


def fd_entries(w, v2, count=None):
    """One fd of every type (and an unknown one), or the first `count`;
    v2 entries carry their length, the file one its device, one entry a
    tail of unknown fields."""
    ents = [
        (0, b""),
        (1, w.s16(b"/etc/passwd")),
        (2, w.s16(b"/tmp")),
        (3, bytes([10, 0, 0, 1, 10, 0, 0, 2]) + w.p("HH", 41000, 443) + b"\x06"),
        (4, bytes(15) + b"\1" + bytes(15) + b"\1" + w.p("HH", 41001, 80) + b"\x06"),
        (5, bytes([0, 0, 0, 0]) + w.p("H", 22) + b"\x06"),
        (6, bytes(16) + w.p("H", 53) + b"\x11"),
        (7, w.s16(b"pipe:[1234]")),
        (8, w.p("QQ", 0xFFFF888001, 0xFFFF888002) + w.s16(b"/run/docker.sock")),
    ]
    ents += [(t, w.s16(b"anon_inode:[%d]" % t)) for t in (9, 10, 11, 12, 13, 14, 15, 17, 18, 19, 20, 21)]
    ents.append((16, w.p("I", 0o100002) + w.s16(b"/var/log/x.log") + (w.p("I", 0xFD01) if v2 else b"")))
    ents.append((99, b""))
    out = b""
    for i, (ty, body) in enumerate(ents[:count]):
        e = w.p("qQ", 3 + i, 5000 + i) + bytes([ty]) + body
        if v2:
            extra = b"\0\0\0\0" if i == 1 else b""
            e = w.p("I", len(e) + len(extra) + 4) + e + extra
        out += e
    return out


def iface_entries(w, v2):
    """IPv4 and IPv6 interfaces with and without link speed; in v2 each
    behind its length (which leaves the length word out), one with a tail."""
    ents = [
        w.p("HH", 1, 2) + bytes([127, 0, 0, 1, 255, 0, 0, 0, 127, 255, 255, 255]) + w.p("Q", 0) + b"lo",
        w.p("HH", 3, 4) + bytes([10, 0, 2, 15, 255, 255, 255, 0, 10, 0, 2, 255]) + b"eth0",
        w.p("HH", 2, 2) + bytes(15) + b"\1" + b"\xff" * 16 + bytes(16) + w.p("Q", 0) + b"lo",
        w.p("HH", 4, 4) + b"\xfe\x80" + bytes(14) + b"\xff" * 8 + bytes(8) + bytes(16) + b"eth0",
    ]
    if not v2:
        return b"".join(ents)
    ents[1] += b"\0\0\0\0"
    return b"".join(w.p("I", len(e)) + e for e in ents)


def user_entries_of(w, v2):
    """Users and groups; in v2 each behind its length, one with a tail."""
    ents = [
        b"\0" + w.p("II", 0, 0) + w.s16(b"root") + w.s16(b"/root") + w.s16(b"/bin/bash"),
        b"\0" + w.p("II", 65534, 65534) + w.s16(b"nobody") + w.s16(b"/nonexistent") + w.s16(b""),
        b"\1" + w.p("I", 0) + w.s16(b"root"),
        b"\1" + w.p("I", 100) + w.s16(b"users"),
    ]
    if not v2:
        return b"".join(ents)
    ents[2] += b"\0\0"
    return b"".join(w.p("I", len(e) + 4) + e for e in ents)


def state_lists(big_endian, events):
    """Fd lists (v1, pre-release, v2) with every fd type, interface and
    user lists in their three block numbers, then events, a block of an
    unknown type, and state blocks after the first event."""
    w = Enc(big_endian)
    out = w.shb() + w.frame(0x202, proc_entry(w, 1, 3000))
    out += w.frame(0x215, proc_entry(w, 9, 3001))
    out += w.frame(0x203, w.p("Q", 3000) + fd_entries(w, False))
    out += w.frame(0x8001ABCD, w.p("Q", 3000) + fd_entries(w, False, 7))
    out += w.frame(0x218, w.p("Q", 3001) + fd_entries(w, True))
    out += w.frame(0x218, w.p("Q", 4242) + fd_entries(w, True, 3))  # thread not in the table
    for ty, v2 in ((0x205, False), (0x8011ABCD, False), (0x219, True)):
        out += w.frame(ty, iface_entries(w, v2))
    for ty, v2 in ((0x206, False), (0x8012ABCD, False), (0x220, True)):
        out += w.frame(ty, user_entries_of(w, v2))
    out += event_blocks(w, events[:2])
    out += w.frame(0x299, w.p("Q", 1))
    out += w.frame(0x211, proc_entry(w, 5, 3002))
    out += w.frame(0x203, w.p("Q", 3002) + fd_entries(w, False, 4))
    out += event_blocks(w, events[2:4])
    return out


def sock_v4(port=8080):
    return b"\x02" + bytes([127, 0, 0, 1]) + struct.pack("<H", port)


def tuple_v4():
    return b"\x02" + bytes([10, 0, 0, 1]) + struct.pack("<H", 41000) + bytes([93, 184, 216, 34]) + struct.pack("<H", 443)


def tuple_v6():
    ip = b"\x20\x01\x0d\xb8" + bytes(11) + b"\x01"
    return b"\x0a" + ip + struct.pack("<H", 41002) + ip[:15] + b"\x02" + struct.pack("<H", 80)


def tuple_unix():
    return b"\x01" + struct.pack("<QQ", 0xFFFF888001, 0xFFFF888002) + b"/run/docker.sock\0"


def param_value(code, i, tn):
    """A value of parameter `i` (type `tn`) of event `code` for synthetic
    events: the sizes the schema says, plausible contents."""
    if tn in FIXED:
        n = FIXED[tn]
        return struct.pack("<" + {1: "B", 2: "H", 4: "I", 8: "Q"}[n], (code * 7 + i * 3 + 1) % (1 << (8 * n)))
    return {
        "PT_CHARBUF": b"sh\0",
        "PT_FSPATH": b"/etc/shadow\0",
        "PT_FSRELPATH": b"shadow\0",
        "PT_BYTEBUF": b"GET / HTTP/1.1\r\n",
        "PT_CHARBUFARRAY": b"sh\0-c\0id\0",
        "PT_CHARBUF_PAIR_ARRAY": b"k\0v\0",
        "PT_SOCKADDR": sock_v4(),
        "PT_SOCKTUPLE": tuple_v4(),
        "PT_FDLIST": struct.pack("<HQHQH", 2, 3, 1, 4, 5),
        "PT_IPV4ADDR": bytes([192, 168, 0, 1]),
        "PT_IPV6ADDR": b"\xfe\x80" + bytes(13) + b"\x01",
        "PT_DYN": b"\0" + struct.pack("<Q", 0x7FFF0000),
    }.get(tn, b"")


def make_event(code, tid, ts, over=None, v2=True, nparams=None):
    """A little-endian event of `code` with every parameter (or the first
    `nparams`), values from `param_value` unless `over` (index -> bytes)
    gives them; the current 26-byte header or the old 22-byte one."""
    info = EVENTS[code]
    params = info["params"][:nparams] if nparams is not None else info["params"]
    vals = [(over or {}).get(i, param_value(code, i, p["type_name"])) for i, p in enumerate(params)]
    fmt = "<I" if info["flags"] & LARGE_PAYLOAD else "<H"
    body = b"".join(struct.pack(fmt, len(v)) for v in vals) + b"".join(vals)
    hdr = 26 if v2 else 22
    head = struct.pack("<QQIH", ts, tid, hdr + len(body), code)
    if v2:
        head += struct.pack("<I", len(vals))
    return (code, tid, head + body, v2)


def rare_events():
    """Events of the shapes no reference capture has: socket addresses and
    tuples of every family, fd lists, DYN values, IPv4/IPv6 addresses,
    string arrays, large-payload events; old (22-byte header) events the
    converter rebuilds (the old container event, bpf's DYN result) and an
    enter with a parameter count no rule knows."""
    t = 1_700_000_000_000_000_000
    return [
        make_event(21, 3001, t + 1, {1: sock_v4(22)}),
        make_event(22, 3001, t + 2, {1: b"\x0a" + bytes(15) + b"\x01" + struct.pack("<H", 443)}),
        make_event(23, 3001, t + 3, {1: tuple_v6(), 3: b"\x01/run/docker.sock\0"}),
        make_event(22, 3001, t + 4, {1: b"\0"}),
        make_event(23, 3001, t + 5, {1: tuple_unix(), 3: b"\x11\0\0"}),
        make_event(31, 3001, t + 6, {4: tuple_v4()}),
        make_event(35, 3001, t + 7, {2: b"\x11\0\0\0"}),
        make_event(389, 3001, t + 8, {1: tuple_v6()}),
        make_event(255, 3001, t + 9),
        make_event(45, 3001, t + 10, {4: b"\2" + struct.pack("<I", 1)}),
        make_event(47, 3001, t + 11, {4: b"\0" + b"\1\2\3"}),
        make_event(169, 3001, t + 12, {2: b"\1\x09"}),
        make_event(453, 3001, t + 13, {3: b"\1key\0", 5: b"\7"}),
        make_event(440, 3001, t + 14),
        make_event(442, 3001, t + 15),
        make_event(430, 3001, t + 16),
        make_event(322, 3001, t + 17),
        make_event(324, 3001, t + 18, {0: b'{"container":{"id":"0123456789ab"}}\0'}),
        make_event(402, 3001, t + 19),
        # Old layout: through the converter.
        make_event(228, 3001, t + 20, {0: b"0123456789ab\0", 1: struct.pack("<I", 0),
                                        2: b"web\0", 3: b"nginx:latest\0"}, v2=False),
        make_event(296, 3001, t + 21, v2=False),
        make_event(297, 3001, t + 22, {0: b"\1" + struct.pack("<q", -1)}, v2=False),
        make_event(296, 3001, t + 23, v2=False),
        make_event(297, 3001, t + 24, {0: b"\0" + struct.pack("<q", 5)}, v2=False),
        make_event(27, 3001, t + 25, {1: tuple_v4()}, v2=False),
        make_event(228, 3001, t + 26, v2=False, nparams=2),
        make_event(6, 3001, t + 27, v2=False, nparams=1),
    ]


def event_blocks(w, events):
    """Events in the seven event block kinds by turns (old-layout ones in
    the three old kinds), in `w`'s byte order."""
    out = b""
    for i, (code, tid, ev, v2) in enumerate(events):
        kind = [0x216, 0x217, 0x221, 0x222][i % 4] if v2 else [0x204, 0x208, 0x8010ABCD][i % 3]
        flags, _ = EVENT_BLOCKS[kind]
        body = w.p("H", i % 2) + (w.p("I", 1 << (i % 3)) if flags else b"")
        body += swap_event(ev, v2) if w.e == ">" else ev
        out += w.frame(kind, body)
    return out


def rare_capture(big_endian, events):
    """`events` after one thread's state, then an event of a code beyond
    the schema and an event block whose trailer disagrees with its header."""
    w = Enc(big_endian)
    out = w.shb() + w.frame(0x215, proc_entry(w, 9, 3001))
    out += event_blocks(w, events)
    out += w.frame(0x216, w.p("H", 0) + w.p("QQIHI", 1, 3001, 26, 999, 0))
    bad = event_blocks(w, events[5:6])
    return out + bad[:-4] + w.p("I", len(bad) + 4)


def sections(events):
    """Three sections: little-endian, big-endian, little-endian again,
    each with its own state and events."""
    out = b""
    for i, be in enumerate((False, True, False)):
        w = Enc(be)
        out += w.shb() + w.frame(0x215, proc_entry(w, 9, 3001 + i))
        out += w.frame(0x218, w.p("Q", 3001 + i) + fd_entries(w, True, 4))
        out += event_blocks(w, events[3 * i:3 * i + 3])
    return out


def gzip_member(data, level=9, strategy=None, flags=0):
    """A gzip member written by hand: the header fields `flags` asks for
    (FTEXT 1, FHCRC 2, FEXTRA 4, FNAME 8, FCOMMENT 16), deflate with a
    chosen level and strategy, no time stamp."""
    head = b"\x1f\x8b\x08" + bytes([flags]) + b"\0\0\0\0\0\xff"
    if flags & 4:
        head += struct.pack("<H", 8) + b"FZ\x04\0seed"
    if flags & 8:
        head += b"capture.scap\0"
    if flags & 16:
        head += b"fuzz seed\0"
    if flags & 2:
        head += struct.pack("<H", zlib.crc32(head) & 0xFFFF)
    c = zlib.compressobj(level, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY if strategy is None else strategy)
    body = c.compress(data) + c.flush()
    return head + body + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def gzip_variants(data):
    """`data` gzip-compressed in the shapes a reader meets: stored blocks,
    fixed Huffman codes, every optional header field, and two members."""
    cut = len(data) // 2
    return {
        "gzip-stored.scap.gz": gzip_member(data, level=0),
        "gzip-fixed-header-fields.scap.gz": gzip_member(data, 6, zlib.Z_FIXED, 2 | 4 | 8 | 16 | 1),
        "gzip-two-members.scap.gz": gzip_member(data[:cut], 1) + gzip_member(data[cut:], 9, zlib.Z_HUFFMAN_ONLY, 8),
    }


# --- text sources -----------------------------------------------------------


def rules_files():
    files = [os.path.join(REF, "rules", f) for f in sorted(os.listdir(os.path.join(REF, "rules")))]
    files += [os.path.join(ROOT, "rules", f) for f in ("falco_rules.yaml", "falco_rules.local.yaml")]
    files += [os.path.join(ROOT, "engine", "tests", "fixtures", f)
              for f in sorted(os.listdir(os.path.join(ROOT, "engine", "tests", "fixtures")))]
    return files


def rule_items(path):
    with open(path) as f:
        return yaml.safe_load(f) or []


def split_yaml_items(text, size=6000):
    """A rules file cut between top-level items into pieces of about `size`."""
    pieces, cur = [], ""
    for part in re.split(r"(?m)^(?=- )", text):
        if cur and len(cur) + len(part) > size:
            pieces.append(cur)
            cur = ""
        cur += part
    if cur.strip():
        pieces.append(cur)
    return pieces


# --- writing ------------------------------------------------------------------


class Seeds:
    def __init__(self):
        self.files = {}

    def add(self, target, name, data):
        if isinstance(data, str):
            data = data.encode()
        self.files[(target, name)] = data

    def add_many(self, target, prefix, items):
        """Items named by their content's hash (stable, no duplicates)."""
        for d in items:
            if isinstance(d, str):
                d = d.encode()
            self.add(target, f"{prefix}-{hashlib.sha1(d).hexdigest()[:12]}", d)


def build():
    s = Seeds()
    scap = os.path.join(REF, "scap")
    all_events = []
    for name in sorted(os.listdir(scap)):
        if name == "vm_bench_3m.scap.gz":
            continue  # the same kinds as vm_bench_small, 30 MB to unpack
        data = read_capture(os.path.join(scap, name))
        small = cut(data)
        base = name.replace(".gz", "")
        s.add("decode_capture", base, small)
        evs = [event_of(t, b) for t, b, _ in blocks(small) if t in EVENT_BLOCKS]
        all_events.append((base, evs))
        for code, tid, ev, v2 in evs:
            s.add("decode_event", f"{base[:-5]}-{code}", ev)
        v2evs = [ev for _, _, ev, v2 in evs if v2]
        for i in range(0, len(v2evs), 8):
            group = b"".join(struct.pack("<H", len(ev)) + ev for ev in v2evs[i:i + 8])
            s.add("ebpf_record", f"{base[:-5]}-{i // 8}", group)
        if name == "vm_cat_shadow.scap.gz":
            buf = io.BytesIO()
            with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as g:
                g.write(small)
            s.add("decode_capture", base + ".gz", buf.getvalue())
    # Kinds no reference has: flag and large event blocks, big endian.
    old = next(evs for n, evs in all_events if n == "libs_curl_google.scap")[:12]
    new = next(evs for n, evs in all_events if n == "vm_cat_shadow.scap")[:24]
    s.add("decode_capture", "synthetic-le.scap", synthetic(old + new, False))
    s.add("decode_capture", "synthetic-be.scap", synthetic(old + new, True))
    # Every state block kind and version, the event shapes and old events
    # no reference has, section changes, gzip's other shapes.
    rare = rare_events()
    for be, suffix in ((False, "le"), (True, "be")):
        s.add("decode_capture", f"state-procs-{suffix}.scap", state_procs(be, rare))
        s.add("decode_capture", f"state-lists-{suffix}.scap", state_lists(be, rare))
        s.add("decode_capture", f"rare-events-{suffix}.scap", rare_capture(be, rare))
    s.add("decode_capture", "sections-le-be-le.scap", sections(rare))
    for name, data in gzip_variants(state_lists(False, rare)).items():
        s.add("decode_capture", name, data)

    # Rules: our default file whole (the loader's deep path: every macro
    # and list defined), every file cut between items too.
    conditions, outputs = set(), set()
    for path in rules_files():
        with open(path) as f:
            text = f.read()
        base = os.path.basename(os.path.dirname(path)) + "-" + os.path.basename(path)
        if path == os.path.join(ROOT, "rules", "falco_rules.yaml"):
            s.add("load_rules", "ours-falco_rules.yaml", text)
        for i, piece in enumerate(split_yaml_items(text)):
            s.add("load_rules", f"{base}-{i:02}", piece)
        for item in rule_items(path):
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("condition"), str):
                conditions.add(item["condition"].strip())
            if isinstance(item.get("output"), str):
                outputs.add(item["output"].strip())
    s.add_many("parse_condition", "cond", sorted(conditions))
    s.add_many("output_format", "output", sorted(outputs))

    # falco.yaml, whole and variants, with -o overrides after NUL bytes.
    with open(os.path.join(ROOT, "cli", "falco.yaml")) as f:
        falco_yaml = f.read()
    bare = "\n".join(line for line in falco_yaml.splitlines() if not line.lstrip().startswith("#") and line.strip())
    s.add("falco_config", "falco.yaml", falco_yaml)
    s.add("falco_config", "falco-bare.yaml", bare + "\n")
    overrides = [
        ["json_output=true", "json_include_output_property=false", "time_format_iso_8601=true"],
        ["engine.kind=replay", "engine.replay.capture_file=/tmp/x.scap", "priority=warning"],
        ["rules_files[0]=/etc/falco/rules.yaml", "rules_files[1]=/etc/falco/local.yaml", "rule_matching=all"],
        ["append_output[0].match.source=syscall", "append_output[0].extra_output=%proc.name",
         "append_output[0].extra_fields[0]=proc.pid"],
        ["http_output.enabled=true", "http_output.url=http://localhost:2801/", "program_output.program=cat"],
        ["metrics.enabled=true", "metrics.interval=15s", "webserver.listen_port=8765", "syscall_event_drops.actions[0]=log"],
        ["plugins[0].name=container", "plugins[0].init_config.engines.docker.enabled=false", "load_plugins[0]=container"],
        ["falco_libs.thread_table_size=1000", "buffered_outputs=true", "outputs_queue.capacity=10"],
    ]
    for i, opts in enumerate(overrides):
        s.add("falco_config", f"bare-o{i}", bare + "\n\0" + "\0".join(opts))
    s.add("falco_config", "empty-o", "\0json_output=true\0stdout_output.enabled=false")
    s.add("falco_config", "include", "config_files:\n  - /nonexistent/falco.d\n  - path: x.yaml\n    strategy: add-only\n")
    with open(os.path.join(ROOT, "packaging", "kubernetes", "configmap.yaml")) as f:
        cm = yaml.safe_load_all(f)
        for doc in cm:
            for k, v in ((doc or {}).get("data") or {}).items():
                if k.endswith(".yaml") and "rules" not in k:
                    s.add("falco_config", "k8s-" + k, v)

    # falco test case files: ours whole.
    tests = os.path.join(ROOT, "rules", "tests")
    for name in sorted(os.listdir(tests)):
        if name.endswith(".yaml"):
            with open(os.path.join(tests, name)) as f:
                s.add("rule_tests", name, f.read())

    # Container runtimes (see falco_sinsp::runtimes::fuzz::runtime_input).
    for name, data in runtime_seeds(all_events):
        s.add("container_runtime", name, data)

    # Structured targets: arbitrary bytes (their meaning is the Arbitrary
    # derive's); a fixed PRNG makes them reproducible.
    rng = random.Random(22)
    for target in ("capture_structured", "kmod_ring"):
        for size in (64, 256, 1024, 4096):
            for j in range(2):
                s.add(target, f"random-{size}-{j}", bytes(rng.getrandbits(8) for _ in range(size)))
    return s


def http(body, chunked=False, status="200 OK"):
    if chunked:
        mid = len(body) // 2
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in (body[:mid], body[mid:]) if c)
        return b"HTTP/1.1 " + status.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
    return b"HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
        status.encode(), len(body), body)


def pb_field(tag, payload):
    """A protobuf length-delimited field."""
    n, varint = len(payload), b""
    while True:
        b = n & 0x7F
        n >>= 7
        varint += bytes([b | (0x80 if n else 0)])
        if not n:
            break
    return bytes([(tag << 3) | 2]) + varint + payload


def runtime_seeds(all_events):
    cid = "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e"
    docker = {
        "Id": cid, "Name": "/web", "Created": "2024-01-02T03:04:05.123456789Z",
        "Config": {"Image": "nginx:1.25", "Labels": {"app": "web"}, "Env": ["A=1"], "User": "0"},
        "Image": "sha256:" + "a" * 64,
        "HostConfig": {"Privileged": True, "CpuShares": 512, "Memory": 1 << 28, "CpusetCpus": "0-1,3",
                       "NetworkMode": "bridge"},
        "State": {"Pid": 4242, "Running": True},
        "NetworkSettings": {"IPAddress": "172.17.0.2", "Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}},
        "Mounts": [{"Source": "/data", "Destination": "/var/lib/x", "Mode": "ro", "RW": False, "Propagation": "rprivate"}],
    }
    image = {"RepoTags": ["nginx:1.25"], "RepoDigests": ["nginx@sha256:" + "b" * 64]}
    podman = dict(docker, Name="web", ImageName="docker.io/library/nginx:1.25",
                  HostConfig={"Privileged": False, "CpusetCpus": ""})
    events = b"".join(json.dumps(e).encode() for e in [
        {"Type": "container", "Action": "create", "Actor": {"ID": cid}},
        {"status": "destroy", "id": cid[:12]},
        {"Type": "container", "Action": "start", "Actor": {"ID": ""}},
    ])
    meta = pb_field(1, b"web")
    image_spec = pb_field(1, b"docker.io/library/nginx:1.25")
    status = pb_field(1, cid.encode()) + pb_field(2, meta) + pb_field(5, image_spec)
    status += pb_field(6, b"docker.io/library/nginx@sha256:" + b"c" * 64)
    info = pb_field(1, b"info") + pb_field(2, json.dumps(
        {"privileged": True, "runtimeSpec": {"annotations": {"io.kubernetes.cri.image-name": "nginx"}}}).encode())
    resp = pb_field(1, status) + pb_field(2, info)
    sandbox_meta = pb_field(1, b"pod") + pb_field(2, b"uid-1") + pb_field(3, b"default")
    sandbox = pb_field(1, pb_field(1, b"sandbox-1") + pb_field(2, sandbox_meta))

    def lp(b):
        return struct.pack("<H", len(b)) + b

    out = [
        ("docker-inspect", b"\0" + http(json.dumps(docker).encode())),
        ("docker-inspect-image", b"\0" + http(json.dumps([docker, image]).encode(), chunked=True)),
        ("docker-404", b"\0" + http(b'{"message":"No such container"}', status="404 Not Found")),
        ("podman-inspect", b"\1" + http(json.dumps(podman).encode(), chunked=True)),
        ("events", b"\2" + http(events, chunked=True)),
        ("events-to-end", b"\2HTTP/1.0 200 OK\r\n\r\n" + events),
        ("cri", b"\3" + lp(resp) + lp(sandbox)),
    ]
    # The plugin's JSON records that the reference captures carry.
    for base, evs in all_events:
        for code, tid, ev, v2 in evs:
            if EVENTS[code]["enum"] in ("PPME_CONTAINER_JSON_E", "PPME_CONTAINER_JSON_2_E"):
                hdr = 26 if v2 else 22
                width = 4 if EVENTS[code]["flags"] & LARGE_PAYLOAD else 2
                out.append((f"plugin-json-{base[:-5]}", b"\4" + ev[hdr + width:].rstrip(b"\0")))
    out.append(("plugin-json", b"\4" + json.dumps({"container": {
        "id": cid[:12], "name": "web", "image": "nginx:1.25", "type": 0, "privileged": True,
        "Mounts": [{"Source": "/data", "Destination": "/x", "Mode": "", "RW": True, "Propagation": ""}],
        "labels": {"a": "b"}}}).encode()))
    return out


def main():
    check = "--check" in sys.argv[1:]
    s = build()
    if check:
        bad = []
        for (target, name), data in s.files.items():
            p = os.path.join(SEEDS, target, name)
            if not os.path.exists(p) or open(p, "rb").read() != data:
                bad.append(p)
        if bad:
            print("fuzz-seeds: out of date:\n  " + "\n  ".join(bad[:20]), file=sys.stderr)
            sys.exit(1)
        print(f"fuzz-seeds: {len(s.files)} seeds up to date")
        return
    targets = sorted({t for t, _ in s.files})
    for t in targets:
        d = os.path.join(SEEDS, t)
        if os.path.isdir(d):
            for name in os.listdir(d):
                if not name.startswith("regress-"):
                    os.remove(os.path.join(d, name))
        os.makedirs(d, exist_ok=True)
    for (target, name), data in s.files.items():
        with open(os.path.join(SEEDS, target, name), "wb") as f:
            f.write(data)
    total = sum(len(d) for d in s.files.values())
    for t in targets:
        n = [len(d) for (tt, _), d in s.files.items() if tt == t]
        print(f"{t:20} {len(n):4} seeds {sum(n):8} bytes (largest {max(n)})")
    print(f"{'total':20} {len(s.files):4} seeds {total:8} bytes")


if __name__ == "__main__":
    main()
