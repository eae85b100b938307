import Foundation
import Synchronization

/// What `/ready` and `/metrics` need to know about the bus, updated by its threads.
public final class BusStatus: Sendable {
    /// One producer as this subscriber sees it.
    public struct Peer: Sendable, Equatable {
        /// Last applied sequence.
        public var appliedThrough: Int64 = 0
        /// Highest head sequence announced.
        public var knownHead: Int64 = 0
        /// Whether the producer has been heard from and everything announced is applied.
        public var caughtUp = false
        /// Whether the producer has been heard from at all.
        public var heard = false
        /// How many times the producer has been heard from (see `SubscriptionState.heardCount`).
        public var heardCount = 0
    }

    /// A producer silent this long (it heartbeats every second) is taken to be unreachable: it is
    /// named in `/ready`'s body but does not hold readiness back (`../spec/operations.md`).
    public static let silenceBeforeUnreachable: Duration = .seconds(5)

    private struct State {
        var publisherBound = false
        var publishedThrough: Int64 = 0
        var committedHead: Int64 = 0
        var peers: [String: Peer] = [:]
        /// When each peer's `heardCount` last moved (monotonic: this is about liveness, not
        /// about the domain's time).
        var lastHeard: [String: ContinuousClock.Instant] = [:]
        var started = ContinuousClock.now
        var warnings: [String] = []
    }
    private let state: Mutex<State>

    /// Creates a status expecting `peers`.
    public init(peers: [String]) {
        var initial = State()
        for peer in peers { initial.peers[peer] = Peer() }
        state = Mutex(initial)
    }

    /// Adds a standing warning that `/ready` shows without being held back by it (for example,
    /// a bus published beyond this machine without CurveZMQ).
    public func warn(_ warning: String) { state.withLock { $0.warnings.append(warning) } }

    /// The standing warnings.
    public var warnings: [String] { state.withLock { $0.warnings } }

    /// Records that the publisher's sockets are bound (or closed).
    public func publisherBound(_ bound: Bool) { state.withLock { $0.publisherBound = bound } }

    /// Records the relay's progress.
    public func published(through: Int64, head: Int64) {
        state.withLock {
            $0.publishedThrough = through
            $0.committedHead = head
        }
    }

    /// Records a subscriber's progress with `peer`.
    public func update(peer: String, _ value: Peer) {
        state.withLock {
            if value.heardCount != $0.peers[peer]?.heardCount ?? 0 { $0.lastHeard[peer] = .now }
            $0.peers[peer] = value
        }
    }

    /// The peers silent for longer than ``silenceBeforeUnreachable``, with how long.
    public func unreachablePeers() -> [String: Duration] {
        state.withLock { state in
            var silent: [String: Duration] = [:]
            let now = ContinuousClock.now
            for name in state.peers.keys {
                let quiet = now - (state.lastHeard[name] ?? state.started)
                if quiet > Self.silenceBeforeUnreachable { silent[name] = quiet }
            }
            return silent
        }
    }

    /// A snapshot.
    public var snapshot: (publisherBound: Bool, publishedThrough: Int64, committedHead: Int64, peers: [String: Peer]) {
        state.withLock { ($0.publisherBound, $0.publishedThrough, $0.committedHead, $0.peers) }
    }

    /// The reasons the bus is not ready; empty when it is.
    public func notReadyReasons() -> [String] {
        let snapshot = self.snapshot
        let unreachable = unreachablePeers()
        var reasons: [String] = []
        if !snapshot.publisherBound { reasons.append("the bus publisher is not bound") }
        for (name, peer) in snapshot.peers.sorted(by: { $0.key < $1.key }) where unreachable[name] == nil {
            if !peer.heard {
                reasons.append("not yet heard from \(name)")
            } else if !peer.caughtUp {
                reasons.append("catching up with \(name): applied \(peer.appliedThrough) of \(peer.knownHead)")
            }
        }
        return reasons
    }
}
