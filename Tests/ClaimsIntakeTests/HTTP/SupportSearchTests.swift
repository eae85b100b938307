import Foundation
import ServiceSupport
import TestSupport
import Testing

@testable import ClaimsIntake

/// Support finding organisations: schools by URN, name, postcode or local authority, 25 a page;
/// providers that are no longer accredited too, for support only.
@Suite struct SupportSearchTests {
    @Test func supportFindsASchoolByAnyOfItsNamesAndOthersCannotListSchools() async throws {
        let h = try await IntakeHarness.make()
        defer { h.tearDown() }
        for urn in 100001...100030 { #expect(try await h.putSchool(urn, name: "School \(urn)").status == 201) }
        #expect(try await h.putSchool(200001, name: "Fir Tree Primary").status == 201)
        let support = try await h.support
        var page = try await h.http.send(.get, "/api/v1/schools?q=Fir%20Tree", token: support)
        #expect(page.json?["total"] as? Int == 1 && (page.json?["items"] as? [[String: Any]])?.first?["urn"] as? Int == 200001, "\(page.text)")
        page = try await h.http.send(.get, "/api/v1/schools?q=100007", token: support)
        #expect(page.json?["total"] as? Int == 1)
        page = try await h.http.send(.get, "/api/v1/schools?page=2", token: support)
        #expect(page.json?["total"] as? Int == 31 && (page.json?["items"] as? [Any])?.count == 6 && page.json?["page"] as? Int == 2)
        page = try await h.http.send(.get, "/api/v1/schools?q=%25", token: support)
        #expect(page.status == 200, "a wildcard in the search fails nothing")
        #expect(try await h.http.send(.get, "/api/v1/schools?page=0", token: support).status == 422)
        #expect(try await h.http.send(.get, "/api/v1/schools", token: try await h.token(.school, urns: [100001])).status == 403)
        #expect(try await h.http.send(.get, "/api/v1/schools").status == 401)
    }

    @Test func onlySupportSeesProvidersThatAreNotAccredited() async throws {
        let h = try await IntakeHarness.make()
        defer { h.tearDown() }
        #expect(try await h.putProvider("1AB").status == 201)
        #expect(try await h.putProvider("2CD", accredited: false, name: "Former Provider").status == 201)
        let support = try await h.support
        let school = try await h.token(.school, urns: [100001])
        func codes(_ path: String, _ token: String) async throws -> [String] {
            ((try await h.http.send(.get, path, token: token)).json?["items"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }.sorted()
        }
        #expect(try await codes("/api/v1/providers", support) == ["1AB"])
        #expect(try await codes("/api/v1/providers?all=true", support) == ["1AB", "2CD"])
        #expect(try await codes("/api/v1/providers?all=true", school) == ["1AB"])
        #expect(try await h.http.send(.get, "/api/v1/providers?all=maybe", token: support).status == 422)
    }
}

@Suite struct PlannerStatisticsTests {
    @Test func statisticsAreRefreshedAtStartAndWhenTheClaimsChangeByATenth() {
        #expect(PlannerStatistics.due(analysed: nil, now: 0))
        #expect(!PlannerStatistics.due(analysed: 0, now: 1_000))
        #expect(PlannerStatistics.due(analysed: 0, now: 1_001))
        #expect(!PlannerStatistics.due(analysed: 100_000, now: 110_000))
        #expect(PlannerStatistics.due(analysed: 100_000, now: 110_001))
        #expect(PlannerStatistics.due(analysed: 100_000, now: 89_999))
    }
}
