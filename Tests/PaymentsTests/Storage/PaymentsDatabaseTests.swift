import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport
import Storage
import Testing

@testable import Payments

/// Payments' database, one intention at a time, against real in-memory SQLite with the service's
/// own migrations: what each call stores, what it publishes, and that a refusal stores nothing.
@Suite struct PaymentsDatabaseTests {
    let queue: DatabaseQueue
    let database: PaymentsDatabase
    static let now = Date(timeIntervalSince1970: 1_770_000_000)
    static let support = PaymentsDatabase.Requester(id: "support-1", email: "support@education.example", name: "Sam")

    init() throws {
        queue = try DatabaseQueue()
        var migrator = DatabaseMigrator()
        BusSchema.register(in: &migrator)
        Migrations.register(in: &migrator)
        try migrator.migrate(queue)
        database = PaymentsDatabase(
            writer: queue,
            outbox: Outbox(producer: "payments", now: { Self.now }, wakeup: Wakeup()),
            now: { Self.now },
            payerAddresses: ["payer@esfa.example", "second@esfa.example"],
            publicBaseURL: "https://payments.example"
        )
    }

    func submit(_ reference: String, window: Int64 = 1, amount: Int64 = 10_000) throws {
        try queue.write { db in
            try ClaimCopy.recordSubmission(
                ClaimSubmitted(
                    reference: reference,
                    school: SchoolSnapshot(
                        urn: 100_001,
                        name: "Alder Primary",
                        postcode: "N1 1AA",
                        localAuthority: "Islington",
                        typeOfEstablishment: "Academy converter",
                        group: "Academies",
                        region: "inner_london",
                        trust: nil,
                        contactEmails: ["office@alder.example"]
                    ),
                    provider: ProviderSnapshot(code: "1AB", name: "Best Training", ukprn: "10012345", accredited: true, emailAddresses: []),
                    academicYear: 2025,
                    claimWindowId: window,
                    mentors: [ClaimMentor(trn: "1234567", firstName: "A", lastName: "B", hours: 20)],
                    totalHours: 20,
                    ratePence: amount / 20,
                    amountPence: amount,
                    submittedAt: Self.now,
                    submittedBy: .user(id: "u", email: "h@alder.example")
                ),
                in: db
            )
        }
    }

    func status(_ reference: String) throws -> String? {
        try queue.read { db in try String.fetchOne(db, sql: "SELECT status FROM claims WHERE reference = ?", arguments: [reference]) }
    }

    func published() throws -> [String] {
        try queue.read { db in try String.fetchAll(db, sql: "SELECT type FROM bus_outbox ORDER BY sequence") }
    }

    func createPaymentRun(window: Int64? = nil, key: String? = nil) async throws -> IdempotentOutcome<RunView> {
        try await database.createRun(.payment, window: window, by: Self.support, idempotency: IdempotencyRequest(key: key, body: Data("{}".utf8)))
    }

    @Test func createRunTakesTheWindowsSubmittedClaimsInOneTransactionWithItsMessagesAndLinks() async throws {
        try submit("00000001", window: 1, amount: 10_000)
        try submit("00000002", window: 1, amount: 2_500)
        try submit("00000003", window: 2)
        guard case .created(let run) = try await createPaymentRun(window: 1) else {
            Issue.record("no run")
            return
        }
        #expect(run.claimCount == 2 && run.totalPence == 12_500)
        #expect(try status("00000001") == "payment_in_progress" && status("00000003") == "submitted")
        #expect(try published() == ["payment.requested", "payment.requested", "payment.run-created"])
        let view = try await database.run(run.id, kind: .payment)
        #expect(view.claims?.map(\.reference) == ["00000001", "00000002"])
        #expect(view.links?.map(\.state) == ["unused", "unused"])
        #expect(try await database.runFile(run: run.id, kind: .payment).count > 0)
        await #expect(throws: PaymentsError.noSuchRun) { try await database.runFile(run: run.id, kind: .clawback) }
    }

