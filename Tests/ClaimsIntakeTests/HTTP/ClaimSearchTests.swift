import Foundation
import TestSupport
import Testing

@testable import ClaimsIntake

@Suite struct ClaimSearchTests {
    func world() async throws -> IntakeHarness {
        let h = try await IntakeHarness.make(now: "2025-11-03T10:00:00Z")
        try await h.putProvider("1AB")
        try await h.putProvider("2CD")
        try await h.openWindow(2025, "2025-11-01", "2026-01-31")
        return h
    }

    func references(_ reply: TestHTTP.Reply) -> [String] {
        (reply.json?["items"] as? [[String: Any]])?.compactMap { $0["reference"] as? String } ?? []
    }

    @Test func aMATUserListsClaimsAcrossBothOfTheirSchoolsAndNoOthers() async throws {
        let h = try await world()
        defer { h.tearDown() }
        for urn in [100001, 100002, 100003] {
            _ = try await h.readySchool(urn)
            try await h.putSchool(urn, name: "School \(urn)", trust: ["uid": "T1", "name": "Trust One"])
        }
        let mat = try await h.token(.school, urns: [100001, 100002])
        var mine: [String] = []
        for urn in [100001, 100002] {
            let reply = try await h.createClaim(urn, token: mat, mentors: [("1234567", 2)])
            #expect(reply.status == 201)
            mine.append(try #require(reply.json?["reference"] as? String))
        }
        let other = try await h.token(.school, urns: [100003])
        _ = try await h.createClaim(100003, token: other, mentors: [("1234567", 2)])
        let listed = try await h.http.send(.get, "/api/v1/claims?sort=reference", token: mat)
        #expect(listed.status == 200)
        #expect(Set(references(listed)) == Set(mine))
        #expect(listed.json?["total"] as? Int == 2)
        let summary = try await h.http.send(.get, "/api/v1/trusts/T1/summary", token: mat)
        #expect(summary.json?["schools"] as? [Int] == [100001, 100002])
    }

    @Test func supportFiltersSortsAndPagesSubmittedClaimsButNeverSeesDrafts() async throws {
        let h = try await world()
        defer { h.tearDown() }
        let school = try await h.readySchool(100001, mentors: ["1111111", "2222222", "3333333"])
        var submitted: [String] = []
        for (trn, hours) in [("1111111", 3), ("2222222", 5)] {
            let reference = try #require(try await h.createClaim(100001, token: school, mentors: [(trn, hours)]).json?["reference"] as? String)
            h.clock.advance(by: 60)
            _ = try await h.submit(reference, token: school)
            submitted.append(reference)
        }
        _ = try await h.createClaim(100001, token: school, mentors: [("3333333", 1)])  // a draft
        let support = try await h.support
        let all = try await h.http.send(.get, "/api/v1/claims?sort=-amount", token: support)
        #expect(references(all) == [submitted[1], submitted[0]])
        let bySubmission = try await h.http.send(.get, "/api/v1/claims?status=submitted&sort=submitted_at", token: support)
        #expect(references(bySubmission) == submitted)
        let paged = try await h.http.send(.get, "/api/v1/claims?per_page=1&page=2&sort=submitted_at", token: support)
        #expect(references(paged) == [submitted[1]])
        #expect(paged.json?["total"] as? Int == 2)
        #expect(paged.json?["per_page"] as? Int == 1)
        let byMentor = try await h.http.send(.get, "/api/v1/claims?mentor_trn=2222222", token: support)
        #expect(references(byMentor) == [submitted[1]])
        let bySchoolName = try await h.http.send(.get, "/api/v1/claims?q=School%20100", token: support)
        #expect(bySchoolName.json?["total"] as? Int == 2)
        let byReference = try await h.http.send(.get, "/api/v1/claims?q=\(submitted[0])", token: support)
        #expect(references(byReference) == [submitted[0]])
        let dated = try await h.http.send(.get, "/api/v1/claims?submitted_after=2025-11-04", token: support)
        #expect(dated.json?["total"] as? Int == 0)
        #expect(try await h.http.send(.get, "/api/v1/claims?status=nonsense", token: support).status == 422)
        #expect(try await h.http.send(.get, "/api/v1/claims?per_page=101", token: support).status == 422)
        #expect(try await h.http.send(.get, "/api/v1/claims?sort=password", token: support).status == 422)
        let schoolSummary = try await h.http.send(.get, "/api/v1/schools/100001/summary", token: school)
        let year = (schoolSummary.json?["years"] as? [[String: Any]])?.first
        #expect(year?["claimed_pence"] as? Int == 8 * 5360)
        #expect((year?["claims_by_status"] as? [String: Int])?["draft"] == 1)
    }

    @Test func providerUsersSeeOnlyTheirProvidersPaidAndSampledClaims() async throws {
        let h = try await world()
        defer { h.tearDown() }
        let school = try await h.readySchool(100001)
        let reference = try #require(try await h.createClaim(100001, token: school, mentors: [("1234567", 2)]).json?["reference"] as? String)
        _ = try await h.submit(reference, token: school)
        let provider = try await h.token(.provider, providers: ["1AB"])
        #expect(try await h.http.send(.get, "/api/v1/claims", token: provider).json?["total"] as? Int == 0)
        try await h.service.database.write { try $0.execute(sql: "UPDATE claims SET status = 'paid' WHERE reference = ?", arguments: [reference]) }
        #expect(references(try await h.http.send(.get, "/api/v1/claims", token: provider)) == [reference])
        let otherProvider = try await h.token(.provider, providers: ["2CD"])
        #expect(try await h.http.send(.get, "/api/v1/claims", token: otherProvider).json?["total"] as? Int == 0)
    }

    @Test func theExportIsSupportOnlyAndNeutralisesFormulas() async throws {
        let h = try await world()
        defer { h.tearDown() }
        let school = try await h.readySchool(100001, name: "=HYPERLINK(\"x\")")
        let reference = try #require(try await h.createClaim(100001, token: school, mentors: [("1234567", 16)]).json?["reference"] as? String)
        _ = try await h.submit(reference, token: school)
        #expect(try await h.http.send(.get, "/api/v1/claims/export.csv", token: school).status == 403)
        let export = try await h.http.send(.get, "/api/v1/claims/export.csv", token: try await h.support)
        #expect(export.status == 200)
        #expect(export.headers["content-type"] == "text/csv; charset=utf-8")
        let lines = export.text.components(separatedBy: "\r\n")
        #expect(
            lines[0]
                == "claim_reference,school_urn,school_name,school_local_authority,school_type_of_establishment,school_group,provider_code,provider_name,academic_year,claim_amount,claim_submission_date,claim_status,flags"
        )
        #expect(
            lines[1]
                == "\(reference),100001,\"'=HYPERLINK(\"\"x\"\")\",Islington,Community school,Local authority maintained schools,1AB,Provider 1AB,2025,857.60,2025-11-03,submitted,"
        )
    }

    @Test func theExportListsClaimsInTheOrderAsked() async throws {
        let h = try await world()
        defer { h.tearDown() }
        let school = try await h.readySchool(100001, mentors: ["1111111", "2222222"])
        var byHours: [String] = []
        for (trn, hours) in [("1111111", 9), ("2222222", 2)] {
            let reference = try #require(try await h.createClaim(100001, token: school, mentors: [(trn, hours)]).json?["reference"] as? String)
            _ = try await h.submit(reference, token: school)
            byHours.append(reference)
        }
        func exported(_ sort: String) async throws -> [String] {
            let reply = try await h.http.send(.get, "/api/v1/claims/export.csv?sort=\(sort)", token: try await h.support)
            return reply.text.components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }.map { String($0.prefix(8)) }
        }
        #expect(try await exported("amount") == [byHours[1], byHours[0]])
        #expect(try await exported("-amount") == [byHours[0], byHours[1]])
        #expect(try await exported("reference") == byHours.sorted())
    }

    @Test func everyQueryParameterOutOfRangeIsRefusedNamingIt() async throws {
        let h = try await world()
        defer { h.tearDown() }
        let support = try await h.support
        let cases: [(String, String)] = [
            ("page=9223372036854775807", "page"), ("page=0", "page"), ("page=10001", "page"), ("page=-1", "page"),
            ("per_page=0", "per_page"), ("per_page=1e3", "per_page"),
            ("academic_year=99999999999999999999", "academic_year"), ("academic_year=1899", "academic_year"),
            ("claim_window_id=-5", "claim_window_id"), ("claim_window_id=abc", "claim_window_id"),
            ("school_urn=0", "school_urn"), ("school_urn=12345678", "school_urn"),
            ("submitted_after=2025-02-30", "submitted_after"), ("submitted_before=99999-01-01", "submitted_before"),
            ("submitted_after=0000-01-01", "submitted_after"), ("flagged=maybe", "flagged"),
            ("mentor_trn=12", "mentor_trn"), ("q=\(String(repeating: "a", count: 10_000))", "q"),
        ]
        for (query, field) in cases {
            let reply = try await h.http.send(.get, "/api/v1/claims?\(query)", token: support)
            #expect(reply.status == 422, "\(query.prefix(40))")
            let fields = (reply.json?["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
            #expect(fields == [field], "\(query.prefix(40))")
        }
        let fine = try await h.http.send(.get, "/api/v1/claims?page=10000&per_page=100", token: support)
        #expect(fine.status == 200)
    }
}

@Suite struct ClaimListItemTests {
    @Test func eachListedClaimNamesItsProviderAndSaysWhatHappensNext() async throws {
        let h = try await IntakeHarness.make(now: "2025-11-03T10:00:00Z")
        defer { h.tearDown() }
        try await h.putProvider("1AB")
        try await h.openWindow(2025, "2025-11-01", "2026-01-31")
        let school = try await h.readySchool(100001, mentors: ["1111111", "2222222"])
        let draft = try #require(try await h.createClaim(100001, token: school, mentors: [("1111111", 3)]).json?["reference"] as? String)
        let submitted = try #require(try await h.createClaim(100001, token: school, mentors: [("2222222", 5)]).json?["reference"] as? String)
        _ = try await h.submit(submitted, token: school)
        let listed = try await h.http.send(.get, "/api/v1/claims?school_urn=100001&sort=reference", token: school)
        let items = listed.json?["items"] as? [[String: Any]] ?? []
        let byReference = Dictionary(uniqueKeysWithValues: items.compactMap { item in (item["reference"] as? String).map { ($0, item) } })
        for reference in [draft, submitted] {
            let item = try #require(byReference[reference])
            let provider = item["provider"] as? [String: Any]
            #expect(provider?["code"] as? String == "1AB" && (provider?["name"] as? String)?.isEmpty == false)
            #expect(item["provider_code"] as? String == "1AB")
            // The same sentence as on the claim itself.
            let claim = try await h.http.send(.get, "/api/v1/claims/\(reference)", token: school)
            #expect(item["next_step"] as? String == claim.json?["next_step"] as? String)
        }
        #expect((byReference[draft]?["next_step"] as? String)?.contains("31 January 2026") == true)
    }
}
