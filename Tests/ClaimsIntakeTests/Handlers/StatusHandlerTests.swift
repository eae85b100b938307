import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport
import TestSupport
import Testing

@testable import ClaimsIntake

/// Messages from the other services move claims only along the lifecycle.
@Suite struct StatusHandlerTests {
    /// Delivers messages to claims-intake's inbox as their producers would, in sequence.
    final class Deliverer: @unchecked Sendable {
        // Used from one test only.
        let h: IntakeHarness
        let inbox: Inbox
        var sequences: [String: Int64] = [:]

        init(_ h: IntakeHarness) {
            self.h = h
            let clock = h.clock
            let outbox = Outbox(producer: "claims-intake", now: { clock.now() }, wakeup: Wakeup())
            inbox = Inbox(registry: HandlerRegistry(ClaimStatusHandlers(outbox: outbox).handlers), now: { clock.now() })
        }

        @discardableResult
        func deliver<M: BusMessage>(_ message: M, from producer: String) throws -> InboxReport {
            let sequence = (sequences[producer] ?? 0) + 1
            sequences[producer] = sequence
            let envelope = Envelope(
                id: UUID(),
                type: M.type,
                version: M.version,
                producer: producer,
                sequence: sequence,
                occurredAt: h.clock.now(),
                correlationId: UUID(),
                causationId: nil,
                payload: message
            )
            let bytes = Array(try BusJSON.encoder().encode(envelope))
            let registry = HandlerRegistry(ClaimStatusHandlers(outbox: Outbox(producer: "claims-intake", now: { Date() }, wakeup: Wakeup())).handlers)
            let decoded = try registry.decode(type: M.type, envelope: bytes, decoder: BusJSON.decoder())
            return try inbox.apply([.message(decoded)], on: h.service.database, decoder: BusJSON.decoder())
        }
    }

    func submittedClaim() async throws -> (IntakeHarness, String, String) {
        let h = try await IntakeHarness.make(now: "2025-11-03T10:00:00Z")
        try await h.putProvider("1AB")
        try await h.openWindow(2025, "2025-11-01", "2026-01-31")
        let school = try await h.readySchool(100001, region: "outer_london")
        let created = try await h.createClaim(100001, token: school, mentors: [("1234567", 10), ("7654321", 6)])
        let reference = try #require(created.json?["reference"] as? String)
        #expect(try await h.submit(reference, token: school).status == 200)
        return (h, reference, school)
    }

    func status(_ h: IntakeHarness, _ reference: String) throws -> String? {
        try h.service.database.read { try String.fetchOne($0, sql: "SELECT status FROM claims WHERE reference = ?", arguments: [reference]) }
    }

