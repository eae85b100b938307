import Foundation
import ServiceSupport
import TestSupport
import Testing

@testable import AuditSampling

/// What the provider portal and support's audit pages read: a provider's file without an emailed
/// link, its sampled claims, and the list of samples with their progress; each only for who may see it.
@Suite struct AuditReadsTests {
    @Test func aProviderUserReadsOnlyItsOwnFileAndClaimsSignedInAndSupportReadsEvery() async throws {
        let h = try await AuditHarness()
        defer { h.tearDown() }
        try h.paidClaim("31111111", urn: 1, mentors: [("1111111", 10), ("2222222", 6)])
        let support = try await h.token("support-1")
        let sample = try await h.http.send(
            .post,
            "/api/v1/audit/samples",
            token: support,
            body: "claim_reference,sample_reason\n31111111,Checked\n",
            contentType: "text/csv"
        )
        #expect(sample.status == 201, "\(sample.text)")
        let request = try #require((sample.json?["providers"] as? [[String: Any]])?.first?["request_id"] as? Int)

        let own = try await h.token("provider-1", role: .provider, providers: ["1AB"])
        let other = try await h.token("provider-2", role: .provider, providers: ["9ZZ"])
        let school = try await h.token("school-1", role: .school)
        let file = try await h.http.send(.get, "/api/v1/audit/provider-requests/\(request)/csv", token: own)
        #expect(file.status == 200 && file.text.contains("31111111") && file.text.contains("mentor_trn"), "\(file.status) \(file.text)")
        #expect(try await h.http.send(.get, "/api/v1/audit/provider-requests/\(request)/csv", token: support).status == 200)
        #expect(try await h.http.send(.get, "/api/v1/audit/provider-requests/\(request)/csv", token: other).status == 404)
        #expect(try await h.http.send(.get, "/api/v1/audit/provider-requests/\(request)/csv", token: school).status == 403)
        #expect(try await h.http.send(.get, "/api/v1/audit/provider-requests/\(request)/csv").status == 401)
        // Reading it signed in uses up no emailed link.
        let links = try await h.service.database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM link_hashes WHERE used_at IS NOT NULL") }
        #expect(links == 0)

        let mine = try await h.http.send(.get, "/api/v1/audit/claims?provider_code=1AB", token: own)
        let items = mine.json?["items"] as? [[String: Any]] ?? []
        #expect(items.count == 1 && items.first?["reference"] as? String == "31111111" && items.first?["status"] as? String == "sampling_in_progress")
        #expect((try await h.http.send(.get, "/api/v1/audit/claims?provider_code=1AB", token: other).json?["items"] as? [Any])?.isEmpty == true)
        #expect((try await h.http.send(.get, "/api/v1/audit/claims", token: other).json?["items"] as? [Any])?.isEmpty == true)
        #expect((try await h.http.send(.get, "/api/v1/audit/claims", token: support).json?["items"] as? [Any])?.count == 1)
        #expect(try await h.http.send(.get, "/api/v1/audit/claims?provider_code=%27%20OR%201", token: support).status == 422)
        #expect(try await h.http.send(.get, "/api/v1/audit/claims", token: school).status == 403)

        // The provider answers one mentor no: its claims show the answer, the sample its progress.
        let answer = "claim_reference,mentor_trn,claim_accepted,rejection_reason\n31111111,1111111,yes,\n31111111,2222222,no,No record\n"
        #expect(
            try await h.http.send(.post, "/api/v1/audit/provider-requests/\(request)/response", token: own, body: answer, contentType: "text/csv")
                .status == 200
        )
        let answered = try await h.http.send(.get, "/api/v1/audit/claims?provider_code=1AB", token: own).json?["items"] as? [[String: Any]] ?? []
        #expect(answered.first?["mentors_accepted"] as? Int == 1 && answered.first?["mentors_not_accepted"] as? Int == 1)
        let samples = try await h.http.send(.get, "/api/v1/audit/samples", token: support)
        let listed = (samples.json?["items"] as? [[String: Any]])?.first
        let provider = (listed?["providers"] as? [[String: Any]])?.first
        #expect(
            listed?["claim_count"] as? Int == 1 && provider?["unanswered_claims"] as? Int == 0 && provider?["responded"] as? Bool == true,
            "\(samples.text)"
        )
        #expect(try await h.http.send(.get, "/api/v1/audit/samples", token: own).status == 403)
    }
}
