import Foundation
import TestSupport
import Testing

@testable import ClaimsIntake

/// Drafts across claim windows, the end of a window, the mentor limit and drafts made by support.
@Suite struct DraftWindowTests {
    func world(now: String) async throws -> IntakeHarness {
        let h = try await IntakeHarness.make(now: now)
        try await h.putProvider("1AB")
        return h
    }

    @Test func aDraftFromAClosedWindowIsSubmittedInTheYearsNextWindowAndBelongsToIt() async throws {
        let h = try await world(now: "2025-11-03T10:00:00Z")
        defer { h.tearDown() }
        let first = try #require(try await h.openWindow(2025, "2025-11-01", "2025-11-30").json?["id"] as? Int)
        let second = try #require(try await h.openWindow(2025, "2026-01-05", "2026-02-27").json?["id"] as? Int)
        let school = try await h.readySchool(100001)
        let reference = try #require(try await h.createClaim(100001, token: school, mentors: [("1234567", 4)]).json?["reference"] as? String)
        // Between the windows: nothing can change, and the next step names the next window, not a past date.
        h.clock.set("2025-12-10T10:00:00Z")
        let waiting = try await h.http.send(.get, "/api/v1/claims/\(reference)", token: school)
        let step = try #require(waiting.json?["next_step"] as? String)
        #expect(step.contains("Monday 5 January 2026"), "\(step)")
        #expect(!step.contains("November"))
        #expect(try await h.submit(reference, token: school).status == 422)
        // In the next window of the same year it can be edited and submitted, and moves to it.
        h.clock.set("2026-01-06T10:00:00Z")
        let open = try await h.http.send(.get, "/api/v1/claims/\(reference)", token: school)
        #expect((open.json?["next_step"] as? String)?.contains("Friday 27 February 2026") == true)
        let edited = try await h.http.send(
            .patch,
            "/api/v1/claims/\(reference)",
            token: school,
            json: ["provider_code": "1AB", "mentors": [["trn": "1234567", "hours": 5]]]
        )
        #expect(edited.status == 200, "\(edited.text)")
        #expect(edited.json?["claim_window_id"] as? Int == second)
        let submitted = try await h.submit(reference, token: school)
        #expect(submitted.status == 200, "\(submitted.text)")
        #expect(submitted.json?["claim_window_id"] as? Int == second)
        let payload = try h.published("claim.submitted").first?["payload"] as? [String: Any]
        #expect(payload?["claim_window_id"] as? Int == second)
        #expect(first != second)
        let actions = (try await h.http.send(.get, "/api/v1/claims/\(reference)/activity", token: school).json?["items"] as? [[String: Any]])?
            .compactMap { $0["action"] as? String }
        #expect(actions == ["created", "moved_window", "edited", "submitted"])
    }

    @Test func aDraftIsNeverSubmittedInAnotherAcademicYearsWindow() async throws {
        let h = try await world(now: "2025-11-03T10:00:00Z")
        defer { h.tearDown() }
        _ = try await h.openWindow(2025, "2025-11-01", "2025-11-30")
        let rates = try await h.http.send(
            .put,
            "/api/v1/funding-rates/2026",
            token: try await h.support,
            json: [
                "inner_london_pence": 5400, "outer_london_pence": 4900, "fringe_pence": 4600, "rest_of_england_pence": 4400,
            ]
        )
        #expect(rates.status == 200, "\(rates.text)")
        let next = try await h.openWindow(2026, "2026-09-07", "2026-10-30")
        #expect(next.status == 201, "\(next.text)")
        let school = try await h.readySchool(100001)
        let reference = try #require(try await h.createClaim(100001, token: school, mentors: [("1234567", 4)]).json?["reference"] as? String)
        h.clock.set("2026-09-08T10:00:00Z")
        let refused = try await h.submit(reference, token: school)
        #expect(refused.status == 422)
        #expect(refused.text.contains("2025 to 2026"))
    }

    @Test func aWindowIsOpenUntilTheLastMillisecondOfItsClosingDayInLondon() async throws {
        let h = try await world(now: "2025-11-03T10:00:00Z")
        defer { h.tearDown() }
        _ = try await h.openWindow(2025, "2025-11-01", "2025-11-30")
        let school = try await h.readySchool(100001)
        h.clock.set("2025-11-30T23:59:59.500Z")  // GMT in November: London time
        #expect(try await h.createClaim(100001, token: school, mentors: [("1234567", 1)]).status == 201)
        h.clock.set("2025-12-01T00:00:00.000Z")
        #expect(try await h.createClaim(100001, token: school, mentors: [("7654321", 1)]).status == 422)
    }

    @Test func aClaimHasAtMostFiftyMentors() async throws {
        let h = try await world(now: "2025-11-03T10:00:00Z")
        defer { h.tearDown() }
        _ = try await h.openWindow(2025, "2025-11-01", "2026-01-31")
        let trns = (0..<51).map { String(format: "%07d", 3_000_000 + $0) }
        let school = try await h.readySchool(100001, mentors: trns)
        let tooMany = try await h.createClaim(100001, token: school, mentors: trns.map { ($0, 1) })
        #expect(tooMany.status == 422)
        #expect((tooMany.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "mentors")
        #expect(try await h.createClaim(100001, token: school, mentors: trns.prefix(50).map { ($0, 1) }).status == 201)
    }

    @Test func aDraftMadeBySupportTellsTheSchoolItIsWaitingForThem() async throws {
        let h = try await world(now: "2025-11-03T10:00:00Z")
        defer { h.tearDown() }
        _ = try await h.openWindow(2025, "2025-11-01", "2026-01-31")
        let school = try await h.readySchool(100001)
        #expect(try await h.createClaim(100001, token: school, mentors: [("1234567", 2)]).status == 201)
        #expect(try h.published("claim.draft-created").isEmpty)  // the school's own draft needs no email
        let drafted = try await h.createClaim(100001, token: try await h.support, mentors: [("7654321", 3)])
        #expect(drafted.status == 201, "\(drafted.text)")
        let message = try #require(try h.published("claim.draft-created").first?["payload"] as? [String: Any])
        #expect(message["reference"] as? String == drafted.json?["reference"] as? String)
        #expect(message["by_support"] as? Bool == true)
        #expect((message["school"] as? [String: Any])?["contact_emails"] as? [String] == ["office@100001.example.com"])
        #expect((message["created_by"] as? [String: Any])?["email"] as? String == "support@education.example")
        #expect((message["mentors"] as? [[String: Any]])?.first?["hours"] as? Int == 3)
    }
}
