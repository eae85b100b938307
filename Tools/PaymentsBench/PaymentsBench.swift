import ArgumentParser
import BenchSupport
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
        let (service, _) = try await ServiceUnderTest.seeded(executable: executable, port: port, environment: env) { try seed(database) }
        defer { service.stop() }
        let support = try await DevelopmentToken.make(
            user: AuthenticatedUser(id: "bench", email: "support@education.example", name: "Bench", role: .support),
            secret: Self.secret
        )
        print("| step (\(claims) claims) | seconds | peak resident memory of payments |")
        print("|---|---:|---:|")
        service.resetPeakMemory()
        var started = Date()
        let run = try await service.post("/api/v1/payments/runs", token: support, body: Data("{}".utf8), contentType: "application/json")
        let runSeconds = Date().timeIntervalSince(started)
        guard let id = (try JSONSerialization.jsonObject(with: run) as? [String: Any])?["id"] as? Int else {
            throw BenchError("the run was not created: \(String(decoding: run, as: UTF8.self))")
        }
        print(
            String(
                format: "| payment run: select, build the CSV, store, publish %d payment.requested | %.2f | %d MiB |",
                claims,
                runSeconds,
                service.peakMemoryMiB
            )
        )
        var response = "claim_reference,claim_status,claim_unpaid_reason\r\n"
        for i in 0..<claims { response += String(format: "%08d", i) + (i % 50 == 0 ? ",unpaid,Bank details do not match\r\n" : ",paid,\r\n") }
        service.resetPeakMemory()
        started = Date()
        let imported = try await service.post(
            "/api/v1/payments/runs/\(id)/response",
            token: support,
            body: Data(response.utf8),
            contentType: "text/csv"
        )
        let importSeconds = Date().timeIntervalSince(started)
        guard (try JSONSerialization.jsonObject(with: imported) as? [String: Any])?["paid"] as? Int == claims - claims / 50 else {
            throw BenchError("the response was not applied: \(String(decoding: imported.prefix(500), as: UTF8.self))")
        }
        print(
            String(
                format: "| payer's response: validate and apply %d rows, publish each outcome | %.2f | %d MiB |",
                claims,
                importSeconds,
                service.peakMemoryMiB
            )
        )
        // The same-run baseline: SQLite itself writing and reading as many rows with a prepared
        // statement in one transaction (a run reads each claim and writes its rows and messages).
        let baseline = try Baseline.sqliteWriteAndRead(rows: claims, folder: folder)
        let both = baseline.write + baseline.read
        print("")
        print(
            String(
                format:
                    "Baseline, same run: SQLite writes %d rows in one transaction in %.2f s and reads them in %.2f s (%.2f s together). Ratios: payment run / baseline = %.1f, payer's response / baseline = %.1f.",
                claims,
                baseline.write,
                baseline.read,
                both,
                runSeconds / both,
                importSeconds / both
            )
        )
    }

    func seed(_ path: String) throws {
        let db = try DatabaseQueue(path: path)
        try db.write { db in
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO claims (reference, school_urn, school_name, school_local_authority, school_type_of_establishment, school_group,
                        provider_code, provider_name, academic_year, claim_window_id, amount_pence, rate_pence, submitted_at, status)
                    VALUES (?, ?, ?, 'Islington', 'Academy converter', 'Academies', 'P1', 'Provider One', 2025, 1, ?, 5360, 1767225600000, 'submitted')
                    """
            )
            for i in 0..<claims {
                try insert.execute(arguments: [String(format: "%08d", i), 100_000 + i % 5000, "School \(i % 5000)", Int64(5360 * (1 + i % 16))])
            }
        }
    }

}
