import Foundation
import TestSupport
import Testing

@testable import ClaimsIntake

@Suite struct ReferenceDataTests {
    @Test func supportUpsertsASchoolAndItsUsersSeeItsRateEligibilityAndConditions() async throws {
        let h = try await IntakeHarness.make()
        defer { h.tearDown() }
        #expect(try await h.putSchool(100001).status == 201)
        #expect(try await h.putSchool(100001, name: "Hillside Primary School").status == 200)
        try await h.openWindow()
        let school = try await h.token(.school, urns: [100001])
        var view = try await h.http.send(.get, "/api/v1/schools/100001", token: school)
        #expect(view.status == 200)
        #expect(view.json?["name"] as? String == "Hillside Primary School")
        #expect(view.json?["postcode"] as? String == "N1 1AA")
        #expect(view.json?["hourly_rate_pence"] as? Int == 5360)
        #expect(view.json?["academic_year"] as? Int == 2025)
        #expect(view.json?["eligible"] as? Bool == false)
        #expect(view.json?["grant_conditions_accepted"] as? Bool == false)
        #expect(
            try await h.http.send(.post, "/api/v1/schools/100001/eligibility", token: try await h.support, json: ["academic_year": 2025]).status
                == 201
        )
        let accepted = try await h.http.send(.post, "/api/v1/schools/100001/grant-conditions", token: school, json: [:])
        #expect(accepted.status == 201)
        #expect(accepted.json?["accepted_by"] as? String == "school-100001@example.com")
        view = try await h.http.send(.get, "/api/v1/schools/100001", token: school)
        #expect(view.json?["eligible"] as? Bool == true)
        #expect(view.json?["grant_conditions_accepted"] as? Bool == true)
        #expect(try h.published("school.upserted").count == 2)
        #expect(try h.published("school.eligibility-granted").count == 1)
    }

    @Test func anotherSchoolsUserGets404AndOnlySupportChangesReferenceData() async throws {
        let h = try await IntakeHarness.make()
        defer { h.tearDown() }
        try await h.putSchool(100001)
        let other = try await h.token(.school, urns: [200002])
        #expect(try await h.http.send(.get, "/api/v1/schools/100001", token: other).status == 404)
        #expect(try await h.http.send(.post, "/api/v1/schools/100001/grant-conditions", token: other, json: [:]).status == 404)
        #expect(try await h.http.send(.post, "/api/v1/schools/100001/grant-conditions", token: try await h.support, json: [:]).status == 403)
        let put = try await h.http.send(.put, "/api/v1/schools/100001", token: other, json: ["name": "x"])
        #expect(put.status == 403)
        #expect(try await h.http.send(.get, "/api/v1/schools/100001").status == 401)
    }

    @Test func aBadSchoolIsRefusedWithAMessagePerFieldAndChangesNothing() async throws {
        let h = try await IntakeHarness.make()
        defer { h.tearDown() }
        let reply = try await h.http.send(
            .put,
            "/api/v1/schools/100001",
            token: try await h.support,
            json: [
                "name": " ", "postcode": "N1", "local_authority": "Islington", "type_of_establishment": "Academy", "group": "Academies",
                "region": "scotland", "contact_emails": ["not-an-email"],
            ]
        )
        #expect(reply.status == 422)
        let fields = (reply.json?["errors"] as? [[String: String]])?.compactMap { $0["field"] } ?? []
        #expect(Set(fields) == ["name", "region", "contact_emails"])
        #expect(try h.published("school.upserted").isEmpty)
        #expect(try await h.http.send(.put, "/api/v1/schools/12345678", token: try await h.support, json: [:]).status == 404)
        #expect(try await h.http.send(.put, "/api/v1/schools/100001", token: try await h.support, body: "{\"name\":").status == 400)
        #expect(try await h.http.send(.put, "/api/v1/schools/100001", token: try await h.support, json: ["name": 5]).status == 422)
    }

    @Test func providersAreSearchedByNameCodeOrUKPRNAndOnlyAccreditedOnesAreListed() async throws {
        let h = try await IntakeHarness.make()
        defer { h.tearDown() }
        #expect(try await h.putProvider("1AB", name: "Best Teacher Training").status == 201)
        try await h.putProvider("2CD", accredited: false, name: "Best Unaccredited")
        let school = try await h.token(.school, urns: [100001])
        let found = try await h.http.send(.get, "/api/v1/providers?q=best", token: school)
        let codes = (found.json?["items"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
        #expect(codes == ["1AB"])
        #expect(try h.published("provider.upserted").count == 2)
    }

    @Test func fundingRatesShowTheMostAMentorCanEarnAndChangesAreRecorded() async throws {
        let h = try await IntakeHarness.make()
        defer { h.tearDown() }
        let school = try await h.token(.school, urns: [100001])
        let rates = try await h.http.send(.get, "/api/v1/funding-rates/2025", token: school)
        #expect(rates.json?["inner_london_pence"] as? Int == 5360)
        let most = rates.json?["most_a_mentor_can_earn"] as? [String: [String: Int]]
        #expect(most?["inner_london"]?["initial_pence"] == 16 * 5360)
        #expect(most?["inner_london"]?["refresher_pence"] == 6 * 5360)
        #expect(try await h.http.send(.get, "/api/v1/funding-rates/2030", token: school).status == 404)
        let set = try await h.http.send(
            .put,
            "/api/v1/funding-rates/2026",
            token: try await h.support,
            json: [
                "inner_london_pence": 5500, "outer_london_pence": 4900, "fringe_pence": 4600, "rest_of_england_pence": 4400,
            ]
        )
        #expect(set.status == 200)
        #expect(try await h.http.send(.put, "/api/v1/funding-rates/2026", token: school, json: [:]).status == 403)
        let changes = try await h.service.database.read {
            try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM funding_rate_changes WHERE set_by = 'support@education.example'")
        }
        #expect(changes == 4)
    }

    @Test func claimWindowsFollowEveryRuleAndTellHowLongIsLeft() async throws {
        let h = try await IntakeHarness.make(now: "2026-01-29T10:00:00Z")
        defer { h.tearDown() }
        let created = try await h.openWindow(2025, "2025-11-01", "2026-01-31")
        #expect(created.status == 201)
        let school = try await h.token(.school, urns: [100001])
        let current = try await h.http.send(.get, "/api/v1/claim-windows/current", token: school)
        #expect(current.json?["days_left"] as? Int == 3)
        #expect(current.json?["closes_at"] as? String == "2026-01-31T23:59:59Z")
        let overlap = try await h.openWindow(2025, "2026-01-15", "2026-03-31")
        #expect(overlap.status == 422)
        #expect((overlap.json?["errors"] as? [[String: String]])?.first?["field"] == "opens_on")
        #expect(try await h.openWindow(2027, "2027-10-01", "2027-12-31").status == 422)  // no rates for 2027
        let later = try await h.openWindow(2025, "2026-04-01", "2026-06-30")
        #expect(later.status == 201)
        let list = try await h.http.send(.get, "/api/v1/claim-windows", token: school)
        #expect((list.json?["items"] as? [[String: Any]])?.compactMap { $0["state"] as? String } == ["current", "upcoming"])
        let laterID = later.json?["id"] as? Int ?? 0
        #expect(try await h.http.send(.delete, "/api/v1/claim-windows/\(laterID)", token: try await h.support).status == 204)
        h.clock.set("2026-02-02T10:00:00Z")
        let firstID = created.json?["id"] as? Int ?? 0
        #expect(try await h.http.send(.delete, "/api/v1/claim-windows/\(firstID)", token: try await h.support).status == 409)
        #expect(try await h.http.send(.get, "/api/v1/claim-windows/current", token: school).status == 404)
        #expect(try h.published("claim-window.upserted").count == 2)
        #expect(try h.published("claim-window.removed").count == 1)
    }
}

@Suite struct SchoolImportTests {
    let header = "urn,name,postcode,local_authority,type_of_establishment,group,region,trust_uid,trust_name,contact_emails"

    @Test func aGoodFileCreatesAndUpdatesAndTheSameFileTwiceChangesNothing() async throws {
        let h = try await IntakeHarness.make()
        defer { h.tearDown() }
        let file =
            header + "\r\n100001,Hillside,N1 1AA,Islington,Academy,Academies,inner_london,T1,Trust One,a@x.example;b@x.example\r\n"
            + "100002,\"Oak, Primary\",E1 1AA,Tower Hamlets,Community school,LA maintained,outer_london,,,c@y.example\r\n"
        let support = try await h.support
        let first = try await h.http.send(.post, "/api/v1/schools/import", token: support, body: file, contentType: "text/csv")
        #expect(first.status == 200, "\(first.text)")
        #expect(first.json?["created"] as? Int == 2)
        let again = try await h.http.send(.post, "/api/v1/schools/import", token: support, body: file, contentType: "text/csv")
        #expect(again.json?["unchanged"] as? Int == 2)
        #expect(try h.published("school.upserted").count == 2)
        let school = try await h.http.send(.get, "/api/v1/schools/100002", token: support)
        #expect(school.json?["name"] as? String == "Oak, Primary")
    }

    @Test func aFileWithAnyBadRowChangesNothingAndNamesEveryRow() async throws {
        let h = try await IntakeHarness.make()
        defer { h.tearDown() }
        let file =
            header + "\n100001,Hillside,N1 1AA,Islington,Academy,Academies,inner_london,,,a@x.example\n"
            + "abc,No URN,N1,LA,Type,Group,inner_london,,,a@x.example\n"
            + "100003,Bad region,N1,LA,Type,Group,wales,T9,,a@x.example\n"
            + "100001,Duplicate,N1,LA,Type,Group,fringe,,,a@x.example\n"
        let reply = try await h.http.send(.post, "/api/v1/schools/import", token: try await h.support, body: file, contentType: "text/csv")
        #expect(reply.status == 422)
        let rows = (reply.json?["rejected"] as? [[String: Any]])?.compactMap { $0["row"] as? Int }
        #expect(rows == [3, 4, 5])
        #expect(try h.published("school.upserted").isEmpty)
        let missing = try await h.http.send(
            .post,
            "/api/v1/schools/import",
            token: try await h.support,
            body: "urn,name\n1,x\n",
            contentType: "text/csv"
        )
        #expect(missing.status == 422)
        #expect(missing.text.contains("The file needs a column called ‘postcode’"))
        #expect(
            try await h.http.send(.post, "/api/v1/schools/import", token: try await h.token(.school, urns: [1]), body: file, contentType: "text/csv")
                .status == 403
        )
    }
}
