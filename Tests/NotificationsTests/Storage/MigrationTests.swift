import GRDB
import Storage
import Testing

@testable import Notifications

/// The migration that adds CHECK constraints rebuilds tables holding data: nothing is lost, and a
/// status or milestone nobody knows is refused.
@Suite struct MigrationTests {
    @Test func checkedStatusesKeepEveryRowAndRefuseUnknownValues() throws {
        let queue = try DatabaseQueue()
        var migrator = DatabaseMigrator()
        BusSchema.register(in: &migrator)
        Migrations.register(in: &migrator)
        try migrator.migrate(queue, upTo: "notifications-v5-school-users")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO claims (reference, urn, school_name, provider_name, academic_year, claim_window_id, amount_pence, rate_pence,
                        mentors, submitted_by_email, status)
                    VALUES ('00000001', 100001, 'Alder', 'Best', 2025, 1, 10000, 500, '[]', 'head@alder.sch.uk', 'paid');
                    INSERT INTO reminders (claim_window_id, milestone, urn, queued_at) VALUES (1, 'closing_7', 100001, 0);
                    """
            )
        }
        try migrator.migrate(queue)
        try queue.write { (db: Database) throws in
            #expect(try String.fetchOne(db, sql: "SELECT status FROM claims") == "paid")
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM reminders") == 1)
            #expect(throws: DatabaseError.self) { try db.execute(sql: "UPDATE claims SET status = 'teleported'") }
            #expect(throws: DatabaseError.self) { try db.execute(sql: "INSERT INTO reminders VALUES (1, 'closing_2', 100001, 0)") }
            #expect(ClaimStatusNames.known.count == 15)
        }
    }
}
