import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport

/// What an import of schools changed.
struct SchoolImportCounts: Sendable, Equatable, Encodable {
    var created = 0
    var updated = 0
    var unchanged = 0
    var skipped = 0
}

/// What an import brings: whole schools (the ten-column file), or the extract's establishments,
/// whose contact addresses are those already stored.
enum SchoolImportInput: Sendable {
    case schools([SchoolRecord])
    case establishments([SchoolRecord])
}

/// Where an import came from, for its record.
struct SchoolImportSource: Sendable {
    /// `upload` (support sent a file) or `gias_sync` (the daily download).
    var kind: String
    /// The file's name, when known (the download's).
    var fileName: String?
    /// The date of the extract (`YYYY-MM-DD`), for the daily download.
    var fileDate: String?
    /// When the import began (for a download, before downloading).
    var startedAt: Date
    /// Who uploaded it.
    var by: String?

    static func upload(by email: String, at date: Date) -> SchoolImportSource {
        SchoolImportSource(kind: "upload", startedAt: date, by: email)
    }
}

/// One import as support sees it (`GET /api/v1/schools/import`).
struct SchoolImportRecord: Encodable, Sendable, Equatable {
    var id: Int64
    var source: String
    var fileName: String?
    var fileDate: String?
    var startedAt: Date
    var finishedAt: Date
    var outcome: String
    var created: Int
    var updated: Int
    var unchanged: Int
    var skipped: Int
    var error: String?
    var by: String?

    init(row: Row) {
        id = row["id"]
        source = row["source"]
        fileName = row["file_name"]
        fileDate = row["file_date"]
        startedAt = (row["started_at"] as Milliseconds).date
        finishedAt = (row["finished_at"] as Milliseconds).date
        outcome = row["outcome"]
        created = row["created"]
        updated = row["updated"]
        unchanged = row["unchanged"]
        skipped = row["skipped"]
        error = row["error"]
        by = row["by_email"]
    }
}

extension IntakeDatabase {
    /// Imports schools in one transaction with its record. A school that did not change is left
    /// alone and not published, so the same file twice has no further effect; an establishment
    /// of the extract keeps the contact addresses its school has.
    func importSchools(_ input: SchoolImportInput, skipped: Int = 0, source: SchoolImportSource) async throws -> SchoolImportCounts {
        let now = now()
        return try await writer.write { db in
            var counts = SchoolImportCounts(skipped: skipped)
            func apply(_ school: SchoolRecord, stored: SchoolRecord?) throws {
                if let stored {
                    if stored == school {
                        counts.unchanged += 1
                        return
                    }
                    counts.updated += 1
                } else {
                    counts.created += 1
                }
                try ReferenceStore.upsert(db, school: school, now: now)
                try outbox.append(SchoolUpserted(school: school.snapshot), in: db)
            }
            switch input {
            case .schools(let schools):
                for school in schools { try apply(school, stored: try ReferenceStore.school(db, urn: school.urn)) }
            case .establishments(let establishments):
                for var establishment in establishments {
                    let stored = try ReferenceStore.school(db, urn: establishment.urn)
                    establishment.contactEmails = stored?.contactEmails ?? []
                    try apply(establishment, stored: stored)
                }
            }
            try Self.record(db, source: source, finishedAt: now, counts: counts, error: nil)
            return counts
        }
    }

    /// Records an import that changed nothing, with why.
    func recordFailedImport(source: SchoolImportSource, error: String) async throws {
        let now = now()
        try await writer.write { db in try Self.record(db, source: source, finishedAt: now, counts: nil, error: error) }
    }

    /// The latest imports, newest first.
    func schoolImports(limit: Int = 50) async throws -> [SchoolImportRecord] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM school_imports ORDER BY id DESC LIMIT ?", arguments: [limit]).map(SchoolImportRecord.init(row:))
        }
    }

    /// Whether the extract of `fileDate` has been imported by the daily download.
    func hasSyncedExtract(of fileDate: String) async throws -> Bool {
        try await writer.read { db in
            try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS (SELECT 1 FROM school_imports WHERE source = 'gias_sync' AND file_date = ? AND outcome = 'imported')",
                arguments: [fileDate]
            ) ?? false
        }
    }

    private static func record(_ db: Database, source: SchoolImportSource, finishedAt: Date, counts: SchoolImportCounts?, error: String?) throws {
        try db.execute(
            sql: """
                INSERT INTO school_imports (source, file_name, file_date, started_at, finished_at, outcome, created, updated, unchanged,
                                            skipped, error, by_email)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                source.kind, source.fileName, source.fileDate, Milliseconds(source.startedAt), Milliseconds(finishedAt),
                counts == nil ? "failed" : "imported", counts?.created ?? 0, counts?.updated ?? 0, counts?.unchanged ?? 0,
                counts?.skipped ?? 0, error.map { String($0.prefix(2000)) }, source.by,
            ]
        )
    }
}
