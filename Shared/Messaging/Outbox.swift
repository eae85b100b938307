import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// Wakes a thread that waits in `poll`: a non-blocking pipe that any thread may signal.
public final class Wakeup: Sendable {
    /// The descriptor to poll for readability.
    public let fileDescriptor: Int32
    private let writeDescriptor: Int32

    /// Opens the pipe.
    public init() {
        var fds: [Int32] = [0, 0]
        let rc = pipe(&fds)
        precondition(rc == 0, "pipe failed: errno \(errno)")
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        fileDescriptor = fds[0]
        writeDescriptor = fds[1]
    }

    /// Makes the descriptor readable until ``drain()``. A full pipe already is.
    public func wake() {
        var one: UInt8 = 1
        _ = write(writeDescriptor, &one, 1)
    }

    /// Resets the descriptor after a wake-up was seen.
    public func drain() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(fileDescriptor, &buffer, buffer.count) > 0 {}
    }

    deinit {
        close(fileDescriptor)
        close(writeDescriptor)
    }
}

/// Writes messages into the service's outbox inside the caller's transaction, so that a message
/// exists if and only if the change it describes was committed.
public struct Outbox: Sendable {
    /// The producing service's name, stamped on every envelope.
    public let producer: String
    private let now: @Sendable () -> Date
    /// Signalled after each commit that added messages.
    public let wakeup: Wakeup

    /// Creates an outbox for `producer`. `wakeup` is signalled after each commit that added
    /// messages, so the relay publishes them at once.
    public init(producer: String, now: @escaping @Sendable () -> Date, wakeup: Wakeup) {
        self.producer = producer
        self.now = now
        self.wakeup = wakeup
    }

    /// Appends `message` with the producer's next sequence. Must run inside a write transaction.
    ///
    /// - Parameters:
    ///   - correlationId: the business flow's id; a new flow starts when nil.
    ///   - causationId: the id of the message being handled, when this one is its consequence.
    /// - Returns: the envelope as it will be published.
    @discardableResult
    public func append<M: BusMessage>(
        _ message: M, in db: Database, correlationId: UUID? = nil, causationId: UUID? = nil
    ) throws -> Envelope<M> {
        guard let sequence = try Int64.fetchOne(
            db, sql: "UPDATE bus_producer SET last_sequence = last_sequence + 1 WHERE id = 1 RETURNING last_sequence")
        else { throw DatabaseError(message: "bus_producer row is missing: the bus migrations did not run") }
        let id = UUID()
        let envelope = Envelope(
            id: id, type: M.type, version: M.version, producer: producer, sequence: sequence,
            occurredAt: now(), correlationId: correlationId ?? id, causationId: causationId, payload: message)
        let bytes = try BusJSON.encoder().encode(envelope)
        try db.execute(
            sql: "INSERT INTO bus_outbox (sequence, message_id, type, envelope, occurred_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [sequence, id.uuidString.lowercased(), M.type, bytes, Int64(envelope.occurredAt.timeIntervalSince1970 * 1000)])
        let wakeup = self.wakeup
        db.afterNextTransaction(onCommit: { _ in wakeup.wake() })
        return envelope
    }
}

/// One stored outbox message, exactly as it is published.
public struct OutboxEntry: Sendable, Equatable {
    /// Its sequence.
    public var sequence: Int64
    /// Its type, the topic frame.
    public var type: String
    /// The encoded envelope, the second frame.
    public var envelope: [UInt8]

    /// Creates an entry.
    public init(sequence: Int64, type: String, envelope: [UInt8]) {
        self.sequence = sequence
        self.type = type
        self.envelope = envelope
    }
}

/// Reads and prunes the outbox.
public enum OutboxStore {
    /// The latest committed sequence and the relay's published-through mark.
    public static func marks(_ db: Database) throws -> (head: Int64, publishedThrough: Int64) {
        let row = try Row.fetchOne(db, sql: "SELECT last_sequence, published_through FROM bus_producer WHERE id = 1")
        return (row?["last_sequence"] ?? 0, row?["published_through"] ?? 0)
    }

    /// Up to `limit` entries after `sequence`, in order.
    public static func entries(_ db: Database, after sequence: Int64, limit: Int) throws -> [OutboxEntry] {
        let rows = try Row.fetchCursor(
            db, sql: "SELECT sequence, type, envelope FROM bus_outbox WHERE sequence > ? ORDER BY sequence LIMIT ?",
            arguments: [sequence, limit])
        var entries: [OutboxEntry] = []
        entries.reserveCapacity(limit)
        while let row = try rows.next() {
            let data: Data = row["envelope"]
            entries.append(OutboxEntry(sequence: row["sequence"], type: row["type"], envelope: [UInt8](data)))
        }
        return entries
    }

    /// The oldest sequence still stored, if any.
    public static func firstSequence(_ db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT MIN(sequence) FROM bus_outbox")
    }

    /// Records how far the relay has published (never moves backwards).
    public static func setPublishedThrough(_ db: Database, _ sequence: Int64) throws {
        try db.execute(
            sql: "UPDATE bus_producer SET published_through = MAX(published_through, ?) WHERE id = 1",
            arguments: [sequence])
    }

    /// Deletes messages that occurred before `cutoff`. Returns how many went.
    @discardableResult
    public static func prune(_ db: Database, occurredBefore cutoff: Date) throws -> Int {
        try db.execute(
            sql: "DELETE FROM bus_outbox WHERE occurred_at < ?",
            arguments: [Int64(cutoff.timeIntervalSince1970 * 1000)])
        return db.changesCount
    }
}
