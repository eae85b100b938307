import GRDB

/// Web's own tables: users, their memberships and sign-in sessions. Migrations are never edited
/// once shipped; add a new one.
enum Migrations {
    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("web-v1-users-memberships-sessions", migrate: v1UsersMembershipsSessions)
    }

    /// `web-v1-users-memberships-sessions`.
    static func v1UsersMembershipsSessions(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE users (
                    id TEXT PRIMARY KEY,
                    email TEXT NOT NULL UNIQUE,
                    first_name TEXT NOT NULL,
                    last_name TEXT NOT NULL,
                    oidc_subject TEXT UNIQUE,
                    created_at INTEGER NOT NULL,
                    last_signed_in_at INTEGER
                );
                CREATE TABLE memberships (
                    user_id TEXT NOT NULL REFERENCES users(id),
                    kind TEXT NOT NULL CHECK (kind IN ('school', 'provider', 'support')),
                    organisation_id TEXT NOT NULL,
                    organisation_name TEXT NOT NULL,
                    added_at INTEGER NOT NULL,
                    added_by TEXT NOT NULL,
                    PRIMARY KEY (user_id, kind, organisation_id)
                );
                CREATE INDEX memberships_by_organisation ON memberships (kind, organisation_id);
                CREATE TABLE sessions (
                    id_hash TEXT PRIMARY KEY,
                    user_id TEXT REFERENCES users(id),
                    form_token TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    last_seen_at INTEGER NOT NULL,
                    signed_in_at INTEGER,
                    pending_state TEXT,
                    pending_nonce TEXT,
                    pending_verifier TEXT,
                    return_to TEXT,
                    id_token TEXT,
                    journey TEXT,
                    flash TEXT
                );
                CREATE INDEX sessions_by_last_seen ON sessions (last_seen_at);
                """
        )
    }
}
