import Foundation
import GRDB
import Messaging
import Testing

/// The same guarantees, checked against the in-memory bus and the ZeroMQ bus, so the fake used
/// by service tests cannot drift from the real thing.
@Suite(.serialized) struct BusConformanceTests {
    @Test(arguments: TransportKind.allCases)
    func everyMessageIsAppliedOnceAndInOrder(kind: TransportKind) async throws {
        let world = try BusWorld(kind)
        let producerDB = try world.database("producer")
        let consumerDB = try world.database("consumer")
        let endpoint = world.endpoint()
        let producer = try await world.start(name: "producer", endpoint: endpoint, peers: [], database: producerDB)
        try await world.start(
            name: "consumer",
            endpoint: world.endpoint(),
            peers: [BusPeer(name: "producer", endpoint: endpoint)],
            database: consumerDB,
            handlers: BusWorld.handlers()
        )
        try await producer.node.outbox.appendCounted(1...300, perTransaction: 7, to: producerDB)
        try await Eventually.wait("300 applied", timeout: 20) { try BusWorld.appliedNumbers(consumerDB).count >= 300 }
        #expect(try BusWorld.appliedNumbers(consumerDB) == Array(1...300))
        await world.tearDown()
    }

    @Test(arguments: TransportKind.allCases)
    func aLateSubscriberCatchesUpByReplay(kind: TransportKind) async throws {
        let world = try BusWorld(kind)
        let producerDB = try world.database("producer")
        let consumerDB = try world.database("consumer")
        let endpoint = world.endpoint()
        let producer = try await world.start(name: "producer", endpoint: endpoint, peers: [], database: producerDB)
        try await producer.node.outbox.appendCounted(1...2500, perTransaction: 500, to: producerDB)
        let consumer = try await world.start(
            name: "consumer",
            endpoint: world.endpoint(),
            peers: [BusPeer(name: "producer", endpoint: endpoint)],
            database: consumerDB,
            handlers: BusWorld.handlers()
        )
        try await Eventually.wait("2500 applied", timeout: 30) { try BusWorld.appliedNumbers(consumerDB).count >= 2500 }
        #expect(try BusWorld.appliedNumbers(consumerDB) == Array(1...2500))
        try await Eventually.wait("caught up", timeout: 5) { consumer.node.status.notReadyReasons().isEmpty }
        await world.tearDown()
    }

    @Test(arguments: TransportKind.allCases)
    func aLostTailIsNoticedByHeartbeatAndRecovered(kind: TransportKind) async throws {
        let world = try BusWorld(kind)
        let producerDB = try world.database("producer")
        let consumerDB = try world.database("consumer")
        let endpoint = world.endpoint()
        let producer = try await world.start(name: "producer", endpoint: endpoint, peers: [], database: producerDB)
        try await world.start(
            name: "consumer",
            endpoint: world.endpoint(),
            peers: [BusPeer(name: "producer", endpoint: endpoint)],
            database: consumerDB,
            handlers: BusWorld.handlers(),
            hooks: BusTestHooks(dropLive: 46...50)
        )
        try await Eventually.wait("caught up at start", timeout: 10) {
            try await consumerDB.read { try Inbox.appliedThrough($0, producer: "producer") } == 0
        }
        try await producer.node.outbox.appendCounted(1...50, to: producerDB)
        try await Eventually.wait("50 applied", timeout: 10) { try BusWorld.appliedNumbers(consumerDB).count >= 50 }
        #expect(try BusWorld.appliedNumbers(consumerDB) == Array(1...50))
        await world.tearDown()
    }

    @Test(arguments: TransportKind.allCases)
    func aRestartedSubscriberResumesWithoutDuplicates(kind: TransportKind) async throws {
        let world = try BusWorld(kind)
        let producerDB = try world.database("producer")
        let consumerDB = try world.database("consumer")
        let endpoint = world.endpoint()
        let consumerEndpoint = world.endpoint()
        let peers = [BusPeer(name: "producer", endpoint: endpoint)]
        let producer = try await world.start(name: "producer", endpoint: endpoint, peers: [], database: producerDB)
        let first = try await world.start(
            name: "consumer",
            endpoint: consumerEndpoint,
            peers: peers,
            database: consumerDB,
            handlers: BusWorld.handlers()
        )
        try await producer.node.outbox.appendCounted(1...100, perTransaction: 10, to: producerDB)
        try await Eventually.wait("100 applied", timeout: 10) { try BusWorld.appliedNumbers(consumerDB).count >= 100 }
        await first.stop()
        try await producer.node.outbox.appendCounted(101...200, perTransaction: 10, to: producerDB)
        try await world.start(
            name: "consumer",
            endpoint: consumerEndpoint,
            peers: peers,
            database: consumerDB,
            handlers: BusWorld.handlers()
        )
        try await Eventually.wait("200 applied", timeout: 10) { try BusWorld.appliedNumbers(consumerDB).count >= 200 }
        #expect(try BusWorld.appliedNumbers(consumerDB) == Array(1...200))
        await world.tearDown()
    }

