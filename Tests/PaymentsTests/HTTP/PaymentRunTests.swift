import Foundation
import Messages
import ServiceSupport
import TestSupport
import Testing

@testable import Payments

@Suite struct PaymentRunTests {
    let header =
        "claim_reference,school_urn,school_name,school_local_authority,provider_name,claim_amount,school_type_of_establishment,school_group,claim_submission_date,claim_status,claim_unpaid_reason"

    @Test func aRunForOneWindowTakesOnlyThatWindowsClaimsAndTheFileIsByteExact() async throws {
        let h = try await PaymentsHarness()
        defer { h.tearDown() }
        try h.submitted("00000002", window: 1)
        try h.submitted("00000001", urn: 100002, school: "=HYPERLINK(\"x\")", window: 1)
        try h.submitted("00000003", window: 2)
        let support = try await h.support
        let run = try await h.http.send(.post, "/api/v1/payments/runs", token: support, json: ["claim_window_id": 1])
        #expect(run.status == 201, "\(run.text)")
        #expect(run.json?["claim_count"] as? Int == 2)
        #expect(run.json?["total_pence"] as? Int == 2 * 85_760)
        let link = try h.latestLink()
        let file = try await h.download(link)
        #expect(file.status == 200)
        #expect(file.headers["content-type"] == "text/csv; charset=utf-8")
        #expect(
            file.text == header + "\r\n"
                + "00000001,100002,\"'=HYPERLINK(\"\"x\"\")\",Islington,Best Training,857.60,Academy converter,Academies,2026-01-15,payment_in_progress,\r\n"
                + "00000002,100001,Hillside Primary,Islington,Best Training,857.60,Academy converter,Academies,2026-01-15,payment_in_progress,\r\n"
        )
        #expect(!file.text.contains("1234567"))  // no mentor personal data
        #expect(try h.published(PaymentRequested.type).count == 2)
        // The other window's claim is still payable; nothing else is.
        let second = try await h.http.send(.post, "/api/v1/payments/runs", token: support, json: [:])
        #expect(second.json?["claim_count"] as? Int == 1)
        #expect(try await h.http.send(.post, "/api/v1/payments/runs", token: support, json: [:]).status == 409)
        #expect(
            try await h.http.send(
                .post,
                "/api/v1/payments/runs",
                token: try await DevelopmentToken.make(
                    user: AuthenticatedUser(id: "s", email: "s@x.example", name: "S", role: .school, urns: [100001]),
                    secret: PaymentsHarness.secret
                ),
                json: [:]
            ).status == 403
        )
    }

    @Test func theLinkWorksOnceAndRefusesWhenUsedAlteredReplacedOrExpired() async throws {
        let h = try await PaymentsHarness()
        defer { h.tearDown() }
        try h.submitted("00000001")
        let support = try await h.support
        let run = try await h.http.send(.post, "/api/v1/payments/runs", token: support, json: [:])
        let id = try #require(run.json?["id"] as? Int)
        let link = try h.latestLink()
        #expect(try await h.http.send(.get, link + "x").status == 404)
        #expect(try await h.http.send(.post, link + "x", body: "", contentType: "application/x-www-form-urlencoded").status == 404)
        // Opening the link (as a mail scanner does) spends nothing: only the button does.
        for _ in 0..<3 { #expect(try await h.http.send(.get, link).status == 200) }
        #expect(try await h.download(link).status == 200)
        let again = try await h.http.send(.get, link)
        #expect(again.status == 410)
        #expect(again.text.contains("has been used"))
        #expect(try await h.http.send(.post, link, body: "", contentType: "application/x-www-form-urlencoded").status == 410)
        // The database holds a hash of each token, never the token.
        let token = String(link.split(separator: "=").last ?? "")
        let stored = try await h.service.database.read { try String.fetchAll($0, sql: "SELECT token_hash FROM link_hashes") }
        #expect(!stored.isEmpty && !stored.contains(token) && stored.contains(SingleUseLink.hash(token)))
        #expect(try await h.http.send(.post, "/api/v1/payments/runs/\(id)/resend", token: support).status == 200)
        let fresh = try h.latestLink()
        #expect(fresh != link)
        h.clock.advance(by: 7 * 24 * 3600 + 1)
        let expired = try await h.http.send(.get, fresh)
        #expect(expired.status == 410)
        #expect(expired.text.contains("expired"))
    }

    @Test func aResponseWithOneBadRowAmongAHundredAppliesNothingAndNamesTheRow() async throws {
        let h = try await PaymentsHarness()
        defer { h.tearDown() }
        for i in 1...100 { try h.submitted(String(format: "%08d", i)) }
        let support = try await h.support
        let id = try #require(try await h.http.send(.post, "/api/v1/payments/runs", token: support, json: [:]).json?["id"] as? Int)
        var rows = ["claim_reference,claim_status,claim_unpaid_reason"]
        for i in 1...100 { rows.append("\(String(format: "%08d", i)),\(i == 57 ? "unpaid" : "paid"),") }
        let bad = try await h.http.send(
            .post,
            "/api/v1/payments/runs/\(id)/response",
            token: support,
            body: rows.joined(separator: "\n"),
            contentType: "text/csv"
        )
        #expect(bad.status == 422)
        let errors = bad.json?["errors"] as? [[String: String]]
        #expect(errors?.count == 1)
        #expect(errors?.first?["field"] == "row 58")
        #expect(errors?.first?["message"]?.contains("claim_unpaid_reason") == true)
        #expect(try h.published(PaymentPaid.type).isEmpty)
        rows[57] = "00000057,unpaid,Bank details do not match"
        let good = try await h.http.send(
            .post,
            "/api/v1/payments/runs/\(id)/response",
            token: support,
            body: rows.joined(separator: "\r\n"),
            contentType: "text/csv"
        )
        #expect(good.status == 200, "\(good.text)")
        #expect(good.json?["paid"] as? Int == 99)
        #expect(good.json?["information_requested"] as? Int == 1)
        #expect(try h.published(PaymentPaid.type).count == 99)
        #expect(try h.published(PaymentInformationRequested.type).count == 1)
        let twice = try await h.http.send(
            .post,
            "/api/v1/payments/runs/\(id)/response",
            token: support,
            body: rows.joined(separator: "\r\n"),
            contentType: "text/csv"
        )
        #expect(twice.json?["already_applied"] as? Bool == true)
        #expect(try h.published(PaymentPaid.type).count == 99)
    }

    @Test func theInformationLoopAndRejectionFollowTheClaimsState() async throws {
        let h = try await PaymentsHarness()
        defer { h.tearDown() }
        try h.submitted("00000001")
        try h.submitted("00000002")
        let support = try await h.support
        let id = try #require(try await h.http.send(.post, "/api/v1/payments/runs", token: support, json: [:]).json?["id"] as? Int)
        let file = "claim_reference,claim_status,claim_unpaid_reason\n00000001,unpaid,Missing bank details\n00000002,unpaid,Wrong URN\n"
        #expect(
            try await h.http.send(.post, "/api/v1/payments/runs/\(id)/response", token: support, body: file, contentType: "text/csv").status == 200
        )
        #expect(try await h.http.send(.post, "/api/v1/payments/claims/00000001/paid", token: support).status == 200)
        #expect(try await h.http.send(.post, "/api/v1/payments/claims/00000001/information-sent", token: support).status == 409)
        #expect(try await h.http.send(.post, "/api/v1/payments/claims/00000002/information-sent", token: support).status == 200)
        #expect(try await h.http.send(.post, "/api/v1/payments/claims/00000002/reject", token: support, json: ["reason": " "]).status == 422)
        #expect(
            try await h.http.send(.post, "/api/v1/payments/claims/00000002/reject", token: support, json: ["reason": "Not eligible"]).status == 200
        )
        let rejected = try h.published(PaymentRejected.type).first?["payload"] as? [String: Any]
        #expect(rejected?["reason"] as? String == "Not eligible")
        #expect((rejected?["by"] as? [String: Any])?["email"] as? String == "support@education.example")
        #expect(try await h.http.send(.post, "/api/v1/payments/claims/00000002/paid", token: support).status == 409)
    }

    @Test func aClawbackOfFourHoursAt4825PenceIs193PoundsAndTheLedgerAddsUp() async throws {
        let h = try await PaymentsHarness()
        defer { h.tearDown() }
        try h.submitted("00000001", hours: 16, rate: 4825)
        try h.submitted("00000002", urn: 100002, school: "Oak Primary", hours: 10, rate: 4825)
        let support = try await h.support
        let id = try #require(try await h.http.send(.post, "/api/v1/payments/runs", token: support, json: [:]).json?["id"] as? Int)
        let response = "claim_reference,claim_status,claim_unpaid_reason\n00000001,paid,\n00000002,paid,\n"
        _ = try await h.http.send(.post, "/api/v1/payments/runs/\(id)/response", token: support, body: response, contentType: "text/csv")
        // Audit moves claim 1 through sampling to an approved clawback of 4 hours.
        let actor = Actor.user(id: "a", email: "a@x.example")
        for (from, to) in [
            ("paid", "sampling_in_progress"), ("sampling_in_progress", "sampling_provider_not_approved"),
            ("sampling_provider_not_approved", "sampling_not_approved"), ("sampling_not_approved", "clawback_requires_approval"),
        ] {
            try h.deliver(ClaimStatusChanged(reference: "00000001", from: from, to: to, reason: nil, actor: actor, causedBy: nil))
        }
        try h.deliver(
            ClawbackApproved(
                reference: "00000001",
                clawbackAmountPence: 4 * 4825,
                mentors: [ClawbackMentor(trn: "1234567", hoursClawedBack: 4, notes: nil)],
                by: actor
            ),
            from: "audit-sampling"
        )
        let run = try await h.http.send(.post, "/api/v1/payments/clawback-runs", token: support, json: [:])
        #expect(run.status == 201, "\(run.text)")
        let clawbackID = try #require(run.json?["id"] as? Int)
        let links = (try h.published(ClawbackRunCreated.type).last?["payload"] as? [String: Any])?["links"] as? [[String: String]]
        let link = links?.first?["url"]?.replacingOccurrences(of: "https://payments.example", with: "") ?? ""
        let file = try await h.download(link)
        #expect(
            file.text.components(separatedBy: "\r\n")[1]
                == "00000001,100001,Hillside Primary,Islington,Best Training,772.00,193.00,Academy converter,Academies,2026-01-15,clawback_in_progress"
        )
        let done = try await h.http.send(
            .post,
            "/api/v1/payments/clawback-runs/\(clawbackID)/response",
            token: support,
            body: "claim_reference,claim_status\n00000001,clawback_complete\n",
            contentType: "text/csv"
        )
        #expect(done.json?["clawback_complete"] as? Int == 1)
        let ledger = try await h.http.send(.get, "/api/v1/payments/ledger?academic_year=2025", token: support)
        let totals = ledger.json?["totals"] as? [String: Int]
        #expect(totals?["claimed_pence"] == 26 * 4825)
        #expect(totals?["paid_pence"] == 26 * 4825)
        #expect(totals?["clawed_back_pence"] == 4 * 4825)
        #expect(totals?["net_pence"] == 22 * 4825)
        let lines = ledger.json?["items"] as? [[String: Any]]
        #expect(lines?.first { $0["school_urn"] as? Int == 100001 }?["net_pence"] as? Int == 12 * 4825)
    }

    @Test func aClawbackRunsLinkCanBeResentAndTheOldOneStopsWorking() async throws {
        let h = try await PaymentsHarness()
        defer { h.tearDown() }
        try h.submitted("00000001", hours: 16, rate: 4825)
        let support = try await h.support
        let id = try #require(try await h.http.send(.post, "/api/v1/payments/runs", token: support, json: [:]).json?["id"] as? Int)
        _ = try await h.http.send(
            .post,
            "/api/v1/payments/runs/\(id)/response",
            token: support,
            body: "claim_reference,claim_status,claim_unpaid_reason\n1,paid,\n",
            contentType: "text/csv"
        )
        let actor = Actor.user(id: "a", email: "a@x.example")
        for (from, to) in [
            ("paid", "sampling_in_progress"), ("sampling_in_progress", "sampling_provider_not_approved"),
            ("sampling_provider_not_approved", "sampling_not_approved"), ("sampling_not_approved", "clawback_requires_approval"),
        ] {
            try h.deliver(ClaimStatusChanged(reference: "00000001", from: from, to: to, reason: nil, actor: actor, causedBy: nil))
        }
        try h.deliver(
            ClawbackApproved(
                reference: "00000001",
                clawbackAmountPence: 4 * 4825,
                mentors: [ClawbackMentor(trn: "1234567", hoursClawedBack: 4, notes: nil)],
                by: actor
            ),
            from: "audit-sampling"
        )
        let run = try #require(try await h.http.send(.post, "/api/v1/payments/clawback-runs", token: support, json: [:]).json?["id"] as? Int)
        func latest() throws -> String {
            let links = (try h.published(ClawbackRunCreated.type).last?["payload"] as? [String: Any])?["links"] as? [[String: String]]
            return links?.first?["url"]?.replacingOccurrences(of: "https://payments.example", with: "") ?? ""
        }
        let first = try latest()
        let resent = try await h.http.send(.post, "/api/v1/payments/clawback-runs/\(run)/resend", token: support)
        #expect(resent.status == 200)
        #expect(try h.published(ClawbackRunCreated.type).count == 2)
        #expect(try h.published(PaymentRunCreated.type).count == 1)  // the payment run's email is not sent again
        #expect(try await h.http.send(.get, first).status == 410)
        #expect(try await h.download(try latest()).text.contains("clawback_in_progress"))
        #expect(try await h.http.send(.post, "/api/v1/payments/clawback-runs/999/resend", token: support).status == 404)
    }

    @Test func supportsActionsCarryIfMatchAgainstPaymentsOwnViewOfTheClaim() async throws {
        let h = try await PaymentsHarness()
        defer { h.tearDown() }
        try h.submitted("00000001")
        let support = try await h.support
        let id = try #require(try await h.http.send(.post, "/api/v1/payments/runs", token: support, json: [:]).json?["id"] as? Int)
        // The payer's response names the claim without its leading zeros, as a spreadsheet writes it.
        let response = try await h.http.send(
            .post,
            "/api/v1/payments/runs/\(id)/response",
            token: support,
            body: "claim_reference,claim_status,claim_unpaid_reason\n1,unpaid,Bank details missing\n",
            contentType: "text/csv"
        )
        #expect(response.json?["information_requested"] as? Int == 1, "\(response.text)")
        let view = try await h.http.send(.get, "/api/v1/payments/claims/00000001", token: support)
        #expect(view.status == 200)
        #expect(view.json?["status"] as? String == "payment_information_requested")
        #expect(view.json?["status_reason"] as? String == "Bank details missing")
        #expect((view.json?["payment_run"] as? [String: Any])?["outcome"] as? String == "unpaid")
        let etag = try #require(view.headers["etag"])
        // Someone else marks the information sent first; the stale action changes nothing.
        #expect(
            try await h.http.send(.post, "/api/v1/payments/claims/00000001/information-sent", token: support, headers: ["If-Match": etag]).status
                == 200
        )
        let stale = try await h.http.send(
            .post,
            "/api/v1/payments/claims/00000001/reject",
            token: support,
            json: ["reason": "No reply"],
            headers: ["If-Match": etag]
        )
        #expect(stale.status == 412)
        #expect(
            try await h.http.send(.get, "/api/v1/payments/claims/00000001", token: support).json?["status"] as? String == "payment_information_sent"
        )
        let fresh = try #require(try await h.http.send(.get, "/api/v1/payments/claims/00000001", token: support).headers["etag"])
        #expect(fresh != etag)
        #expect(try await h.http.send(.post, "/api/v1/payments/claims/00000001/paid", token: support, headers: ["If-Match": fresh]).status == 200)
        #expect(try await h.http.send(.get, "/api/v1/payments/claims/99999999", token: support).status == 404)
        let school = try await DevelopmentToken.make(
            user: AuthenticatedUser(id: "s", email: "s@x.example", name: "S", role: .school, urns: [100001]),
            secret: PaymentsHarness.secret
        )
        #expect(try await h.http.send(.get, "/api/v1/payments/claims/00000001", token: school).status == 403)
    }

    @Test func aResponseErrorNamesTheRowAsASpreadsheetNumbersIt() async throws {
        let h = try await PaymentsHarness()
        defer { h.tearDown() }
        try h.submitted("00000001")
        try h.submitted("00000002", urn: 100002, school: "Oak Primary")
        let support = try await h.support
        let id = try #require(try await h.http.send(.post, "/api/v1/payments/runs", token: support, json: [:]).json?["id"] as? Int)
        // Row 2's reason runs over three lines inside its quotes: still one row of the spreadsheet.
        let response =
            "claim_reference,claim_status,claim_unpaid_reason\r\n00000001,unpaid,\"Line one\r\nline two\r\nline three\"\r\n00000002,maybe,\r\n"
        let reply = try await h.http.send(.post, "/api/v1/payments/runs/\(id)/response", token: support, body: response, contentType: "text/csv")
        #expect(reply.status == 422)
        let fields = (reply.json?["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
        #expect(fields == ["row 3"])
    }
}
