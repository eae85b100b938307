import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport

/// Other services' facts applied to claims, inside the inbox's transaction for the message: each
/// transition the lifecycle allows updates the claim, records the activity and publishes
/// `claim.status-changed`; a message that arrives before the claim can take it is parked, an
/// impossible one dead-lettered.
enum StatusCopy {
    /// What else a message changes besides the status.
    enum Effect {
        case none
        case paid(amountPence: Int64)
        case reason(String)
        case rejected(reason: String)
        case clawback(mentors: [ClawbackMentor], amountPence: Int64, reason: String?)
        case clawbackCleared(reason: String)
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
            if ClaimEventOrder.canStillArrive(event, claimIn: claim.status) {
                return .parked(
                    reason:
                        "\(refused); waiting for the claim to reach \(ClaimEventOrder.sources(of: event).map(\.rawValue).joined(separator: " or "))"
                )
            }
            throw PoisonMessage(refused.description)
        }
        let reason = try record(effect, on: reference, in: db)
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

    /// Saves what a message changes besides the status; returns the reason the claim's history
    /// and message carry.
    private static func record(_ effect: Effect, on reference: String, in db: Database) throws -> String? {
        switch effect {
        case .none:
            return nil
        case .paid(let amount):
            try db.execute(sql: "UPDATE claims SET paid_pence = ? WHERE reference = ?", arguments: [amount, reference])
            return nil
        case .reason(let text):
            return text
        case .rejected(let text):
            // A claim the payer will never pay frees its hours.
            try db.execute(sql: "UPDATE claim_mentors SET counts = 0 WHERE reference = ?", arguments: [reference])
            return text
        case .clawback(let mentors, let amount, let text):
            for mentor in mentors {
                try db.execute(
                    sql: "UPDATE claim_mentors SET hours_clawed_back = ? WHERE reference = ? AND trn = ?",
                    arguments: [mentor.hoursClawedBack, reference, mentor.trn]
                )
            }
            try db.execute(sql: "UPDATE claims SET clawback_amount_pence = ? WHERE reference = ?", arguments: [amount, reference])
            return text
        case .clawbackCleared(let text):
            try db.execute(sql: "UPDATE claim_mentors SET hours_clawed_back = 0 WHERE reference = ?", arguments: [reference])
            try db.execute(sql: "UPDATE claims SET clawback_amount_pence = 0 WHERE reference = ?", arguments: [reference])
            return text
        }
    }

    /// The claim's flags from audit's checks, with an entry in its history.
    static func recordFlags(_ reasons: [String], on reference: String, from producer: String, envelope: EnvelopeFacts, in db: Database) throws {
        let encoded = try String(decoding: JSONEncoder().encode(reasons), as: UTF8.self)
        try db.cachedStatement(sql: "UPDATE claims SET flags = ? WHERE reference = ?").execute(arguments: [encoded, reference])
        guard db.changesCount == 1 else { throw PoisonMessage("claim \(reference) does not exist") }
        try ClaimStore.record(
            db,
            reference: reference,
            ActivityEntry(
                action: reasons.isEmpty ? "unflagged" : "flagged",
                actor: .service(producer),
                reason: reasons.isEmpty ? "The reasons for the flag no longer hold" : reasons.joined(separator: "; "),
                messageID: envelope.id
            ),
            at: envelope.occurredAt
        )
    }

    /// An email about the claim, sent or failed, in its history.
    static func recordEmail(_ f: NotificationFields, action: String, from producer: String, envelope: EnvelopeFacts, in db: Database) throws {
        guard let reference = f.reference else { return }
        try ClaimStore.record(
            db,
            reference: reference,
            ActivityEntry(
                action: action,
                actor: .service(producer),
                reason: [f.template, "to \(f.to)", f.error].compactMap { $0 }.joined(separator: ", "),
                messageID: envelope.id
            ),
            at: envelope.occurredAt
        )
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
