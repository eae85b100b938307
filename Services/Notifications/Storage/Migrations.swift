import GRDB

/// The service's own tables. Migrations are never edited once shipped; add a new one.
enum Migrations {
    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("notifications-v1") { db in
            try db.execute(sql: "CREATE TABLE service_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        }
        migrator.registerMigration("notifications-v2-emails") { db in
            try db.execute(sql: """
                CREATE TABLE emails (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    fact_id TEXT NOT NULL,
                    template TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    body TEXT NOT NULL,
                    message_id TEXT NOT NULL UNIQUE,
                    claim_reference TEXT,
                    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER NOT NULL,
                    last_error TEXT,
                    created_at INTEGER NOT NULL,
                    sent_at INTEGER,
                    -- One email per fact, template and recipient: a replayed or duplicated message
                    -- can never queue it twice.
                    UNIQUE (fact_id, template, recipient)
                );
                CREATE INDEX emails_due ON emails (status, next_attempt_at);
                CREATE INDEX emails_claim ON emails (claim_reference);
                """)
        }
    }
}
