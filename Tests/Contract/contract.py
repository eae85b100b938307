#!/usr/bin/env python3
"""Checks every service against its own OpenAPI document with schemathesis, all checks on.

Starts the five real executables on loopback (their own ports, buses and databases in a temporary
folder), loads the demo data through the public APIs so that the operations have something to
find, then runs `st run <document> --checks all` against each service as a support user (a bearer
token for the four APIs, a session signed in through web's development sign-in for web), with the
settings of `schemathesis.toml` beside this file. Exits non-zero when any service's run finds a
failure; prints each run's summary.

    python3 Tests/Contract/contract.py .build/debug [service ...]
"""
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug"))
ONLY = sys.argv[2:]
# Ports of their own, so that a `make run` cluster on the defaults is left alone.
SERVICES = {
    "claims-intake": ("ClaimsIntake", 28080, 28551),
    "payments": ("Payments", 28081, 28553),
    "audit-sampling": ("AuditSampling", 28082, 28555),
    "notifications": ("Notifications", 28083, 28557),
    "web": ("Web", 28084, 28559),
}
PEERS = {
    "claims-intake": ["payments", "audit-sampling", "notifications"],
    "payments": ["claims-intake", "audit-sampling", "notifications"],
    "audit-sampling": ["claims-intake", "payments", "notifications"],
    "notifications": ["claims-intake", "payments", "audit-sampling", "web"],
    "web": [],
}


def url(name):
    return f"http://127.0.0.1:{SERVICES[name][1]}"


def wait_ready(name, process, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"contract: {name} exited with {process.returncode} while starting")
        try:
            with urllib.request.urlopen(url(name) + "/ready", timeout=2) as answer:
                if answer.status == 200:
                    return
        except Exception:
            pass
        time.sleep(0.3)
    raise SystemExit(f"contract: {name} was not ready after {timeout} s")


def start(folder):
    processes = {}
    for name, (_, port, bus) in SERVICES.items():
        env = dict(os.environ)
        env.update(
            HTTP_PORT=str(port),
            DATABASE_PATH=os.path.join(folder, f"{name}.sqlite"),
            BUS_PUBLISH=f"tcp://127.0.0.1:{bus}",
            BUS_PEERS=",".join(f"{p}=tcp://127.0.0.1:{SERVICES[p][2]}" for p in PEERS[name]) or "none",
            MAIL_DIR=os.path.join(folder, "mail"),
            PUBLIC_BASE_URL=url("web") if name not in ("payments", "audit-sampling") else url(name),
            CLAIMS_INTAKE_URL=url("claims-intake"),
            PAYMENTS_URL=url("payments"),
            AUDIT_SAMPLING_URL=url("audit-sampling"),
            NOTIFICATIONS_URL=url("notifications"),
            LOG_LEVEL="warning",
            WEB_BOOTSTRAP_SUPPORT_EMAILS="sam.patel@education.gov.uk",
        )
        log = open(os.path.join(folder, f"{name}.log"), "w")
        processes[name] = subprocess.Popen([os.path.join(BIN, name)], env=env, stdout=log, stderr=subprocess.STDOUT)
    for name, process in processes.items():
        wait_ready(name, process)
    return processes


def stop(processes):
    for process in processes.values():
        process.terminate()
    for process in processes.values():
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def token():
    return subprocess.check_output(
        [os.path.join(BIN, "claims-intake"), "token", "--role", "support", "--email", "sam.patel@education.gov.uk"], text=True
    ).strip()


def call(method, base, path, bearer, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {bearer}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read() or b"null")


