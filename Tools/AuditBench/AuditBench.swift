import ArgumentParser
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
        try? "5".write(toFile: "/proc/\(service.processIdentifier)/clear_refs", atomically: false, encoding: .utf8)
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/audit/samples")!)
        request.httpMethod = "POST"
        request.timeoutInterval = 600
        request.setValue("Bearer \(support)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(#"{"academic_year": 2025, "share": 0.10, "seed": 2025}"#.utf8)
        let started = Date()
        let (data, _) = try await URLSession.shared.data(for: request)
        let seconds = Date().timeIntervalSince(started)
        guard let reply = try JSONSerialization.jsonObject(with: data) as? [String: Any], let count = reply["claim_count"] as? Int else {
            throw ValidationError("no sample: \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        let providers = (reply["providers"] as? [[String: Any]])?.count ?? 0
        print("| step (\(claims) paid claims) | claims sampled | provider files | seconds | peak resident memory of audit-sampling |")
        print("|---|---:|---:|---:|---:|")
        print(String(format: "| 10%% sample: select, record, publish, build each provider's file and links | %d | %d | %.2f | %d MiB |",
                     count, providers, seconds, peak(service.processIdentifier)))
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
        throw ValidationError("audit-sampling did not start")
    }

    func seed(_ path: String) throws {
        let db = try DatabaseQueue(path: path)
        try db.write { db in
            for p in 0..<50 {
                try db.execute(sql: "INSERT INTO providers (code, name, email_addresses) VALUES (?, ?, ?)", arguments: ["P\(p)", "Provider \(p)", "q@p\(p).example"])
            }
            let insert = try db.makeStatement(sql: """
                INSERT INTO claims (reference, school_urn, school_name, school_local_authority, school_type_of_establishment, school_group,
                    provider_code, provider_name, academic_year, amount_pence, rate_pence, submitted_at, status, flags, mentors)
                VALUES (?, ?, ?, 'Islington', 'Academy', 'Academies', ?, ?, 2025, ?, 4825, 1767225600000, 'paid', ?, ?)
                """)
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

    func peak(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return -1 }
        return kib / 1024
    }
}
