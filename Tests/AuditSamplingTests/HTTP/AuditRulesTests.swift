import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport
import TestSupport
import Testing

@testable import AuditSampling

/// The rules of `../spec/domain.md` ("Audit sampling rules") as support and providers meet them.
@Suite struct AuditRulesTests {
    let answerHeader = "claim_reference,mentor_trn,claim_accepted,rejection_reason\n"

    /// A sample of `references` from a support list; returns the provider request's id.
    func sample(_ h: AuditHarness, _ references: [String], token: String, reason: String = "Checked") async throws -> Int {
        let list = "claim_reference,sample_reason\n" + references.map { "\($0),\(reason)\n" }.joined()
        let sample = try await h.http.send(.post, "/api/v1/audit/samples", token: token, body: list, contentType: "text/csv")
        #expect(sample.status == 201, "\(sample.text)")
        return try #require((sample.json?["providers"] as? [[String: Any]])?.first?["request_id"] as? Int)
    }

    func status(_ h: AuditHarness, _ reference: String) async throws -> String? {
        try await h.service.database.read { try String.fetchOne($0, sql: "SELECT status FROM claims WHERE reference = ?", arguments: [reference]) }
    }

    @Test func aClawbackNamesEveryMentorTheProviderDidNotAcceptOnceAndNoOther() async throws {
        let h = try await AuditHarness()
        defer { h.tearDown() }
        try h.paidClaim("22222222", urn: 1, mentors: [("1111111", 16), ("2222222", 10)])
        let support = try await h.token("first")
        let request = try await sample(h, ["22222222"], token: support)
        let answer = answerHeader + "22222222,1111111,yes,\n22222222,2222222,no,No record of the sessions\n"
        #expect(
            try await h.http.send(.post, "/api/v1/audit/provider-requests/\(request)/response", token: support, body: answer, contentType: "text/csv")
                .status == 200
        )
        // Audit's view shows each mentor's verdict.
        let view = try await h.http.send(.get, "/api/v1/audit/claims/22222222", token: support)
        let verdicts = ((view.json?["samples"] as? [[String: Any]])?.first?["verdicts"] as? [[String: Any]]) ?? []
        #expect(verdicts.map { $0["trn"] as? String } == ["1111111", "2222222"])
        #expect(verdicts.map { $0["accepted"] as? Bool } == [true, false])
        #expect(verdicts.last?["reason"] as? String == "No record of the sessions")
        #expect(
            try await h.http.send(
                .post,
                "/api/v1/audit/claims/22222222/school-response",
                token: support,
                json: ["mentors": [["trn": "2222222", "reason": "Agree"]]]
            ).status == 200
        )
        let refused: [[[String: Any]]] = [
            [["trn": "2222222", "hours_trained": 4], ["trn": "2222222", "hours_trained": 4]],  // the same mentor twice
            [["trn": "1111111", "hours_trained": 0]],  // a mentor the provider accepted
            [["trn": "2222222", "hours_trained": 4], ["trn": "1111111", "hours_trained": 0]],
            [],
            [["trn": "9999999", "hours_trained": 0]],
        ]
        for mentors in refused {
            let reply = try await h.http.send(.post, "/api/v1/audit/claims/22222222/clawback", token: support, json: ["mentors": mentors])
            #expect(reply.status == 422, "\(mentors): \(reply.text)")
        }
        #expect(try h.published(ClawbackRequested.type).isEmpty)
        #expect(try await status(h, "22222222") == "sampling_not_approved")
        let accepted = try await h.http.send(
            .post,
            "/api/v1/audit/claims/22222222/clawback",
            token: support,
            json: ["mentors": [["trn": "2222222", "hours_trained": 4]]]
        )
        #expect(accepted.status == 200, "\(accepted.text)")
        let amount = (try h.published(ClawbackRequested.type).first?["payload"] as? [String: Any])?["clawback_amount_pence"] as? Int
        #expect(amount == 6 * 4825)  // never more than the rejected mentor's 10 hours
    }

    @Test func anApproverNeverApprovesAClawbackTheyDidNotSee() async throws {
        let h = try await AuditHarness()
        defer { h.tearDown() }
        try h.paidClaim("33333333", urn: 1, mentors: [("1111111", 16)])
        let requester = try await h.token("first")
        let approver = try await h.token("second")
        let third = try await h.token("third")
        let request = try await sample(h, ["33333333"], token: requester)
        _ = try await h.http.send(
            .post,
            "/api/v1/audit/provider-requests/\(request)/response",
            token: requester,
            body: answerHeader + "33333333,1111111,no,Not trained\n",
            contentType: "text/csv"
        )
        _ = try await h.http.send(
            .post,
            "/api/v1/audit/claims/33333333/school-response",
            token: requester,
            json: ["mentors": [["trn": "1111111", "reason": "Agree"]]]
        )
        _ = try await h.http.send(
            .post,
            "/api/v1/audit/claims/33333333/clawback",
            token: requester,
            json: ["mentors": [["trn": "1111111", "hours_trained": 12]]]
        )
        // The approver loads the claim: 4 hours to claw back.
        let seen = try await h.http.send(.get, "/api/v1/audit/claims/33333333", token: approver)
        #expect((seen.json?["clawback"] as? [String: Any])?["amount_pence"] as? Int == 4 * 4825)
        let etag = try #require(seen.headers["etag"])
        // Meanwhile it is rejected and requested again for 16 hours.
        #expect(
            try await h.http.send(
                .post,
                "/api/v1/audit/claims/33333333/clawback/decision",
                token: third,
                json: ["approved": false, "reason": "Check the hours"]
            ).status == 200
        )
        #expect(
            try await h.http.send(
                .post,
                "/api/v1/audit/claims/33333333/clawback",
                token: requester,
                json: ["mentors": [["trn": "1111111", "hours_trained": 0]]]
            ).status == 200
        )
        // The approver's approval of what they saw is refused and changes nothing.
        let stale = try await h.http.send(
            .post,
            "/api/v1/audit/claims/33333333/clawback/decision",
            token: approver,
            json: ["approved": true],
            headers: ["If-Match": etag]
        )
        #expect(stale.status == 412)
        #expect(try h.published(ClawbackApproved.type).isEmpty)
        #expect(try await status(h, "33333333") == "clawback_requires_approval")
        let fresh = try await h.http.send(.get, "/api/v1/audit/claims/33333333", token: approver)
        #expect((fresh.json?["clawback"] as? [String: Any])?["amount_pence"] as? Int == 16 * 4825)
        let now = try #require(fresh.headers["etag"])
        #expect(
            try await h.http.send(
                .post,
                "/api/v1/audit/claims/33333333/clawback/decision",
                token: approver,
                json: ["approved": true],
                headers: ["If-Match": now]
            ).status == 200
        )
        #expect(try h.published(ClawbackApproved.type).count == 1)
        // Every other support action checks If-Match too.
        try h.paidClaim("44444444", urn: 2, mentors: [("2222222", 16)])
        let second = try await sample(h, ["44444444"], token: requester)
        let old = try #require(try await h.http.send(.get, "/api/v1/audit/claims/44444444", token: requester).headers["etag"])
        _ = try await h.http.send(
            .post,
            "/api/v1/audit/provider-requests/\(second)/response",
            token: requester,
            body: answerHeader + "44444444,2222222,no,Not trained\n",
            contentType: "text/csv"
        )
        #expect(try await h.http.send(.post, "/api/v1/audit/claims/44444444/approve", token: requester, headers: ["If-Match": old]).status == 412)
        #expect(
            try await h.http.send(
                .post,
                "/api/v1/audit/claims/44444444/school-response",
                token: requester,
                json: ["mentors": [["trn": "2222222", "reason": "x"]]],
                headers: ["If-Match": old]
            ).status == 412
        )
        #expect(try await status(h, "44444444") == "sampling_provider_not_approved")
    }

    @Test func aProviderRequestStaysOpenUntilEveryClaimIsAnsweredAndUploadsAreIdempotent() async throws {
        let h = try await AuditHarness(now: "2026-03-10T10:00:00Z")
        defer { h.tearDown() }
        try h.paidClaim("01111111", urn: 1, mentors: [("1111111", 16)])
        try h.paidClaim("02222222", urn: 2, mentors: [("2222222", 16)])
        let support = try await h.token("s1")
        // The sample list names the claims as a spreadsheet wrote them, without leading zeros.
        let list = "claim_reference,sample_reason\n1111111,Checked\n2222222,Checked\n"
        let sample = try await h.http.send(.post, "/api/v1/audit/samples", token: support, body: list, contentType: "text/csv")
        #expect(sample.status == 201, "\(sample.text)")
        let request = try #require((sample.json?["providers"] as? [[String: Any]])?.first?["request_id"] as? Int)
        let again = try await h.http.send(.post, "/api/v1/audit/samples", token: support, body: list, contentType: "text/csv")
        #expect(again.status == 200)
        #expect(again.json?["already_applied"] as? Bool == true)
        #expect(again.json?["id"] as? Int == sample.json?["id"] as? Int)
        let quality = try await h.token("p1", role: .provider, providers: ["1AB"])
        func upload(_ body: String) async throws -> TestHTTP.Reply {
            try await h.http.send(.post, "/api/v1/audit/provider-requests/\(request)/response", token: quality, body: body, contentType: "text/csv")
        }
        func listed() async throws -> [[String: Any]] {
            (try await h.http.send(.get, "/api/v1/audit/provider-requests", token: quality).json?["items"] as? [[String: Any]]) ?? []
        }
        // A header-only file answers nothing and closes nothing.
        let empty = try await upload(answerHeader)
        #expect(empty.status == 200)
        #expect(empty.json?["unanswered_claims"] as? Int == 2)
        // A partial response answers only its claim; the request stays listed and reminded.
        let partial = answerHeader + "1111111,1111111,yes,\n"
        let first = try await upload(partial)
        #expect(first.json?["accepted_claims"] as? Int == 1, "\(first.text)")
        #expect(first.json?["unanswered_claims"] as? Int == 1)
        #expect(try await listed().first?["unanswered_claims"] as? Int == 1)
        let twice = try await upload(partial)
        #expect(twice.status == 200)
        #expect(twice.json?["already_applied"] as? Bool == true)
        #expect(try h.published(SampleProviderAccepted.type).count == 1)
        let outbox = Outbox(producer: "audit-sampling", now: { h.clock.now() }, wakeup: Wakeup())
        h.clock.advance(by: 7 * 24 * 3600)
        #expect(
            try await AuditDatabase(writer: h.service.database, outbox: outbox, now: { h.clock.now() }, publicBaseURL: "https://audit.example")
                .remindDue()
                == 1
        )
        // The last claim answered closes it.
        #expect(try await upload(answerHeader + "02222222,2222222,yes,\n").json?["unanswered_claims"] as? Int == 0)
        #expect(try await listed().isEmpty)
        h.clock.advance(by: 7 * 24 * 3600)
        #expect(
            try await AuditDatabase(writer: h.service.database, outbox: outbox, now: { h.clock.now() }, publicBaseURL: "https://audit.example")
                .remindDue()
                == 0
        )
    }

    @Test func theServicesOwnSelectionNeverPicksAClaimAuditedBeforeThatYear() async throws {
        let h = try await AuditHarness()
        defer { h.tearDown() }
        try h.paidClaim("55555555", urn: 1, mentors: [("1111111", 16)])
        try h.paidClaim("66666666", urn: 2, mentors: [("2222222", 1)])
        let support = try await h.token("s1")
        let request = try await sample(h, ["55555555"], token: support)
        _ = try await h.http.send(
            .post,
            "/api/v1/audit/provider-requests/\(request)/response",
            token: support,
            body: answerHeader + "55555555,1111111,yes,\n",
            contentType: "text/csv"
        )
        #expect(try await status(h, "55555555") == "paid")
        // Everything, please: still never the claim already audited this year.
        let all = try await h.http.send(.post, "/api/v1/audit/samples", token: support, json: ["academic_year": 2025, "share": 1, "seed": 5])
        #expect(all.status == 201, "\(all.text)")
        #expect(all.json?["claim_count"] as? Int == 1)
        #expect(try await status(h, "55555555") == "paid")
        #expect(try await status(h, "66666666") == "sampling_in_progress")
        // Support can still name it in a list (the same list again would be the same upload).
        _ = try await sample(h, ["55555555"], token: support, reason: "Second look")
        #expect(try await status(h, "55555555") == "sampling_in_progress")
        let precise = try await h.http.send(.post, "/api/v1/audit/samples", token: support, json: ["academic_year": 2025, "share": 0.1234567])
        #expect(precise.status == 422)
        // A seed is at most 2^63 - 1, as the service draws them and its document says.
        let tooLarge = try await h.http.send(
            .post,
            "/api/v1/audit/samples",
            token: support,
            body: #"{"academic_year": 2025, "share": 1, "seed": 9223372036854775808}"#,
            contentType: "application/json"
        )
        #expect(tooLarge.status == 422, "\(tooLarge.text)")
        #expect(tooLarge.text.contains("\"field\":\"seed\"") && tooLarge.text.contains("9223372036854775807"), "\(tooLarge.text)")
        #expect(try await status(h, "66666666") == "sampling_in_progress", "a refused sample changes nothing")
    }

    @Test func aFlagWhoseConditionNoLongerHoldsIsRemoved() async throws {
        let h = try await AuditHarness()
        defer { h.tearDown() }
        // The same mentor claimed by two schools with the same provider flags both.
        try h.paidClaim("70000001", urn: 1, mentors: [("7777777", 8)])
        try h.paidClaim("70000002", urn: 2, mentors: [("7777777", 8)])
        try h.paidClaim("70000003", urn: 3, mentors: [("8888888", 8)])
        try h.paidClaim("70000004", urn: 4, mentors: [("8888888", 8)])
        func flags(_ reference: String) async throws -> String? {
            try await h.service.database.read { try String.fetchOne($0, sql: "SELECT flags FROM claims WHERE reference = ?", arguments: [reference]) }
        }
        #expect(try await flags("70000001") != "[]")
        #expect(try await flags("70000003") != "[]")
        // One is deleted: the other is no longer flagged, here and in claims-intake's copy.
        try h.deliver(ClaimDeleted(reference: "70000002", reason: "Entered twice", by: .user(id: "s", email: "s@x.example")))
        #expect(try await flags("70000001") == "[]")
        let cleared = try h.published(ClaimFlagged.type).compactMap { $0["payload"] as? [String: Any] }.filter {
            ($0["reasons"] as? [String])?.isEmpty == true
        }
        #expect(cleared.compactMap { $0["reference"] as? String } == ["70000001"])
        // The same when one is not approved for payment.
        try h.deliver(
            ClaimStatusChanged(
                reference: "70000004",
                from: "paid",
                to: "payment_not_approved",
                reason: "x",
                actor: .service("payments"),
                causedBy: nil
            )
        )
        #expect(try await flags("70000003") == "[]")
        let list = try await h.http.send(.get, "/api/v1/audit/flags?academic_year=2025", token: try await h.token("s1"))
        #expect((list.json?["items"] as? [[String: Any]])?.isEmpty == true, "\(list.text)")
    }

    @Test func freeTextHasLimitsSoNoMessageCanOutgrowTheBus() async throws {
        let h = try await AuditHarness()
        defer { h.tearDown() }
        try h.paidClaim("88888888", urn: 1, mentors: [("1111111", 16)])
        let support = try await h.token("s1")
        let request = try await sample(h, ["88888888"], token: support)
        let long = String(repeating: "\u{1}", count: 2_001)
        let tooLong = try await h.http.send(
            .post,
            "/api/v1/audit/provider-requests/\(request)/response",
            token: support,
            body: answerHeader + "88888888,1111111,no,\"\(long)\"\n",
            contentType: "text/csv"
        )
        #expect(tooLong.status == 422)
        #expect(tooLong.text.contains("row 2"))
        // The largest message the limits allow: 50 mentors, each with a 2,000-character reason of
        // characters JSON must escape, is still well under BUS_MAX_MESSAGE_BYTES (1 MiB).
        let worst = SampleProviderNotApproved(
            reference: "88888888",
            mentors: (0..<50).map {
                RejectedMentor(
                    trn: String(format: "%07d", $0),
                    name: String(repeating: "\u{1}", count: 200),
                    reason: String(repeating: "\u{1}", count: 2_000)
                )
            }
        )
        let envelope = Envelope(
            id: UUID(),
            type: SampleProviderNotApproved.type,
            version: 1,
            producer: "audit-sampling",
            sequence: 1,
            occurredAt: Date(),
            correlationId: UUID(),
            causationId: nil,
            payload: worst
        )
        #expect(try BusJSON.encoder().encode(envelope).count < 1 << 20)
    }

    @Test func theSameSampleListSentTwiceAtOnceMakesOneSample() async throws {
        let h = try await AuditHarness()
        defer { h.tearDown() }
        for n in 0..<20 { try h.paidClaim(String(format: "9%07d", n), urn: n + 1, mentors: [(String(format: "%07d", 4_000_000 + n), 4)]) }
        let support = try await h.token("s1")
        let list = "claim_reference,sample_reason\n" + (0..<20).map { String(format: "9%07d,Checked\n", $0) }.joined()
        async let first = h.http.send(.post, "/api/v1/audit/samples", token: support, body: list, contentType: "text/csv")
        async let second = h.http.send(.post, "/api/v1/audit/samples", token: support, body: list, contentType: "text/csv")
        let statuses = [try await first.status, try await second.status].sorted()
        #expect(statuses == [200, 201])
        let samples = try await h.service.database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM samples") }
        #expect(samples == 1)
    }
}