    @Test(arguments: TransportKind.allCases)
    func aMessageThatCannotBeAppliedYetIsParkedThenApplied(kind: TransportKind) async throws {
        let world = try BusWorld(kind)
        let aDB = try world.database("a")
        let bDB = try world.database("b")
        let consumerDB = try world.database("consumer")
        let aEndpoint = world.endpoint()
        let bEndpoint = world.endpoint()
        let a = try await world.start(name: "a", endpoint: aEndpoint, peers: [], database: aDB)
        let b = try await world.start(name: "b", endpoint: bEndpoint, peers: [], database: bDB)
        try await world.start(
            name: "consumer",
            endpoint: world.endpoint(),
            peers: [BusPeer(name: "a", endpoint: aEndpoint), BusPeer(name: "b", endpoint: bEndpoint)],
            database: consumerDB,
            handlers: BusWorld.handlers()
        )
        try await bDB.write { try b.node.outbox.append(DependentFact(key: "k1"), in: $0) }
        try await Eventually.wait("the dependent fact parked", timeout: 10) {
            try await consumerDB.read { try Inbox.parkedSummary($0).count } == 1
        }
        try await aDB.write { try a.node.outbox.append(BaseFact(key: "k1"), in: $0) }
        try await Eventually.wait("the dependent fact applied", timeout: 10) {
            try await consumerDB.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM dependents") } == 1
        }
        #expect(try await consumerDB.read { try Inbox.parkedSummary($0).count } == 0)
        await world.tearDown()
    }

    @Test(arguments: TransportKind.allCases)
    func aPoisonMessageIsDeadLetteredAndTheStreamGoesOn(kind: TransportKind) async throws {
        let world = try BusWorld(kind)
        let producerDB = try world.database("producer")
        let consumerDB = try world.database("consumer")
        let endpoint = world.endpoint()
        let producer = try await world.start(name: "producer", endpoint: endpoint, peers: [], database: producerDB)
        try await world.start(
            name: "consumer",
            endpoint: world.endpoint(),
            peers: [BusPeer(name: "producer", endpoint: endpoint)],
            database: consumerDB,
            handlers: BusWorld.handlers(poison: 5)
        )
        try await producer.node.outbox.appendCounted(1...10, to: producerDB)
        try await Eventually.wait("9 applied", timeout: 10) { try BusWorld.appliedNumbers(consumerDB).count >= 9 }
        #expect(try BusWorld.appliedNumbers(consumerDB) == [1, 2, 3, 4, 6, 7, 8, 9, 10])
        let dead = try await consumerDB.read { try Row.fetchAll($0, sql: "SELECT sequence, reason FROM bus_dead_letter") }
        #expect(dead.count == 1)
        #expect((dead.first?["reason"] as String?)?.contains("n 5 is refused") == true)
        await world.tearDown()
    }

    @Test(arguments: TransportKind.allCases)
    func theReplayProtocolAnswersRawRequests(kind: TransportKind) async throws {
        let world = try BusWorld(kind)
        let producerDB = try world.database("producer")
        let endpoint = world.endpoint()
        let transport = try world.transport()
        let producer = try await world.start(name: "producer", endpoint: endpoint, peers: [], database: producerDB, transport: transport)
        try await producer.node.outbox.appendCounted(1...30, perTransaction: 30, to: producerDB)
        let client = try transport.connectSubscriber(to: BusPeer(name: "producer", endpoint: endpoint))
        let wakeup = Wakeup()
        func ask(_ frame: String) async throws -> [[[UInt8]]] {
            var replies: [[[UInt8]]] = []
            let deadline = Date().addingTimeInterval(10)
            var lastAsk = Date.distantPast
            while Date() < deadline {
                if replies.isEmpty && Date().timeIntervalSince(lastAsk) > 1 {
                    try client.requestReplay(Array(frame.utf8))  // the DEALER may still be connecting
                    lastAsk = Date()
                }
                for received in try client.receive(timeoutMilliseconds: 100, maximum: 100, wakeup: wakeup) where received.replayed {
                    replies.append(received.frames)
                }
                if let last = replies.last, [BusTopic.replayEnd, BusTopic.replayError].contains(String(decoding: last[0], as: UTF8.self)) {
                    return replies
                }
            }
            return replies
        }
        let replies = try await ask(#"{"after_sequence": 10, "limit": 5}"#)
        #expect(replies.count == 6)
        let decoder = BusJSON.decoder()
        let sequences = try replies.dropLast().map { try decoder.decode(EnvelopeHeader.self, from: Data($0[1])).sequence }
        #expect(sequences == [11, 12, 13, 14, 15])
        #expect(replies.dropLast().allSatisfy { String(decoding: $0[0], as: UTF8.self) == Counted.type })
        let end = try decoder.decode(ReplayEnd.self, from: Data(replies.last![1]))
        #expect(end.headSequence == 30)
        let refused = try await ask("not json")
        #expect(refused.count == 1)
        #expect(String(decoding: refused[0][0], as: UTF8.self) == BusTopic.replayError)
        client.close()  // before the context is terminated, which waits for every socket
        await world.tearDown()
    }
}
