import Foundation
import GRDB
import Logging
import Messaging
import Storage
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct OutboxAndInboxTests {
    @Test func concurrentWritersGetAGaplessSequence() async throws {
        let world = try BusWorld(.inMemory)
        let db = try world.database("producer")
        let outbox = Outbox(producer: "p", now: { Date() }, wakeup: Wakeup())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask { try await outbox.appendCounted((worker * 50 + 1)...(worker * 50 + 50), perTransaction: 3, to: db) }
            }
            try await group.waitForAll()
        }
        let sequences = try await db.read { try Int64.fetchAll($0, sql: "SELECT sequence FROM bus_outbox ORDER BY sequence") }
        #expect(sequences == Array(1...400))
        #expect(try await db.read { try OutboxStore.marks($0).head } == 400)
        world.folder.remove()
    }

    @Test func aCommitWakesTheRelayEvenAfterTheNodeThatWiredItIsGone() async throws {
        let world = try BusWorld(.inMemory)
        let db = try world.database("producer")
        let outbox = Outbox(producer: "p", now: { Date() }, wakeup: Wakeup())
        do {
            // A service keeps its node's services, not the node itself.
            _ = BusNode(
                settings: BusNode.Settings(name: "p", endpoint: "inproc://p", peers: []),
                database: db,
                transport: InMemoryBus(),
                handlers: [],
                logger: Logger(label: "t"),
                now: { Date() },
                outbox: outbox
            )
        }
        outbox.wakeup.drain()
        try await outbox.appendCounted(1...1, to: db)
        var descriptor = pollfd(fd: outbox.wakeup.fileDescriptor, events: Int16(POLLIN), revents: 0)
        // Readable at once: the relay publishes on commit, not on its next heartbeat.
        #expect(poll(&descriptor, 1, 0) == 1)
        world.folder.remove()
    }

    @Test func aRolledBackTransactionLeavesNoMessageAndNoGap() async throws {
        let world = try BusWorld(.inMemory)
        let db = try world.database("producer")
        let outbox = Outbox(producer: "p", now: { Date() }, wakeup: Wakeup())
        try await outbox.appendCounted(1...2, to: db)
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await db.write { db in
                try outbox.append(Counted(n: 3), in: db)
                throw Abort()
            }
        }
        try await outbox.appendCounted(4...4, to: db)
        let rows = try await db.read { try Row.fetchAll($0, sql: "SELECT sequence, envelope FROM bus_outbox ORDER BY sequence") }
        #expect(rows.map { $0["sequence"] as Int64 } == [1, 2, 3])
        let last = try BusJSON.decoder().decode(Envelope<Counted>.self, from: rows[2]["envelope"] as Data)
        #expect(last.payload.n == 4)
        #expect(last.producer == "p")
        world.folder.remove()
    }

    @Test func theEnvelopeHasTheWireFormat() throws {
        let envelope = Envelope(
            id: UUID(uuidString: "11111111-2222-3333-4444-555555555555")!,
            type: "test.counted",
            version: 1,
            producer: "claims-intake",
            sequence: 42,
            occurredAt: Date(timeIntervalSince1970: 1_777_713_300),
            correlationId: UUID(uuidString: "AAAAAAAA-2222-3333-4444-555555555555")!,
            causationId: nil,
            payload: Counted(n: 7, note: "x")
        )
        let json = String(decoding: try BusJSON.encoder().encode(envelope), as: UTF8.self)
        #expect(
            json
                == #"{"causation_id":null,"correlation_id":"aaaaaaaa-2222-3333-4444-555555555555","id":"11111111-2222-3333-4444-555555555555","occurred_at":"2026-05-02T09:15:00Z","payload":{"n":7,"note":"x"},"producer":"claims-intake","sequence":42,"type":"test.counted","version":1}"#
        )
    }

    @Test func theHandWrittenEnvelopeIsTheSameJSONAsTheEncoders() throws {
        let sorted = JSONEncoder()
        sorted.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for causation in [nil, UUID()] {
            let envelope = Envelope(
                id: UUID(),
                type: "test.counted",
                version: 2,
                producer: "pro\"ducer\\\n",
                sequence: 9_000_000_001,
                occurredAt: Date(timeIntervalSince1970: 1_790_000_000),
                correlationId: UUID(),
                causationId: causation,
                payload: Counted(n: -3, note: "a \"quote\", a / slash, \u{1} and é")
            )
            let written = try EnvelopeWriter.encode(envelope, payloadEncoder: sorted)
            #expect(String(decoding: written, as: UTF8.self) == String(decoding: try BusJSON.encoder().encode(envelope), as: UTF8.self))
            let back = try BusJSON.decoder().decode(Envelope<Counted>.self, from: Data(written))
            #expect(back.id == envelope.id && back.causationId == envelope.causationId && back.payload == envelope.payload)
            #expect(back.occurredAt == envelope.occurredAt && back.producer == envelope.producer)
        }
    }

    @Test func wireUUIDsRoundTripInEitherCaseAndRefuseAnythingElse() {
        for _ in 0..<100 {
            let uuid = UUID()
            #expect(WireUUID.parse(WireUUID.format(uuid)) == uuid)
            #expect(WireUUID.parse(uuid.uuidString) == uuid)
            #expect(WireUUID.format(uuid) == uuid.uuidString.lowercased())
        }
        for bad in [
            "", "not-a-uuid", "11111111-2222-3333-4444-55555555555", "11111111-2222-3333-4444-5555555555555",
            "111111112-222-3333-4444-555555555555", "g1111111-2222-3333-4444-555555555555",
        ] {
            #expect(WireUUID.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func wireDatesMatchFoundationsISO8601() throws {
        let samples: [TimeInterval] = [0, 951_782_400, 1_777_713_300, 4_102_444_799, -34_560_000]
        for seconds in samples {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(WireDate.format(date) == date.formatted(.iso8601))
            #expect(WireDate.parse(WireDate.format(date)) == date)
        }
        #expect(WireDate.parse("2026-05-02T09:15:00.250Z") == Date(timeIntervalSince1970: 1_777_713_300.25))
        #expect(WireDate.parse("2026-05-02T10:15:00+01:00") == Date(timeIntervalSince1970: 1_777_713_300))
        #expect(WireDate.parse("2026-13-02T09:15:00Z") == nil)
        #expect(WireDate.parse("yesterday") == nil)
    }

    func decoded(_ n: Int, sequence: Int64, producer: String = "p", type: String = Counted.type) throws -> InboxItem {
        let envelope = Envelope(
            id: UUID(),
            type: type,
            version: 1,
            producer: producer,
            sequence: sequence,
            occurredAt: Date(),
            correlationId: UUID(),
            causationId: nil,
            payload: Counted(n: n)
        )
        let bytes = Array(try BusJSON.encoder().encode(envelope))
        return .message(try HandlerRegistry(BusWorld.handlers(poison: 99)).decode(type: type, envelope: bytes, decoder: BusJSON.decoder()))
    }

    @Test func theInboxAppliesOnceSkipsUnknownTypesAndRecordsPoison() async throws {
        let world = try BusWorld(.inMemory)
        let db = try world.database("consumer")
        let inbox = Inbox(registry: HandlerRegistry(BusWorld.handlers(poison: 99)), now: { Date() })
        let first = try inbox.apply(
            [
                try decoded(1, sequence: 1), try decoded(2, sequence: 2), try decoded(0, sequence: 3, type: "test.unknown"),
                try decoded(99, sequence: 4),
            ],
            on: db,
            decoder: BusJSON.decoder()
        )
        #expect(first.applied[Counted.type] == 2)
        #expect(first.skipped["test.unknown"] == 1)
        #expect(first.deadLettered[Counted.type] == 1)
        #expect(first.cursors["p"] == 4)
        let again = try inbox.apply([try decoded(1, sequence: 1), try decoded(5, sequence: 5)], on: db, decoder: BusJSON.decoder())
        #expect(again.duplicates == 1)
        #expect(try BusWorld.appliedNumbers(db) == [1, 2, 5])
        world.folder.remove()
    }

    @Test func theInboxNeverAppliesAheadOfItsCursor() async throws {
        let world = try BusWorld(.inMemory)
        let db = try world.database("consumer")
        let inbox = Inbox(registry: HandlerRegistry(BusWorld.handlers()), now: { Date() })
        let report = try inbox.apply([try decoded(3, sequence: 3)], on: db, decoder: BusJSON.decoder())
        #expect(report.outOfOrder == 1)
        #expect(try BusWorld.appliedNumbers(db).isEmpty)
        world.folder.remove()
    }

    @Test func lostMessagesAreRecordedAndTheCursorMovesPastThem() async throws {
        let world = try BusWorld(.inMemory)
        let db = try world.database("consumer")
        let inbox = Inbox(registry: HandlerRegistry(BusWorld.handlers()), now: { Date() })
        _ = try inbox.apply([.lost(producer: "p", from: 1, through: 4), try decoded(5, sequence: 5)], on: db, decoder: BusJSON.decoder())
        #expect(try BusWorld.appliedNumbers(db) == [5])
        #expect(try await db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM bus_dead_letter") } == 1)
        world.folder.remove()
    }
}

