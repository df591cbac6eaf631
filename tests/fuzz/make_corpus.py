#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz harnesses from the protocol's reference frames.

usage: make_corpus.py [wire-vectors.tsv] [output-dir]
Defaults: tests/conformance/wire-vectors.tsv, tests/fuzz/corpus.
The seeds are committed; rerun this after the vectors change.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# fuzz_recv_stream script steps (see the harness header comment)
RAW, RAW_FDS, FRAME, PATTERN, CARRIER, END = 0, 1, 2, 3, 4, 5
RECV_MAX, RECV_CAP, BORROWED, RECV_FD, RECV_ZERO = 0, 1, 2, 3, 4


def frame_step(payload, piece=0):
    assert len(payload) <= 255
    return bytes([FRAME, len(payload)]) + payload + bytes([piece])


def raw_step(data, fd_pick=None):
    assert 1 <= len(data) <= 16
    step = bytes([RAW if fd_pick is None else RAW_FDS, len(data) - 1]) + data
    return step if fd_pick is None else step + bytes([fd_pick])


def pattern_step(length, seed=7, piece=0):
    if length >= 65536 - 7 * 3:
        pick = 0xFF - (65536 - length) // 3
    else:
        pick = length // 8
    assert pick < 0x100
    return bytes([PATTERN, pick, seed, piece])


def reads(*steps):
    out = b""
    for step in steps:
        if isinstance(step, tuple):
            out += bytes(step)
        else:
            out += bytes([step, 0])
    return out


def script(writer, reader, close=False):
    return bytes([1 if close else 0]) + writer + bytes([END]) + reader


def recv_stream_seeds(payloads):
    seeds = {}
    for name, payload in payloads:
        seeds["frame_" + name] = script(frame_step(payload), reads(RECV_MAX))
        seeds["dribbled_" + name] = script(frame_step(payload, piece=1), reads(BORROWED), close=True)
    everything = b"".join(frame_step(p, piece=i % 8) for i, (_, p) in enumerate(payloads))
    seeds["all_vectors"] = script(everything, reads(*([RECV_MAX, BORROWED] * len(payloads))))
    granted = dict(payloads)["decision_granted"]
    seeds["fd_then_decision"] = script(bytes([CARRIER]) + frame_step(granted), reads(RECV_FD, RECV_MAX))
    seeds["fd_kept_by_frame_receive"] = script(bytes([CARRIER]) + frame_step(granted), reads(RECV_MAX, RECV_FD))
    seeds["decision_then_fd"] = script(frame_step(granted) + bytes([CARRIER]), reads(RECV_FD, RECV_MAX, RECV_FD))
    seeds["two_carriers"] = script(bytes([CARRIER, CARRIER]) + frame_step(granted), reads(RECV_MAX, RECV_FD))
    prefix = struct.pack(">I", len(granted))
    seeds["fd_on_prefix"] = script(raw_step(prefix, fd_pick=0) + frame_step(granted), reads(RECV_MAX))
    seeds["fd_on_payload"] = script(raw_step(prefix) + raw_step(granted[:16], fd_pick=0), reads(RECV_FD, RECV_MAX))
    seeds["carrier_two_fds"] = script(raw_step(b"\0", fd_pick=1), reads(RECV_FD))
    seeds["carrier_ctrunc_64"] = script(raw_step(b"\0", fd_pick=0xFF), reads(RECV_MAX))
    seeds["carrier_nonzero"] = script(raw_step(b"\1", fd_pick=0), reads(RECV_FD, RECV_MAX))
    seeds["carrier_mid_prefix"] = script(raw_step(prefix[:2]) + bytes([CARRIER]) + raw_step(prefix[2:]), reads(RECV_MAX))
    seeds["oversize_65537"] = script(raw_step(struct.pack(">I", 65537)) + frame_step(granted), reads(RECV_MAX, RECV_MAX))
    seeds["oversize_ffffffff"] = script(raw_step(b"\xff\xff\xff\xff"), reads(BORROWED, RECV_FD))
    seeds["truncated_payload"] = script(raw_step(prefix + granted[:8]), reads(RECV_MAX, RECV_MAX))
    seeds["truncated_prefix"] = script(raw_step(prefix[:3]), reads(RECV_FD, RECV_MAX))
    seeds["max_frame"] = script(pattern_step(65536), reads(RECV_MAX))
    seeds["small_buffers"] = script(frame_step(granted) + pattern_step(300), reads((RECV_CAP, 10), RECV_ZERO, RECV_FD, (RECV_CAP, 255), RECV_MAX, BORROWED))
    # For fuzz_recv_resume (interleaved): writer phase, reader phase (1 ms timeout), back to writing (step 5) ...
    frame = prefix + granted
    chunks = [frame[i:i + 16] for i in range(2, len(frame), 16)]
    phases = bytes([0]) + raw_step(frame[:2]) + bytes([END]) + reads(RECV_MAX, RECV_FD) + bytes([5])
    for i, piece in enumerate(chunks):
        phases += raw_step(piece) + bytes([END]) + reads(RECV_MAX if i % 2 else BORROWED) + bytes([5])
    seeds["interleaved_frame_resumes"] = phases
    seeds["interleaved_carrier_kept_across_timeout"] = (bytes([0, CARRIER, END]) + reads(RECV_MAX, RECV_FD) + bytes([5])
                                                        + frame_step(granted) + bytes([END]) + reads(RECV_MAX))
    seeds["interleaved_silence_then_fd"] = (bytes([0, END]) + reads(RECV_FD, RECV_MAX) + bytes([5, CARRIER, END])
                                            + reads(RECV_FD))
    seeds["empty_frames"] = script(frame_step(b"") + frame_step(b"", piece=1), reads(RECV_ZERO, RECV_FD, RECV_ZERO))
    return seeds


def frame_decode_seeds(payloads):
    seeds = {}
    for name, payload in payloads:
        frame = struct.pack(">I", len(payload)) + payload
        seeds["frame_" + name] = frame + bytes([0, 0])
        seeds["split_" + name] = frame + frame + bytes([0x10, 3])
        seeds["small_capacity_" + name] = frame + bytes([0x00, 0x40])
        seeds["truncated_" + name] = frame[: len(frame) // 2] + bytes([0, 5])
    seeds["oversize_65537"] = struct.pack(">I", 65537) + b"x" * 8 + bytes([0, 1])
    seeds["oversize_ffffffff"] = b"\xff\xff\xff\xff" + b"x" * 8 + bytes([0, 1])
    seeds["max_generated"] = struct.pack(">I", 65536) + bytes([0, 0x80])
    seeds["empty_frame"] = struct.pack(">I", 0) * 3 + bytes([0, 0])
    return seeds


def main():
    vectors = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "tests", "conformance", "wire-vectors.tsv")
    output = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "corpus")
    payloads = []
    with open(vectors, encoding="utf-8") as tsv:
        for line in tsv:
            line = line.rstrip("\n")
            if not line:
                continue
            _kind, name, json = line.split("\t", 2)
            payloads.append((name, json.encode("utf-8")))
    if not payloads:
        sys.exit("no vectors in " + vectors)
    stream_seeds = recv_stream_seeds(payloads)
    for harness, seeds in (("recv_stream", stream_seeds), ("recv_resume", stream_seeds), ("frame_decode", frame_decode_seeds(payloads))):
        directory = os.path.join(output, harness)
        os.makedirs(directory, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(directory, "seed_" + name), "wb") as out:
                out.write(data)
        print(f"{harness}: {len(seeds)} seeds in {directory}")


if __name__ == "__main__":
    main()
