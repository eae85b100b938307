import ServiceSupport
import Testing

@testable import ClaimsIntake

/// Who may see and change a claim, and the check every claim passes, as pure functions.
@Suite struct ClaimPolicyTests {
    static let school = AuthenticatedUser(id: "s", email: "head@alder.sch.uk", name: "Head", role: .school, urns: [100_001])
    static let support = AuthenticatedUser(id: "d", email: "sam@education.gov.uk", name: "Sam", role: .support)
    static let provider = AuthenticatedUser(id: "p", email: "q@best.example", name: "Q", role: .provider, providerCodes: ["1AB"])

    @Test func aSchoolUserSeesOnlyItsSchoolsClaimsAndAProviderOnlyItsOwnUnderAuditOrPaid() {
        for status in ClaimStatus.allCases {
            #expect(ClaimAccess.mayView(schoolURN: 100_001, providerCode: "1AB", status: status, user: Self.school))
            #expect(!ClaimAccess.mayView(schoolURN: 100_002, providerCode: "1AB", status: status, user: Self.school))
            #expect(ClaimAccess.mayView(schoolURN: 100_002, providerCode: "9ZZ", status: status, user: Self.support))
            let providerSees = [ClaimStatus.paid, .samplingInProgress, .samplingProviderNotApproved].contains(status)
            #expect(ClaimAccess.mayView(schoolURN: 100_001, providerCode: "1AB", status: status, user: Self.provider) == providerSees)
            #expect(!ClaimAccess.mayView(schoolURN: 100_001, providerCode: "9ZZ", status: status, user: Self.provider))
        }
    }

    @Test func aSchoolDeletesItsDraftsSupportAlsoSubmittedClaimsAndNothingLaterIsDeleted() {
        for status in ClaimStatus.allCases {
            for role in Role.allCases {
                let allowed = (status == .draft && role != .provider) || (status == .submitted && role == .support)
                var refused: IntakeError?
                do { try ClaimAccess.delete(status, by: role) } catch { refused = error }
                #expect((refused == nil) == allowed, "\(role) deleting a \(status) claim")
                if role == .provider { #expect(refused == .forbidden("Provider users cannot delete claims.")) }
            }
        }
        #expect(throws: IntakeError.forbidden("A submitted claim can only be deleted by the Department for Education; contact support.")) {
            try ClaimAccess.delete(.submitted, by: .school)
        }
    }

    @Test func onlyASchoolUserSubmitsAndOnlyWithTheDeclaration() {
        #expect(throws: IntakeError.forbidden("Only a user of the school can submit its claim.")) {
            try ClaimAccess.submit(by: .support, declarationAccepted: true)
        }
        #expect(throws: IntakeError.self) { try ClaimAccess.submit(by: .school, declarationAccepted: false) }
        #expect(throws: Never.self) { try ClaimAccess.submit(by: .school, declarationAccepted: true) }
    }

    static let accredited = ProviderRecord(code: "1AB", name: "Best Training", ukprn: "10012345", accredited: true, emailAddresses: [])

    func facts(eligible: Bool = true, conditions: Bool = true, provider: ProviderRecord? = accredited, remaining: Int = 20) -> ClaimFacts {
        ClaimFacts(
            schoolName: "Alder Primary",
            yearLabel: "2025 to 2026",
            eligible: eligible,
            grantConditionsAccepted: conditions,
            provider: provider,
            mentorsOnList: ["1234567": ("Jo", "Bloggs"), "7654321": ("Al", "Smith")],
            remainingHours: ["1234567": remaining, "7654321": remaining]
        )
    }

    @Test func aClaimWithinTheAllowanceGivesItsLinesAndIsPricedAtTheRate() throws {
        let request = ClaimRequest(providerCode: "1ab", mentors: [.init(trn: "1234567", hours: 12), .init(trn: "7654321", hours: 8)])
        let (provider, lines) = try ClaimCheck.check(request, facts())
        #expect(provider.code == "1AB" && lines.map(\.hours) == [12, 8] && lines[0].firstName == "Jo")
        let price = try ClaimCheck.price(lines, rate: Pence(5_360), region: .innerLondon)
        #expect(price.hours == 20 && price.amount == Pence(107_200))
        #expect(throws: IntakeError.conflict("No funding rate is set for inner_london in this academic year.")) {
            try ClaimCheck.price(lines, rate: nil, region: .innerLondon)
        }
    }

    @Test func everyBrokenRuleIsNamedInTheOrderOfTheForm() {
        let request = ClaimRequest(
            providerCode: "1AB",
            mentors: [.init(trn: "12", hours: 5), .init(trn: "1234567", hours: 25), .init(trn: "1234567", hours: 1), .init(trn: "5555555", hours: 1)]
        )
        do {
            _ = try ClaimCheck.check(request, facts(eligible: false, conditions: false, remaining: 20))
            Issue.record("the check passed")
        } catch {
            guard case .invalid(let errors) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(
                errors.map(\.field) == ["school_urn", "school_urn", "mentors[0].trn", "mentors[1].hours", "mentors[2].trn", "mentors[3].trn"]
            )
            #expect(errors[0].message == "Alder Primary is not eligible to claim for 2025 to 2026")
            #expect(errors[4].message == "This mentor is already on the claim")
            #expect(errors[5].message == "Add the mentor with TRN 5555555 to the school's list first")
        }
    }

    @Test func anUnaccreditedOrUnknownProviderIsRefused() {
        let request = ClaimRequest(providerCode: "1AB", mentors: [.init(trn: "1234567", hours: 1)])
        let unaccredited = ProviderRecord(code: "1AB", name: "Old", ukprn: "10012345", accredited: false, emailAddresses: [])
        for provider in [unaccredited, nil] {
            #expect(throws: IntakeError.invalid([FieldError(field: "provider_code", message: "Choose an accredited provider")])) {
                try ClaimCheck.check(request, facts(provider: provider))
            }
        }
    }
}
