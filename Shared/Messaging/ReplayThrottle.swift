import Foundation

/// How often each replay client is served: a token bucket per routing identity, so that one
/// client (or a hostile one) cannot keep the producer reading its outbox in a loop.
///
/// A request over the rate is not refused: the latest one from that client waits its turn (an
/// earlier waiting one is replaced, since a subscriber only ever needs its newest request), so a
/// subscriber catching up is slowed, never broken. Pure: the caller passes the time.
public struct ReplayThrottle<Call> {
    /// Requests served per second per client once its burst is spent.
    public static var perSecond: Int { 5 }
    /// Requests a client may make at once after a quiet spell: a catch-up of 100,000 messages
    /// (a subscriber restored from a backup) runs at full speed.
    public static var burst: Int { 100 }
    /// Clients tracked at once; beyond that a new client is refused until others go quiet.
    public static var maximumClients: Int { 1024 }
    /// The replay socket's send high-water mark per client: about two full replies.
    public static var sendHighWaterMark: Int32 { 2_500 }

    private struct Client {
        /// Thousandths of a request.
        var tokens: Int64
        var refilledAt: Int64
        var waiting: Call?
    }
    private var clients: [[UInt8]: Client] = [:]

    /// What to do with a request that arrived.
    public enum Arrival {
        /// Serve it now.
        case serve(Call)
        /// It waits; nothing to do now.
        case wait
        /// Too many clients: refuse it.
        case refuse(Call)
    }

    /// Creates an empty throttle.
    public init() {}

    /// Registers `call` from `identity` at `millis` (a monotonic clock in milliseconds).
    public mutating func arrive(_ call: Call, identity: [UInt8], at millis: Int64) -> Arrival {
        if clients[identity] == nil {
            if clients.count >= Self.maximumClients { forgetIdle(at: millis) }
            guard clients.count < Self.maximumClients else { return .refuse(call) }
            clients[identity] = Client(tokens: Int64(Self.burst) * 1000, refilledAt: millis, waiting: nil)
        }
        var client = clients[identity]!
        refill(&client, at: millis)
        defer { clients[identity] = client }
        if client.waiting == nil && client.tokens >= 1000 {
            client.tokens -= 1000
            return .serve(call)
        }
        client.waiting = call
        return .wait
    }

    /// The waiting requests whose turn has come, each taking its token.
    public mutating func due(at millis: Int64) -> [Call] {
        var ready: [Call] = []
        for identity in clients.keys {
            guard var client = clients[identity], let call = client.waiting else { continue }
            refill(&client, at: millis)
            if client.tokens >= 1000 {
                client.tokens -= 1000
                client.waiting = nil
                ready.append(call)
            }
            clients[identity] = client
        }
        return ready
    }

    /// Milliseconds until the next waiting request is due, or nil when none waits.
    public func millisecondsUntilDue(at millis: Int64) -> Int64? {
        var soonest: Int64?
        for client in clients.values where client.waiting != nil {
            let tokens = client.tokens + (millis - client.refilledAt) * Int64(Self.perSecond)
            let wait = tokens >= 1000 ? 0 : (1000 - tokens + Int64(Self.perSecond) - 1) / Int64(Self.perSecond)
            soonest = min(soonest ?? wait, wait)
        }
        return soonest
    }

    /// How many clients are tracked.
    public var clientCount: Int { clients.count }

    private func refill(_ client: inout Client, at millis: Int64) {
        let elapsed = max(0, millis - client.refilledAt)
        client.tokens = min(Int64(Self.burst) * 1000, client.tokens + elapsed * Int64(Self.perSecond))
        client.refilledAt = millis
    }

    private mutating func forgetIdle(at millis: Int64) {
        for (identity, var client) in clients where client.waiting == nil {
            refill(&client, at: millis)
            if client.tokens >= Int64(Self.burst) * 1000 { clients[identity] = nil }
        }
    }
}
