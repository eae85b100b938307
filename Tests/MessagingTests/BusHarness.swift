import Foundation
import GRDB
import Logging
import Messaging
import MessagingZMQ
import ServiceLifecycle
import Storage
@_exported import TestSupport
import Testing

/// A counter message for bus tests.
struct Counted: BusMessage, Equatable {
    static let type = "test.counted"
    var n: Int
    var note: String = ""
}

/// A fact another fact depends on (for parking across producers).
struct BaseFact: BusMessage {
    static let type = "test.base"
    var key: String
}

/// A fact that can only be applied after its base arrived from another producer.
struct DependentFact: BusMessage {
    static let type = "test.dependent"
    var key: String
}

/// Which transport a conformance test runs on.
enum TransportKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case inMemory, zeroMQ
    var testDescription: String { rawValue }
}

/// One test's bus world: transports, databases and running nodes, all cleaned up at the end.
final class BusWorld: @unchecked Sendable {
    // Used from one test task only.
    let kind: TransportKind
    let folder: TemporaryFolder
    let memory = InMemoryBus()
    var transports: [ZMQBusTransport] = []
    var running: [(group: ServiceGroup, task: Task<Void, any Error>)] = []
    let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    init(_ kind: TransportKind) throws {
        self.kind = kind
        folder = try TemporaryFolder("bus")
    }

    func transport() throws -> any BusTransport {
        switch kind {
        case .inMemory: return memory
        case .zeroMQ:
            let transport = try ZMQBusTransport(maxMessageBytes: 1_048_576)
            transports.append(transport)
            return transport
        }
    }

    func endpoint() -> String {
        "tcp://127.0.0.1:\(FreePorts.pair())"
    }

    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        BusSchema.register(in: &migrator)
        migrator.registerMigration("test-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE applied (id INTEGER PRIMARY KEY AUTOINCREMENT, producer TEXT, sequence INTEGER, n INTEGER, type TEXT);
                    CREATE TABLE bases (key TEXT PRIMARY KEY);
                    CREATE TABLE dependents (key TEXT PRIMARY KEY);
                    """
            )
        }
        return migrator
    }

    func database(_ name: String) throws -> DatabasePool {
        try ServiceDatabase.open(path: folder.path("\(name).sqlite"), migrator: Self.migrator())
    }

    /// The handlers of a test consumer: records every `Counted`, refuses n == poison, and applies
    /// a dependent fact only after its base.
    static func handlers(poison: Int? = nil) -> [MessageHandler] {
        [
            .on(Counted.self) { envelope, db in
                if envelope.payload.n == poison { throw PoisonMessage("n \(envelope.payload.n) is refused") }
                try db.execute(
                    sql: "INSERT INTO applied (producer, sequence, n, type) VALUES (?, ?, ?, ?)",
                    arguments: [envelope.producer, envelope.sequence, envelope.payload.n, envelope.type]
                )
                return .applied
            },
            .on(BaseFact.self) { envelope, db in
                try db.execute(sql: "INSERT INTO bases (key) VALUES (?)", arguments: [envelope.payload.key])
                return .applied
            },
            .on(DependentFact.self) { envelope, db in
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM bases WHERE key = ?)", arguments: [envelope.payload.key]) == true
                else { return .parked(reason: "base \(envelope.payload.key) has not arrived") }
                try db.execute(sql: "INSERT INTO dependents (key) VALUES (?)", arguments: [envelope.payload.key])
                return .applied
            },
        ]
    }

    /// Starts a node and returns it.
    @discardableResult
    func start(
        name: String,
        endpoint: String,
        peers: [BusPeer],
        database: DatabasePool,
        handlers: [MessageHandler] = [],
        hooks: BusTestHooks = BusTestHooks(),
        transport: (any BusTransport)? = nil
    ) async throws -> (node: BusNode, stop: @Sendable () async -> Void) {
        var settings = BusNode.Settings(name: name, endpoint: endpoint, peers: peers)
        settings.testHooks = hooks
        let node = BusNode(
            settings: settings,
            database: database,
            transport: try transport ?? self.transport(),
            handlers: handlers,
            logger: logger,
            now: { Date() }
        )
        let group = ServiceGroup(services: node.services, logger: logger)
        let task = Task { try await group.run() }
        running.append((group, task))
        let stop: @Sendable () async -> Void = {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
        }
        // Wait until the publisher is bound, so a peer connecting now finds it.
        try await Eventually.wait("the publisher to bind", timeout: 10) { node.status.snapshot.publisherBound }
        return (node, stop)
    }

    func tearDown() async {
        for (group, task) in running {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
        }
        for transport in transports { transport.shutdown() }
        folder.remove()
    }

    static func appliedNumbers(_ db: DatabasePool) throws -> [Int] {
        try db.read { try Int.fetchAll($0, sql: "SELECT n FROM applied ORDER BY id") }
    }
}

extension Outbox {
    /// Appends `count` `Counted` messages numbered from `from`, `perTransaction` at a time.
    func appendCounted(_ range: ClosedRange<Int>, perTransaction: Int = 1, to db: DatabasePool) async throws {
        var n = range.lowerBound
        while n <= range.upperBound {
            let upTo = min(range.upperBound, n + perTransaction - 1)
            let from = n
            try await db.write { db in
                for i in from...upTo { try self.append(Counted(n: i), in: db) }
            }
            n = upTo + 1
        }
    }
}
