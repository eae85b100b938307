import ClaimsIntakeAPI
import Foundation
import ServiceSupport

/// The claims-intake reads that many pages share, through its generated client, as web's models.
extension ServiceClient {
    func school(_ urn: Int, as actor: AuthenticatedUser) async throws -> SchoolAPI {
        try SchoolAPI(reading: try await claimsIntake(as: actor) { try await $0.getSchool(path: .init(urn: urn)).ok.body.json })
    }

    func claim(_ reference: String, as actor: AuthenticatedUser) async throws -> ClaimAPI {
        try ClaimAPI(reading: try await claimsIntake(as: actor) { try await $0.getClaim(path: .init(reference: reference)).ok.body.json })
    }

    /// A claim's history, oldest first.
    func activity(_ reference: String, as actor: AuthenticatedUser) async throws -> [ActivityAPI] {
        try [ActivityAPI](
            reading: try await claimsIntake(as: actor) { try await $0.claimActivity(path: .init(reference: reference)).ok.body.json.items }
        )
    }

    func schoolSummary(_ urn: Int, as actor: AuthenticatedUser) async throws -> SchoolSummaryAPI {
        try SchoolSummaryAPI(reading: try await claimsIntake(as: actor) { try await $0.schoolSummary(path: .init(urn: urn)).ok.body.json })
    }

    func rates(_ year: Int, as actor: AuthenticatedUser) async throws -> RatesAPI {
        try RatesAPI(reading: try await claimsIntake(as: actor) { try await $0.getFundingRates(path: .init(academicYear: year)).ok.body.json })
    }

    func mentors(_ urn: Int, as actor: AuthenticatedUser) async throws -> [MentorAPI] {
        try await mentorList(urn, as: actor).mentors
    }

    /// The school's mentors, and whether a mentor is added by TRN and date of birth (the Teaching
    /// Record System configured in claims-intake) rather than by name.
    func mentorList(_ urn: Int, as actor: AuthenticatedUser) async throws -> (mentors: [MentorAPI], fromRecord: Bool) {
        let list = try await claimsIntake(as: actor) { try await $0.listMentors(path: .init(urn: urn)).ok.body.json }
        return (try [MentorAPI](reading: list.items), list.namesFromTeachingRecord)
    }

    /// How many of the hours of `trn`'s allowance with `provider` are left this year.
    func allowance(_ urn: Int, _ trn: String, provider: String, as actor: AuthenticatedUser) async throws -> AllowanceAPI {
        try AllowanceAPI(
            reading: try await claimsIntake(as: actor) {
                try await $0.mentorAllowance(path: .init(urn: urn, trn: trn), query: .init(provider: provider)).ok.body.json
            }
        )
    }

    /// The window open now (404 when none is).
    func currentWindow(as actor: AuthenticatedUser) async throws -> WindowAPI {
        try WindowAPI(reading: try await claimsIntake(as: actor) { try await $0.currentClaimWindow().ok.body.json })
    }

    func windows(as actor: AuthenticatedUser) async throws -> [WindowAPI] {
        try [WindowAPI](reading: try await claimsIntake(as: actor) { try await $0.listClaimWindows().ok.body.json.items })
    }

    /// Providers whose name or code matches `search` (accredited ones unless `all`).
    func providers(matching search: String?, all: Bool? = nil, as actor: AuthenticatedUser) async throws -> [ProviderAPI] {
        try [ProviderAPI](
            reading: try await claimsIntake(as: actor) { try await $0.listProviders(query: .init(q: search, all: all)).ok.body.json.items }
        )
    }

    /// How many claims are in one of `statuses`, for the counts on support's pages.
    func claimCount(_ statuses: [ClaimsIntakeAPI.Components.Schemas.ClaimStatus], as actor: AuthenticatedUser) async throws -> Int {
        try await claimsIntake(as: actor) { try await $0.searchClaims(query: .init(status: statuses, perPage: 1)).ok.body.json.total }
    }

    /// A page of the claims `query` finds.
    func claims(
        _ query: ClaimsIntakeAPI.Operations.SearchClaims.Input.Query,
        as actor: AuthenticatedUser
    ) async throws -> ItemsAPI<ClaimListItemAPI> {
        try ItemsAPI<ClaimListItemAPI>(reading: try await claimsIntake(as: actor) { try await $0.searchClaims(query: query).ok.body.json })
    }
}
