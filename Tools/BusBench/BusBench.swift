import ArgumentParser
import CZeroMQ
import Foundation
import GRDB
import Logging
import Messaging
import MessagingZMQ
import ServiceLifecycle
import Storage

/// The benchmark payload: about 500 bytes of text, as a small claim message would be.
struct BenchPayload: BusMessage {
    static let type = "bench.message"
    var n: Int
    var text: String
}

/// `make bench`: bus throughput and catch-up, all measured in one run so ratios compare like
/// with like.
@main
struct BusBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bus-bench", abstract: "Benchmarks the durable bus.")

    @Option(help: "Messages per measurement.") var count = 100_000
    @Option(help: "Payload bytes.") var payloadBytes = 500
    @Option(help: "Messages per producer transaction on the durable path (group commit).") var perTransaction = 1000
    @Option(help: "Folder for the databases.") var folder = "./.data/bench"

    func run() async throws {
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let text = String(repeating: "m", count: payloadBytes)
        let envelopes = try makeEnvelopes(text: text)
        try printCodingCosts(text: text, envelopes: envelopes)
        print("| measurement | messages | seconds | messages/s |")
        print("|---|---:|---:|---:|")
        let raw = try zmqThroughput(envelopes: envelopes, decode: false)
        report("raw ZeroMQ PUB/SUB (no decoding, no storage)", raw)
        let decodeOnly = try zmqThroughput(envelopes: envelopes, decode: true)
        report("decode-only (ZeroMQ + envelope decoding)", decodeOnly)
        let durable = try await durablePath(text: text)
        report("durable (outbox commit → relay → decode → inbox commit)", durable)
        let catchUp = try await catchUpReplay(text: text)
        report("catch-up: subscriber replaying missed messages", catchUp)
        print("")
        print(
            String(
                format: "ratios: decode-only / raw = %.2f, durable / decode-only = %.2f, durable / raw = %.2f",
                rate(decodeOnly) / rate(raw),
                rate(durable) / rate(decodeOnly),
                rate(durable) / rate(raw)
            )
        )
        print(String(format: "catch-up of %d messages took %.2f s", count, catchUp))
    }

    func rate(_ seconds: Double) -> Double { Double(count) / seconds }

    /// Where the time goes: one envelope's encoding and decoding, single-threaded.
    func printCodingCosts(text: String, envelopes: [[UInt8]]) throws {
        let sample = min(count, 20_000)
        let encoder = BusJSON.envelopeEncoder()
        var started = Date()
        for n in 1...sample {
            _ = try EnvelopeWriter.encode(
                Envelope(
                    id: UUID(),
                    type: BenchPayload.type,
                    version: 1,
                    producer: "bench",
                    sequence: Int64(n),
                    occurredAt: Date(),
                    correlationId: UUID(),
                    causationId: nil,
                    payload: BenchPayload(n: n, text: text)
                ),
                payloadEncoder: encoder
            )
        }
        let encode = Date().timeIntervalSince(started) / Double(sample) * 1e6
        let decoder = BusJSON.decoder()
        started = Date()
        for envelope in envelopes.prefix(sample) { _ = try decoder.decode(Envelope<BenchPayload>.self, from: Data(envelope)) }
        let decode = Date().timeIntervalSince(started) / Double(sample) * 1e6
        print(
            String(
                format: "Per message, one thread: envelope encode %.1f µs, decode %.1f µs (%d-byte envelopes).",
                encode,
                decode,
                envelopes[0].count
            )
        )
        // Storage alone: outbox appends (per transaction of perTransaction) and inbox batches of 1000.
        let db = try ServiceDatabase.open(path: "\(folder)/parts.sqlite", migrator: migrator())
        let outbox = Outbox(producer: "bench", now: { Date() }, wakeup: Wakeup())
        started = Date()
        var n = 0
        while n < sample {
            let from = n + 1
            let upTo = min(sample, n + perTransaction)
            try db.write { db in for i in from...upTo { try outbox.append(BenchPayload(n: i, text: text), in: db) } }
            n = upTo
        }
        let append = Date().timeIntervalSince(started) / Double(sample) * 1e6
        let registry = HandlerRegistry(handlers())
        let inbox = Inbox(registry: registry, now: { Date() })
        let decoded = try envelopes.prefix(sample).map { try registry.decode(type: BenchPayload.type, envelope: $0, decoder: decoder) }
        started = Date()
        for chunk in stride(from: 0, to: decoded.count, by: 1000) {
            _ = try inbox.apply(decoded[chunk..<min(decoded.count, chunk + 1000)].map { .message($0) }, on: db, decoder: decoder)
        }
        let apply = Date().timeIntervalSince(started) / Double(sample) * 1e6
        print(
            String(
                format:
                    "Outbox append %.1f µs per message (%d per transaction, encoding included); inbox apply %.1f µs per message (batches of 1000, handler insert included).",
                append,
                perTransaction,
                apply
            )
        )
        print("")
    }

    func report(_ name: String, _ seconds: Double) {
        print(String(format: "| %@ | %d | %.3f | %.0f |", name, count, seconds, rate(seconds)))
    }

    func makeEnvelopes(text: String) throws -> [[UInt8]] {
        let encoder = BusJSON.encoder()
        return try (1...count).map { n in
            Array(
                try encoder.encode(
                    Envelope(
                        id: UUID(),
                        type: BenchPayload.type,
                        version: 1,
                        producer: "bench",
                        sequence: Int64(n),
                        occurredAt: Date(),
                        correlationId: UUID(),
                        causationId: nil,
                        payload: BenchPayload(n: n, text: text)
                    )
                )
            )
        }
    }

    /// PUB → SUB over loopback TCP, each socket on its own thread, optionally decoding each envelope.
    func zmqThroughput(envelopes: [[UInt8]], decode: Bool) throws -> Double {
        let context = try ZMQContext()
        let port = 20000 + Int.random(in: 0..<20000)
        let endpoint = "tcp://127.0.0.1:\(port)"
        let publisher = try ZMQSocket(context: context, type: .publisher)
        try publisher.set(ZMQOption.sendHighWaterMark, 0)
        try publisher.bind(endpoint)
        let ready = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let total = envelopes.count
        let result = ResultBox()
        let receiver = Thread {
            do {
                let subscriber = try ZMQSocket(context: context, type: .subscriber)
                try subscriber.set(ZMQOption.receiveHighWaterMark, 0)
                try subscriber.set(ZMQOption.subscribe, bytes: [])
                try subscriber.connect(endpoint)
                let decoder = BusJSON.decoder()
                var received = 0
                var started: Date?
                ready.signal()
                while received < total {
                    guard let frames = try subscriber.receive(dontWait: false) else { continue }
                    if String(decoding: frames[0], as: UTF8.self) == "warmup" { continue }
                    if started == nil { started = Date() }
                    if decode {
                        let envelope = try decoder.decode(Envelope<BenchPayload>.self, from: Data(frames[1]))
                        precondition(envelope.payload.n > 0)
                    }
                    received += 1
                }
                result.set(Date().timeIntervalSince(started ?? Date()))
                subscriber.close(lingerMilliseconds: 0)
            } catch {
                print("receiver failed: \(error)")
            }
            done.signal()
        }
        receiver.start()
        ready.wait()
        // Warm up until the subscription has reached the publisher (PUB drops before that).
        for _ in 0..<50 {
            try publisher.send([Array("warmup".utf8), []])
            Thread.sleep(forTimeInterval: 0.01)
        }
        let topic = Array(BenchPayload.type.utf8)
        for envelope in envelopes { try publisher.send([topic, envelope]) }
        done.wait()
        publisher.close(lingerMilliseconds: 0)
        context.terminate()
        return result.get()
    }

    func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        BusSchema.register(in: &migrator)
        migrator.registerMigration("bench-v1") { db in
            try db.execute(sql: "CREATE TABLE received (n INTEGER PRIMARY KEY, sequence INTEGER NOT NULL)")
        }
        return migrator
    }

    func handlers() -> [MessageHandler] {
        [
            .on(BenchPayload.self) { envelope, db in
                try db.cachedStatement(sql: "INSERT INTO received (n, sequence) VALUES (?, ?)")
                    .execute(arguments: [envelope.payload.n, envelope.sequence])
                return .applied
            }
        ]
    }

    func node(
        _ name: String,
        endpoint: String,
        peers: [BusPeer],
        database: DatabasePool,
        transport: ZMQBusTransport,
        handlers: [MessageHandler]
    ) -> (BusNode, ServiceGroup) {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let node = BusNode(
            settings: .init(name: name, endpoint: endpoint, peers: peers),
            database: database,
            transport: transport,
            handlers: handlers,
            logger: logger,
            now: { Date() }
        )
        return (node, ServiceGroup(services: node.services, logger: logger))
    }

    func appliedCount(_ db: DatabasePool) throws -> Int {
        try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM received") ?? 0 }
    }

    func commit(_ outbox: Outbox, to db: DatabasePool, text: String) async throws {
        var n = 0
        while n < count {
            let from = n + 1
            let upTo = min(count, n + perTransaction)
            try await db.write { db in
                for i in from...upTo { try outbox.append(BenchPayload(n: i, text: text), in: db) }
            }
            n = upTo
        }
    }

    /// Producer commits to its outbox while the subscriber applies: wall time until all applied.
    func durablePath(text: String) async throws -> Double {
        let producerDB = try ServiceDatabase.open(path: "\(folder)/durable-producer.sqlite", migrator: migrator())
        let consumerDB = try ServiceDatabase.open(path: "\(folder)/durable-consumer.sqlite", migrator: migrator())
        let producerTransport = try ZMQBusTransport(maxMessageBytes: 1 << 20)
        let consumerTransport = try ZMQBusTransport(maxMessageBytes: 1 << 20)
        let port = 40000 + Int.random(in: 0..<10000) * 2
        let endpoint = "tcp://127.0.0.1:\(port)"
        let (producer, producerGroup) = node("bench", endpoint: endpoint, peers: [], database: producerDB, transport: producerTransport, handlers: [])
        let (_, consumerGroup) = node(
            "consumer",
            endpoint: "tcp://127.0.0.1:\(port + 2)",
            peers: [BusPeer(name: "bench", endpoint: endpoint)],
            database: consumerDB,
            transport: consumerTransport,
            handlers: handlers()
        )
        let producerTask = Task { try await producerGroup.run() }
        let consumerTask = Task { try await consumerGroup.run() }
        try await Task.sleep(for: .seconds(1))
        let started = Date()
        try await commit(producer.outbox, to: producerDB, text: text)
        while try appliedCount(consumerDB) < count { try await Task.sleep(for: .milliseconds(5)) }
        let seconds = Date().timeIntervalSince(started)
        await consumerGroup.triggerGracefulShutdown()
        await producerGroup.triggerGracefulShutdown()
        _ = try? await consumerTask.value
        _ = try? await producerTask.value
        producerTransport.shutdown()
        consumerTransport.shutdown()
        return seconds
    }

    /// All messages committed first; then a subscriber starts and catches up by replay.
    func catchUpReplay(text: String) async throws -> Double {
        let producerDB = try ServiceDatabase.open(path: "\(folder)/catchup-producer.sqlite", migrator: migrator())
        let consumerDB = try ServiceDatabase.open(path: "\(folder)/catchup-consumer.sqlite", migrator: migrator())
        let producerTransport = try ZMQBusTransport(maxMessageBytes: 1 << 20)
        let consumerTransport = try ZMQBusTransport(maxMessageBytes: 1 << 20)
        let port = 50000 + Int.random(in: 0..<5000) * 2
        let endpoint = "tcp://127.0.0.1:\(port)"
        let (producer, producerGroup) = node("bench", endpoint: endpoint, peers: [], database: producerDB, transport: producerTransport, handlers: [])
        let producerTask = Task { try await producerGroup.run() }
        try await commit(producer.outbox, to: producerDB, text: text)
        let started = Date()
        let (_, consumerGroup) = node(
            "consumer",
            endpoint: "tcp://127.0.0.1:\(port + 2)",
            peers: [BusPeer(name: "bench", endpoint: endpoint)],
            database: consumerDB,
            transport: consumerTransport,
            handlers: handlers()
        )
        let consumerTask = Task { try await consumerGroup.run() }
        while try appliedCount(consumerDB) < count { try await Task.sleep(for: .milliseconds(5)) }
        let seconds = Date().timeIntervalSince(started)
        await consumerGroup.triggerGracefulShutdown()
        await producerGroup.triggerGracefulShutdown()
        _ = try? await consumerTask.value
        _ = try? await producerTask.value
        producerTransport.shutdown()
        consumerTransport.shutdown()
        return seconds
    }
}

/// A value handed from the receiver thread to the caller after a semaphore.
final class ResultBox: @unchecked Sendable {
    // Written once by the receiver thread before it signals, read after the wait: the
    // semaphore orders the two, and the lock makes the hand-over explicit.
    private let lock = NSLock()
    private var value = 0.0
    func set(_ v: Double) { lock.withLock { value = v } }
    func get() -> Double { lock.withLock { value } }
}
