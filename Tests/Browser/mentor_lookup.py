"""A school adds a mentor found on the Teaching Record System (claims-intake configured with the
suite's fake of it): the page asks for the TRN and date of birth (a GOV.UK date input), says what
to do when no teacher is found, and adds the mentor under the name on their record."""
from browser import body, check, choose, click, expect, fill, run_journey, sign_in_development
from selenium.webdriver.common.by import By

SCHOOL = "jo.bloggs@alder-primary.example"


def mentor_from_the_record(driver):
    sign_in_development(driver, SCHOOL, "record-sign-in")
    if "Grant conditions" in body(driver):
        choose(driver, "accept")
        click(driver, "Accept and continue")
    click(driver, "Mentors", "record-mentors")
    expect("Date of birth" in body(driver) and "First name" not in body(driver), "the page does not ask for a date of birth")
    expect("If no teacher is found" in body(driver), "the page does not say what to do when no teacher is found")
    # Nothing typed: both fields say what is missing.
    click(driver, "Find and add mentor", "record-mentors-error")
    expect("Enter the mentor's teacher reference number (TRN)" in body(driver) and "Enter the mentor's date of birth" in body(driver),
           body(driver)[:600])
    expect(driver.find_element(By.CSS_SELECTOR, ".govuk-error-summary a[href='#date_of_birth_day']"), "the summary does not link the date")
    # The wrong date of birth: no teacher, and what to check.
    fill(driver, "trn", "7777777")
    fill(driver, "date_of_birth_day", "1")
    fill(driver, "date_of_birth_month", "4")
    fill(driver, "date_of_birth_year", "1980")
    click(driver, "Find and add mentor", "record-mentors-not-found")
    expect("No teacher found with that TRN and date of birth" in body(driver), body(driver)[:600])
    expect(driver.find_element(By.ID, "date_of_birth_year").get_attribute("value") == "1980", "the date typed is not kept")
    # The right one: added under the record's name.
    fill(driver, "date_of_birth_day", "31")
    fill(driver, "date_of_birth_month", "3")
    click(driver, "Find and add mentor", "record-mentors-added")
    expect("Katherine Johnson has been added" in body(driver) and "7777777" in body(driver), body(driver)[:600])


if __name__ == "__main__":
    run_journey(mentor_from_the_record)
