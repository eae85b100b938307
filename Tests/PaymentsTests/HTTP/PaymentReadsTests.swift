import Foundation
import ServiceSupport
import TestSupport
import Testing

@testable import Payments

/// What support's payments pages read: the count and total a run would hold, each run's links
/// (never their tokens), clawback runs, and a run's file signed in without using up a link.
@Suite struct PaymentReadsTests {
    @Test func theCheckPageTotalsTheLinksStatesAndTheSignedInFileAreTrue() async throws {
        let h = try await PaymentsHarness()
        defer { h.tearDown() }
        try h.submitted("00000011", window: 1)
        try h.submitted("00000012", window: 1)
        try h.submitted("00000013", window: 2)
        let support = try await h.support
        let all = try await h.http.send(.get, "/api/v1/payments/payable", token: support)
        #expect(all.json?["claim_count"] as? Int == 3 && all.json?["total_pence"] as? Int == 3 * 85_760, "\(all.text)")
        let one = try await h.http.send(.get, "/api/v1/payments/payable?claim_window_id=1", token: support)
        #expect(one.json?["claim_count"] as? Int == 2 && one.json?["total_pence"] as? Int == 2 * 85_760)
        #expect(try await h.http.send(.get, "/api/v1/payments/payable?claim_window_id=x", token: support).status == 422)
        #expect(try await h.http.send(.get, "/api/v1/payments/payable?kind=both", token: support).status == 422)
        let clawbacks = try await h.http.send(.get, "/api/v1/payments/payable?kind=clawback", token: support)
        #expect(clawbacks.json?["claim_count"] as? Int == 0)

        let run = try await h.http.send(.post, "/api/v1/payments/runs", token: support, json: ["claim_window_id": 1])
        let id = try #require(run.json?["id"] as? Int)
        #expect(try await h.http.send(.get, "/api/v1/payments/payable?claim_window_id=1", token: support).json?["claim_count"] as? Int == 0)
        var detail = try await h.http.send(.get, "/api/v1/payments/runs/\(id)", token: support)
        var links = detail.json?["links"] as? [[String: Any]] ?? []
        #expect(links.count == 1 && links.first?["state"] as? String == "unused" && links.first?["recipient"] != nil, "\(detail.text)")
        #expect(!detail.text.contains("token"), "a run's view shows a link's token")

        // Signed in, the file is there without using the payer's link.
        let file = try await h.http.send(.get, "/api/v1/payments/runs/\(id)/csv", token: support)
        #expect(file.status == 200 && file.text.contains("00000011") && file.text.contains("00000012") && !file.text.contains("00000013"))
        #expect(try await h.http.send(.get, "/api/v1/payments/runs/\(id)/csv").status == 401)
        #expect(try await h.http.send(.get, "/api/v1/payments/runs/999/csv", token: support).status == 404)
        #expect(
            try await h.http.send(.get, "/api/v1/payments/clawback-runs/\(id)/csv", token: support).status == 404,
            "a payment run is no clawback run"
        )
        let school = try await DevelopmentToken.make(
            user: AuthenticatedUser(id: "s", email: "s@x.example", name: "S", role: .school, urns: [100001]),
            secret: PaymentsHarness.secret
        )
        #expect(try await h.http.send(.get, "/api/v1/payments/runs/\(id)/csv", token: school).status == 403)
        #expect(try await h.http.send(.get, "/api/v1/payments/payable", token: school).status == 403)

        // The payer downloads: the link is used; a resend replaces it with a new one.
        #expect(try await h.download(try h.latestLink()).status == 200)
        detail = try await h.http.send(.get, "/api/v1/payments/runs/\(id)", token: support)
        #expect((detail.json?["links"] as? [[String: Any]])?.first?["state"] as? String == "used")
        #expect(try await h.http.send(.post, "/api/v1/payments/runs/\(id)/resend", token: support).status == 200)
        links = try await h.http.send(.get, "/api/v1/payments/runs/\(id)", token: support).json?["links"] as? [[String: Any]] ?? []
        #expect(links.map { $0["state"] as? String ?? "" }.sorted() == ["unused", "used"], "\(links)")
        #expect((try await h.http.send(.get, "/api/v1/payments/clawback-runs", token: support).json?["items"] as? [Any])?.isEmpty == true)
    }
}
