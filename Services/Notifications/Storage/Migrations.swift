import GRDB

/// The service's own tables. Migrations are never edited once shipped; add a new one.
enum Migrations {
    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("notifications-v1") { db in
            try db.execute(sql: "CREATE TABLE service_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        }
    }
}
