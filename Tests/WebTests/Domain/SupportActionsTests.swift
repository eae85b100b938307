import Testing

@testable import Web

/// What support may do on a claim's page, from each service's own view of it.
@Suite struct SupportActionsTests {
    @Test func aSubmittedClaimCanBeDeletedUntilPaymentsHasSentIt() {
        #expect(SupportActions(intake: "submitted", paying: nil, auditing: nil, hasRejectedMentors: false).delete)
        #expect(SupportActions(intake: "submitted", paying: "submitted", auditing: nil, hasRejectedMentors: false).delete)
        #expect(!SupportActions(intake: "submitted", paying: "payment_in_progress", auditing: nil, hasRejectedMentors: false).delete)
        #expect(!SupportActions(intake: "submitted", paying: "deleted", auditing: nil, hasRejectedMentors: false).delete)
        #expect(!SupportActions(intake: "draft", paying: nil, auditing: nil, hasRejectedMentors: false).delete)
    }

    @Test func theInformationLoopFollowsPaymentsStatus() {
        let requested = SupportActions(
            intake: "payment_information_requested",
            paying: "payment_information_requested",
            auditing: nil,
            hasRejectedMentors: false
        )
        #expect(requested.informationSent && requested.paid && requested.reject && requested.any)
        let sent = SupportActions(intake: "payment_information_sent", paying: "payment_information_sent", auditing: nil, hasRejectedMentors: false)
        #expect(!sent.informationSent && sent.paid && sent.reject)
        let paid = SupportActions(intake: "paid", paying: "paid", auditing: "paid", hasRejectedMentors: false)
        #expect(paid == SupportActions(intake: "x", paying: "unknown", auditing: "unknown", hasRejectedMentors: false))
        #expect(!paid.any)
    }

    @Test func theAuditStepsFollowAuditsStatus() {
        #expect(SupportActions(intake: "paid", paying: "paid", auditing: "sampling_in_progress", hasRejectedMentors: false).approve)
        let notApproved = SupportActions(intake: "x", paying: nil, auditing: "sampling_provider_not_approved", hasRejectedMentors: true)
        #expect(notApproved.approve && notApproved.schoolResponse)
        #expect(!SupportActions(intake: "x", paying: nil, auditing: "sampling_provider_not_approved", hasRejectedMentors: false).schoolResponse)
        #expect(SupportActions(intake: "x", paying: nil, auditing: "sampling_not_approved", hasRejectedMentors: false).clawback)
        #expect(SupportActions(intake: "x", paying: nil, auditing: "clawback_rejected", hasRejectedMentors: false).clawback)
        #expect(SupportActions(intake: "x", paying: nil, auditing: "clawback_requires_approval", hasRejectedMentors: false).decide)
    }

    @Test func supportFiltersByEverySubmittedStatus() {
        #expect(ClaimStatus.submittedStatuses.count == 14)
        #expect(!ClaimStatus.submittedStatuses.contains(.draft))
        #expect(ClaimStatus.draft ~= "draft" && !(ClaimStatus.draft ~= nil) && !(ClaimStatus.draft ~= "Draft"))
    }
}
