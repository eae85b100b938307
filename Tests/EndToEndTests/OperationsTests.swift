import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What an operator relies on: a graceful stop under load loses nothing, and `/ready` says 200
/// only once a service has caught up with what its peers published.
@Suite(.serialized) struct OperationsTests {
    @Test func sigtermUnderLoadLosesNothingAndReadyWaitsUntilCaughtUp() async throws {
        let cluster = try ServiceCluster()
        defer { cluster.killAll() }
        try cluster.startAll()
        try await cluster.waitAllReady()
        let j = try Journey(cluster: cluster, smtp: nil)
        let client = RobustClient()
        let school = try cluster.token(["--role", "school", "--urn", "100001", "--email", "head@school.example"])
        try await j.expect(
            201,
            j.intake,
            "PUT",
            "/api/v1/providers/1AB",
            j.support,
            ["name": "Best Training", "ukprn": "10012345", "accredited": true, "email_addresses": ["q@best.example"]]
        )
        try await j.expect(
            201,
            j.intake,
            "PUT",
            "/api/v1/schools/100001",
            j.support,
            [
                "name": "Hillside Primary", "postcode": "N1 1AA", "local_authority": "Islington", "type_of_establishment": "Academy",
                "group": "Academies", "region": "inner_london", "contact_emails": ["office@hillside.example.com"],
            ]
        )
        try await j.openWindow()
        try await j.expect(201, j.intake, "POST", "/api/v1/schools/100001/eligibility", j.support, ["academic_year": j.year])
        try await j.expect(201, j.intake, "POST", "/api/v1/schools/100001/grant-conditions", school, [:])

        // payments stops gracefully and stays down while claims are submitted.
        await cluster.processes["payments"]!.stop()
        #expect(cluster.processes["payments"]!.exitStatus == 0)

        // 300 claims from 6 clients; claims-intake gets SIGTERM twice in the middle and is
        // restarted at once; clients retry what was refused.
        let claims = 300
        let book = ReferenceBook()
        let load = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<6 {
                    group.addTask {
                        for i in stride(from: w, to: claims, by: 6) {
                            let trn = String(format: "%07d", 4_000_000 + i)
                            _ = try await client.call(
                                j.intake,
                                "POST",
                                "/api/v1/schools/100001/mentors",
                                school,
                                json: ["trn": trn, "first_name": "M", "last_name": "\(i)"],
                                accept: [201, 409]
                            )
                            let draft = try await client.call(
                                j.intake,
                                "POST",
                                "/api/v1/schools/100001/claims",
                                school,
                                json: ["provider_code": "1AB", "mentors": [["trn": trn, "hours": 3]]],
                                headers: ["Idempotency-Key": "ops-\(i)"],
                                accept: [201]
                            )
                            guard let reference = draft.json?["reference"] as? String else { continue }
                            _ = try await client.call(
                                j.intake,
                                "POST",
                                "/api/v1/claims/\(reference)/submit",
                                school,
                                json: ["declaration_accepted": true],
                                accept: [200, 409]
                            )
                            book.map.withLock { $0[i] = reference }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        var graceful = 0
        for _ in 0..<2 {
            try await Eventually.wait("load to be under way", timeout: 60, interval: .milliseconds(20)) {
                book.map.withLock { $0.count } >= 60 * (graceful + 1)
            }
            let intake = cluster.processes["claims-intake"]!
            intake.send(SIGTERM)
            #expect(await intake.waitForExit(timeout: 10))
            #expect(intake.exitStatus == 0, "claims-intake did not exit cleanly on SIGTERM")
            graceful += 1
            try cluster.start("claims-intake")
        }
        try await load.value
        let references = book.map.withLock { $0 }
        #expect(references.count == claims)
        let submitted = try await client.call(j.intake, "GET", "/api/v1/claims?status=submitted&per_page=1", j.support).json?["total"] as? Int
        #expect(submitted == claims, "every acknowledged submission is there after two graceful stops")

        // payments comes back: /ready is 200 only once it holds every claim.
        try cluster.start("payments")
        var notReadyAnswers = 0
        try await Eventually.wait("payments to be ready", timeout: 60, interval: .milliseconds(10)) {
            let ready = try await j.payments.get("/ready")
            if ready.status != 200 { notReadyAnswers += 1 }
            return ready.status == 200
        }
        let ledger = try await j.payments.get("/api/v1/payments/ledger", token: j.support)
        let claimed = (ledger.json?["totals"] as? [String: Int])?["claimed_pence"]
        #expect(claimed == claims * 3 * 5360, "ready, but payments holds \(claimed ?? 0) of \(claims * 3 * 5360) pence")
        #expect(notReadyAnswers > 0)
        print(
            "operations: \(graceful) SIGTERMs under load, \(client.retries) client retries, \(claims) claims kept; /ready answered 503 \(notReadyAnswers) times while payments caught up"
        )
        await cluster.tearDown()
    }
}
