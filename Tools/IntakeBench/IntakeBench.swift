import ArgumentParser
import BenchSupport
import Foundation
import GRDB
import ServiceSupport
import TestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `make bench`, claims intake: list latency with 100,000 claims in the database and submissions
/// per second, over real HTTP against the release `claims-intake`.
@main
struct IntakeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "intake-bench", abstract: "Benchmarks claims-intake over HTTP.")

    @Option(help: "The claims-intake executable.") var executable: String
    @Option(help: "Claims to seed.") var claims = 100_000
    @Option(help: "Drafts to submit in the submission run.") var drafts = 3_000
    @Option(help: "Concurrent clients for submissions.") var clients = 16
    @Option(help: "Requests per latency measurement.") var requests = 400
    @Option(help: "Working folder.") var folder = "./.data/intake-bench"

    static let secret = "intake-bench-secret-0123456789abcdef0123"

    func run() async throws {
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let database = "\(folder)/claims-intake.sqlite"
        let port = 18_380
        let env = [
            "DATABASE_PATH": database, "HTTP_PORT": "\(port)", "BUS_PUBLISH": "tcp://127.0.0.1:18391",
            "BUS_PEERS": "payments=tcp://127.0.0.1:18393", "AUTH_JWT_SECRET": Self.secret, "LOG_LEVEL": "error",
        ]
        let (service, seeded) = try await ServiceUnderTest.seeded(executable: executable, port: port, environment: env) { try seed(database) }
        defer { service.stop() }
        let base = "http://127.0.0.1:\(port)"
        let support = try await DevelopmentToken.make(
            user: AuthenticatedUser(id: "bench-support", email: "support@education.example", name: "Bench", role: .support),
            secret: Self.secret
        )
        let school = try await DevelopmentToken.make(
            user: AuthenticatedUser(id: "bench-school", email: "head@school.example", name: "Bench", role: .school, urns: [seeded.busiestSchool]),
            secret: Self.secret
        )
        // Each list beside the same two queries (count and page) run straight against SQLite
        // with GRDB in this process: the service's own cost is the ratio.
        let direct = try DatabaseQueue(
            path: database,
            configuration: {
                var c = Configuration()
                c.readonly = true
                return c
            }()
        )
        let columns =
            "reference, status, school_urn, school_name, provider_code, academic_year, claim_window_id, total_hours, amount_pence, submitted_at, flags"
        print("| request (\(claims) claims in the database) | requests | p50 ms | p99 ms | same queries in SQLite, p99 ms | ratio |")
        print("|---|---:|---:|---:|---:|---:|")
        var cases: [(String, String, String, String, String)] = [
            (
                "support list, status=submitted, sort=-submitted_at, page 1", "/api/v1/claims?status=submitted&sort=-submitted_at&page=1", support,
                "status != 'draft' AND status IN ('submitted')", "submitted_at DESC, reference DESC LIMIT 25 OFFSET 0"
            ),
            (
                "support list, status=submitted, sort=-submitted_at, page 400", "/api/v1/claims?status=submitted&sort=-submitted_at&page=400",
                support,
                "status != 'draft' AND status IN ('submitted')", "submitted_at DESC, reference DESC LIMIT 25 OFFSET 9975"
            ),
            (
                "support list, no filter, default sort", "/api/v1/claims", support, "status != 'draft'",
                "submitted_at DESC, reference DESC LIMIT 25 OFFSET 0"
            ),
        ]
        for (sort, order) in [
            ("submitted_at", "submitted_at, reference"), ("-submitted_at", "submitted_at DESC, reference DESC"),
            ("amount", "amount_pence, reference"),
            ("-amount", "amount_pence DESC, reference DESC"), ("reference", "reference"), ("school_name", "school_name, reference"),
        ] {
            cases.append(
                ("support list, no filter, sort=\(sort)", "/api/v1/claims?sort=\(sort)", support, "status != 'draft'", "\(order) LIMIT 25 OFFSET 0")
            )
        }
        cases.append(
            (
                "school's claim list (page 1)", "/api/v1/claims", school, "school_urn IN (\(seeded.busiestSchool))",
                "submitted_at DESC, reference DESC LIMIT 25 OFFSET 0"
            )
        )
        for (name, path, token, filter, order) in cases {
            let times = try await latencies(base + path, token: token, count: requests)
            let sqlite = try directLatencies(direct, count: requests) { db in
                _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM claims WHERE \(filter)")
                _ = try Row.fetchAll(db, sql: "SELECT \(columns) FROM claims WHERE \(filter) ORDER BY \(order)").count
            }
            let p99 = percentile(times, 0.99)
            let base99 = percentile(sqlite, 0.99)
            print(String(format: "| %@ | %d | %.1f | %.1f | %.2f | %.1f |", name, requests, percentile(times, 0.5), p99, base99, p99 / base99))
        }
        print("")
        let started = Date()
        let submitted = try await submitDrafts(base, seeded.drafts)
        let seconds = Date().timeIntervalSince(started)
        print(
            String(
                format: "Submissions: %d drafts submitted by %d concurrent clients in %.2f s = %.0f submissions/s (%d refused).",
                submitted.ok,
                clients,
                seconds,
                Double(submitted.ok) / seconds,
                submitted.refused
            )
        )
        let commits = try Baseline.sqliteCommitsPerSecond(2_000, folder: folder)
        print(
            String(
                format: "Baseline, same run: SQLite makes %.0f durable commits/s of one row each. Ratio: submissions / commits = %.2f.",
                commits,
                Double(submitted.ok) / seconds / commits
            )
        )
        print("")
        try await giasImport(service, support: support)
    }

    /// The GIAS extract as published (50,000 establishments, every column, ISO-8859-1) imported
    /// over HTTP, beside parsing the same file alone in this process, and the service's peak
    /// memory while importing it.
    func giasImport(_ service: ServiceUnderTest, support: String) async throws {
        let establishments = GIASExtractFixture.generated(count: 50_000, firstURN: 900_000)
        let file = GIASExtractFixture.file(establishments)
        // The columns claims-intake keeps of either schools file.
        let columns = [
            "urn", "name", "postcode", "local_authority", "type_of_establishment", "group", "region", "trust_uid", "trust_name",
            "contact_emails", "establishmentname", "la (name)", "typeofestablishment (name)", "establishmenttypegroup (name)",
            "establishmentstatus (name)", "districtadministrative (code)", "trustschoolflag (code)", "trusts (code)", "trusts (name)",
        ]
        var parse = Double.infinity
        for _ in 0..<3 {
            let started = Date()
            let table = try CSVTable(file, required: [], optional: columns)
            precondition(table.rows.count == 50_000)
            parse = min(parse, Date().timeIntervalSince(started))
        }
        service.resetPeakMemory()
        var timings: [(String, Double, [String: Any])] = []
        for label in ["first import (every school new)", "the same file again (every school unchanged)"] {
            let started = Date()
            let reply = try await service.post("/api/v1/schools/import", token: support, body: file, contentType: "text/csv")
            let seconds = Date().timeIntervalSince(started)
            let json = (try JSONSerialization.jsonObject(with: reply) as? [String: Any]) ?? [:]
            guard json["format"] as? String == "gias_extract" else {
                throw BenchError("the import failed: \(String(decoding: reply.prefix(300), as: UTF8.self))")
            }
            timings.append((label, seconds, json))
        }
        print(
            "GIAS extract: \(establishments.count) establishments, \(GIASExtractFixture.header.count) columns, \(file.count / 1_048_576) MiB, ISO-8859-1."
        )
        print("")
        print("| step | seconds | created | updated | unchanged | skipped | ratio to parsing alone |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        print(String(format: "| parse the file alone (this process, best of 3) | %.2f | | | | | 1.0 |", parse))
        for (label, seconds, json) in timings {
            print(
                String(
                    format: "| %@ over HTTP | %.2f | %d | %d | %d | %d | %.1f |",
                    label,
                    seconds,
                    json["created"] as? Int ?? 0,
                    json["updated"] as? Int ?? 0,
                    json["unchanged"] as? Int ?? 0,
                    json["skipped"] as? Int ?? 0,
                    seconds / parse
                )
            )
        }
        print("")
        print("claims-intake's peak resident memory while importing it twice: \(service.peakMemoryMiB) MiB.")
    }

    func seed(_ path: String) throws -> IntakeSeed.Seeded {
        try IntakeSeed.seed(path, claims: claims, drafts: drafts)
    }

    func latencies(_ url: String, token: String, count: Int) async throws -> [Double] {
        var request = URLRequest(url: URL(string: url)!)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        for _ in 0..<20 { _ = try await URLSession.shared.data(for: request) }  // warm up
        var times: [Double] = []
        for _ in 0..<count {
            let started = DispatchTime.now().uptimeNanoseconds
            let (_, response) = try await URLSession.shared.data(for: request)
            guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw ValidationError("\(url) failed") }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
        }
        return times
    }

    func directLatencies(_ db: DatabaseQueue, count: Int, _ body: (Database) throws -> Void) throws -> [Double] {
        for _ in 0..<20 { try db.read(body) }
        var times: [Double] = []
        for _ in 0..<count {
            let started = DispatchTime.now().uptimeNanoseconds
            try db.read(body)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
        }
        return times
    }

    func submitDrafts(_ base: String, _ drafts: [(reference: String, urn: Int)]) async throws -> (ok: Int, refused: Int) {
        let token = try await DevelopmentToken.make(
            user: AuthenticatedUser(id: "bench-head", email: "head@school.example", name: "Head", role: .school, urns: [104_999]),
            secret: Self.secret
        )
        let chunks = stride(from: 0, to: drafts.count, by: max(1, drafts.count / clients)).map {
            Array(drafts[$0..<min(drafts.count, $0 + max(1, drafts.count / clients))])
        }
        return try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for chunk in chunks {
                group.addTask {
                    var ok = 0
                    var refused = 0
                    for draft in chunk {
                        var request = URLRequest(url: URL(string: "\(base)/api/v1/claims/\(draft.reference)/submit")!)
                        request.httpMethod = "POST"
                        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                        request.httpBody = Data(#"{"declaration_accepted": true}"#.utf8)
                        let (_, response) = try await URLSession.shared.data(for: request)
                        if (response as? HTTPURLResponse)?.statusCode == 200 { ok += 1 } else { refused += 1 }
                    }
                    return (ok, refused)
                }
            }
            return try await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
        }
    }
}
