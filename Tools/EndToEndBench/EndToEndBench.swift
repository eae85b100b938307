import ArgumentParser
import BenchSupport
import Foundation
import ServiceSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `make bench`, end to end: the four release services on loopback, a local SMTP server, and
/// claims driven through HTTP: submission, payment run, the payer's response and the emails.
/// Claims per second through the whole path, and the time from each submission to its email.
@main
struct EndToEndBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "end-to-end-bench", abstract: "Benchmarks the four services together.")

    @Option(help: "Folder with the four release executables.") var bin: String
    @Option(help: "Claims to submit.") var claims = 2000
    @Option(help: "Concurrent clients submitting.") var clients = 16
    @Option(help: "Working folder.") var folder = "./.data/end-to-end-bench"
    @Option(help: "Seconds of one claim submitted a second, each timed to its email at the SMTP server.") var pacedSeconds = 60

    static let secret = "end-to-end-bench-secret-0123456789abcdef"
    static let names = ["claims-intake", "payments", "audit-sampling", "notifications"]

    func run() async throws {
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let smtp = try await SMTPSink.start()
        var services: [String: ServiceUnderTest] = [:]
        defer { for service in services.values { service.stop() } }
        for (index, name) in Self.names.enumerated() {
            let peers = Self.names.enumerated().filter { $0.element != name }.map { "\($0.element)=tcp://127.0.0.1:\(18_651 + 2 * $0.offset)" }
                .joined(separator: ",")
            services[name] = try ServiceUnderTest(
                executable: "\(bin)/\(name)",
                port: 18_640 + index,
                environment: [
                    "HTTP_PORT": "\(18_640 + index)", "BUS_PUBLISH": "tcp://127.0.0.1:\(18_651 + 2 * index)", "BUS_PEERS": peers,
                    "DATABASE_PATH": "\(folder)/\(name).sqlite", "AUTH_JWT_SECRET": Self.secret, "LOG_LEVEL": "error",
                    "MAIL_TRANSPORT": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": "\(smtp.port)", "SMTP_STARTTLS": "false",
                    "MAIL_RATE_PER_SECOND": "100000", "PAYER_EMAIL_ADDRESSES": "payer@esfa.example",
                ]
            )
        }
        for service in services.values { try await service.waitHealthy() }
        try await Task.sleep(for: .seconds(2))
        let intake = "http://127.0.0.1:18640"
        let payments = "http://127.0.0.1:18641"
        let support = try await DevelopmentToken.make(
            user: AuthenticatedUser(id: "bench", email: "support@education.example", name: "Bench", role: .support),
            secret: Self.secret
        )

        // Set-up (not timed): schools, provider, window, a mentor and a draft per claim.
        let schools = 100
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London")!
        let today = calendar.dateComponents([.year, .month, .day], from: Date())
        let year = today.month! >= 9 ? today.year! : today.year! - 1
        try await call(
            "PUT",
            intake + "/api/v1/providers/1AB",
            support,
            ["name": "Best Training", "ukprn": "10012345", "accredited": true, "email_addresses": ["q@best.example"]]
        )
        try await call(
            "PUT",
            intake + "/api/v1/funding-rates/\(year)",
            support,
            ["inner_london_pence": 5360, "outer_london_pence": 4825, "fringe_pence": 4510, "rest_of_england_pence": 4380]
        )
        try await call(
            "POST",
            intake + "/api/v1/claim-windows",
            support,
            [
                "academic_year": year, "opens_on": String(format: "%04d-%02d-%02d", today.year!, today.month!, today.day!),
                "closes_on": "\(year + 1)-08-31",
            ]
        )
        var tokenList: [String] = []
        for s in 0..<schools {
            let urn = 300_000 + s
            try await call(
                "PUT",
                intake + "/api/v1/schools/\(urn)",
                support,
                [
                    "name": "School \(s)", "postcode": "N1 1AA", "local_authority": "Islington", "type_of_establishment": "Academy",
                    "group": "Academies", "region": "inner_london", "contact_emails": ["office@\(urn).example"],
                ]
            )
            try await call("POST", intake + "/api/v1/schools/\(urn)/eligibility", support, ["academic_year": year])
            let token = try await DevelopmentToken.make(
                user: AuthenticatedUser(id: "head-\(urn)", email: "head@\(urn).example", name: "Head", role: .school, urns: [urn]),
                secret: Self.secret
            )
            try await call("POST", intake + "/api/v1/schools/\(urn)/grant-conditions", token, [:])
            tokenList.append(token)
        }
        let tokens = tokenList
        let drafts = try await withThrowingTaskGroup(of: [(Int, String)].self) { group in
            for w in 0..<clients {
                group.addTask {
                    var made: [(Int, String)] = []
                    for i in stride(from: w, to: claims, by: clients) {
                        let urn = 300_000 + i % schools
                        let trn = String(format: "%07d", 3_000_000 + i)
                        try await call(
                            "POST",
                            intake + "/api/v1/schools/\(urn)/mentors",
                            tokens[i % schools],
                            ["trn": trn, "first_name": "M", "last_name": "\(i)"]
                        )
                        let draft = try await call(
                            "POST",
                            intake + "/api/v1/schools/\(urn)/claims",
                            tokens[i % schools],
                            ["provider_code": "1AB", "mentors": [["trn": trn, "hours": 16]]]
                        )
                        guard let reference = draft["reference"] as? String else { throw BenchError("no draft: \(draft)") }
                        made.append((i, reference))
                    }
                    return made
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }

        // Timed: submissions, payment runs, the payer's response, until every claim's "paid" email.
        let started = Date()
        let submittedAt = try await withThrowingTaskGroup(of: [(String, Date)].self) { group in
            for w in 0..<clients {
                group.addTask {
                    var times: [(String, Date)] = []
                    for (i, reference) in drafts where i % clients == w {
                        try await call("POST", intake + "/api/v1/claims/\(reference)/submit", tokens[i % schools], ["declaration_accepted": true])
                        times.append((reference, Date()))
                    }
                    return times
                }
            }
            return try await group.reduce(into: [String: Date]()) { for (r, d) in $1 { $0[r] = d } }
        }
        let submitted = Date()
        var inRuns = 0
        var runIDs: [Int] = []
        while inRuns < claims {
            let run = try await call("POST", payments + "/api/v1/payments/runs", support, [:], allow: [409])
            if let id = run["id"] as? Int, let count = run["claim_count"] as? Int {
                inRuns += count
                runIDs.append(id)
            } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let ran = Date()
        for id in runIDs {
            let detail = try await call("GET", payments + "/api/v1/payments/runs/\(id)", support, nil)
            let references = (detail["claims"] as? [[String: Any]] ?? []).compactMap { $0["reference"] as? String }
            var csv = "claim_reference,claim_status,claim_unpaid_reason\r\n"
            for reference in references { csv += "\(reference),paid,\r\n" }
            try await call("POST", payments + "/api/v1/payments/runs/\(id)/response", support, nil, csv: csv)
        }
        let responded = Date()
        while smtp.accepted.filter({ $0.template == "claim_paid" }).count < 2 * claims {
            try await Task.sleep(for: .milliseconds(20))
        }
        let finished = Date()
        let total = finished.timeIntervalSince(started)

        let emails = smtp.accepted
        var latencies: [Double] = []
        for email in emails where email.template == "claim_submitted" {
            if let reference = email.reference, let at = submittedAt[reference] { latencies.append(email.at.timeIntervalSince(at)) }
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double { latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        print("| step (\(claims) claims, \(clients) clients) | seconds |")
        print("|---|---:|")
        print(String(format: "| submit every claim over HTTP | %.2f |", submitted.timeIntervalSince(started)))
        print(String(format: "| payment runs until every claim is in one (%d runs) | %.2f |", runIDs.count, ran.timeIntervalSince(submitted)))
        print(String(format: "| the payer's response, all paid | %.2f |", responded.timeIntervalSince(ran)))
        print(String(format: "| until every \"paid\" email is at the SMTP server | %.2f |", finished.timeIntervalSince(responded)))
        print(String(format: "| **whole path** | **%.2f** (%.0f claims/s) |", total, Double(claims) / total))
        print("")
        print(
            String(
                format: "Submission to its \"submitted\" email (%d emails): median %.0f ms, p95 %.0f ms, max %.0f ms. Emails at the server: %d.",
                latencies.count,
                percentile(0.5) * 1000,
                percentile(0.95) * 1000,
                (latencies.last ?? .nan) * 1000,
                emails.count
            )
        )

        // One claim at a time, one a second, as schools really submit: each submission timed to
        // the moment its first email is handed to the SMTP server.
        guard pacedSeconds > 0 else {
            try await smtp.stop()
            return
        }
        var paced: [(Int, String)] = []
        for n in 0..<pacedSeconds {
            let i = claims + n
            let urn = 300_000 + i % schools
            let trn = String(format: "%07d", 3_000_000 + i)
            try await call(
                "POST",
                intake + "/api/v1/schools/\(urn)/mentors",
                tokens[i % schools],
                ["trn": trn, "first_name": "M", "last_name": "\(i)"]
            )
            let draft = try await call(
                "POST",
                intake + "/api/v1/schools/\(urn)/claims",
                tokens[i % schools],
                ["provider_code": "1AB", "mentors": [["trn": trn, "hours": 16]]]
            )
            guard let reference = draft["reference"] as? String else { throw BenchError("no draft: \(draft)") }
            paced.append((i, reference))
        }
        try await Task.sleep(for: .seconds(2))
        var pacedAt: [String: Date] = [:]
        let clock = ContinuousClock()
        let start = clock.now
        for (n, (i, reference)) in paced.enumerated() {
            try await Task.sleep(until: start + .seconds(n), clock: clock)
            try await call("POST", intake + "/api/v1/claims/\(reference)/submit", tokens[i % schools], ["declaration_accepted": true])
            pacedAt[reference] = Date()
        }
        let references = Set(paced.map(\.1))
        let deadline = Date().addingTimeInterval(60)
        var first: [String: Date] = [:]
        while first.count < references.count && Date() < deadline {
            for email in smtp.accepted where email.template == "claim_submitted" {
                if let reference = email.reference, references.contains(reference), first[reference] == nil { first[reference] = email.at }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        var single = first.compactMap { reference, at in pacedAt[reference].map { at.timeIntervalSince($0) } }.sorted()
        if single.isEmpty { single = [.nan] }
        func pacedPercentile(_ p: Double) -> Double { single[min(single.count - 1, Int(Double(single.count) * p))] }
        print(
            String(
                format:
                    "One claim submitted a second for %d s: submission to its email handed to SMTP, p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d of %d emails).",
                pacedSeconds,
                pacedPercentile(0.5) * 1000,
                pacedPercentile(0.99) * 1000,
                (single.last ?? .nan) * 1000,
                first.count,
                references.count
            )
        )
        try await smtp.stop()
    }

    /// One HTTP call; a status outside 2xx (and `allow`) stops the benchmark.
    @discardableResult
    func call(
        _ method: String,
        _ url: String,
        _ token: String,
        _ json: [String: Any]?,
        csv: String? = nil,
        allow: Set<Int> = []
    ) async throws -> [String: Any] {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.timeoutInterval = 300
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let csv {
            request.httpBody = Data(csv.utf8)
            request.setValue("text/csv", forHTTPHeaderField: "Content-Type")
        } else if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) || allow.contains(status) else {
            throw BenchError("\(method) \(url) → \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }
}
