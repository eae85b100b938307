import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport

extension IntakeDatabase {
    /// The facts a claim's check depends on, for the school `urn` in `year`.
    private func facts(
        _ db: Database,
        urn: Int,
        _ request: ClaimRequest,
        year: AcademicYear,
        excluding reference: String?
    ) throws
        -> (SchoolRecord, ClaimFacts)
    {
        guard let school = try ReferenceStore.school(db, urn: urn) else { throw IntakeError.noSuchSchool }
        let provider = try (try? ProviderCode(parsing: request.providerCode)).flatMap { try ReferenceStore.provider(db, code: $0.value) }
        var mentors: [String: (firstName: String, lastName: String)] = [:]
        var remaining: [String: Int] = [:]
        for trn in Set(request.mentors.compactMap { try? TRN(parsing: $0.trn).value }) {
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT first_name, last_name FROM mentors WHERE urn = ? AND trn = ?"),
                    arguments: [urn, trn]
                )
            else { continue }
            mentors[trn] = (row["first_name"], row["last_name"])
            if let provider {
                let a = try ClaimStore.allowance(db, trn: trn, provider: provider.code, year: year, excluding: reference)
                remaining[trn] = a.total - a.used
            }
        }
        let facts = ClaimFacts(
            schoolName: school.name,
            yearLabel: year.label,
            eligible: try ReferenceStore.isEligible(db, urn: urn, year: year.startYear),
            grantConditionsAccepted: try ReferenceStore.grantConditions(db, urn: urn) != nil,
            provider: provider,
            mentorsOnList: mentors,
            remainingHours: remaining
        )
        return (school, facts)
    }

    /// The window open now.
    private func currentWindow(_ db: Database, now: Date) throws -> ClaimWindow {
        guard let window = try ReferenceStore.windows(db).first(where: { $0.state(at: now, london) == .current }) else {
            throw IntakeError.invalid([FieldError(field: "claim_window", message: "Claims can only be made while a claim window is open")])
        }
        return window
    }

    /// The open window in which a draft of `claim`'s academic year can be changed or submitted:
    /// its own, or a later one of the same year (the draft then moves to it).
    private func windowForDraft(_ db: Database, _ claim: ClaimRecord, now: Date) throws -> ClaimWindow {
        let window = try currentWindow(db, now: now)
        guard window.academicYear.startYear == claim.academicYear else {
            throw IntakeError.invalid([
                FieldError(
                    field: "claim_window",
                    message:
                        "This claim is for \(claim.academicYear) to \(claim.academicYear + 1); it can be changed or submitted only while a window for that year is open"
                )
            ])
        }
        return window
    }

    /// Moves a draft to `window` when its own window has closed, with an entry in its history.
    private func moveDraft(_ db: Database, _ claim: ClaimRecord, to window: ClaimWindow, actor: Actor, now: Date) throws {
        guard window.id != claim.claimWindowID else { return }
        try db.cachedStatement(sql: "UPDATE claims SET claim_window_id = ? WHERE reference = ?").execute(arguments: [window.id, claim.reference])
        let reason = "Its claim window closed; it now belongs to the window from \(window.opensOn) to \(window.closesOn)"
        try ClaimStore.record(db, reference: claim.reference, ActivityEntry(action: "moved_window", actor: actor, reason: reason), at: now)
    }

    private func checkVersion(_ claim: ClaimRecord, _ ifMatch: IfMatch) throws {
        guard ifMatch.allows(Int64(claim.version)) else {
            throw IntakeError.changedSinceRead(what: "Claim \(claim.reference)", version: Int64(claim.version))
        }
    }

    /// Creates a draft for school `urn` in the open window; support's drafts are announced to the
    /// school. A retried request with the same `Idempotency-Key` gets the first draft back.
    func createClaim(
        urn: Int,
        _ request: ClaimRequest,
        by requester: Requester,
        idempotency: IdempotencyRequest
    ) async throws -> IdempotentOutcome<ClaimView> {
        let now = now()
        let user = requester.user
        return try await writer.write { db in
            try IdempotentOutcome<ClaimView>.run(db, user: user.id, key: idempotency.key, body: idempotency.body, now: now) {
                let window = try currentWindow(db, now: now)
                let (school, facts) = try facts(db, urn: urn, request, year: window.academicYear, excluding: nil)
                let (provider, lines) = try ClaimCheck.check(request, facts)
                var generator = SystemRandomNumberGenerator()
                let reference = try ClaimStore.newReference(db, using: &generator)
                try db.cachedStatement(
                    sql: """
                        INSERT INTO claims (reference, school_urn, school_name, provider_code, academic_year, claim_window_id, status,
                                            total_hours, created_at, created_by_id, created_by_email)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    reference, school.urn, school.name, provider.code, window.academicYear.startYear, window.id, ClaimStatus.draft.rawValue,
                    lines.reduce(0) { $0 + $1.hours }, Milliseconds(now), user.id, user.email,
                ])
                try ClaimStore.replaceMentors(db, reference: reference, provider: provider.code, year: window.academicYear.startYear, lines: lines)
                try ClaimStore.record(db, reference: reference, ActivityEntry(action: "created", to: .draft, actor: requester.actor), at: now)
                if user.role == .support {
                    // The school is told a claim is waiting for it to review and submit.
                    try outbox.append(
                        ClaimDraftCreated(
                            reference: reference,
                            school: school.snapshot,
                            provider: provider.snapshot,
                            academicYear: window.academicYear.startYear,
                            claimWindowId: window.id,
                            mentors: lines.map { ClaimMentor(trn: $0.trn, firstName: $0.firstName, lastName: $0.lastName, hours: $0.hours) },
                            createdBy: requester.actor,
                            bySupport: true
                        ),
                        in: db
                    )
                }
                return try ClaimView.load(db, reference: reference, now: now, london: london, support: supportAddress)
            }
        }
    }

    /// Changes a draft's provider and mentors.
    func editClaim(_ reference: String, _ request: ClaimRequest, ifMatch: IfMatch, by requester: Requester) async throws -> ClaimView {
        let now = now()
        return try await writer.write { db in
            let claim = try Self.visibleClaim(db, reference, requester.user)
            try ClaimAccess.edit(by: requester.user.role)
            try checkVersion(claim, ifMatch)
            guard claim.status == .draft else {
                throw IntakeError.conflict("Only a draft claim can be changed; this one is \(claim.status.rawValue).")
            }
            let window = try windowForDraft(db, claim, now: now)
            let (_, facts) = try facts(db, urn: claim.schoolURN, request, year: window.academicYear, excluding: reference)
            let (provider, lines) = try ClaimCheck.check(request, facts)
            try moveDraft(db, claim, to: window, actor: requester.actor, now: now)
            try db.cachedStatement(sql: "UPDATE claims SET provider_code = ?, total_hours = ?, version = version + 1 WHERE reference = ?")
                .execute(arguments: [provider.code, lines.reduce(0) { $0 + $1.hours }, reference])
            try ClaimStore.replaceMentors(db, reference: reference, provider: provider.code, year: claim.academicYear, lines: lines)
            try ClaimStore.record(db, reference: reference, ActivityEntry(action: "edited", actor: requester.actor), at: now)
            return try ClaimView.load(db, reference: reference, now: now, london: london, support: supportAddress)
        }
    }

    /// Submits a draft: checked again atomically with the write (no one else's claim can use the
    /// same hours in between), priced at the region's rate, and published.
    func submitClaim(_ reference: String, declarationAccepted: Bool, by requester: Requester) async throws -> ClaimView {
        let now = now()
        let user = requester.user
        return try await writer.write { db in
            let claim = try Self.visibleClaim(db, reference, user)
            try ClaimAccess.submit(by: user.role, declarationAccepted: declarationAccepted)
            guard case .success(let to) = ClaimLifecycle.next(from: claim.status, on: .submitted) else {
                throw IntakeError.conflict("This claim has already been submitted; it is \(claim.status.rawValue).")
            }
            let window = try windowForDraft(db, claim, now: now)
            let request = ClaimRequest(providerCode: claim.providerCode, mentors: claim.mentors.map { .init(trn: $0.trn, hours: $0.hours) })
            let (school, facts) = try facts(db, urn: claim.schoolURN, request, year: window.academicYear, excluding: reference)
            let (provider, checked) = try ClaimCheck.check(request, facts)
            let price = try ClaimCheck.price(
                checked,
                rate: try ReferenceStore.rates(db, year: claim.academicYear)[school.region],
                region: school.region
            )
            try moveDraft(db, claim, to: window, actor: requester.actor, now: now)
            try db.cachedStatement(
                sql: """
                    UPDATE claims SET status = ?, rate_pence = ?, amount_pence = ?, total_hours = ?, submitted_at = ?, submitted_by_id = ?,
                        submitted_by_email = ?, submitted_by_name = ?, version = version + 1
                    WHERE reference = ?
                    """
            ).execute(arguments: [
                to.rawValue, price.rate.value, price.amount.value, price.hours, Milliseconds(now), user.id, user.email, user.name, reference,
            ])
            try ClaimStore.record(
                db,
                reference: reference,
                ActivityEntry(action: "submitted", from: claim.status, to: to, actor: requester.actor),
                at: now
            )
            let message = ClaimSubmitted(
                reference: reference,
                school: school.snapshot,
                provider: provider.snapshot,
                academicYear: claim.academicYear,
                claimWindowId: window.id,
                mentors: checked.map { ClaimMentor(trn: $0.trn, firstName: $0.firstName, lastName: $0.lastName, hours: $0.hours) },
                totalHours: price.hours,
                ratePence: price.rate.value,
                amountPence: price.amount.value,
                submittedAt: now,
                submittedBy: requester.actor
            )
            try publish(message, from: claim.status, to: to, in: db)
            return try ClaimView.load(db, reference: reference, now: now, london: london, support: supportAddress)
        }
    }

    /// Publishes a submission and, caused by it, the claim's status change.
    private func publish(_ submitted: ClaimSubmitted, from: ClaimStatus, to: ClaimStatus, in db: Database) throws {
        let envelope = try outbox.append(submitted, in: db)
        try outbox.append(
            ClaimStatusChanged(
                reference: submitted.reference,
                from: from.rawValue,
                to: to.rawValue,
                reason: nil,
                actor: submitted.submittedBy,
                causedBy: nil
            ),
            in: db,
            correlationId: envelope.correlationId,
            causationId: envelope.id
        )
    }

    /// Deletes a claim the policy lets `requester` delete, keeping its history.
    func deleteClaim(_ reference: String, reason: String?, ifMatch: IfMatch, by requester: Requester) async throws {
        let now = now()
        try await writer.write { db in
            let claim = try Self.visibleClaim(db, reference, requester.user)
            try checkVersion(claim, ifMatch)
            try ClaimAccess.delete(claim.status, by: requester.user.role)
            try db.cachedStatement(sql: "DELETE FROM claims WHERE reference = ?").execute(arguments: [reference])
            try ClaimStore.record(
                db,
                reference: reference,
                ActivityEntry(action: "deleted", from: claim.status, actor: requester.actor, reason: reason),
                at: now
            )
            if claim.status != .draft { try outbox.append(ClaimDeleted(reference: reference, reason: reason, by: requester.actor), in: db) }
        }
    }
}
