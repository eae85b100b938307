import Foundation
import ServiceSupport
import Testing

@testable import ClaimsIntake

@Suite struct ClaimLifecycleTests {
    /// The transitions table of domain.md, row by row.
    static let table: [(ClaimStatus, ClaimEvent, ClaimStatus)] = [
        (.draft, .submitted, .submitted),
        (.submitted, .paymentRequested, .paymentInProgress),
        (.paymentInProgress, .paid, .paid),
        (.paymentInProgress, .paymentInformationRequested, .paymentInformationRequested),
        (.paymentInformationRequested, .paymentInformationSent, .paymentInformationSent),
        (.paymentInformationRequested, .paid, .paid),
        (.paymentInformationSent, .paid, .paid),
        (.paymentInformationRequested, .paymentRejected, .paymentNotApproved),
        (.paymentInformationSent, .paymentRejected, .paymentNotApproved),
        (.paid, .sampleSelected, .samplingInProgress),
        (.samplingInProgress, .providerAccepted, .paid),
        (.samplingInProgress, .sampleApproved, .paid),
        (.samplingInProgress, .providerNotApproved, .samplingProviderNotApproved),
        (.samplingProviderNotApproved, .sampleApproved, .paid),
        (.samplingProviderNotApproved, .schoolRejected, .samplingNotApproved),
        (.samplingNotApproved, .clawbackRequested, .clawbackRequiresApproval),
        (.clawbackRejected, .clawbackRequested, .clawbackRequiresApproval),
        (.samplingNotApproved, .clawbackNotRequired, .paid),
        (.clawbackRejected, .clawbackNotRequired, .paid),
        (.clawbackRequiresApproval, .clawbackApproved, .clawbackRequested),
        (.clawbackRequiresApproval, .clawbackRejected, .clawbackRejected),
        (.clawbackRequested, .clawbackSent, .clawbackInProgress),
        (.clawbackInProgress, .clawbackCompleted, .clawbackComplete),
    ]

    @Test func everyRowOfTheTableIsAllowed() {
        for (from, event, to) in Self.table {
            #expect(ClaimLifecycle.next(from: from, on: event) == .success(to), "\(from) on \(event)")
        }
    }

    @Test func everythingElseIsRefused() {
        var refused = 0
        for from in ClaimStatus.allCases {
            for event in ClaimEvent.allCases where !Self.table.contains(where: { $0.0 == from && $0.1 == event }) {
                #expect(ClaimLifecycle.next(from: from, on: event) == .failure(TransitionRefused(from: from, event: event)))
                refused += 1
            }
        }
        #expect(refused == ClaimStatus.allCases.count * ClaimEvent.allCases.count - Self.table.count)
    }

    @Test func onlyRejectedClaimsFreeTheirHours() {
        for status in ClaimStatus.allCases {
            #expect(ClaimLifecycle.countsAgainstAllowance(status) == (status != .paymentNotApproved))
            #expect(ClaimLifecycle.countsAsEarlierTraining(status) == (status != .paymentNotApproved && status != .draft))
        }
    }

    @Test func everyStatusTellsTheSchoolWhatHappensNext() {
        let context = ClaimLifecycle.NextStepContext(openWindowClosesOn: "2026-03-31", statusSince: "2026-03-02", support: "help@dfe.example")
        for status in ClaimStatus.allCases {
            let sentence = ClaimLifecycle.nextStep(for: status, context)
            #expect(sentence.hasSuffix("."))
            #expect(!sentence.isEmpty)
        }
        #expect(ClaimLifecycle.nextStep(for: .submitted, context).contains("after the claim window closes"))
    }

    @Test func whereTheSchoolMustActTheNextStepSaysWhatTheEmailSaysWithTheDate() {
        let context = ClaimLifecycle.NextStepContext(statusSince: "2026-03-02", support: "help@dfe.example")
        let asked = ClaimLifecycle.nextStep(for: .paymentInformationRequested, context)
        #expect(asked.contains(SchoolActionText.informationRequested(support: "help@dfe.example", respondBy: "2026-03-16")))
        #expect(asked.contains("by Monday 16 March 2026") && asked.contains("help@dfe.example"))
        let evidence = ClaimLifecycle.nextStep(for: .samplingProviderNotApproved, context)
        #expect(evidence.contains(SchoolActionText.providerNotApproved(support: "help@dfe.example", respondBy: "2026-03-16")))
    }

