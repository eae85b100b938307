#!/usr/bin/env python3
"""The container check of `make containers`, black box: the project's compose.yaml started from the
image built from its Dockerfile, then only what an operator or a person can reach.

Usage: check.py BIN   (BIN holds the host's `claims-intake`, used only to mint development tokens
with the same AUTH_JWT_SECRET, as an identity provider would)

Checks, each printed as it passes:
- every service's health check turns healthy;
- a claim goes from submission through a payment run and the payer's response to the "paid"
  email at the SMTP server, through the published ports only;
- a container whose process is killed restarts and its volume still holds its data; `compose down` then `up` keeps
  every claim;
- `compose stop` ends each container within its grace period, with exit code 0;
- a ZeroMQ client without the keys, on the compose network, receives nothing from any PUB socket
  and no answer from any replay server;
- nothing listens on a non-loopback host address.
Ends with one summary line: "containers: N checks passed in S s" or the first failure.
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = sys.argv[1]
SERVICES = {"claims-intake": 8080, "payments": 8081, "audit-sampling": 8082, "notifications": 8083, "web": 8084}
BUS_PORTS = {"claims-intake": 5551, "payments": 5553, "audit-sampling": 5555, "notifications": 5557, "web": 5559}
PROJECT = os.environ.get("COMPOSE_PROJECT_NAME", "mentorclaims")
COMPOSE = ["podman-compose", "-p", PROJECT, "-f", "compose.yaml", "-f", "deploy/compose.check.yaml"]
MAIL_LOG = os.path.join(ROOT, ".containers", "mail", "received.jsonl")
STARTED = time.time()
passed = []


def run(command, check=True, quiet=True, **options):
    result = subprocess.run(command, cwd=ROOT, text=True, capture_output=True, **options)
    if check and result.returncode != 0:
        fail(f"{' '.join(command)} exited {result.returncode}: {result.stdout[-1500:]} {result.stderr[-1500:]}")
    return result


SUPPORT = []


def fail(message):
    print(f"containers: FAILED after {len(passed)} checks in {time.time() - STARTED:.0f} s: {message}", flush=True)
    print(run(["podman", "ps", "-a", "--format", "{{.Names}} {{.Status}}"], check=False).stdout)
    for name, port in SERVICES.items():
        # Where each service's bus stands, and what notifications has sent, to tell why.
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics")
            request.add_header("Authorization", f"Bearer {SUPPORT[0]}")
            with urllib.request.urlopen(request, timeout=5) as answer:
                lines = [line for line in answer.read().decode().splitlines() if line.startswith(("bus_subscriber", "bus_gaps", "bus_outbox", "bus_messages_published", "bus_publisher_errors"))]
            print(f"--- {name} /metrics\n" + "\n".join(lines))
        except (OSError, ValueError, IndexError) as error:
            print(f"--- {name} /metrics: {error}")
    try:
        print("--- notifications' delivery log\n" + json.dumps(call("GET", "notifications", "/api/v1/notifications", SUPPORT[0]))[-3000:])
    except (OSError, ValueError, IndexError) as error:
        print(f"--- notifications' delivery log: {error}")
    if os.path.exists(MAIL_LOG):
        with open(MAIL_LOG, encoding="utf-8") as log:
            print("--- SMTP server: subjects received\n" + "\n".join(json.loads(line).get("subject", "") for line in log))
    for name in SERVICES:
        logs = subprocess.run(["podman", "logs", "--tail", "40", f"{PROJECT}_{name}_1"], text=True, capture_output=True)
        print(f"--- {name}\n{logs.stdout[-5000:]}{logs.stderr[-5000:]}")
    sys.exit(1)


def ok(what):
    passed.append(what)
    print(f"ok {len(passed)}: {what} ({time.time() - STARTED:.0f} s)", flush=True)


def until(what, condition, timeout=120, every=1.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = condition()
            if value:
                return value
        except (OSError, urllib.error.URLError, ValueError, KeyError):
            pass
        time.sleep(every)
    fail(f"{what}: not within {timeout} s")


def token(*args):
    return subprocess.check_output([os.path.join(BIN, "claims-intake"), "token", *args], text=True).strip()


def call(method, service, path, bearer, body=None, content_type="application/json", raw=False):
    data = None if body is None else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
    request = urllib.request.Request(f"http://127.0.0.1:{SERVICES[service]}{path}", data=data, method=method)
    request.add_header("Authorization", f"Bearer {bearer}")
    if data is not None:
        request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=15) as answer:
        text = answer.read().decode()
        return text if raw else json.loads(text or "null")


def healthy():
    for name in SERVICES:
        container = f"{PROJECT}_{name}_1"
        # podman runs a container's health check on a systemd timer; without systemd, run it here.
        until(f"{name}'s health check", lambda: run(["podman", "healthcheck", "run", container], check=False).returncode == 0, timeout=180, every=2)
        status = run(["podman", "inspect", "--format", "{{.State.Health.Status}}", container]).stdout.strip()
        if status != "healthy":
            fail(f"{name} is {status}, not healthy")
    ok("every service's health check turns healthy")


def a_claim_is_paid_and_its_email_sent(support, school):
    reference = call("POST", "claims-intake", "/api/v1/schools/100001/claims", school, {"provider_code": "1TX", "mentors": [{"trn": "1234567", "hours": 4}]})["reference"]
    call("POST", "claims-intake", f"/api/v1/claims/{reference}/submit", school, {"declaration_accepted": True})
    until("payments hears of the submitted claim", lambda: call("GET", "payments", "/api/v1/payments/payable", support)["claim_count"] >= 1, timeout=60)
    run_id = call("POST", "payments", "/api/v1/payments/runs", support, {})["id"]
    csv = call("GET", "payments", f"/api/v1/payments/runs/{run_id}/csv", support, raw=True)
    if reference not in csv:
        fail(f"claim {reference} is not in payment run {run_id}'s file")
    answer = "claim_reference,claim_status,claim_unpaid_reason\n" + "".join(
        f"{line.split(',')[0]},paid,\n" for line in csv.strip().splitlines()[1:]
    )
    call("POST", "payments", f"/api/v1/payments/runs/{run_id}/response", support, answer, content_type="text/csv")
    until(f"claim {reference} is paid in claims-intake", lambda: call("GET", "claims-intake", f"/api/v1/claims/{reference}", support)["status"] == "paid", timeout=60)

    def paid_email():
        with open(MAIL_LOG, encoding="utf-8") as log:
            return any(reference in line and "paid" in json.loads(line).get("subject", "").lower() for line in log)

    until(f"the 'paid' email of claim {reference} at the SMTP server", paid_email, timeout=120)
    ok(f"claim {reference}: submitted, in payment run {run_id}, paid by the payer's response, its 'paid' email at the SMTP server")
    return reference


def survives_a_kill_and_down_up(support, reference):
    container = f"{PROJECT}_claims-intake_1"
    started = run(["podman", "inspect", "--format", "{{.State.StartedAt}}", container]).stdout.strip()
    # The service's process dies as a crash would (SIGKILL from the host, as the OOM killer does).
    # `podman kill` itself is an operator stopping the container, which no restart policy undoes.
    pid = run(["podman", "inspect", "--format", "{{.State.Pid}}", container]).stdout.strip()
    os.kill(int(pid), 9)
    until("claims-intake restarts after podman kill", lambda: run(["podman", "inspect", "--format", "{{.State.StartedAt}} {{.State.Running}}", container]).stdout.strip() not in ("", f"{started} true") and "true" in run(["podman", "inspect", "--format", "{{.State.Running}}", container]).stdout, timeout=90)
    until("claims-intake answers again", lambda: call("GET", "claims-intake", f"/api/v1/claims/{reference}", support)["status"] == "paid", timeout=90)
    ok("a killed container restarts, and its volume still holds its claims")
    run(COMPOSE + ["down"])
    run(COMPOSE + ["up", "-d"])
    until("claims-intake answers after down and up", lambda: call("GET", "claims-intake", f"/api/v1/claims/{reference}", support)["status"] == "paid", timeout=120)
    ok("compose down then up keeps every claim")


def no_keys_no_bus():
    # A client on the compose network with no CurveZMQ keys: no message from any PUB socket, no
    # answer from any replay server.
    probe = r'''
import sys, zmq
ctx = zmq.Context()
for name, port in %s.items():
    sub = ctx.socket(zmq.SUB); sub.setsockopt(zmq.SUBSCRIBE, b""); sub.setsockopt(zmq.RCVTIMEO, 3000)
    sub.connect(f"tcp://{name}:{port}")
    try:
        sub.recv(); print("RECEIVED", name); sys.exit(1)
    except zmq.Again:
        pass
    dealer = ctx.socket(zmq.DEALER); dealer.setsockopt(zmq.RCVTIMEO, 3000)
    dealer.connect(f"tcp://{name}:{port + 1}")
    dealer.send_multipart([b"", b'{"from_sequence": 1}'])
    try:
        dealer.recv_multipart(); print("ANSWERED", name); sys.exit(1)
    except zmq.Again:
        pass
print("nothing")
''' % (BUS_PORTS,)
    network = run(["podman", "inspect", "--format", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}", f"{PROJECT}_payments_1"]).stdout.strip()
    result = run(["podman", "run", "--rm", "--network", network, "localhost/mentor-claims-check-tools:latest", "python3", "-c", probe], check=False)
    if result.returncode != 0 or "nothing" not in result.stdout:
        fail(f"a client without keys got something from the bus: {result.stdout} {result.stderr[-800:]}")
    ok("a ZeroMQ client without the keys receives nothing from any PUB socket and no answer from any replay server")


def only_loopback():
    listening = run(["ss", "-Hltn"]).stdout.split("\n")
    # Every port of the stack: HTTP, the bus and its replay servers, Mailpit's UI and SMTP.
    published = [str(port) for port in list(SERVICES.values()) + [p + i for p in BUS_PORTS.values() for i in (0, 1)] + [8025, 1025]]
    wrong = [line for line in listening if line.split() and line.split()[3].rsplit(":", 1)[-1] in published and not line.split()[3].startswith("127.0.0.1:")]
    if wrong:
        fail(f"published on a non-loopback address: {wrong}")
    ok("nothing of the stack listens on a non-loopback host address (published ports on 127.0.0.1 only)")


def stops_in_grace():
    run(COMPOSE + ["stop"], timeout=120)
    for name in SERVICES:
        state = run(["podman", "inspect", "--format", "{{.State.ExitCode}} {{.State.Running}}", f"{PROJECT}_{name}_1"]).stdout.split()
        if state != ["0", "false"]:
            fail(f"{name} did not stop cleanly: exit code and running are {state}")
    ok("compose stop ends each container within its grace period, exit code 0")


def main():
    support = token("--role", "support", "--email", "sam.patel@education.gov.uk")
    SUPPORT.append(support)
    school = token("--role", "school", "--urn", "100001", "--email", "jo.bloggs@alder-primary.example")
    healthy()
    env = dict(os.environ, CLAIMS_INTAKE_URL="http://127.0.0.1:8080", DEMO_WEB_USERS="0")
    run([sys.executable, "scripts/demo_data.py", BIN], env=env)
    call("POST", "claims-intake", "/api/v1/schools/100001/grant-conditions", school)
    reference = a_claim_is_paid_and_its_email_sent(support, school)
    only_loopback()
    no_keys_no_bus()
    survives_a_kill_and_down_up(support, reference)
    stops_in_grace()
    print(f"containers: {len(passed)} checks passed in {time.time() - STARTED:.0f} s", flush=True)


if __name__ == "__main__":
    main()
