import Foundation
import GRDB
import Synchronization

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
    /// messages (by ``OutboxCommitObserver``), so the relay publishes them at once.
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
        _ message: M,
        in db: Database,
        correlationId: UUID? = nil,
        causationId: UUID? = nil,
        occurredAt: Date? = nil
    ) throws -> Envelope<M> {
        // The next sequence follows the newest outbox row (the primary key's last entry, so
        // cheap); pruning always keeps that row, and `last_sequence` covers an empty outbox.
        // Writes are serialized, so this is gapless.
        let next = try db.cachedStatement(
            sql: "SELECT MAX(COALESCE((SELECT MAX(sequence) FROM bus_outbox), 0), last_sequence) + 1 FROM bus_producer WHERE id = 1"
        )
        guard let sequence = try Int64.fetchOne(next)
        else { throw DatabaseError(message: "bus_producer row is missing: the bus migrations did not run") }
        let id = UUID()
        let envelope = Envelope(
            id: id,
            type: M.type,
            version: M.version,
            producer: producer,
            sequence: sequence,
            occurredAt: occurredAt ?? now(),
            correlationId: correlationId ?? id,
            causationId: causationId,
            payload: message
        )
        let bytes = Data(try EnvelopeWriter.encode(envelope, payloadEncoder: BusJSON.envelopeEncoder()))
        try db.cachedStatement(
            sql: "INSERT INTO bus_outbox (sequence, message_id, type, envelope, occurred_at) VALUES (?, ?, ?, ?, ?)"
        ).execute(arguments: [sequence, id.uuidString.lowercased(), M.type, bytes, Int64(envelope.occurredAt.timeIntervalSince1970 * 1000)])
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
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT MAX(COALESCE((SELECT MAX(sequence) FROM bus_outbox), 0), last_sequence) AS head, published_through
                    FROM bus_producer WHERE id = 1
                    """
            )
        )
        return (row?["head"] ?? 0, row?["published_through"] ?? 0)
    }

    /// Up to `limit` entries after `sequence`, in order.
    public static func entries(_ db: Database, after sequence: Int64, limit: Int) throws -> [OutboxEntry] {
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT sequence, type, envelope FROM bus_outbox WHERE sequence > ? ORDER BY sequence LIMIT ?"),
            arguments: [sequence, limit]
        )
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
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT MIN(sequence) FROM bus_outbox"))
    }

    /// Records how far the relay has published (never moves backwards).
    public static func setPublishedThrough(_ db: Database, _ sequence: Int64) throws {
        try db.execute(
            sql: "UPDATE bus_producer SET published_through = MAX(published_through, ?) WHERE id = 1",
            arguments: [sequence]
        )
    }

    /// Deletes messages that occurred before `cutoff`. Returns how many went.
    /// The newest row is always kept (and the head saved in `last_sequence`), so that the next
    /// sequence continues from it.
    @discardableResult
    public static func prune(_ db: Database, occurredBefore cutoff: Date) throws -> Int {
        let head = try marks(db).head
        try db.execute(sql: "UPDATE bus_producer SET last_sequence = ? WHERE id = 1", arguments: [head])
        try db.execute(
            sql: "DELETE FROM bus_outbox WHERE occurred_at < ? AND sequence < ?",
            arguments: [Int64(cutoff.timeIntervalSince1970 * 1000), head]
        )
        return db.changesCount
    }
}

/// Wakes the relay once after each commit that inserted into the outbox. One observer for the
/// whole connection costs nothing per message, unlike a commit hook per appended message.
public final class OutboxCommitObserver: TransactionObserver, Sendable {
    private let wakeup: Wakeup
    private let dirty = Mutex(false)

    /// Creates an observer that signals `wakeup`.
    public init(wakeup: Wakeup) { self.wakeup = wakeup }

    public func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
        if case .insert(let table) = eventKind { return table == "bus_outbox" }
        return false
    }

    public func databaseDidChange(with event: DatabaseEvent) {
        dirty.withLock { $0 = true }
        stopObservingDatabaseChangesUntilNextTransaction()
    }

    public func databaseDidCommit(_ db: Database) {
        if dirty.withLock({ value -> Bool in
            defer { value = false }
            return value
        }) {
            wakeup.wake()
        }
    }

    public func databaseDidRollback(_ db: Database) {
        dirty.withLock { $0 = false }
    }
}
