"""Signing in through a real OpenID Connect provider (oidc-provider-mock): the authorization code
flow with PKCE, state and nonce; a wrong state, a replayed code and an unknown person are refused
(the last with the no-access page, and nothing stored); the first sign-in links the person found
by email; an idle session ends with "You have been signed out" and signing in again returns to the
page asked for; signing out ends the provider's session too."""
import http.cookiejar
import os
import re
import sys
import time
import urllib.parse
import urllib.request

from browser import WEB, body, check, click, expect, fill, go, heading, new_driver, pages_checked, submit
from selenium.webdriver.common.by import By

IDP = os.environ["OIDC_ISSUER"]
SUPPORT = "sam.patel@education.gov.uk"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def client():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())


def call(opener, url, form=None):
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        response = opener.open(urllib.request.Request(url, data=data), timeout=15)
        return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def start_flow(opener):
    """web's sign-in, up to the identity provider's answer: the callback URL with code and state."""
    status, _, text = call(opener, f"{WEB}/sign-in")
    expect('href="/sign-in?with=dfe-sign-in"' in text, "no sign-in button")
    status, headers, _ = call(opener, f"{WEB}/sign-in?with=dfe-sign-in")
    expect(status == 303 and headers["Location"].startswith(IDP), f"sign-in did not go to the provider: {status} {headers.get('Location')}")
    authorize = headers["Location"]
    query = urllib.parse.parse_qs(urllib.parse.urlparse(authorize).query)
    expect(query["code_challenge_method"] == ["S256"] and query.get("code_challenge") and query.get("nonce") and query.get("state"),
           f"the authorization request lacks PKCE, nonce or state: {authorize}")
    return authorize


def authorize(opener, url, sub):
    status, headers, _ = call(opener, url, {"sub": sub})
    expect(status in (302, 303) and "/auth/callback?" in headers["Location"], f"the provider did not send back a code: {status}")
    return headers["Location"]


def protocol_checks():
    # A wrong state is refused.
    opener = client()
    callback = authorize(opener, start_flow(opener), SUPPORT)
    tampered = re.sub(r"state=[^&]+", "state=forged", callback)
    status, _, text = call(opener, tampered)
    expect(status == 400 and "could not sign you in" in text, f"a wrong state answered {status}")
    # A replayed code is refused: used once, then again in a new sign-in of the same browser.
    opener = client()
    callback = authorize(opener, start_flow(opener), SUPPORT)
    status, headers, _ = call(opener, callback)
    expect(status == 303, f"a good callback answered {status}")
    code = urllib.parse.parse_qs(urllib.parse.urlparse(callback).query)["code"][0]
    other = client()
    second = authorize(other, start_flow(other), SUPPORT)
    replayed = re.sub(r"code=[^&]+", "code=" + urllib.parse.quote(code), second)
    status, _, text = call(other, replayed)
    expect(status == 400 and "could not sign you in" in text, f"a replayed code answered {status}")
    # A callback with no sign-in started is refused.
    status, _, _ = call(client(), f"{WEB}/auth/callback?code=abc&state=def")
    expect(status == 400, f"a callback without a sign-in answered {status}")


def sign_in(driver, sub, name):
    go(driver, "/sign-in", f"{name}-sign-in")
    click(driver, "Sign in with DfE Sign-in")
    expect(driver.current_url.startswith(IDP), f"not at the provider: {driver.current_url}")
    field = driver.find_element(By.NAME, "sub")
    field.send_keys(sub)
    submit(driver, driver.find_element(By.XPATH, "//button[normalize-space()='Authorize']"))


def main():
    protocol_checks()
    support = new_driver()
    person = new_driver()
    try:
        sign_in(support, SUPPORT, "support")
        check(support, "support-users-oidc")
        expect("Users" in heading(support), heading(support))
        idle_since = time.time()

        # An unknown person: the no-access page, and nothing stored.
        sign_in(person, "nobody@unknown.example", "unknown")
        check(person, "no-access")
        expect(heading(person) == "You do not have access to this service", heading(person))

        # Support invites a school user; their first sign-in links them by email.
        go(support, "/support/memberships/new", "support-invite")
        fill(support, "organisation", "100001")
        fill(support, "first_name", "Jo")
        fill(support, "last_name", "Bloggs")
        fill(support, "email", "Jo.Bloggs@Alder-Primary.example")
        click(support, "Add user", "support-invited")
        go(support, "/support/users?q=nobody", "support-search-nobody")
        expect("No user matches" in body(support), "the unknown person was stored")
        idle_since = time.time()
        person.delete_all_cookies()
        sign_in(person, "jo.bloggs@alder-primary.example", "school")
        check(person, "school-after-oidc")
        expect(person.current_url.endswith("/schools/100001/grant-conditions"), person.current_url)

        # Idle: after SESSION_IDLE_MINUTES (1) without a request, the session has ended.
        time.sleep(max(0, idle_since + 62 - time.time()))
        support.get(f"{WEB}/support/users?q=jo")
        check(support, "signed-out")
        expect(heading(support) == "You have been signed out", heading(support))
        click(support, "Sign in again")
        click(support, "Sign in with DfE Sign-in")
        submit(support, support.find_element(By.XPATH, f"//button[normalize-space()='{SUPPORT}']")) if support.find_elements(
            By.XPATH, f"//button[normalize-space()='{SUPPORT}']") else (support.find_element(By.NAME, "sub").send_keys(SUPPORT), submit(
                support, support.find_element(By.XPATH, "//button[normalize-space()='Authorize']")))
        expect(support.current_url.endswith("/support/users?q=jo"), f"not back on the page asked for: {support.current_url}")
        check(support, "back-after-sign-in")
        expect("Jo Bloggs" in body(support), "the page asked for is not shown")

        # Signing out ends the provider's session too.
        click(support, "Sign out")
        expect("/oauth2/end_session" in support.current_url, f"sign-out did not go to the provider: {support.current_url}")
    except Exception:
        for driver in (support, person):
            try:
                print("at", driver.current_url, driver.find_element(By.TAG_NAME, "body").text[:1500], file=sys.stderr)
            except Exception:
                pass
        raise
    finally:
        support.quit()
        person.quit()
    print(f"{len(pages_checked)} pages checked: {', '.join(pages_checked)}")


if __name__ == "__main__":
    main()
