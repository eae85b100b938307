import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport

/// Applies the other services' messages to claims through the lifecycle: each applied
/// transition updates the claim, records the activity and publishes `claim.status-changed`, all
/// in the inbox's transaction. A message that arrives before the claim can take it (another
/// producer's earlier fact is still on its way) is parked; an impossible one is dead-lettered.
struct ClaimStatusHandlers {
    let outbox: Outbox

    /// What else a message changes besides the status.
    enum Effect {
        case none
        case paid(amountPence: Int64)
        case reason(String)
        case rejected(reason: String)
        case clawback(mentors: [ClawbackMentor], amountPence: Int64, reason: String?)
        case clawbackCleared(reason: String)
    }

    var handlers: [MessageHandler] {
        [
            on(PaymentRequested.self) { m in (m.reference, .paymentRequested, nil, .none) },
            on(PaymentPaid.self) { m in (m.reference, .paid, m.by, .paid(amountPence: m.amountPence)) },
            on(PaymentInformationRequested.self) { m in (m.reference, .paymentInformationRequested, nil, .reason(m.reason)) },
            on(PaymentInformationSent.self) { m in (m.reference, .paymentInformationSent, m.by, .none) },
            on(PaymentRejected.self) { m in (m.reference, .paymentRejected, m.by, .rejected(reason: m.reason)) },
            on(SampleClaimSelected.self) { m in (m.reference, .sampleSelected, nil, .reason(m.sampleReason)) },
            on(SampleProviderAccepted.self) { m in (m.reference, .providerAccepted, nil, .none) },
            on(SampleProviderNotApproved.self) { m in
                (m.reference, .providerNotApproved, nil, .reason(m.mentors.map { "\($0.trn): \($0.reason)" }.joined(separator: "; ")))
            },
            on(SampleApproved.self) { m in (m.reference, .sampleApproved, m.by, .none) },
            on(SampleSchoolRejected.self) { m in
                (m.reference, .schoolRejected, m.by, .reason(m.mentors.map { "\($0.trn): \($0.reason)" }.joined(separator: "; ")))
            },
            on(ClawbackRequested.self) { m in
                (m.reference, .clawbackRequested, m.by, .clawback(mentors: m.mentors, amountPence: m.clawbackAmountPence, reason: nil))
            },
            on(ClawbackNotRequired.self) { m in (m.reference, .clawbackNotRequired, m.by, .clawbackCleared(reason: "No clawback required")) },
            on(ClawbackApproved.self) { m in
                (m.reference, .clawbackApproved, m.by, .clawback(mentors: m.mentors, amountPence: m.clawbackAmountPence, reason: nil))
            },
            on(ClawbackRejected.self) { m in (m.reference, .clawbackRejected, m.by, .clawbackCleared(reason: m.reason)) },
            on(ClawbackSent.self) { m in (m.fields.reference, .clawbackSent, nil, .none) },
            on(ClawbackCompleted.self) { m in (m.fields.reference, .clawbackCompleted, nil, .none) },
            .on(ClaimFlagged.self) { envelope, db in
                let reasons = try String(decoding: JSONEncoder().encode(envelope.payload.reasons), as: UTF8.self)
                try db.execute(sql: "UPDATE claims SET flags = ? WHERE reference = ?", arguments: [reasons, envelope.payload.reference])
                guard db.changesCount == 1 else { throw PoisonMessage("claim \(envelope.payload.reference) does not exist") }
                let given = envelope.payload.reasons
                try ClaimStore.record(
                    db,
                    reference: envelope.payload.reference,
                    ActivityEntry(
                        action: given.isEmpty ? "unflagged" : "flagged",
                        actor: .service(envelope.producer),
                        reason: given.isEmpty ? "The reasons for the flag no longer hold" : given.joined(separator: "; "),
                        messageID: envelope.id
                    ),
                    at: envelope.occurredAt
                )
                return .applied
            },
            notification(NotificationSent.self, action: "email_sent") { $0.fields },
            notification(NotificationFailed.self, action: "email_failed") { $0.fields },
        ]
    }

    private func notification<M: BusMessage>(_ type: M.Type, action: String, fields: @escaping @Sendable (M) -> NotificationFields) -> MessageHandler
    {
        .on(M.self) { envelope, db in
            let f = fields(envelope.payload)
            guard let reference = f.reference else { return .applied }
            try ClaimStore.record(
                db,
                reference: reference,
                ActivityEntry(
                    action: action,
                    actor: .service(envelope.producer),
                    reason: [f.template, "to \(f.to)", f.error].compactMap { $0 }.joined(separator: ", "),
                    messageID: envelope.id
                ),
                at: envelope.occurredAt
            )
            return .applied
        }
    }

    private func on<M: BusMessage>(
        _ type: M.Type,
        _ interpret: @escaping @Sendable (M) -> (String, ClaimEvent, Actor?, Effect)
    ) -> MessageHandler {
        let outbox = self.outbox
        return .on(M.self) { envelope, db in
            let (reference, event, by, effect) = interpret(envelope.payload)
            return try Self.apply(
                event,
                to: reference,
                by: by ?? .service(envelope.producer),
                effect: effect,
                envelope: envelope.header,
                db: db,
                outbox: outbox
            )
        }
    }

