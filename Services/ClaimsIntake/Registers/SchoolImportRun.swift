import Foundation
import Hummingbird
import ServiceSupport

/// One import of a schools file, uploaded or downloaded: the file told apart by its header
/// (the ten-column schools file, or the GIAS extract as published), read and checked whole off
/// Swift's cooperative pool, then applied in one transaction with its record.
enum SchoolImportRun {
    /// What the import did, or every row that stopped it.
    struct Reply: Encodable, Sendable {
        /// `schools` (the ten-column file) or `gias_extract`.
        var format: String
        var created = 0
        var updated = 0
        var unchanged = 0
        var skipped = 0
        var rejected: [SchoolImport.Rejected] = []
    }

    /// Reads `data` and, when every row is right, imports it. An unreadable file throws its
    /// problem; rows that are wrong come back in `rejected`, with nothing changed. With
    /// `extractOnly`, a file that is not the GIAS extract is refused before anything is imported.
    static func run(_ file: FileBytes, database: IntakeDatabase, source: SchoolImportSource, extractOnly: Bool = false) async throws -> Reply {
        let parsed = try await offThePool { try read(file) }
        switch parsed {
        case .rejected(let reply):
            return reply
        case .ready(_, let format, _) where extractOnly && format != "gias_extract":
            throw Problem(
                .unprocessableContent,
                detail: "The file is not the GIAS extract: its header lacks URN, EstablishmentName or DistrictAdministrative (code)"
            )
        case .ready(let input, let format, let skipped):
            let counts = try await database.importSchools(input, skipped: skipped, source: source)
            return Reply(format: format, created: counts.created, updated: counts.updated, unchanged: counts.unchanged, skipped: counts.skipped)
        }
    }

    enum Parsed: Sendable {
        case ready(SchoolImportInput, format: String, skipped: Int)
        case rejected(Reply)
    }

    /// A file's bytes: a request's body where it lies, or a downloaded file (mapped, not read).
    enum FileBytes: Sendable {
        case buffer(ByteBuffer)
        case data(Data)
    }

    /// Parses and checks a file (pure: no database).
    static func read(_ file: FileBytes) throws -> Parsed {
        let table: CSVTable
        do {
            let columns = SchoolImport.columns + GIASExtract.columns
            switch file {
            case .buffer(let buffer): table = try CSVTable(buffer, required: [], optional: columns)
            case .data(let data): table = try CSVTable(data, required: [], optional: columns)
            }
            if GIASExtract.isExtract(table.columns) {
                if let missing = table.missing(GIASExtract.columns) { throw missing }
            } else if let missing = table.missing(SchoolImport.columns) {
                throw missing
            }
        } catch let error as CSVFileError {
            throw error.problem
        }
        if GIASExtract.isExtract(table.columns) {
            let reading = GIASExtract.read(table)
            guard reading.rejected.isEmpty else { return .rejected(Reply(format: "gias_extract", rejected: reading.rejected)) }
            return .ready(.establishments(reading.establishments), format: "gias_extract", skipped: reading.skipped)
        }
        let (schools, rejected) = SchoolImport.read(table)
        guard rejected.isEmpty else { return .rejected(Reply(format: "schools", rejected: rejected)) }
        return .ready(.schools(schools), format: "schools", skipped: 0)
    }

    /// Runs CPU-bound `work` on a thread of its own, so a large file never holds a thread of the
    /// cooperative pool (two, on two cores) for seconds.
    static func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.stackSize = 1 << 22
            thread.start()
        }
    }
}
