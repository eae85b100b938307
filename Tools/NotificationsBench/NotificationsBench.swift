import ArgumentParser
import BenchSupport
import Crypto
import Foundation
import GRDB
import Logging
import Messages
import Messaging
import MessagingZMQ
import NIOCore
import NIOPosix
import ServiceLifecycle
import Storage
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `make bench`, notifications: 10,000 emails from facts on the real bus to the real release
/// `notifications`, rendered, queued and handed to a local SMTP server (and, in a second run, to
/// the file transport). The bench plays claims-intake (a real outbox and publisher) and the SMTP
/// server (a minimal one that accepts everything), so the figures are the service's own. A third
/// run sends through GOV.UK Notify's API to the suite's fake Notify (`Tests/Scripts/notify_server.py`,
/// which checks every token as Notify does), beside a plain client's rate to the same fake.
@main
struct NotificationsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "notifications-bench", abstract: "Benchmarks rendering and sending emails.")

    @Option(help: "The notifications executable.") var executable: String
    @Option(help: "Emails to send (two per claim.submitted).") var emails = 10_000
    @Option(help: "Working folder.") var folder = "./.data/notifications-bench"

    func run() async throws {
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let smtp = try await SMTPSink.start()
        print("| transport | \(emails) emails queued (bus → render → queue) | all handed over | emails per second |")
        print("|---|---:|---:|---:|")
        let viaSMTP = try await measure(
            name: "smtp",
            environment: [
                "MAIL_TRANSPORT": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": "\(smtp.port)", "SMTP_STARTTLS": "false",
            ]
        ) { smtp.count }
        let mailDir = "\(folder)/mail"
        let viaFile = try await measure(name: "file", environment: ["MAIL_TRANSPORT": "file", "MAIL_DIR": mailDir]) {
            ((try? FileManager.default.contentsOfDirectory(atPath: mailDir)) ?? []).count { $0.hasSuffix(".eml") }
        }
        let notify = try await FakeNotifyProcess.start(folder: folder)
        defer { notify.stop() }
        let viaNotify = try await measure(
            name: "notify",
            environment: [
                "MAIL_TRANSPORT": "notify", "NOTIFY_API_KEY": notify.apiKey, "NOTIFY_TEMPLATE_ID": notify.templateID,
                "NOTIFY_BASE_URL": notify.baseURL,
                // Unpaced, to measure the service (in production at most 2,700 a minute), and
                // the status checks after the timed part.
                "NOTIFY_REQUESTS_PER_MINUTE": "1000000", "NOTIFY_STATUS_CHECK_SECONDS": "3600",
            ]
        ) { notify.taken() }
        print(String(format: "\nratio file / smtp = %.2f, notify / smtp = %.2f", viaFile / viaSMTP, viaNotify / viaSMTP))
        let plain = try await notify.plainClientSendsPerSecond(min(emails, 2_000))
        print(
            String(
                format:
                    "Baseline, same run: a plain client (one connection, a token per request) has the fake Notify take %.0f emails/s. Ratio notify / plain client = %.2f.",
                plain,
                viaNotify / plain
            )
        )
        // The same-run baseline: the SMTP sink's own accept rate, from a plain client sending
        // messages of the same size over one connection.
        let sink = try Baseline.smtpSinkAcceptsPerSecond(port: smtp.port, count: emails)
        let commits = try Baseline.sqliteCommitsPerSecond(2_000, folder: folder)
        print(
            String(
                format:
                    "Baseline, same run: the SMTP sink accepts %.0f emails/s from a plain client; SQLite makes %.0f durable commits/s. Ratios: smtp / sink = %.2f, smtp / commits = %.2f.",
                sink,
                commits,
                viaSMTP / sink,
                viaSMTP / commits
            )
        )
        try await smtp.stop()
    }

    /// Runs one service against one transport; returns emails per second.
    func measure(name: String, environment: [String: String], delivered: @escaping @Sendable () -> Int) async throws -> Double {
        let producerDB = try ServiceDatabase.open(
            path: "\(folder)/\(name)-intake.sqlite",
            migrator: {
                var m = DatabaseMigrator()
                BusSchema.register(in: &m)
                return m
            }()
        )
        let transport = try ZMQBusTransport(maxMessageBytes: 1 << 20)
        let busPort = 42_000 + Int.random(in: 0..<2000) * 4
        let producerEndpoint = "tcp://127.0.0.1:\(busPort)"
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let producer = BusNode(
            settings: .init(name: "claims-intake", endpoint: producerEndpoint, peers: []),
            database: producerDB,
            transport: transport,
            handlers: [],
            logger: logger,
            now: { Date() }
        )
        let group = ServiceGroup(services: producer.services, logger: logger)
        let groupTask = Task { try await group.run() }

        let httpPort = 18_580 + Int.random(in: 0..<100)
        let database = "\(folder)/\(name)-notifications.sqlite"
        var env = [
            "DATABASE_PATH": database, "HTTP_PORT": "\(httpPort)", "BUS_PUBLISH": "tcp://127.0.0.1:\(busPort + 2)",
            "BUS_PEERS": "claims-intake=\(producerEndpoint)", "LOG_LEVEL": "error", "MAIL_RATE_PER_SECOND": "100000",
            "PUBLIC_BASE_URL": "https://claims.example",
        ]
        env.merge(environment) { $1 }
        let service = try ServiceUnderTest(executable: executable, port: httpPort, environment: env)
        defer { service.stop() }
        try await service.waitHealthy()
        try await Task.sleep(for: .seconds(1))  // the subscriber connects

        let before = delivered()
        let started = Date()
        let claims = emails / 2
        var n = 0
        while n < claims {
            let upTo = min(claims, n + 500)
            let range = n..<upTo
            try await producerDB.write { db in
                for i in range { try producer.outbox.append(Self.claim(i), in: db) }
            }
            n = upTo
        }
        let reader = try DatabasePool(path: database)
        var queuedSeconds = 0.0
        while delivered() - before < emails {
            if queuedSeconds == 0, try await reader.read({ try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM emails") ?? 0 }) >= emails {
                queuedSeconds = Date().timeIntervalSince(started)
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let seconds = Date().timeIntervalSince(started)
        if queuedSeconds == 0 { queuedSeconds = seconds }
        let sentInDatabase = try await reader.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM emails WHERE status = 'sent'") ?? 0 }
        guard sentInDatabase >= emails - 50 else { throw BenchError("only \(sentInDatabase) recorded as sent") }
        let rate = Double(emails) / seconds
        print(String(format: "| %@ | %.2f s | %.2f s | %.0f |", name, queuedSeconds, seconds, rate))
        try reader.close()
        service.stop()
        await group.triggerGracefulShutdown()
        _ = try? await groupTask.value
        transport.shutdown()
        return rate
    }

    static func claim(_ i: Int) -> ClaimSubmitted {
        let urn = 100_000 + i % 5000
        return ClaimSubmitted(
            reference: String(format: "%08d", i),
            school: SchoolSnapshot(
                urn: urn,
                name: "Ysgol Gymraeg \(urn) – Llundain",
                postcode: "N1 1AA",
                localAuthority: "Islington",
                typeOfEstablishment: "Academy",
                group: "Academies",
                region: "inner_london",
                trust: nil,
                contactEmails: ["office@\(urn).school.example"]
            ),
            provider: ProviderSnapshot(code: "1AB", name: "Best Training Partnership", ukprn: "10012345", accredited: true, emailAddresses: []),
            academicYear: 2025,
            claimWindowId: 1,
            mentors: [
                ClaimMentor(trn: "1234567", firstName: "Ada", lastName: "Lovelace", hours: 10),
                ClaimMentor(trn: "7654321", firstName: "Grace", lastName: "Hopper", hours: 6),
            ],
            totalHours: 16,
            ratePence: 5360,
            amountPence: 85_760,
            submittedAt: Date(),
            submittedBy: .user(id: "head-\(i)", email: "head\(i)@\(urn).school.example", name: "Head Teacher")
        )
    }
}

/// The suite's fake Notify, run for the benchmark with no rate limit, and the number of emails
/// it has taken, counted from the end of its log as it grows.
final class FakeNotifyProcess: @unchecked Sendable {
    let process: Process
    let port: Int
    let serviceID = UUID().uuidString.lowercased()
    let secret = UUID().uuidString.lowercased()
    let templateID = UUID().uuidString.lowercased()
    private let log: String
    private let lock = NSLock()
    private var offset: UInt64 = 0
    private var lines = 0

    var apiKey: String { "bench-\(serviceID)-\(secret)" }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(process: Process, port: Int, log: String) {
        self.process = process
        self.port = port
        self.log = log
    }

    static func start(folder: String) async throws -> FakeNotifyProcess {
        let port = 19_400 + Int.random(in: 0..<500)
        let state = "\(folder)/notify-state.json"
        let log = "\(folder)/notify.jsonl"
        FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "Tests/Scripts/notify_server.py", "--port", "\(port)", "--state", state, "--log", log]
        process.standardOutput = FileHandle.nullDevice
        let fake = FakeNotifyProcess(process: process, port: port, log: log)
        let settings: [String: Any] = [
            "service_id": fake.serviceID, "secret": fake.secret, "template_id": fake.templateID, "mode": "normal", "rate_limit": 1_000_000_000,
            "refuse": [String: String](), "outcomes": [String: String](), "status_after": 0,
        ]
        try JSONSerialization.data(withJSONObject: settings).write(to: URL(fileURLWithPath: state))
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let url = URL(string: "\(fake.baseURL)/v2/notifications/none"), (try? await URLSession.shared.data(from: url)) != nil { return fake }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError("the fake Notify did not start (is python3 installed? make test-deps installs it)")
    }

    /// Emails taken so far: the log's lines, read from where the last count stopped.
    func taken() -> Int {
        lock.withLock {
            guard let handle = FileHandle(forReadingAtPath: log) else { return lines }
            defer { try? handle.close() }
            try? handle.seek(toOffset: offset)
            let data = handle.readDataToEndOfFile()
            // Count whole lines only; a line being written is counted next time.
            guard let last = data.lastIndex(of: 10) else { return lines }
            lines += data[data.startIndex...last].count { $0 == 10 }
            offset += UInt64(last - data.startIndex + 1)
            return lines
        }
    }

    /// Emails a second that a plain client, one request after another with a fresh token each,
    /// gets the fake to take: what bounds the service's figure.
    func plainClientSendsPerSecond(_ count: Int) async throws -> Double {
        let configuration = URLSessionConfiguration.ephemeral
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        guard let url = URL(string: "\(baseURL)/v2/notifications/email") else { throw BenchError("no address") }
        let body = String(repeating: "Plain text of about the size of a claim email. ", count: 30)
        let started = Date()
        for i in 0..<count {
            var request = URLRequest(url: url)
            request.httpMethod = "POST"
            request.setValue("Bearer \(token())", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: [
                "email_address": "plain\(i)@school.example", "template_id": templateID, "reference": "plain-\(i)",
                "personalisation": ["subject": "Claim \(i) submitted", "body": body],
            ])
            let (_, response) = try await session.data(for: request)
            guard (response as? HTTPURLResponse)?.statusCode == 201 else { throw BenchError("the fake Notify refused the plain client") }
        }
        return Double(count) / Date().timeIntervalSince(started)
    }

    private func token() -> String {
        func b64(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let signing =
            b64(Data(#"{"typ":"JWT","alg":"HS256"}"#.utf8)) + "."
            + b64(Data(#"{"iss":"\#(serviceID)","iat":\#(Int(Date().timeIntervalSince1970))}"#.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(signing.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return signing + "." + b64(Data(mac))
    }

    func stop() {
        if process.isRunning { process.terminate() }
    }
}
