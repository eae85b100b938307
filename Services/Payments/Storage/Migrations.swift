import GRDB
import ServiceSupport

/// The service's own tables. Migrations are never edited once shipped; add a new one.
enum Migrations {
    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("payments-v1", migrate: v1)
        migrator.registerMigration("payments-v2-runs", migrate: v2Runs)
        migrator.registerMigration("payments-v3-idempotency", migrate: v3Idempotency)
        migrator.registerMigration("payments-v4-hashed-links-and-versions", migrate: v4HashedLinksAndVersions)
        migrator.registerMigration("payments-v5-checked-statuses", migrate: v5CheckedStatuses)
    }

    /// `payments-v1`.
    static func v1(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE service_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    }

    /// `payments-v2-runs`.
    static func v2Runs(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE claims (
                    reference TEXT PRIMARY KEY,
                    school_urn INTEGER NOT NULL,
                    school_name TEXT NOT NULL,
                    school_local_authority TEXT NOT NULL,
                    school_type_of_establishment TEXT NOT NULL,
                    school_group TEXT NOT NULL,
                    provider_code TEXT NOT NULL,
                    provider_name TEXT NOT NULL,
                    academic_year INTEGER NOT NULL,
                    claim_window_id INTEGER NOT NULL,
                    amount_pence INTEGER NOT NULL,
                    rate_pence INTEGER NOT NULL,
                    submitted_at INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    status_reason TEXT,
                    paid_pence INTEGER NOT NULL DEFAULT 0,
                    clawback_amount_pence INTEGER NOT NULL DEFAULT 0,
                    clawed_back_pence INTEGER NOT NULL DEFAULT 0,
                    deleted INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX claims_status ON claims (status, claim_window_id);
                CREATE INDEX claims_school ON claims (school_urn, academic_year);
                CREATE TABLE runs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL CHECK (kind IN ('payment', 'clawback')),
                    claim_window_id INTEGER,
                    created_at INTEGER NOT NULL,
                    created_by TEXT NOT NULL,
                    claim_count INTEGER NOT NULL,
                    total_pence INTEGER NOT NULL,
                    file BLOB NOT NULL
                );
                -- A claim is in at most one payment run and one clawback run: a unique key, not a
                -- check in code.
                CREATE TABLE run_claims (
                    run_id INTEGER NOT NULL REFERENCES runs (id),
                    kind TEXT NOT NULL,
                    reference TEXT NOT NULL REFERENCES claims (reference),
                    amount_pence INTEGER NOT NULL,
                    outcome TEXT,
                    PRIMARY KEY (run_id, reference),
                    UNIQUE (kind, reference)
                );
                CREATE TABLE links (
                    token TEXT PRIMARY KEY,
                    run_id INTEGER NOT NULL REFERENCES runs (id),
                    recipient TEXT NOT NULL,
                    expires_at INTEGER NOT NULL,
                    used_at INTEGER,
                    revoked_at INTEGER
                );
                CREATE TABLE response_files (
                    run_id INTEGER NOT NULL REFERENCES runs (id),
                    fingerprint TEXT NOT NULL,
                    applied_at INTEGER NOT NULL,
                    applied_by TEXT NOT NULL,
                    PRIMARY KEY (run_id, fingerprint)
                );
                """
        )
    }

    /// POST that creates something accepts an Idempotency-Key (a retried request after a
    /// lost reply gets the first response instead of creating a second run or sample).
    static func v3Idempotency(_ db: Database) throws {
        try db.execute(sql: IdempotencyStore.tableSQL)
    }

    /// Links are kept as a hash of their token: a copy of the database gives no one the
    /// payer's files.
    static func v4HashedLinksAndVersions(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE link_hashes (
                    token_hash TEXT PRIMARY KEY,
                    run_id INTEGER NOT NULL REFERENCES runs (id),
                    recipient TEXT NOT NULL,
                    expires_at INTEGER NOT NULL,
                    used_at INTEGER,
                    revoked_at INTEGER
                )
                """
        )
        for row in try Row.fetchAll(db, sql: "SELECT * FROM links") {
            try db.execute(
                sql: "INSERT INTO link_hashes (token_hash, run_id, recipient, expires_at, used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    SingleUseLink.hash(row["token"]), row["run_id"] as Int64, row["recipient"] as String, row["expires_at"] as Int64,
                    row["used_at"] as Int64?, row["revoked_at"] as Int64?,
                ]
            )
        }
        // Payments' own view of a claim has a version, for If-Match on support's actions:
        // every change to the row moves it on.
        try db.execute(
            sql: """
                DROP TABLE links;
                CREATE INDEX link_hashes_run ON link_hashes (run_id);
                ALTER TABLE claims ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
                CREATE TRIGGER claims_version AFTER UPDATE ON claims WHEN NEW.version = OLD.version
                BEGIN UPDATE claims SET version = OLD.version + 1 WHERE reference = NEW.reference; END;
                """
        )
    }

    /// A status the code does not know can no longer be written at all: the tables are
    /// rebuilt with CHECK constraints (SQLite cannot add one to a table in place). The
    /// lists are written out, not taken from the code, so this migration never changes.
    static func v5CheckedStatuses(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE claims_checked (
                    reference TEXT PRIMARY KEY,
                    school_urn INTEGER NOT NULL,
                    school_name TEXT NOT NULL,
                    school_local_authority TEXT NOT NULL,
                    school_type_of_establishment TEXT NOT NULL,
                    school_group TEXT NOT NULL,
                    provider_code TEXT NOT NULL,
                    provider_name TEXT NOT NULL,
                    academic_year INTEGER NOT NULL,
                    claim_window_id INTEGER NOT NULL,
                    amount_pence INTEGER NOT NULL CHECK (amount_pence >= 0),
                    rate_pence INTEGER NOT NULL,
                    submitted_at INTEGER NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('submitted', 'payment_in_progress', 'payment_information_requested',
                        'payment_information_sent', 'paid', 'payment_not_approved', 'sampling_in_progress', 'sampling_provider_not_approved',
                        'sampling_not_approved', 'clawback_requires_approval', 'clawback_rejected', 'clawback_requested',
                        'clawback_in_progress', 'clawback_complete', 'deleted')),
                    status_reason TEXT,
                    paid_pence INTEGER NOT NULL DEFAULT 0,
                    clawback_amount_pence INTEGER NOT NULL DEFAULT 0,
                    clawed_back_pence INTEGER NOT NULL DEFAULT 0,
                    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
                    version INTEGER NOT NULL DEFAULT 1
                );
                INSERT INTO claims_checked SELECT reference, school_urn, school_name, school_local_authority, school_type_of_establishment,
                    school_group, provider_code, provider_name, academic_year, claim_window_id, amount_pence, rate_pence, submitted_at,
                    status, status_reason, paid_pence, clawback_amount_pence, clawed_back_pence, deleted, version FROM claims;
                DROP TABLE claims;
                ALTER TABLE claims_checked RENAME TO claims;
                CREATE INDEX claims_status ON claims (status, claim_window_id);
                CREATE INDEX claims_school ON claims (school_urn, academic_year);
                CREATE TRIGGER claims_version AFTER UPDATE ON claims WHEN NEW.version = OLD.version
                BEGIN UPDATE claims SET version = OLD.version + 1 WHERE reference = NEW.reference; END;

                CREATE TABLE run_claims_checked (
                    run_id INTEGER NOT NULL REFERENCES runs (id),
                    kind TEXT NOT NULL CHECK (kind IN ('payment', 'clawback')),
                    reference TEXT NOT NULL REFERENCES claims (reference),
                    amount_pence INTEGER NOT NULL,
                    outcome TEXT CHECK (outcome IS NULL OR outcome IN ('paid', 'unpaid', 'clawback_complete')),
                    PRIMARY KEY (run_id, reference),
                    UNIQUE (kind, reference)
                );
                INSERT INTO run_claims_checked SELECT run_id, kind, reference, amount_pence, outcome FROM run_claims;
                DROP TABLE run_claims;
                ALTER TABLE run_claims_checked RENAME TO run_claims;
                """
        )
    }
}
