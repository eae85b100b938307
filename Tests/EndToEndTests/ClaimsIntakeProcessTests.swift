import Foundation
import TestSupport
import Testing

/// claims-intake as a real process, read over the real bus by another process.
@Suite(.serialized) struct ClaimsIntakeProcessTests {
    @Test func aSubmittedClaimReachesAnotherProcessAsClaimSubmittedWithTheFrozenAmount() async throws {
        let cluster = try ServiceCluster()
        defer { cluster.killAll() }
        try cluster.start("claims-intake")
        let http = cluster.http("claims-intake")
        try await Eventually.wait("claims-intake to answer", timeout: 30) { try await http.get("/health").status == 200 }
        let support = try cluster.token(["--role", "support", "--email", "support@education.example"])
        let school = try cluster.token(["--role", "school", "--urn", "100001", "--email", "head@school.example"])
        func send(_ method: String, _ path: String, _ token: String, _ json: [String: Any]) async throws -> TestHTTP.Reply {
            try await http.send(method, path, token: token, body: try JSONSerialization.data(withJSONObject: json))
        }
        #expect(
            try await send(
                "PUT",
                "/api/v1/schools/100001",
                support,
                [
                    "name": "Hillside Primary", "postcode": "N1 1AA", "local_authority": "Islington", "type_of_establishment": "Academy",
                    "group": "Academies", "region": "inner_london", "contact_emails": ["office@hillside.example.com"],
                ]
            ).status == 201
        )
        #expect(
            try await send(
                "PUT",
                "/api/v1/providers/1AB",
                support,
                [
                    "name": "Best Training", "ukprn": "10012345", "accredited": true, "email_addresses": ["q@best.example.com"],
                ]
            ).status == 201
        )
        // A window open today, whatever today is.
        let london = TimeZone(identifier: "Europe/London")!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = london
        let today = calendar.dateComponents([.year, .month, .day], from: Date())
        let year = today.month! >= 9 ? today.year! : today.year! - 1
        let dateText = String(format: "%04d-%02d-%02d", today.year!, today.month!, today.day!)
        _ = try await send(
            "PUT",
            "/api/v1/funding-rates/\(year)",
            support,
            [
                "inner_london_pence": 5360, "outer_london_pence": 4825, "fringe_pence": 4510, "rest_of_england_pence": 4380,
            ]
        )
        let window = try await send(
            "POST",
            "/api/v1/claim-windows",
            support,
            [
                "academic_year": year, "opens_on": dateText, "closes_on": "\(year + 1)-08-31",
            ]
        )
        #expect(window.status == 201, "\(window.text)")
        #expect(try await send("POST", "/api/v1/schools/100001/eligibility", support, ["academic_year": year]).status == 201)
        #expect(try await send("POST", "/api/v1/schools/100001/grant-conditions", school, [:]).status == 201)
        for trn in ["1234567", "7654321"] {
            #expect(
                try await send("POST", "/api/v1/schools/100001/mentors", school, ["trn": trn, "first_name": "M", "last_name": trn]).status == 201
            )
        }
        let draft = try await send(
            "POST",
            "/api/v1/schools/100001/claims",
            school,
            [
                "provider_code": "1AB", "mentors": [["trn": "1234567", "hours": 10], ["trn": "7654321", "hours": 6]],
            ]
        )
        let reference = try #require(draft.json?["reference"] as? String, "\(draft.text)")
        let submitted = try await send("POST", "/api/v1/claims/\(reference)/submit", school, ["declaration_accepted": true])
        #expect(submitted.status == 200)
        let script = BuiltProducts.packageRoot.appendingPathComponent("Tests/Scripts/bus_watch.py").path
        let watch = try ProcessLauncher.run(
            "/usr/bin/env",
            arguments: ["python3", script, "--endpoint", "tcp://127.0.0.1:\(cluster.busPorts["claims-intake"]!)", "--type", "claim.submitted"]
        )
        #expect(watch.status == 0, "\(watch.output)")
        let envelope = try JSONSerialization.jsonObject(with: Data((watch.output.split(separator: "\n").last ?? "").utf8)) as? [String: Any]
        let payload = envelope?["payload"] as? [String: Any]
        #expect(envelope?["producer"] as? String == "claims-intake")
        #expect(payload?["reference"] as? String == reference)
        #expect(payload?["amount_pence"] as? Int == 16 * 5360)
        #expect(payload?["rate_pence"] as? Int == 5360)
        #expect((payload?["mentors"] as? [[String: Any]])?.count == 2)
        await cluster.tearDown()
    }
}
