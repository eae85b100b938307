import ArgumentParser
import BenchSupport
import Foundation
import GRDB
import ServiceSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `make bench`, audit sampling: a 10% sample of 100,000 paid claims with the provider files
/// built, over HTTP against the release `audit-sampling`, with the process's peak memory.
@main
struct AuditBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit-bench", abstract: "Benchmarks sampling.")

    @Option(help: "The audit-sampling executable.") var executable: String
    @Option(help: "Paid claims to seed.") var claims = 100_000
    @Option(help: "Working folder.") var folder = "./.data/audit-bench"

    static let secret = "audit-bench-secret-0123456789abcdef0123456"

    func run() async throws {
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let database = "\(folder)/audit-sampling.sqlite"
        let port = 18_580
        let env = [
            "DATABASE_PATH": database, "HTTP_PORT": "\(port)", "BUS_PUBLISH": "tcp://127.0.0.1:18591",
            "BUS_PEERS": "claims-intake=tcp://127.0.0.1:18593", "AUTH_JWT_SECRET": Self.secret, "LOG_LEVEL": "error",
        ]
        let (service, _) = try await ServiceUnderTest.seeded(executable: executable, port: port, environment: env) { try seed(database) }
        defer { service.stop() }
        let support = try await DevelopmentToken.make(
            user: AuthenticatedUser(id: "bench", email: "support@education.example", name: "Bench", role: .support),
            secret: Self.secret
        )
        service.resetPeakMemory()
        let started = Date()
        let data = try await service.post(
            "/api/v1/audit/samples",
            token: support,
            body: Data(#"{"academic_year": 2025, "share": 0.10, "seed": 2025}"#.utf8),
            contentType: "application/json"
        )
        let seconds = Date().timeIntervalSince(started)
        guard let reply = try JSONSerialization.jsonObject(with: data) as? [String: Any], let count = reply["claim_count"] as? Int else {
            throw BenchError("no sample: \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        let providers = (reply["providers"] as? [[String: Any]])?.count ?? 0
        print("| step (\(claims) paid claims) | claims sampled | provider files | seconds | peak resident memory of audit-sampling |")
        print("|---|---:|---:|---:|---:|")
        print(
            String(
                format: "| 10%% sample: select, record, publish, build each provider's file and links | %d | %d | %.2f | %d MiB |",
                count,
                providers,
                seconds,
                service.peakMemoryMiB
            )
        )
        // The same-run baseline: reading the year's paid claims once, straight from SQLite.
        let direct = try DatabaseQueue(
            path: database,
            configuration: {
                var c = Configuration()
                c.readonly = true
                return c
            }()
        )
        var rows = 0
        let read = try Baseline.seconds {
            try direct.read { db in
                let cursor = try Row.fetchCursor(
                    db,
                    sql: "SELECT reference, school_urn, amount_pence, flags, mentors FROM claims WHERE academic_year = 2025"
                )
                while try cursor.next() != nil { rows += 1 }
            }
        }
        print("")
        print(
            String(
                format: "Baseline, same run: reading the %d paid claims once from SQLite takes %.3f s. Ratio: sample / baseline = %.1f.",
                rows,
                read,
                seconds / read
            )
        )
    }

    func seed(_ path: String) throws {
        let db = try DatabaseQueue(path: path)
        try db.write { db in
            for p in 0..<50 {
                try db.execute(
                    sql: "INSERT INTO providers (code, name, email_addresses) VALUES (?, ?, ?)",
                    arguments: ["P\(p)", "Provider \(p)", "q@p\(p).example"]
                )
            }
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO claims (reference, school_urn, school_name, school_local_authority, school_type_of_establishment, school_group,
                        provider_code, provider_name, academic_year, amount_pence, rate_pence, submitted_at, status, flags, mentors)
                    VALUES (?, ?, ?, 'Islington', 'Academy', 'Academies', ?, ?, 2025, ?, 4825, 1767225600000, 'paid', ?, ?)
                    """
            )
            for i in 0..<claims {
                let hours = 1 + i % 16
                let mentors = #"[{"trn":"\#(String(format: "%07d", 1_000_000 + i))","firstName":"Ada","lastName":"Lovelace","hours":\#(hours)}]"#
                try insert.execute(arguments: [
                    String(format: "%08d", i), 100_000 + i % 20_000, "School \(i % 20_000)", "P\(i % 50)", "Provider \(i % 50)",
                    Int64(4825 * hours), i % 997 == 0 ? #"["flagged"]"# : "[]", mentors,
                ])
            }
        }
    }

}
