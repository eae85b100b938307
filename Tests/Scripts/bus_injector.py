#!/usr/bin/env python3
"""Pretends to be a producer and sends a subscriber malformed input interleaved with valid
messages; also sends bad replay requests to the subscriber's own replay ROUTER. Prints a JSON
summary of what it sent."""
import argparse
import json
import random
import sys
import time
import uuid

import zmq


def envelope(producer, sequence, type_="probe.valid", payload=None):
    return json.dumps({
        "id": str(uuid.uuid4()), "type": type_, "version": 1, "producer": producer, "sequence": sequence,
        "occurred_at": "2026-11-29T09:15:00Z", "correlation_id": str(uuid.uuid4()), "causation_id": None,
        "payload": payload or {"n": sequence},
    }).encode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bind", required=True, help="PUB endpoint to bind (replay at port + 1)")
    parser.add_argument("--producer", required=True)
    parser.add_argument("--target-replay", required=True, help="the subscriber's own replay ROUTER")
    parser.add_argument("--valid", type=int, default=200)
    parser.add_argument("--malformed", type=int, default=1000)
    parser.add_argument("--max-bytes", type=int, default=1048576)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    host, port = args.bind.rsplit(":", 1)
    ctx = zmq.Context()
    pub = ctx.socket(zmq.PUB)
    pub.setsockopt(zmq.SNDHWM, 100000)
    pub.bind(args.bind)
    router = ctx.socket(zmq.ROUTER)
    router.bind(f"{host}:{int(port) + 1}")
    attacker = ctx.socket(zmq.DEALER)
    attacker.connect(args.target_replay)

    valid = {}
    for seq in range(1, args.valid + 1):
        type_ = "probe.unknown-type" if seq % 10 == 0 else "probe.valid"
        valid[seq] = (type_.encode(), envelope(args.producer, seq, type_))

    kinds = ["garbage", "frames1", "frames3", "badjson", "notutf8topic", "wrongproducer", "oversize", "badreplay"]
    sent = {k: 0 for k in kinds}
    plan = [kinds[i % len(kinds)] for i in range(args.malformed)]
    random.Random(7).shuffle(plan)

    def serve_replay():
        while router.poll(0):
            frames = router.recv_multipart()
            identity = frames[0]
            try:
                req = json.loads(frames[1])
                after, limit = int(req["after_sequence"]), int(req["limit"])
            except Exception:
                continue
            for seq in range(after + 1, min(args.valid, after + limit) + 1):
                router.send_multipart([identity, *valid[seq]])
            router.send_multipart([identity, b"bus.replay-end", json.dumps(
                {"head_sequence": args.valid, "first_available_sequence": 1}).encode()])

    time.sleep(1.0)  # let the subscriber connect
    next_valid = 1
    per_valid = max(1, len(plan) // args.valid)
    for i, kind in enumerate(plan):
        if kind == "garbage":
            pub.send(bytes(random.getrandbits(8) for _ in range(64)))
        elif kind == "frames1":
            pub.send_multipart([b"probe.valid"])
        elif kind == "frames3":
            pub.send_multipart([b"probe.valid", b"{}", b"extra"])
        elif kind == "badjson":
            pub.send_multipart([b"probe.valid", b"{\"id\": oops"])
        elif kind == "notutf8topic":
            pub.send_multipart([b"\xff\xfe\xfd", envelope(args.producer, 1)])
        elif kind == "wrongproducer":
            pub.send_multipart([b"probe.valid", envelope("someone-else", next_valid)])
        elif kind == "oversize":
            pub.send_multipart([b"probe.valid", b"x" * (args.max_bytes + 1)])
        elif kind == "badreplay":
            choice = i % 4
            if choice == 0:
                attacker.send(b"garbage")
            elif choice == 1:
                attacker.send_multipart([b"{}", b"two frames"])
            elif choice == 2:
                attacker.send(json.dumps({"after_sequence": -5, "limit": 10}).encode())
            else:
                attacker.send(json.dumps({"after_sequence": 0, "limit": 0}).encode())
        sent[kind] += 1
        if i % per_valid == 0 and next_valid <= args.valid:
            pub.send_multipart(list(valid[next_valid]))
            next_valid += 1
        if i % 50 == 0:
            pub.send_multipart([b"bus.heartbeat", envelope(args.producer, 0, "bus.heartbeat", {"head_sequence": next_valid - 1})])
            serve_replay()
            time.sleep(0.01)
    while next_valid <= args.valid:
        pub.send_multipart(list(valid[next_valid]))
        next_valid += 1
    print(json.dumps({"sent": sent, "valid": args.valid}), flush=True)
    # Keep serving heartbeats and replays until told to stop.
    deadline = time.time() + args.seconds
    while time.time() < deadline:
        pub.send_multipart([b"bus.heartbeat", envelope(args.producer, 0, "bus.heartbeat", {"head_sequence": args.valid})])
        serve_replay()
        while attacker.poll(0):
            attacker.recv_multipart()
        time.sleep(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
