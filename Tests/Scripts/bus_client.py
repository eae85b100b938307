#!/usr/bin/env python3
"""An independent (non-Swift) bus client: reads a producer's live stream with pyzmq, then asks
its replay ROUTER for a range using the documented replay protocol. Prints one JSON summary."""
import argparse
import json
import sys
import time

import zmq


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True, help="the producer's PUB endpoint")
    parser.add_argument("--expect", type=int, required=True, help="live messages to read")
    parser.add_argument("--timeout", type=float, default=20)
    args = parser.parse_args()

    host, port = args.endpoint.rsplit(":", 1)
    replay_endpoint = f"{host}:{int(port) + 1}"
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(args.endpoint)
    print(json.dumps({"subscribed": True}), flush=True)

    live = []
    heartbeats = 0
    deadline = time.time() + args.timeout
    while len(live) < args.expect and time.time() < deadline:
        if sub.poll(200):
            topic, body = sub.recv_multipart()
            envelope = json.loads(body)
            for field in ("id", "type", "version", "producer", "sequence", "occurred_at", "correlation_id", "causation_id", "payload"):
                assert field in envelope, f"envelope lacks {field}"
            assert envelope["type"] == topic.decode()
            if topic == b"bus.heartbeat":
                heartbeats += 1
            else:
                live.append(envelope["sequence"])

    dealer = ctx.socket(zmq.DEALER)
    dealer.connect(replay_endpoint)
    dealer.send(json.dumps({"after_sequence": 2, "limit": 3}).encode())
    replayed, end = [], None
    while time.time() < deadline:
        if dealer.poll(200):
            topic, body = dealer.recv_multipart()
            if topic == b"bus.replay-end":
                end = json.loads(body)
                break
            replayed.append(json.loads(body)["sequence"])
    dealer.send(b"{not json")
    error = None
    while time.time() < deadline:
        if dealer.poll(200):
            topic, body = dealer.recv_multipart()
            error = {"topic": topic.decode(), "body": json.loads(body)}
            break
    print(json.dumps({"live": live, "heartbeats": heartbeats, "replayed": replayed, "end": end, "error": error}), flush=True)
    sub.close(0)
    dealer.close(0)
    ctx.term()
    return 0 if len(live) >= args.expect and end is not None and error is not None else 1


if __name__ == "__main__":
    sys.exit(main())
