import Foundation

/// What a subscriber knows about one producer's stream, and what it should do next.
///
/// A pure state machine: the caller feeds it what arrived and performs the actions it returns.
/// It applies each producer's messages strictly in sequence: anything ahead of the cursor is
/// fetched again by replay rather than held, and anything at or behind it is a duplicate.
public struct SubscriptionState: Sendable, Equatable {
    /// The last sequence decided to be applied (the inbox commits it with the batch).
    public private(set) var cursor: Int64
    /// The highest head sequence the producer has told us of.
    public private(set) var knownHead: Int64
    /// Whether the producer has answered (heartbeat or replay end) since we started.
    public private(set) var heardFromProducer = false
    /// How many times anything (a message, a heartbeat, a replay's end) came from the producer:
    /// readiness tells a silent producer from a live one by whether this moves.
    public private(set) var heardCount = 0
    private var phase: Phase

    /// How long a replay request may go unanswered before it is sent again.
    public static let replayTimeout: TimeInterval = 2

    private enum Phase: Sendable, Equatable {
        case idle
        case replaying(after: Int64, requestedAt: Date)
        case live
    }

    /// What to do with one received message.
    public enum Decision: Sendable, Equatable {
        /// Apply it: it is the next in sequence.
        case apply
        /// Drop it: already applied (or decided).
        case duplicate
        /// Drop it: it is ahead of the cursor and a replay will bring it in order.
        case awaitReplay
        /// Drop it and ask for everything after `after`: a gap was found.
        case requestReplay(after: Int64)
    }

    /// An action that the caller performs.
    public enum Action: Sendable, Equatable {
        /// Nothing to do.
        case none
        /// Send a replay request for everything after `after`.
        case requestReplay(after: Int64)
        /// The producer no longer holds `from...through` (outbox retention): record the loss and
        /// move the cursor past it, then ask for the rest after `through`.
        case skipLost(from: Int64, through: Int64)
    }

    /// Starts from the inbox's last applied sequence.
    public init(cursor: Int64) {
        self.cursor = cursor
        self.knownHead = cursor
        self.phase = .idle
    }

    /// True when the subscriber has heard from the producer and applied everything it announced.
    public var isCaughtUp: Bool {
        heardFromProducer && cursor >= knownHead && phase == .live
    }

    /// The number of announced messages not yet applied.
    public var lag: Int64 { max(0, knownHead - cursor) }

    /// Called once the SUB socket is subscribed: ask for everything missed while away.
    public mutating func start(now: Date) -> Action {
        phase = .replaying(after: cursor, requestedAt: now)
        return .requestReplay(after: cursor)
    }

    /// Called for each message, live or replayed, in arrival order.
    public mutating func received(sequence: Int64, replayed: Bool, now: Date) -> Decision {
        heardCount &+= 1
        knownHead = max(knownHead, sequence)
        if sequence <= cursor { return .duplicate }
        if sequence == cursor + 1 {
            cursor = sequence
            return .apply
        }
        switch phase {
        case .replaying, .idle:
            return .awaitReplay
        case .live:
            phase = .replaying(after: cursor, requestedAt: now)
            return .requestReplay(after: cursor)
        }
    }

    /// Called for each heartbeat.
    public mutating func heartbeat(head: Int64, now: Date) -> Action {
        heardFromProducer = true
        heardCount &+= 1
        knownHead = max(knownHead, head)
        guard case .live = phase, head > cursor else { return .none }
        phase = .replaying(after: cursor, requestedAt: now)
        return .requestReplay(after: cursor)
    }

    /// Called when a replay reply ends.
    public mutating func replayEnded(head: Int64, firstAvailable: Int64, now: Date) -> Action {
        heardFromProducer = true
        heardCount &+= 1
        knownHead = max(knownHead, head)
        if cursor + 1 < firstAvailable && firstAvailable <= head + 1 {
            let lost = (from: cursor + 1, through: firstAvailable - 1)
            cursor = lost.through
            phase = .replaying(after: cursor, requestedAt: now)
            return .skipLost(from: lost.from, through: lost.through)
        }
        if cursor < knownHead {
            phase = .replaying(after: cursor, requestedAt: now)
            return .requestReplay(after: cursor)
        }
        phase = .live
        return .none
    }

    /// Called when the producer could not parse our request (should not happen): try again later.
    public mutating func replayFailed(now: Date) -> Action {
        phase = .replaying(after: cursor, requestedAt: now - Self.replayTimeout / 2)
        return .none
    }

    /// Called regularly: re-sends a replay request that went unanswered (the producer restarted).
    public mutating func tick(now: Date) -> Action {
        guard case .replaying(_, let requestedAt) = phase,
            now.timeIntervalSince(requestedAt) >= Self.replayTimeout
        else { return .none }
        phase = .replaying(after: cursor, requestedAt: now)
        return .requestReplay(after: cursor)
    }

    /// Called when a batch failed to commit: start again from what the inbox really holds.
    public mutating func reset(cursor: Int64, now: Date) -> Action {
        self.cursor = cursor
        phase = .replaying(after: cursor, requestedAt: now)
        return .requestReplay(after: cursor)
    }
}
