#!/usr/bin/env python3
"""Differential fuzzing of the capture reader against sysdig (a batch job,
not libFuzzer; scripts/fuzz-diff.sh builds our tools and runs it).

Mutates the reference captures (flipped block lengths and trailers,
truncations, swapped, dropped and duplicated events, corrupted parameter
lengths and values, corrupted state blocks, unknown blocks), then reads each
variant with our reader (`scapcat --raw`: the events as stored, no
conversion, like sysdig) and with `sysdig -r`, and compares:

- accepted or rejected (an error reading the file), and how many events
  came before the error;
- the events: (time, thread, direction, type) of each, in order;
- with state, on the exit events both print: proc.name and fd.name
  (`sinspcat -p`, our inspector, beside `sysdig -p`).

Each capture is first compared unmutated: what differs there (event types
sysdig 0.29 does not know, the differences sysdig_fields.rs explains) is
the baseline, and only what a mutation changes beyond it is reported.

    fuzz-diff.py --scapcat BIN --sinspcat BIN --out DIR [--variants N] [--seed S]
"""

import argparse
import collections
import gzip
import json
import os
import random
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "reference", "scap"))
EVENT_BLOCKS = {0x204: (False, False), 0x8010ABCD: (False, False), 0x208: (True, False),
                0x216: (False, True), 0x217: (True, True), 0x221: (False, True), 0x222: (True, True)}
STATE_BLOCKS = {0x202, 0x207, 0x209, 0x210, 0x211, 0x212, 0x213, 0x214, 0x215, 0x203, 0x218,
                0x206, 0x220, 0x205, 0x219, 0x201}
with open(os.path.join(os.path.dirname(REF), "event_table.json")) as f:
    SCHEMA = json.load(f)["events"]
FIELDS = "%evt.rawtime %thread.tid %evt.dir %evt.type %proc.name %fd.name"
# At most this many events are compared per variant (the cut captures
# below are small; this bounds a runaway).
MAX_EVENTS = 20000


def blocks(data):
    off, out = 0, []
    while off + 12 <= len(data):
        ty, ln = struct.unpack_from("<II", data, off)
        if ln < 12 or off + ln > len(data):
            break
        out.append((off, ty, ln))
        off += ln
    return out


def event_span(data, off, ty):
    """Offset and length of the event inside an event block."""
    flags, v2 = EVENT_BLOCKS[ty]
    at = off + 8 + 2 + (4 if flags else 0)
    return at, v2


