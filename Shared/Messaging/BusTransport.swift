import Foundation

/// A producer as a subscriber sees it: its name and where it publishes.
public struct BusPeer: Sendable, Equatable {
    /// The producer's service name, e.g. `claims-intake`.
    public var name: String
    /// Its PUB endpoint, e.g. `tcp://127.0.0.1:5551`.
    public var endpoint: String
    /// Its CurveZMQ public key (Z85), pinned when the bus is secured.
    public var serverKey: String?

    /// Creates a peer.
    public init(name: String, endpoint: String, serverKey: String? = nil) {
        self.name = name
        self.endpoint = endpoint
        self.serverKey = serverKey
    }
}

/// A replay request as the publisher received it: who asked, and the frames they sent.
public struct ReplayCall: Sendable {
    /// The asker's routing identity.
    public var identity: [UInt8]
    /// The frames after the identity.
    public var frames: [[UInt8]]

    /// Creates a call.
    public init(identity: [UInt8], frames: [[UInt8]]) {
        self.identity = identity
        self.frames = frames
    }
}

/// A multipart message a subscriber received, and from which of its sockets.
public struct ReceivedFrames: Sendable {
    /// The frames.
    public var frames: [[UInt8]]
    /// True when it came in answer to a replay request rather than from the live stream.
    public var replayed: Bool

    /// Creates one.
    public init(frames: [[UInt8]], replayed: Bool) {
        self.frames = frames
        self.replayed = replayed
    }
}

/// A publisher's sockets (PUB and replay ROUTER). Owned by one thread; not thread-safe.
public protocol PublisherEndpoint: AnyObject {
    /// Publishes one message `[topic, body]` to every subscriber.
    func publish(topic: [UInt8], body: [UInt8]) throws
    /// Waits up to `timeoutMilliseconds` for replay requests or a wake-up, and returns the
    /// requests that arrived (possibly none).
    func waitForRequests(timeoutMilliseconds: Int, wakeup: Wakeup) throws -> [ReplayCall]
    /// Sends `frames` to the asker of a replay request.
    func reply(to identity: [UInt8], frames: [[UInt8]]) throws
    /// Closes the sockets, giving queued messages time to leave.
    func close()
}

/// A subscriber's sockets to one producer (SUB and replay DEALER). Owned by one thread.
public protocol SubscriberEndpoint: AnyObject {
    /// Waits up to `timeoutMilliseconds` for messages, then returns up to `maximum` of them.
    func receive(timeoutMilliseconds: Int, maximum: Int, wakeup: Wakeup) throws -> [ReceivedFrames]
    /// Sends one replay request frame.
    func requestReplay(_ request: [UInt8]) throws
    /// Closes the sockets.
    func close()
}

/// How a service reaches the bus: ZeroMQ in production, in memory in in-process tests. Both pass
/// the same conformance suite.
public protocol BusTransport: Sendable {
    /// Binds a publisher at `endpoint` (replay at port + 1). Called on the owner thread.
    func bindPublisher(at endpoint: String) throws -> any PublisherEndpoint
    /// Connects to `peer`: subscribes to everything first, then connects the replay socket.
    /// Called on the owner thread.
    func connectSubscriber(to peer: BusPeer) throws -> any SubscriberEndpoint
}

/// Endpoint arithmetic shared by every transport.
public enum BusEndpoint {
    /// Why an endpoint string is not usable.
    public struct Invalid: Error, CustomStringConvertible {
        /// The endpoint as given.
        public var endpoint: String
        public var description: String {
            "'\(endpoint)' is not a bus endpoint: write it as tcp://HOST:PORT with a port from 1 to 65534"
        }
    }

    /// The replay endpoint of a PUB endpoint: the same host, port + 1.
    public static func replayEndpoint(for endpoint: String) throws -> String {
        let (host, port) = try split(endpoint)
        return "tcp://\(host):\(port + 1)"
    }

    /// Splits `tcp://host:port`.
    public static func split(_ endpoint: String) throws -> (host: String, port: Int) {
        guard endpoint.hasPrefix("tcp://"),
            let colon = endpoint.lastIndex(of: ":"),
            colon > endpoint.index(endpoint.startIndex, offsetBy: 6),
            let port = Int(endpoint[endpoint.index(after: colon)...]),
            port > 0, port < 65535
        else { throw Invalid(endpoint: endpoint) }
        let host = String(endpoint[endpoint.index(endpoint.startIndex, offsetBy: 6)..<colon])
        return (host, port)
    }
}
