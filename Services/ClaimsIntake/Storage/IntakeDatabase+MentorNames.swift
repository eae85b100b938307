import Foundation
import GRDB
import ServiceSupport

/// What one night's check of mentors' names found.
struct MentorNameSyncCounts: Sendable, Equatable {
    var checked = 0
    var renamed = 0
    var notFound = 0
    var failed = 0
}

extension IntakeDatabase {
    /// Every TRN on any school's list, once each, in order.
    func mentorTRNs() async throws -> [String] {
        try await writer.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT trn FROM mentors ORDER BY trn") }
    }

    /// Gives every listed mentor with `trn` the record's names; returns how many rows changed.
    /// Claims keep the names they were made with.
    func renameMentor(trn: String, firstName: String, lastName: String) async throws -> Int {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE mentors SET first_name = ?, last_name = ? WHERE trn = ? AND (first_name != ? OR last_name != ?)",
                arguments: [firstName, lastName, trn, firstName, lastName]
            )
            return db.changesCount
        }
    }

    /// Whether the names were checked for the night of `day` (`YYYY-MM-DD`).
    func hasCheckedMentorNames(on day: String) async throws -> Bool {
        try await writer.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM mentor_name_syncs WHERE day = ?)", arguments: [day]) ?? false
        }
    }

    /// Records the night's check.
    func recordMentorNameSync(day: String, counts: MentorNameSyncCounts) async throws {
        let now = now()
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO mentor_name_syncs (day, finished_at, checked, renamed, not_found, failed)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [day, Milliseconds(now), counts.checked, counts.renamed, counts.notFound, counts.failed]
            )
        }
    }
}
