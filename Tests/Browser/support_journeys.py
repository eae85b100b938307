"""Support's year and an audit in a real browser, as the people do them (JavaScript on or off, from
the environment): support sets next year's rates, adds and removes a window, imports schools
(a file with a mistake first) and edits a provider; a school claims through its pages; support
deletes one claim, sends the window to the payer (a double click makes one run), the payer opens
the emailed link and downloads the file, support uploads the payer's response (a mistake first),
takes an unpaid claim through the information loop, and two support users act on one claim in
two browsers. Then an audit: a sample, the provider signs in, downloads its file and uploads a
response (a mistake first), support uploads the other provider's response for it, records the
school's response and requests a clawback, which the same user cannot approve and a second does;
the clawback run and its response; the ledger. And what must never work: another provider's
page, support pages for a school user."""
import csv
import datetime
import io
import os
import re
import time
import urllib.parse
import urllib.request

from browser import (WEB, body, check, check_plain, choose, click, download, downloads_to, email_to, expect, fill, go, heading,
                     new_driver, raw, run_journey, sign_in_development, submit, upload, upload_file, wait_for)
from selenium.webdriver.common.by import By

SCHOOL = "jo.bloggs@alder-primary.example"
PROVIDER = "chris.lee@best-itt.example"
SAM = "sam.patel@education.gov.uk"
ALEX = "alex.morgan@education.gov.uk"
PAYER = "payer@example.invalid"
today = datetime.date.today()
YEAR = today.year if today.month >= 9 else today.year - 1


