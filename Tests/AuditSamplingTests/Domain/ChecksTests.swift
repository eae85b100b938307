import Foundation
import Testing

@testable import AuditSampling

@Suite struct PrePaymentCheckTests {
    @Test func aMentorClaimedByTwoSchoolsWithOneProviderFlagsBothClaimsEvenTheEarlierOne() {
        let first = SubmittedClaim(
            reference: "1",
            schoolURN: 1,
            providerCode: "1AB",
            academicYear: 2025,
            amountPence: 10_000,
            mentorTRNs: ["1234567"]
        )
        #expect(PrePaymentChecks.flags([first]).isEmpty)
        let second = SubmittedClaim(
            reference: "2",
            schoolURN: 2,
            providerCode: "1AB",
            academicYear: 2025,
            amountPence: 10_000,
            mentorTRNs: ["1234567"]
        )
        let flags = PrePaymentChecks.flags([first, second])
        #expect(flags["1"]?.first?.contains("claimed by 2 schools") == true)
        #expect(flags["2"] != nil)
        let otherProvider = SubmittedClaim(
            reference: "3",
            schoolURN: 3,
            providerCode: "2CD",
            academicYear: 2025,
            amountPence: 10_000,
            mentorTRNs: ["1234567"]
        )
        #expect(PrePaymentChecks.flags([first, otherProvider]).isEmpty)
    }

    @Test func aSchoolOverFiveThousandPoundsIsFlaggedRetroactivelyAndOneAtExactlyFiveThousandIsNot() {
        let a = SubmittedClaim(reference: "1", schoolURN: 1, providerCode: "1AB", academicYear: 2025, amountPence: 300_000, mentorTRNs: ["1111111"])
        let b = SubmittedClaim(reference: "2", schoolURN: 1, providerCode: "1AB", academicYear: 2025, amountPence: 200_000, mentorTRNs: ["2222222"])
        #expect(PrePaymentChecks.flags([a, b]).isEmpty)
        let c = SubmittedClaim(reference: "3", schoolURN: 1, providerCode: "1AB", academicYear: 2025, amountPence: 1, mentorTRNs: ["3333333"])
        let flags = PrePaymentChecks.flags([a, b, c])
        #expect(Set(flags.keys) == ["1", "2", "3"])
    }
}

@Suite struct ProviderResponseCheckTests {
    let request = [
        RequestedClaim(reference: "11111111", mentorTRNs: ["1234567", "7654321"], stillSampling: true),
        RequestedClaim(reference: "22222222", mentorTRNs: ["5555555"], stillSampling: true),
    ]

    func row(_ n: Int, _ reference: String, _ trn: String, _ accepted: String, _ reason: String = "") -> ProviderResponseRow {
        ProviderResponseRow(row: n, reference: reference, trn: trn, accepted: accepted, reason: reason)
    }

    @Test func yesInAnyCaseWithSpacesCountsAsYesAndNoNeedsAReason() {
        let result = ProviderResponseCheck.check(
            [
                row(2, "11111111", "123 4567", "Yes "), row(3, "11111111", "7654321", "no", "No record of training"),
                row(4, "22222222", "5555555", " TRUE"),
            ],
            request: request
        )
        guard case .success(let verdicts) = result else {
            Issue.record("refused: \(result)")
            return
        }
        #expect(verdicts.first { $0.reference == "22222222" }?.rejected.isEmpty == true)
        #expect(verdicts.first { $0.reference == "11111111" }?.rejected.map(\.trn) == ["7654321"])
    }

    @Test func aMissingMentorAnUnknownTRNMaybeOrNoWithoutAReasonAppliesNothingAndNamesEachRow() {
        let result = ProviderResponseCheck.check(
            [
                row(2, "11111111", "1234567", "yes"),
                row(3, "22222222", "9999999", "yes"),
                row(4, "22222222", "5555555", "maybe"),
                row(5, "11111111", "7654321", "no"),
            ],
            request: [request[0], request[1]]
        )
        guard case .failure(let errors) = result else {
            Issue.record("accepted a bad file")
            return
        }
        #expect(errors.problems.map(\.row) == [3, 4, 5])
        let missing = ProviderResponseCheck.check([row(2, "11111111", "1234567", "yes")], request: request)
        guard case .failure(let missingErrors) = missing else {
            Issue.record("accepted a claim with a mentor missing")
            return
        }
        #expect(missingErrors.problems.first?.message.contains("no row for mentor 7654321") == true)
    }
}