class Mutator:
    """One mutation of a capture's bytes, by name; returns (bytes, what)."""

    def __init__(self, data, rng):
        self.data = data
        self.rng = rng
        self.bl = blocks(data)
        self.events = [b for b in self.bl if b[1] in EVENT_BLOCKS]
        self.state = [b for b in self.bl if b[1] in STATE_BLOCKS]

    def pick_event(self):
        return self.rng.choice(self.events)

    def block_len(self):
        off, ty, ln = self.rng.choice(self.bl[1:])
        new = self.rng.choice([ln + 4, ln - 4, ln + 1, ln * 2, 12, 0xFFFFFFF0, ln + 4096])
        d = bytearray(self.data)
        struct.pack_into("<I", d, off + 4, new & 0xFFFFFFFF)
        return bytes(d), f"block 0x{ty:x} at {off}: header length {ln} -> {new}"

    def trailer(self):
        off, ty, ln = self.rng.choice(self.bl[1:])
        d = bytearray(self.data)
        struct.pack_into("<I", d, off + ln - 4, ln + 8)
        return bytes(d), f"block 0x{ty:x} at {off}: trailer {ln} -> {ln + 8}"

    def truncate(self):
        off, ty, ln = self.rng.choice(self.bl[1:])
        at = off + self.rng.choice([0, 4, 8, ln // 2, ln - 1])
        return self.data[:at], f"cut at {at} (block 0x{ty:x} at {off}, {ln} bytes)"

    def swap_events(self):
        i = self.rng.randrange(len(self.events) - 1)
        (a, _, la), (b, _, lb) = self.events[i], self.events[i + 1]
        if a + la != b:
            return self.data, "no adjacent events"
        d = self.data[:a] + self.data[b:b + lb] + self.data[a:a + la] + self.data[b + lb:]
        return d, f"events at {a} and {b} swapped"

    def drop_event(self):
        off, ty, ln = self.pick_event()
        return self.data[:off] + self.data[off + ln:], f"event block at {off} dropped"

    def dup_event(self):
        off, ty, ln = self.pick_event()
        return self.data[:off + ln] + self.data[off:off + ln] + self.data[off + ln:], f"event block at {off} doubled"

    def unknown_block(self):
        off, ty, ln = self.rng.choice(self.bl[1:])
        body = bytes(self.rng.getrandbits(8) for _ in range(8))
        blk = struct.pack("<II", 0x299, 20) + body + struct.pack("<I", 20)
        return self.data[:off] + blk + self.data[off:], f"unknown block 0x299 before {off}"

    def event_len(self):
        off, ty, ln = self.pick_event()
        at, v2 = event_span(self.data, off, ty)
        old = struct.unpack_from("<I", self.data, at + 16)[0]
        new = self.rng.choice([old + 1, old - 1, old + 100, 10, 0])
        d = bytearray(self.data)
        struct.pack_into("<I", d, at + 16, new & 0xFFFFFFFF)
        return bytes(d), f"event at {off}: len {old} -> {new}"

    def event_type(self):
        off, ty, ln = self.pick_event()
        at, v2 = event_span(self.data, off, ty)
        old = struct.unpack_from("<H", self.data, at + 20)[0]
        new = self.rng.choice([old ^ 1, old + 2, 453, 454, 1000, self.rng.randrange(454)])
        d = bytearray(self.data)
        struct.pack_into("<H", d, at + 20, new)
        return bytes(d), f"event at {off}: type {old} -> {new}"

    def param_len(self):
        off, ty, ln = self.pick_event()
        at, v2 = event_span(self.data, off, ty)
        code = struct.unpack_from("<H", self.data, at + 20)[0]
        if code >= len(SCHEMA) or not SCHEMA[code]["params"]:
            return self.data, "event without parameters"
        width = 4 if SCHEMA[code]["flags"] & 2048 else 2
        i = self.rng.randrange(len(SCHEMA[code]["params"]))
        p = at + (26 if v2 else 22) + i * width
        if p + width > off + ln - 4:
            return self.data, "parameter beyond the event"
        old = int.from_bytes(self.data[p:p + width], "little")
        new = self.rng.choice([old + 1, max(old - 1, 0), old + 64, 0, (1 << (8 * width)) - 1])
        d = bytearray(self.data)
        d[p:p + width] = (new & ((1 << (8 * width)) - 1)).to_bytes(width, "little")
        return bytes(d), f"event at {off} ({SCHEMA[code]['name']}): param {i} length {old} -> {new}"

    def param_bytes(self):
        off, ty, ln = self.pick_event()
        at, v2 = event_span(self.data, off, ty)
        evlen = struct.unpack_from("<I", self.data, at + 16)[0]
        hdr = 26 if v2 else 22
        if evlen <= hdr + 4:
            return self.data, "event without values"
        d = bytearray(self.data)
        for _ in range(self.rng.randint(1, 4)):
            p = at + self.rng.randrange(hdr, evlen)
            d[p] = self.rng.getrandbits(8)
        return bytes(d), f"event at {off}: bytes of the parameter area changed"

    def state_bytes(self):
        if not self.state:
            return self.data, "no state block"
        off, ty, ln = self.rng.choice(self.state)
        d = bytearray(self.data)
        p = off + 8 + self.rng.randrange(max(ln - 12, 1))
        d[p] = self.rng.getrandbits(8)
        return bytes(d), f"state block 0x{ty:x} at {off}: byte {p - off - 8} changed"

    KINDS = ["block_len", "trailer", "truncate", "swap_events", "drop_event", "dup_event",
             "unknown_block", "event_len", "event_type", "param_len", "param_bytes", "state_bytes"]


def run(cmd, timeout=60):
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return "timeout", "", "timeout"


def ours_raw(args, path):
    """Our events as stored: [(ts, tid, dir, type)], and the error if any."""
    rc, out, err = run([args.scapcat, "--raw", path])
    evs = []
    for line in out.splitlines()[:MAX_EVENTS]:
        f = line.split(" ")
        if len(f) >= 6:
            evs.append((f[1], f[3], f[4], f[5]))
    error = None if rc == 0 else (err.strip().splitlines() or ["exit %s" % rc])[-1]
    return evs, error


def sysdig_raw(path):
    rc, out, err = run(["sysdig", "-r", path, "-p", "%evt.rawtime %thread.tid %evt.dir %evt.type"])
    evs = [tuple(line.split(" ")[:4]) for line in out.splitlines()[:MAX_EVENTS] if line.count(" ") >= 3]
    bad = rc != 0 or any(w in err for w in ("error", "Error", "truncated", "corrupted", "invalid"))
    return evs, (err.strip().splitlines() or ["exit %s" % rc])[-1] if bad else None


def fields(cmd):
    """Exit events keyed by (time, tid, type): (proc.name, fd.name)."""
    rc, out, err = run(cmd)
    res = {}
    for line in out.splitlines()[:MAX_EVENTS]:
        f = line.split(" ", 5)
        if len(f) == 6 and f[2] == "<":
            res[(f[0], f[1], f[3])] = (f[4], f[5])
    return res


def compare(args, path):
    o_evs, o_err = ours_raw(args, path)
    s_evs, s_err = sysdig_raw(path)
    o_f = fields([args.sinspcat, "-p", FIELDS, path])
    s_f = fields(["sysdig", "-r", path, "-p", FIELDS])
    return {"ours": (o_evs, o_err), "sysdig": (s_evs, s_err), "fields": (o_f, s_f)}


def event_diff(r, base_types):
    """The event sequences, restricted to the types sysdig printed on the
    unmutated capture (the ones it knows)."""
    o = [e for e in r["ours"][0] if e[3] in base_types]
    s = [e for e in r["sysdig"][0] if e[3] in base_types]
    return o, s


def field_mismatches(r, base):
    """Keys both print whose (proc.name, fd.name) differ, beyond the
    baseline's own differences."""
    o, s = r["fields"]
    bo, bs = base["fields"]
    out = []
    for k in o.keys() & s.keys():
        if o[k] != s[k] and not (k in bo and k in bs and bo[k] != bs[k]):
            out.append((k, o[k], s[k]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scapcat", required=True)
    ap.add_argument("--sinspcat", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--variants", type=int, default=300)
    ap.add_argument("--seed", type=int, default=22)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    sources = sorted(f for f in os.listdir(REF) if f.endswith(".scap")) + ["vm_cat_shadow.scap.gz"]
    per = max(1, args.variants // len(sources))
    results = collections.Counter()
    findings = []
    for name in sources:
        with open(os.path.join(REF, name), "rb") as f:
            data = f.read()
        if data[:2] == b"\x1f\x8b":
            # Some .scap references are gzip-compressed too.
            data = gzip.decompress(data)
            name = name.removesuffix(".gz")
        base_path = os.path.join(args.out, name)
        with open(base_path, "wb") as f:
            f.write(data)
        base = compare(args, base_path)
        base_types = {e[3] for e in base["sysdig"][0]}
        bo, bs = event_diff(base, base_types)
        print(f"{name}: baseline ours {len(base['ours'][0])} events ({base['ours'][1] or 'ok'}), "
              f"sysdig {len(base['sysdig'][0])} ({base['sysdig'][1] or 'ok'}); "
              f"same on sysdig's types: {bo == bs}", flush=True)
        m = Mutator(data, rng)
        for i in range(per):
            kind = Mutator.KINDS[(i + rng.randrange(len(Mutator.KINDS))) % len(Mutator.KINDS)]
            variant, what = getattr(m, kind)()
            if variant == data:
                continue
            vpath = os.path.join(args.out, f"{name}.{i:03}.{kind}")
            with open(vpath, "wb") as f:
                f.write(variant)
            r = compare(args, vpath)
            o_err, s_err = r["ours"][1], r["sysdig"][1]
            if base["sysdig"][1] and s_err:
                # sysdig refuses the unmutated capture already (a section
                # header with options: libs_curl_google_comments).
                results[(kind, "baseline: sysdig rejects the original")] += 1
                os.remove(vpath)
                continue
            o, s = event_diff(r, base_types)
            fm = field_mismatches(r, base)
            if o_err and not s_err:
                verdict = "ours rejects, sysdig accepts"
            elif s_err and not o_err:
                verdict = "sysdig rejects, ours accepts"
            elif o != s and bo == bs:
                verdict = "both " + ("reject" if o_err else "accept") + ", events differ"
            elif fm:
                verdict = "both " + ("reject" if o_err else "accept") + ", fields differ"
            else:
                verdict = "agree (" + ("both reject" if o_err else "both accept") + ")"
            results[(kind, verdict)] += 1
            if not verdict.startswith("agree"):
                first = next((j for j, (a, b) in enumerate(zip(o, s)) if a != b), min(len(o), len(s)))
                findings.append({
                    "variant": os.path.basename(vpath), "kind": kind, "what": what, "verdict": verdict,
                    "ours": {"events": len(r["ours"][0]), "error": o_err},
                    "sysdig": {"events": len(r["sysdig"][0]), "error": s_err},
                    "first_event_difference": first,
                    "ours_there": o[first] if first < len(o) else None,
                    "sysdig_there": s[first] if first < len(s) else None,
                    "field_mismatches": fm[:5],
                })
            else:
                os.remove(vpath)
    with open(os.path.join(args.out, "findings.json"), "w") as f:
        json.dump(findings, f, indent=1)
    print("\nmutation            verdict                                   count")
    for (kind, verdict), n in sorted(results.items()):
        print(f"{kind:19} {verdict:41} {n:5}")
    print(f"\n{sum(results.values())} variants, {len(findings)} disagreements "
          f"(details: {os.path.join(args.out, 'findings.json')}; variants kept beside it)")


if __name__ == "__main__":
    main()
