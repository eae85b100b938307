#!/usr/bin/env python3
"""Reads a producer's stream as an independent process would (subscribe, then replay from the
start) and prints, as JSON, every envelope of the requested type."""
import argparse
import json
import sys
import time

import zmq


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--type", required=True)
    parser.add_argument("--expect", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=20)
    args = parser.parse_args()
    host, port = args.endpoint.rsplit(":", 1)
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, args.type.encode())
    sub.connect(args.endpoint)
    dealer = ctx.socket(zmq.DEALER)
    dealer.connect(f"{host}:{int(port) + 1}")
    found = {}
    after = 0
    deadline = time.time() + args.timeout
    dealer.send(json.dumps({"after_sequence": after, "limit": 1000}).encode())
    while len(found) < args.expect and time.time() < deadline:
        poller = zmq.Poller()
        poller.register(sub, zmq.POLLIN)
        poller.register(dealer, zmq.POLLIN)
        for socket, _ in poller.poll(200):
            topic, body = socket.recv_multipart()
            if topic == b"bus.replay-end":
                end = json.loads(body)
                if after < end["head_sequence"]:
                    dealer.send(json.dumps({"after_sequence": after, "limit": 1000}).encode())
                continue
            envelope = json.loads(body)
            after = max(after, envelope.get("sequence", 0))
            if topic.decode() == args.type:
                found[envelope["id"]] = envelope
    for envelope in found.values():
        print(json.dumps(envelope), flush=True)
    sub.close(0)
    dealer.close(0)
    ctx.term()
    return 0 if len(found) >= args.expect else 1


if __name__ == "__main__":
    sys.exit(main())
