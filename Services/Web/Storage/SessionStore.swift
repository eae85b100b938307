import Foundation
import GRDB

/// One sign-in session as stored (the cookie holds only its random id; the row its hash).
struct SessionRecord: Sendable, Equatable {
    var idHash: String
    var userID: String?
    var formToken: String
    var createdAt: Date
    var lastSeenAt: Date
    var signedInAt: Date?
    var pendingState: String?
    var pendingNonce: String?
    var pendingVerifier: String?
    var returnTo: String?
    var idToken: String?
    var journey: String?
    var flash: String?
}

/// Sessions in web's own database, so they survive a restart of `web`.
struct SessionStore: Sendable {
    let database: DatabasePool
    let now: @Sendable () -> Date

    private static func millis(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970 * 1000) }
    private static func date(_ millis: Int64?) -> Date? { millis.map { Date(timeIntervalSince1970: Double($0) / 1000) } }

    /// A new anonymous session; returns the id for the cookie. Sessions idle for over 12 hours
    /// are deleted on the way.
    func create(
        carrying previous: SessionRecord? = nil,
        userID: String? = nil,
        idToken: String? = nil
    ) async throws -> (id: String, record: SessionRecord) {
        let id = Secrets.random()
        let now = self.now()
        let record = SessionRecord(
            idHash: Secrets.hash(id),
            userID: userID,
            formToken: Secrets.random(),
            createdAt: now,
            lastSeenAt: now,
            signedInAt: userID == nil ? nil : now,
            returnTo: userID == nil ? previous?.returnTo : nil,
            idToken: idToken
        )
        try await database.write { db in
            if let previous { try db.execute(sql: "DELETE FROM sessions WHERE id_hash = ?", arguments: [previous.idHash]) }
            try db.execute(sql: "DELETE FROM sessions WHERE last_seen_at < ?", arguments: [Self.millis(now) - 13 * 3600 * 1000])
            try db.execute(
                sql: """
                    INSERT INTO sessions (id_hash, user_id, form_token, created_at, last_seen_at, signed_in_at, return_to, id_token)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.idHash, userID, record.formToken, Self.millis(now), Self.millis(now), record.signedInAt.map(Self.millis),
                    record.returnTo, idToken,
                ]
            )
        }
        return (id, record)
    }

    /// The session whose id the cookie holds.
    func find(id: String) async throws -> SessionRecord? {
        guard id.utf8.count <= 100 else { return nil }
        let hash = Secrets.hash(id)
        return try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM sessions WHERE id_hash = ?", arguments: [hash]) else { return nil }
            return SessionRecord(
                idHash: row["id_hash"],
                userID: row["user_id"],
                formToken: row["form_token"],
                createdAt: Self.date(row["created_at"])!,
                lastSeenAt: Self.date(row["last_seen_at"])!,
                signedInAt: Self.date(row["signed_in_at"]),
                pendingState: row["pending_state"],
                pendingNonce: row["pending_nonce"],
                pendingVerifier: row["pending_verifier"],
                returnTo: row["return_to"],
                idToken: row["id_token"],
                journey: row["journey"],
                flash: row["flash"]
            )
        }
    }

    /// Records a request, so the idle timeout starts again.
    func touch(_ record: SessionRecord) async throws {
        let now = Self.millis(self.now())
        // At most one write a second per session: pages load several requests at once.
        guard now - Self.millis(record.lastSeenAt) >= 1000 else { return }
        try await database.write { db in
            try db.execute(sql: "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", arguments: [now, record.idHash])
        }
    }

    /// An expired session becomes anonymous again (the person is told they were signed out).
    func expire(_ record: SessionRecord, returnTo: String?) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    UPDATE sessions SET user_id = NULL, signed_in_at = NULL, id_token = NULL, journey = NULL, return_to = ?,
                    last_seen_at = ? WHERE id_hash = ?
                    """,
                arguments: [returnTo, Self.millis(self.now()), record.idHash]
            )
        }
    }

    /// Where to go after signing in.
    func setReturnTo(_ record: SessionRecord, _ path: String?) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE sessions SET return_to = ? WHERE id_hash = ?", arguments: [path, record.idHash])
        }
    }

    /// The OIDC request in flight: its `state`, `nonce` and PKCE verifier.
    func setPending(_ record: SessionRecord, state: String?, nonce: String?, verifier: String?) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE sessions SET pending_state = ?, pending_nonce = ?, pending_verifier = ? WHERE id_hash = ?",
                arguments: [state, nonce, verifier, record.idHash]
            )
        }
    }

    /// The add-claim journey's answers so far (JSON), or nil to forget them.
    func setJourney(_ record: SessionRecord, _ journey: String?) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE sessions SET journey = ? WHERE id_hash = ?", arguments: [journey, record.idHash])
        }
    }

    /// A one-time message for the next page: a success ("Mentor added"), or, `important`, what
    /// could not be done and why.
    func setFlash(_ record: SessionRecord, _ flash: String?, important: Bool = false) async throws {
        let stored = flash.map { (important ? Self.importantPrefix : "") + $0 }
        try await database.write { db in
            try db.execute(sql: "UPDATE sessions SET flash = ? WHERE id_hash = ?", arguments: [stored, record.idHash])
        }
    }

    static let importantPrefix = "important:"

    /// Sign-out: the session is gone.
    func delete(_ record: SessionRecord) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE id_hash = ?", arguments: [record.idHash])
        }
    }
}
