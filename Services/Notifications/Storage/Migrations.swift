import GRDB

/// The service's own tables. Migrations are never edited once shipped; add a new one.
enum Migrations {
    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("notifications-v1", migrate: v1)
        migrator.registerMigration("notifications-v2-emails", migrate: v2Emails)
        migrator.registerMigration("notifications-v3-directory-and-reminders", migrate: v3DirectoryAndReminders)
        migrator.registerMigration("notifications-v4-reply-to", migrate: v4ReplyTo)
        migrator.registerMigration("notifications-v5-school-users", migrate: v5SchoolUsers)
        migrator.registerMigration("notifications-v6-checked-statuses", migrate: v6CheckedStatuses)
        migrator.registerMigration("notifications-v7-delivery-statuses", migrate: v7DeliveryStatuses)
    }

    /// `notifications-v1`.
    static func v1(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE service_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    }

    /// `notifications-v2-emails`.
    static func v2Emails(_ db: Database) throws {
        try db.execute(
            sql: """
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
                """
        )
    }

    /// `notifications-v3-directory-and-reminders`.
    static func v3DirectoryAndReminders(_ db: Database) throws {
        try db.execute(
            sql: """
                -- Support's retry allows as many attempts again: the sender stops at this limit.
                ALTER TABLE emails ADD COLUMN attempt_limit INTEGER;
                CREATE INDEX emails_recipient ON emails (recipient);
                CREATE INDEX emails_template ON emails (template);

                -- The service's own copy of what it needs from claims-intake's messages.
                CREATE TABLE schools (
                    urn INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    contact_emails TEXT NOT NULL  -- JSON array
                );
                CREATE TABLE providers (
                    code TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    email_addresses TEXT NOT NULL  -- JSON array
                );
                CREATE TABLE claim_windows (
                    id INTEGER PRIMARY KEY,
                    academic_year INTEGER NOT NULL,
                    opens_on TEXT NOT NULL,   -- YYYY-MM-DD, Europe/London
                    closes_on TEXT NOT NULL,
                    removed INTEGER NOT NULL DEFAULT 0
                );
                CREATE TABLE eligibility (
                    urn INTEGER NOT NULL,
                    academic_year INTEGER NOT NULL,
                    PRIMARY KEY (urn, academic_year)
                );
                CREATE TABLE claims (
                    reference TEXT PRIMARY KEY,
                    urn INTEGER NOT NULL,
                    school_name TEXT NOT NULL,
                    provider_name TEXT NOT NULL,
                    academic_year INTEGER NOT NULL,
                    claim_window_id INTEGER NOT NULL,
                    amount_pence INTEGER NOT NULL,
                    rate_pence INTEGER NOT NULL,
                    mentors TEXT NOT NULL,  -- JSON array of {trn, first_name, last_name, hours}
                    submitted_by_email TEXT,
                    clawback_pence INTEGER,
                    status TEXT NOT NULL,
                    deleted INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX claims_window ON claims (claim_window_id, urn);

                -- One row per school per window milestone once its reminder is queued, so a
                -- reminder goes out once even across restarts.
                CREATE TABLE reminders (
                    claim_window_id INTEGER NOT NULL,
                    milestone TEXT NOT NULL,
                    urn INTEGER NOT NULL,
                    queued_at INTEGER NOT NULL,
                    PRIMARY KEY (claim_window_id, milestone, urn)
                );
                """
        )
    }

    /// Emails that ask for a reply carry Reply-To: SUPPORT_EMAIL_ADDRESS.
    static func v4ReplyTo(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE emails ADD COLUMN reply_to TEXT")
    }

    /// Users with a membership of a school (from web): every email to the school reaches them too.
    static func v5SchoolUsers(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE school_users (urn INTEGER NOT NULL, email TEXT NOT NULL, PRIMARY KEY (urn, email))")
    }

    /// A status or milestone the code does not know can no longer be written: the claims and
    /// reminders tables are rebuilt with CHECK constraints (SQLite cannot add one in place). The
    /// lists are written out, not taken from the code, so this migration never changes.
    static func v6CheckedStatuses(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE claims_checked (
                    reference TEXT PRIMARY KEY,
                    urn INTEGER NOT NULL,
                    school_name TEXT NOT NULL,
                    provider_name TEXT NOT NULL,
                    academic_year INTEGER NOT NULL,
                    claim_window_id INTEGER NOT NULL,
                    amount_pence INTEGER NOT NULL,
                    rate_pence INTEGER NOT NULL,
                    mentors TEXT NOT NULL CHECK (json_valid(mentors)),
                    submitted_by_email TEXT,
                    clawback_pence INTEGER,
                    status TEXT NOT NULL CHECK (status IN ('submitted', 'payment_in_progress', 'payment_information_requested',
                        'payment_information_sent', 'paid', 'payment_not_approved', 'sampling_in_progress', 'sampling_provider_not_approved',
                        'sampling_not_approved', 'clawback_requires_approval', 'clawback_rejected', 'clawback_requested',
                        'clawback_in_progress', 'clawback_complete', 'deleted')),
                    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
                );
                INSERT INTO claims_checked SELECT reference, urn, school_name, provider_name, academic_year, claim_window_id, amount_pence,
                    rate_pence, mentors, submitted_by_email, clawback_pence, status, deleted FROM claims;
                DROP TABLE claims;
                ALTER TABLE claims_checked RENAME TO claims;
                CREATE INDEX claims_window ON claims (claim_window_id, urn);

                CREATE TABLE reminders_checked (
                    claim_window_id INTEGER NOT NULL,
                    milestone TEXT NOT NULL CHECK (milestone IN ('opening', 'closing_30', 'closing_7', 'closing_1')),
                    urn INTEGER NOT NULL,
                    queued_at INTEGER NOT NULL,
                    PRIMARY KEY (claim_window_id, milestone, urn)
                );
                INSERT INTO reminders_checked SELECT claim_window_id, milestone, urn, queued_at FROM reminders;
                DROP TABLE reminders;
                ALTER TABLE reminders_checked RENAME TO reminders;
                """
        )
    }

    /// What a mail service that reports delivery (GOV.UK Notify) said of each email: its id there,
    /// the latest status and when to ask again; and `sending_since`, set while a request is on its
    /// way, so that after a crash or a lost answer the next attempt first asks whether the email
    /// was taken before sending it again.
    static func v7DeliveryStatuses(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE emails ADD COLUMN provider_id TEXT;
                ALTER TABLE emails ADD COLUMN sending_since INTEGER;
                ALTER TABLE emails ADD COLUMN delivery_status TEXT CHECK (delivery_status IN ('created', 'sending', 'pending', 'delivered',
                    'permanent-failure', 'temporary-failure', 'technical-failure', 'unknown'));
                ALTER TABLE emails ADD COLUMN delivery_checks INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE emails ADD COLUMN delivery_next_check_at INTEGER;
                ALTER TABLE emails ADD COLUMN delivery_reported_at INTEGER;
                CREATE INDEX emails_delivery_due ON emails (delivery_next_check_at) WHERE delivery_next_check_at IS NOT NULL;
                CREATE INDEX emails_delivery_status ON emails (delivery_status, recipient) WHERE delivery_status IS NOT NULL;
                """
        )
    }
}
