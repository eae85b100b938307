import ArgumentParser
import BenchSupport
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

/// `make bench`, notifications: 10,000 emails from facts on the real bus to the real release
/// `notifications`, rendered, queued and handed to a local SMTP server (and, in a second run, to
/// the file transport). The bench plays claims-intake (a real outbox and publisher) and the SMTP
/// server (a minimal one that accepts everything), so the figures are the service's own.
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
        print(String(format: "\nratio file / smtp = %.2f", viaFile / viaSMTP))
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
