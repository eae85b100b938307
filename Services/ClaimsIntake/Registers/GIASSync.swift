import Foundation
import Logging
import Metrics
import ServiceLifecycle
import ServiceSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The daily import of the GIAS extract (`GIAS_CSV_BASE_URL`, `GIAS_SYNC_AT`): at the London
/// time each day, the previous day's `edubasealldata YYYYMMDD.csv` is downloaded to a file
/// beside the database and imported as an upload is. Restart-safe: the extract due is worked out
/// from the clock and the import records, so a sync missed while the service was down runs at
/// start, and one that failed is tried again every 15 minutes (and at once after a restart)
/// until it is imported. A download that fails, or is cut short, changes nothing; each outcome
/// is logged, counted in `/metrics` and recorded for support (`GET /api/v1/schools/import`).
struct GIASSync: Service {
    struct Settings: Sendable, Equatable {
        /// Where the extracts are published.
        var baseURL: String
        /// The London time of day to import, as hour and minute.
        var hour: Int
        var minute: Int
    }

    let settings: Settings
    let database: IntakeDatabase
    let folder: URL
    let logger: Logger
    var tick: Duration = .seconds(30)
    var retryAfter: TimeInterval = 15 * 60
    var requestTimeout: TimeInterval = 120

    /// The extract that should have been imported by `instant`: the day before today's sync
    /// time once it has passed, else the day before yesterday's. `YYYY-MM-DD`.
    static func dueExtract(at instant: Date, hour: Int, minute: Int) -> String {
        let today = LondonDates.text(of: instant)
        let syncToday = LondonDates.time(hour: hour, minute: minute, onTheDayOf: instant)
        return LondonDates.adding(instant >= syncToday ? -1 : -2, to: today) ?? today
    }

    /// `edubasealldata20261201.csv` for `2026-12-01`.
    static func fileName(of day: String) -> String {
        "edubasealldata\(day.replacingOccurrences(of: "-", with: "")).csv"
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var lastFailure: (day: String, at: Date)?
            while !Task.isCancelled {
                lastFailure = await syncIfDue(lastFailure: lastFailure)
                try await Task.sleep(for: tick)
            }
        }
    }

    /// Imports the due extract unless it is in, or failed less than `retryAfter` ago in this
    /// process (a restart tries at once); returns the failure, if this try failed.
    func syncIfDue(lastFailure: (day: String, at: Date)?) async -> (day: String, at: Date)? {
        let now = database.now()
        let day = Self.dueExtract(at: now, hour: settings.hour, minute: settings.minute)
        if let lastFailure, lastFailure.day == day, now.timeIntervalSince(lastFailure.at) < retryAfter { return lastFailure }
        do {
            if try await database.hasSyncedExtract(of: day) { return nil }
        } catch {
            logger.error("cannot read the GIAS sync records", metadata: ["error": "\(error)"])
            return lastFailure
        }
        return await sync(day, startedAt: now) ? nil : (day, now)
    }

    /// Downloads and imports the extract of `day`, recording the outcome either way; true when
    /// it was imported.
    @discardableResult
    func sync(_ day: String, startedAt: Date) async -> Bool {
        let name = Self.fileName(of: day)
        let source = SchoolImportSource(kind: "gias_sync", fileName: name, fileDate: day, startedAt: startedAt, by: nil)
        let file = folder.appendingPathComponent(".gias-download.csv")
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            try await download(name, to: file)
            let data = try Data(contentsOf: file, options: .alwaysMapped)
            let reply = try await SchoolImportRun.run(.data(data), database: database, source: source, extractOnly: true)
            guard reply.rejected.isEmpty else {
                let first = reply.rejected.prefix(3).map { "row \($0.row): \($0.message)" }.joined(separator: "; ")
                throw GIASSyncFailure(message: "\(reply.rejected.count) rows cannot be imported, so nothing was: \(first)")
            }
            Counter(label: "gias_sync_total", dimensions: [("outcome", "imported")]).increment()
            Gauge(label: "gias_sync_last_success_timestamp_seconds").record(database.now().timeIntervalSince1970)
            for (change, count) in [
                ("created", reply.created), ("updated", reply.updated), ("unchanged", reply.unchanged), ("skipped", reply.skipped),
            ] {
                Gauge(label: "gias_sync_last_schools", dimensions: [("change", change)]).record(count)
            }
            logger.notice(
                "imported the GIAS extract",
                metadata: [
                    "file": "\(name)", "created": "\(reply.created)", "updated": "\(reply.updated)",
                    "unchanged": "\(reply.unchanged)", "skipped": "\(reply.skipped)",
                ]
            )
            return true
        } catch {
            let message = (error as? GIASSyncFailure)?.message ?? (error as? Problem)?.detail ?? "\(error)"
            Counter(label: "gias_sync_total", dimensions: [("outcome", "failed")]).increment()
            logger.error("the GIAS extract was not imported; nothing changed", metadata: ["file": "\(name)", "error": "\(message)"])
            do {
                try await database.recordFailedImport(source: source, error: message)
            } catch {
                logger.error("cannot record the failed GIAS sync", metadata: ["error": "\(error)"])
            }
            return false
        }
    }

    /// Downloads `name` to `file`, checking the status and, when the server says it, the length.
    func download(_ name: String, to file: URL) async throws {
        let base = settings.baseURL.hasSuffix("/") ? String(settings.baseURL.dropLast()) : settings.baseURL
        guard let url = URL(string: "\(base)/\(name)") else { throw GIASSyncFailure(message: "GIAS_CSV_BASE_URL makes no URL for \(name)") }
        var request = URLRequest(url: url)
        request.timeoutInterval = requestTimeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = requestTimeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let (downloaded, response): (URL, URLResponse)
        do {
            (downloaded, response) = try await session.download(for: request)
        } catch {
            throw GIASSyncFailure(message: "\(url.absoluteString) could not be downloaded: \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: downloaded) }
        guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            throw GIASSyncFailure(message: "\(url.absoluteString) answered \(status), not 200")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: downloaded.path)[.size] as? Int) ?? 0
        if http.expectedContentLength > 0 && Int64(size) != http.expectedContentLength {
            throw GIASSyncFailure(message: "the download of \(name) was cut short: \(size) of \(http.expectedContentLength) bytes")
        }
        try? FileManager.default.removeItem(at: file)
        try FileManager.default.moveItem(at: downloaded, to: file)
    }
}

/// Why a daily sync imported nothing.
struct GIASSyncFailure: Error {
    var message: String
}
