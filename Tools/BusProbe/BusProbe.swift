import ArgumentParser
import Foundation
import GRDB
import Logging
import Messaging
import MessagingZMQ
import ServiceLifecycle
import Storage

#if canImport(Glibc)
import Glibc
#endif

/// The message the probe produces: a counter and some padding to reach a realistic size.
struct ProbeMessage: BusMessage {
    static let type = "probe.message"
    var n: Int
    var padding: String
}

/// A test-only producer and consumer for the bus tests on real processes. It switches on test
/// hooks that the services never expose.
@main
struct BusProbe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bus-probe",
        abstract: "Test-only producer/consumer for the durable bus.",
        subcommands: [Produce.self, Consume.self]
    )
}

func probeMigrator() -> DatabaseMigrator {
    var migrator = DatabaseMigrator()
    BusSchema.register(in: &migrator)
    migrator.registerMigration("probe-v1") { db in
        try db.execute(
            sql: """
                CREATE TABLE probe_applied (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    producer TEXT NOT NULL,
                    sequence INTEGER NOT NULL,
                    n INTEGER NOT NULL
                );
                """
        )
    }
    return migrator
}

func makeLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .warning
    return logger
}

struct Produce: AsyncParsableCommand {
    @Option(help: "SQLite file of the producer.") var database: String
    @Option(help: "PUB endpoint; replay binds at port + 1.") var endpoint: String
    @Option(help: "Producer name.") var name = "probe"
    @Option(help: "How many messages to commit.") var count = 0
    @Option(help: "Messages per transaction.") var batch = 1
    @Option(help: "Payload padding in bytes.") var padding = 100
    @Option(help: "Pause between transactions, in milliseconds.") var pauseMilliseconds = 0
    @Option(help: "Test hook: never publish live from this sequence on.") var holdFrom: Int64?
    @Flag(help: "Test hook: SIGKILL this process right after the last commit.") var killAfterCommit = false

    func run() async throws {
        let logger = makeLogger("bus-probe.produce")
        let pool = try ServiceDatabase.open(path: database, migrator: probeMigrator())
        let transport = try ZMQBusTransport(maxMessageBytes: 1_048_576)
        var settings = BusNode.Settings(name: name, endpoint: endpoint, peers: [])
        settings.testHooks.holdPublishingFrom = holdFrom
        let node = BusNode(
            settings: settings,
            database: pool,
            transport: transport,
            handlers: [],
            logger: logger,
            now: { Date() }
        )
        let group = ServiceGroup(
            configuration: .init(services: node.services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        let padding = String(repeating: "x", count: self.padding)
        let count = self.count
        let batch = max(1, self.batch)
        let pause = pauseMilliseconds
        let kill = killAfterCommit
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                let already = try await pool.read { try OutboxStore.marks($0).head }
                var n = Int(already)
                while n < count {
                    let upTo = min(count, n + batch)
                    let from = n
                    try await pool.write { db in
                        for i in (from + 1)...upTo { try node.outbox.append(ProbeMessage(n: i, padding: padding), in: db) }
                    }
                    n = upTo
                    if pause > 0 { try await Task.sleep(for: .milliseconds(pause)) }
                }
                FileHandle.standardOutput.write(Data("committed \(n)\n".utf8))
                if kill { raise(SIGKILL) }
            }
            try await tasks.waitForAll()
        }
        transport.shutdown()
    }
}

struct Consume: AsyncParsableCommand {
    @Option(help: "SQLite file of the consumer.") var database: String
    @Option(help: "The producer as name=endpoint.") var peer: String
    @Option(help: "Consumer name.") var name = "probe-consumer"
    @Option(help: "Its own PUB endpoint.") var endpoint: String
    @Option(help: "Test hook: drop these live sequences, e.g. 996-1000.") var dropLive: String?

    func run() async throws {
        let logger = makeLogger("bus-probe.consume")
        let parts = peer.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw ValidationError("--peer is name=endpoint") }
        let pool = try ServiceDatabase.open(path: database, migrator: probeMigrator())
        let transport = try ZMQBusTransport(maxMessageBytes: 1_048_576)
        var settings = BusNode.Settings(name: name, endpoint: endpoint, peers: [BusPeer(name: parts[0], endpoint: parts[1])])
        if let dropLive {
            let bounds = dropLive.split(separator: "-").compactMap { Int64($0) }
            guard bounds.count == 2 else { throw ValidationError("--drop-live is FROM-TO") }
            settings.testHooks.dropLive = bounds[0]...bounds[1]
        }
        let handler = MessageHandler.on(ProbeMessage.self) { envelope, db in
            try db.execute(
                sql: "INSERT INTO probe_applied (producer, sequence, n) VALUES (?, ?, ?)",
                arguments: [envelope.producer, envelope.sequence, envelope.payload.n]
            )
            return .applied
        }
        let node = BusNode(
            settings: settings,
            database: pool,
            transport: transport,
            handlers: [handler],
            logger: logger,
            now: { Date() }
        )
        let group = ServiceGroup(
            configuration: .init(services: node.services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
        transport.shutdown()
    }
}
