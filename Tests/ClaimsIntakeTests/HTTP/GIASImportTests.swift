import Foundation
import TestSupport
import Testing

@testable import ClaimsIntake

/// Support uploads the GIAS extract exactly as the register publishes it.
@Suite struct GIASImportTests {
    typealias Establishment = GIASExtractFixture.Establishment

    static let mixed: [Establishment] = [
        Establishment(urn: 100001, name: "Islington Green Primary", district: "E09000019"),
        Establishment(urn: 100002, name: "Barnet Hill Academy", localAuthority: "Barnet", district: "E09000003"),
        Establishment(urn: 100003, name: "Crawley Down School", localAuthority: "West Sussex", district: "E07000226"),
        Establishment(
            urn: 100004,
            name: "St Mary’s Catholic School, Renée Road",
            localAuthority: "Leeds",
            type: "Academy converter",
            group: "Academies",
            district: "E08000035",
            trust: ("4001", "Aire Valley Learning Trust")
        ),
        Establishment(urn: 100005, name: "Old Mill Infants", status: "Closed", district: "E08000035"),
        Establishment(urn: 100006, name: "Ysgol Gymraeg", type: "Welsh establishment", district: "W06000015"),
        Establishment(urn: 100007, name: "Newtown Free School", status: "Proposed to open"),
        Establishment(urn: 100008, name: "Hastings Primary", status: "Open, but proposed to close", district: "E07000062"),
    ]

    func upload(_ h: IntakeHarness, _ file: Data) async throws -> TestHTTP.Reply {
        try await h.http.send(.post, "/api/v1/schools/import", token: try await h.support, data: file, contentType: "text/csv")
    }

