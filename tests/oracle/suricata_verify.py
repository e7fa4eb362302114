#!/usr/bin/env python3
"""tests/oracle/suricata_verify.py VIGIL ORACLE_DIR RATCHET [--update]

Suricata parity: for every test folder of ORACLE_DIR (../shared/oracle/
suricata-verify: a capture from Suricata's own test suite and the checks
Suricata's suite makes on its `flow` events), runs `vigil read --eve` on the
capture and evaluates each check the way suricata-verify does: the number
of flow events whose fields equal every field of `match` must be `count`.

Per field, it counts the checks that name the field (compared) and those
where it holds. A check's selecting fields (the 5-tuple, vlan, icmp_type...:
every field not under flow. or tcp.) hold when the events matching all of
them number `count`; each other field (counters, state, age, flags) holds
when the events matching the selecting fields and that field number
`count`. A whole check holds when every compared field of it matches at
once. Fields vigil never writes (e.g. app_proto, community_id) are "not
compared", listed with their number of checks, never passed silently.

RATCHET (tests/oracle/suricata-verify.expected) records, per field, how many
checks held when it was last raised; a field falling below it is a
failure. --update writes the current figures (run it when agreement went
up; never to accept a drop).

Output: TAP, one line per compared field and one for whole checks, then
`#` lines naming each check that does not hold and why.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

# Fields that say which flow a check is about; the others are its figures
# (counters, state, age, flags), each judged on the flows the check's
# selecting fields pick out.
FIGURES = ("flow.", "tcp.")
TUPLE = ("event_type", "proto", "src_ip", "src_port", "dest_ip", "dest_port")


def selecting(f):
    return not f.startswith(FIGURES)


def get(ev, path):
    """The value at a dotted path with optional [i] index, or a marker."""
    cur = ev
    for part in path.split("."):
        idx = None
        if part.endswith("]") and "[" in part:
            part, i = part[:-1].split("[", 1)
            idx = int(i)
        if not isinstance(cur, dict) or part not in cur:
            return MISSING
        cur = cur[part]
        if idx is not None:
            if not isinstance(cur, list) or idx >= len(cur):
                return MISSING
            cur = cur[idx]
    return cur


class Missing:
    def __repr__(self):
        return "(absent)"


MISSING = Missing()
SCRATCH = tempfile.mkdtemp(prefix="vg-suricata-verify-")


def flows_of(vigil, pcap):
    # Run in a scratch folder: nothing the run may leave (a store file)
    # lands in the repository.
    out = subprocess.run([vigil, "read", "--seed", "1", "-q", "--eve", "-", os.path.abspath(pcap)],
                         capture_output=True, text=True, cwd=SCRATCH)
    if out.returncode not in (0, 1):  # 1: input truncated, what was read is kept
        raise RuntimeError("vigil read %s: exit %d: %s" % (pcap, out.returncode, out.stderr[-300:]))
    evs = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
    return [e for e in evs if e.get("event_type") == "flow"]


def count(events, match, fields):
    return sum(1 for e in events if all(get(e, f) == match[f] for f in fields))


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    vigil, root, ratchet = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
    update = "--update" in sys.argv[4:]
    folders = sorted(d for d in os.listdir(root) if os.path.isfile(os.path.join(root, d, "expected.json")))
    runs = []  # (folder, events, checks)
    produced = set()
    for d in folders:
        exp = json.load(open(os.path.join(root, d, "expected.json")))
        evs = flows_of(vigil, os.path.join(root, d, "input.pcap"))
        runs.append((d, evs, exp["checks"]))
        for ch in exp["checks"]:
            for f in ch["match"]:
                if any(get(e, f) is not MISSING for e in evs):
                    produced.add(f)
    # A field is compared if vigil writes it for some flow of the set.
    compared, held, not_compared = {}, {}, {}
    whole, whole_held, notes = 0, 0, []
    for d, evs, checks in runs:
        for n, ch in enumerate(checks):
            m, want = ch["match"], ch["count"]
            fields = [f for f in m if f in produced]
            for f in m:
                if f not in produced:
                    not_compared[f] = not_compared.get(f, 0) + 1
            tuple_f = [f for f in fields if selecting(f)]
            tuple_ok = count(evs, m, tuple_f) == want
            for f in fields:
                compared[f] = compared.get(f, 0) + 1
                ok = tuple_ok if selecting(f) else count(evs, m, tuple_f + [f]) == want
                held[f] = held.get(f, 0) + ok
                if not ok:
                    cand = [e for e in evs if all(get(e, g) == m[g] for g in tuple_f)]
                    got = sorted({repr(get(e, f)) for e in cand}) if not selecting(f) else \
                        ["%d flows match the selecting fields" % len(cand)]
                    notes.append("%s check %d: %s expected %r (count %d), vigil: %s" %
                                 (d, n + 1, f, m[f], want, ", ".join(got) or "no flow"))
            whole += 1
            whole_held += count(evs, m, fields) == want
    recorded = {}
    if os.path.exists(ratchet):
        for line in open(ratchet):
            if line.startswith("#") or not line.strip():
                continue
            f, c, h = line.split("\t")[:3]
            recorded[f] = int(h)
    if update:
        with open(ratchet, "w") as fp:
            fp.write("# field\tcompared\theld - written by tests/oracle/suricata_verify.py --update;"
                     " only ever raised\n")
            fp.write("(whole checks)\t%d\t%d\n" % (whole, whole_held))
            for f in sorted(compared):
                fp.write("%s\t%d\t%d\n" % (f, compared[f], held[f]))
        recorded = dict(held, **{"(whole checks)": whole_held})
    n = 0
    fails = 0

    def line(ok, text):
        nonlocal n, fails
        n += 1
        fails += not ok
        print("%s %d - %s" % ("ok" if ok else "not ok", n, text))

    r = recorded.get("(whole checks)", 0)
    line(whole_held >= r, "whole checks: %d of %d hold on every compared field (recorded %d)" %
         (whole_held, whole, r))
    for f in sorted(compared, key=lambda f: (f not in TUPLE, not selecting(f), f)):
        r = recorded.get(f, 0)
        line(held[f] >= r, "field %s: %d of %d checks hold (recorded %d)" % (f, held[f], compared[f], r))
    for f, c in sorted(not_compared.items(), key=lambda x: -x[1]):
        print("# not compared (vigil does not write it): %s in %d checks" % (f, c))
    for s in notes:
        print("# differs: " + s)
    print("1..%d" % n)
    return 1 if fails else 0


if __name__ == "__main__":
    try:
        rc = main()
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
    sys.exit(rc)
