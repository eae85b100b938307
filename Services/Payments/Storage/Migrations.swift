import GRDB
import ServiceSupport

/// The service's own tables. Migrations are never edited once shipped; add a new one.
enum Migrations {
    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("payments-v1") { db in
            try db.execute(sql: "CREATE TABLE service_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        }
        migrator.registerMigration("payments-v2-runs") { db in
            try db.execute(sql: """
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
                """)
        }
        migrator.registerMigration("payments-v3-idempotency") { db in
            // POST that creates something accepts an Idempotency-Key (a retried request after a
            // lost reply gets the first response instead of creating a second run or sample).
            try db.execute(sql: IdempotencyStore.tableSQL)
        }
    }
}
