import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport
import Storage
import TestSupport
import Testing

@testable import ClaimsIntake

/// Claims-intake's database, one intention at a time, against real in-memory SQLite with the
/// service's own migrations: what each call stores and publishes, and that a refusal stores
/// nothing.
@Suite struct IntakeDatabaseTests {
    let queue: DatabaseQueue
    let database: IntakeDatabase
    static let now = ISO8601DateFormatter().date(from: "2026-05-12T10:00:00Z")!
    static let head = AuthenticatedUser(id: "head", email: "head@alder.sch.uk", name: "Ada Head", role: .school, urns: [100_001])
    static let support = AuthenticatedUser(id: "sam", email: "sam@education.gov.uk", name: "Sam Patel", role: .support)

    init() async throws {
        queue = try DatabaseQueue()
        var migrator = DatabaseMigrator()
        BusSchema.register(in: &migrator)
        Migrations.register(in: &migrator)
        try migrator.migrate(queue)
        database = IntakeDatabase(
            writer: queue,
            outbox: Outbox(producer: "claims-intake", now: { Self.now }, wakeup: Wakeup()),
            now: { Self.now },
            supportAddress: "support@example.gov.uk"
        )
        try await queue.write { db in
            try ReferenceStore.upsert(
                db,
                school: SchoolRecord(
                    urn: 100_001,
                    name: "Alder Primary",
                    postcode: "N1 1AA",
                    localAuthority: "Islington",
                    typeOfEstablishment: "Academy converter",
                    group: "Academies",
                    region: .innerLondon,
                    trust: nil,
                    contactEmails: ["office@alder.sch.uk"]
                ),
                now: Self.now
            )
            try ReferenceStore.upsert(
                db,
                provider: ProviderRecord(code: "1AB", name: "Best Training", ukprn: "10012345", accredited: true, emailAddresses: []),
                now: Self.now
            )
            try ReferenceStore.setRates(
                db,
                year: 2025,
                rates: [.innerLondon: Pence(5_360), .outerLondon: Pence(4_800), .fringe: Pence(4_500), .restOfEngland: Pence(4_300)],
                by: "sam@education.gov.uk",
                now: Self.now
            )
            try db.execute(
                sql:
                    "INSERT INTO claim_windows (academic_year, opens_on, closes_on, created_by, created_at) VALUES (2025, '2026-05-01', '2026-07-31', 'sam', 0)"
            )
        }
        try await database.grantEligibility(urn: 100_001, year: try AcademicYear(2025), by: "sam@education.gov.uk")
        _ = try await database.acceptGrantConditions(urn: 100_001, by: Self.head)
        try await database.addMentor(urn: 100_001, trn: try TRN(parsing: "1234567"), firstName: "Jo", lastName: "Bloggs")
    }

    func published() throws -> [String] { try queue.read { db in try String.fetchAll(db, sql: "SELECT type FROM bus_outbox ORDER BY sequence") } }

    func draft(hours: Int = 16, by user: AuthenticatedUser = head) async throws -> ClaimView {
        let request = ClaimRequest(providerCode: "1AB", mentors: [.init(trn: "1234567", hours: hours)])
        guard
            case .created(let view) = try await database.createClaim(
                urn: 100_001,
                request,
                by: .init(user: user),
                idempotency: IdempotencyRequest(key: nil, body: Data())
            )
        else { throw IntakeError.conflict("no draft") }
        return view
    }

    @Test func aSubmittedClaimIsPricedAtTheRegionsRateAndPublishedOnce() async throws {
        let created = try await draft()
        #expect(created.status == "draft" && created.amountPence == 85_760, "a draft shows today's price (16 hours at £53.60)")
        let submitted = try await database.submitClaim(created.reference, declarationAccepted: true, by: .init(user: Self.head))
        #expect(submitted.status == "submitted" && submitted.ratePence == 5_360 && submitted.amountPence == 85_760)
        #expect(
            try published().filter { $0 != "school.upserted" && $0 != "provider.upserted" } == [
                "school.eligibility-granted", "claim.submitted", "claim.status-changed",
            ]
        )
        await #expect(throws: IntakeError.conflict("This claim has already been submitted; it is submitted.")) {
            try await database.submitClaim(created.reference, declarationAccepted: true, by: .init(user: Self.head))
        }
    }

    @Test func noClaimCanUseHoursAnotherAlreadyHas() async throws {
        // A first-time mentor has 16 hours with a provider in 2025 to 2026.
        let first = try await draft(hours: 10)
        _ = try await database.submitClaim(first.reference, declarationAccepted: true, by: .init(user: Self.head))
        await #expect(throws: IntakeError.invalid([FieldError(field: "mentors[0].hours", message: "Enter the number of hours between 1 and 6")])) {
            try await draft(hours: 7)
        }
        let second = try await draft(hours: 6)
        #expect(second.totalHours == 6)
    }

    @Test func aStaleViewChangesNothingAndSupportsDraftIsAnnouncedToTheSchool() async throws {
        let created = try await draft(by: Self.support)
        #expect(try published().contains("claim.draft-created"))
        let request = ClaimRequest(providerCode: "1AB", mentors: [.init(trn: "1234567", hours: 10)])
        await #expect(throws: IntakeError.changedSinceRead(what: "Claim \(created.reference)", version: Int64(created.version))) {
            try await database.editClaim(created.reference, request, ifMatch: IfMatch(versions: [99]), by: .init(user: Self.head))
        }
        let edited = try await database.editClaim(
            created.reference,
            request,
            ifMatch: IfMatch(versions: [Int64(created.version)]),
            by: .init(user: Self.head)
        )
        #expect(edited.totalHours == 10 && edited.version == created.version + 1)
        try await database.deleteClaim(created.reference, reason: nil, ifMatch: .any, by: .init(user: Self.head))
        await #expect(throws: IntakeError.noSuchClaim) { try await database.claim(created.reference, for: Self.head) }
        #expect(try await queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM claim_activity WHERE action = 'deleted'") } == 1)
    }

    @Test func aMentorOnAnOpenClaimStaysOnTheList() async throws {
        _ = try await draft()
        await #expect(throws: IntakeError.conflict("The mentor is on a draft or submitted claim; remove them from it first.")) {
            try await database.removeMentor(urn: 100_001, trn: try TRN(parsing: "1234567"))
        }
        #expect(try await database.mentors(urn: 100_001).count == 1)
    }

    @Test func anUnknownStatusInTheTableIsAnErrorNotADraft() async throws {
        let created = try await draft()
        try await queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE claims SET status = 'teleported'")
        }
        await #expect(throws: UnknownStoredValue(column: "status", value: "teleported")) {
            try await database.claim(created.reference, for: Self.support)
        }
    }

    @Test func theCheckedTableRefusesAnUnknownStatusAndKeepsItsIndexes() async throws {
        _ = try await draft()
        try await queue.write { db in
            #expect(throws: DatabaseError.self) { try db.execute(sql: "UPDATE claims SET status = 'teleported'") }
            #expect(throws: DatabaseError.self) { try db.execute(sql: "UPDATE claims SET flags = 'not json'") }
            let indexes = try String.fetchAll(
                db,
                sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'claims' AND name NOT LIKE 'sqlite_%'"
            )
            #expect(indexes.count == 9)
        }
    }
}
