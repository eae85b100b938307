import Foundation
import GRDB

/// One item of a batch the subscriber hands to the inbox, in arrival order.
public enum InboxItem: Sendable {
    /// The next message of its producer's stream.
    case message(DecodedMessage)
    /// A frame that could not be read at all; stored for inspection, the stream does not move.
    case malformed(producer: String, reason: String, bytes: [UInt8])
    /// Messages the producer no longer holds: recorded as lost, the cursor moves past them.
    case lost(producer: String, from: Int64, through: Int64)
}

/// What one batch did, for metrics and logs.
public struct InboxReport: Sendable, Equatable {
    /// Messages whose effects were written, by type.
    public var applied: [String: Int] = [:]
    /// Messages nobody here handles (skipped, counted), by type.
    public var skipped: [String: Int] = [:]
    /// Messages already applied before, dropped.
    public var duplicates = 0
    /// Messages parked in this batch, by type.
    public var parked: [String: Int] = [:]
    /// Parked messages applied on retry, by type.
    public var unparked: [String: Int] = [:]
    /// Messages dead-lettered, by type (`malformed` for unreadable frames).
    public var deadLettered: [String: Int] = [:]
    /// Dead letters with their reasons, for the log.
    public var deadLetterReasons: [String] = []
    /// Each producer's cursor after the batch.
    public var cursors: [String: Int64] = [:]
    /// Sequences of messages found ahead of the stored cursor (only after a concurrent writer).
    public var outOfOrder = 0
}

/// The idempotent inbox: applies each producer's messages once, in order, in the same transaction
/// as the handlers' writes, parking what cannot be applied yet and dead-lettering poison.
public struct Inbox: Sendable {
    private let registry: HandlerRegistry
    private let now: @Sendable () -> Date

    /// Creates an inbox over `registry`.
    public init(registry: HandlerRegistry, now: @escaping @Sendable () -> Date) {
        self.registry = registry
        self.now = now
    }

