import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport
import Storage
import TestSupport
import Testing

@testable import AuditSampling

/// Audit-sampling's database, one intention at a time, against real in-memory SQLite with the
/// service's own migrations: what each call stores and publishes, and that a refusal stores
/// nothing.
@Suite struct AuditDatabaseTests {
    let queue: DatabaseQueue
    let clock = TestClock("2026-03-02T10:00:00Z")
    let database: AuditDatabase
    static let first = AuditDatabase.Requester(id: "support-1", email: "sam.patel@education.gov.uk", name: "Sam Patel")
    static let second = AuditDatabase.Requester(id: "support-2", email: "alex.jones@education.gov.uk", name: "Alex Jones")
    static let support = AuthenticatedUser(id: "support-1", email: "sam.patel@education.gov.uk", name: "Sam Patel", role: .support)

    init() throws {
        queue = try DatabaseQueue()
        var migrator = DatabaseMigrator()
        BusSchema.register(in: &migrator)
        Migrations.register(in: &migrator)
        try migrator.migrate(queue)
        let clock = clock
        database = AuditDatabase(
            writer: queue,
            outbox: Outbox(producer: "audit-sampling", now: { clock.now() }, wakeup: Wakeup()),
            now: { clock.now() },
            publicBaseURL: "https://audit.example"
        )
    }

