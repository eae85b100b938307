import ArgumentParser
import Foundation
import GRDB
import ServiceSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `make bench`, payments: a payment run over 100,000 submitted claims (build, store, publish)
/// and the payer's response for all of them, over HTTP against the release `payments`, with
/// the process's peak memory for each.
@main
struct PaymentsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "payments-bench", abstract: "Benchmarks payment runs and responses.")

    @Option(help: "The payments executable.") var executable: String
    @Option(help: "Submitted claims to seed.") var claims = 100_000
    @Option(help: "Working folder.") var folder = "./.data/payments-bench"

    static let secret = "payments-bench-secret-0123456789abcdef012"

    func run() async throws {
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let database = "\(folder)/payments.sqlite"
        let port = 18_480
        let env = [
            "DATABASE_PATH": database, "HTTP_PORT": "\(port)", "BUS_PUBLISH": "tcp://127.0.0.1:18491",
            "BUS_PEERS": "claims-intake=tcp://127.0.0.1:18493", "AUTH_JWT_SECRET": Self.secret, "LOG_LEVEL": "error",
        ]
        var service = try launch(env: env)
        try await waitHealthy(port)
        service.terminate()
        service.waitUntilExit()
        try seed(database)
        service = try launch(env: env)
        defer {
            service.terminate()
            service.waitUntilExit()
        }
        try await waitHealthy(port)
        let support = try await DevelopmentToken.make(
            user: AuthenticatedUser(id: "bench", email: "support@education.example", name: "Bench", role: .support), secret: Self.secret)
        let base = "http://127.0.0.1:\(port)/api/v1/payments"
        print("| step (\(claims) claims) | seconds | peak resident memory of payments |")
        print("|---|---:|---:|")
        resetPeak(service.processIdentifier)
        var started = Date()
        let run = try await post("\(base)/runs", token: support, body: Data("{}".utf8), type: "application/json")
        let runSeconds = Date().timeIntervalSince(started)
        guard let id = (try JSONSerialization.jsonObject(with: run) as? [String: Any])?["id"] as? Int else {
            throw ValidationError("the run was not created: \(String(decoding: run, as: UTF8.self))")
        }
        print(String(format: "| payment run: select, build the CSV, store, publish %d payment.requested | %.2f | %d MiB |", claims, runSeconds, peak(service.processIdentifier)))
        var response = "claim_reference,claim_status,claim_unpaid_reason\r\n"
        for i in 0..<claims { response += String(format: "%08d", i) + (i % 50 == 0 ? ",unpaid,Bank details do not match\r\n" : ",paid,\r\n") }
        resetPeak(service.processIdentifier)
        started = Date()
        let imported = try await post("\(base)/runs/\(id)/response", token: support, body: Data(response.utf8), type: "text/csv")
        let importSeconds = Date().timeIntervalSince(started)
        guard (try JSONSerialization.jsonObject(with: imported) as? [String: Any])?["paid"] as? Int == claims - claims / 50 else {
            throw ValidationError("the response was not applied: \(String(decoding: imported.prefix(500), as: UTF8.self))")
        }
        print(String(format: "| payer's response: validate and apply %d rows, publish each outcome | %.2f | %d MiB |", claims, importSeconds, peak(service.processIdentifier)))
    }

    func launch(env: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func waitHealthy(_ port: Int) async throws {
        for _ in 0..<300 {
            if let (_, response) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health")!),
                (response as? HTTPURLResponse)?.statusCode == 200
            { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError("payments did not start")
    }

    func seed(_ path: String) throws {
        let db = try DatabaseQueue(path: path)
        try db.write { db in
            let insert = try db.makeStatement(sql: """
                INSERT INTO claims (reference, school_urn, school_name, school_local_authority, school_type_of_establishment, school_group,
                    provider_code, provider_name, academic_year, claim_window_id, amount_pence, rate_pence, submitted_at, status)
                VALUES (?, ?, ?, 'Islington', 'Academy converter', 'Academies', 'P1', 'Provider One', 2025, 1, ?, 5360, 1767225600000, 'submitted')
                """)
            for i in 0..<claims {
                try insert.execute(arguments: [String(format: "%08d", i), 100_000 + i % 5000, "School \(i % 5000)", Int64(5360 * (1 + i % 16))])
            }
        }
    }

    func post(_ url: String, token: String, body: Data, type: String) async throws -> Data {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.timeoutInterval = 600
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue(type, forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        let (data, _) = try await URLSession.shared.data(for: request)
        return data
    }

    /// Resets the kernel's peak-RSS mark of `pid` (Linux `clear_refs`), so each step's peak is its own.
    func resetPeak(_ pid: Int32) {
        try? "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)
    }

    func peak(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return -1 }
        return kib / 1024
    }
}
