import GRDB

/// The tables every service keeps for the durable bus: its outbox (what it produced) and its
/// inbox (how far it has applied each peer, what it parked and what it refused).
///
/// Migrations are never edited once shipped; add a new one instead.
public enum BusSchema {
    /// Registers the bus migrations. Call before the service's own migrations.
    public static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("bus-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE bus_producer (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        last_sequence INTEGER NOT NULL, -- the head when the outbox is empty (after pruning)
                        published_through INTEGER NOT NULL
                    );
                    INSERT INTO bus_producer (id, last_sequence, published_through) VALUES (1, 0, 0);
                    CREATE TABLE bus_outbox (
                        sequence INTEGER PRIMARY KEY,
                        message_id TEXT NOT NULL,
                        type TEXT NOT NULL,
                        envelope BLOB NOT NULL,
                        occurred_at INTEGER NOT NULL
                    );
                    CREATE TABLE bus_inbox (
                        producer TEXT PRIMARY KEY,
                        applied_through INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE TABLE bus_parked (
                        producer TEXT NOT NULL,
                        sequence INTEGER NOT NULL,
                        type TEXT NOT NULL,
                        envelope BLOB NOT NULL,
                        reason TEXT NOT NULL,
                        parked_at INTEGER NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        PRIMARY KEY (producer, sequence)
                    );
                    CREATE TABLE bus_dead_letter (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        producer TEXT,
                        sequence INTEGER,
                        type TEXT,
                        envelope BLOB NOT NULL,
                        reason TEXT NOT NULL,
                        received_at INTEGER NOT NULL
                    );
                    """
            )
        }
    }
}
