import Foundation
import GRDB
import Messaging
import MessagingZMQ
import Testing

/// With CurveZMQ keys configured, only allow-listed processes can read the bus.
@Suite(.serialized) struct CurveSecurityTests {
    @Test func onlyAnAllowListedSubscriberReadsTheBus() async throws {
        let world = try BusWorld(.zeroMQ)
        let server = try ZMQCurve.keyPair()
        let friend = try ZMQCurve.keyPair()
        let stranger = try ZMQCurve.keyPair()
        let producerTransport = try ZMQBusTransport(
            maxMessageBytes: 1_048_576,
            curve: BusCurveKeys(secretKey: server.secretKey, allowedClientKeys: [friend.publicKey])
        )
        let friendTransport = try ZMQBusTransport(
            maxMessageBytes: 1_048_576,
            curve: BusCurveKeys(secretKey: friend.secretKey, allowedClientKeys: [friend.publicKey])
        )
        let strangerTransport = try ZMQBusTransport(
            maxMessageBytes: 1_048_576,
            curve: BusCurveKeys(secretKey: stranger.secretKey, allowedClientKeys: [stranger.publicKey])
        )
        world.transports += [producerTransport, friendTransport, strangerTransport]
        let endpoint = world.endpoint()
        let peer = BusPeer(name: "producer", endpoint: endpoint, serverKey: server.publicKey)
        let producerDB = try world.database("producer")
        let friendDB = try world.database("friend")
        let strangerDB = try world.database("stranger")
        let producer = try await world.start(
            name: "producer",
            endpoint: endpoint,
            peers: [],
            database: producerDB,
            transport: producerTransport
        )
        try await world.start(
            name: "friend",
            endpoint: world.endpoint(),
            peers: [peer],
            database: friendDB,
            handlers: BusWorld.handlers(),
            transport: friendTransport
        )
        try await world.start(
            name: "stranger",
            endpoint: world.endpoint(),
            peers: [peer],
            database: strangerDB,
            handlers: BusWorld.handlers(),
            transport: strangerTransport
        )
        try await producer.node.outbox.appendCounted(1...20, to: producerDB)
        try await Eventually.wait("the allowed subscriber to apply 20", timeout: 15) { try BusWorld.appliedNumbers(friendDB).count >= 20 }
        try await Task.sleep(for: .seconds(2))
        #expect(try BusWorld.appliedNumbers(strangerDB).isEmpty)
        await world.tearDown()
    }

    @Test func theZAPHandlerRefusesUnknownKeysAndOtherMechanisms() throws {
        let allowed = try ZMQCurve.keyPair()
        func request(mechanism: String, key: [UInt8]) -> [[UInt8]] {
            [Array("1.0".utf8), Array("7".utf8), Array("mentor-claims-bus".utf8), Array("127.0.0.1".utf8), [], Array(mechanism.utf8), key]
        }
        let z85Decoded = try ZMQCurveTestSupport.decode(allowed.publicKey)
        #expect(ZMQCurveTestSupport.answer(request(mechanism: "CURVE", key: z85Decoded), allowed: [allowed.publicKey]) == "200")
        #expect(ZMQCurveTestSupport.answer(request(mechanism: "CURVE", key: Array(repeating: 1, count: 32)), allowed: [allowed.publicKey]) == "400")
        #expect(ZMQCurveTestSupport.answer(request(mechanism: "NULL", key: []), allowed: [allowed.publicKey]) == "400")
        #expect(ZMQCurveTestSupport.answer([[1]], allowed: [allowed.publicKey]) == "400")
    }
}