    @Test func aDraftsNextStepNeverNamesAPastDate() {
        let open = ClaimLifecycle.NextStepContext(openWindowClosesOn: "2026-05-31", support: "s@x.example")
        #expect(
            ClaimLifecycle.nextStep(for: .draft, open)
                == "Check the mentors and hours, then submit the claim before the claim window closes at 11:59pm on Sunday 31 May 2026."
        )
        let waiting = ClaimLifecycle.NextStepContext(nextWindowOpensOn: "2026-06-01", support: "s@x.example")
        #expect(ClaimLifecycle.nextStep(for: .draft, waiting).contains("when the next window opens on Monday 1 June 2026"))
        let none = ClaimLifecycle.NextStepContext(support: "s@x.example")
        #expect(!ClaimLifecycle.nextStep(for: .draft, none).contains("20"))
    }
}

@Suite struct ValuesTests {
    @Test func aTRNLosesItsSpacesAndMustBeSevenDigits() throws {
        #expect(try TRN(parsing: " 12 34 567 ").value == "1234567")
        for bad in ["123456", "12345678", "12a4567", "", "１２３４５６７"] {
            #expect(throws: InvalidValue.self) { try TRN(parsing: bad) }
        }
    }

    @Test func urnsAndProviderCodesAreChecked() throws {
        #expect(try URN(parsing: "100001").value == 100001)
        #expect(throws: InvalidValue.self) { try URN(0) }
        #expect(throws: InvalidValue.self) { try URN(10_000_000) }
        #expect(try ProviderCode(parsing: " 1ab ").value == "1AB")
        #expect(throws: InvalidValue.self) { try ProviderCode(parsing: "ABCDEFGHIJK") }
        #expect(throws: InvalidValue.self) { try ProviderCode(parsing: "A-B") }
    }

    @Test func moneyIsPenceAndPrintsAsPounds() {
        #expect((Pence(5360) * 16).value == 85_760)
        #expect((Pence(5360) * 16).pounds == "857.60")
        #expect((Pence(4825) * 4).pounds == "193.00")
        #expect(Pence(5).pounds == "0.05")
        #expect(Pence(107_200).pounds == "1072.00")
    }

    @Test func academicYearsStartInSeptember() throws {
        #expect(AcademicYear(containing: LocalDate(year: 2026, month: 8, day: 31)).startYear == 2025)
        #expect(AcademicYear(containing: LocalDate(year: 2026, month: 9, day: 1)).startYear == 2026)
        #expect(try AcademicYear(2024).initialHours == 20)
        #expect(try AcademicYear(2025).initialHours == 16)
        #expect(try AcademicYear(2025).refresherHours == 6)
        #expect(try AcademicYear(2025).label == "2025 to 2026")
    }

    @Test func datesAreRealDates() throws {
        #expect(try LocalDate(parsing: "2028-02-29").description == "2028-02-29")
        for bad in ["2027-02-29", "2026-13-01", "2026-1-01", "01/02/2026", ""] {
            #expect(throws: InvalidValue.self) { try LocalDate(parsing: bad) }
        }
    }

    @Test func referencesAreEightDigits() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let reference = ClaimReference.random(using: &generator)
            #expect(reference.value.count == 8 && reference.value.allSatisfy(\.isNumber))
        }
    }
}

@Suite struct ClaimWindowTests {
    let london = LondonTime()
    let year = try! AcademicYear(2025)

    func window(_ id: Int64, _ opens: String, _ closes: String) throws -> ClaimWindow {
        ClaimWindow(id: id, academicYear: year, opensOn: try LocalDate(parsing: opens), closesOn: try LocalDate(parsing: closes))
    }

