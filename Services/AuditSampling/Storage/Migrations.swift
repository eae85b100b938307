import Foundation
import GRDB
import ServiceSupport

/// The service's own tables. Migrations are never edited once shipped; add a new one.
enum Migrations {
    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("audit-sampling-v1", migrate: v1)
        migrator.registerMigration("audit-sampling-v2", migrate: v2)
        migrator.registerMigration("audit-sampling-v3-reminders", migrate: v3Reminders)
        migrator.registerMigration("audit-sampling-v4-idempotency", migrate: v4Idempotency)
        migrator.registerMigration("audit-sampling-v5-claim-mentors", migrate: v5ClaimMentors)
        migrator.registerMigration("audit-sampling-v6-verdicts-versions-links", migrate: v6VerdictsVersionsLinks)
        migrator.registerMigration("audit-sampling-v7-checked-statuses", migrate: v7CheckedStatuses)
    }

    /// `audit-sampling-v1`.
    static func v1(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE service_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    }

    /// `audit-sampling-v2`.
    static func v2(_ db: Database) throws {
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
                    amount_pence INTEGER NOT NULL,
                    rate_pence INTEGER NOT NULL,
                    submitted_at INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    flags TEXT NOT NULL DEFAULT '[]',
                    mentors TEXT NOT NULL
                );
                CREATE INDEX claims_year ON claims (academic_year, status);
                CREATE TABLE providers (
                    code TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    email_addresses TEXT NOT NULL
                );
                CREATE TABLE samples (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    academic_year INTEGER NOT NULL,
                    seed TEXT NOT NULL,
                    share REAL,
                    created_at INTEGER NOT NULL,
                    created_by TEXT NOT NULL,
                    claim_count INTEGER NOT NULL,
                    sampled_pence INTEGER NOT NULL,
                    paid_pence INTEGER NOT NULL
                );
                CREATE TABLE sample_claims (
                    sample_id INTEGER NOT NULL REFERENCES samples (id),
                    reference TEXT NOT NULL REFERENCES claims (reference),
                    reason TEXT NOT NULL,
                    open INTEGER NOT NULL DEFAULT 1,
                    PRIMARY KEY (sample_id, reference)
                );
                -- A claim is never in two open samples: a unique key, not a check in code.
                CREATE UNIQUE INDEX sample_claims_one_open ON sample_claims (reference) WHERE open = 1;
                CREATE TABLE provider_requests (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    sample_id INTEGER NOT NULL REFERENCES samples (id),
                    provider_code TEXT NOT NULL,
                    due_on TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    file BLOB NOT NULL,
                    responded_at INTEGER
                );
                CREATE TABLE request_links (
                    token TEXT PRIMARY KEY,
                    request_id INTEGER NOT NULL REFERENCES provider_requests (id),
                    recipient TEXT NOT NULL,
                    expires_at INTEGER NOT NULL,
                    used_at INTEGER,
                    revoked_at INTEGER
                );
                CREATE TABLE clawback_requests (
                    reference TEXT PRIMARY KEY REFERENCES claims (reference),
                    requested_by_id TEXT NOT NULL,
                    requested_by_email TEXT NOT NULL,
                    mentors TEXT NOT NULL,
                    amount_pence INTEGER NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
                    decided_by_email TEXT,
                    reason TEXT
                );
                """
        )
    }

    /// `audit-sampling-v3-reminders`.
    static func v3Reminders(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE provider_requests ADD COLUMN reminders INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE provider_requests ADD COLUMN last_notified_at INTEGER;
                """
        )
    }

    /// POST that creates something accepts an Idempotency-Key (a retried request after a
    /// lost reply gets the first response instead of creating a second run or sample).
    static func v4Idempotency(_ db: Database) throws {
        try db.execute(sql: IdempotencyStore.tableSQL)
    }

    /// The pre-payment checks look only at the claims a submission can affect: the
    /// school's, and those sharing a mentor with the same provider in the year.
    static func v5ClaimMentors(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE claim_mentors (
                    reference TEXT NOT NULL,
                    academic_year INTEGER NOT NULL,
                    provider_code TEXT NOT NULL,
                    trn TEXT NOT NULL,
                    PRIMARY KEY (reference, trn)
                );
                CREATE INDEX claim_mentors_key ON claim_mentors (academic_year, provider_code, trn);
                CREATE INDEX claims_school_year ON claims (academic_year, school_urn);
                """
        )
        struct Line: Decodable { var trn: String }
        let rows = try Row.fetchAll(db, sql: "SELECT reference, academic_year, provider_code, mentors FROM claims")
        for row in rows {
            let lines = (try? JSONDecoder().decode([Line].self, from: Data((row["mentors"] as String).utf8))) ?? []
            for line in lines {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO claim_mentors (reference, academic_year, provider_code, trn) VALUES (?, ?, ?, ?)",
                    arguments: [row["reference"] as String, row["academic_year"] as Int, row["provider_code"] as String, line.trn]
                )
            }
        }
    }

    /// Each mentor's provider verdict, so a clawback can be held to the mentors the
    /// provider did not accept; the school's response; uploads already applied (the same
    /// file twice answers "already applied"); links kept as a hash of their token; and a
    /// version on audit's view of a claim, which every change moves on (If-Match).
    static func v6VerdictsVersionsLinks(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE mentor_verdicts (
                    reference TEXT NOT NULL,
                    sample_id INTEGER NOT NULL,
                    trn TEXT NOT NULL,
                    accepted INTEGER NOT NULL,
                    reason TEXT,
                    recorded_at INTEGER NOT NULL,
                    PRIMARY KEY (reference, sample_id, trn)
                );
                CREATE TABLE school_responses (
                    reference TEXT NOT NULL,
                    sample_id INTEGER NOT NULL,
                    mentors TEXT NOT NULL,
                    recorded_by TEXT NOT NULL,
                    recorded_at INTEGER NOT NULL,
                    PRIMARY KEY (reference, sample_id)
                );
                CREATE TABLE applied_uploads (
                    kind TEXT NOT NULL,
                    scope TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    reply TEXT NOT NULL,
                    applied_at INTEGER NOT NULL,
                    PRIMARY KEY (kind, scope, fingerprint)
                );
                CREATE TABLE link_hashes (
                    token_hash TEXT PRIMARY KEY,
                    request_id INTEGER NOT NULL REFERENCES provider_requests (id),
                    recipient TEXT NOT NULL,
                    expires_at INTEGER NOT NULL,
                    used_at INTEGER,
                    revoked_at INTEGER
                );
                CREATE INDEX link_hashes_request ON link_hashes (request_id);
                ALTER TABLE samples ADD COLUMN share_ppm INTEGER;
                ALTER TABLE clawback_requests ADD COLUMN requested_at INTEGER;
                ALTER TABLE clawback_requests ADD COLUMN decided_at INTEGER;
                """
        )
        for row in try Row.fetchAll(db, sql: "SELECT * FROM request_links") {
            try db.execute(
                sql: "INSERT INTO link_hashes (token_hash, request_id, recipient, expires_at, used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    SingleUseLink.hash(row["token"]), row["request_id"] as Int64, row["recipient"] as String, row["expires_at"] as Int64,
                    row["used_at"] as Int64?, row["revoked_at"] as Int64?,
                ]
            )
        }
        try db.execute(
            sql: """
                DROP TABLE request_links;
                UPDATE samples SET share_ppm = CAST(ROUND(share * 1000000) AS INTEGER) WHERE share IS NOT NULL;
                ALTER TABLE claims ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
                CREATE TRIGGER claims_version AFTER UPDATE ON claims WHEN NEW.version = OLD.version
                BEGIN UPDATE claims SET version = OLD.version + 1 WHERE reference = NEW.reference; END;
                """
        )
    }

    /// A status the code does not know can no longer be written at all: the tables are
    /// rebuilt with CHECK constraints (SQLite cannot add one to a table in place). The
    /// lists are written out, not taken from the code, so this migration never changes.
    static func v7CheckedStatuses(_ db: Database) throws {
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
                    amount_pence INTEGER NOT NULL CHECK (amount_pence >= 0),
                    rate_pence INTEGER NOT NULL,
                    submitted_at INTEGER NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('submitted', 'payment_in_progress', 'payment_information_requested',
                        'payment_information_sent', 'paid', 'payment_not_approved', 'sampling_in_progress', 'sampling_provider_not_approved',
                        'sampling_not_approved', 'clawback_requires_approval', 'clawback_rejected', 'clawback_requested',
                        'clawback_in_progress', 'clawback_complete', 'deleted')),
                    flags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(flags)),
                    mentors TEXT NOT NULL CHECK (json_valid(mentors)),
                    version INTEGER NOT NULL DEFAULT 1
                );
                INSERT INTO claims_checked SELECT reference, school_urn, school_name, school_local_authority, school_type_of_establishment,
                    school_group, provider_code, provider_name, academic_year, amount_pence, rate_pence, submitted_at, status, flags, mentors,
                    version FROM claims;
                DROP TABLE claims;
                ALTER TABLE claims_checked RENAME TO claims;
                CREATE INDEX claims_year ON claims (academic_year, status);
                CREATE INDEX claims_school_year ON claims (academic_year, school_urn);
                CREATE TRIGGER claims_version AFTER UPDATE ON claims WHEN NEW.version = OLD.version
                BEGIN UPDATE claims SET version = OLD.version + 1 WHERE reference = NEW.reference; END;

                CREATE TABLE sample_claims_checked (
                    sample_id INTEGER NOT NULL REFERENCES samples (id),
                    reference TEXT NOT NULL REFERENCES claims (reference),
                    reason TEXT NOT NULL,
                    open INTEGER NOT NULL DEFAULT 1 CHECK (open IN (0, 1)),
                    PRIMARY KEY (sample_id, reference)
                );
                INSERT INTO sample_claims_checked SELECT sample_id, reference, reason, open FROM sample_claims;
                DROP TABLE sample_claims;
                ALTER TABLE sample_claims_checked RENAME TO sample_claims;
                CREATE UNIQUE INDEX sample_claims_one_open ON sample_claims (reference) WHERE open = 1;

                CREATE TABLE mentor_verdicts_checked (
                    reference TEXT NOT NULL,
                    sample_id INTEGER NOT NULL,
                    trn TEXT NOT NULL,
                    accepted INTEGER NOT NULL CHECK (accepted IN (0, 1)),
                    reason TEXT,
                    recorded_at INTEGER NOT NULL,
                    PRIMARY KEY (reference, sample_id, trn)
                );
                INSERT INTO mentor_verdicts_checked SELECT reference, sample_id, trn, accepted, reason, recorded_at FROM mentor_verdicts;
                DROP TABLE mentor_verdicts;
                ALTER TABLE mentor_verdicts_checked RENAME TO mentor_verdicts;
                """
        )
    }
}
