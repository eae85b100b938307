#!/usr/bin/env python3
"""A static file server for tests, on 127.0.0.1: serves the files of --dir by name, and logs
every path asked for to --dir/requests.log. Beside a file, `<name>.truncate` makes it announce
the whole length but send half and close (a download cut short), and `<name>.status` holds a
status code to answer instead (with a short body).

Usage: file_server.py --port PORT --dir DIR   (prints "ready" once listening)
"""
import argparse
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    folder = os.path.abspath(args.dir)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def do_GET(self):
            name = os.path.basename(self.path.split("?", 1)[0])
            with open(os.path.join(folder, "requests.log"), "a", encoding="utf-8") as log:
                log.write(name + "\n")
            path = os.path.join(folder, name)
            status_file = path + ".status"
            if os.path.exists(status_file):
                status = int(open(status_file, encoding="utf-8").read().strip())
                self.answer(status, b"not here")
                return
            if not name or not os.path.isfile(path):
                self.answer(404, b"no such file")
                return
            body = open(path, "rb").read()
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if os.path.exists(path + ".truncate"):
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

        def answer(self, status, body):
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("ready", flush=True)
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
