import ArgumentParser
import BenchSupport
import Foundation
import GRDB
import ServiceSupport
import TestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `make bench`, web: a school's home page and a claim page with 100,000 claims in claims-intake,
/// support's claims list with every filter and sort, and support's claim page with payments' and
/// audit's views (each also holding 100,000 claims), p50/p99 through the release `web`, beside
/// the API calls behind each page made straight to the services in the same run, and the size of
/// each page's HTML.
@main
struct WebBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "web-bench", abstract: "Benchmarks web's pages.")

    @Option(help: "The folder holding the release claims-intake and web.") var bin: String
    @Option(help: "Claims to seed.") var claims = 100_000
    @Option(help: "Requests per measurement.") var requests = 300
    @Option(help: "Working folder.") var folder = "./.data/web-bench"

    static let secret = "web-bench-secret-0123456789abcdef0123456"

    func run() async throws {
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let database = "\(folder)/claims-intake.sqlite"
        let intakePort = 18_480
        let webPort = 18_484
        let (intake, seeded) = try await ServiceUnderTest.seeded(
            executable: "\(bin)/claims-intake",
            port: intakePort,
            environment: [
                "DATABASE_PATH": database, "HTTP_PORT": "\(intakePort)", "BUS_PUBLISH": "tcp://127.0.0.1:18491", "BUS_PEERS": "none",
                "AUTH_JWT_SECRET": Self.secret, "LOG_LEVEL": "error",
            ]
        ) { try IntakeSeed.seed(database, claims: claims, drafts: 0) }
        defer { intake.stop() }
        let paymentsPort = 18_481
        let auditPort = 18_482
        let (payments, _) = try await ServiceUnderTest.seeded(
            executable: "\(bin)/payments",
            port: paymentsPort,
            environment: [
                "DATABASE_PATH": "\(folder)/payments.sqlite", "HTTP_PORT": "\(paymentsPort)", "BUS_PUBLISH": "tcp://127.0.0.1:18493",
                "BUS_PEERS": "none",
                "AUTH_JWT_SECRET": Self.secret, "LOG_LEVEL": "error",
            ]
        ) { try Self.seedPayments("\(folder)/payments.sqlite", claims: claims) }
        defer { payments.stop() }
        let (audit, _) = try await ServiceUnderTest.seeded(
            executable: "\(bin)/audit-sampling",
            port: auditPort,
            environment: [
                "DATABASE_PATH": "\(folder)/audit-sampling.sqlite", "HTTP_PORT": "\(auditPort)", "BUS_PUBLISH": "tcp://127.0.0.1:18497",
                "BUS_PEERS": "none",
                "AUTH_JWT_SECRET": Self.secret, "LOG_LEVEL": "error",
            ]
        ) { try Self.seedAudit("\(folder)/audit-sampling.sqlite", claims: claims) }
        defer { audit.stop() }
        let web = try ServiceUnderTest(
            executable: "\(bin)/web",
            port: webPort,
            environment: [
                "DATABASE_PATH": "\(folder)/web.sqlite", "HTTP_PORT": "\(webPort)", "BUS_PUBLISH": "tcp://127.0.0.1:18495", "BUS_PEERS": "none",
                "AUTH_JWT_SECRET": Self.secret, "LOG_LEVEL": "error", "CLAIMS_INTAKE_URL": "http://127.0.0.1:\(intakePort)",
                "PAYMENTS_URL": "http://127.0.0.1:\(paymentsPort)", "AUDIT_SAMPLING_URL": "http://127.0.0.1:\(auditPort)",
                "WEB_BOOTSTRAP_SUPPORT_EMAILS": "bench.support@education.gov.uk", "PUBLIC_BASE_URL": "http://127.0.0.1:\(webPort)",
            ]
        )
        try await web.waitHealthy()
        defer { web.stop() }

        // A school user, added by support through web's pages, then signed in.
        let base = "http://127.0.0.1:\(webPort)"
        let support = WebSession(base: base)
        try await support.signIn(email: "bench.support@education.gov.uk")
        try await support.submit(
            "/support/memberships/new",
            ["organisation": "\(seeded.busiestSchool)", "first_name": "Bench", "last_name": "Head", "email": "head@bench.example"]
        )
        let school = WebSession(base: base)
        try await school.signIn(email: "head@bench.example")

        // The seeded files reach the disk, and the services' start-up work (on 100,000 claims
        // each) finishes, before anything is timed.
        sync()
        try await ServiceUnderTest.waitIdle([intake, payments, audit, web])
        let token = try await DevelopmentToken.make(
            user: AuthenticatedUser(id: "bench-school", email: "head@bench.example", name: "Bench Head", role: .school, urns: [seeded.busiestSchool]),
            secret: Self.secret
        )
        let api = "http://127.0.0.1:\(intakePort)/api/v1"
        let urn = seeded.busiestSchool
        let reference = seeded.busiestSchoolClaim
        let year = IntakeSeed.academicYear(Date())
        let pages: [(String, String, [String])] = [
            (
                "school home page (/schools/\(urn))", "/schools/\(urn)",
                [
                    "\(api)/schools/\(urn)", "\(api)/claim-windows/current",
                    "\(api)/claims?school_urn=\(urn)&academic_year=\(year)&per_page=100&sort=-submitted_at",
                ]
            ),
            (
                "claim page (/schools/\(urn)/claims/\(reference))", "/schools/\(urn)/claims/\(reference)",
                ["\(api)/schools/\(urn)", "\(api)/claims/\(reference)", "\(api)/claims/\(reference)/activity"]
            ),
        ]
        print(
            "| page (\(claims) claims in each service) | requests | through web p50 / p99 ms | its API calls, p50 / p99 ms | ratio of p99s | HTML bytes |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for (name, path, calls) in pages {
            try await measure(name, path, session: school, calls: calls, token: token)
        }

        // Support's console: the claims list with each filter and each sort, then all at once,
        // and the claim page with the three services' views.
        let supportToken = try await DevelopmentToken.make(
            user: AuthenticatedUser(id: "bench-support", email: "bench.support@education.gov.uk", name: "Bench Support", role: .support),
            secret: Self.secret
        )
        let lists: [(String, String)] = [
            ("no filter", ""), ("search by school name", "q=School+42"), ("search by reference", "q=\(reference)"),
            ("status (two)", "status=submitted&status=paid"), ("school", "school_urn=\(urn)"), ("provider", "provider_code=P7"),
            ("academic year", "academic_year=\(year)"), ("window", "claim_window_id=1"),
            ("submitted after and before", "submitted_after=\(Self.day(-30))&submitted_before=\(Self.day(1))"), ("mentor TRN", "mentor_trn=1000100"),
            ("flagged", "flagged=true"), ("sort oldest", "sort=submitted_at"), ("sort amount", "sort=amount"), ("sort largest", "sort=-amount"),
            ("sort reference", "sort=reference"), ("sort school", "sort=school_name"),
            (
                "every filter and a sort",
                "q=School&status=submitted&school_urn=\(urn)&provider_code=P0&academic_year=\(year)&claim_window_id=1&submitted_after=\(Self.day(-30))&sort=-amount"
            ),
            ("page 40, newest first", "page=40"),
        ]
        var worst = 0.0
        for (label, query) in lists {
            let apiQuery = query.replacingOccurrences(of: "q=School+42", with: "q=School%2042")
            let pageQuery = query.hasPrefix("page=") ? query : query
            let perPage =
                query.hasPrefix("page=") ? "\(query)&per_page=25" : (query.isEmpty ? "per_page=25&page=1" : "\(apiQuery)&per_page=25&page=1")
            let p99 = try await measure(
                "support claims list: \(label)",
                "/support/claims\(pageQuery.isEmpty ? "" : "?\(pageQuery)")",
                session: support,
                calls: ["\(api)/claims?\(perPage)"],
                token: supportToken
            )
            worst = max(worst, p99)
        }
        try await measure(
            "support claim page (/support/claims/\(reference))",
            "/support/claims/\(reference)",
            session: support,
            calls: [
                "\(api)/claims/\(reference)", "\(api)/claims/\(reference)/activity",
                "http://127.0.0.1:\(paymentsPort)/api/v1/payments/claims/\(reference)",
                "http://127.0.0.1:\(auditPort)/api/v1/audit/claims/\(reference)",
            ],
            token: supportToken,
            mustContain: "Sample 1"
        )
        print("")
        print(String(format: "The slowest support claims list p99 through web: %.1f ms (the aim is under 50 ms).", worst))
    }

    /// `YYYY-MM-DD`, `days` from today.
    static func day(_ days: Int) -> String {
        let date = Date().addingTimeInterval(Double(days) * 86_400)
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "Europe/London")!, from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    /// Prints one row; returns the p99 through web.
    @discardableResult
    func measure(
        _ name: String,
        _ path: String,
        session: WebSession,
        calls: [String],
        token: String,
        mustContain: String? = nil
    ) async throws -> Double {
        let html = try await session.get(path)
        if let mustContain, !html.contains(mustContain) { throw BenchError("\(path) does not show \(mustContain)") }
        for _ in 0..<20 { try await session.get(path) }
        var throughWeb: [Double] = []
        for _ in 0..<requests {
            let started = DispatchTime.now().uptimeNanoseconds
            try await session.get(path)
            throughWeb.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
        }
        let direct = try await apiLatencies(calls, token: token, count: requests)
        print(
            String(
                format: "| %@ | %d | %.1f / %.1f | %.1f / %.1f | %.1f | %d |",
                name,
                requests,
                percentile(throughWeb, 0.5),
                percentile(throughWeb, 0.99),
                percentile(direct, 0.5),
                percentile(direct, 0.99),
                percentile(throughWeb, 0.99) / percentile(direct, 0.99),
                html.utf8.count
            )
        )
        return percentile(throughWeb, 0.99)
    }

    /// Payments' copy of the claims (the benchmark's setup, written straight into SQLite), all paid.
    static func seedPayments(_ path: String, claims: Int) throws {
        let db = try DatabaseQueue(path: path)
        try db.write { db in
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO claims (reference, school_urn, school_name, school_local_authority, school_type_of_establishment, school_group,
                        provider_code, provider_name, academic_year, claim_window_id, amount_pence, rate_pence, submitted_at, status, paid_pence)
                    VALUES (?, ?, ?, 'Islington', 'Academy', 'Academies', ?, ?, ?, 1, ?, 5000, 1767225600000, 'paid', ?)
                    """
            )
            let year = IntakeSeed.academicYear(Date())
            for i in 0..<claims {
                let hours = 1 + i % 16
                try insert.execute(arguments: [
                    String(format: "%08d", i * 7 + 13), 100_000 + i % 4999, "School \(i % 4999)", "P\(i % 50)", "Provider \(i % 50)", year,
                    Int64(hours * 5000), Int64(hours * 5000),
                ])
            }
        }
    }

    /// Audit's copy of the claims, with the first claim flagged, sampled and answered by its provider.
    static func seedAudit(_ path: String, claims: Int) throws {
        let db = try DatabaseQueue(path: path)
        try db.write { db in
            let year = IntakeSeed.academicYear(Date())
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO claims (reference, school_urn, school_name, school_local_authority, school_type_of_establishment, school_group,
                        provider_code, provider_name, academic_year, amount_pence, rate_pence, submitted_at, status, flags, mentors)
                    VALUES (?, ?, ?, 'Islington', 'Academy', 'Academies', ?, ?, ?, ?, 5000, 1767225600000, ?, ?, ?)
                    """
            )
            for i in 0..<claims {
                let hours = 1 + i % 16
                let mentors = #"[{"trn":"\#(String(format: "%07d", 1_000_000 + i))","firstName":"M","lastName":"N","hours":\#(hours)}]"#
                try insert.execute(arguments: [
                    String(format: "%08d", i * 7 + 13), 100_000 + i % 4999, "School \(i % 4999)", "P\(i % 50)", "Provider \(i % 50)", year,
                    Int64(hours * 5000), i == 0 ? "sampling_provider_not_approved" : "paid",
                    i % 997 == 0 ? #"["A mentor is claimed by two schools"]"# : "[]", mentors,
                ])
            }
            try db.execute(
                sql: """
                    INSERT INTO samples (id, academic_year, seed, share, created_at, created_by, claim_count, sampled_pence, paid_pence)
                    VALUES (1, ?, '42', 0.1, 0, 'bench', 1, 5000, 5000)
                    """,
                arguments: [year]
            )
            try db.execute(sql: "INSERT INTO sample_claims (sample_id, reference, reason, open) VALUES (1, '00000013', 'Drawn at random', 1)")
            try db.execute(
                sql: "INSERT INTO provider_requests (sample_id, provider_code, due_on, created_at, file) VALUES (1, 'P0', '2027-01-10', 0, x'')"
            )
            try db.execute(
                sql:
                    "INSERT INTO mentor_verdicts (reference, sample_id, trn, accepted, reason, recorded_at) VALUES ('00000013', 1, '1000000', 0, 'No record', 0)"
            )
        }
    }

    /// The page's API calls one after another, as web makes them, timed together.
    func apiLatencies(_ urls: [String], token: String, count: Int) async throws -> [Double] {
        let requests = urls.map { url -> URLRequest in
            var request = URLRequest(url: URL(string: url)!)
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            return request
        }
        for _ in 0..<20 { for request in requests { _ = try await URLSession.shared.data(for: request) } }
        var times: [Double] = []
        for _ in 0..<count {
            let started = DispatchTime.now().uptimeNanoseconds
            for request in requests {
                let (_, response) = try await URLSession.shared.data(for: request)
                guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw BenchError("\(request.url!) failed") }
            }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
        }
        return times
    }

}
