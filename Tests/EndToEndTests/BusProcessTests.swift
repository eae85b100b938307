import Foundation
import GRDB
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The durable bus across real processes: SIGKILLs, late joiners, lost tails, and a client that
/// is not Swift.
@Suite(.serialized) struct BusProcessTests {
    let probe = BuiltProducts.path("bus-probe")

    func appliedSequences(_ path: String) throws -> [Int64] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        return try queue.read { db in
            guard try db.tableExists("probe_applied") else { return [] }
            return try Int64.fetchAll(db, sql: "SELECT sequence FROM probe_applied ORDER BY id")
        }
    }

    func integrityCheck(_ path: String) throws -> String {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") ?? "" }
    }

    func startConsumer(_ folder: TemporaryFolder, producerPort: Int, extra: [String] = []) throws -> LaunchedProcess {
        try ProcessLauncher.start(
            probe,
            arguments: [
                "consume", "--database", folder.path("consumer.sqlite"), "--peer", "probe=tcp://127.0.0.1:\(producerPort)",
                "--endpoint", "tcp://127.0.0.1:\(FreePorts.pair())",
            ] + extra,
            directory: folder.url,
            logName: "consumer"
        )
    }

    @Test func aSubscriberKilledFiveTimesStillAppliesAllTenThousandOnceInOrder() async throws {
        let folder = try TemporaryFolder("bus-kill")
        defer {
            ProcessLauncher.killAll(in: folder.url)
            folder.remove()
        }
        let port = FreePorts.pair()
        let producer = try ProcessLauncher.start(
            probe,
            arguments: [
                "produce", "--database", folder.path("producer.sqlite"), "--endpoint", "tcp://127.0.0.1:\(port)",
                "--count", "10000", "--batch", "10", "--pause-milliseconds", "8", "--padding", "400",
            ],
            directory: folder.url,
            logName: "producer"
        )
        var consumer = try startConsumer(folder, producerPort: port)
        var kills = 0
        var generator = SystemRandomNumberGenerator()
        while try kills < 5 || appliedSequences(folder.path("consumer.sqlite")).count < 3000 && kills < 12 {
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...1200, using: &generator)))
            await consumer.kill9()
            #expect(consumer.exitedBySignal)
            kills += 1
            consumer = try startConsumer(folder, producerPort: port)
        }
        try await Eventually.wait("all 10,000 applied", timeout: 120, interval: .milliseconds(200)) {
            try appliedSequences(folder.path("consumer.sqlite")).count >= 10_000
        }
        let applied = try appliedSequences(folder.path("consumer.sqlite"))
        #expect(kills >= 5)
        #expect(applied.count == 10_000)
        #expect(applied == Array(1...10_000))
        await consumer.stop()
        await producer.stop()
        #expect(try integrityCheck(folder.path("consumer.sqlite")) == "ok")
        folder.remove()
    }

    @Test func aProducerKilledBetweenCommitAndPublishDeliversEveryCommittedMessageAfterRestart() async throws {
        let folder = try TemporaryFolder("bus-crash")
        defer {
            ProcessLauncher.killAll(in: folder.url)
            folder.remove()
        }
        let port = FreePorts.pair()
        let consumer = try startConsumer(folder, producerPort: port)
        let arguments = [
            "produce", "--database", folder.path("producer.sqlite"), "--endpoint", "tcp://127.0.0.1:\(port)", "--count", "100",
        ]
        // The relay is held at 51: 100 are committed, 50 published, then the process is SIGKILLed.
        let crashing = try ProcessLauncher.start(
            probe,
            arguments: arguments + ["--batch", "100", "--hold-from", "51", "--kill-after-commit"],
            directory: folder.url,
            logName: "producer-crash"
        )
        await crashing.waitForExit(timeout: 30)
        #expect(crashing.exitedBySignal)
        #expect(crashing.output.contains("committed 100"))
        #expect(try appliedSequences(folder.path("consumer.sqlite")).count <= 50)
        let restarted = try ProcessLauncher.start(probe, arguments: arguments, directory: folder.url, logName: "producer")
        try await Eventually.wait("all 100 delivered", timeout: 30) {
            try appliedSequences(folder.path("consumer.sqlite")).count >= 100
        }
        #expect(try appliedSequences(folder.path("consumer.sqlite")) == Array(1...100))
        await consumer.stop()
        await restarted.stop()
        folder.remove()
    }

    @Test func aLateSubscriberCatchesUpByReplay() async throws {
        let folder = try TemporaryFolder("bus-late")
        defer {
            ProcessLauncher.killAll(in: folder.url)
            folder.remove()
        }
        let port = FreePorts.pair()
        let producer = try ProcessLauncher.start(
            probe,
            arguments: [
                "produce", "--database", folder.path("producer.sqlite"), "--endpoint", "tcp://127.0.0.1:\(port)",
                "--count", "1000", "--batch", "100",
            ],
            directory: folder.url,
            logName: "producer"
        )
        try await Eventually.wait("1,000 committed", timeout: 30) { producer.output.contains("committed 1000") }
        let consumer = try startConsumer(folder, producerPort: port)
        try await Eventually.wait("1,000 applied", timeout: 30) {
            try appliedSequences(folder.path("consumer.sqlite")).count >= 1000
        }
        #expect(try appliedSequences(folder.path("consumer.sqlite")) == Array(1...1000))
        await consumer.stop()
        await producer.stop()
        folder.remove()
    }

    @Test func aSubscriberWhoseLastFiveMessagesWereDroppedRecoversThemByHeartbeatWithinThreeSeconds() async throws {
        let folder = try TemporaryFolder("bus-tail")
        defer {
            ProcessLauncher.killAll(in: folder.url)
            folder.remove()
        }
        let port = FreePorts.pair()
        let consumer = try startConsumer(folder, producerPort: port, extra: ["--drop-live", "996-1000"])
        let producer = try ProcessLauncher.start(
            probe,
            arguments: [
                "produce", "--database", folder.path("producer.sqlite"), "--endpoint", "tcp://127.0.0.1:\(port)",
                "--count", "1000", "--batch", "50",
            ],
            directory: folder.url,
            logName: "producer"
        )
        try await Eventually.wait("1,000 committed", timeout: 30, interval: .milliseconds(10)) {
            producer.output.contains("committed 1000")
        }
        let committedAt = Date()
        try await Eventually.wait("995 applied", timeout: 30, interval: .milliseconds(10)) {
            try appliedSequences(folder.path("consumer.sqlite")).count >= 995
        }
        try await Eventually.wait("the dropped tail recovered", timeout: 10, interval: .milliseconds(20)) {
            try appliedSequences(folder.path("consumer.sqlite")).count >= 1000
        }
        let recoveredAfter = Date().timeIntervalSince(committedAt)
        #expect(recoveredAfter < 3, "recovered after \(recoveredAfter) s")
        #expect(try appliedSequences(folder.path("consumer.sqlite")) == Array(1...1000))
        await consumer.stop()
        await producer.stop()
        folder.remove()
    }

    @Test func aClientThatIsNotSwiftReadsTheBusAndTheReplayProtocol() async throws {
        let folder = try TemporaryFolder("bus-python")
        defer {
            ProcessLauncher.killAll(in: folder.url)
            folder.remove()
        }
        let port = FreePorts.pair()
        let script = BuiltProducts.packageRoot.appendingPathComponent("Tests/Scripts/bus_client.py").path
        let client = try ProcessLauncher.start(
            "/usr/bin/env",
            arguments: ["python3", script, "--endpoint", "tcp://127.0.0.1:\(port)", "--expect", "20"],
            directory: folder.url,
            logName: "python-client"
        )
        try await Eventually.wait("the client to subscribe", timeout: 20) { client.output.contains("subscribed") }
        let producer = try ProcessLauncher.start(
            probe,
            arguments: [
                "produce", "--database", folder.path("producer.sqlite"), "--endpoint", "tcp://127.0.0.1:\(port)",
                "--count", "60", "--pause-milliseconds", "100",
            ],
            directory: folder.url,
            logName: "producer"
        )
        #expect(await client.waitForExit(timeout: 40))
        #expect(client.exitStatus == 0, "\(client.output)")
        let summary = client.output.split(separator: "\n").last.map(String.init) ?? ""
        let json = try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any]
        let live = json?["live"] as? [Int] ?? []
        #expect(live.count >= 20)
        #expect(live == live.sorted())
        #expect(json?["replayed"] as? [Int] == [3, 4, 5])
        #expect((((json?["end"] as? [String: Any])?["head_sequence"] as? Int) ?? 0) >= 20)
        #expect(((json?["error"] as? [String: Any])?["topic"] as? String) == "bus.replay-error")
        #expect((json?["heartbeats"] as? Int ?? 0) >= 1)
        await producer.stop()
        folder.remove()
    }
}
