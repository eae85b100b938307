import Foundation
import HTTPTypes
import OpenAPIRuntime
import Testing

@testable import Web

@Suite struct SupportConsoleRulesTests {
    @Test func aBrowsersFileUploadIsReadWithItsFieldsAndTheFileWhole() throws {
        let boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
        let csv = "claim_reference,claim_status\r\n12345678,paid\r\n--not-a-boundary\r\n"
        let body = [
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"_token\"\r\n\r\nabc+def\r\n",
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"response.csv\"\r\nContent-Type: text/csv\r\n\r\n\(csv)\r\n",
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"empty\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n",
            "--\(boundary)--\r\n",
        ].joined()
        let contentType = "multipart/form-data; boundary=\(boundary)"
        let parsedBoundary = try #require(Multipart.boundary(contentType))
        #expect(parsedBoundary == boundary)
        let form = try #require(Multipart.parse(Data(body.utf8), boundary: parsedBoundary))
        #expect(form["_token"] == "abc+def")
        #expect(form.files["file"]?.fileName == "response.csv")
        #expect(form.files["file"].map { String(decoding: $0.data, as: UTF8.self) } == csv)
        #expect(form.files["empty"] == nil, "an input with no file chosen is no file")
        #expect(Multipart.parse(Data("no boundary here".utf8), boundary: boundary) == nil)
        #expect(Multipart.parse(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\ncut off".utf8), boundary: boundary) == nil)
        #expect(Multipart.boundary("multipart/form-data") == nil)
    }

    @Test func ratesAreTypedInPoundsAndPenceAndKeptInPence() {
        #expect(SupportReferenceRoutes.pence("53.60") == 5_360)
        #expect(SupportReferenceRoutes.pence("£53.6") == 5_360)
        #expect(SupportReferenceRoutes.pence("1,053.05") == 105_305)
        #expect(SupportReferenceRoutes.pence("54") == 5_400)
        for bad in ["fifty", "53.605", "-1", "0", "0.00", "", "53.", "1e3"] { #expect(SupportReferenceRoutes.pence(bad) == nil, "\(bad)") }
        #expect(SupportReferenceRoutes.poundsField(5_360) == "53.60")
        #expect(SupportReferenceRoutes.poundsField(5_305) == "53.05")
    }

    @Test func aServicesJSONIsDressedForPeopleBesideWhatItSays() throws {
        let json = try JSONValue.parse(
            Data(
                #"{"status":"paid","amount_pence":107200,"due_on":"2026-05-01","open":true,"closed":false,"academic_year":2025,"items":[{"region":"inner_london"}]}"#
                    .utf8
            )
        )
        let values = json.values
        #expect(values["status_label"] as? String == "Paid" && values["status_colour"] as? String == "blue")
        #expect(values["amount_pence_text"] as? String == "£1,072.00" && values["amount_pence"] as? Int64 == 107_200)
        #expect(values["due_on_text"] as? String == "1 May 2026")
        #expect(values["open_yes"] as? Bool == true && values["closed_yes"] == nil)
        #expect(values["academic_year_text"] as? String == "2025 to 2026")
        #expect(json.items.first?["region_text"] as? String == "Inner London")
    }

    @Test func everySupportPageIsInOneSectionOfTheNavigation() {
        let expected = [
            ("support-claims", "claims"), ("support-claim", "claims"), ("support-clawback-check", "claims"), ("support-payments-run", "payments"),
            ("support-audit-sample", "audit"), ("support-school-form", "schools"), ("support-providers", "providers"),
            ("support-claim-windows", "claim-windows"), ("support-funding-rates", "funding-rates"), ("support-users", "users"),
            ("support-membership-new", "users"), ("support-notification-new", "notifications"),
        ]
        for (template, section) in expected { #expect(Site.supportSection(template) == section, "\(template)") }
    }

    @Test func theClaimFiltersAreReadByClaimsIntakesRulesBeforeClaimsIntakeIsAsked() throws {
        let good = try SupportClaimRoutes.search([
            ("academic_year", "2025"), ("claim_window_id", "3"), ("flagged", "true"), ("mentor_trn", "1234567"), ("q", "Oak"),
            ("school_urn", "100001"), ("sort", "-amount"), ("status", "paid"), ("status", "submitted"), ("status", "paid"),
            ("submitted_after", "2025-09-01"),
        ]).get()
        #expect(good.academicYear == 2025 && good.claimWindowId == 3 && good.flagged == true && good.schoolUrn == 100_001)
        #expect(good.status == [.paid, .submitted], "each status once")
        #expect(good.sort == ._hyphen_amount && good.mentorTrn == "1234567" && good.q == "Oak" && good.submittedAfter == "2025-09-01")
        let bad = SupportClaimRoutes.search([
            ("academic_year", "1999"), ("claim_window_id", "0"), ("flagged", "maybe"), ("school_urn", "12345678"), ("sort", "price"),
            ("status", "lost"),
        ])
        guard case .failure(.invalid(let fields, _)) = bad else {
            Issue.record("bad filters were not refused: \(bad)")
            return
        }
        let messages = Dictionary(fields.map { ($0.field, $0.message) }) { first, _ in first }
        #expect(Set(messages.keys) == ["academic_year", "claim_window_id", "flagged", "school_urn", "sort", "status"])
        #expect(messages["status"] == "'lost' is not a claim status")
        #expect(messages["school_urn"] == "Enter a URN: a whole number of up to 7 digits")
        #expect(messages["sort"]?.hasPrefix("Sort by one of") == true)
    }

    @Test func theGeneratedClientsCallAsThePersonAndTurnARefusalIntoWhatThePageShows() async throws {
        let middleware = AsSignedInPerson(token: "a.b.c", backend: .claimsIntake)
        var request = HTTPRequest(method: .delete, scheme: "http", authority: "127.0.0.1", path: "/api/v1/claims/12345678")
        request.headerFields[.ifMatch] = "%227%22"
        let sent = Sent()
        let refusal = #"{"type":"about:blank","title":"Invalid","status":422,"errors":[{"field":"reason","message":"Enter a reason"}]}"#
        await #expect(throws: ServiceCallError.invalid([ServiceFieldError(field: "reason", message: "Enter a reason")], detail: "Invalid")) {
            _ = try await middleware.intercept(request, body: nil, baseURL: URL(string: "http://127.0.0.1")!, operationID: "deleteClaim") {
                request,
                _,
                _ in
                await sent.record(request)
                return (HTTPResponse(status: .unprocessableContent), HTTPBody(refusal))
            }
        }
        let seen = try #require(await sent.request)
        #expect(seen.headerFields[.authorization] == "Bearer a.b.c")
        #expect(seen.headerFields[.ifMatch] == "\"7\"", "the entity tag as RFC 9110 writes it, not percent-encoded")
        let answer = try await middleware.intercept(request, body: nil, baseURL: URL(string: "http://127.0.0.1")!, operationID: "getClaim") {
            _,
            _,
            _ in (HTTPResponse(status: .ok), HTTPBody("{}"))
        }
        #expect(answer.0.status == .ok)
        await #expect(throws: ServiceCallError.notFound) {
            _ = try await middleware.intercept(request, body: nil, baseURL: URL(string: "http://127.0.0.1")!, operationID: "getClaim") {
                _,
                _,
                _ in (HTTPResponse(status: .notFound), nil)
            }
        }
    }
}

/// What a middleware passed on.
private actor Sent {
    var request: HTTPRequest?
    func record(_ request: HTTPRequest) { self.request = request }
}
