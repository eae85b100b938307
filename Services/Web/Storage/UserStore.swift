import Foundation
import GRDB
import Messages
import Messaging

/// Users and memberships in web's database; every change to a membership is published in the
/// same transaction.
struct UserStore: Sendable {
    let database: DatabasePool
    let outbox: Outbox
    let now: @Sendable () -> Date

    private static func millis(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970 * 1000) }

    static func user(_ db: Database, id: String) throws -> User? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id]) else { return nil }
        return try user(db, row)
    }

    static func user(_ db: Database, email: String) throws -> User? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM users WHERE email = ?", arguments: [email.lowercased()]) else { return nil }
        return try user(db, row)
    }

    /// The user a sign-in by `subject` (with `email`) is: the account linked to that subject, or
    /// an invited account with that email not yet linked to anyone else.
    static func signingIn(_ db: Database, subject: String, email: String?) throws -> User? {
        if let linked = try user(db, subject: subject) { return linked }
        guard let email, let invited = try user(db, email: email) else { return nil }
        let linkedSubject = try String.fetchOne(db, sql: "SELECT oidc_subject FROM users WHERE id = ?", arguments: [invited.id])
        return linkedSubject == nil ? invited : nil
    }

    static func user(_ db: Database, subject: String) throws -> User? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM users WHERE oidc_subject = ?", arguments: [subject]) else { return nil }
        return try user(db, row)
    }

    private static func user(_ db: Database, _ row: Row) throws -> User {
        let id: String = row["id"]
        let memberships = try Row.fetchAll(
            db,
            sql: "SELECT kind, organisation_id, organisation_name FROM memberships WHERE user_id = ? ORDER BY kind, organisation_name",
            arguments: [id]
        ).map {
            Membership(
                kind: OrganisationKind(rawValue: $0["kind"]) ?? .school,
                organisationID: $0["organisation_id"],
                organisationName: $0["organisation_name"]
            )
        }
        return User(id: id, email: row["email"], firstName: row["first_name"], lastName: row["last_name"], memberships: memberships)
    }

    /// The users with a membership of one organisation, by name.
    static func members(_ db: Database, kind: OrganisationKind, organisationID: String) throws -> [User] {
        let ids = try String.fetchAll(
            db,
            sql: """
                SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id
                WHERE m.kind = ? AND m.organisation_id = ? ORDER BY u.last_name, u.first_name, u.email
                """,
            arguments: [kind.rawValue, organisationID]
        )
        return try ids.compactMap { try user(db, id: $0) }
    }

    /// Users whose email or name contains `text`, at most `limit`.
    static func search(_ db: Database, text: String, limit: Int) throws -> [User] {
        let pattern = "%\(text.lowercased().replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: ""))%"
        let ids = try String.fetchAll(
            db,
            sql: """
                SELECT id FROM users WHERE email LIKE ? OR lower(first_name || ' ' || last_name) LIKE ?
                ORDER BY last_name, first_name LIMIT ?
                """,
            arguments: [pattern, pattern, limit]
        )
        return try ids.compactMap { try user(db, id: $0) }
    }

    /// Every user, for the development sign-in's list, at most `limit`.
    static func all(_ db: Database, limit: Int) throws -> [User] {
        try String.fetchAll(db, sql: "SELECT id FROM users ORDER BY created_at, email LIMIT ?", arguments: [limit])
            .compactMap { try user(db, id: $0) }
    }

    /// Adds `membership` to the user with `email`, creating the user when there is none. Returns
    /// the user and whether anything changed (adding a membership twice changes nothing and
    /// publishes nothing).
    func addMembership(
        email: String,
        firstName: String,
        lastName: String,
        membership: Membership,
        by actor: MembershipActor
    ) async throws -> (User, added: Bool) {
        let email = email.lowercased()
        let now = Self.millis(self.now())
        let outbox = self.outbox
        return try await database.write { db in
            var existing = try Self.user(db, email: email)
            if existing == nil {
                let id = UUID().uuidString.lowercased()
                try db.execute(
                    sql: "INSERT INTO users (id, email, first_name, last_name, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [id, email, firstName, lastName, now]
                )
                existing = User(id: id, email: email, firstName: firstName, lastName: lastName, memberships: [])
            }
            let user = existing!
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO memberships (user_id, kind, organisation_id, organisation_name, added_at, added_by)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [user.id, membership.kind.rawValue, membership.organisationID, membership.organisationName, now, actor.email]
            )
            guard db.changesCount == 1 else { return (user, false) }
            try outbox.append(UserMembershipAdded(fields: Self.fields(user, membership, actor)), in: db)
            return (try Self.user(db, id: user.id)!, true)
        }
    }

    /// Removes a membership; returns whether there was one.
    func removeMembership(userID: String, membership: Membership, by actor: MembershipActor) async throws -> Bool {
        let outbox = self.outbox
        return try await database.write { db in
            guard let user = try Self.user(db, id: userID) else { return false }
            try db.execute(
                sql: "DELETE FROM memberships WHERE user_id = ? AND kind = ? AND organisation_id = ?",
                arguments: [userID, membership.kind.rawValue, membership.organisationID]
            )
            guard db.changesCount == 1 else { return false }
            let stored = user.memberships.first { $0.kind == membership.kind && $0.organisationID == membership.organisationID } ?? membership
            try outbox.append(UserMembershipRemoved(fields: Self.fields(user, stored, actor)), in: db)
            // A user with no membership left cannot sign in; they stay, so that their history
            // (who added whom) still reads, and can be added again.
            try db.execute(
                sql: "DELETE FROM sessions WHERE user_id = ? AND NOT EXISTS (SELECT 1 FROM memberships WHERE user_id = ?)",
                arguments: [userID, userID]
            )
            return true
        }
    }

    /// Links the identity provider's `sub` to a user at their first sign-in.
    func signedIn(userID: String, subject: String?) async throws {
        let now = Self.millis(self.now())
        try await database.write { db in
            if let subject {
                try db.execute(sql: "UPDATE users SET oidc_subject = ? WHERE id = ? AND oidc_subject IS NULL", arguments: [subject, userID])
            }
            try db.execute(sql: "UPDATE users SET last_signed_in_at = ? WHERE id = ?", arguments: [now, userID])
        }
    }

    static func fields(_ user: User, _ membership: Membership, _ actor: MembershipActor) -> MembershipFields {
        let organisation: MembershipOrganisation
        switch membership.kind {
        case .school: organisation = MembershipOrganisation(type: "school", urn: Int(membership.organisationID), name: membership.organisationName)
        case .provider: organisation = MembershipOrganisation(type: "provider", code: membership.organisationID, name: membership.organisationName)
        case .support: organisation = MembershipOrganisation(type: "support", name: membership.organisationName)
        }
        return MembershipFields(
            user: MembershipUser(id: user.id, email: user.email, firstName: user.firstName, lastName: user.lastName),
            organisation: organisation,
            by: actor
        )
    }
}
