import Foundation
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
}