    /// A paid claim of provider 1AB with two mentors.
    func paidClaim(_ reference: String) throws {
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
                        contactEmails: []
                    ),
                    provider: ProviderSnapshot(
                        code: "1AB",
                        name: "Best Training",
                        ukprn: "10012345",
                        accredited: true,
                        emailAddresses: ["q@best.example"]
                    ),
                    academicYear: 2025,
                    claimWindowId: 1,
                    mentors: [
                        ClaimMentor(trn: "1111111", firstName: "Ann", lastName: "Lee", hours: 20),
                        ClaimMentor(trn: "2222222", firstName: "Ben", lastName: "Ray", hours: 10),
                    ],
                    totalHours: 30,
                    ratePence: 5_000,
                    amountPence: 150_000,
                    submittedAt: clock.now(),
                    submittedBy: .user(id: "u", email: "h@alder.example")
                ),
                in: db,
                outbox: database.outbox,
                cause: UUID(),
                correlation: UUID()
            )
            try db.execute(sql: "UPDATE claims SET status = 'paid' WHERE reference = ?", arguments: [reference])
        }
    }

    func status(_ reference: String) throws -> String? {
        try queue.read { db in try String.fetchOne(db, sql: "SELECT status FROM claims WHERE reference = ?", arguments: [reference]) }
    }

    func published(_ type: String) throws -> Int {
        try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM bus_outbox WHERE type = ?", arguments: [type]) ?? 0 }
    }

    func sampleOfList(_ references: [String]) async throws -> SampleView {
        let rows = references.enumerated().map { SampleListRow(row: $0.offset + 2, reference: $0.element, reason: "Tip-off") }
        guard
            case .written(.created(let view)) = try await database.createSample(
                .list(rows),
                by: Self.first,
                idempotency: IdempotencyRequest(key: nil, body: Data())
            )
        else { throw AuditError.nothingToSample }
        return view
    }

    /// Monday 2 March 2026: due 21 days later, Monday 23 March.
    @Test func createSampleMarksEachClaimAndIssuesOneRequestPerProviderWithItsFile() async throws {
        try paidClaim("00000001")
        try paidClaim("00000002")
        let sample = try await sampleOfList(["00000001", "00000002"])
        #expect(sample.claimCount == 2 && sample.sampledPence == 300_000)
        #expect(sample.providers.map(\.code) == ["1AB"] && sample.providers.first?.dueOn == "2026-03-23")
        #expect(try status("00000001") == "sampling_in_progress")
        #expect(try published(SampleClaimSelected.type) == 2 && published(SampleProviderRequested.type) == 1)
        let file = String(decoding: try await database.requestFile(sample.providers[0].requestId, for: Self.support), as: UTF8.self)
        #expect(file.components(separatedBy: "\r\n").filter { $0.hasPrefix("0000000") }.count == 4, "one row per mentor")
    }

    @Test func theSameListTwiceMakesOneSample() async throws {
        try paidClaim("00000001")
        _ = try await sampleOfList(["00000001"])
        let rows = [SampleListRow(row: 2, reference: "00000001", reason: "Tip-off")]
        guard
            case .listAlreadyApplied = try await database.createSample(
                .list(rows),
                by: Self.first,
                idempotency: IdempotencyRequest(key: nil, body: Data())
            )
        else {
            Issue.record("a second sample")
            return
        }
        #expect(try await database.samples().count == 1)
    }

    @Test func remindersAndSupportsResendBothIssueTheRequestAgainWithNewLinks() async throws {
        try paidClaim("00000001")
        let request = try await sampleOfList(["00000001"]).providers[0].requestId
        #expect(try await database.remindDue() == 0)
        clock.advance(by: 7 * 24 * 3600)
        #expect(try await database.remindDue() == 1)
        #expect(try await database.remindDue() == 0, "a reminder is not sent twice")
        try await database.resendProviderRequest(request, to: ["new@best.example"])
        #expect(try published(SampleProviderRequested.type) == 3)
        let states = try await queue.read { db in try AuditDatabase.links.statuses(db, owner: request, now: clock.now()).map(\.state) }
        #expect(states.filter { $0 == "unused" }.count == 1 && states.filter { $0 == "replaced" }.count == 2)
        await #expect(throws: AuditError.noSuchRequest) { try await database.resendProviderRequest(999, to: nil) }
    }

    @Test func verdictsPayAnAcceptedClaimAgainAndHoldTheRestForTheSchoolsResponse() async throws {
        try paidClaim("00000001")
        try paidClaim("00000002")
        let request = try await sampleOfList(["00000001", "00000002"]).providers[0].requestId
        let rows = [
            ProviderResponseRow(row: 2, reference: "00000001", trn: "1111111", accepted: "yes", reason: ""),
            ProviderResponseRow(row: 3, reference: "00000001", trn: "2222222", accepted: "yes", reason: ""),
            ProviderResponseRow(row: 4, reference: "00000002", trn: "1111111", accepted: "no", reason: "No record"),
            ProviderResponseRow(row: 5, reference: "00000002", trn: "2222222", accepted: "yes", reason: ""),
        ]
        guard case .applied(let summary) = try await database.recordVerdicts(request: request, rows: rows, by: Self.support) else { return }
        #expect(summary.acceptedClaims == 1 && summary.notApprovedClaims == 1 && summary.unansweredClaims == 0)
        #expect(try status("00000001") == "paid" && status("00000002") == "sampling_provider_not_approved")
        guard case .alreadyApplied = try await database.recordVerdicts(request: request, rows: rows, by: Self.support) else {
            Issue.record("applied twice")
            return
        }
        let provider = AuthenticatedUser(id: "p", email: "q@other.example", name: "Q", role: .provider, providerCodes: ["9ZZ"])
        await #expect(throws: AuditError.noSuchRequest) { try await database.recordVerdicts(request: request, rows: rows, by: provider) }
    }

    @Test func aClawbackNeedsASecondPersonAndAStaleViewChangesNothing() async throws {
        try paidClaim("00000001")
        let request = try await sampleOfList(["00000001"]).providers[0].requestId
        _ = try await database.recordVerdicts(
            request: request,
            rows: [
                ProviderResponseRow(row: 2, reference: "00000001", trn: "1111111", accepted: "no", reason: "No record"),
                ProviderResponseRow(row: 3, reference: "00000001", trn: "2222222", accepted: "yes", reason: ""),
            ],
            by: Self.support
        )
        _ = try await database.recordSchoolResponse(
            "00000001",
            lines: [DecisionLine(trn: "1111111", reason: "We disagree")],
            ifMatch: .any,
            by: Self.first
        )
        await #expect(throws: LifecycleRefusal.self) {
            try await database.recordSchoolResponse("00000001", lines: [DecisionLine(trn: "1111111", reason: "Again")], ifMatch: .any, by: Self.first)
        }
        let status = try await database.requestClawback(
            "00000001",
            lines: [DecisionLine(trn: "1111111", hoursTrained: 14)],
            ifMatch: .any,
            by: Self.first
        )
        #expect(status == .clawbackRequiresApproval)
        await #expect(throws: AuditError.ownClawback) {
            try await database.decideClawback("00000001", approved: true, reason: "", ifMatch: .any, by: Self.first)
        }
        let version = try await database.claimView("00000001").version
        await #expect(throws: AuditError.changedSinceRead(reference: "00000001", version: version)) {
            try await database.decideClawback("00000001", approved: true, reason: "", ifMatch: IfMatch(versions: [version - 1]), by: Self.second)
        }
        #expect(
            try await database.decideClawback("00000001", approved: true, reason: "", ifMatch: IfMatch(versions: [version]), by: Self.second)
                == .clawbackRequested
        )
        let view = try await database.claimView("00000001")
        #expect(view.clawback?.amountPence == 30_000 && view.clawback?.state == "approved")
        #expect(view.clawback?.mentors.map(\.hoursClawedBack) == [6])
        #expect(try published(ClawbackApproved.type) == 1)
    }

    @Test func anUnreadableJSONColumnIsAnErrorNotAnEmptyList() async throws {
        try paidClaim("00000001")
        try await queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE claims SET mentors = 'not json' WHERE reference = '00000001'")
        }
        await #expect(throws: UnknownStoredValue(column: "mentors", value: "not json")) { try await database.claimView("00000001") }
    }
}
