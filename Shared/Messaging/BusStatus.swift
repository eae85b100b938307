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
    }

    private struct State {
        var publisherBound = false
        var publishedThrough: Int64 = 0
        var committedHead: Int64 = 0
        var peers: [String: Peer] = [:]
    }
    private let state: Mutex<State>

    /// Creates a status expecting `peers`.
    public init(peers: [String]) {
        var initial = State()
        for peer in peers { initial.peers[peer] = Peer() }
        state = Mutex(initial)
    }

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
    public func update(peer: String, _ value: Peer) { state.withLock { $0.peers[peer] = value } }

    /// A snapshot.
    public var snapshot: (publisherBound: Bool, publishedThrough: Int64, committedHead: Int64, peers: [String: Peer]) {
        state.withLock { ($0.publisherBound, $0.publishedThrough, $0.committedHead, $0.peers) }
    }

    /// The reasons the bus is not ready; empty when it is.
    public func notReadyReasons() -> [String] {
        let snapshot = self.snapshot
        var reasons: [String] = []
        if !snapshot.publisherBound { reasons.append("the bus publisher is not bound") }
        for (name, peer) in snapshot.peers.sorted(by: { $0.key < $1.key }) {
            if !peer.heard {
                reasons.append("not yet heard from \(name)")
            } else if !peer.caughtUp {
                reasons.append("catching up with \(name): applied \(peer.appliedThrough) of \(peer.knownHead)")
            }
        }
        return reasons
    }
}
