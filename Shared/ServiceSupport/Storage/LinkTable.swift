import Foundation
import GRDB

/// A service's single-use download links, kept in its `link_hashes` table as hashes of their
/// tokens (a copy of the database gives no one the files). Each link belongs to one owner row
/// (a payment run, a provider request) named by `ownerColumn`.
public struct LinkTable: Sendable {
    /// The column naming the owner: `run_id` in payments, `request_id` in audit-sampling.
    public let ownerColumn: String
    /// How long a link works after it is issued.
    public let lifetime: TimeInterval

    /// Creates the table's accessor.
    public init(ownerColumn: String, lifetime: TimeInterval = 7 * 24 * 3600) {
        self.ownerColumn = ownerColumn
        self.lifetime = lifetime
    }

    /// What presenting a token comes to.
    public enum Redemption: Sendable, Equatable {
        /// The link works: the file may be given.
        case valid
        /// No such link for this owner (unknown or altered token).
        case unknown
        /// The link was used, or replaced by a newer one.
        case used
        /// The link's time ran out.
        case expired
    }

    /// A link issued to one recipient: the token goes into the email and nowhere else.
    public struct Issued: Sendable, Equatable {
        /// The address the link is for.
        public var recipient: String
        /// The token, for the link's URL.
        public var token: String
    }

    /// Where one issued link stands, for support (never the token itself).
    public struct Status: Encodable, Sendable, Equatable {
        /// The address the link was sent to.
        public var recipient: String
        /// When it was issued.
        public var issuedAt: Date?
        /// When it stops working.
        public var expiresAt: Date
        /// When it was used, if it was.
        public var usedAt: Date?
        /// `unused`, `used`, `replaced` (a newer link was sent) or `expired`.
        public var state: String
    }

    /// New links for `recipients`; the owner's earlier links stop working.
    public func issue(_ db: Database, owner: Int64, recipients: [String], now: Date) throws -> [Issued] {
        try db.cachedStatement(sql: "UPDATE link_hashes SET revoked_at = ? WHERE \(ownerColumn) = ? AND revoked_at IS NULL")
            .execute(arguments: [Milliseconds(now), owner])
        let expires = Milliseconds(now.addingTimeInterval(lifetime))
        return try recipients.map { recipient in
            let token = LinkToken.make()
            try db.cachedStatement(sql: "INSERT INTO link_hashes (token_hash, \(ownerColumn), recipient, expires_at) VALUES (?, ?, ?, ?)")
                .execute(arguments: [SingleUseLink.hash(token), owner, recipient, expires])
            return Issued(recipient: recipient, token: token)
        }
    }

    /// What `token` leads to for `owner`, without using it up.
    public func check(_ db: Database, token: String, owner: Int64, now: Date) throws -> Redemption {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT used_at, revoked_at, expires_at FROM link_hashes WHERE token_hash = ? AND \(ownerColumn) = ?"),
                arguments: [SingleUseLink.hash(token), owner]
            )
        else { return .unknown }
        if (row["used_at"] as Int64?) != nil || (row["revoked_at"] as Int64?) != nil { return .used }
        if (row["expires_at"] as Milliseconds) < Milliseconds(now) { return .expired }
        return .valid
    }

    /// Uses the link up when it is valid; says what it came to either way.
    public func redeem(_ db: Database, token: String, owner: Int64, now: Date) throws -> Redemption {
        let outcome = try check(db, token: token, owner: owner, now: now)
        if outcome == .valid {
            try db.cachedStatement(sql: "UPDATE link_hashes SET used_at = ? WHERE token_hash = ?")
                .execute(arguments: [Milliseconds(now), SingleUseLink.hash(token)])
        }
        return outcome
    }

    /// Every link issued for `owner`, newest first.
    public func statuses(_ db: Database, owner: Int64, now: Date) throws -> [Status] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM link_hashes WHERE \(ownerColumn) = ? ORDER BY expires_at DESC, recipient"),
            arguments: [owner]
        ).map { row in
            let used: Milliseconds? = row["used_at"]
            let revoked: Milliseconds? = row["revoked_at"]
            let expires: Milliseconds = row["expires_at"]
            let state = used != nil ? "used" : revoked != nil ? "replaced" : expires < Milliseconds(now) ? "expired" : "unused"
            return Status(
                recipient: row["recipient"],
                issuedAt: expires.date.addingTimeInterval(-lifetime),
                expiresAt: expires.date,
                usedAt: used?.date,
                state: state
            )
        }
    }
}