    /// The last applied sequence of `producer`.
    public static func appliedThrough(_ db: Database, producer: String) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT applied_through FROM bus_inbox WHERE producer = ?"), arguments: [producer]) ?? 0
    }

    /// Applies `items` in one transaction on `writer`, then retries parked messages.
    ///
    /// The common batch, where every message applies, runs without a savepoint per message; if
    /// any message parks or fails, that transaction is rolled back and the batch is applied
    /// again with a savepoint around each message, so only that message's writes are undone.
    public func apply(_ items: [InboxItem], on writer: some DatabaseWriter, decoder: JSONDecoder) throws -> InboxReport {
        do {
            return try writer.write { db in try apply(items, in: db, decoder: decoder, isolateEachMessage: false) }
        } catch is NeedsIsolation {
            return try writer.write { db in try apply(items, in: db, decoder: decoder, isolateEachMessage: true) }
        }
    }

    /// Thrown inside the optimistic pass to start again with a savepoint per message.
    private struct NeedsIsolation: Error {}

    /// Applies `items` inside the caller's transaction, each message in its own savepoint.
    public func apply(_ items: [InboxItem], in db: Database, decoder: JSONDecoder) throws -> InboxReport {
        try apply(items, in: db, decoder: decoder, isolateEachMessage: true)
    }

    private func apply(_ items: [InboxItem], in db: Database, decoder: JSONDecoder, isolateEachMessage: Bool) throws -> InboxReport {
        var report = InboxReport()
        var cursors: [String: Int64] = [:]
        func cursor(_ producer: String) throws -> Int64 {
            if let known = cursors[producer] { return known }
            let stored = try Self.appliedThrough(db, producer: producer)
            cursors[producer] = stored
            return stored
        }
        let timestamp = Int64(now().timeIntervalSince1970 * 1000)
        var anyApplied = false
        for item in items {
            switch item {
            case .malformed(let producer, let reason, let bytes):
                try deadLetter(db, producer: producer, sequence: nil, type: nil, bytes: bytes, reason: reason, at: timestamp)
                report.deadLettered["malformed", default: 0] += 1
                report.deadLetterReasons.append(reason)
            case .lost(let producer, let from, let through):
                let current = try cursor(producer)
                guard through > current else { continue }
                try deadLetter(
                    db,
                    producer: producer,
                    sequence: from,
                    type: nil,
                    bytes: [],
                    reason: "messages \(from)...\(through) are no longer in the producer's outbox",
                    at: timestamp
                )
                cursors[producer] = through
                report.deadLettered["lost", default: 0] += Int(through - max(from, current + 1) + 1)
            case .message(let message):
                let current = try cursor(message.producer)
                if message.sequence <= current {
                    report.duplicates += 1
                    continue
                }
                if message.sequence != current + 1 {
                    // Another writer moved the cursor, or a gap slipped through: never apply out
                    // of order; the subscriber will replay from the stored cursor.
                    report.outOfOrder += 1
                    continue
                }
                cursors[message.producer] = message.sequence
                let result = isolateEachMessage ? try handle(message, in: db) : try handleOptimistically(message, in: db)
                switch result {
                case .applied(let wrote):
                    if wrote {
                        report.applied[message.type, default: 0] += 1
                        anyApplied = true
                    } else {
                        report.skipped[message.type, default: 0] += 1
                    }
                case .parked(let reason):
                    try db.execute(
                        sql: """
                            INSERT OR IGNORE INTO bus_parked (producer, sequence, type, envelope, reason, parked_at, attempts)
                            VALUES (?, ?, ?, ?, ?, ?, 1)
                            """,
                        arguments: [message.producer, message.sequence, message.type, Data(message.envelope), reason, timestamp]
                    )
                    report.parked[message.type, default: 0] += 1
                case .poison(let reason):
                    try deadLetter(
                        db,
                        producer: message.producer,
                        sequence: message.sequence,
                        type: message.type,
                        bytes: message.envelope,
                        reason: reason,
                        at: timestamp
                    )
                    report.deadLettered[message.type, default: 0] += 1
                    report.deadLetterReasons.append("\(message.producer)#\(message.sequence) \(message.type): \(reason)")
                }
            }
        }
        for (producer, sequence) in cursors {
            try db.cachedStatement(
                sql: """
                    INSERT INTO bus_inbox (producer, applied_through, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT (producer) DO UPDATE SET applied_through = excluded.applied_through, updated_at = excluded.updated_at
                    """
            ).execute(arguments: [producer, sequence, timestamp])
        }
        report.cursors = cursors
        if anyApplied, try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM bus_parked)")) == true {
            try retryParked(in: db, decoder: decoder, at: timestamp, report: &report)
        }
        return report
    }

    private enum Result {
        case applied(wrote: Bool)
        case parked(String)
        case poison(String)
    }

    /// Applies without a savepoint; anything but success asks for the isolated pass.
    private func handleOptimistically(_ message: DecodedMessage, in db: Database) throws -> Result {
        if let poison = message.poison { return .poison(poison) }
        guard let apply = message.apply else { return .applied(wrote: false) }
        let outcome: HandlingOutcome
        do {
            outcome = try apply(db)
        } catch {
            throw NeedsIsolation()
        }
        guard outcome == .applied else { throw NeedsIsolation() }
        return .applied(wrote: true)
    }

    private func handle(_ message: DecodedMessage, in db: Database) throws -> Result {
        if let poison = message.poison { return .poison(poison) }
        guard let apply = message.apply else { return .applied(wrote: false) }
        var outcome = HandlingOutcome.applied
        do {
            try db.inSavepoint {
                outcome = try apply(db)
                return outcome == .applied ? .commit : .rollback
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL || error.resultCode == .SQLITE_IOERR {
            throw error  // the disk, not the message: fail the batch and retry it
        } catch {
            return .poison(String(describing: error))
        }
        switch outcome {
        case .applied: return .applied(wrote: true)
        case .parked(let reason): return .parked(reason)
        }
    }

    /// Retries every parked message, oldest first, until a pass applies none.
    private func retryParked(in db: Database, decoder: JSONDecoder, at timestamp: Int64, report: inout InboxReport) throws {
        var progress = true
        while progress {
            progress = false
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT producer, sequence, type, envelope FROM bus_parked ORDER BY parked_at, producer, sequence"
            )
            for row in rows {
                let producer: String = row["producer"]
                let sequence: Int64 = row["sequence"]
                let type: String = row["type"]
                let bytes = [UInt8]((row["envelope"] as Data))
                let message: DecodedMessage
                do {
                    message = try registry.decode(type: type, envelope: bytes, decoder: decoder)
                } catch {
                    message = DecodedMessage(
                        producer: producer,
                        sequence: sequence,
                        id: UUID(),
                        type: type,
                        envelope: bytes,
                        apply: nil,
                        poison: "unreadable on retry: \(error)"
                    )
                }
                switch try handle(message, in: db) {
                case .applied:
                    try db.execute(sql: "DELETE FROM bus_parked WHERE producer = ? AND sequence = ?", arguments: [producer, sequence])
                    report.unparked[type, default: 0] += 1
                    progress = true
                case .parked(let reason):
                    try db.execute(
                        sql: "UPDATE bus_parked SET attempts = attempts + 1, reason = ? WHERE producer = ? AND sequence = ?",
                        arguments: [reason, producer, sequence]
                    )
                case .poison(let reason):
                    try db.execute(sql: "DELETE FROM bus_parked WHERE producer = ? AND sequence = ?", arguments: [producer, sequence])
                    try deadLetter(db, producer: producer, sequence: sequence, type: type, bytes: bytes, reason: reason, at: timestamp)
                    report.deadLettered[type, default: 0] += 1
                    report.deadLetterReasons.append("\(producer)#\(sequence) \(type): \(reason)")
                }
            }
        }
    }

    private func deadLetter(
        _ db: Database,
        producer: String?,
        sequence: Int64?,
        type: String?,
        bytes: [UInt8],
        reason: String,
        at timestamp: Int64
    ) throws {
        // Keep enough of a bad frame to diagnose it without letting garbage fill the disk.
        let kept = bytes.count > 4096 ? Array(bytes.prefix(4096)) : bytes
        try db.execute(
            sql: "INSERT INTO bus_dead_letter (producer, sequence, type, envelope, reason, received_at) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [producer, sequence, type, Data(kept), String(reason.prefix(2000)), timestamp]
        )
    }

    /// Parked messages: how many, and when the oldest was parked.
    public static func parkedSummary(_ db: Database) throws -> (count: Int, oldest: Date?) {
        let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, MIN(parked_at) AS oldest FROM bus_parked")
        let oldest: Int64? = row?["oldest"]
        return (row?["n"] ?? 0, oldest.map { Date(timeIntervalSince1970: Double($0) / 1000) })
    }
}
