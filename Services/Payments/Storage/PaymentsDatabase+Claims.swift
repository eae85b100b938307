import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport

/// What one payer response came to.
struct ResponseSummary: Encodable, Sendable {
    var paid: Int?
    var informationRequested: Int?
    var clawbackComplete: Int?
    var unchanged: Int
    var alreadyApplied: Bool

    init(kind: RunKind, paid: Int, informationRequested: Int, clawbackComplete: Int, unchanged: Int, alreadyApplied: Bool) {
        self.paid = kind == .payment ? paid : nil
        self.informationRequested = kind == .payment ? informationRequested : nil
        self.clawbackComplete = kind == .clawback ? clawbackComplete : nil
        self.unchanged = unchanged
        self.alreadyApplied = alreadyApplied
    }
}

extension PaymentsDatabase {
    /// Applies the payer's response to a run: every row checked first, nothing applied unless all
    /// are right; the same file again changes nothing.
    func applyPayerResponse(run id: Int64, kind: RunKind, file: Data, by requester: Requester) async throws -> ResponseSummary {
        let table = try PayerFiles.table(file, kind: kind)
        let fingerprint = PayerFiles.fingerprint(table, kind: kind)
        let now = now()
        return try await writer.write { db in
            guard try RunRecord.find(db, id: id, kind: kind) != nil else { throw PaymentsError.noSuchRun }
            if try ResponseFileRecords.applied(db, run: id, fingerprint: fingerprint) {
                return ResponseSummary(
                    kind: kind,
                    paid: 0,
                    informationRequested: 0,
                    clawbackComplete: 0,
                    unchanged: table.rows.count,
                    alreadyApplied: true
                )
            }
            let members = try RunClaimRecords.members(db, run: id)
            var counts = (paid: 0, information: 0, complete: 0, unchanged: 0)
            for answer in try PayerFiles.answers(table, kind: kind, members: members) {
                var lifecycle = PaymentLifecycle(members[answer.reference]?.status ?? kind.inProgressStatus)
                let effect = try lifecycle.payerAnswered(answer.outcome, in: kind)
                try record(db, effect, reference: answer.reference, status: lifecycle.status, amount: answer.amountPence, run: id, actor: nil)
                switch effect {
                case .paid: counts.paid += 1
                case .informationRequested: counts.information += 1
                case .clawedBack: counts.complete += 1
                default: counts.unchanged += 1
                }
            }
            try ResponseFileRecords.insert(db, run: id, fingerprint: fingerprint, at: Milliseconds(now), by: requester.email)
            return ResponseSummary(
                kind: kind,
                paid: counts.paid,
                informationRequested: counts.information,
                clawbackComplete: counts.complete,
                unchanged: counts.unchanged,
                alreadyApplied: false
            )
        }
    }

    /// A step support takes on one claim in the information loop.
    enum SupportStep: Sendable {
        case informationSent
        case confirmPaid
        case reject(reason: String)
    }

    /// Takes `step` on the claim when support's view of it (`ifMatch`) is still current.
    func take(_ step: SupportStep, on reference: String, ifMatch: IfMatch, by requester: Requester) async throws -> ClaimStatus {
        try await writer.write { db in
            guard let claim = try ClaimRecord.find(db, reference) else { throw PaymentsError.noSuchClaim }
            guard ifMatch.allows(claim.version) else { throw PaymentsError.changedSinceRead(reference: reference, version: claim.version) }
            var lifecycle = PaymentLifecycle(claim.status)
            let effect: PaymentLifecycle.Effect
            switch step {
            case .informationSent: effect = try lifecycle.informationSent()
            case .confirmPaid: effect = try lifecycle.confirmPaid()
            case .reject(let reason): effect = try lifecycle.reject(reason: reason)
            }
            try record(db, effect, reference: reference, status: lifecycle.status, amount: claim.amountPence, run: nil, actor: requester.actor)
            return lifecycle.status
        }
    }

    /// Saves a step's new status and what goes with it, and publishes it.
    private func record(
        _ db: Database,
        _ effect: PaymentLifecycle.Effect,
        reference: String,
        status: ClaimStatus,
        amount: Int64,
        run: Int64?,
        actor: Actor?
    ) throws {
        switch effect {
        case .paid:
            try db.cachedStatement(sql: "UPDATE claims SET status = ?, paid_pence = ? WHERE reference = ?").execute(arguments: [
                status.rawValue, amount, reference,
            ])
            if let run { try RunClaimRecords.setOutcome(db, run: run, reference: reference, outcome: "paid") }
            try outbox.append(PaymentPaid(reference: reference, runId: run, amountPence: amount, by: actor), in: db)
        case .informationRequested(let reason):
            try ClaimRecord.setStatus(db, reference, status, reason: reason)
            if let run { try RunClaimRecords.setOutcome(db, run: run, reference: reference, outcome: "unpaid") }
            try outbox.append(PaymentInformationRequested(reference: reference, reason: reason), in: db)
        case .clawedBack:
            try db.cachedStatement(sql: "UPDATE claims SET status = ?, clawed_back_pence = clawback_amount_pence WHERE reference = ?")
                .execute(arguments: [status.rawValue, reference])
            if let run { try RunClaimRecords.setOutcome(db, run: run, reference: reference, outcome: ClaimStatus.clawbackComplete.rawValue) }
            try outbox.append(
                ClawbackCompleted(fields: ClawbackRunFields(reference: reference, runId: run ?? 0, clawbackAmountPence: amount)),
                in: db
            )
        case .informationSent:
            try ClaimRecord.setStatus(db, reference, status)
            if let actor { try outbox.append(PaymentInformationSent(reference: reference, by: actor), in: db) }
        case .notApproved(let reason):
            try ClaimRecord.setStatus(db, reference, status, reason: reason)
            if let actor { try outbox.append(PaymentRejected(reference: reference, reason: reason, by: actor), in: db) }
        case .sentToPayer, .none:
            break
        }
    }
}
