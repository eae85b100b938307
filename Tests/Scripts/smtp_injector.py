"""A deliberately hostile SMTP server for one test: after its "220" to STARTTLS it sends, still
in clear, an extra reply (a STARTTLS command injection), then completes TLS and behaves. A client
that reads the injected reply as the answer to its first command after TLS fails; a correct one
discards it. Prints "ready" when listening and one JSON line per delivered message."""
import argparse
import json
import socket
import ssl
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--cert", required=True)
parser.add_argument("--key", required=True)
args = parser.parse_args()

context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(args.cert, args.key)
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", args.port))
listener.listen(5)
print("ready", flush=True)


def lines(stream):
    buffer = b""
    while True:
        while b"\r\n" not in buffer:
            chunk = stream.recv(4096)
            if not chunk:
                return
            buffer += chunk
        line, buffer = buffer.split(b"\r\n", 1)
        yield line.decode("utf-8", "replace")


while True:
    connection, _ = listener.accept()
    connection.settimeout(30)
    try:
        connection.sendall(b"220 hostile.example ESMTP\r\n")
        stream = connection
        reader = lines(stream)
        tls = False
        data = None
        for line in reader:
            if data is not None:
                if line == ".":
                    print(json.dumps({"delivered": True, "tls": tls, "lines": len(data)}), flush=True)
                    stream.sendall(b"250 accepted\r\n")
                    data = None
                else:
                    data.append(line)
                continue
            verb = line.split(" ")[0].upper()
            if verb == "EHLO":
                offer = b"250-hostile.example\r\n250 AUTH PLAIN\r\n" if tls else b"250-hostile.example\r\n250 STARTTLS\r\n"
                stream.sendall(offer)
            elif verb == "STARTTLS" and not tls:
                # The injection: a second reply in the same packet as the 220, before TLS.
                stream.sendall(b"220 go ahead\r\n554 5.7.0 injected before TLS\r\n")
                stream = context.wrap_socket(connection, server_side=True)
                reader = lines(stream)
                tls = True
                for line in reader:
                    verb = line.split(" ")[0].upper()
                    if verb == "EHLO":
                        stream.sendall(b"250-hostile.example\r\n250 AUTH PLAIN\r\n")
                    elif verb == "AUTH":
                        stream.sendall(b"235 ok\r\n")
                    elif verb in ("MAIL", "RCPT"):
                        stream.sendall(b"250 ok\r\n")
                    elif verb == "DATA":
                        stream.sendall(b"354 go on\r\n")
                        data = []
                        for body in reader:
                            if body == ".":
                                break
                            data.append(body)
                        print(json.dumps({"delivered": True, "tls": tls, "lines": len(data)}), flush=True)
                        stream.sendall(b"250 accepted\r\n")
                        data = None
                    elif verb == "QUIT":
                        stream.sendall(b"221 bye\r\n")
                        break
                    else:
                        stream.sendall(b"502 no\r\n")
                break
            elif verb == "QUIT":
                stream.sendall(b"221 bye\r\n")
                break
            else:
                stream.sendall(b"530 STARTTLS first\r\n")
    except Exception as error:  # a test peer: report and wait for the next connection
        print(json.dumps({"error": str(error)}), flush=True)
    finally:
        connection.close()
    sys.stdout.flush()
