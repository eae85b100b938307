import Foundation
import TestSupport
import Testing

@testable import ClaimsIntake

@Suite struct ClaimTests {
    func world() async throws -> IntakeHarness {
        let h = try await IntakeHarness.make(now: "2025-11-03T10:00:00Z")
        try await h.putProvider("1AB")
        try await h.putProvider("2CD")
        try await h.putProvider("9ZZ", accredited: false)
        try await h.openWindow(2025, "2025-11-01", "2026-01-31")
        return h
    }

    @Test func anInnerLondonSchoolClaimingTenAndSixHoursIn2025Gets16Times5360Pence() async throws {
        let h = try await world()
        defer { h.tearDown() }
        let school = try await h.readySchool(100001)
        let draft = try await h.createClaim(100001, token: school, mentors: [("1234567", 10), ("76 54 321", 6)])
        #expect(draft.status == 201, "\(draft.text)")
        #expect(draft.json?["status"] as? String == "draft")
        let reference = try #require(draft.json?["reference"] as? String)
        #expect(reference.count == 8)
        let submitted = try await h.submit(reference, token: school)
        #expect(submitted.status == 200, "\(submitted.text)")
        #expect(submitted.json?["status"] as? String == "submitted")
        #expect(submitted.json?["total_hours"] as? Int == 16)
        #expect(submitted.json?["rate_pence"] as? Int == 5360)
        #expect(submitted.json?["amount_pence"] as? Int == 85_760)
        #expect((submitted.json?["next_step"] as? String)?.contains("after the claim window closes") == true)
        let message = try #require(try h.published("claim.submitted").first)
        let payload = message["payload"] as? [String: Any]
        #expect(payload?["amount_pence"] as? Int == 85_760)
        #expect(payload?["rate_pence"] as? Int == 5360)
        #expect((payload?["school"] as? [String: Any])?["region"] as? String == "inner_london")
        #expect(try h.published("claim.status-changed").count == 1)
        let activity = try await h.http.send(.get, "/api/v1/claims/\(reference)/activity", token: school)
        #expect((activity.json?["items"] as? [[String: Any]])?.compactMap { $0["action"] as? String } == ["created", "submitted"])
    }

    @Test func theAllowanceIsPerMentorPerProviderAcrossSchools() async throws {
        let h = try await world()
        defer { h.tearDown() }
        let a = try await h.readySchool(100001, mentors: ["1234567"])
        let b = try await h.readySchool(200002, region: "rest_of_england", mentors: ["1234567"])
        #expect(try await h.createClaim(100001, token: a, mentors: [("1234567", 10)]).status == 201)
        let tooMany = try await h.createClaim(200002, token: b, mentors: [("1234567", 7)])
        #expect(tooMany.status == 422)
        let error = (tooMany.json?["errors"] as? [[String: String]])?.first
        #expect(error?["field"] == "mentors[0].hours")
        #expect(error?["message"] == "Enter the number of hours between 1 and 6")
        #expect(try await h.createClaim(200002, token: b, mentors: [("1234567", 6)]).status == 201)
        #expect(try await h.createClaim(200002, token: b, provider: "2CD", mentors: [("1234567", 16)]).status == 201)
        let allowance = try await h.http.send(.get, "/api/v1/schools/200002/mentors/1234567/allowance?provider=1AB", token: b)
        #expect(allowance.json?["used_hours"] as? Int == 16)
        #expect(allowance.json?["remaining_hours"] as? Int == 0)
        #expect(allowance.json?["training_type"] as? String == "initial")
    }