    /// The statuses from which `event` can move a claim.
    static func sources(of event: ClaimEvent) -> [ClaimStatus] {
        ClaimStatus.allCases.filter { (try? ClaimLifecycle.next(from: $0, on: event).get()) != nil }
    }

    /// Which service's messages carry `event`.
    static func producer(of event: ClaimEvent) -> String {
        switch event {
        case .submitted: return "claims-intake"
        case .paymentRequested, .paid, .paymentInformationRequested, .paymentInformationSent, .paymentRejected, .clawbackSent,
            .clawbackCompleted:
            return "payments"
        case .sampleSelected, .providerAccepted, .providerNotApproved, .sampleApproved, .schoolRejected, .clawbackRequested,
            .clawbackNotRequired, .clawbackApproved, .clawbackRejected:
            return "audit-sampling"
        }
    }

    /// Whether `event`, refused for a claim in `status`, may become possible once another
    /// producer's message arrives.
    static func canStillArrive(_ event: ClaimEvent, claimIn status: ClaimStatus) -> Bool {
        let settled: Set<ClaimStatus> = [.draft, .paymentNotApproved, .clawbackComplete]
        guard !settled.contains(status) else { return false }
        for source in sources(of: event) where rank(source) > rank(status) {
            let into = ClaimEvent.allCases.filter { candidate in
                ClaimStatus.allCases.contains { (try? ClaimLifecycle.next(from: $0, on: candidate).get()) == source }
            }
            if into.contains(where: { producer(of: $0) != producer(of: event) }) { return true }
        }
        return false
    }

    /// A rough order of the lifecycle, to tell "not yet" (park) from "never" (dead letter).
    static func rank(_ status: ClaimStatus) -> Int {
        ClaimStatus.allCases.firstIndex(of: status) ?? 0
    }

    static func apply(
        _ event: ClaimEvent,
        to reference: String,
        by actor: Actor,
        effect: Effect,
        envelope: EnvelopeFacts,
        db: Database,
        outbox: Outbox
    ) throws -> HandlingOutcome {
        guard let claim = try ClaimStore.claim(db, reference: reference) else {
            throw PoisonMessage("claim \(reference) does not exist (deleted, or never created here)")
        }
        let to: ClaimStatus
        switch ClaimLifecycle.next(from: claim.status, on: event) {
        case .success(let next):
            to = next
        case .failure(let refused):
            // A fact about a later stage than the claim has reached waits, if the step that is
            // missing comes from another producer (whose message may still be on its way); a
            // producer's own messages arrive in order, so a step it skipped can never come.
            if canStillArrive(event, claimIn: claim.status) {
                return .parked(reason: "\(refused); waiting for the claim to reach \(sources(of: event).map(\.rawValue).joined(separator: " or "))")
            }
            throw PoisonMessage(refused.description)
        }
        var reason: String?
        switch effect {
        case .none:
            break
        case .paid(let amount):
            try db.execute(sql: "UPDATE claims SET paid_pence = ? WHERE reference = ?", arguments: [amount, reference])
        case .reason(let text):
            reason = text
        case .rejected(let text):
            reason = text
            // A claim the payer will never pay frees its hours.
            try db.execute(sql: "UPDATE claim_mentors SET counts = 0 WHERE reference = ?", arguments: [reference])
        case .clawback(let mentors, let amount, let text):
            reason = text
            for mentor in mentors {
                try db.execute(
                    sql: "UPDATE claim_mentors SET hours_clawed_back = ? WHERE reference = ? AND trn = ?",
                    arguments: [mentor.hoursClawedBack, reference, mentor.trn]
                )
            }
            try db.execute(sql: "UPDATE claims SET clawback_amount_pence = ? WHERE reference = ?", arguments: [amount, reference])
        case .clawbackCleared(let text):
            reason = text
            try db.execute(sql: "UPDATE claim_mentors SET hours_clawed_back = 0 WHERE reference = ?", arguments: [reference])
            try db.execute(sql: "UPDATE claims SET clawback_amount_pence = 0 WHERE reference = ?", arguments: [reference])
        }
        try db.execute(
            sql: "UPDATE claims SET status = ?, status_reason = ?, version = version + 1 WHERE reference = ?",
            arguments: [to.rawValue, reason, reference]
        )
        try ClaimStore.record(
            db,
            reference: reference,
            ActivityEntry(action: "status_changed", from: claim.status, to: to, actor: actor, reason: reason, messageID: envelope.id),
            at: envelope.occurredAt
        )
        try outbox.append(
            ClaimStatusChanged(
                reference: reference,
                from: claim.status.rawValue,
                to: to.rawValue,
                reason: reason,
                actor: actor,
                causedBy: envelope.id
            ),
            // At the moment the claim's own history records, so an email's date (the school's
            // deadline to act) is the one the claim's next step shows.
            in: db,
            correlationId: envelope.correlationId,
            causationId: envelope.id,
            occurredAt: envelope.occurredAt
        )
        return .applied
    }
}

/// The parts of an envelope a handler records.
struct EnvelopeFacts: Sendable {
    let id: UUID
    let correlationId: UUID
    let occurredAt: Date
}

extension Envelope {
    /// The parts a handler records.
    var header: EnvelopeFacts { EnvelopeFacts(id: id, correlationId: correlationId, occurredAt: occurredAt) }
}