    @Test func theExtractAsPublishedGivesEachOpenSchoolItsRegionFromItsDistrict() async throws {
        let h = try await IntakeHarness.make()
        defer { h.tearDown() }
        let file = GIASExtractFixture.file(Self.mixed)
        // As the register publishes it: ISO-8859-1 bytes, not UTF-8.
        #expect(String(data: file, encoding: .utf8) == nil)
        let reply = try await upload(h, file)
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.json?["format"] as? String == "gias_extract")
        #expect(reply.json?["created"] as? Int == 5)
        #expect(reply.json?["skipped"] as? Int == 3)
        let support = try await h.support
        let regions = try await [100001, 100002, 100003, 100004, 100008].asyncMap { urn in
            try await h.http.send(.get, "/api/v1/schools/\(urn)", token: support).json?["region"] as? String
        }
        #expect(regions == ["inner_london", "outer_london", "fringe", "rest_of_england", "rest_of_england"])
        let trustSchool = try await h.http.send(.get, "/api/v1/schools/100004", token: support).json
        #expect(trustSchool?["name"] as? String == "St Mary’s Catholic School, Renée Road")
        #expect((trustSchool?["trust"] as? [String: Any])?["uid"] as? String == "4001")
        #expect((trustSchool?["trust"] as? [String: Any])?["name"] as? String == "Aire Valley Learning Trust")
        #expect(trustSchool?["contact_emails"] as? [String] == [])
        for closed in [100005, 100006, 100007] {
            #expect(try await h.http.send(.get, "/api/v1/schools/\(closed)", token: support).status == 404)
        }
        #expect(try h.published("school.upserted").count == 5)
        // The import is recorded for support.
        let imports = try await h.http.send(.get, "/api/v1/schools/import", token: support).json?["imports"] as? [[String: Any]]
        #expect(imports?.first?["source"] as? String == "upload")
        #expect(imports?.first?["created"] as? Int == 5)
        #expect(imports?.first?["skipped"] as? Int == 3)
        #expect(try await h.http.send(.get, "/api/v1/schools/import", token: try await h.token(.school, urns: [100001])).status == 403)
    }

    @Test func onlyChangedSchoolsAreUpdatedAndPublishedAndContactsAreKept() async throws {
        let h = try await IntakeHarness.make()
        defer { h.tearDown() }
        try await h.putSchool(100001, name: "Islington Green", region: "inner_london")
        let first = try await upload(h, GIASExtractFixture.file(Self.mixed))
        #expect(first.json?["created"] as? Int == 4)
        #expect(first.json?["updated"] as? Int == 1)
        let again = try await upload(h, GIASExtractFixture.file(Self.mixed))
        #expect(again.json?["unchanged"] as? Int == 5)
        #expect(again.json?["updated"] as? Int == 0)
        let before = try h.published("school.upserted").count
        var changed = Self.mixed
        changed[1].name = "Barnet Hill Academy Trust School"  // renamed
        changed[2].district = "E08000025"  // moved out of the fringe
        let third = try await upload(h, GIASExtractFixture.file(changed))
        #expect(third.json?["updated"] as? Int == 2)
        #expect(third.json?["unchanged"] as? Int == 3)
        let published = try h.published("school.upserted")
        #expect(published.count == before + 2)
        let support = try await h.support
        #expect(try await h.http.send(.get, "/api/v1/schools/100003", token: support).json?["region"] as? String == "rest_of_england")
        #expect(try await h.http.send(.get, "/api/v1/schools/100002", token: support).json?["name"] as? String == "Barnet Hill Academy Trust School")
        // The extract holds no contact addresses: the school's own are kept.
        #expect(
            try await h.http.send(.get, "/api/v1/schools/100001", token: support).json?["contact_emails"] as? [String] == [
                "office@100001.example.com"
            ]
        )
    }

    @Test func aFileCutShortChangesNothingAndSaysSo() async throws {
        let h = try await IntakeHarness.make()
        defer { h.tearDown() }
        let whole = GIASExtractFixture.file(GIASExtractFixture.generated(count: 200))
        let cut = whole.prefix(whole.count - 700)
        let reply = try await upload(h, Data(cut))
        #expect(reply.status == 422)
        let rejected = reply.json?["rejected"] as? [[String: Any]] ?? []
        #expect(rejected.count == 1)
        #expect((rejected.first?["message"] as? String)?.contains("cut short") == true)
        #expect(try h.published("school.upserted").isEmpty)
        // A file that is neither format names what it lacks.
        let other = try await upload(h, Data("URN,EstablishmentName\n1,x\n".utf8))
        #expect(other.status == 422)
        #expect(other.text.contains("The file needs a column called ‘name’"))
    }

    @Test func theRegionsAreTheDfEServicesLists() {
        #expect(RegionalAreas.innerLondon.count == 19)
        #expect(RegionalAreas.outerLondon.count == 14)
        #expect(RegionalAreas.innerLondon.isDisjoint(with: RegionalAreas.outerLondon))
        #expect(RegionalAreas.fringe.isDisjoint(with: RegionalAreas.innerLondon.union(RegionalAreas.outerLondon)))
        #expect(RegionalAreas.region(ofDistrict: "e09000033") == .innerLondon)
        #expect(RegionalAreas.region(ofDistrict: "E06000039") == .fringe)
        #expect(RegionalAreas.region(ofDistrict: "") == .restOfEngland)
    }

    @Test func theDailySyncIsDueAfterItsLondonTimeForThePreviousDay() {
        func due(_ instant: String, _ hour: Int = 3, _ minute: Int = 0) -> String {
            GIASSync.dueExtract(at: ISO8601DateFormatter().date(from: instant)!, hour: hour, minute: minute)
        }
        // Winter: London is on GMT.
        #expect(due("2026-12-02T02:59:00Z") == "2026-11-30")
        #expect(due("2026-12-02T03:00:00Z") == "2026-12-01")
        // Summer: 03:00 in London is 02:00 GMT.
        #expect(due("2026-07-02T01:59:00Z") == "2026-06-30")
        #expect(due("2026-07-02T02:00:00Z") == "2026-07-01")
        #expect(due("2026-12-02T00:00:00Z", 0, 0) == "2026-12-01")
        #expect(GIASSync.fileName(of: "2026-12-01") == "edubasealldata20261201.csv")
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