    @Test func aRunWithNothingToSendStoresNothing() async throws {
        await #expect(throws: PaymentsError.nothingToSend(.payment)) { try await createPaymentRun() }
        await #expect(throws: PaymentsError.nothingToSend(.clawback)) {
            try await database.createRun(.clawback, window: nil, by: Self.support, idempotency: IdempotencyRequest(key: nil, body: Data()))
        }
        #expect(try await database.runs(.payment).isEmpty)
        #expect(try published().isEmpty)
    }

    @Test func theSameIdempotencyKeyGivesTheFirstRunBack() async throws {
        try submit("00000001")
        _ = try await createPaymentRun(key: "check-page-1")
        guard case .earlier = try await createPaymentRun(key: "check-page-1") else {
            Issue.record("a second run")
            return
        }
        #expect(try await database.runs(.payment).count == 1)
    }

    @Test func aPayersLinkWorksOnceAndResendingReplacesEveryEarlierLink() async throws {
        try submit("00000001")
        guard case .created(let run) = try await createPaymentRun() else { return }
        let tokens = try await queue.read { db in try String.fetchAll(db, sql: "SELECT envelope FROM bus_outbox WHERE type = 'payment.run-created'") }
            .flatMap { $0.components(separatedBy: "token=").dropFirst().map { String($0.prefix { $0.isHexDigit }) } }
        #expect(tokens.count == 2)
        #expect(try await database.checkLink(token: tokens[0], run: run.id, kind: .payment) == .valid)
        #expect(try await database.checkLink(token: tokens[0], run: run.id, kind: .clawback) == .unknown)
        let (first, file) = try await database.redeemLink(token: tokens[0], run: run.id, kind: .payment)
        #expect(first == .valid && file != nil)
        #expect(try await database.redeemLink(token: tokens[0], run: run.id, kind: .payment).0 == .used)
        _ = try await database.resendLinks(run: run.id, kind: .payment)
        #expect(try await database.checkLink(token: tokens[1], run: run.id, kind: .payment) == .used, "replaced")
        #expect(try await database.run(run.id, kind: .payment).links?.map(\.state).sorted() == ["replaced", "unused", "unused", "used"])
    }

    @Test func applyPayerResponseMovesEveryClaimOnceAndTheSameFileAgainChangesNothing() async throws {
        try submit("00000001")
        try submit("00000002")
        guard case .created(let run) = try await createPaymentRun() else { return }
        let file = Data("claim_reference,claim_status,claim_unpaid_reason\n00000001,paid,\n00000002,unpaid,No bank details\n".utf8)
        let first = try await database.applyPayerResponse(run: run.id, kind: .payment, file: file, by: Self.support)
        #expect(first.paid == 1 && first.informationRequested == 1 && !first.alreadyApplied)
        let again = try await database.applyPayerResponse(run: run.id, kind: .payment, file: file, by: Self.support)
        #expect(again.alreadyApplied && again.unchanged == 2)
        #expect(try status("00000001") == "paid" && status("00000002") == "payment_information_requested")
        #expect(try published().filter { $0 == "payment.paid" }.count == 1)
        let view = try await database.claimView("00000001")
        #expect(view.paidPence == 10_000 && view.paymentRun?.outcome == "paid")
    }

    @Test func aResponseWithOneBadRowAppliesNothing() async throws {
        try submit("00000001")
        guard case .created(let run) = try await createPaymentRun() else { return }
        let before = try published()
        let file = Data("claim_reference,claim_status,claim_unpaid_reason\n00000001,paid,\n00000077,paid,\n".utf8)
        await #expect(throws: PaymentsError.fileHasErrors([FieldError(field: "row 3", message: "claim ‘00000077’ is not in this run")])) {
            try await database.applyPayerResponse(run: run.id, kind: .payment, file: file, by: Self.support)
        }
        #expect(try status("00000001") == "payment_in_progress")
        #expect(try published() == before)
    }

    @Test func supportsStepsFollowTheLifecycleAndAStaleViewChangesNothing() async throws {
        try submit("00000001")
        guard case .created(let run) = try await createPaymentRun() else { return }
        let file = Data("claim_reference,claim_status,claim_unpaid_reason\n00000001,unpaid,Missing\n".utf8)
        _ = try await database.applyPayerResponse(run: run.id, kind: .payment, file: file, by: Self.support)
        let version = try await database.claimView("00000001").version
        await #expect(throws: PaymentsError.changedSinceRead(reference: "00000001", version: version)) {
            try await database.take(.informationSent, on: "00000001", ifMatch: IfMatch(versions: [version - 1]), by: Self.support)
        }
        #expect(
            try await database.take(.informationSent, on: "00000001", ifMatch: IfMatch(versions: [version]), by: Self.support)
                == .paymentInformationSent
        )
        await #expect(throws: LifecycleRefusal.self) { try await database.take(.informationSent, on: "00000001", ifMatch: .any, by: Self.support) }
        #expect(try await database.take(.reject(reason: "Not eligible"), on: "00000001", ifMatch: .any, by: Self.support) == .paymentNotApproved)
        let view = try await database.claimView("00000001")
        #expect(view.status == .paymentNotApproved && view.statusReason == "Not eligible")
        await #expect(throws: PaymentsError.noSuchClaim) { try await database.take(.confirmPaid, on: "00000099", ifMatch: .any, by: Self.support) }
    }

    @Test func anApprovedClawbackGoesInAClawbackRunAndIsClawedBackInTheLedger() async throws {
        try submit("00000001")
        guard case .created(let run) = try await createPaymentRun() else { return }
        let paid = Data("claim_reference,claim_status,claim_unpaid_reason\n00000001,paid,\n".utf8)
        _ = try await database.applyPayerResponse(run: run.id, kind: .payment, file: paid, by: Self.support)
        try await queue.write { db in
            _ = try ClaimCopy.mirror(
                ClaimStatusChanged(
                    reference: "00000001",
                    from: "paid",
                    to: "clawback_requires_approval",
                    reason: nil,
                    actor: .user(id: "a", email: "a@x"),
                    causedBy: nil
                ),
                in: db
            )
            #expect(try ClaimCopy.recordClawbackApproval(of: "00000001", amount: 4_000, in: db) == .applied)
        }
        #expect(try await database.payable(.clawback, window: nil).totalPence == 4_000)
        guard
            case .created(let clawbacks) = try await database.createRun(
                .clawback,
                window: nil,
                by: Self.support,
                idempotency: IdempotencyRequest(key: nil, body: Data())
            )
        else { return }
        let done = Data("claim_reference,claim_status\n00000001,clawback_complete\n".utf8)
        #expect(try await database.applyPayerResponse(run: clawbacks.id, kind: .clawback, file: done, by: Self.support).clawbackComplete == 1)
        let ledger = try await database.ledger(academicYear: 2025, schoolURN: nil)
        #expect(ledger.items.map(\.netPence) == [6_000])
        #expect(ledger.totals.clawedBackPence == 4_000)
    }

    @Test func anUnknownStatusInTheTableIsAnErrorNotAGuess() async throws {
        try submit("00000001")
        try await queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE claims SET status = 'teleported' WHERE reference = '00000001'")
        }
        await #expect(throws: UnknownStoredValue(column: "status", value: "teleported")) { try await database.claimView("00000001") }
    }

    @Test func aStatusThisVersionDoesNotKnowIsParkedNotStored() throws {
        try submit("00000001")
        let outcome = try queue.write { db in
            try ClaimCopy.mirror(
                ClaimStatusChanged(
                    reference: "00000001",
                    from: "submitted",
                    to: "teleported",
                    reason: nil,
                    actor: .user(id: "a", email: "a@x"),
                    causedBy: nil
                ),
                in: db
            )
        }
        #expect(outcome == .parked(reason: "status ‘teleported’ is not known to this version of payments"))
        #expect(try status("00000001") == "submitted")
    }
}
