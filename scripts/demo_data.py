#!/usr/bin/env python3
"""Loads the demo data of `make run` through the public interfaces only: the services' HTTP APIs
(with development tokens from `claims-intake token`) and web's own pages (signing in as a demo
support user, as a person would). Nothing is written to a database directly."""
import datetime
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request

BIN = sys.argv[1]
INTAKE = os.environ.get("CLAIMS_INTAKE_URL", "http://127.0.0.1:8080")
WEB = os.environ.get("WEB_URL", "http://127.0.0.1:8084")
SUPPORT = [("Sam", "Patel", "sam.patel@education.gov.uk"), ("Alex", "Morgan", "alex.morgan@education.gov.uk")]
SCHOOL_USER = ("Jo", "Bloggs", "jo.bloggs@alder-primary.example")
MAT_USER = ("Priya", "Shah", "priya.shah@oak-trust.example")
PROVIDER_USER = ("Chris", "Lee", "chris.lee@best-itt.example")


def token(*args):
    return subprocess.check_output([f"{BIN}/claims-intake", "token", *args], text=True).strip()


SUPPORT_TOKEN = token("--role", "support", "--email", SUPPORT[0][2], "--name", "Sam Patel")


def api(method, path, body=None, token=SUPPORT_TOKEN, ok=(200, 201, 204, 409)):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(INTAKE + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        if error.code in ok:
            return error.code, None
        raise SystemExit(f"demo data: {method} {path} answered {error.code}: {error.read().decode()[:300]}")


def academic_year(today):
    return today.year if today.month >= 9 else today.year - 1


today = datetime.date.today()
year = academic_year(today)
trust = {"uid": "5001", "name": "Oak Learning Trust"}
schools = [
    (100001, "Alder Primary School", "SW1A 1AA", "Westminster", "inner_london", None, "office@alder-primary.example"),
    (100002, "Beech Academy", "LS1 1AA", "Leeds", "rest_of_england", trust, "office@beech-academy.example"),
    (100003, "Cedar Academy", "LS2 2BB", "Leeds", "rest_of_england", trust, "office@cedar-academy.example"),
    (100004, "Damson Academy", "BD1 1CC", "Bradford", "rest_of_england", trust, "office@damson-academy.example"),
    (100005, "Elm Park School", "RM1 1DD", "Havering", "outer_london", None, "office@elm-park.example"),
]
for urn, name, postcode, la, region, group_trust, contact in schools:
    body = {"name": name, "postcode": postcode, "local_authority": la, "type_of_establishment": "Academy converter" if group_trust else "Community school",
            "group": "Academies" if group_trust else "Local authority maintained schools", "region": region, "contact_emails": [contact]}
    if group_trust:
        body["trust"] = group_trust
    api("PUT", f"/api/v1/schools/{urn}", body)
    api("POST", f"/api/v1/schools/{urn}/eligibility", {"academic_year": year})
for code, name, ukprn, email in [("1TX", "Best Practice Teacher Training", "10000001", "itt@best-itt.example"),
                                  ("2KQ", "Northern Schools SCITT", "10000002", "quality@northern-scitt.example")]:
    api("PUT", f"/api/v1/providers/{code}", {"name": name, "ukprn": ukprn, "accredited": True, "email_addresses": [email]})
api("PUT", f"/api/v1/funding-rates/{year}", {"inner_london_pence": 5360, "outer_london_pence": 4887, "fringe_pence": 4580, "rest_of_england_pence": 4326})
api("POST", "/api/v1/claim-windows", {"academic_year": year, "opens_on": today.isoformat(), "closes_on": (today + datetime.timedelta(days=60)).isoformat()})
school_token = token("--role", "school", "--urn", "100001", "--urn", "100002", "--email", "demo@example.invalid")
for urn, trn, first, last in [(100001, "1234567", "Hannah", "Wright"), (100001, "2345678", "Omar", "Khan"), (100002, "3456789", "Grace", "Taylor")]:
    api("POST", f"/api/v1/schools/{urn}/mentors", {"trn": trn, "first_name": first, "last_name": last}, token=school_token)

if os.environ.get("DEMO_WEB_USERS", "1") == "0":
    print("demo data loaded (no web users)")
    sys.exit(0)

# Users, through web's pages: the first support user comes from WEB_BOOTSTRAP_SUPPORT_EMAILS.
jar = http.cookiejar.CookieJar()
browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def page(path, form=None):
    data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
    request = urllib.request.Request(WEB + path, data=data)
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with browser.open(request, timeout=15) as response:
        return response.read().decode()


html = page("/sign-in")
form_token = re.search(r'name="_token" value="([^"]+)"', html).group(1)
html = page("/sign-in", {"_token": form_token, "email": SUPPORT[0][2]})
form_token = re.search(r'name="_token" value="([^"]+)"', html).group(1)
first, last, email = SUPPORT[1]
page("/support/users", {"_token": form_token, "first_name": first, "last_name": last, "email": email})
for organisations, (first, last, email) in [(["100001"], SCHOOL_USER), (["100002", "100003", "100004"], MAT_USER), (["1TX"], PROVIDER_USER)]:
    for organisation in organisations:
        page("/support/memberships/new", {"_token": form_token, "organisation": organisation, "first_name": first, "last_name": last, "email": email})
print("demo data loaded")
