import GRDB

/// The service's own tables. Migrations are never edited once shipped; add a new one.
enum Migrations {
    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("claims-intake-v1", migrate: v1)
        migrator.registerMigration("claims-intake-v2-reference-data", migrate: v2ReferenceData)
        migrator.registerMigration("claims-intake-v3-claims", migrate: v3Claims)
        migrator.registerMigration("claims-intake-v4-sort-indexes", migrate: v4SortIndexes)
        migrator.registerMigration("claims-intake-v5-support-filter-indexes", migrate: v5SupportFilterIndexes)
        migrator.registerMigration("claims-intake-v6-checked-statuses", migrate: v6CheckedStatuses)
        migrator.registerMigration("claims-intake-v7-school-imports", migrate: v7SchoolImports)
        migrator.registerMigration("claims-intake-v8-mentor-name-syncs", migrate: v8MentorNameSyncs)
    }

    /// `claims-intake-v1`.
    static func v1(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE service_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    }

    /// `claims-intake-v2-reference-data`.
    static func v2ReferenceData(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE schools (
                    urn INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    postcode TEXT NOT NULL,
                    local_authority TEXT NOT NULL,
                    type_of_establishment TEXT NOT NULL,
                    group_name TEXT NOT NULL,
                    region TEXT NOT NULL CHECK (region IN ('inner_london', 'outer_london', 'fringe', 'rest_of_england')),
                    trust_uid TEXT,
                    trust_name TEXT,
                    contact_emails TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX schools_trust ON schools (trust_uid);
                CREATE TABLE school_eligibility (
                    urn INTEGER NOT NULL REFERENCES schools (urn),
                    academic_year INTEGER NOT NULL,
                    granted_at INTEGER NOT NULL,
                    granted_by TEXT NOT NULL,
                    PRIMARY KEY (urn, academic_year)
                );
                CREATE TABLE grant_conditions (
                    urn INTEGER PRIMARY KEY REFERENCES schools (urn),
                    accepted_at INTEGER NOT NULL,
                    accepted_by_id TEXT NOT NULL,
                    accepted_by_email TEXT NOT NULL
                );
                CREATE TABLE providers (
                    code TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    ukprn TEXT NOT NULL,
                    accredited INTEGER NOT NULL,
                    email_addresses TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE TABLE funding_rates (
                    academic_year INTEGER NOT NULL,
                    region TEXT NOT NULL,
                    pence INTEGER NOT NULL CHECK (pence > 0),
                    set_by TEXT NOT NULL,
                    set_at INTEGER NOT NULL,
                    PRIMARY KEY (academic_year, region)
                );
                CREATE TABLE funding_rate_changes (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    academic_year INTEGER NOT NULL,
                    region TEXT NOT NULL,
                    pence INTEGER NOT NULL,
                    set_by TEXT NOT NULL,
                    set_at INTEGER NOT NULL
                );
                CREATE TABLE claim_windows (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    academic_year INTEGER NOT NULL,
                    opens_on TEXT NOT NULL,
                    closes_on TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE mentors (
                    urn INTEGER NOT NULL REFERENCES schools (urn),
                    trn TEXT NOT NULL,
                    first_name TEXT NOT NULL,
                    last_name TEXT NOT NULL,
                    added_at INTEGER NOT NULL,
                    PRIMARY KEY (urn, trn)
                );
                """
        )
        // The default rates of domain.md for 2024 and 2025.
        for year in [2024, 2025] {
            for (region, pence) in [("inner_london", 5360), ("outer_london", 4825), ("fringe", 4510), ("rest_of_england", 4380)] {
                try db.execute(
                    sql: "INSERT INTO funding_rates (academic_year, region, pence, set_by, set_at) VALUES (?, ?, ?, 'default data', 0)",
                    arguments: [year, region, pence]
                )
            }
        }
    }

    /// `claims-intake-v3-claims`.
    static func v3Claims(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE claim_references (reference TEXT PRIMARY KEY);
                CREATE TABLE claims (
                    reference TEXT PRIMARY KEY REFERENCES claim_references (reference),
                    school_urn INTEGER NOT NULL REFERENCES schools (urn),
                    school_name TEXT NOT NULL,
                    provider_code TEXT NOT NULL REFERENCES providers (code),
                    academic_year INTEGER NOT NULL,
                    claim_window_id INTEGER NOT NULL REFERENCES claim_windows (id),
                    status TEXT NOT NULL,
                    total_hours INTEGER NOT NULL,
                    rate_pence INTEGER,
                    amount_pence INTEGER,
                    clawback_amount_pence INTEGER NOT NULL DEFAULT 0,
                    paid_pence INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    created_by_id TEXT NOT NULL,
                    created_by_email TEXT NOT NULL,
                    submitted_at INTEGER,
                    submitted_by_id TEXT,
                    submitted_by_email TEXT,
                    submitted_by_name TEXT,
                    status_reason TEXT,
                    flags TEXT NOT NULL DEFAULT '[]',
                    version INTEGER NOT NULL DEFAULT 1
                );
                CREATE INDEX claims_status_submitted ON claims (status, submitted_at, reference);
                CREATE INDEX claims_submitted ON claims (submitted_at, reference);
                CREATE INDEX claims_school ON claims (school_urn, created_at);
                CREATE INDEX claims_window ON claims (claim_window_id);
                CREATE TABLE claim_mentors (
                    reference TEXT NOT NULL REFERENCES claims (reference) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    trn TEXT NOT NULL,
                    first_name TEXT NOT NULL,
                    last_name TEXT NOT NULL,
                    hours INTEGER NOT NULL CHECK (hours >= 1),
                    hours_clawed_back INTEGER NOT NULL DEFAULT 0,
                    provider_code TEXT NOT NULL,
                    academic_year INTEGER NOT NULL,
                    counts INTEGER NOT NULL DEFAULT 1,
                    PRIMARY KEY (reference, trn)
                );
                CREATE INDEX claim_mentors_allowance ON claim_mentors (trn, provider_code, academic_year);
                CREATE TABLE claim_activity (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    reference TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    action TEXT NOT NULL,
                    from_status TEXT,
                    to_status TEXT,
                    actor_id TEXT,
                    actor_email TEXT,
                    actor_service TEXT,
                    reason TEXT,
                    message_id TEXT
                );
                CREATE INDEX claim_activity_reference ON claim_activity (reference, id);
                CREATE TABLE idempotency_keys (
                    user_id TEXT NOT NULL,
                    key TEXT NOT NULL,
                    request_hash TEXT NOT NULL,
                    status INTEGER NOT NULL,
                    body BLOB NOT NULL,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (user_id, key)
                );
                """
        )
    }

    /// Every sort of the support list walks an index, so a page is a short walk whatever
    /// the sort: by amount (both directions walk one index) and by school name.
    static func v4SortIndexes(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE INDEX claims_amount ON claims (amount_pence, reference);
                CREATE INDEX claims_school_name ON claims (school_name, reference);
                """
        )
    }

    /// Support's list counts every claim a filter matches: each filter's index carries
    /// `submitted_at`, which support's scope (every claim but drafts) tests, so the count
    /// is read from the index alone; flagged claims, a few, have an index of their own.
    static func v5SupportFilterIndexes(_ db: Database) throws {
        try db.execute(
            sql: """
                DROP INDEX claims_window;
                CREATE INDEX claims_window_submitted ON claims (claim_window_id, submitted_at);
                CREATE INDEX claims_year_submitted ON claims (academic_year, submitted_at);
                CREATE INDEX claims_provider_submitted ON claims (provider_code, submitted_at);
                CREATE INDEX claims_flagged ON claims (submitted_at, reference) WHERE flags != '[]';
                CREATE INDEX claim_mentors_trn_reference ON claim_mentors (trn, reference);
                """
        )
    }

    /// A status the code does not know can no longer be written at all: the claims table is
    /// rebuilt with CHECK constraints (SQLite cannot add one to a table in place), with
    /// every index it had. The list is written out, not taken from the code, so this
    /// migration never changes.
    static func v6CheckedStatuses(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE claims_checked (
                    reference TEXT PRIMARY KEY REFERENCES claim_references (reference),
                    school_urn INTEGER NOT NULL REFERENCES schools (urn),
                    school_name TEXT NOT NULL,
                    provider_code TEXT NOT NULL REFERENCES providers (code),
                    academic_year INTEGER NOT NULL,
                    claim_window_id INTEGER NOT NULL REFERENCES claim_windows (id),
                    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'payment_in_progress', 'payment_information_requested',
                        'payment_information_sent', 'paid', 'payment_not_approved', 'sampling_in_progress', 'sampling_provider_not_approved',
                        'sampling_not_approved', 'clawback_requires_approval', 'clawback_rejected', 'clawback_requested',
                        'clawback_in_progress', 'clawback_complete')),
                    total_hours INTEGER NOT NULL CHECK (total_hours >= 0),
                    rate_pence INTEGER,
                    amount_pence INTEGER CHECK (amount_pence IS NULL OR amount_pence >= 0),
                    clawback_amount_pence INTEGER NOT NULL DEFAULT 0,
                    paid_pence INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    created_by_id TEXT NOT NULL,
                    created_by_email TEXT NOT NULL,
                    submitted_at INTEGER,
                    submitted_by_id TEXT,
                    submitted_by_email TEXT,
                    submitted_by_name TEXT,
                    status_reason TEXT,
                    flags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(flags)),
                    version INTEGER NOT NULL DEFAULT 1
                );
                INSERT INTO claims_checked SELECT reference, school_urn, school_name, provider_code, academic_year, claim_window_id, status,
                    total_hours, rate_pence, amount_pence, clawback_amount_pence, paid_pence, created_at, created_by_id, created_by_email,
                    submitted_at, submitted_by_id, submitted_by_email, submitted_by_name, status_reason, flags, version FROM claims;
                DROP TABLE claims;
                ALTER TABLE claims_checked RENAME TO claims;
                CREATE INDEX claims_status_submitted ON claims (status, submitted_at, reference);
                CREATE INDEX claims_submitted ON claims (submitted_at, reference);
                CREATE INDEX claims_school ON claims (school_urn, created_at);
                CREATE INDEX claims_amount ON claims (amount_pence, reference);
                CREATE INDEX claims_school_name ON claims (school_name, reference);
                CREATE INDEX claims_window_submitted ON claims (claim_window_id, submitted_at);
                CREATE INDEX claims_year_submitted ON claims (academic_year, submitted_at);
                CREATE INDEX claims_provider_submitted ON claims (provider_code, submitted_at);
                CREATE INDEX claims_flagged ON claims (submitted_at, reference) WHERE flags != '[]';
                """
        )
    }

    /// `claims-intake-v7-school-imports`: every import of schools, uploaded or synced from GIAS,
    /// with its outcome, for support to see.
    static func v7SchoolImports(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE school_imports (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    source TEXT NOT NULL CHECK (source IN ('upload', 'gias_sync')),
                    file_name TEXT,
                    file_date TEXT,
                    started_at INTEGER NOT NULL,
                    finished_at INTEGER NOT NULL,
                    outcome TEXT NOT NULL CHECK (outcome IN ('imported', 'failed')),
                    created INTEGER NOT NULL DEFAULT 0,
                    updated INTEGER NOT NULL DEFAULT 0,
                    unchanged INTEGER NOT NULL DEFAULT 0,
                    skipped INTEGER NOT NULL DEFAULT 0,
                    error TEXT,
                    by_email TEXT
                );
                CREATE INDEX school_imports_sync ON school_imports (source, file_date);
                """
        )
    }

    /// `claims-intake-v8-mentor-name-syncs`: each night's check of mentors' names against the
    /// Teaching Record System, so a restart neither misses nor repeats one.
    static func v8MentorNameSyncs(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE mentor_name_syncs (
                    day TEXT PRIMARY KEY,
                    finished_at INTEGER NOT NULL,
                    checked INTEGER NOT NULL,
                    renamed INTEGER NOT NULL,
                    not_found INTEGER NOT NULL,
                    failed INTEGER NOT NULL
                );
                """
        )
    }
}
