#!/usr/bin/env python3
"""A fake GOV.UK Notify for tests, on 127.0.0.1, following the shape its REST API (v2) documents.

  POST /v2/notifications/email   {email_address, template_id, personalisation, reference}
       201 {"id", "reference", "content": {"subject", "body", "from_email"}, "uri", "template": {...}}
  GET  /v2/notifications/{id}    200 the notification with its status; 404 NoResultFound
  GET  /v2/notifications?reference=R&template_type=email   200 {"notifications": [...], "links": {...}}

Every request must carry `Authorization: Bearer <JWT>`: HS256, signed with the key's secret, with
`iss` the service id and `iat` within 30 seconds of now (else 403 AuthError, as Notify answers;
no token at all is 401). Errors are `{"status_code": N, "errors": [{"error", "message"}]}`.

Its state is the JSON file --state, read at every request, so a test can change it:
  {"service_id": "...", "secret": "...", "template_id": "...",
   "mode": "normal" | "429" | "500" | "hang",     how sends and status checks are answered
   "rate_limit": 3000,                            requests in any 60 s before 429 RateLimitError
   "refuse": {"address": "message"},              a 400 BadRequestError for that address
   "outcomes": {"address": "permanent-failure" | "temporary-failure" | "technical-failure"},
   "status_after": 0.0}                           seconds a notification stays "sending"
Any other address is "delivered". "hang" takes the email (it is recorded) and answers after 30 s,
as a Notify whose answer was lost. Every email taken is appended to --log as a JSON line; every
request (method, path, status answered) to --log with ".requests" added.

Usage: notify_server.py --port PORT --state FILE --log FILE   (prints "ready" once listening)
"""
import argparse
import base64
import collections
import hashlib
import hmac
import json
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_token(header, state):
    """None when the token is good, else (status, message) as Notify answers."""
    if not header or not header.startswith("Bearer "):
        return 401, "Unauthorized: authentication token must be provided"
    token = header[len("Bearer "):]
    parts = token.split(".")
    if len(parts) != 3:
        return 403, "Invalid token: not a JWT"
    try:
        head = json.loads(unb64(parts[0]))
        claims = json.loads(unb64(parts[1]))
        signature = unb64(parts[2])
    except Exception:
        return 403, "Invalid token: not a JWT"
    if head.get("alg") != "HS256":
        return 403, "Invalid token: algorithm must be HS256"
    expected = hmac.new(state["secret"].encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    if claims.get("iss") != state["service_id"]:
        return 403, "Invalid token: service not found"
    if not hmac.compare_digest(expected, signature):
        return 403, "Invalid token: API key not found"
    iat = claims.get("iat")
    if not isinstance(iat, int) or abs(time.time() - iat) > 30:
        return 403, "Error: Your system clock must be accurate to within 30 seconds"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()

    lock = threading.Lock()
    notifications = {}          # id -> record
    by_reference = collections.defaultdict(list)
    recent = collections.deque()  # request times, for the rate limit

    def public(record, state):
        age = time.time() - record["created"]
        status = "sending"
        if age >= float(state.get("status_after", 0)):
            status = state.get("outcomes", {}).get(record["email_address"], "delivered")
        return {
            "id": record["id"], "reference": record["reference"], "email_address": record["email_address"],
            "type": "email", "status": status, "template": {"id": record["template_id"], "version": 1, "uri": ""},
            "body": record["personalisation"].get("body", ""), "subject": record["personalisation"].get("subject", ""),
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(record["created"])),
            "sent_at": None, "completed_at": None if status == "sending" else time.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
        }

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in one segment, flushed at the end of each request: written
        # apart, a kept-alive client waits for a delayed ACK (40 ms) on every request.
        wbufsize = 1 << 16
        disable_nagle_algorithm = True

        def log_message(self, *_):
            pass

        def log_request_line(self, status):
            with lock, open(args.log + ".requests", "a", encoding="utf-8") as log:
                log.write(json.dumps({"method": self.command, "path": self.path, "status": status}) + "\n")

        def error(self, status, kind, message):
            self.answer(status, {"status_code": status, "errors": [{"error": kind, "message": message}]})

        def gate(self, state):
            """Answers and returns False when the request is not to be served."""
            refused = check_token(self.headers.get("Authorization"), state)
            if refused:
                self.error(refused[0], "AuthError", refused[1])
                return False
            now = time.time()
            with lock:
                while recent and recent[0] <= now - 60:
                    recent.popleft()
                recent.append(now)
                too_many = len(recent) > int(state.get("rate_limit", 3000))
            if too_many:
                self.error(429, "RateLimitError", f"Exceeded rate limit for key type LIVE of {state.get('rate_limit', 3000)} requests per 60 seconds")
                return False
            mode = state.get("mode", "normal")
            if mode == "429":
                self.error(429, "RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds")
                return False
            if mode == "500":
                self.error(500, "Exception", "Internal server error")
                return False
            return True

        def do_POST(self):
            state = json.load(open(args.state, encoding="utf-8"))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if not self.gate(state):
                return
            if urllib.parse.urlsplit(self.path).path != "/v2/notifications/email":
                return self.error(404, "NotFound", "Not found")
            try:
                body = json.loads(raw)
            except Exception:
                return self.error(400, "BadRequestError", "Invalid JSON supplied in POST data")
            address = body.get("email_address")
            personalisation = body.get("personalisation") or {}
            if not isinstance(address, str) or "@" not in address:
                return self.error(400, "ValidationError", "email_address Not a valid email address")
            if body.get("template_id") != state["template_id"]:
                return self.error(400, "BadRequestError", "Template not found")
            missing = [name for name in ("subject", "body") if not isinstance(personalisation.get(name), str)]
            if missing:
                return self.error(400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}")
            if address in state.get("refuse", {}):
                return self.error(400, "BadRequestError", state["refuse"][address])
            record = {
                "id": str(uuid.uuid4()), "email_address": address, "template_id": body["template_id"],
                "personalisation": personalisation, "reference": body.get("reference"), "created": time.time(),
            }
            with lock:
                notifications[record["id"]] = record
                by_reference[record["reference"]].append(record["id"])
                with open(args.log, "a", encoding="utf-8") as log:
                    log.write(json.dumps({k: v for k, v in record.items() if k != "created"}) + "\n")
            if state.get("mode") == "hang":
                time.sleep(30)
            self.answer(201, {
                "id": record["id"], "reference": record["reference"],
                "content": {"subject": personalisation["subject"], "body": personalisation["body"], "from_email": "service@notifications.service.gov.uk"},
                "uri": f"http://127.0.0.1:{args.port}/v2/notifications/{record['id']}",
                "template": {"id": record["template_id"], "version": 1, "uri": ""},
            })

        def do_GET(self):
            state = json.load(open(args.state, encoding="utf-8"))
            if not self.gate(state):
                return
            url = urllib.parse.urlsplit(self.path)
            parts = url.path.strip("/").split("/")
            if parts == ["v2", "notifications"]:
                query = urllib.parse.parse_qs(url.query)
                reference = query.get("reference", [None])[0]
                with lock:
                    ids = list(reversed(by_reference.get(reference, []))) if reference is not None else list(reversed(list(notifications)))
                    found = [public(notifications[i], state) for i in ids]
                return self.answer(200, {"notifications": found, "links": {"current": self.path}})
            if len(parts) == 3 and parts[:2] == ["v2", "notifications"]:
                with lock:
                    record = notifications.get(parts[2])
                if record is None:
                    return self.error(404, "NoResultFound", "No result found")
                return self.answer(200, public(record, state))
            self.error(404, "NotFound", "Not found")

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.log_request_line(status)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    print("ready", flush=True)
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