    @Test func windowsOpenAndCloseInLondonTimeAcrossSummerTime() throws {
        let summer = try window(1, "2026-05-01", "2026-06-30")
        #expect(summer.opensAt(london) == ISO8601DateFormatter().date(from: "2026-04-30T23:00:00Z"))
        #expect(summer.closesAt(london) == ISO8601DateFormatter().date(from: "2026-06-30T22:59:59Z")!.addingTimeInterval(0.999))
        let winter = try window(2, "2026-01-05", "2026-02-27")
        #expect(winter.opensAt(london) == ISO8601DateFormatter().date(from: "2026-01-05T00:00:00Z"))
        #expect(winter.state(at: ISO8601DateFormatter().date(from: "2026-02-27T23:59:59Z")!, london) == .current)
        // Open until 23:59:59.999 on the closing date: a claim half a second before midnight is in time.
        #expect(winter.state(at: ISO8601DateFormatter().date(from: "2026-02-27T23:59:59Z")!.addingTimeInterval(0.5), london) == .current)
        #expect(winter.state(at: ISO8601DateFormatter().date(from: "2026-02-27T23:59:59Z")!.addingTimeInterval(0.999), london) == .current)
        #expect(winter.state(at: ISO8601DateFormatter().date(from: "2026-02-28T00:00:00Z")!, london) == .past)
        #expect(winter.state(at: ISO8601DateFormatter().date(from: "2026-01-04T23:59:59Z")!, london) == .upcoming)
        #expect(winter.daysLeft(at: ISO8601DateFormatter().date(from: "2026-02-25T10:00:00Z")!, london) == 3)
    }

    @Test func aNewWindowMustNotOverlapAndMustSitInItsYear() throws {
        let existing = [try window(1, "2025-10-01", "2025-12-31")]
        let today = try LocalDate(parsing: "2025-09-15")
        func problems(_ opens: String, _ closes: String, rates: Bool = true) throws -> [ClaimWindowProblem] {
            ClaimWindowRules.problems(
                academicYear: year,
                opensOn: try LocalDate(parsing: opens),
                closesOn: try LocalDate(parsing: closes),
                existing: existing,
                hasRates: rates,
                today: today
            )
        }
        #expect(try problems("2026-01-01", "2026-03-31").isEmpty)
        #expect(try problems("2025-12-31", "2026-03-31") == [.overlaps(existing[0])])
        #expect(try problems("2026-03-31", "2026-01-01") == [.closesBeforeOpening])
        #expect(try problems("2025-08-01", "2025-09-30") == [.opensBeforeAcademicYear(year)])
        #expect(try problems("2026-08-01", "2026-09-30") == [.outsideAcademicYear(year)])
        #expect(try problems("2026-01-01", "2026-03-31", rates: false) == [.noFundingRates(year)])
    }

    @Test func pastWindowsAndWindowsWithClaimsCannotBeRemoved() throws {
        let w = try window(1, "2025-10-01", "2025-12-31")
        let during = ISO8601DateFormatter().date(from: "2025-11-01T12:00:00Z")!
        let after = ISO8601DateFormatter().date(from: "2026-01-02T12:00:00Z")!
        #expect(ClaimWindowRules.removalProblem(w, claimCount: 0, now: during, london) == nil)
        #expect(ClaimWindowRules.removalProblem(w, claimCount: 1, now: during, london) == .hasClaims)
        #expect(ClaimWindowRules.removalProblem(w, claimCount: 0, now: after, london) == .isPast)
    }

    @Test func theAllowanceIsSixteenOrTwentyHoursOrSixForARefresher() throws {
        #expect(HourAllowance.total(year: try AcademicYear(2024), type: .initial) == 20)
        #expect(HourAllowance.total(year: year, type: .initial) == 16)
        #expect(HourAllowance.total(year: year, type: .refresher) == 6)
        #expect(HourAllowance.problem(hours: 7, remaining: 6) == "Enter the number of hours between 1 and 6")
        #expect(HourAllowance.problem(hours: 0, remaining: 6) == "Enter the number of hours between 1 and 6")
        #expect(HourAllowance.problem(hours: 6, remaining: 6) == nil)
        #expect(HourAllowance.problem(hours: 1, remaining: 0) != nil)
    }
}
