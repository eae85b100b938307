import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport

/// Payments' database: one method per intention, each one transaction, the messages it publishes
/// appended to the outbox inside it. The writer is injected (a file in the service, in-memory
/// SQLite in storage tests).
struct PaymentsDatabase: Sendable {
    let writer: any DatabaseWriter
    let outbox: Outbox
    let now: @Sendable () -> Date
    /// Where the payer's links are sent, and the public address they start with.
    let payerAddresses: [String]
    let publicBaseURL: String

    static let links = LinkTable(ownerColumn: "run_id")

    /// Who asked for a change: support's user, as messages and files record them.
    struct Requester: Sendable {
        var id: String
        var email: String
        var name: String?
        var actor: Actor { Actor.user(id: id, email: email, name: name) }
    }

    /// Sends every eligible claim to the payer in one new run of `kind`: the file, each claim in
    /// progress, fresh links for the payer, and the messages, or nothing when none is eligible.
    /// A retried request with the same `Idempotency-Key` gets the first run back.
    func createRun(
        _ kind: RunKind,
        window: Int64?,
        by requester: Requester,
        idempotency: IdempotencyRequest
    ) async throws
        -> IdempotentOutcome<RunView>
    {
        let now = now()
        return try await writer.write { db in
            try IdempotentOutcome<RunView>.run(db, user: requester.id, key: idempotency.key, body: idempotency.body, now: now) {
                let claims = try ClaimRecord.eligible(db, for: kind, window: window)
                guard !claims.isEmpty else { throw PaymentsError.nothingToSend(kind) }
                let file = PayerFiles.runFile(kind, claims: claims.map(\.fileClaim))
                let run = try RunRecord.insert(
                    db,
                    kind: kind,
                    window: window,
                    at: Milliseconds(now),
                    by: requester.email,
                    count: claims.count,
                    total: file.totalPence,
                    file: file.data
                )
                for claim in claims {
                    var lifecycle = PaymentLifecycle(claim.status)
                    _ = try lifecycle.includeInRun(kind)
                    let amount = claim.fileClaim.runAmount(kind)
                    try RunClaimRecords.insert(db, run: run, kind: kind, reference: claim.reference, amount: amount)
                    try ClaimRecord.setStatus(db, claim.reference, lifecycle.status)
                    switch kind {
                    case .payment: try outbox.append(PaymentRequested(reference: claim.reference, runId: run), in: db)
                    case .clawback:
                        let fields = ClawbackRunFields(reference: claim.reference, runId: run, clawbackAmountPence: amount)
                        try outbox.append(ClawbackSent(fields: fields), in: db)
                    }
                }
                try announce(db, run: run, kind: kind, count: claims.count, total: file.totalPence, now: now)
                return RunView(
                    id: run,
                    kind: kind,
                    claimWindowId: window,
                    claimCount: claims.count,
                    totalPence: file.totalPence,
                    createdBy: requester.email,
                    createdAt: now,
                    claims: nil,
                    links: nil
                )
            }
        }
    }

    /// New links for the payer to the run's file; the run's earlier links stop working.
    func resendLinks(run id: Int64, kind: RunKind) async throws -> RunView {
        let now = now()
        return try await writer.write { db in
            guard let run = try RunRecord.find(db, id: id, kind: kind) else { throw PaymentsError.noSuchRun }
            try announce(db, run: id, kind: kind, count: run.claimCount, total: run.totalPence, now: now)
            return RunView(run, claims: nil, links: nil)
        }
    }

    /// Issues the payer's links and publishes the run (created, or sent again).
    private func announce(_ db: Database, run: Int64, kind: RunKind, count: Int, total: Int64, now: Date) throws {
        let links = try Self.links.issue(db, owner: run, recipients: payerAddresses, now: now).map {
            RecipientLink(email: $0.recipient, url: "\(publicBaseURL)/api/v1/payments/\(kind.pathSegment)/\(run)/file?token=\($0.token)")
        }
        let fields = RunCreatedFields(runId: run, claimCount: count, totalPence: total, links: links)
        switch kind {
        case .payment: try outbox.append(PaymentRunCreated(run: fields), in: db)
        case .clawback: try outbox.append(ClawbackRunCreated(run: fields), in: db)
        }
    }

    /// What the payer's link leads to, without using it up.
    func checkLink(token: String, run id: Int64, kind: RunKind) async throws -> LinkTable.Redemption {
        let now = now()
        return try await writer.read { db in
            guard try RunRecord.find(db, id: id, kind: kind) != nil else { return .unknown }
            return try Self.links.check(db, token: token, owner: id, now: now)
        }
    }

    /// Uses the payer's link up and gives the run's file, once.
    func redeemLink(token: String, run id: Int64, kind: RunKind) async throws -> (LinkTable.Redemption, Data?) {
        let now = now()
        return try await writer.write { db in
            guard try RunRecord.find(db, id: id, kind: kind) != nil else { return (.unknown, nil) }
            let outcome = try Self.links.redeem(db, token: token, owner: id, now: now)
            return (outcome, outcome == .valid ? try RunRecord.file(db, id: id, kind: kind) : nil)
        }
    }

    /// The run's file for signed-in support (nothing used up).
    func runFile(run id: Int64, kind: RunKind) async throws -> Data {
        guard let data = try await writer.read({ db in try RunRecord.file(db, id: id, kind: kind) }) else { throw PaymentsError.noSuchRun }
        return data
    }
}

extension PaymentsDatabase {
    /// The service's database, from what the composition root built.
    init(_ env: ServiceEnvironment, payerAddresses: [String]) {
        self.init(
            writer: env.database,
            outbox: env.outbox,
            now: env.now,
            payerAddresses: payerAddresses,
            publicBaseURL: env.configuration.publicBaseURL
        )
    }
}
