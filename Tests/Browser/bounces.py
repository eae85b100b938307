"""Support writes to a school whose contact address GOV.UK Notify cannot deliver to (the suite's
fake Notify reports a permanent failure): the delivery log says the email was not delivered and
why, its filter finds it, and the school's page warns that the school is not hearing from the
service, with where to fix the address."""
import time

from selenium.webdriver.common.by import By

from browser import body, check, click, expect, fill, go, run_journey, sign_in_development

SUPPORT = "sam.patel@education.gov.uk"
ADDRESS = "office@elm-park.example"


def bounce_seen_by_support(driver):
    sign_in_development(driver, SUPPORT, "bounce-sign-in")
    go(driver, "/support/notifications/new?school_urn=100005", "bounce-write")
    fill(driver, "subject", "Your claim for mentor training")
    fill(driver, "body", "Please check the hours on your claim and tell us if they are right.")
    click(driver, "Send message", "bounce-sent")
    expect(ADDRESS in body(driver), body(driver)[:600])
    # Notify takes the email, then reports that the address does not exist.
    deadline = time.time() + 60
    while "(permanent-failure)" not in body(driver):
        expect(time.time() < deadline, "the delivery log never said the email was not delivered: " + body(driver)[:800])
        time.sleep(0.5)
        go(driver, "/support/notifications?template=support_message", "bounce-log-waiting")
    check(driver, "bounce-log")
    tags = [tag.text for tag in driver.find_elements(By.CSS_SELECTOR, "table .govuk-tag")]
    expect(tags == ["Not delivered"], f"the log's status tags are {tags}")
    expect("the address does not exist" in body(driver), body(driver)[:800])
    go(driver, "/support/notifications?delivery_status=permanent-failure", "bounce-log-filtered")
    expect(ADDRESS in body(driver) and "1 email" in body(driver), body(driver)[:800])
    go(driver, "/support/schools/100005", "bounce-school")
    text = body(driver)
    expect("Emails to this school are not being delivered" in text, text[:800])
    expect(ADDRESS in text and "the address does not exist or will not take email" in text, text[:800])
    expect("change its contact emails" in text, text[:800])
    # A school whose emails arrive has no warning.
    go(driver, "/support/schools/100001", "bounce-other-school")
    expect("not being delivered" not in body(driver), body(driver)[:600])


if __name__ == "__main__":
    run_journey(bounce_seen_by_support)
