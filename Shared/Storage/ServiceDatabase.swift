import Foundation
import GRDB

/// Why a service's database could not be opened. Each case says what to fix.
public enum StorageError: Error, CustomStringConvertible, Equatable {
    /// The folder holding the database file could not be created.
    case cannotCreateFolder(path: String, reason: String)
    /// The file exists but SQLite cannot read or write it (permissions, not a database, corrupt).
    case cannotOpen(path: String, reason: String)
    /// The file was written by a newer release of the service: its migrations are unknown here.
    case newerSchema(path: String, unknownMigrations: [String])
    /// `PRAGMA synchronous` is not FULL after opening, so a power cut could lose commits.
    case notDurable(path: String, synchronous: Int)

    public var description: String {
        switch self {
        case .cannotCreateFolder(let path, let reason):
            return "Cannot create the folder for the database \(path): \(reason). Check DATABASE_PATH and the folder's permissions."
        case .cannotOpen(let path, let reason):
            return
                "Cannot open the database \(path): \(reason). Check DATABASE_PATH, the file's permissions, and that it is this service's SQLite file."
        case .newerSchema(let path, let unknown):
            return
                "The database \(path) was written by a newer version of this service (unknown migrations: \(unknown.joined(separator: ", "))). Run the newer version, or restore a backup made by this one."
        case .notDurable(let path, let synchronous):
            return "The database \(path) is not in synchronous=FULL mode (got \(synchronous)); refusing to run without durable commits."
        }
    }
}

/// Opens a service's own SQLite file: WAL, `synchronous=FULL`, foreign keys, a busy timeout,
/// and its migrations run once at start.
public enum ServiceDatabase {
    /// Opens (creating if needed) the database at `path` and migrates it with `migrator`.
    ///
    /// - Throws: ``StorageError`` naming what is wrong, never a bare SQLite error.
    public static func open(path: String, migrator: DatabaseMigrator) throws -> DatabasePool {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw StorageError.cannotCreateFolder(path: folder, reason: error.localizedDescription)
        }
        if FileManager.default.fileExists(atPath: path), !FileManager.default.isReadableFile(atPath: path) {
            throw StorageError.cannotOpen(path: path, reason: "the file is not readable by this user")
        }
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.journalMode = .wal
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // DatabasePool sets synchronous=NORMAL on its writer after prepareDatabase; a commit
            // must survive a power cut, so set FULL afterwards and check it took.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            let synchronous = try pool.writeWithoutTransaction { db in
                try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            }
            guard synchronous == 2 else { throw StorageError.notDurable(path: path, synchronous: synchronous) }
            let unknown = try pool.read { db -> [String] in
                guard try db.tableExists("grdb_migrations") else { return [] }
                let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
                let known = Set(migrator.migrations)
                return applied.filter { !known.contains($0) }
            }
            guard unknown.isEmpty else { throw StorageError.newerSchema(path: path, unknownMigrations: unknown) }
            try migrator.migrate(pool)
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.cannotOpen(path: path, reason: String(describing: error))
        }
        return pool
    }
}
