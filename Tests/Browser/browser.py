"""What every browser test shares: a headless Chromium (JavaScript on or off), and the checks
made on every page visited: no axe-core WCAG 2.2 A/AA violation, well-formed HTML, the security
headers, and a screenshot."""
import email
import email.policy
import glob
import html.parser
import importlib.util
import os
import re
import sys
import tempfile
import time
import urllib.request

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

WEB = os.environ["WEB_URL"]
MAIL_DIR = os.environ.get("MAIL_DIR", "")
JS = os.environ.get("JS", "on") == "on"
SHOTS = os.environ.get("SCREENSHOTS_DIR")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "path"}
pages_checked = []
# axe-selenium-python drives axe-core, but bundles axe-core 3.1, which predates WCAG 2.1 and 2.2;
# axe-core 4.12 comes from the axe-playwright-python package (only its axe.min.js is used).
AXE_SCRIPT = os.path.join(os.path.dirname(importlib.util.find_spec("axe_playwright_python").origin), "axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


class Failure(AssertionError):
    pass


def expect(condition, message):
    if not condition:
        raise Failure(message)


def new_driver(js=JS):
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000", "--disable-gpu", "--no-first-run"]:
        options.add_argument(argument)
    if not js:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    return driver


class WellFormed(html.parser.HTMLParser):
    """Every element opened is closed, in order; ids are unique."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems, self.ids = [], [], set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id":
                if value in self.ids:
                    self.problems.append(f"duplicate id {value}")
                self.ids.add(value)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
        else:
            self.stack.pop()


def raw(driver, url=None):
    """The page's HTML as served (not the DOM), with the browser's cookies, and its headers."""
    url = url or driver.current_url
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def check(driver, name, refetch=True):
    """The checks of every page: axe (JavaScript on), well-formed HTML, headers, size, screenshot."""
    source = driver.page_source
    if refetch:
        status, headers, text = raw(driver)
        expect(headers.get("Content-Security-Policy", "").startswith("default-src 'self'; frame-ancestors 'none'; form-action 'self'"), f"{name}: CSP is {headers.get('Content-Security-Policy')}")
        expect(headers.get("X-Content-Type-Options") == "nosniff", f"{name}: no nosniff")
        expect(headers.get("Referrer-Policy") == "same-origin", f"{name}: Referrer-Policy")
        expect(headers.get("Cache-Control") == "no-store", f"{name}: Cache-Control {headers.get('Cache-Control')}")
        expect(len(text.encode()) < 100_000, f"{name}: {len(text.encode())} bytes of HTML")
        expect(not re.search(r"<script|style=\"", text), f"{name}: inline script or style")
        parser = WellFormed()
        parser.feed(text)
        parser.close()
        expect(not parser.problems and not parser.stack, f"{name}: HTML not well formed: {parser.problems[:5]} open {parser.stack}")
    expect(driver.find_elements(By.CSS_SELECTOR, "a.govuk-skip-link[href='#main-content']"), f"{name}: no skip link")
    expect(driver.find_elements(By.TAG_NAME, "h1"), f"{name}: no heading")
    # Reflow (WCAG 1.4.10): at 320 CSS pixels wide nothing makes the page scroll sideways
    # (a table scrolls inside its own box); 1280 at 400% zoom is the same width.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 320, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    try:
        wide = driver.execute_script(
            "return [document.documentElement.scrollWidth, Array.from(document.querySelectorAll('main *, header *, footer *'))"
            ".filter(e => !e.closest('.app-table-container') && e.getBoundingClientRect().right > 321).slice(0, 3).map(e => e.outerHTML.slice(0, 120))]")
        expect(wide[0] <= 321, f"{name}: at 320 px the page is {wide[0]} px wide: {wide[1]}")
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    if JS:
        axe = Axe(driver, script_url=AXE_SCRIPT)
        axe.inject()
        results = axe.run(options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        violations = [f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})" for v in results["violations"]]
        expect(not violations, f"{name}: axe found {violations}")
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1280, min(max(height, 700), 4000))
        driver.save_screenshot(os.path.join(SHOTS, f"{name}.png"))
        driver.set_window_size(1280, 1000)
    pages_checked.append(name)
    return source


def go(driver, path, name):
    driver.get(WEB + path if path.startswith("/") else path)
    return check(driver, name)


def click(driver, text, name=None):
    """Clicks the link or button a person would, by its words."""
    elements = [e for e in driver.find_elements(By.CSS_SELECTOR, "a, button") if e.text.strip() == text or e.text.strip().startswith(text)]
    expect(elements, f"no link or button '{text}' on {driver.current_url}")
    submit(driver, elements[0])
    if name:
        check(driver, name)


def submit(driver, element):
    """Clicks and waits for the next page to replace this one."""
    page = driver.find_element(By.TAG_NAME, "html")
    origin = driver.execute_script("return performance.timeOrigin")

    def replaced(d):
        try:
            if expected_conditions.staleness_of(page)(d):
                return True
            return d.execute_script("return document.readyState === 'complete' && performance.timeOrigin") not in (False, origin)
        except Exception:
            return False

    element.click()
    WebDriverWait(driver, 20, poll_frequency=0.1).until(replaced)


def fill(driver, field_id, value):
    element = driver.find_element(By.ID, field_id)
    element.clear()
    element.send_keys(value)


def choose(driver, field_id):
    driver.find_element(By.CSS_SELECTOR, f"label[for='{field_id}']").click()


def heading(driver):
    return driver.find_element(By.TAG_NAME, "h1").text


def body(driver):
    return driver.find_element(By.TAG_NAME, "main").text


def sign_in_development(driver, email_address, name="sign-in"):
    go(driver, "/sign-in", name)
    fill(driver, "email", email_address)
    submit(driver, driver.find_element(By.CSS_SELECTOR, "#email-sign-in button[type=submit]"))


def wait_for(what, condition, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise Failure(f"timed out waiting for {what}")


def emails_to(address):
    found = []
    for path in sorted(glob.glob(os.path.join(MAIL_DIR, "**", "*.eml"), recursive=True)):
        with open(path, "rb") as handle:
            message = email.message_from_binary_file(handle, policy=email.policy.default)
        if address.lower() in str(message["To"]).lower():
            part = message.get_body(preferencelist=("plain",))
            found.append((str(message["Subject"]), part.get_content() if part else ""))
    return found


def email_to(address, subject_contains, timeout=30):
    return wait_for(
        f"an email to {address} about '{subject_contains}'",
        lambda: next(((s, b) for s, b in emails_to(address) if subject_contains.lower() in s.lower()), None), timeout)


def check_plain(driver, name):
    """A page that is not web's (the payer's download page, served by payments): axe and a screenshot."""
    if JS:
        axe = Axe(driver, script_url=AXE_SCRIPT)
        axe.inject()
        results = axe.run(options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        violations = [f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})" for v in results["violations"]]
        expect(not violations, f"{name}: axe found {violations}")
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        driver.save_screenshot(os.path.join(SHOTS, f"{name}.png"))
    pages_checked.append(name)


def upload(driver, field_id, text, file_name="upload.csv"):
    """Chooses a file with `text` in the file input `field_id`, as a person picks one from disk."""
    folder = tempfile.mkdtemp(prefix="upload-")
    path = os.path.join(folder, file_name)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    driver.find_element(By.ID, field_id).send_keys(path)


def upload_file(driver, field_id, path):
    """Chooses the file at `path` in the file input `field_id`, as a person picks one from disk."""
    driver.find_element(By.ID, field_id).send_keys(path)


def downloads_to(driver):
    """Lets the browser save downloads, into a new folder it returns."""
    folder = tempfile.mkdtemp(prefix="downloads-")
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": folder, "eventsEnabled": True})
    return folder


def download(driver, element, folder):
    """Clicks a download link or button and returns the downloaded file's text."""
    before = set(os.listdir(folder))
    element.click()

    def finished():
        # Chromium may create the file's final name empty while it still writes `.crdownload`:
        # the download is done when no partial file is left and the new file has its bytes.
        names = set(os.listdir(folder)) - before
        if any(f.endswith(".crdownload") or f.endswith(".tmp") for f in names):
            return None
        new = [f for f in names if os.path.getsize(os.path.join(folder, f)) > 0]
        return new[0] if new else None
    name = wait_for("a download", finished, timeout=20)
    with open(os.path.join(folder, name), encoding="utf-8-sig") as handle:
        return handle.read()


def run_journey(steps):
    """Runs `steps(driver)` in a new browser; on a failure prints where and what the page said."""
    driver = new_driver()
    try:
        steps(driver)
    except Exception:
        try:
            print("failed on", driver.current_url, file=sys.stderr)
            print(driver.find_element(By.TAG_NAME, "main").text[:2000], file=sys.stderr)
        except Exception:
            pass
        raise
    finally:
        driver.quit()
    print(f"{len(pages_checked)} pages checked: {', '.join(pages_checked)}")
