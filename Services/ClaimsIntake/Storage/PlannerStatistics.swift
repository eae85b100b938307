import Foundation
import GRDB
import ServiceLifecycle
import ServiceSupport

/// Keeps SQLite's query planner informed as the claims grow: `ANALYZE` at start, and again
/// whenever the number of claims has changed by a tenth since (checked hourly), after which the
/// pool's reader connections are closed so that each reads the new statistics when it is next
/// opened (a connection keeps the statistics it first loaded). Without them, a list filtered by a
/// school and a year can walk the year's 100,000 claims instead of the school's 20, and support's
/// count of every claim scans the table instead of an index. The analysis is whole (a sample
/// misjudges these indexes): about 0.1 s at 100,000 claims.
struct PlannerStatistics: Service {
    let env: ServiceEnvironment
    var every: Duration = .seconds(3600)

    /// Analyses every table and drops idle readers; returns the number of claims analysed.
    @discardableResult
    static func refresh(_ database: DatabasePool) async throws -> Int {
        let claims = try await database.write { db -> Int in
            try db.execute(sql: "PRAGMA analysis_limit = 0")
            try db.execute(sql: "ANALYZE")
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM claims") ?? 0
        }
        database.releaseMemory()
        return claims
    }

    /// Whether `now` claims differ enough from the `analysed` count to analyse again.
    static func due(analysed: Int?, now: Int) -> Bool {
        guard let analysed else { return true }
        return abs(now - analysed) > max(1_000, analysed / 10)
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var analysed: Int?
            while !Task.isCancelled {
                do {
                    let now = try await env.database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM claims") ?? 0 }
                    if Self.due(analysed: analysed, now: now) {
                        analysed = try await Self.refresh(env.database)
                        env.logger.info("refreshed the query planner's statistics", metadata: ["claims": "\(analysed ?? 0)"])
                    }
                } catch {
                    env.logger.error("could not refresh the query planner's statistics", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: every)
            }
        }
    }
}
