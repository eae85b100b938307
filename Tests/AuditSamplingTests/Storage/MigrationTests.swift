import GRDB
import Storage
import Testing

@testable import AuditSampling

/// The migration that adds CHECK constraints rebuilds tables holding data: nothing is lost, the
/// version trigger and the one-open-sample rule still hold, and unknown values are refused.
@Suite struct MigrationTests {
    @Test func checkedStatusesKeepEveryRowAndRefuseAnUnknownStatus() throws {
        let queue = try DatabaseQueue()
        var migrator = DatabaseMigrator()
        BusSchema.register(in: &migrator)
        Migrations.register(in: &migrator)
        try migrator.migrate(queue, upTo: "audit-sampling-v6-verdicts-versions-links")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO claims (reference, school_urn, school_name, school_local_authority, school_type_of_establishment, school_group,
                        provider_code, provider_name, academic_year, amount_pence, rate_pence, submitted_at, status, mentors)
                    VALUES ('00000001', 100001, 'Alder', 'Camden', 'Academy', 'Academies', '1AB', 'Best', 2025, 10000, 500, 0, 'sampling_in_progress',
                        '[{"trn":"1111111","firstName":"A","lastName":"B","hours":20}]');
                    INSERT INTO samples (academic_year, seed, created_at, created_by, claim_count, sampled_pence, paid_pence)
                    VALUES (2025, '1', 0, 'support@example', 1, 10000, 10000);
                    INSERT INTO sample_claims (sample_id, reference, reason) VALUES (1, '00000001', 'random');
                    INSERT INTO mentor_verdicts (reference, sample_id, trn, accepted, recorded_at) VALUES ('00000001', 1, '1111111', 1, 0);
                    """
            )
        }
        try migrator.migrate(queue)
        try queue.write { db in
            #expect(try AuditClaimRecord.find(db, "00000001")?.mentors.map(\.hours) == [20])
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sample_claims WHERE open = 1") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM mentor_verdicts") == 1)
            try db.execute(sql: "UPDATE claims SET status = 'paid'")
            #expect(try Int.fetchOne(db, sql: "SELECT version FROM claims") == 2)
            #expect(throws: DatabaseError.self) { try db.execute(sql: "UPDATE claims SET status = 'teleported'") }
            #expect(throws: DatabaseError.self) { try db.execute(sql: "UPDATE claims SET mentors = 'not json'") }
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "INSERT INTO sample_claims (sample_id, reference, reason) VALUES (1, '00000001', 'twice')")
            }
            #expect(try db.foreignKeyViolations().next() == nil)
        }
    }
}
