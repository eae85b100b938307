import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport

/// What one provider response came to.
struct VerdictSummary: Codable, Sendable {
    var acceptedClaims: Int
    var notApprovedClaims: Int
    var unansweredClaims: Int
    var alreadyApplied: Bool
}

extension AuditDatabase {
    /// What a provider's upload came to: applied now, or the reply it got the first time.
    enum VerdictOutcome: Sendable {
        case applied(VerdictSummary)
        case alreadyApplied(String)
    }

    /// Records a provider's verdicts on its request: every row checked first, nothing applied
    /// unless all are right; a claim whose mentors were all accepted is paid again, any other is
    /// not approved by the provider. The same file again gives the first reply.
    func recordVerdicts(request id: Int64, rows: [ProviderResponseRow], by user: AuthenticatedUser) async throws -> VerdictOutcome {
        let fingerprint = ProviderFiles.fingerprint(rows)
        let now = now()
        return try await writer.write { db in
            let request = try Self.accessibleRequest(db, id, for: user)
            if let earlier = try AppliedUpload.earlier(db, kind: "provider-response", scope: "\(id)", fingerprint: fingerprint) {
                return .alreadyApplied(earlier)
            }
            let claims = try AuditClaimRecord.fetchAll(
                db.cachedStatement(
                    sql: "SELECT c.* FROM sample_claims s JOIN claims c ON c.reference = s.reference WHERE s.sample_id = ? AND c.provider_code = ?"
                ),
                arguments: [request.sampleID, request.providerCode]
            )
            let requested = claims.map {
                RequestedClaim(reference: $0.reference, mentorTRNs: Set($0.mentors.map(\.trn)), stillSampling: $0.status == .samplingInProgress)
            }
            let verdicts: [ClaimVerdict]
            switch ProviderResponseCheck.check(rows, request: requested) {
            case .success(let value): verdicts = value
            case .failure(let problems):
                throw AuditError.fileHasErrors(
                    problems.problems.map { FieldError(field: "row \($0.row)", message: $0.message) },
                    nothing: "Nothing was applied. Correct every row listed and upload the whole file again."
                )
            }
            let byReference = Dictionary(uniqueKeysWithValues: claims.map { ($0.reference, $0) })
            var summary = VerdictSummary(acceptedClaims: 0, notApprovedClaims: 0, unansweredClaims: 0, alreadyApplied: false)
            for verdict in verdicts {
                guard let claim = byReference[verdict.reference] else { continue }
                try record(db, verdict, on: claim, sample: request.sampleID, now: now)
                if verdict.rejected.isEmpty { summary.acceptedClaims += 1 } else { summary.notApprovedClaims += 1 }
            }
            // The request stays open, listed and reminded, until every claim in it is answered.
            try ProviderRequestRecord.closeAnswered(db, sampleID: request.sampleID, now: now)
            summary.unansweredClaims = try ProviderRequestRecord.progress(db, sampleID: request.sampleID, provider: request.providerCode).unanswered
            try AppliedUpload.record(db, kind: "provider-response", scope: "\(id)", fingerprint: fingerprint, reply: summary, now: now)
            return .applied(summary)
        }
    }

