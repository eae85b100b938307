import Foundation
import TestSupport
import Testing

/// A claim's whole audit journey across claims-intake, payments and audit-sampling as real
/// processes over the real bus, driven through HTTP only.
@Suite(.serialized) struct AuditProcessTests {
    @Test func aPaidClaimIsSampledRejectedClawedBackWithApprovalAndCompleted() async throws {
        let cluster = try ServiceCluster(environment: ["PAYER_EMAIL_ADDRESSES": "payer@esfa.example"])
        defer { cluster.killAll() }
        try cluster.startAll()
        try await cluster.waitAllReady()
        let references = try await PaymentsProcessTests().seed(cluster, claims: 1)
        let reference = try #require(references.first)
        let first = try cluster.token(["--role", "support", "--email", "first@education.example", "--sub", "first"])
        let second = try cluster.token(["--role", "support", "--email", "second@education.example", "--sub", "second"])
        let providerUser = try cluster.token(["--role", "provider", "--provider-code", "1AB", "--email", "quality@best.example"])
        let intake = cluster.http("claims-intake")
        let payments = cluster.http("payments")
        let audit = cluster.http("audit-sampling")
        func post(_ http: TestHTTP, _ path: String, _ token: String, json: [String: Any] = [:]) async throws -> TestHTTP.Reply {
            try await http.send("POST", path, token: token, body: try JSONSerialization.data(withJSONObject: json))
        }
        func csv(_ http: TestHTTP, _ path: String, _ token: String, _ text: String) async throws -> TestHTTP.Reply {
            try await http.send("POST", path, token: token, body: Data(text.utf8), contentType: "text/csv")
        }
        func statusBecomes(_ status: String) async throws {
            try await Eventually.wait("claims-intake to show \(status)", timeout: 30, interval: .milliseconds(100)) {
                try await intake.get("/api/v1/claims/\(reference)", token: first).json?["status"] as? String == status
            }
        }
        // Pay it.
        var run: TestHTTP.Reply?
        try await Eventually.wait("a payment run", timeout: 30) {
            run = try await post(payments, "/api/v1/payments/runs", first)
            return run?.status == 201
        }
        try await statusBecomes("payment_in_progress")
        let runID = try #require(run?.json?["id"] as? Int)
        #expect(
            try await csv(
                payments,
                "/api/v1/payments/runs/\(runID)/response",
                first,
                "claim_reference,claim_status,claim_unpaid_reason\n\(reference),paid,\n"
            ).status == 200
        )
        try await statusBecomes("paid")
        // Sample it (audit-sampling must have learnt it is paid).
        var sample: TestHTTP.Reply?
        try await Eventually.wait("the claim to be sampled", timeout: 30) {
            sample = try await csv(audit, "/api/v1/audit/samples", first, "claim_reference,sample_reason\n\(reference),Random check\n")
            return sample?.status == 201
        }
        try await statusBecomes("sampling_in_progress")
        let requestID = try #require((sample?.json?["providers"] as? [[String: Any]])?.first?["request_id"] as? Int)
        let open = try await audit.get("/api/v1/audit/provider-requests", token: providerUser)
        #expect((open.json?["items"] as? [[String: Any]])?.count == 1)
        let trn = "1000000"
        let rejected = try await csv(
            audit,
            "/api/v1/audit/provider-requests/\(requestID)/response",
            providerUser,
            "claim_reference,mentor_trn,claim_accepted,rejection_reason\n\(reference),\(trn),no,No record of the training\n"
        )
        #expect(rejected.status == 200, "\(rejected.text)")
        try await statusBecomes("sampling_provider_not_approved")
        #expect(
            try await post(
                audit,
                "/api/v1/audit/claims/\(reference)/school-response",
                first,
                json: ["mentors": [["trn": trn, "reason": "Training records lost"]]]
            ).status == 200
        )
        try await statusBecomes("sampling_not_approved")
        #expect(
            try await post(
                audit,
                "/api/v1/audit/claims/\(reference)/clawback",
                first,
                json: ["mentors": [["trn": trn, "hours_trained": 0, "notes": "None evidenced"]]]
            ).status == 200
        )
        try await statusBecomes("clawback_requires_approval")
        #expect(try await post(audit, "/api/v1/audit/claims/\(reference)/clawback/decision", first, json: ["approved": true]).status == 403)
        #expect(try await post(audit, "/api/v1/audit/claims/\(reference)/clawback/decision", second, json: ["approved": true]).status == 200)
        try await statusBecomes("clawback_requested")
        var clawbackRun: TestHTTP.Reply?
        try await Eventually.wait("a clawback run", timeout: 30) {
            clawbackRun = try await post(payments, "/api/v1/payments/clawback-runs", first)
            return clawbackRun?.status == 201
        }
        try await statusBecomes("clawback_in_progress")
        let clawbackID = try #require(clawbackRun?.json?["id"] as? Int)
        #expect(
            try await csv(
                payments,
                "/api/v1/payments/clawback-runs/\(clawbackID)/response",
                first,
                "claim_reference,claim_status\n\(reference),clawback_complete\n"
            ).status == 200
        )
        try await statusBecomes("clawback_complete")
        let claim = try await intake.get("/api/v1/claims/\(reference)", token: first)
        #expect(claim.json?["clawback_amount_pence"] as? Int == 5360)
        let ledger = try await payments.get("/api/v1/payments/ledger", token: first)
        let totals = ledger.json?["totals"] as? [String: Int]
        #expect(totals?["paid_pence"] == 5360)
        #expect(totals?["clawed_back_pence"] == 5360)
        #expect(totals?["net_pence"] == 0)
        let activity = try await intake.get("/api/v1/claims/\(reference)/activity", token: first)
        let steps = (activity.json?["items"] as? [[String: Any]])?.compactMap { $0["to"] as? String } ?? []
        #expect(
            steps == [
                "draft", "submitted", "payment_in_progress", "paid", "sampling_in_progress", "sampling_provider_not_approved",
                "sampling_not_approved", "clawback_requires_approval", "clawback_requested", "clawback_in_progress", "clawback_complete",
            ]
        )
        await cluster.tearDown()
    }
}