def web_session():
    """Signs in to web as the demo's support user through the development sign-in, as a person
    would; returns the session cookie."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with browser.open(url("web") + "/sign-in", timeout=15) as answer:
        form_token = re.search(r'name="_token" value="([^"]+)"', answer.read().decode()).group(1)
    form = urllib.parse.urlencode({"_token": form_token, "email": "sam.patel@education.gov.uk"}).encode()
    with browser.open(urllib.request.Request(url("web") + "/sign-in", data=form), timeout=15) as answer:
        answer.read()
    cookie = next((c for c in jar if c.name == "mentor_claims_session"), None)
    if cookie is None:
        raise SystemExit("contract: the development sign-in to web gave no session")
    return f"{cookie.name}={cookie.value}"


def seed_claims():
    """Two submitted claims and a draft at Alder Primary (the demo data's school), so that
    payments, audit-sampling and notifications have claims to show."""
    school = subprocess.check_output(
        [os.path.join(BIN, "claims-intake"), "token", "--role", "school", "--urn", "100001", "--email", "jo.bloggs@alder-primary.example"],
        text=True,
    ).strip()
    intake = url("claims-intake")
    call("POST", intake, "/api/v1/schools/100001/grant-conditions", school)
    references = []
    for trn, hours in [("1234567", 10), ("2345678", 6), ("1234567", 2)]:
        claim = call("POST", intake, "/api/v1/schools/100001/claims", school, {"provider_code": "1TX" if hours != 6 else "2KQ", "mentors": [{"trn": trn, "hours": hours}]})
        references.append(claim["reference"])
    for reference in references[:2]:
        call("POST", intake, f"/api/v1/claims/{reference}/submit", school, {"declaration_accepted": True})
    # The first submitted claim goes to the payer in a payment run once payments has heard of it.
    support = token()
    deadline = time.time() + 30
    while call("GET", url("payments"), "/api/v1/payments/payable", support)["claim_count"] < 2:
        if time.time() > deadline:
            raise SystemExit("contract: payments did not hear of the submitted claims within 30 s")
        time.sleep(0.3)
    call("POST", url("payments"), "/api/v1/payments/runs", support, {})
    return references


def main():
    folder = tempfile.mkdtemp(prefix="contract-")
    processes = start(folder)
    failed = []
    try:
        env = dict(os.environ, CLAIMS_INTAKE_URL=url("claims-intake"), WEB_URL=url("web"))
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts/demo_data.py"), BIN], env=env, check=True, stdout=subprocess.DEVNULL)
        references = seed_claims()
        print(f"contract: claims {', '.join(references)} (two submitted, one draft)", flush=True)
        time.sleep(3)  # the submitted claims reach payments and audit-sampling over the bus
        # schemathesis.toml's [auth] reads these: the bearer scheme of the four APIs, web's session.
        credentials = dict(CONTRACT_BEARER=token(), CONTRACT_SESSION=web_session().split("=", 1)[1])
        for name, (folder_name, port, _) in SERVICES.items():
            if ONLY and name not in ONLY:
                continue
            document = os.path.join(ROOT, "Services", folder_name, "HTTP", "openapi.yaml")
            command = [
                "st", "--config-file", os.path.join(HERE, "schemathesis.toml"), "run", document,
                "--url", url(name), "--checks", "all",
                "--max-examples", os.environ.get("CONTRACT_MAX_EXAMPLES", "20"), "--seed", os.environ.get("CONTRACT_SEED", "1"),
                "--no-color",
            ]
            print(f"\n=== schemathesis against {name}'s document ({url(name)})", flush=True)
            result = subprocess.run(command, cwd=folder, env=dict(os.environ, SCHEMATHESIS_HOOKS="", **credentials), capture_output=True, text=True)
            output = result.stdout + result.stderr
            print(output if result.returncode != 0 or os.environ.get("CONTRACT_VERBOSE") else output[output.rfind("SUMMARY") - 40:], flush=True)
            if result.returncode != 0:
                failed.append(name)
            for process_name, process in processes.items():
                if process.poll() is not None:
                    failed.append(f"{process_name} (exited)")
    finally:
        stop(processes)
        if failed:
            print(f"contract: logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    if failed:
        raise SystemExit(f"contract: schemathesis found failures against {', '.join(failed)}")
    print("contract: every service answers as its document says (schemathesis, all checks)")


main()
