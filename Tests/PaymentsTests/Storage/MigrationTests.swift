import GRDB
import Storage
import Testing

@testable import Payments

/// The migration that adds CHECK constraints rebuilds tables holding data: nothing is lost, the
/// version trigger still moves, and a status nobody knows can no longer be written.
@Suite struct MigrationTests {
    @Test func checkedStatusesKeepEveryRowAndRefuseAnUnknownStatus() throws {
        let queue = try DatabaseQueue()
        var migrator = DatabaseMigrator()
        BusSchema.register(in: &migrator)
        Migrations.register(in: &migrator)
        try migrator.migrate(queue, upTo: "payments-v4-hashed-links-and-versions")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO claims (reference, school_urn, school_name, school_local_authority, school_type_of_establishment, school_group,
                        provider_code, provider_name, academic_year, claim_window_id, amount_pence, rate_pence, submitted_at, status)
                    VALUES ('00000001', 100001, 'Alder', 'Camden', 'Academy', 'Academies', '1AB', 'Best', 2025, 1, 10000, 500, 0, 'payment_in_progress');
                    INSERT INTO runs (kind, claim_window_id, created_at, created_by, claim_count, total_pence, file)
                    VALUES ('payment', 1, 0, 'support@example', 1, 10000, x'00');
                    INSERT INTO run_claims (run_id, kind, reference, amount_pence) VALUES (1, 'payment', '00000001', 10000);
                    """
            )
        }
        try migrator.migrate(queue)
        try queue.write { db in
            #expect(try String.fetchOne(db, sql: "SELECT status FROM claims") == "payment_in_progress")
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run_claims WHERE reference = '00000001'") == 1)
            try db.execute(sql: "UPDATE claims SET status = 'paid'")
            #expect(try Int.fetchOne(db, sql: "SELECT version FROM claims") == 2)
            #expect(throws: DatabaseError.self) { try db.execute(sql: "UPDATE claims SET status = 'teleported'") }
            #expect(throws: DatabaseError.self) { try db.execute(sql: "UPDATE run_claims SET outcome = 'lost'") }
            #expect(try db.foreignKeyViolations().next() == nil)
        }
    }
}
