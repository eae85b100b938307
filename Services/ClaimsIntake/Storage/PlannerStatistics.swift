import Foundation
import GRDB
import ServiceLifecycle
import ServiceSupport

/// Keeps SQLite's query planner informed as the claims grow: a sampled `ANALYZE` at start and
/// every hour, after which the pool's reader connections are closed so that each reads the new
/// statistics when it is next opened (a connection keeps the statistics it first loaded). Without
/// them, a list filtered by a school and a year can walk the year's 100,000 claims instead of the
/// school's 20.
struct PlannerStatistics: Service {
    let env: ServiceEnvironment
    var every: Duration = .seconds(3600)

    /// Analyses the tables (at most `analysis_limit` rows of each index) and drops idle readers.
    static func refresh(_ database: DatabasePool) async throws {
        try await database.write { db in
            try db.execute(sql: "PRAGMA analysis_limit = 1000")
            try db.execute(sql: "ANALYZE")
        }
        database.releaseMemory()
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Self.refresh(env.database) } catch {
                    env.logger.error("could not refresh the query planner's statistics", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: every)
            }
        }
    }
}
