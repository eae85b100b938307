import ArgumentParser
import BenchSupport
import Foundation
import ServiceSupport
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `make bench`, web: a school's home page and a claim page with 100,000 claims in claims-intake,
/// p50/p99 through the release `web`, beside the API calls behind each page made straight to
/// claims-intake in the same run, and the size of each page's HTML.
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
        let intakePort = 18_480, webPort = 18_484
        let (intake, seeded) = try await ServiceUnderTest.seeded(
            executable: "\(bin)/claims-intake", port: intakePort,
            environment: [
                "DATABASE_PATH": database, "HTTP_PORT": "\(intakePort)", "BUS_PUBLISH": "tcp://127.0.0.1:18491", "BUS_PEERS": "none",
                "AUTH_JWT_SECRET": Self.secret, "LOG_LEVEL": "error",
            ]) { try IntakeSeed.seed(database, claims: claims, drafts: 0) }
        defer { intake.stop() }
        let web = try ServiceUnderTest(
            executable: "\(bin)/web", port: webPort,
            environment: [
                "DATABASE_PATH": "\(folder)/web.sqlite", "HTTP_PORT": "\(webPort)", "BUS_PUBLISH": "tcp://127.0.0.1:18495", "BUS_PEERS": "none",
                "AUTH_JWT_SECRET": Self.secret, "LOG_LEVEL": "error", "CLAIMS_INTAKE_URL": "http://127.0.0.1:\(intakePort)",
                "WEB_BOOTSTRAP_SUPPORT_EMAILS": "bench.support@education.gov.uk", "PUBLIC_BASE_URL": "http://127.0.0.1:\(webPort)",
            ])
        try await web.waitHealthy()
        defer { web.stop() }

        // A school user, added by support through web's pages, then signed in.
        let base = "http://127.0.0.1:\(webPort)"
        let support = WebSession(base: base)
        try await support.signIn(email: "bench.support@education.gov.uk")
        try await support.submit(
            "/support/memberships/new",
            ["organisation": "\(seeded.busiestSchool)", "first_name": "Bench", "last_name": "Head", "email": "head@bench.example"])
        let school = WebSession(base: base)
        try await school.signIn(email: "head@bench.example")

        let token = try await DevelopmentToken.make(
            user: AuthenticatedUser(id: "bench-school", email: "head@bench.example", name: "Bench Head", role: .school, urns: [seeded.busiestSchool]),
            secret: Self.secret)
        let api = "http://127.0.0.1:\(intakePort)/api/v1"
        let urn = seeded.busiestSchool, reference = seeded.busiestSchoolClaim
        let year = IntakeSeed.academicYear(Date())
        let pages: [(String, String, [String])] = [
            ("school home page (/schools/\(urn))", "/schools/\(urn)",
             ["\(api)/schools/\(urn)", "\(api)/claim-windows/current", "\(api)/claims?school_urn=\(urn)&academic_year=\(year)&per_page=100&sort=-submitted_at"]),
            ("claim page (/schools/\(urn)/claims/\(reference))", "/schools/\(urn)/claims/\(reference)",
             ["\(api)/schools/\(urn)", "\(api)/claims/\(reference)", "\(api)/claims/\(reference)/activity"]),
        ]
        print("| page (\(claims) claims in claims-intake) | requests | through web p50 / p99 ms | its API calls to claims-intake, p50 / p99 ms | ratio of p99s | HTML bytes |")
        print("|---|---:|---:|---:|---:|---:|")
        for (name, path, calls) in pages {
            let html = try await school.get(path)
            for _ in 0..<20 { try await school.get(path) }
            var throughWeb: [Double] = []
            for _ in 0..<requests {
                let started = DispatchTime.now().uptimeNanoseconds
                try await school.get(path)
                throughWeb.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
            }
            let direct = try await apiLatencies(calls, token: token, count: requests)
            print(String(
                format: "| %@ | %d | %.1f / %.1f | %.1f / %.1f | %.1f | %d |", name, requests, percentile(throughWeb, 0.5), percentile(throughWeb, 0.99),
                percentile(direct, 0.5), percentile(direct, 0.99), percentile(throughWeb, 0.99) / percentile(direct, 0.99), html.utf8.count))
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
