#!/usr/bin/env python3
"""Writes corpus/message_decode/ (the seeds of fuzz_message_decode.c) from the conformance corpus:
every payload of tests/conformance/decode-cases.tsv and every reference frame, one file each.
The seeds are committed; rerun this after the conformance cases change."""
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
CONFORMANCE = os.path.join(os.path.dirname(HERE), "conformance")
OUT = os.path.join(HERE, "corpus", "message_decode")


def unescape(column):
    return re.sub(rb"%([0-9A-F]{2})", lambda m: bytes([int(m.group(1), 16)]), column.encode("ascii"))


os.makedirs(OUT, exist_ok=True)
for name in os.listdir(OUT):
    os.remove(os.path.join(OUT, name))
count = 0
with open(os.path.join(CONFORMANCE, "decode-cases.tsv"), encoding="ascii") as cases:
    for line in cases:
        direction, verdict, name, payload, _ = line.rstrip("\n").split("\t")
        with open(os.path.join(OUT, name.replace("/", "_")), "wb") as seed:
            seed.write(unescape(payload))
        count += 1
with open(os.path.join(CONFORMANCE, "wire-vectors.tsv"), encoding="utf-8") as vectors:
    for line in vectors:
        kind, name, payload = line.rstrip("\n").split("\t")
        with open(os.path.join(OUT, "vector_" + name), "wb") as seed:
            seed.write(payload.encode("utf-8"))
        count += 1
print("wrote %d seeds to %s" % (count, OUT))