def until(driver, path, text, name, timeout=30):
    """Opens `path` until it shows `text` (the services hear of each other's changes over the bus)."""
    deadline = time.time() + timeout
    while True:
        driver.get(WEB + path)
        if text in body(driver) or time.time() > deadline:
            break
        time.sleep(0.3)
    check(driver, name)
    expect(text in body(driver), f"{path} never showed '{text}': {body(driver)[:600]}")


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def csv_text(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def sets_up_the_year(driver):
    sign_in_development(driver, SAM, "support-sign-in")
    check(driver, "support-home")
    # Next year's rates: a mistake first.
    go(driver, f"/support/funding-rates?academic_year={YEAR + 1}", "support-rates")
    expect("No rates are set" in body(driver), "next year already has rates")
    for field, value in [("inner_london", "fifty"), ("outer_london", "50.10"), ("fringe", "46.90"), ("rest_of_england", "44.30")]:
        fill(driver, field, value)
    click(driver, "Save rates", "support-rates-error")
    expect("Enter the hourly rate for Inner London" in body(driver), "no error beside a rate that is not money")
    expect(driver.find_elements(By.CSS_SELECTOR, ".govuk-error-summary a[href='#inner_london']"), "error summary not linked")
    fill(driver, "inner_london", "54.80")
    click(driver, "Save rates", "support-rates-saved")
    expect("have been saved" in body(driver) and driver.find_element(By.ID, "inner_london").get_attribute("value") == "54.80", body(driver)[:300])
    expect("The most a mentor can earn" in body(driver), "the most a mentor can earn is not shown")

    # A window for next year: wrong dates first, then added, then removed.
    click(driver, "Claim windows", "support-windows")
    opens, closes = today + datetime.timedelta(days=400), today + datetime.timedelta(days=430)
    fill(driver, "academic_year", str(YEAR + 1))
    fill(driver, "opens_on", closes.isoformat())
    fill(driver, "closes_on", opens.isoformat())
    click(driver, "Add window", "support-windows-error")
    expect(driver.find_elements(By.CSS_SELECTOR, ".govuk-error-summary"), "no error for a window that closes before it opens")
    fill(driver, "opens_on", opens.isoformat())
    fill(driver, "closes_on", closes.isoformat())
    click(driver, "Add window", "support-windows-added")
    expect("The claim window has been added" in body(driver) and "Upcoming" in body(driver), body(driver)[:400])
    upcoming = [b for b in driver.find_elements(By.CSS_SELECTOR, "form[action$='/remove'] button")]
    expect(len(upcoming) == 2, f"{len(upcoming)} windows can be removed")
    submit(driver, upcoming[-1])
    check(driver, "support-windows-removed")
    expect("The claim window has been removed" in body(driver) and "Upcoming" not in body(driver), body(driver)[:400])

    # Schools from a file: a row with a mistake changes nothing; the whole file, corrected, does.
    click(driver, "Schools", "support-schools")
    header = "urn,name,postcode,local_authority,type_of_establishment,group,region,trust_uid,trust_name,contact_emails\r\n"
    good = "100007,Fir Tree Primary School,M1 1AA,Manchester,Community school,Local authority maintained schools,rest_of_england,,,office@fir-tree.example\r\n"
    bad = "100008,Gorse Hill School,M2 2BB,Manchester,Community school,Local authority maintained schools,the_north,,,office@gorse-hill.example\r\n"
    upload(driver, "file", header + good + bad, "schools.csv")
    click(driver, "Import schools", "support-schools-import-error")
    expect("Row 3" in body(driver) and "Enter a region" in body(driver), f"the row error is not on the page: {body(driver)[:600]}")
    expect("Fir Tree Primary School" not in body(driver), "a file with a mistake imported a school")
    upload(driver, "file", header + good + bad.replace("the_north", "rest_of_england"), "schools.csv")
    click(driver, "Import schools", "support-schools-imported")
    expect("Schools imported: 2 added" in body(driver), body(driver)[:300])
    # The register's own extract, as downloaded from GIAS: each region from the school's district.
    upload_file(driver, "file", os.environ["GIAS_EXTRACT_FILE"])
    click(driver, "Import schools", "support-schools-gias-imported")
    expect("Schools imported from the GIAS extract: 2 added" in body(driver) and "1 closed or outside England left out" in body(driver),
           body(driver)[:400])
    expect("Recent imports" in body(driver) and "Uploaded by" in body(driver), "the imports are not listed")
    fill(driver, "q", "St Anne")
    click(driver, "Search", "support-schools-search-gias")
    expect("St Anne’s Church of England School, Crawley" in body(driver) and "Fringe" in body(driver), body(driver)[:600])
    fill(driver, "q", "Fir Tree")
    click(driver, "Search", "support-schools-search")
    click(driver, "Fir Tree Primary School", "support-school")
    expect("Not accepted yet" in body(driver) and "Rest of England" in body(driver), body(driver)[:600])
    click(driver, "Let the school claim", "support-school-eligible")
    expect("The school can now claim" in body(driver), body(driver)[:300])
    click(driver, "Change details", "support-school-edit")
    fill(driver, "contact_emails", "office@fir-tree.example; head@fir-tree.example")
    click(driver, "Save", "support-school-saved")
    expect("head@fir-tree.example" in body(driver), "the school's new contact is not shown")

    # A provider's audit address.
    click(driver, "Providers", "support-providers")
    submit(driver, driver.find_element(By.CSS_SELECTOR, "a[href^='/support/providers?edit=2KQ']"))
    check(driver, "support-provider-edit")
    expect(driver.find_element(By.ID, "name").get_attribute("value") == "Northern Schools SCITT", "the form does not hold the provider")
    fill(driver, "email_addresses", "quality@northern-scitt.example; audit@northern-scitt.example")
    click(driver, "Save provider", "support-provider-saved")
    expect("Provider 2KQ has been saved" in body(driver), body(driver)[:300])


def school_claims(driver):
    """Jo claims for Alder Primary School through the school's pages: six claims."""
    sign_in_development(driver, SCHOOL, "school-sign-in")
    check(driver, "school-grant-conditions")
    choose(driver, "accept")
    click(driver, "Accept and continue", "school-home")
    references = {}
    for name, provider, trn, hours in [("A", "1TX", "1234567", "10"), ("B", "2KQ", "2345678", "8"), ("C", "1TX", "2345678", "6"),
                                        ("D", "2KQ", "1234567", "3"), ("E", "1TX", "1234567", "2"), ("F", "1TX", "2345678", "2")]:
        go(driver, "/schools/100001/claims/new?start=1", f"school-claim-{name}-provider")
        choose(driver, f"provider-{provider}")
        click(driver, "Continue")
        choose(driver, f"mentor-{trn}")
        click(driver, "Continue")
        fill(driver, "hours", hours)
        click(driver, "Continue", f"school-claim-{name}-check")
        click(driver, "Accept and submit", f"school-claim-{name}-confirmation")
        references[name] = re.search(r"\b(\d{8})\b", driver.find_element(By.CSS_SELECTOR, ".govuk-panel__body").text).group(1)
    # A school user has no support pages and no provider pages.
    for path in ["/support/claims", "/support/payments", "/support/audit", "/support/schools", "/providers/1TX"]:
        status, _, _ = raw(driver, WEB + path)
        expect(status == 404, f"a school user's {path} answers {status}")
    return references


def support_deletes_a_claim(driver, reference):
    until(driver, f"/support/claims/{reference}", "Delete claim", "support-claim-submitted")
    expect("Submitted" in body(driver) and "Claim submitted" in body(driver), "the claim page lacks its status or history")
    fill(driver, "delete-reason", "The school asked for this claim to be withdrawn")
    click(driver, "Delete claim", "support-claim-deleted")
    expect("The claim has been deleted" in body(driver), body(driver)[:300])
    status, _, _ = raw(driver, f"{WEB}/support/claims/{reference}")
    expect(status == 404, f"a deleted claim's page answers {status}")


def pays_the_window(driver, references):
    until(driver, "/support/claims?status=submitted", "5 claims", "support-claims-submitted")
    click(driver, "Payments", "support-payments")
    click(driver, "Continue", "support-payments-check")
    expect("5 claims" in body(driver) and "£1,554.40" in body(driver), f"the check page: {body(driver)[:400]}")
    # A double click sends the form twice: one run.
    form = driver.find_element(By.CSS_SELECTOR, "form[action='/support/payments/runs']")
    fields = {e.get_attribute("name"): e.get_attribute("value") for e in form.find_elements(By.CSS_SELECTOR, "input[type=hidden]")}
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None
    opener = urllib.request.build_opener(NoRedirect)
    locations = []
    for _ in range(2):
        request = urllib.request.Request(f"{WEB}/support/payments/runs", data=urllib.parse.urlencode(fields).encode(),
                                         headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        try:
            opener.open(request, timeout=15)
        except urllib.error.HTTPError as error:
            locations.append(error.headers.get("Location"))
    expect(len(locations) == 2 and locations[0] == locations[1] and "/support/payments/runs/" in (locations[0] or ""),
           f"two clicks of one check page: {locations}")
    go(driver, locations[0], "support-payments-run")
    expect("5" in body(driver) and "£1,554.40" in body(driver) and PAYER in body(driver) and "unused" in body(driver), body(driver)[:600])
    run_path = locations[0]

    # The payer opens the emailed link and presses Download.
    subject, text = email_to(PAYER, "Payment file")
    link = re.search(r"https?://\S+/file\?token=\S+", text).group(0)
    payer = new_driver()
    try:
        folder = downloads_to(payer)
        payer.get(link)
        check_plain(payer, "payer-download-page")
        expect("Download payment-run-" in payer.find_element(By.TAG_NAME, "h1").text, payer.page_source[:300])
        payment_file = download(payer, payer.find_element(By.CSS_SELECTOR, "button[type=submit]"), folder)
        payer.get(link)
        check_plain(payer, "payer-link-used")
        expect("can no longer be used" in payer.find_element(By.TAG_NAME, "h1").text, "the link worked twice")
    finally:
        payer.quit()
    rows = csv_rows(payment_file)
    expect(sorted(r["claim_reference"] for r in rows) == sorted(references[k] for k in "ABCDF"), f"the payment file: {payment_file[:300]}")
    go(driver, run_path, "support-payments-run-used")
    expect("used" in body(driver), "the run page does not show the link was used")

    # The payer's response: a mistake first (nothing applied), then right, with two unpaid.
    for row in rows:
        unpaid = row["claim_reference"] in (references["B"], references["D"], references["F"])
        row["claim_status"] = "unpaid" if unpaid else "paid"
        row["claim_unpaid_reason"] = "The school's bank details do not match our records" if unpaid else ""
    wrong = [dict(r) for r in rows]
    wrong[0]["claim_status"] = "maybe"
    upload(driver, "file", csv_text(wrong), "response.csv")
    click(driver, "Upload response", "support-payments-response-error")
    expect("Row 2" in body(driver) and "claim_status must be" in body(driver), f"the row error is not on the page: {body(driver)[:800]}")
    upload(driver, "file", csv_text(rows), "response.csv")
    click(driver, "Upload response", "support-payments-response")
    expect("Response applied: 2 paid, 3 the payer needs information about" in body(driver), body(driver)[:400])
    # A new link for the payer: the used one is listed beside it.
    click(driver, "Send the payer a new link", "support-payments-run-resent")
    expect("A new link has been emailed to the payer" in body(driver) and "unused" in body(driver) and "used" in body(driver), body(driver)[:600])
    return run_path


def payer_rejects(driver, reference):
    until(driver, f"/support/claims/{reference}", "Reject claim", "support-claim-to-reject")
    click(driver, "Reject claim", "support-claim-reject-error")
    expect(driver.find_elements(By.CSS_SELECTOR, ".govuk-error-summary a[href='#reason']"), f"no error beside the reason: {body(driver)[:400]}")
    fill(driver, "reason", "The school did not send the information the payer asked for")
    click(driver, "Reject claim", "support-claim-rejected")
    expect("marked as rejected by the payer" in body(driver), body(driver)[:300])
    until(driver, f"/support/claims/{reference}", "Status changed to Rejected by payer", "support-claim-rejected-history")


def information_loop(driver, reference):
    until(driver, f"/support/claims/{reference}", "Information sent to payer", "support-claim-information-requested")
    expect("Payer needs information" in body(driver), body(driver)[:500])
    click(driver, "Information sent to payer", "support-claim-information-sent")
    expect("marked as information sent" in body(driver), body(driver)[:300])
    click(driver, "Mark as paid", "support-claim-paid")
    expect("marked as paid" in body(driver), body(driver)[:300])
    until(driver, f"/support/claims/{reference}", "Status changed to Paid", "support-claim-paid-history")


def two_support_users_on_one_claim(sam, reference):
    alex = new_driver()
    try:
        sign_in_development(alex, ALEX, "alex-sign-in")
        until(sam, f"/support/claims/{reference}", "Mark as paid", "sam-claim")
        until(alex, f"/support/claims/{reference}", "Mark as paid", "alex-claim")
        click(alex, "Information sent to payer", "alex-information-sent")
        until(alex, f"/support/claims/{reference}", "Status changed to Information sent to payer", "alex-claim-changed")
        # Sam's page is stale: his action is refused and shows what changed.
        click(sam, "Mark as paid", "sam-changed-by-someone-else")
        expect(heading(sam) == "This claim has been changed by someone else", heading(sam))
        expect("Information sent to payer" in body(sam) and ALEX in body(sam), f"the page does not show the change: {body(sam)[:600]}")
        click(sam, "Look at the claim again", "sam-claim-again")
        click(sam, "Mark as paid", "sam-claim-paid")
        expect("marked as paid" in body(sam), body(sam)[:300])
    finally:
        alex.quit()


def audit(sam, references):
    until(sam, "/support/claims?status=paid", "4 claims", "support-claims-paid")
    # A sample list naming a claim that does not exist samples nothing, and says which row.
    go(sam, "/support/audit", "support-audit-before")
    upload(sam, "file", f"claim_reference,sample_reason\r\n{references['A']},Checked\r\n99999999,Checked\r\n", "sample.csv")
    click(sam, "Upload sample list", "support-audit-list-error")
    expect("Row 3" in body(sam) and "No claims have been sampled yet" in body(sam), f"the sample list's row error: {body(sam)[:800]}")
    # A sample of every paid claim (the audit service hears of payments over the bus).
    deadline = time.time() + 30
    while True:
        go(sam, "/support/audit", "support-audit")
        fill(sam, "academic_year", str(YEAR))
        fill(sam, "share", "100")
        fill(sam, "seed", "42")
        click(sam, "Create sample")
        if "Sample" in heading(sam) or time.time() > deadline:
            break
        time.sleep(0.5)
    check(sam, "support-audit-sample")
    expect("Sample" in heading(sam) and "created: 4 claims" in body(sam), body(sam)[:500])
    sample_path = sam.current_url
    expect("Provider 1TX" in body(sam) and "Provider 2KQ" in body(sam), body(sam)[:800])
    click(sam, "Email provider 1TX new links", "support-audit-links-resent")
    expect("New links have been emailed to the provider" in body(sam), body(sam)[:300])

    # Support uploads Northern Schools SCITT's answer for them: every mentor accepted.
    folder = downloads_to(sam)
    northern = [a for a in sam.find_elements(By.CSS_SELECTOR, "a[download]") if "provider" in a.text.lower()]
    sections = sam.find_elements(By.CSS_SELECTOR, "form[action$='/response']")
    request_ids = [re.search(r"provider-requests/(\d+)/response", f.get_attribute("action")).group(1) for f in sections]
    expect(len(request_ids) == 2 and len(northern) == 2, f"requests on the sample page: {request_ids}")
    northern_file = download(sam, northern[1], folder)
    rows = csv_rows(northern_file)
    expect(all(r["provider_name"] == "Northern Schools SCITT" for r in rows) and len(rows) == 2, northern_file[:300])
    for row in rows:
        row["claim_accepted"] = "yes"
    upload(sam, f"file-{request_ids[1]}", csv_text(rows), "northern.csv")
    submit(sam, sections[1].find_element(By.CSS_SELECTOR, "button[type=submit]"))
    check(sam, "support-audit-response-for-provider")
    expect("Response received: 2 claims accepted" in body(sam), body(sam)[:400])

    # The provider signs in, downloads its file and answers: a mistake first.
    provider = new_driver()
    try:
        sign_in_development(provider, PROVIDER, "provider-sign-in")
        check(provider, "provider-home")
        expect(provider.current_url.endswith("/providers/1TX"), provider.current_url)
        expect("2 claims still to answer" in body(provider), body(provider)[:500])
        folder = downloads_to(provider)
        provider_file = download(provider, provider.find_element(By.CSS_SELECTOR, "a[download]"), folder)
        rows = csv_rows(provider_file)
        expect(sorted({r["claim_reference"] for r in rows}) == sorted([references["A"], references["C"]]), provider_file[:400])
        for row in rows:
            rejected = row["claim_reference"] == references["C"]
            row["claim_accepted"] = "no" if rejected else "yes"
            row["rejection_reason"] = "We have no record of this mentor's training" if rejected else ""
        wrong = [dict(r) for r in rows]
        wrong[0]["claim_accepted"] = "perhaps"
        field = provider.find_element(By.CSS_SELECTOR, "input[type=file]").get_attribute("id")
        upload(provider, field, csv_text(wrong), "answer.csv")
        click(provider, "Upload response", "provider-response-error")
        expect("Row 2" in body(provider) and provider.find_elements(By.CSS_SELECTOR, ".govuk-error-summary"), f"the row error: {body(provider)[:800]}")
        field = provider.find_element(By.CSS_SELECTOR, "input[type=file]").get_attribute("id")
        upload(provider, field, csv_text(rows), "answer.csv")
        click(provider, "Upload response", "provider-response")
        expect("Response received: 1 claim accepted, 1 claim not accepted" in body(provider), body(provider)[:400])
        expect("There are no audit requests waiting" in body(provider) and references["C"] in body(provider), body(provider)[:800])
        # Another provider's page is nothing at all; so are support's pages.
        for path in ["/providers/2KQ", "/support/claims", f"/support/claims/{references['C']}"]:
            status, _, _ = raw(provider, WEB + path)
            expect(status == 404, f"a provider user's {path} answers {status}")
        go(provider, "/providers/2KQ", "provider-other-not-found")
        expect(heading(provider) == "Page not found", heading(provider))
    finally:
        provider.quit()

    # The school's response, then the clawback: 2 of Omar Khan's 6 hours were trained.
    reference = references["C"]
    until(sam, f"/support/claims/{reference}", "Record the school's response", "support-claim-rejected-by-provider")
    expect("We have no record of this mentor's training" in body(sam), body(sam)[:800])
    click(sam, "Record the school's response", "support-claim-school-response-error")
    expect(sam.find_elements(By.CSS_SELECTOR, ".govuk-error-summary a[href='#reason-2345678']"), f"no error beside the response: {body(sam)[:500]}")
    fill(sam, "reason-2345678", "The school has only 2 hours of training on record for Omar Khan")
    click(sam, "Record the school's response", "support-claim-school-response")
    expect("The school's response has been recorded" in body(sam), body(sam)[:300])
    click(sam, "Request a clawback", "support-clawback")
    fill(sam, "hours-2345678", "7")
    click(sam, "Continue", "support-clawback-error")
    expect("a whole number from 0 to 6" in body(sam), body(sam)[:400])
    fill(sam, "hours-2345678", "2")
    fill(sam, "notes-2345678", "Training records for two hours only")
    click(sam, "Continue", "support-clawback-check")
    expect("Amount to claw back: £214.40" in body(sam) and "4 hours" in body(sam), body(sam)[:500])
    click(sam, "Request clawback", "support-clawback-requested")
    expect("another support user must approve it" in body(sam), body(sam)[:300])
    # The requester cannot approve their own clawback.
    until(sam, f"/support/claims/{reference}", "You requested this clawback", "support-clawback-own-request")
    choose(sam, "decision-approve")
    click(sam, "Record decision", "support-clawback-refused")
    expect(heading(sam) == "You cannot approve or reject your own clawback request", heading(sam))
    # A second support user approves it.
    alex = new_driver()
    try:
        sign_in_development(alex, ALEX, "alex-sign-in-audit")
        until(alex, f"/support/claims/{reference}", "Do you approve the clawback?", "alex-clawback")
        expect("£214.40" in body(alex) and SAM in body(alex), body(alex)[:800])
        click(alex, "Record decision", "alex-clawback-decision-error")
        expect("Select whether to approve or reject the clawback" in body(alex), body(alex)[:300])
        choose(alex, "decision-approve")
        click(alex, "Record decision", "alex-clawback-approved")
        expect("The clawback decision has been recorded" in body(alex), body(alex)[:300])
    finally:
        alex.quit()

    # The clawback run and the payer's response.
    until(sam, "/support/payments", "1 approved clawback", "support-payments-clawbacks-ready")
    click(sam, "Send clawbacks to the payer", "support-clawback-check-run")
    expect("1 claim" in body(sam) and "£214.40" in body(sam), body(sam)[:400])
    click(sam, "Send clawbacks to the payer", "support-clawback-run")
    expect("Clawback run" in heading(sam), heading(sam))
    folder = downloads_to(sam)
    clawback_file = download(sam, sam.find_element(By.LINK_TEXT, "Download the file"), folder)
    rows = csv_rows(clawback_file)
    expect(len(rows) == 1 and rows[0]["claim_reference"] == reference and rows[0]["clawback_amount"] in ("214.40", "£214.40"), clawback_file)
    rows[0]["claim_status"] = "clawback_complete"
    upload(sam, "file", csv_text(rows), "clawback-response.csv")
    click(sam, "Upload response", "support-clawback-response")
    expect("Response applied: 1 clawed back" in body(sam), body(sam)[:300])

    # The ledger: paid, clawed back and net.
    until(sam, f"/support/payments/ledger?academic_year={YEAR}", "£214.40", "support-ledger")
    expect("£1,447.20" in body(sam) and "£1,232.80" in body(sam), f"the ledger: {body(sam)[:800]}")
    until(sam, f"/support/claims/{reference}", "Clawback complete", "support-claim-clawback-complete")


def the_rest_of_the_console(driver, reference):
    go(driver, "/support/notifications", "support-notifications")
    expect(PAYER in body(driver), "the delivery log does not show the payer's email")
    click(driver, "Write to a school", "support-notification-new")
    fill(driver, "school_urn", "100001")
    fill(driver, "subject", "Your claims this year")
    click(driver, "Send message", "support-notification-error")
    expect("Enter a message" in body(driver), body(driver)[:300])
    fill(driver, "body", "Thank you for claiming. Your clawback is complete.")
    click(driver, "Send message", "support-notification-sent")
    expect("Your message is being sent to" in body(driver) and "office@alder-primary.example" in body(driver), body(driver)[:300])
    email_to("office@alder-primary.example", "Your claims this year")
    go(driver, "/support/users", "support-users-again")
    go(driver, f"/support/claims?q={reference}", "support-claims-final")
    expect("Clawback complete" in body(driver), body(driver)[:300])


def journeys(driver):
    sets_up_the_year(driver)
    school = new_driver()
    try:
        references = school_claims(school)
    finally:
        school.quit()
    support_deletes_a_claim(driver, references["E"])
    pays_the_window(driver, references)
    information_loop(driver, references["B"])
    payer_rejects(driver, references["F"])
    two_support_users_on_one_claim(driver, references["D"])
    audit(driver, references)
    the_rest_of_the_console(driver, references["C"])


if __name__ == "__main__":
    run_journey(journeys)