    @Test func aClaimIsPaidThroughTheInformationLoopAndEveryStepIsPublished() async throws {
        let (h, reference, school) = try await submittedClaim()
        defer { h.tearDown() }
        let d = Deliverer(h)
        let support = Actor.user(id: "s1", email: "support@education.example")
        try d.deliver(PaymentRequested(reference: reference, runId: 1), from: "payments")
        #expect(try status(h, reference) == "payment_in_progress")
        try d.deliver(PaymentInformationRequested(reference: reference, reason: "Bank details do not match"), from: "payments")
        let view = try await h.http.send(.get, "/api/v1/claims/\(reference)", token: school)
        #expect(view.json?["status"] as? String == "payment_information_requested")
        #expect(view.json?["status_reason"] as? String == "Bank details do not match")
        try d.deliver(PaymentInformationSent(reference: reference, by: support), from: "payments")
        try d.deliver(PaymentPaid(reference: reference, runId: 1, amountPence: 16 * 4825, by: support), from: "payments")
        #expect(try status(h, reference) == "paid")
        let changes = try h.published("claim.status-changed").compactMap { $0["payload"] as? [String: Any] }
        #expect(
            changes.compactMap { $0["to"] as? String } == [
                "submitted", "payment_in_progress", "payment_information_requested", "payment_information_sent", "paid",
            ]
        )
        #expect(changes.last?["caused_by"] as? String != nil)
        let activity = try await h.http.send(.get, "/api/v1/claims/\(reference)/activity", token: try await h.support)
        let last = (activity.json?["items"] as? [[String: Any]])?.last
        #expect((last?["actor"] as? [String: Any])?["email"] as? String == "support@education.example")
        #expect(last?["message_id"] as? String != nil)
    }

    @Test func aFlagWithNoReasonsClearsTheFlagAndTheHistorySaysSo() async throws {
        let (h, reference, _) = try await submittedClaim()
        defer { h.tearDown() }
        let d = Deliverer(h)
        try d.deliver(ClaimFlagged(reference: reference, reasons: ["The same mentor is claimed by another school"]), from: "audit-sampling")
        let support = try await h.support
        #expect(try await h.http.send(.get, "/api/v1/claims?flagged=true", token: support).json?["total"] as? Int == 1)
        try d.deliver(ClaimFlagged(reference: reference, reasons: []), from: "audit-sampling")
        #expect(try await h.http.send(.get, "/api/v1/claims?flagged=true", token: support).json?["total"] as? Int == 0)
        #expect((try await h.http.send(.get, "/api/v1/claims/\(reference)", token: support).json?["flags"] as? [String]) == [])
        let actions = (try await h.http.send(.get, "/api/v1/claims/\(reference)/activity", token: support).json?["items"] as? [[String: Any]])?
            .compactMap { $0["action"] as? String }
        #expect(actions?.suffix(2) == ["flagged", "unflagged"])
    }

    @Test func theNextStepOfAClaimTheSchoolMustActOnNamesTheDateAndTheSupportAddress() async throws {
        let (h, reference, school) = try await submittedClaim()
        defer { h.tearDown() }
        let d = Deliverer(h)
        try d.deliver(PaymentRequested(reference: reference, runId: 1), from: "payments")
        try d.deliver(PaymentInformationRequested(reference: reference, reason: "Bank details do not match"), from: "payments")
        let step = try #require(try await h.http.send(.get, "/api/v1/claims/\(reference)", token: school).json?["next_step"] as? String)
        // Asked on Monday 3 November 2025: 14 days later, the same words the email uses.
        #expect(step.contains(SchoolActionText.informationRequested(support: "support@example.invalid", respondBy: "2025-11-17")), "\(step)")
        #expect(step.contains("Monday 17 November 2025"))
        // The status change is published at the instant the claim's history records it.
        let change = try h.published("claim.status-changed").last
        #expect(change?["occurred_at"] as? String == "2025-11-03T10:00:00Z")
    }

    @Test func aRejectedClaimFreesItsHours() async throws {
        let (h, reference, school) = try await submittedClaim()
        defer { h.tearDown() }
        let d = Deliverer(h)
        let support = Actor.user(id: "s1", email: "support@education.example")
        try d.deliver(PaymentRequested(reference: reference, runId: 1), from: "payments")
        try d.deliver(PaymentInformationRequested(reference: reference, reason: "Unknown school bank account"), from: "payments")
        var allowance = try await h.http.send(.get, "/api/v1/schools/100001/mentors/1234567/allowance?provider=1AB", token: school)
        #expect(allowance.json?["remaining_hours"] as? Int == 6)
        try d.deliver(PaymentRejected(reference: reference, reason: "Not eligible", by: support), from: "payments")
        #expect(try status(h, reference) == "payment_not_approved")
        allowance = try await h.http.send(.get, "/api/v1/schools/100001/mentors/1234567/allowance?provider=1AB", token: school)
        #expect(allowance.json?["remaining_hours"] as? Int == 16)
    }

    @Test func aSampledClaimGoesAllTheWayToACompletedClawback() async throws {
        let (h, reference, school) = try await submittedClaim()
        defer { h.tearDown() }
        let d = Deliverer(h)
        let first = Actor.user(id: "s1", email: "first@education.example")
        let second = Actor.user(id: "s2", email: "second@education.example")
        try d.deliver(PaymentRequested(reference: reference, runId: 1), from: "payments")
        try d.deliver(PaymentPaid(reference: reference, runId: 1, amountPence: 77_200, by: nil), from: "payments")
        try d.deliver(SampleClaimSelected(reference: reference, sampleId: 1, sampleReason: "Random"), from: "audit-sampling")
        try d.deliver(
            SampleProviderNotApproved(reference: reference, mentors: [RejectedMentor(trn: "1234567", name: nil, reason: "No record of training")]),
            from: "audit-sampling"
        )
        try d.deliver(
            SampleSchoolRejected(reference: reference, mentors: [RejectedMentor(trn: "1234567", name: nil, reason: "Records lost")], by: first),
            from: "audit-sampling"
        )
        try d.deliver(
            ClawbackRequested(
                reference: reference,
                mentors: [ClawbackMentor(trn: "1234567", hoursClawedBack: 4, notes: nil)],
                clawbackAmountPence: 4 * 4825,
                by: first
            ),
            from: "audit-sampling"
        )
        #expect(try status(h, reference) == "clawback_requires_approval")
        try d.deliver(
            ClawbackApproved(
                reference: reference,
                clawbackAmountPence: 4 * 4825,
                mentors: [ClawbackMentor(trn: "1234567", hoursClawedBack: 4, notes: nil)],
                by: second
            ),
            from: "audit-sampling"
        )
        try d.deliver(ClawbackSent(fields: ClawbackRunFields(reference: reference, runId: 2, clawbackAmountPence: 19_300)), from: "payments")
        try d.deliver(ClawbackCompleted(fields: ClawbackRunFields(reference: reference, runId: 2, clawbackAmountPence: 19_300)), from: "payments")
        let view = try await h.http.send(.get, "/api/v1/claims/\(reference)", token: school)
        #expect(view.json?["status"] as? String == "clawback_complete")
        #expect(view.json?["clawback_amount_pence"] as? Int == 19_300)
        let mentors = view.json?["mentors"] as? [[String: Any]]
        #expect(mentors?.first { $0["trn"] as? String == "1234567" }?["hours_clawed_back"] as? Int == 4)
    }

    @Test func aSelectionThatOvertakesThePaymentIsParkedThenApplied() async throws {
        let (h, reference, _) = try await submittedClaim()
        defer { h.tearDown() }
        let d = Deliverer(h)
        try d.deliver(PaymentRequested(reference: reference, runId: 1), from: "payments")
        let early = try d.deliver(SampleClaimSelected(reference: reference, sampleId: 1, sampleReason: "Flagged"), from: "audit-sampling")
        #expect(early.parked[SampleClaimSelected.type] == 1)
        #expect(try status(h, reference) == "payment_in_progress")
        let paid = try d.deliver(PaymentPaid(reference: reference, runId: 1, amountPence: 77_200, by: nil), from: "payments")
        #expect(paid.unparked[SampleClaimSelected.type] == 1)
        #expect(try status(h, reference) == "sampling_in_progress")
    }

    @Test func anImpossibleTransitionIsDeadLetteredAndChangesNothing() async throws {
        let (h, reference, _) = try await submittedClaim()
        defer { h.tearDown() }
        let d = Deliverer(h)
        let report = try d.deliver(
            ClawbackCompleted(fields: ClawbackRunFields(reference: reference, runId: 9, clawbackAmountPence: 1)),
            from: "payments"
        )
        #expect(report.deadLettered[ClawbackCompleted.type] == 1)
        #expect(try status(h, reference) == "submitted")
        let unknown = try d.deliver(PaymentRequested(reference: "00000000", runId: 1), from: "payments")
        #expect(unknown.deadLettered[PaymentRequested.type] == 1)
        let before = try h.published("claim.status-changed").count
        #expect(before == 1)
    }

    @Test func onlyAStepFromAnotherProducerIsWaitedFor() {
        #expect(ClaimEventOrder.canStillArrive(.sampleSelected, claimIn: .paymentInProgress))
        #expect(ClaimEventOrder.canStillArrive(.clawbackSent, claimIn: .clawbackRequiresApproval))
        #expect(!ClaimEventOrder.canStillArrive(.clawbackCompleted, claimIn: .submitted))
        #expect(!ClaimEventOrder.canStillArrive(.paid, claimIn: .draft))
        #expect(!ClaimEventOrder.canStillArrive(.paymentRequested, claimIn: .paid))
        #expect(!ClaimEventOrder.canStillArrive(.sampleSelected, claimIn: .paymentNotApproved))
    }
}
