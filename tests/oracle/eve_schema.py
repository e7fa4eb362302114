#!/usr/bin/env python3
"""tests/oracle/eve_schema.py SCHEMA < EVE lines: validates every event against
Suricata's EVE JSON schema after removing vigil's documented extension keys
(docs/EVENTS.md, "vigil's extension keys"). Prints TAP: one line per event
type, with the number of events checked, and the first errors if any."""
import json
import sys

import jsonschema

EXTENSIONS = {
    "stats": [("stats", "vigil")],
    "attack": [(None, "attack"), (None, "src_geo"), (None, "dest_geo"), (None, "attribution")],
}

schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft7Validator(schema)
counts, errors = {}, {}
for n, line in enumerate(sys.stdin, 1):
    try:
        ev = json.loads(line)
    except ValueError as e:
        errors.setdefault("json", []).append("line %d: %s" % (n, e))
        continue
    kind = ev.get("event_type", "?")
    for parent, key in EXTENSIONS.get(kind, []):
        (ev if parent is None else ev.get(parent, {})).pop(key, None)
    counts[kind] = counts.get(kind, 0) + 1
    for err in validator.iter_errors(ev):
        errors.setdefault(kind, []).append("line %d: %s at %s" % (n, err.message, list(err.path)))
i = 0
for kind in sorted(set(counts) | set(errors)):
    i += 1
    errs = errors.get(kind, [])
    status = "not ok" if errs else "ok"
    print("%s %d - %d %s events validate against Suricata's EVE schema" % (status, i, counts.get(kind, 0), kind))
    for e in errs[:5]:
        print("#   " + e)
if not counts:
    i += 1
    print("not ok %d - no events to validate" % i)
print("1..%d" % i)
