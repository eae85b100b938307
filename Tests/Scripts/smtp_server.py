#!/usr/bin/env python3
"""A real SMTP server for the notifications tests (aiosmtpd).

Every accepted message is appended, as one JSON line, to --log: the envelope sender and
recipients, the parsed Message-ID, subject (RFC 2047 decoded), plain-text body (transfer encoding
decoded) and the longest raw line. A line is written and flushed before the server answers 250, so
the log is exactly what the server accepted.

Optional behaviour, for the retry tests:
  --temporary ADDRESS=N   answer 451 to the data of a message for ADDRESS the first N times
  --permanent ADDRESS     answer 550 to RCPT TO ADDRESS
  --tls CERT KEY          offer STARTTLS with this certificate and require it before MAIL
  --auth USER:PASSWORD    require AUTH (PLAIN or LOGIN) with these credentials
  --auth-login-only       offer only AUTH LOGIN
Prints "ready" once it listens; stops on SIGTERM or SIGINT.
"""
import argparse
import asyncio
import email
import email.policy
import json
import signal
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Recorder:
    def __init__(self, log_path, temporary, permanent):
        self.log = open(log_path, "a", encoding="utf-8")
        self.temporary = temporary
        self.permanent = permanent
        self.refusals = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.permanent:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        message_id = str(message.get("Message-ID", ""))
        for address in envelope.rcpt_tos:
            allowed = self.temporary.get(address.lower(), 0)
            key = (address.lower(), message_id)
            if self.refusals.get(key, 0) < allowed:
                self.refusals[key] = self.refusals.get(key, 0) + 1
                return "451 4.3.0 Mailbox busy, try again later"
        body = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "message_id": message_id,
            "to": str(message.get("To", "")),
            "from": str(message.get("From", "")),
            "reply_to": str(message.get("Reply-To", "")),
            "subject": str(message.get("Subject", "")),
            "template": str(message.get("X-Mentor-Claims-Template", "")),
            "body": body.get_content() if body is not None else "",
            "html": html.get_content() if html is not None else "",
            "longest_line": max((len(line) for line in raw.split(b"\r\n")), default=0),
            "authenticated": bool(getattr(session, "authenticated", False)),
            "tls": session.ssl is not None,
        }
        self.log.write(json.dumps(record) + "\n")
        self.log.flush()
        return "250 OK: queued"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (a container's is 0.0.0.0)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--temporary", action="append", default=[])
    parser.add_argument("--permanent", action="append", default=[])
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--auth")
    parser.add_argument("--auth-login-only", action="store_true", help="offer AUTH LOGIN but not PLAIN")
    args = parser.parse_args()

    temporary = {}
    for item in args.temporary:
        address, count = item.rsplit("=", 1)
        temporary[address.lower()] = int(count)
    recorder = Recorder(args.log, temporary, {a.lower() for a in args.permanent})

    options = {}
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls[0], args.tls[1])
        options.update(tls_context=context, require_starttls=True)
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok)

        options.update(authenticator=authenticator, auth_required=True, auth_require_tls=bool(args.tls))
        if args.auth_login_only:
            options.update(auth_exclude_mechanism=["PLAIN"])

    controller = Controller(recorder, hostname=args.host, port=args.port, **options)
    controller.start()
    print("ready", flush=True)

    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
