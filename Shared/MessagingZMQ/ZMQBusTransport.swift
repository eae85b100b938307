import CZeroMQ
import Foundation
import Messaging

/// CurveZMQ settings for the bus. With keys configured, publishers and replay servers accept
/// only allow-listed clients and subscribers pin each producer's server key.
public struct BusCurveKeys: Sendable, Equatable {
    /// This service's secret key (Z85, 40 characters).
    public var secretKey: String
    /// This service's public key, derived from the secret.
    public var publicKey: String
    /// Client public keys allowed to subscribe or ask for replay.
    public var allowedClientKeys: Set<String>

    /// Creates keys; derives the public key from `secretKey`.
    public init(secretKey: String, allowedClientKeys: Set<String>) throws {
        self.secretKey = secretKey
        self.publicKey = try ZMQCurve.publicKey(fromSecret: secretKey)
        self.allowedClientKeys = allowedClientKeys
    }
}

/// The bus over real ZeroMQ sockets: PUB/SUB for the stream, ROUTER/DEALER for replay.
public final class ZMQBusTransport: BusTransport {
    /// The context every socket of this transport belongs to.
    public let context: ZMQContext
    private let maxMessageBytes: Int
    private let curve: BusCurveKeys?
    private let authenticator: ZAPAuthenticator?

    /// Creates a transport. `maxMessageBytes` bounds what libzmq will buffer for one message
    /// (at four times the bus limit, so an oversized frame still reaches the subscriber's own
    /// check and is counted, while a flood cannot exhaust memory).
    public init(maxMessageBytes: Int, curve: BusCurveKeys? = nil) throws {
        context = try ZMQContext()
        self.maxMessageBytes = maxMessageBytes
        self.curve = curve
        if let curve {
            authenticator = try ZAPAuthenticator(context: context, allowedKeys: curve.allowedClientKeys)
        } else {
            authenticator = nil
        }
    }

    /// Stops the authenticator and terminates the context; call after every service stopped.
    ///
    /// Waits at most `timeout` (longer than the publisher's 2 s linger) and says whether the
    /// context finished. libzmq looks peers' host names up on its one I/O thread, and a peer
    /// whose name has just gone (a container stopping) can hold that thread in the resolver for
    /// several seconds, and with it the context's end. Nothing is lost by not waiting: every
    /// socket is closed by now and every message is in the outbox, replayed on request.
    @discardableResult
    public func shutdown(waitingAtMost timeout: Duration = .seconds(3)) -> Bool {
        authenticator?.stop()
        let finished = DispatchSemaphore(value: 0)
        let context = self.context
        let thread = Thread {
            context.terminate()
            finished.signal()
        }
        thread.name = "bus-terminate"
        thread.start()
        let milliseconds = Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return finished.wait(timeout: .now() + .milliseconds(milliseconds)) == .success
    }

    public func bindPublisher(at endpoint: String) throws -> any PublisherEndpoint {
        let replayEndpoint = try BusEndpoint.replayEndpoint(for: endpoint)
        let publisher = try ZMQSocket(context: context, type: .publisher)
        let router = try ZMQSocket(context: context, type: .router)
        do {
            try publisher.set(ZMQOption.sendHighWaterMark, 100_000)
            try publisher.set(ZMQOption.linger, 2000)
            try router.set(ZMQOption.maxMessageSize, int64: 64 * 1024)
            // A client that asks and never reads can hold at most about two replies (1,001 messages
            // each) in our memory; past that its replies are dropped and it must ask again.
            try router.set(ZMQOption.sendHighWaterMark, ReplayThrottle<Int>.sendHighWaterMark)
            try router.set(ZMQOption.linger, 1000)
            if let curve {
                for socket in [publisher, router] {
                    try socket.set(ZMQOption.zapDomain, bytes: Array(ZAPAuthenticator.domain.utf8))
                    try socket.set(ZMQOption.curveServer, 1)
                    try socket.set(ZMQOption.curveSecretKey, bytes: Array(curve.secretKey.utf8))
                }
            }
            try publisher.bind(endpoint)
            try router.bind(replayEndpoint)
        } catch {
            publisher.close(lingerMilliseconds: 0)
            router.close(lingerMilliseconds: 0)
            throw error
        }
        return ZMQPublisherEndpoint(publisher: publisher, router: router)
    }

