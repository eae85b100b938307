#!/usr/bin/env python3
"""A fake Teaching Record System for tests, on 127.0.0.1, following the shape its API documents:
`GET /v3/teachers/{trn}` with `Authorization: Bearer <key>` and an `X-Api-Version` header, and an
optional `dateOfBirth=YYYY-MM-DD` query that must match the record.

  200 {"trn", "firstName", "middleName", "lastName", "dateOfBirth", ...}   the teacher
  404 {"title": "Teacher not found", ...}  no teacher with that TRN (and date of birth)
  401                                      no or wrong bearer key
  400                                      no X-Api-Version

Its state is the JSON file --state, read at every request, so a test can change it:
  {"key": "...", "mode": "normal" | "fail" | "hang", "teachers": {"1234567": {"firstName": ...,
   "lastName": ..., "dateOfBirth": "1980-03-31"}}}
"fail" answers 500; "hang" answers after 30 s. Every request is appended to --log as a JSON line
(path, query, whether the key was right).

Usage: trs_server.py --port PORT --state FILE --log FILE   (prints "ready" once listening)
"""
import argparse
import json
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def do_GET(self):
            state = json.load(open(args.state, encoding="utf-8"))
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            key_ok = self.headers.get("Authorization") == f"Bearer {state['key']}"
            with open(args.log, "a", encoding="utf-8") as log:
                log.write(json.dumps({"path": url.path, "query": url.query, "key_ok": key_ok,
                                      "version": self.headers.get("X-Api-Version", "")}) + "\n")
            mode = state.get("mode", "normal")
            if mode == "hang":
                time.sleep(30)
            if mode == "fail":
                return self.answer(500, {"title": "Internal server error"})
            if not key_ok:
                return self.answer(401, {"title": "Unauthorized"})
            if not self.headers.get("X-Api-Version"):
                return self.answer(400, {"title": "X-Api-Version header is required"})
            parts = url.path.strip("/").split("/")
            if len(parts) != 3 or parts[:2] != ["v3", "teachers"]:
                return self.answer(404, {"title": "Not found"})
            teacher = state.get("teachers", {}).get(parts[2])
            date_of_birth = query.get("dateOfBirth", [None])[0]
            if teacher is None or (date_of_birth is not None and date_of_birth != teacher.get("dateOfBirth")):
                return self.answer(404, {"title": "Teacher not found", "status": 404, "errorCode": 10001})
            self.answer(200, {"trn": parts[2], "firstName": teacher["firstName"], "middleName": teacher.get("middleName", ""),
                              "lastName": teacher["lastName"], "dateOfBirth": teacher.get("dateOfBirth"),
                              "nationalInsuranceNumber": None, "qts": None, "eyts": None})

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