    @Test func fiftyConcurrentClaimsForTheSameMentorNeverExceedTheAllowance() async throws {
        let h = try await world()
        defer { h.tearDown() }
        var tokens: [Int: String] = [:]
        for i in 0..<50 { tokens[300_000 + i] = try await h.readySchool(300_000 + i, mentors: ["5555555"]) }
        let http = h.http
        let created = try await withThrowingTaskGroup(of: Int.self) { group -> Int in
            for (urn, token) in tokens {
                group.addTask {
                    let reply = try await http.send(
                        .post,
                        "/api/v1/schools/\(urn)/claims",
                        token: token,
                        json: ["provider_code": "1AB", "mentors": [["trn": "5555555", "hours": 3]]]
                    )
                    guard reply.status == 201, let reference = reply.json?["reference"] as? String else { return 0 }
                    let submitted = try await http.send(
                        .post,
                        "/api/v1/claims/\(reference)/submit",
                        token: token,
                        json: ["declaration_accepted": true]
                    )
                    return submitted.status == 200 ? 3 : 0
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(created == 15)  // 5 claims of 3 hours fit in 16; the sixth would make 18
        let used = try await h.service.database.read { db in
            try ClaimStore.usedHours(db, trn: "5555555", provider: "1AB", year: 2025, excluding: nil)
        }
        #expect(used == 15)
    }

    @Test func submittingTheSameDraftTwiceAtOnceSubmitsItOnce() async throws {
        let h = try await world()
        defer { h.tearDown() }
        let school = try await h.readySchool(100001)
        let reference = try #require(try await h.createClaim(100001, token: school, mentors: [("1234567", 4)]).json?["reference"] as? String)
        let http = h.http
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group -> [Int] in
            for _ in 0..<2 {
                group.addTask {
                    try await http.send(.post, "/api/v1/claims/\(reference)/submit", token: school, json: ["declaration_accepted": true]).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.sorted() == [200, 409])
        #expect(try h.published("claim.submitted").count == 1)
    }

    @Test func aClaimCannotBeMadeOutsideAWindowOrWithoutEligibilityConditionsOrAnAccreditedProvider() async throws {
        let h = try await world()
        defer { h.tearDown() }
        let ready = try await h.readySchool(100001)
        #expect(try await h.createClaim(100001, token: ready, provider: "9ZZ", mentors: [("1234567", 4)]).status == 422)
        #expect(try await h.createClaim(100001, token: ready, provider: "NOPE", mentors: [("1234567", 4)]).status == 422)
        // Not eligible.
        try await h.putSchool(400004)
        let ineligible = try await h.token(.school, urns: [400004])
        _ = try await h.http.send(.post, "/api/v1/schools/400004/grant-conditions", token: ineligible, json: [:])
        _ = try await h.http.send(
            .post,
            "/api/v1/schools/400004/mentors",
            token: ineligible,
            json: ["trn": "1234567", "first_name": "A", "last_name": "B"]
        )
        let notEligible = try await h.createClaim(400004, token: ineligible, mentors: [("1234567", 4)])
        #expect(notEligible.status == 422)
        #expect(notEligible.text.contains("not eligible"))
        // Eligible, but grant conditions not accepted.
        try await h.putSchool(500005)
        _ = try await h.http.send(.post, "/api/v1/schools/500005/eligibility", token: try await h.support, json: ["academic_year": 2025])
        let noConditions = try await h.token(.school, urns: [500005])
        _ = try await h.http.send(
            .post,
            "/api/v1/schools/500005/mentors",
            token: noConditions,
            json: ["trn": "1234567", "first_name": "A", "last_name": "B"]
        )
        let unaccepted = try await h.createClaim(500005, token: noConditions, mentors: [("1234567", 4)])
        #expect(unaccepted.status == 422)
        #expect(unaccepted.text.contains("grant conditions"))
        // Support may create a draft but never submit it.
        let bySupport = try await h.createClaim(100001, token: try await h.support, mentors: [("1234567", 4)])
        #expect(bySupport.status == 201)
        let reference = try #require(bySupport.json?["reference"] as? String)
        #expect(try await h.submit(reference, token: try await h.support).status == 403)
        // After the window closes nothing can be created or submitted.
        h.clock.set("2026-02-01T00:00:00Z")
        let closed = try await h.createClaim(100001, token: ready, mentors: [("1234567", 4)])
        #expect(closed.status == 422)
        #expect(closed.text.contains("claim window"))
        #expect(try await h.submit(reference, token: ready).status == 422)
    }

    @Test func anotherSchoolsUserGets404OnEveryClaimEndpoint() async throws {
        let h = try await world()
        defer { h.tearDown() }
        let a = try await h.readySchool(100001)
        let b = try await h.readySchool(200002)
        let reference = try #require(try await h.createClaim(100001, token: a, mentors: [("1234567", 4)]).json?["reference"] as? String)
        #expect(try await h.http.send(.get, "/api/v1/claims/\(reference)", token: b).status == 404)
        #expect(try await h.http.send(.get, "/api/v1/claims/\(reference)/activity", token: b).status == 404)
        #expect(try await h.http.send(.patch, "/api/v1/claims/\(reference)", token: b, json: ["provider_code": "1AB", "mentors": []]).status == 404)
        #expect(try await h.submit(reference, token: b).status == 404)
        #expect(try await h.http.send(.delete, "/api/v1/claims/\(reference)", token: b).status == 404)
        #expect(try await h.createClaim(100001, token: b, mentors: [("1234567", 4)]).status == 404)
        #expect(try await h.http.send(.get, "/api/v1/schools/100001/mentors", token: b).status == 404)
        #expect(try await h.http.send(.get, "/api/v1/claims/99999999", token: a).status == 404)
        let provider = try await h.token(.provider, providers: ["1AB"])
        #expect(try await h.http.send(.get, "/api/v1/claims/\(reference)", token: provider).status == 404)
    }

    @Test func aRateChangeAfterSubmissionLeavesTheAmountButRepricesDrafts() async throws {
        let h = try await world()
        defer { h.tearDown() }
        let school = try await h.readySchool(100001)
        let submitted = try #require(try await h.createClaim(100001, token: school, mentors: [("1234567", 10)]).json?["reference"] as? String)
        _ = try await h.submit(submitted, token: school)
        let draft = try #require(try await h.createClaim(100001, token: school, mentors: [("7654321", 2)]).json?["reference"] as? String)
        _ = try await h.http.send(
            .put,
            "/api/v1/funding-rates/2025",
            token: try await h.support,
            json: [
                "inner_london_pence": 6000, "outer_london_pence": 4825, "fringe_pence": 4510, "rest_of_england_pence": 4380,
            ]
        )
        #expect(try await h.http.send(.get, "/api/v1/claims/\(submitted)", token: school).json?["amount_pence"] as? Int == 53_600)
        #expect(try await h.http.send(.get, "/api/v1/claims/\(draft)", token: school).json?["amount_pence"] as? Int == 12_000)
    }

    @Test func anIdempotencyKeyRepeatReturnsTheSameClaim() async throws {
        let h = try await world()
        defer { h.tearDown() }
        let school = try await h.readySchool(100001)
        let first = try await h.createClaim(100001, token: school, mentors: [("1234567", 4)], key: "k-1")
        let again = try await h.createClaim(100001, token: school, mentors: [("1234567", 4)], key: "k-1")
        #expect(first.status == 201 && again.status == 201, "\(again.status) \(again.text)")
        #expect(first.json?["reference"] as? String == again.json?["reference"] as? String)
        #expect(try await h.createClaim(100001, token: school, mentors: [("1234567", 5)], key: "k-1").status == 409)
        let count = try await h.service.database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM claims") }
        #expect(count == 1)
    }

    @Test func aStaleIfMatchGets412() async throws {
        let h = try await world()
        defer { h.tearDown() }
        let school = try await h.readySchool(100001)
        let created = try await h.createClaim(100001, token: school, mentors: [("1234567", 4)])
        let reference = try #require(created.json?["reference"] as? String)
        let etag = try #require(created.headers["etag"])
        let edited = try await h.http.send(
            .patch,
            "/api/v1/claims/\(reference)",
            token: try await h.support,
            json: ["provider_code": "1AB", "mentors": [["trn": "1234567", "hours": 5]]],
            headers: ["If-Match": etag]
        )
        #expect(edited.status == 200)
        let stale = try await h.http.send(.delete, "/api/v1/claims/\(reference)", token: try await h.support, headers: ["If-Match": etag])
        #expect(stale.status == 412)
        #expect(try await h.http.send(.get, "/api/v1/claims/\(reference)", token: school).status == 200)
    }

    @Test func badBodiesGet400413Or422NeverA500() async throws {
        let h = try await world()
        defer { h.tearDown() }
        let school = try await h.readySchool(100001)
        let path = "/api/v1/schools/100001/claims"
        #expect(try await h.http.send(.post, path, token: school, body: "{\"provider_code\": ").status == 400)
        #expect(try await h.http.send(.post, path, token: school, body: String(repeating: " ", count: (1 << 20) + 10)).status == 413)
        let wrongType = try await h.http.send(
            .post,
            path,
            token: school,
            json: ["provider_code": "1AB", "mentors": [["trn": "1234567", "hours": "ten"]]]
        )
        #expect(wrongType.status == 422)
        #expect((wrongType.json?["errors"] as? [[String: String]])?.first?["field"] == "mentors[0].hours")
        let badTRN = try await h.http.send(.post, path, token: school, json: ["provider_code": "1AB", "mentors": [["trn": "12", "hours": 1]]])
        #expect((badTRN.json?["errors"] as? [[String: String]])?.first?["field"] == "mentors[0].trn")
        let duplicate = try await h.createClaim(100001, token: school, mentors: [("1234567", 1), ("1234567", 1)])
        #expect((duplicate.json?["errors"] as? [[String: String]])?.first?["field"] == "mentors[1].trn")
        let injection = try await h.createClaim(100001, token: school, provider: "1AB'; DROP TABLE claims; --", mentors: [("1234567", 1)])
        #expect(injection.status == 422)
    }

    @Test func mentorsAreAddedOnceAndKeptWhileOnAnOpenClaim() async throws {
        let h = try await world()
        defer { h.tearDown() }
        let school = try await h.readySchool(100001, mentors: [])
        let add = ["trn": "123 4567", "first_name": "Ada", "last_name": "Lovelace"]
        #expect(try await h.http.send(.post, "/api/v1/schools/100001/mentors", token: school, json: add).status == 201)
        #expect(try await h.http.send(.post, "/api/v1/schools/100001/mentors", token: school, json: add).status == 409)
        let list = try await h.http.send(.get, "/api/v1/schools/100001/mentors", token: school)
        #expect((list.json?["items"] as? [[String: Any]])?.first?["trn"] as? String == "1234567")
        _ = try await h.createClaim(100001, token: school, mentors: [("1234567", 2)])
        #expect(try await h.http.send(.delete, "/api/v1/schools/100001/mentors/1234567", token: school).status == 409)
    }

    @Test func draftsAreDeletedBySchoolsAndSubmittedClaimsOnlyBySupport() async throws {
        let h = try await world()
        defer { h.tearDown() }
        let school = try await h.readySchool(100001)
        let draft = try #require(try await h.createClaim(100001, token: school, mentors: [("1234567", 2)]).json?["reference"] as? String)
        #expect(try await h.http.send(.delete, "/api/v1/claims/\(draft)", token: school).status == 204)
        let submitted = try #require(try await h.createClaim(100001, token: school, mentors: [("1234567", 2)]).json?["reference"] as? String)
        _ = try await h.submit(submitted, token: school)
        #expect(try await h.http.send(.delete, "/api/v1/claims/\(submitted)", token: school).status == 403)
        #expect(
            try await h.http.send(.delete, "/api/v1/claims/\(submitted)", token: try await h.support, json: ["reason": "Duplicate claim"]).status
                == 204
        )
        #expect(try h.published("claim.deleted").count == 1)
        // A deleted claim's reference is never issued again, and its activity remains.
        let used = try await h.service.database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM claim_references") }
        #expect(used == 2)
    }
}
