import Foundation
import GRDB
import ServiceSupport

/// Uploads already applied (`../spec/files.md`: the same file twice has no further effect):
/// each is kept by what it said, with the reply it got, so a repeat answers 200 with that reply
/// and `already_applied: true` instead of a row error for every claim it already moved.
enum AppliedUpload {
    /// Records an applied upload and its reply, in the upload's own transaction.
    static func record(_ db: Database, kind: String, scope: String, fingerprint: String, reply: some Encodable, now: Date) throws {
        let json = String(decoding: try JSONResponse.encoder().encode(reply), as: UTF8.self)  // the reply exactly as it was sent
        try db.execute(
            sql: "INSERT OR REPLACE INTO applied_uploads (kind, scope, fingerprint, reply, applied_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [kind, scope, fingerprint, json, Int64(now.timeIntervalSince1970 * 1000)]
        )
    }

    /// The earlier reply of an upload, if this one was applied before.
    static func earlier(_ db: Database, kind: String, scope: String, fingerprint: String) throws -> String? {
        try String.fetchOne(
            db,
            sql: "SELECT reply FROM applied_uploads WHERE kind = ? AND scope = ? AND fingerprint = ?",
            arguments: [kind, scope, fingerprint]
        )
    }
}