@Suite struct StorageTests {
    @Test func aDatabaseOpensInWALWithFullSynchronousAndForeignKeys() throws {
        let folder = try TemporaryFolder("storage")
        defer { folder.remove() }
        let pool = try ServiceDatabase.open(path: folder.path("nested/db.sqlite"), migrator: BusWorld.migrator())
        let (mode, sync, fk) = try pool.writeWithoutTransaction { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                try Int.fetchOne(db, sql: "PRAGMA foreign_keys")
            )
        }
        #expect(mode == "wal")
        #expect(sync == 2)
        #expect(fk == 1)
    }

    @Test func aDatabaseFromANewerVersionIsRefusedWithAClearMessage() throws {
        let folder = try TemporaryFolder("storage")
        defer { folder.remove() }
        var newer = BusWorld.migrator()
        newer.registerMigration("from-the-future") { _ in }
        _ = try ServiceDatabase.open(path: folder.path("db.sqlite"), migrator: newer)
        #expect(throws: StorageError.newerSchema(path: folder.path("db.sqlite"), unknownMigrations: ["from-the-future"])) {
            _ = try ServiceDatabase.open(path: folder.path("db.sqlite"), migrator: BusWorld.migrator())
        }
    }

    @Test func aFileThatIsNotADatabaseIsRefused() throws {
        let folder = try TemporaryFolder("storage")
        defer { folder.remove() }
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: folder.path("db.sqlite")))
        do {
            _ = try ServiceDatabase.open(path: folder.path("db.sqlite"), migrator: BusWorld.migrator())
            Issue.record("opened a file that is not a database")
        } catch let error as StorageError {
            #expect(error.description.contains("Cannot open the database"))
        }
    }
}
