import Foundation
import Messaging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The bus in one process, for service tests: PUB/SUB and replay semantics like ZeroMQ's
/// (a subscriber that is not connected when a message is published never sees it live, and a
/// full subscriber queue drops), so the same conformance suite passes against both.
public final class InMemoryBus: BusTransport {
    private struct Publisher {
        var requests: [ReplayCall] = []
        var signal: Wakeup
    }
    private struct Subscriber {
        var endpoint: String
        var live: [[[UInt8]]] = []
        var replies: [[[UInt8]]] = []
        var signal: Wakeup
    }
    private struct State {
        var publishers: [String: Publisher] = [:]
        var subscribers: [Int: Subscriber] = [:]
        var nextID = 1
    }
    private let state = Mutex(State())
    /// How many messages a subscriber's live queue holds before it drops (like a high-water mark).
    public let highWaterMark: Int

    /// Creates an empty bus.
    public init(highWaterMark: Int = 100_000) {
        self.highWaterMark = highWaterMark
    }

    public func bindPublisher(at endpoint: String) throws -> any PublisherEndpoint {
        let signal = Wakeup()
        try state.withLock { state in
            guard state.publishers[endpoint] == nil else { throw InMemoryBusError.addressInUse(endpoint) }
            state.publishers[endpoint] = Publisher(signal: signal)
        }
        return InMemoryPublisher(bus: self, endpoint: endpoint, signal: signal)
    }

    public func connectSubscriber(to peer: BusPeer) throws -> any SubscriberEndpoint {
        let signal = Wakeup()
        let id = state.withLock { state -> Int in
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = Subscriber(endpoint: peer.endpoint, signal: signal)
            return id
        }
        return InMemorySubscriber(bus: self, id: id, endpoint: peer.endpoint, signal: signal)
    }

    fileprivate func publish(from endpoint: String, frames: [[UInt8]]) {
        let signals = state.withLock { state -> [Wakeup] in
            var signals: [Wakeup] = []
            for (id, subscriber) in state.subscribers where subscriber.endpoint == endpoint {
                guard subscriber.live.count < highWaterMark else { continue }
                state.subscribers[id]?.live.append(frames)
                signals.append(subscriber.signal)
            }
            return signals
        }
        for signal in signals { signal.wake() }
    }

    fileprivate func request(to endpoint: String, from id: Int, frames: [[UInt8]]) {
        let signal = state.withLock { state -> Wakeup? in
            guard state.publishers[endpoint] != nil else { return nil }  // nobody bound: dropped
            state.publishers[endpoint]?.requests.append(ReplayCall(identity: Array("\(id)".utf8), frames: frames))
            return state.publishers[endpoint]?.signal
        }
        signal?.wake()
    }

    fileprivate func takeRequests(_ endpoint: String) -> [ReplayCall] {
        state.withLock { state in
            defer { state.publishers[endpoint]?.requests = [] }
            return state.publishers[endpoint]?.requests ?? []
        }
    }

    fileprivate func reply(to identity: [UInt8], frames: [[UInt8]]) {
        guard let id = Int(String(decoding: identity, as: UTF8.self)) else { return }
        let signal = state.withLock { state -> Wakeup? in
            state.subscribers[id]?.replies.append(frames)
            return state.subscribers[id]?.signal
        }
        signal?.wake()
    }

    fileprivate func take(_ id: Int, maximum: Int) -> [ReceivedFrames] {
        state.withLock { state in
            guard var subscriber = state.subscribers[id] else { return [] }
            var out: [ReceivedFrames] = []
            let replies = subscriber.replies.prefix(maximum)
            out.append(contentsOf: replies.map { ReceivedFrames(frames: $0, replayed: true) })
            subscriber.replies.removeFirst(replies.count)
            let live = subscriber.live.prefix(maximum - out.count)
            out.append(contentsOf: live.map { ReceivedFrames(frames: $0, replayed: false) })
            subscriber.live.removeFirst(live.count)
            state.subscribers[id] = subscriber
            return out
        }
    }

    fileprivate func unbind(_ endpoint: String) {
        _ = state.withLock { $0.publishers.removeValue(forKey: endpoint) }
    }

    fileprivate func disconnect(_ id: Int) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: id) }
    }
}

/// Mistakes in using the in-memory bus.
public enum InMemoryBusError: Error {
    /// Two publishers at one endpoint.
    case addressInUse(String)
}

/// Waits until one of `descriptors` is readable or `timeoutMilliseconds` pass.
private func waitReadable(_ descriptors: [Int32], timeoutMilliseconds: Int) {
    var fds = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    _ = poll(&fds, nfds_t(fds.count), Int32(timeoutMilliseconds))
}

private final class InMemoryPublisher: PublisherEndpoint {
    let bus: InMemoryBus
    let endpoint: String
    let signal: Wakeup

    init(bus: InMemoryBus, endpoint: String, signal: Wakeup) {
        self.bus = bus
        self.endpoint = endpoint
        self.signal = signal
    }

    func publish(topic: [UInt8], body: [UInt8]) throws {
        bus.publish(from: endpoint, frames: [topic, body])
    }

    func waitForRequests(timeoutMilliseconds: Int, wakeup: Wakeup) throws -> [ReplayCall] {
        signal.drain()
        var calls = bus.takeRequests(endpoint)
        if calls.isEmpty && timeoutMilliseconds > 0 {
            waitReadable([signal.fileDescriptor, wakeup.fileDescriptor], timeoutMilliseconds: timeoutMilliseconds)
            signal.drain()
            wakeup.drain()
            calls = bus.takeRequests(endpoint)
        }
        return calls
    }

    func reply(to identity: [UInt8], frames: [[UInt8]]) throws {
        bus.reply(to: identity, frames: frames)
    }

    func close() { bus.unbind(endpoint) }
}

private final class InMemorySubscriber: SubscriberEndpoint {
    let bus: InMemoryBus
    let id: Int
    let endpoint: String
    let signal: Wakeup

    init(bus: InMemoryBus, id: Int, endpoint: String, signal: Wakeup) {
        self.bus = bus
        self.id = id
        self.endpoint = endpoint
        self.signal = signal
    }

    func receive(timeoutMilliseconds: Int, maximum: Int, wakeup: Wakeup) throws -> [ReceivedFrames] {
        signal.drain()
        var out = bus.take(id, maximum: maximum)
        if out.isEmpty && timeoutMilliseconds > 0 {
            waitReadable([signal.fileDescriptor, wakeup.fileDescriptor], timeoutMilliseconds: timeoutMilliseconds)
            signal.drain()
            wakeup.drain()
            out = bus.take(id, maximum: maximum)
        }
        return out
    }

    func requestReplay(_ request: [UInt8]) throws {
        bus.request(to: endpoint, from: id, frames: [request])
    }

    func close() { bus.disconnect(id) }
}
