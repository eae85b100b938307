import Foundation
import GRDB
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// claims-intake and payments as real processes over the real bus.
@Suite(.serialized) struct PaymentsProcessTests {
    /// Sets up claims-intake with a school, provider, open window and `claims` submitted claims of
    /// one hour each (16 per mentor), all over HTTP.
    func seed(_ cluster: ServiceCluster, claims: Int) async throws -> [String] {
        let http = cluster.http("claims-intake")
        let support = try cluster.token(["--role", "support", "--email", "support@education.example"])
        let school = try cluster.token(["--role", "school", "--urn", "100001", "--email", "head@school.example"])
        func send(_ method: String, _ path: String, _ token: String, _ json: [String: Any]) async throws -> TestHTTP.Reply {
            try await http.send(method, path, token: token, body: try JSONSerialization.data(withJSONObject: json))
        }
        _ = try await send(
            "PUT",
            "/api/v1/schools/100001",
            support,
            [
                "name": "Hillside Primary", "postcode": "N1 1AA", "local_authority": "Islington", "type_of_establishment": "Academy",
                "group": "Academies", "region": "inner_london", "contact_emails": ["office@hillside.example.com"],
            ]
        )
        _ = try await send(
            "PUT",
            "/api/v1/providers/1AB",
            support,
            ["name": "Best Training", "ukprn": "10012345", "accredited": true, "email_addresses": ["q@best.example.com"]]
        )
        let journey = try Journey(cluster: cluster, smtp: nil)
        try await journey.openWindow()
        let year = journey.year
        _ = try await send("POST", "/api/v1/schools/100001/eligibility", support, ["academic_year": year])
        _ = try await send("POST", "/api/v1/schools/100001/grant-conditions", school, [:])
        let mentors = (claims + 15) / 16
        for m in 0..<mentors {
            _ = try await send(
                "POST",
                "/api/v1/schools/100001/mentors",
                school,
                ["trn": String(format: "%07d", 1_000_000 + m), "first_name": "M", "last_name": "\(m)"]
            )
        }
        return try await withThrowingTaskGroup(of: [String].self) { group in
            let workers = 8
            for w in 0..<workers {
                group.addTask {
                    var references: [String] = []
                    for c in stride(from: w, to: claims, by: workers) {
                        let draft = try await send(
                            "POST",
                            "/api/v1/schools/100001/claims",
                            school,
                            [
                                "provider_code": "1AB", "mentors": [["trn": String(format: "%07d", 1_000_000 + c / 16), "hours": 1]],
                            ]
                        )
                        guard let reference = draft.json?["reference"] as? String else { throw Eventually.TimedOut(what: "draft: \(draft.text)") }
                        let submitted = try await send("POST", "/api/v1/claims/\(reference)/submit", school, ["declaration_accepted": true])
                        guard submitted.status == 200 else { throw Eventually.TimedOut(what: "submit: \(submitted.text)") }
                        references.append(reference)
                    }
                    return references
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    func count(_ cluster: ServiceCluster, status: String, token: String) async throws -> Int {
        let reply = try await cluster.http("claims-intake").get("/api/v1/claims?status=\(status)&per_page=1", token: token)
        return reply.json?["total"] as? Int ?? -1
    }

    @Test func paymentsKilledDuringARunOf5000ClaimsLeavesTheWholeRunOrNoneAndClaimsIntakeAgrees() async throws {
        let cluster = try ServiceCluster(environment: ["PAYER_EMAIL_ADDRESSES": "payer@esfa.example"])
        defer { cluster.killAll() }
        try cluster.start("claims-intake")
        var payments = try cluster.start("payments")
        try await Eventually.wait("both to answer", timeout: 30) {
            let intake = try await cluster.http("claims-intake").get("/health").status
            let paying = try await cluster.http("payments").get("/health").status
            return intake == 200 && paying == 200
        }
        let references = try await seed(cluster, claims: 5000)
        #expect(references.count == 5000)
        let support = try cluster.token(["--role", "support", "--email", "support@education.example"])
        let paymentsDB = cluster.folder.path("payments/payments.sqlite")
        func paymentsCopy() throws -> Int {
            var configuration = Configuration()
            configuration.readonly = true
            return try DatabaseQueue(path: paymentsDB, configuration: configuration).read {
                try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM claims WHERE status = 'submitted'") ?? 0
            }
        }
        try await Eventually.wait("payments to learn all 5,000 claims", timeout: 120, interval: .milliseconds(200)) { try paymentsCopy() == 5000 }
        // Ask for the run, and SIGKILL payments while it is being made.
        let http = cluster.http("payments")
        let request = Task { try? await http.send("POST", "/api/v1/payments/runs", token: support, body: Data("{}".utf8)) }
        try await Task.sleep(for: .milliseconds(Int.random(in: 20...300)))
        payments.send(SIGKILL)
        _ = await request.value
        await payments.waitForExit(timeout: 10)
        payments = try cluster.start("payments")
        try await Eventually.wait("payments to answer again", timeout: 30) { try await http.get("/health").status == 200 }
        let (runs, inRuns) =
            try await cluster.http("payments").get("/api/v1/payments/runs", token: support).json.map { json -> (Int, Int) in
                let items = json["items"] as? [[String: Any]] ?? []
                return (items.count, items.compactMap { $0["claim_count"] as? Int }.reduce(0, +))
            } ?? (-1, -1)
        #expect(runs <= 1)
        #expect(inRuns == (runs == 1 ? 5000 : 0), "a run holds all 5,000 claims or there is none")
        let expected = runs == 1 ? "payment_in_progress" : "submitted"
        try await Eventually.wait("claims-intake to agree", timeout: 120, interval: .milliseconds(250)) {
            try await count(cluster, status: expected, token: support) == 5000
        }
        await cluster.tearDown()
    }

    @Test func aPayersResponseMovesClaimsToPaidAndInformationRequestedInClaimsIntake() async throws {
        let cluster = try ServiceCluster(environment: ["PAYER_EMAIL_ADDRESSES": "payer@esfa.example"])
        defer { cluster.killAll() }
        try cluster.startAll()
        try await cluster.waitAllReady()
        let references = try await seed(cluster, claims: 3).sorted()
        let support = try cluster.token(["--role", "support", "--email", "support@education.example"])
        let payments = cluster.http("payments")
        var run: TestHTTP.Reply?
        try await Eventually.wait("a run with the 3 claims", timeout: 30) {
            run = try await payments.send("POST", "/api/v1/payments/runs", token: support, body: Data("{}".utf8))
            return run?.status == 201
        }
        let id = try #require(run?.json?["id"] as? Int)
        #expect(run?.json?["claim_count"] as? Int == 3)
        let response =
            "claim_reference,claim_status,claim_unpaid_reason\r\n\(references[0]),paid,\r\n\(references[1]),unpaid,Bank details do not match\r\n\(references[2]),payment_in_progress,\r\n"
        let applied = try await payments.send(
            "POST",
            "/api/v1/payments/runs/\(id)/response",
            token: support,
            body: Data(response.utf8),
            contentType: "text/csv"
        )
        #expect(applied.status == 200, "\(applied.text)")
        let intake = cluster.http("claims-intake")
        try await Eventually.wait("claims-intake to show paid and information requested", timeout: 30) {
            let a = try await intake.get("/api/v1/claims/\(references[0])", token: support).json?["status"] as? String
            let b = try await intake.get("/api/v1/claims/\(references[1])", token: support).json?["status"] as? String
            let c = try await intake.get("/api/v1/claims/\(references[2])", token: support).json?["status"] as? String
            return a == "paid" && b == "payment_information_requested" && c == "payment_in_progress"
        }
        let unpaid = try await intake.get("/api/v1/claims/\(references[1])", token: support)
        #expect(unpaid.json?["status_reason"] as? String == "Bank details do not match")
        #expect(try await payments.send("POST", "/api/v1/payments/claims/\(references[1])/information-sent", token: support).status == 200)
        #expect(try await payments.send("POST", "/api/v1/payments/claims/\(references[1])/paid", token: support).status == 200)
        try await Eventually.wait("claims-intake to show the second claim paid", timeout: 30) {
            try await intake.get("/api/v1/claims/\(references[1])", token: support).json?["status"] as? String == "paid"
        }
        await cluster.tearDown()
    }
}
