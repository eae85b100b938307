"""A school's whole journey in a real browser, as a person does it (JavaScript on or off, from
the environment): the start page, signing in, grant conditions, two mentors, a claim from
"Start now" to its confirmation and its email, whose link opens the claim after sign-in; a MAT
user moving between schools and the trust page; a colleague added, emailed and signed in; a draft
edited and removed; the allowance running out; and what must never work (another school's page,
a form without its token, a script in a school's name)."""
import json
import os
import re
import subprocess
import urllib.parse
import urllib.request

from browser import (WEB, body, check, choose, click, email_to, expect, fill, go, heading, new_driver, raw, run_journey,
                     sign_in_development, submit)
from selenium.webdriver.common.by import By

INTAKE = os.environ["CLAIMS_INTAKE_URL"]
BIN = os.environ["BIN"]
SCHOOL = "jo.bloggs@alder-primary.example"
MAT = "priya.shah@oak-trust.example"
SUPPORT = "sam.patel@education.gov.uk"
suffix = "js" if os.environ.get("JS", "on") == "on" else "nojs"


def support_api(method, path, payload):
    token = subprocess.check_output([f"{BIN}/claims-intake", "token", "--role", "support"], text=True).strip()
    request = urllib.request.Request(INTAKE + path, data=json.dumps(payload).encode(), method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def start_and_sign_in(driver):
    go(driver, "/", "start")
    expect("Start now" in body(driver), "the start page has no Start now")
    expect("£53.60" in body(driver) and "Inner London" in body(driver), "the start page shows no rates")
    click(driver, "Start now")
    check(driver, "sign-in")
    fill(driver, "email", SCHOOL)
    submit(driver, driver.find_element(By.CSS_SELECTOR, "#email-sign-in button[type=submit]"))


def school_journey(driver):
    start_and_sign_in(driver)
    check(driver, "grant-conditions")
    expect(heading(driver) == "Grant conditions", f"after sign-in: {heading(driver)}")
    click(driver, "Accept and continue")
    check(driver, "grant-conditions-error")
    expect("Confirm that you have read and accept the grant conditions" in body(driver), "no error for an unticked box")
    choose(driver, "accept")
    click(driver, "Accept and continue")
    check(driver, "school-home-empty")
    expect("Claim window" in body(driver) and "Claims for" in body(driver), "no window banner")

    # Two mentors.
    click(driver, "Mentors", "mentors")
    fill(driver, "trn", "12345")
    fill(driver, "first_name", "Ada")
    click(driver, "Add mentor", "mentors-error")
    expect("Enter the mentor's last name" in body(driver), "no error beside last name")
    expect(driver.find_element(By.CSS_SELECTOR, ".govuk-error-summary a[href='#last_name']"), "error summary not linked")
    for trn, first, last in [("4567814", "Ada", "Lovelace"), ("5678925", "Grace", "Hopper")]:
        fill(driver, "trn", trn)
        fill(driver, "first_name", first)
        fill(driver, "last_name", last)
        click(driver, "Add mentor")
    check(driver, "mentors-added")
    expect("Ada Lovelace" in body(driver) and "Grace Hopper" in body(driver), "mentors not listed")
    # A mentor on no claim can be removed.
    submit(driver, driver.find_element(By.CSS_SELECTOR, "a[href$='/mentors/2345678/remove']"))
    check(driver, "mentor-remove")
    click(driver, "Remove mentor", "mentor-removed")
    expect("The mentor has been removed" in body(driver) and "Omar Khan" not in body(driver), "Omar Khan was not removed")

    # The claim: provider, mentors, hours, check answers, declaration, confirmation.
    click(driver, "Claims")
    click(driver, "Add claim", "claim-provider")
    fill(driver, "q", "Best Practice")
    click(driver, "Search", "claim-provider-search")
    click(driver, "Continue", "claim-provider-error")
    expect("Select the accredited provider" in body(driver), "no provider error")
    choose(driver, "provider-1TX")
    click(driver, "Continue", "claim-mentors")
    choose(driver, "mentor-4567814")
    choose(driver, "mentor-5678925")
    # Mentors come in the order of the list (by last name): Grace Hopper, then Ada Lovelace.
    click(driver, "Continue", "claim-hours")
    expect("Grace Hopper has 16 hours left" in body(driver), f"remaining allowance not offered: {body(driver)[:300]}")
    fill(driver, "hours", "17")
    click(driver, "Continue", "claim-hours-error")
    expect("between 1 and 16" in body(driver), "no error above the allowance")
    fill(driver, "hours", "16")
    click(driver, "Continue")
    check(driver, "claim-hours-second")
    expect("Ada Lovelace has 16 hours left" in body(driver), body(driver)[:300])
    fill(driver, "hours", "4")
    click(driver, "Continue", "claim-check")
    expect("Check your answers" in heading(driver), heading(driver))
    expect("20 hours" in body(driver) and "£1,072.00" in body(driver), f"check page amount: {body(driver)}")
    click(driver, "Accept and submit", "claim-confirmation")
    expect("Claim submitted" in body(driver), "no confirmation panel")
    reference = re.search(r"\b(\d{8})\b", driver.find_element(By.CSS_SELECTOR, ".govuk-panel__body").text).group(1)
    expect("What happens next" in body(driver), "confirmation does not say what happens next")
    click(driver, "View the claim", "claim-submitted")
    expect("Submitted" in body(driver) and reference in body(driver), "claim page has no status")
    expect("Claim submitted" in body(driver), "history does not show the submission")

    # The email, and its link opened after signing in again.
    subject, text = email_to(SCHOOL, reference)
    link = re.search(r"https?://\S+/claims/" + reference, text).group(0)
    expect(link.startswith(WEB), f"email link {link} is not web's")
    driver.delete_all_cookies()
    driver.get(link)
    check(driver, "sign-in-from-email")
    fill(driver, "email", SCHOOL)
    submit(driver, driver.find_element(By.CSS_SELECTOR, "#email-sign-in button[type=submit]"))
    expect(driver.current_url.endswith(f"/schools/100001/claims/{reference}"), f"email link led to {driver.current_url}")
    check(driver, "claim-from-email")
    go(driver, "/schools/100001", "school-home")
    expect(reference in body(driver) and "Submitted" in body(driver) and "£1,072.00" in body(driver), "the claim is not on the school's page")
    return reference


def funding_and_the_footer_pages(driver):
    go(driver, "/schools/100001", "school-home-again")
    click(driver, "Funding", "funding")
    expect("£1,072.00" in body(driver) and "Inner London" in body(driver) and "£53.60" in body(driver), f"funding page: {body(driver)[:400]}")
    for link, name in [("Accessibility", "accessibility"), ("Cookies", "cookies"), ("Privacy", "privacy")]:
        click(driver, link, name)


def mentor_on_a_claim_stays(driver):
    go(driver, "/schools/100001/mentors/5678925/remove", "mentor-remove-on-claim")
    click(driver, "Remove mentor", "mentor-not-removed")
    expect("Grace Hopper" in body(driver) and "claim" in driver.find_element(By.CSS_SELECTOR, ".govuk-notification-banner").text,
           "a mentor on a submitted claim was removed, or the page does not say why")


def allowance_runs_out(driver):
    go(driver, "/schools/100001/claims/new?start=1", "claim-provider-again")
    choose(driver, "provider-1TX")
    click(driver, "Continue", "claim-mentors-exhausted")
    expect("All 16 hours of Grace Hopper's training with Best Practice Teacher Training have been claimed" in body(driver),
           f"the page does not say why Grace cannot be chosen: {body(driver)}")
    expect(not driver.find_elements(By.ID, "mentor-5678925"), "Grace can still be chosen")
    expect("12 hours left to claim with Best Practice Teacher Training" in body(driver), "Ada's remaining hours are not offered")


def draft_edited_and_removed(driver):
    go(driver, "/schools/100001/claims/new?start=1", "draft-provider")
    choose(driver, "provider-2KQ")
    click(driver, "Continue")
    choose(driver, "mentor-1234567")
    click(driver, "Continue")
    fill(driver, "hours", "5")
    click(driver, "Continue")
    click(driver, "Save as draft", "draft-saved")
    expect("Draft" in body(driver) and "saved as a draft" in body(driver), "draft not saved")
    reference = re.search(r"Claim (\d{8})", body(driver)).group(1)
    click(driver, "Change and submit", "draft-check")
    submit(driver, driver.find_element(By.CSS_SELECTOR, "a[href$='/hours/1234567']"))
    check(driver, "draft-hours")
    fill(driver, "hours", "7")
    click(driver, "Continue", "draft-check-changed")
    expect("7 hours" in body(driver), "the changed hours are not shown")
    click(driver, "Save as draft", "draft-changed")
    expect("7 hours" in body(driver), "the draft was not changed")
    click(driver, "Remove draft", "draft-remove")
    click(driver, "Remove claim", "draft-removed")
    expect(f"Claim {reference} has been removed" in body(driver), "no removal message")
    status, _, _ = raw(driver, f"{WEB}/schools/100001/claims/{reference}")
    expect(status == 404, f"a removed draft answers {status}")


def colleague(driver):
    click(driver, "Users", "school-users")
    click(driver, "Add user", "user-new")
    fill(driver, "first_name", "Kim")
    fill(driver, "last_name", "Doe")
    fill(driver, "email", "not-an-email")
    click(driver, "Add user", "user-new-error")
    expect("Enter an email address in the correct format" in body(driver), "no email error")
    fill(driver, "email", f"kim.doe.{suffix}@alder-primary.example")
    click(driver, "Add user", "user-added")
    expect("Kim Doe" in body(driver), "colleague not listed")
    subject, text = email_to(f"kim.doe.{suffix}@alder-primary.example", "You have been added to Alder Primary School")
    expect(f"{WEB}/sign-in" in text, "the email has no sign-in link")
    other = new_driver()
    try:
        sign_in_development(other, f"kim.doe.{suffix}@alder-primary.example", "colleague-sign-in")
        check(other, "colleague-home")
        expect("Alder Primary School" in body(other) or "Grant conditions" in body(other) or "Claims" in heading(other), "colleague cannot sign in")
    finally:
        other.quit()


def what_never_works(driver):
    status, _, text = raw(driver, f"{WEB}/schools/100002")
    expect(status == 404 and "Page not found" in text, f"another school's page answers {status}")
    go(driver, "/schools/100002/mentors", "not-found")
    expect(heading(driver) == "Page not found", heading(driver))
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    request = urllib.request.Request(f"{WEB}/schools/100001/mentors", data=b"trn=1111111&first_name=A&last_name=B",
                                     headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    try:
        urllib.request.urlopen(request, timeout=10)
        expect(False, "a form without its token was accepted")
    except urllib.error.HTTPError as error:
        expect(error.code == 403 and "You do not have access" in error.read().decode(), f"a form without its token answers {error.code}")


def mat_user(driver):
    driver.delete_all_cookies()
    sign_in_development(driver, MAT, "mat-sign-in")
    check(driver, "organisations")
    expect("Beech Academy" in body(driver) and "Cedar Academy" in body(driver), "MAT user does not see their schools")
    click(driver, "Beech Academy")
    check(driver, "mat-grant-conditions")
    choose(driver, "accept")
    click(driver, "Accept and continue", "mat-beech")
    expect("Beech Academy" in driver.find_element(By.CSS_SELECTOR, ".app-organisation-bar").text, "not on Beech Academy")
    click(driver, "Change organisation", "organisations-again")
    click(driver, "Cedar Academy")
    check(driver, "mat-cedar-grant-conditions")
    expect("Cedar Academy" in driver.find_element(By.CSS_SELECTOR, ".app-organisation-bar").text, "not on Cedar Academy")
    go(driver, "/organisations", "organisations-trust")
    click(driver, "See claims across Oak Learning Trust", "trust")
    expect(all(n in body(driver) for n in ["Beech Academy", "Cedar Academy", "Damson Academy"]), "trust page lacks a school")
    expect("Alder Primary School" not in body(driver), "trust page shows a school outside the trust")


def support_finds_claims(driver, reference):
    """Support's claims list: search, filters kept in the URL, 25 a page, the CSV of that list."""
    driver.delete_all_cookies()
    sign_in_development(driver, SUPPORT, "support-sign-in-claims")
    go(driver, "/support/claims", "support-claims")
    expect(reference in body(driver) and "Alder Primary School" in body(driver), "the submitted claim is not listed")
    fill(driver, "q", reference)
    click(driver, "Search", "support-claims-search")
    expect("1 claim" in body(driver) and reference in body(driver), f"searching by reference: {body(driver)[:300]}")
    expect("q=" + reference in driver.current_url, "the search is not in the URL")
    status, headers, csv = raw(driver, driver.find_element(By.LINK_TEXT, "Download CSV").get_attribute("href"))
    expect(status == 200 and headers.get("Content-Type", "").startswith("text/csv") and reference in csv and csv.count("\n") == 2,
           f"the CSV of the list: {status} {csv[:200]}")
    # A school's name with a space, as a GET form sends it (`+`).
    fill(driver, "q", "Alder Primary")
    click(driver, "Search", "support-claims-school-name")
    expect("q=Alder+Primary" in driver.current_url and reference in body(driver), f"searching by school name: {body(driver)[:300]}")
    go(driver, "/support/claims?status=paid", "support-claims-none")
    expect("0 claims" in body(driver), "a filter that matches nothing")
    go(driver, "/support/claims?academic_year=1800", "support-claims-error")
    expect(driver.find_elements(By.CSS_SELECTOR, ".govuk-error-summary a[href='#academic_year']"), "a bad filter is not shown beside its field")


def school_user_has_no_support_pages(driver):
    """Every support and provider page, asked for or posted to by a school user, is 404."""
    status, _, document = raw(driver, f"{WEB}/openapi.yaml")
    expect(status == 200, f"/openapi.yaml answers {status}")
    paths = re.findall(r"^  (/(?:support|providers)/\S*):$", document, re.M)
    expect(len(paths) > 40, f"only {len(paths)} support and provider paths listed")
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    page = raw(driver, f"{WEB}/schools/100001/mentors")[2]
    token = re.search(r'name="_token" value="([^"]+)"', page).group(1)
    for path in paths:
        concrete = path.replace("{reference}", "12345678").replace("{id}", "1").replace("{urn}", "100001").replace("{code}", "1TX")
        status, _, _ = raw(driver, WEB + concrete)
        expect(status in (404, 405), f"a school user's GET {concrete} answers {status}")
        request = urllib.request.Request(WEB + concrete, data=urllib.parse.urlencode({"_token": token}).encode(),
                                         headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        try:
            urllib.request.urlopen(request, timeout=10)
            expect(False, f"a school user's POST {concrete} was answered")
        except urllib.error.HTTPError as error:
            expect(error.code in (404, 405), f"a school user's POST {concrete} answers {error.code}")


def script_in_a_name(driver):
    support_api("PUT", "/api/v1/schools/100006", {
        "name": "<script>alert(1)</script>", "postcode": "E1 1AA", "local_authority": "Tower Hamlets", "type_of_establishment": "Community school",
        "group": "Local authority maintained schools", "region": "inner_london", "contact_emails": ["office@script.example"]})
    driver.delete_all_cookies()
    sign_in_development(driver, SUPPORT, "support-sign-in")
    check(driver, "support-users")
    click(driver, "Add a user to a school or provider", "support-membership-new")
    fill(driver, "organisation", "100006")
    fill(driver, "first_name", "Eve")
    fill(driver, "last_name", "Script")
    fill(driver, "email", f"eve.{suffix}@script.example")
    click(driver, "Add user", "support-user")
    expect("<script>alert(1)</script>" in body(driver), "the name is not shown as text")
    status, _, text = raw(driver)
    expect("&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>alert(1)" not in text, "the name is not escaped")
    driver.delete_all_cookies()
    sign_in_development(driver, f"eve.{suffix}@script.example", "script-school-sign-in")
    check(driver, "script-school")
    expect("<script>alert(1)</script>" in driver.find_element(By.CSS_SELECTOR, ".app-organisation-bar").text, "the school name is not shown as text")


def journeys(driver):
    reference = school_journey(driver)
    allowance_runs_out(driver)
    mentor_on_a_claim_stays(driver)
    funding_and_the_footer_pages(driver)
    draft_edited_and_removed(driver)
    colleague(driver)
    what_never_works(driver)
    school_user_has_no_support_pages(driver)
    mat_user(driver)
    support_finds_claims(driver, reference)
    script_in_a_name(driver)


if __name__ == "__main__":
    run_journey(journeys)
