import ArgumentParser
import BenchSupport
import Foundation
import GRDB
import ServiceSupport
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
            user: AuthenticatedUser(id: "bench-support", email: "support@education.example", name: "Bench", role: .support), secret: Self.secret)
        let school = try await DevelopmentToken.make(
            user: AuthenticatedUser(id: "bench-school", email: "head@school.example", name: "Bench", role: .school, urns: [seeded.busiestSchool]),
            secret: Self.secret)
        // Each list beside the same two queries (count and page) run straight against SQLite
        // with GRDB in this process: the service's own cost is the ratio.
        let direct = try DatabaseQueue(path: database, configuration: { var c = Configuration(); c.readonly = true; return c }())
        let columns = "reference, status, school_urn, school_name, provider_code, academic_year, claim_window_id, total_hours, amount_pence, submitted_at, flags"
        print("| request (\(claims) claims in the database) | requests | p50 ms | p99 ms | same queries in SQLite, p99 ms | ratio |")
        print("|---|---:|---:|---:|---:|---:|")
        var cases: [(String, String, String, String, String)] = [
            ("support list, status=submitted, sort=-submitted_at, page 1", "/api/v1/claims?status=submitted&sort=-submitted_at&page=1", support,
             "status != 'draft' AND status IN ('submitted')", "submitted_at DESC, reference DESC LIMIT 25 OFFSET 0"),
            ("support list, status=submitted, sort=-submitted_at, page 400", "/api/v1/claims?status=submitted&sort=-submitted_at&page=400", support,
             "status != 'draft' AND status IN ('submitted')", "submitted_at DESC, reference DESC LIMIT 25 OFFSET 9975"),
            ("support list, no filter, default sort", "/api/v1/claims", support, "status != 'draft'", "submitted_at DESC, reference DESC LIMIT 25 OFFSET 0"),
        ]
        for (sort, order) in [
            ("submitted_at", "submitted_at, reference"), ("-submitted_at", "submitted_at DESC, reference DESC"), ("amount", "amount_pence, reference"),
            ("-amount", "amount_pence DESC, reference DESC"), ("reference", "reference"), ("school_name", "school_name, reference"),
        ] {
            cases.append(("support list, no filter, sort=\(sort)", "/api/v1/claims?sort=\(sort)", support, "status != 'draft'", "\(order) LIMIT 25 OFFSET 0"))
        }
        cases.append(("school's claim list (page 1)", "/api/v1/claims", school, "school_urn IN (\(seeded.busiestSchool))", "submitted_at DESC, reference DESC LIMIT 25 OFFSET 0"))
        for (name, path, token, filter, order) in cases {
            let times = try await latencies(base + path, token: token, count: requests)
            let sqlite = try directLatencies(direct, count: requests) { db in
                _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM claims WHERE \(filter)")
                _ = try Row.fetchAll(db, sql: "SELECT \(columns) FROM claims WHERE \(filter) ORDER BY \(order)").count
            }
            let p99 = percentile(times, 0.99), base99 = percentile(sqlite, 0.99)
            print(String(format: "| %@ | %d | %.1f | %.1f | %.2f | %.1f |", name, requests, percentile(times, 0.5), p99, base99, p99 / base99))
        }
        print("")
        let started = Date()
        let submitted = try await submitDrafts(base, seeded.drafts)
        let seconds = Date().timeIntervalSince(started)
        print(String(format: "Submissions: %d drafts submitted by %d concurrent clients in %.2f s = %.0f submissions/s (%d refused).",
                     submitted.ok, clients, seconds, Double(submitted.ok) / seconds, submitted.refused))
        let commits = try Baseline.sqliteCommitsPerSecond(2_000, folder: folder)
        print(String(format: "Baseline, same run: SQLite makes %.0f durable commits/s of one row each. Ratio: submissions / commits = %.2f.",
                     commits, Double(submitted.ok) / seconds / commits))
    }

    struct Seeded {
        var busiestSchool: Int
        var drafts: [(reference: String, urn: Int)]
    }

    /// 100,000 claims over 5,000 schools, most submitted or further on; plus drafts ready to
    /// submit in an open window, each for its own mentor so the allowance never refuses one.
    func seed(_ path: String) throws -> Seeded {
        let db = try DatabaseQueue(path: path)
        let now = Date()
        let millis = Int64(now.timeIntervalSince1970 * 1000)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London")!
        let today = calendar.dateComponents([.year, .month, .day], from: now)
        let year = today.month! >= 9 ? today.year! : today.year! - 1
        let opens = String(format: "%04d-%02d-%02d", today.year!, today.month!, today.day!)
        var drafts: [(String, Int)] = []
        try db.write { db in
            for region in ["inner_london", "outer_london", "fringe", "rest_of_england"] {
                try db.execute(sql: "INSERT OR REPLACE INTO funding_rates (academic_year, region, pence, set_by, set_at) VALUES (?, ?, 5000, 'bench', 0)", arguments: [year, region])
            }
            try db.execute(sql: "INSERT INTO claim_windows (id, academic_year, opens_on, closes_on, created_by, created_at) VALUES (1, ?, ?, ?, 'bench', 0)",
                           arguments: [year, opens, "\(year + 1)-08-31"])
            for p in 0..<50 {
                try db.execute(sql: "INSERT INTO providers (code, name, ukprn, accredited, email_addresses, updated_at) VALUES (?, ?, '10000000', 1, 'p@x.example', 0)",
                               arguments: ["P\(p)", "Provider \(p)"])
            }
            let school = try db.makeStatement(sql: """
                INSERT INTO schools (urn, name, postcode, local_authority, type_of_establishment, group_name, region, contact_emails, updated_at)
                VALUES (?, ?, 'N1 1AA', 'Islington', 'Academy', 'Academies', 'inner_london', 'office@x.example', 0)
                """)
            for s in 0..<5000 {
                try school.execute(arguments: [100_000 + s, "School \(s)"])
                try db.execute(sql: "INSERT INTO school_eligibility (urn, academic_year, granted_at, granted_by) VALUES (?, ?, 0, 'bench')", arguments: [100_000 + s, year])
                try db.execute(sql: "INSERT INTO grant_conditions (urn, accepted_at, accepted_by_id, accepted_by_email) VALUES (?, 0, 'b', 'b@x.example')", arguments: [100_000 + s])
            }
            let reference = try db.makeStatement(sql: "INSERT INTO claim_references (reference) VALUES (?)")
            let claim = try db.makeStatement(sql: """
                INSERT INTO claims (reference, school_urn, school_name, provider_code, academic_year, claim_window_id, status, total_hours,
                                    rate_pence, amount_pence, created_at, created_by_id, created_by_email, submitted_at, submitted_by_id, submitted_by_email)
                VALUES (?, ?, ?, ?, ?, 1, ?, ?, 5000, ?, ?, 'b', 'b@x.example', ?, 'b', 'b@x.example')
                """)
            let mentor = try db.makeStatement(sql: """
                INSERT INTO claim_mentors (reference, position, trn, first_name, last_name, hours, provider_code, academic_year)
                VALUES (?, 0, ?, 'M', 'N', ?, ?, ?)
                """)
            let statuses = ["submitted", "submitted", "paid", "payment_in_progress", "submitted", "paid", "sampling_in_progress", "submitted"]
            for i in 0..<claims {
                let ref = String(format: "%08d", i * 7 + 13)
                let urn = 100_000 + (i % 4999)
                let hours = 1 + i % 16
                try reference.execute(arguments: [ref])
                try claim.execute(arguments: [
                    ref, urn, "School \(urn - 100_000)", "P\(i % 50)", year, statuses[i % statuses.count], hours, hours * 5000,
                    millis - Int64(i) * 1000, millis - Int64(i) * 1000,
                ])
                try mentor.execute(arguments: [ref, String(format: "%07d", 1_000_000 + i), hours, "P\(i % 50)", year])
            }
            // Drafts for the submission run, at the busiest-free school 104999, each its own mentor.
            for d in 0..<self.drafts {
                let ref = String(format: "9%07d", d)
                let urn = 104_999
                let trn = String(format: "%07d", 8_000_000 + d)
                try db.execute(sql: "INSERT INTO mentors (urn, trn, first_name, last_name, added_at) VALUES (?, ?, 'D', 'M', 0)", arguments: [urn, trn])
                try reference.execute(arguments: [ref])
                try db.execute(sql: """
                    INSERT INTO claims (reference, school_urn, school_name, provider_code, academic_year, claim_window_id, status, total_hours,
                                        created_at, created_by_id, created_by_email)
                    VALUES (?, ?, 'School 4999', 'P1', ?, 1, 'draft', 4, ?, 'b', 'b@x.example')
                    """, arguments: [ref, urn, year, millis])
                try mentor.execute(arguments: [ref, trn, 4, "P1", year])
                drafts.append((ref, urn))
            }
        }
        return Seeded(busiestSchool: 100_000, drafts: drafts)
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

    func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
    }

    func submitDrafts(_ base: String, _ drafts: [(reference: String, urn: Int)]) async throws -> (ok: Int, refused: Int) {
        let token = try await DevelopmentToken.make(
            user: AuthenticatedUser(id: "bench-head", email: "head@school.example", name: "Head", role: .school, urns: [104_999]),
            secret: Self.secret)
        let chunks = stride(from: 0, to: drafts.count, by: max(1, drafts.count / clients)).map { Array(drafts[$0..<min(drafts.count, $0 + max(1, drafts.count / clients))]) }
        return try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for chunk in chunks {
                group.addTask {
                    var ok = 0, refused = 0
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
