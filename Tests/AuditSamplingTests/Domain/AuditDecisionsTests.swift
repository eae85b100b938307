import ServiceSupport
import Testing

@testable import AuditSampling

/// The rules of support's decisions, as pure functions: the school's response and the clawback
/// lines, every wrong line named.
@Suite struct AuditDecisionsTests {
    static let mentors = [
        ClaimMentorLine(trn: "1111111", firstName: "Ann", lastName: "Lee", hours: 20),
        ClaimMentorLine(trn: "2222222", firstName: "Ben", lastName: "Ray", hours: 12),
        ClaimMentorLine(trn: "3333333", firstName: "Cy", lastName: "Doe", hours: 8),
    ]

    @Test func aClawbackClawsBackTheHoursNotTrainedOfEachMentorNotAccepted() throws {
        let lines = try AuditDecisions.clawback(
            [DecisionLine(trn: "1111 111", hoursTrained: 14, notes: "Six hours missing"), DecisionLine(trn: "2222222", hoursTrained: 12)],
            claimMentors: Self.mentors,
            notAccepted: ["1111111", "2222222"]
        )
        #expect(
            lines == [ClawbackLine(trn: "1111111", hoursClawedBack: 6, notes: "Six hours missing"), ClawbackLine(trn: "2222222", hoursClawedBack: 0)]
        )
    }

    @Test func aClawbackNamesEveryMentorNotAcceptedOnceAndNoOther() {
        #expect(
            throws: AuditError.invalid([
                FieldError(
                    field: "mentors[0].trn",
                    message: "The provider accepted mentor 3333333: only mentors it did not accept can be clawed back"
                ),
                FieldError(field: "mentors[1].trn", message: "This mentor is not on the claim"),
                FieldError(field: "mentors[2].hours_trained", message: "Enter the hours trained between 0 and 20"),
                FieldError(field: "mentors[3].trn", message: "Mentor 1111111 is named more than once: name each mentor once"),
            ])
        ) {
            try AuditDecisions.clawback(
                [
                    DecisionLine(trn: "3333333", hoursTrained: 1), DecisionLine(trn: "9999999", hoursTrained: 1),
                    DecisionLine(trn: "1111111", hoursTrained: 21), DecisionLine(trn: "1111111", hoursTrained: 2),
                ],
                claimMentors: Self.mentors,
                notAccepted: ["1111111", "2222222"]
            )
        }
        #expect(
            throws: AuditError.invalid([
                FieldError(field: "mentors", message: "Enter the hours trained for mentor 2222222, whom the provider did not accept")
            ])
        ) {
            try AuditDecisions.clawback(
                [DecisionLine(trn: "1111111", hoursTrained: 2)],
                claimMentors: Self.mentors,
                notAccepted: ["1111111", "2222222"]
            )
        }
    }

    @Test func theSchoolsResponseNamesMentorsOfTheClaimOnce() throws {
        let lines = try AuditDecisions.schoolResponse([DecisionLine(trn: " 1111111", reason: "Trained on Saturdays")], claimMentors: Self.mentors)
        #expect(lines == [DecisionLine(trn: "1111111", reason: "Trained on Saturdays")])
        #expect(
            throws: AuditError.invalid([
                FieldError(field: "mentors[0].trn", message: "This mentor is not on the claim"),
                FieldError(field: "mentors[2].trn", message: "This mentor is named more than once"),
            ])
        ) {
            try AuditDecisions.schoolResponse(
                [DecisionLine(trn: "4444444", reason: "x"), DecisionLine(trn: "1111111", reason: "y"), DecisionLine(trn: "1111111", reason: "z")],
                claimMentors: Self.mentors
            )
        }
    }

    @Test func aSampleListNamesEveryRowThatCannotBeSampled() {
        let rows = [
            SampleListRow(row: 2, reference: "00000001", reason: "Tip-off"), SampleListRow(row: 3, reference: "00000002", reason: ""),
            SampleListRow(row: 4, reference: "00000009", reason: "x"), SampleListRow(row: 5, reference: "00000001", reason: "again"),
        ]
        #expect(
            throws: AuditError.fileHasErrors(
                [
                    FieldError(field: "row 3", message: "claim 00000002 is submitted, not paid; enter a sample_reason"),
                    FieldError(field: "row 4", message: "claim ‘00000009’ is not known"),
                    FieldError(field: "row 5", message: "claim 00000001 is on more than one row"),
                ],
                nothing: "Nothing was sampled. Correct every row listed."
            )
        ) { try ProviderFiles.checkList(rows, statuses: ["00000001": .paid, "00000002": .submitted]) }
    }
}