    public func connectSubscriber(to peer: BusPeer) throws -> any SubscriberEndpoint {
        let replayEndpoint = try BusEndpoint.replayEndpoint(for: peer.endpoint)
        let subscriber = try ZMQSocket(context: context, type: .subscriber)
        let dealer = try ZMQSocket(context: context, type: .dealer)
        for socket in [subscriber, dealer] {
            try socket.set(ZMQOption.receiveHighWaterMark, 100_000)
            try socket.set(ZMQOption.maxMessageSize, int64: Int64(maxMessageBytes) * 4 + 4096)
            try socket.set(ZMQOption.reconnectInterval, 100)
            try socket.set(ZMQOption.reconnectIntervalMax, 2000)
            try socket.set(ZMQOption.linger, 0)
            if let curve {
                guard let serverKey = peer.serverKey else { throw ZMQBusError.missingServerKey(peer: peer.name) }
                try socket.set(ZMQOption.curveServerKey, bytes: Array(serverKey.utf8))
                try socket.set(ZMQOption.curvePublicKey, bytes: Array(curve.publicKey.utf8))
                try socket.set(ZMQOption.curveSecretKey, bytes: Array(curve.secretKey.utf8))
            }
        }
        // Requests are dropped rather than queued while the producer is away; the subscriber
        // asks again on its replay timeout, so a stale pile of requests never floods a restart.
        try dealer.set(ZMQOption.immediate, 1)
        try dealer.set(ZMQOption.sendTimeout, 0)
        // Subscribe first, then replay, so that nothing falls between.
        try subscriber.set(ZMQOption.subscribe, bytes: [])
        try subscriber.connect(peer.endpoint)
        try dealer.connect(replayEndpoint)
        return ZMQSubscriberEndpoint(subscriber: subscriber, dealer: dealer)
    }
}

/// Configuration mistakes of the ZeroMQ bus.
public enum ZMQBusError: Error, CustomStringConvertible {
    /// CurveZMQ is on but a peer has no pinned server key.
    case missingServerKey(peer: String)

    public var description: String {
        switch self {
        case .missingServerKey(let peer):
            return "BUS_PEER_KEYS has no server key for \(peer), but CurveZMQ is on: add \(peer)=<its public key>"
        }
    }
}

final class ZMQPublisherEndpoint: PublisherEndpoint {
    let publisher: ZMQSocket
    let router: ZMQSocket

    init(publisher: ZMQSocket, router: ZMQSocket) {
        self.publisher = publisher
        self.router = router
    }

    func publish(topic: [UInt8], body: [UInt8]) throws {
        try publisher.send([topic, body])
    }

    func waitForRequests(timeoutMilliseconds: Int, wakeup: Wakeup) throws -> [ReplayCall] {
        let ready = try ZMQPoller.poll(
            [.socket(router), .fileDescriptor(wakeup.fileDescriptor)],
            timeoutMilliseconds: timeoutMilliseconds
        )
        if ready[1] { wakeup.drain() }
        var calls: [ReplayCall] = []
        while calls.count < 100, let frames = try router.receive(dontWait: true) {
            guard let identity = frames.first else { continue }
            calls.append(ReplayCall(identity: identity, frames: Array(frames.dropFirst())))
        }
        return calls
    }

    func reply(to identity: [UInt8], frames: [[UInt8]]) throws {
        try router.send([identity] + frames, dontWait: true)
    }

    func close() {
        publisher.close(lingerMilliseconds: 2000)
        router.close(lingerMilliseconds: 500)
    }
}

final class ZMQSubscriberEndpoint: SubscriberEndpoint {
    let subscriber: ZMQSocket
    let dealer: ZMQSocket

    init(subscriber: ZMQSocket, dealer: ZMQSocket) {
        self.subscriber = subscriber
        self.dealer = dealer
    }

    func receive(timeoutMilliseconds: Int, maximum: Int, wakeup: Wakeup) throws -> [ReceivedFrames] {
        var out: [ReceivedFrames] = []
        func drain() throws {
            // Replies first: they carry the older messages the cursor is waiting for.
            while out.count < maximum, let frames = try dealer.receive(dontWait: true) {
                out.append(ReceivedFrames(frames: frames, replayed: true))
            }
            while out.count < maximum, let frames = try subscriber.receive(dontWait: true) {
                out.append(ReceivedFrames(frames: frames, replayed: false))
            }
        }
        try drain()
        if out.isEmpty {
            let ready = try ZMQPoller.poll(
                [.socket(subscriber), .socket(dealer), .fileDescriptor(wakeup.fileDescriptor)],
                timeoutMilliseconds: timeoutMilliseconds
            )
            if ready[2] { wakeup.drain() }
            try drain()
        }
        return out
    }

    func requestReplay(_ request: [UInt8]) throws {
        _ = try dealer.send([request], dontWait: true)
    }

    func close() {
        subscriber.close(lingerMilliseconds: 0)
        dealer.close(lingerMilliseconds: 0)
    }
}
