import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport

/// Claims-intake's database: one method per intention, each one transaction, the messages it
/// publishes appended to the outbox inside it. The writer is injected (a file in the service,
/// in-memory SQLite in storage tests); the rules it applies are the pure ones of `Domain/`.
struct IntakeDatabase: Sendable {
    let writer: any DatabaseWriter
    let outbox: Outbox
    let now: @Sendable () -> Date
    /// The address a claim's next step names for help.
    let supportAddress: String
    let london = LondonTime()

    /// Who is acting, as the claim's history and messages record them.
    struct Requester: Sendable {
        var user: AuthenticatedUser
        var actor: Actor { Actor.user(id: user.id, email: user.email, name: user.name) }
    }

    // MARK: Mentors

    /// Adds a mentor to the school's list.
    func addMentor(urn: Int, trn: TRN, firstName: String, lastName: String) async throws {
        let now = now()
        try await writer.write { db in
            guard try ReferenceStore.school(db, urn: urn) != nil else { throw IntakeError.noSuchSchool }
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO mentors (urn, trn, first_name, last_name, added_at) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [urn, trn.value, firstName, lastName, Milliseconds(now)])
            guard db.changesCount == 1 else { throw IntakeError.conflict("The mentor with TRN \(trn.value) is already on this school's list.") }
        }
    }

    /// Refuses, as adding would, a mentor who cannot be added (no such school, or already on its
    /// list): checked before the Teaching Record System is asked.
    func checkCanAddMentor(urn: Int, trn: TRN) async throws {
        try await writer.read { db in
            guard try ReferenceStore.school(db, urn: urn) != nil else { throw IntakeError.noSuchSchool }
            let listed = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM mentors WHERE urn = ? AND trn = ?)", arguments: [urn, trn.value])
            if listed == true { throw IntakeError.conflict("The mentor with TRN \(trn.value) is already on this school's list.") }
        }
    }

    /// The school's mentors, by name.
    func mentors(urn: Int) async throws -> [(trn: String, firstName: String, lastName: String)] {
        try await writer.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT trn, first_name, last_name FROM mentors WHERE urn = ? ORDER BY last_name, first_name"),
                arguments: [urn]
            ).map { ($0["trn"], $0["first_name"], $0["last_name"]) }
        }
    }

    /// Removes a mentor who is on no draft or submitted claim.
    func removeMentor(urn: Int, trn: TRN) async throws {
        try await writer.write { db in
            let onOpenClaim =
                try Bool.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT EXISTS (SELECT 1 FROM claim_mentors m JOIN claims c ON c.reference = m.reference
                            WHERE c.school_urn = ? AND m.trn = ? AND c.status IN (?, ?))
                            """
                    ),
                    arguments: [urn, trn.value, ClaimStatus.draft.rawValue, ClaimStatus.submitted.rawValue]
                ) ?? false
            if onOpenClaim { throw IntakeError.conflict("The mentor is on a draft or submitted claim; remove them from it first.") }
            try db.cachedStatement(sql: "DELETE FROM mentors WHERE urn = ? AND trn = ?").execute(arguments: [urn, trn.value])
            guard db.changesCount == 1 else { throw IntakeError.noSuchMentor }
        }
    }

    /// A mentor's hours with a provider in the open window's year.
    func allowance(
        urn: Int,
        trn: TRN,
        provider: ProviderCode
    ) async throws -> (year: AcademicYear, type: HourAllowance.TrainingType, total: Int, used: Int) {
        let now = now()
        return try await writer.read { db in
            guard
                try Bool.fetchOne(
                    db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM mentors WHERE urn = ? AND trn = ?)"),
                    arguments: [urn, trn.value]
                )
                    == true
            else { throw IntakeError.noSuchMentor }
            guard let window = try ReferenceStore.windows(db).first(where: { $0.state(at: now, london) == .current }) else {
                throw IntakeError.notFound("No claim window is open.")
            }
            let a = try ClaimStore.allowance(db, trn: trn.value, provider: provider.value, year: window.academicYear, excluding: nil)
            return (window.academicYear, a.type, a.total, a.used)
        }
    }

    // MARK: Reading a claim

    /// The claim, if `user` may see it; otherwise there is no such claim.
    static func visibleClaim(_ db: Database, _ reference: String, _ user: AuthenticatedUser) throws -> ClaimRecord {
        guard let claim = try ClaimStore.claim(db, reference: reference),
            ClaimAccess.mayView(schoolURN: claim.schoolURN, providerCode: claim.providerCode, status: claim.status, user: user)
        else { throw IntakeError.noSuchClaim }
        return claim
    }

    /// The claim as `user` sees it.
    func claim(_ reference: String, for user: AuthenticatedUser) async throws -> ClaimView {
        let now = now()
        return try await writer.read { db in
            _ = try Self.visibleClaim(db, reference, user)
            return try ClaimView.load(db, reference: reference, now: now, london: london, support: supportAddress)
        }
    }

    /// The claim's history, oldest first.
    func activity(_ reference: String, for user: AuthenticatedUser) async throws -> [ActivityView] {
        try await writer.read { db in
            _ = try Self.visibleClaim(db, reference, user)
            return try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM claim_activity WHERE reference = ? ORDER BY id"), arguments: [reference])
                .map {
                    row in
                    let service: String? = row["actor_service"]
                    return ActivityView(
                        at: (row["at"] as Milliseconds).date,
                        action: row["action"],
                        from: row["from_status"],
                        to: row["to_status"],
                        actor: service.map { Actor.service($0) } ?? Actor.user(id: row["actor_id"] ?? "", email: row["actor_email"] ?? ""),
                        reason: row["reason"],
                        messageId: row["message_id"]
                    )
                }
        }
    }
}

/// One entry of a claim's history.
struct ActivityView: Encodable, Sendable {
    var at: Date
    var action: String
    var from: String?
    var to: String?
    var actor: Actor
    var reason: String?
    var messageId: String?
}

extension IntakeDatabase {
    /// The service's database, from what the composition root built.
    init(_ env: ServiceEnvironment, supportAddress: String) {
        self.init(writer: env.database, outbox: env.outbox, now: env.now, supportAddress: supportAddress)
    }
}