    private func record(_ db: Database, _ verdict: ClaimVerdict, on claim: AuditClaimRecord, sample: Int64, now: Date) throws {
        let rejected = Dictionary(uniqueKeysWithValues: verdict.rejected.map { ($0.trn, $0.reason) })
        let statement = try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO mentor_verdicts (reference, sample_id, trn, accepted, reason, recorded_at) VALUES (?, ?, ?, ?, ?, ?)"
        )
        for trn in Set(claim.mentors.map(\.trn)).sorted() {
            try statement.execute(arguments: [claim.reference, sample, trn, rejected[trn] == nil, rejected[trn], Milliseconds(now)])
        }
        var lifecycle = AuditLifecycle(claim.status)
        switch try lifecycle.providerAnswered(everyMentorAccepted: verdict.rejected.isEmpty) {
        case .closedAsPaid:
            try AuditClaimRecord.setStatus(db, claim.reference, lifecycle.status)
            try AuditClaimRecord.closeSample(db, claim.reference)
            try outbox.append(SampleProviderAccepted(reference: claim.reference), in: db)
        default:
            try AuditClaimRecord.setStatus(db, claim.reference, lifecycle.status)
            let mentors = verdict.rejected.map { RejectedMentor(trn: $0.trn, name: nil, reason: $0.reason) }
            try outbox.append(SampleProviderNotApproved(reference: claim.reference, mentors: mentors), in: db)
        }
    }

    /// The claim for support's action, after checking `If-Match` against audit's view of it.
    private func claimForAction(_ db: Database, _ reference: String, _ ifMatch: IfMatch) throws -> AuditClaimRecord {
        guard let claim = try AuditClaimRecord.find(db, reference) else { throw AuditError.noSuchClaim }
        guard ifMatch.allows(claim.version) else { throw AuditError.changedSinceRead(reference: reference, version: claim.version) }
        return claim
    }

    private func openSample(_ db: Database, _ reference: String) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT sample_id FROM sample_claims WHERE reference = ? AND open = 1"), arguments: [reference])
    }

    /// Support approves a sampled claim: paid again, and answered for its provider's request.
    func approve(_ reference: String, ifMatch: IfMatch, by requester: Requester) async throws -> ClaimStatus {
        let now = now()
        return try await writer.write { db in
            let claim = try claimForAction(db, reference, ifMatch)
            var lifecycle = AuditLifecycle(claim.status)
            _ = try lifecycle.approve()
            let sample = try openSample(db, reference)
            try AuditClaimRecord.setStatus(db, reference, lifecycle.status)
            try AuditClaimRecord.closeSample(db, reference)
            try outbox.append(SampleApproved(reference: reference, by: requester.actor), in: db)
            if let sample { try ProviderRequestRecord.closeAnswered(db, sampleID: sample, now: now) }
            return lifecycle.status
        }
    }

    /// Records the school's response to the provider's rejection: the claim is not approved.
    func recordSchoolResponse(_ reference: String, lines: [DecisionLine], ifMatch: IfMatch, by requester: Requester) async throws -> ClaimStatus {
        let now = now()
        return try await writer.write { db in
            let claim = try claimForAction(db, reference, ifMatch)
            var lifecycle = AuditLifecycle(claim.status)
            _ = try lifecycle.schoolResponded()
            let cleaned = try AuditDecisions.schoolResponse(lines, claimMentors: claim.mentors)
            let sample =
                try openSample(db, reference)
                ?? Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(sample_id) FROM sample_claims WHERE reference = ?"), arguments: [reference])
                ?? 0
            try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO school_responses (reference, sample_id, mentors, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?)"
            ).execute(arguments: [reference, sample, try JSONColumn.encode(cleaned.map { [$0.trn, $0.reason] }), requester.email, Milliseconds(now)])
            try AuditClaimRecord.setStatus(db, reference, lifecycle.status)
            let mentors = lines.map { RejectedMentor(trn: $0.trn, name: nil, reason: $0.reason) }
            try outbox.append(SampleSchoolRejected(reference: reference, mentors: mentors, by: requester.actor), in: db)
            return lifecycle.status
        }
    }

    /// The mentors the provider did not accept in the claim's latest audit: exactly the ones a
    /// clawback must name. (A claim audited before verdicts were kept falls back to all its
    /// mentors.)
    private func notAccepted(_ db: Database, _ claim: AuditClaimRecord) throws -> Set<String> {
        guard
            let sample = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT MAX(sample_id) FROM mentor_verdicts WHERE reference = ?"),
                arguments: [claim.reference]
            )
        else { return Set(claim.mentors.map(\.trn)) }
        return Set(
            try String.fetchAll(
                db.cachedStatement(sql: "SELECT trn FROM mentor_verdicts WHERE reference = ? AND sample_id = ? AND accepted = 0"),
                arguments: [claim.reference, sample]
            )
        )
    }

    /// Support requests a clawback of the hours not trained; with none, the claim is paid again.
    func requestClawback(_ reference: String, lines: [DecisionLine], ifMatch: IfMatch, by requester: Requester) async throws -> ClaimStatus {
        let now = now()
        return try await writer.write { db in
            let claim = try claimForAction(db, reference, ifMatch)
            var lifecycle = AuditLifecycle(claim.status)
            try lifecycle.checkClawbackCanBeRequested()
            let clawback = try AuditDecisions.clawback(lines, claimMentors: claim.mentors, notAccepted: try notAccepted(db, claim))
            let hours = clawback.reduce(0) { $0 + $1.hoursClawedBack }
            guard try lifecycle.requestClawback(hours: hours, by: requester.id) == .clawbackAwaitsApproval else {
                try AuditClaimRecord.setStatus(db, reference, lifecycle.status)
                try AuditClaimRecord.closeSample(db, reference)
                try outbox.append(ClawbackNotRequired(reference: reference, by: requester.actor), in: db)
                return lifecycle.status
            }
            let amount = claim.ratePence * Int64(hours)
            try db.cachedStatement(
                sql: """
                    INSERT INTO clawback_requests (reference, requested_by_id, requested_by_email, mentors, amount_pence, state, requested_at)
                    VALUES (?, ?, ?, ?, ?, 'pending', ?)
                    ON CONFLICT (reference) DO UPDATE SET requested_by_id = excluded.requested_by_id, requested_by_email = excluded.requested_by_email,
                        mentors = excluded.mentors, amount_pence = excluded.amount_pence, state = 'pending', decided_by_email = NULL, reason = NULL,
                        requested_at = excluded.requested_at, decided_at = NULL
                    """
            ).execute(arguments: [reference, requester.id, requester.email, try ClawbackRequestRecord.stored(clawback), amount, Milliseconds(now)])
            try AuditClaimRecord.setStatus(db, reference, lifecycle.status)
            let mentors = clawback.map { ClawbackMentor(trn: $0.trn, hoursClawedBack: $0.hoursClawedBack, notes: $0.notes) }
            try outbox.append(ClawbackRequested(reference: reference, mentors: mentors, clawbackAmountPence: amount, by: requester.actor), in: db)
            return lifecycle.status
        }
    }

    /// A second support user approves or rejects the pending clawback. The approver must have
    /// seen exactly this request: one changed since they loaded it is refused, never approved
    /// unseen; and the requester never decides their own.
    func decideClawback(_ reference: String, approved: Bool, reason: String, ifMatch: IfMatch, by requester: Requester) async throws -> ClaimStatus {
        let now = now()
        return try await writer.write { db in
            let claim = try claimForAction(db, reference, ifMatch)
            let pending = try ClawbackRequestRecord.find(db, reference).flatMap { $0.state == .pending ? $0 : nil }
            var lifecycle = AuditLifecycle(claim.status, pendingClawbackBy: pending?.requestedByID)
            do { _ = try lifecycle.decideClawback(approved: approved, by: requester.id) } catch AuditLifecycle.DecisionRefusal.ownRequest {
                throw AuditError.ownClawback
            } catch { throw AuditError.noClawbackPending }
            guard let pending else { throw AuditError.noClawbackPending }
            try db.cachedStatement(
                sql: "UPDATE clawback_requests SET state = ?, decided_by_email = ?, reason = ?, decided_at = ? WHERE reference = ?"
            ).execute(arguments: [approved ? "approved" : "rejected", requester.email, approved ? nil : reason, Milliseconds(now), reference])
            try AuditClaimRecord.setStatus(db, reference, lifecycle.status)
            if approved {
                let mentors = pending.mentors.map { ClawbackMentor(trn: $0.trn, hoursClawedBack: $0.hoursClawedBack, notes: $0.notes) }
                try outbox.append(
                    ClawbackApproved(reference: reference, clawbackAmountPence: pending.amountPence, mentors: mentors, by: requester.actor),
                    in: db
                )
            } else {
                try outbox.append(ClawbackRejected(reference: reference, reason: reason, by: requester.actor), in: db)
            }
            return lifecycle.status
        }
    }
}
