import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport

/// Audit-sampling's database: one method per intention, each one transaction, the messages it
/// publishes appended to the outbox inside it. The writer is injected (a file in the service,
/// in-memory SQLite in storage tests).
struct AuditDatabase: Sendable {
    let writer: any DatabaseWriter
    let outbox: Outbox
    let now: @Sendable () -> Date
    /// The public address the providers' links start with.
    let publicBaseURL: String

    static let links = LinkTable(ownerColumn: "request_id")
    /// A provider is reminded when its request's last email is this old.
    static let reminderInterval: TimeInterval = 7 * 24 * 3600

    /// Who asked for a change, as messages and records name them.
    struct Requester: Sendable {
        var id: String
        var email: String
        var name: String?
        var actor: Actor { Actor.user(id: id, email: email, name: name) }
    }

    /// Issues new links for a provider request (earlier ones stop working), to `recipients` or the
    /// provider's own addresses, and publishes `sample.provider-requested`. The sample, support's
    /// "send again" and the weekly reminder all come through here.
    func issueProviderRequest(_ db: Database, id: Int64, recipients: [String]?, reminder: Int?, claimCount: Int? = nil, now: Date) throws {
        guard let request = try ProviderRequestRecord.find(db, id),
            let provider = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM providers WHERE code = ?"), arguments: [request.providerCode])
        else { throw AuditError.noSuchRequest }
        let addresses = recipients ?? (provider["email_addresses"] as String).split(separator: ";").map(String.init)
        let links = try Self.links.issue(db, owner: id, recipients: addresses, now: now).map {
            RecipientLink(email: $0.recipient, url: "\(publicBaseURL)/api/v1/audit/provider-requests/\(id)/file?token=\($0.token)")
        }
        let count = try claimCount ?? ProviderRequestRecord.progress(db, sampleID: request.sampleID, provider: request.providerCode).total
        try outbox.append(
            SampleProviderRequested(
                sampleId: request.sampleID,
                requestId: id,
                provider: ProviderSnapshot(code: provider["code"], name: provider["name"], ukprn: "", accredited: true, emailAddresses: addresses),
                recipients: links,
                dueOn: request.dueOn,
                claimCount: count,
                reminder: reminder
            ),
            in: db
        )
        try db.cachedStatement(sql: "UPDATE provider_requests SET last_notified_at = ? WHERE id = ?").execute(arguments: [Milliseconds(now), id])
    }

    /// Support sends a request's links again, to the given addresses or the provider's.
    func resendProviderRequest(_ id: Int64, to recipients: [String]?) async throws {
        let now = now()
        try await writer.write { db in try issueProviderRequest(db, id: id, recipients: recipients, reminder: nil, now: now) }
    }

    /// Reminds every provider whose open request's last email is a week old; returns how many.
    /// The time of the last email is stored with the request, so a restart never reminds twice.
    @discardableResult
    func remindDue() async throws -> Int {
        let now = now()
        return try await writer.write { db -> Int in
            let cutoff = Milliseconds(now.addingTimeInterval(-Self.reminderInterval))
            let due = try Row.fetchAll(
                db.cachedStatement(
                    sql: "SELECT id, reminders FROM provider_requests WHERE responded_at IS NULL AND COALESCE(last_notified_at, created_at) <= ?"
                ),
                arguments: [cutoff]
            )
            for row in due {
                let reminder = (row["reminders"] as Int) + 1
                try db.cachedStatement(sql: "UPDATE provider_requests SET reminders = ? WHERE id = ?").execute(arguments: [
                    reminder, row["id"] as Int64,
                ])
                try issueProviderRequest(db, id: row["id"], recipients: nil, reminder: reminder, now: now)
            }
            return due.count
        }
    }

    /// The request `id` if `user` may act on it: support always, a provider user only for its own
    /// providers (anyone else is told there is no such request).
    static func accessibleRequest(_ db: Database, _ id: Int64, for user: AuthenticatedUser) throws -> ProviderRequestRecord {
        guard let request = try ProviderRequestRecord.find(db, id) else { throw AuditError.noSuchRequest }
        switch AuditAccess.request(ofProvider: request.providerCode, for: user) {
        case .allowed: return request
        case .hidden: throw AuditError.noSuchRequest
        case .refused: throw AuditError.schoolsCannotSeeRequests
        }
    }

    /// Checks `user` may upload to request `id`, before a byte of the file is read.
    func checkAccess(toRequest id: Int64, for user: AuthenticatedUser) async throws {
        _ = try await writer.read { db in try Self.accessibleRequest(db, id, for: user) }
    }

    /// The request's file for a signed-in provider user of that provider, or support.
    func requestFile(_ id: Int64, for user: AuthenticatedUser) async throws -> Data {
        try await writer.read { db in
            _ = try Self.accessibleRequest(db, id, for: user)
            return try ProviderRequestRecord.file(db, id) ?? Data()
        }
    }

    /// What a provider's link leads to, without using it up, and the request's due date.
    func checkLink(token: String, request id: Int64) async throws -> (LinkTable.Redemption, dueOn: String?) {
        let now = now()
        return try await writer.read { db in
            (try Self.links.check(db, token: token, owner: id, now: now), try ProviderRequestRecord.find(db, id)?.dueOn)
        }
    }

    /// Uses the provider's link up and gives the request's file, once.
    func redeemLink(token: String, request id: Int64) async throws -> (LinkTable.Redemption, Data?) {
        let now = now()
        return try await writer.write { db in
            let outcome = try Self.links.redeem(db, token: token, owner: id, now: now)
            return (outcome, outcome == .valid ? try ProviderRequestRecord.file(db, id) ?? Data() : nil)
        }
    }
}

extension AuditDatabase {
    /// The service's database, from what the composition root built.
    init(_ env: ServiceEnvironment) {
        self.init(writer: env.database, outbox: env.outbox, now: env.now, publicBaseURL: env.configuration.publicBaseURL)
    }
}
