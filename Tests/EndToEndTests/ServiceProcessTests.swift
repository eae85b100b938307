import Foundation
import ServiceSupport
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Each of the four executables as an operator runs it.
@Suite(.serialized) struct ServiceProcessTests {
    @Test func everyServiceStartsAnswersHealthAndReadyRefusesBadTokensAndStopsOnSigterm() async throws {
        let cluster = try ServiceCluster()
        defer { cluster.killAll() }
        try cluster.startAll()
        try await cluster.waitAllReady()
        let support = try cluster.token(["--role", "support", "--email", "support@education.example"])
        // Expired an hour ago: well past the 30 seconds of clock leeway.
        let expired = try await DevelopmentToken.make(
            user: AuthenticatedUser(id: "support-x", email: "support@education.example", name: "Support", role: .support),
            secret: ServiceCluster.secret,
            lifetime: 60,
            now: Date().addingTimeInterval(-3600)
        )
        // A token signed with another secret.
        let forged = try ProcessLauncher.run(
            BuiltProducts.path("payments"),
            arguments: ["token", "--role", "support"],
            environment: ["AUTH_JWT_SECRET": "another-secret-that-is-long-enough-0123"]
        ).output.trimmingCharacters(in: .whitespacesAndNewlines)
        for name in ServiceCluster.names {
            let http = cluster.http(name)
            #expect(try await http.get("/health").status == 200, "\(name) /health")
            let ready = try await http.get("/ready")
            #expect(ready.status == 200, "\(name) /ready: \(ready.text)")
            #expect(ready.json?["status"] as? String == "ready")
            #expect(try await http.get("/metrics").text.contains("bus_subscriber_lag"))
            #expect(try await http.get("/openapi.yaml").text.hasPrefix("openapi: 3.1.0"))
            let none = try await http.get("/api/v1/anything")
            #expect(none.status == 401, "\(name) without a token")
            #expect(none.headers["content-type"] == "application/problem+json")
            #expect(try await http.get("/api/v1/anything", token: expired).status == 401, "\(name) expired token")
            #expect(try await http.get("/api/v1/anything", token: forged).status == 401, "\(name) forged token")
            #expect(try await http.get("/api/v1/anything", token: "not.a.jwt").status == 401, "\(name) garbage token")
            #expect(try await http.get("/api/v1/anything", token: support).status == 404, "\(name) valid token")
        }
        for name in ServiceCluster.names {
            let process = cluster.processes[name]!
            let started = Date()
            process.send(SIGTERM)
            #expect(await process.waitForExit(timeout: 10), "\(name) did not stop within 10 s")
            #expect(process.exitStatus == 0, "\(name) exit status \(process.exitStatus)")
            #expect(!process.exitedBySignal)
            #expect(Date().timeIntervalSince(started) < 10)
        }
        await cluster.tearDown()
    }

    @Test func aServiceIsNotReadyUntilItHasHeardFromItsPeers() async throws {
        let cluster = try ServiceCluster()
        defer { cluster.killAll() }
        try cluster.start("payments")
        let http = cluster.http("payments")
        try await Eventually.wait("payments to answer", timeout: 30) { try await http.get("/health").status == 200 }
        let ready = try await http.get("/ready")
        #expect(ready.status == 503)
        #expect(ready.text.contains("not yet heard from claims-intake"))
        try cluster.start("claims-intake")
        try cluster.start("audit-sampling")
        try cluster.start("notifications")
        try await cluster.waitReady("payments")
        await cluster.tearDown()
    }

    @Test func jsonLogsAreOneObjectPerLineWithTheServiceName() async throws {
        let cluster = try ServiceCluster(environment: ["LOG_FORMAT": "json"])
        defer { cluster.killAll() }
        let process = try cluster.start("notifications")
        let http = cluster.http("notifications")
        try await Eventually.wait("notifications to answer", timeout: 30) { try await http.get("/health").status == 200 }
        _ = try await http.get("/api/v1/anything")
        await process.stop()
        let lines = process.output.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count >= 3)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["service"] as? String == "notifications", "\(line)")
            #expect(object?["level"] != nil && object?["message"] != nil && object?["timestamp"] != nil)
        }
        #expect(!process.output.contains(ServiceCluster.secret))
        await cluster.tearDown()
    }

    @Test func aBadConfigurationValueStopsTheServiceNamingTheVariable() async throws {
        for (variable, value) in [("HTTP_PORT", "eighty"), ("BUS_PEERS", "payments"), ("LOG_FORMAT", "xml"), ("AUTH_JWT_SECRET", "short")] {
            let result = try ProcessLauncher.run(BuiltProducts.path("claims-intake"), arguments: [], environment: [variable: value])
            #expect(result.status != 0)
            #expect(result.output.contains(variable), "\(result.output)")
        }
    }

    @Test func anUnreadableDatabaseStopsTheServiceWithAClearMessage() async throws {
        let folder = try TemporaryFolder("bad-db")
        defer { folder.remove() }
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: folder.path("x.sqlite")))
        let result = try ProcessLauncher.run(
            BuiltProducts.path("payments"),
            arguments: [],
            environment: [
                "DATABASE_PATH": folder.path("x.sqlite"), "HTTP_PORT": "\(FreePorts.one())", "BUS_PUBLISH": "tcp://127.0.0.1:\(FreePorts.pair())",
            ]
        )
        #expect(result.status != 0)
        #expect(result.output.contains("Cannot open the database"), "\(result.output)")
    }

    @Test func theTokenCommandPrintsATokenTheServicesAccept() async throws {
        let cluster = try ServiceCluster()
        defer { cluster.killAll() }
        try cluster.start("claims-intake")
        let http = cluster.http("claims-intake")
        try await Eventually.wait("claims-intake to answer", timeout: 30) { try await http.get("/health").status == 200 }
        let school = try cluster.token(["--role", "school", "--urn", "100001", "--email", "head@school.example"])
        #expect(school.split(separator: ".").count == 3)
        #expect(try await http.get("/api/v1/anything", token: school).status == 404)
        let refused = try ProcessLauncher.run(BuiltProducts.path("claims-intake"), arguments: ["token", "--role", "school"])
        #expect(refused.status != 0)
        #expect(refused.output.contains("--urn"))
        await cluster.tearDown()
    }

    @Test func aPeerThatCannotBeReachedIsNamedOnReadyButDoesNotHoldItBack() async throws {
        let cluster = try ServiceCluster()
        defer { cluster.killAll() }
        // payments' peers are not running; and its bus is published beyond loopback without CurveZMQ.
        let busPort = FreePorts.pair()
        try cluster.start("payments", environment: ["BUS_PUBLISH": "tcp://0.0.0.0:\(busPort)"])
        let http = cluster.http("payments")
        try await Eventually.wait("payments ready although its peers are down", timeout: 30, interval: .milliseconds(200)) {
            try await http.get("/ready").status == 200
        }
        let ready = try await http.get("/ready")
        let warnings = (ready.json?["warnings"] as? [String]) ?? []
        #expect(warnings.contains { $0.contains("claims-intake") && $0.contains("not been heard from") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("CurveZMQ is off") })
        let peers = (ready.json?["bus"] as? [String: Any])?["peers"] as? [String: [String: Any]]
        #expect(peers?["audit-sampling"]?["reachable"] as? Bool == false)
        #expect(try await http.get("/metrics").text.contains("bus_subscriber_lag{producer=\"claims-intake\"}"))
        await cluster.tearDown()
    }

    @Test func malformedBusInputLeavesTheServiceRunningCountedAndValidMessagesApplied() async throws {
        let cluster = try ServiceCluster()
        defer { cluster.killAll() }
        let fakePort = FreePorts.pair()
        let payments = try cluster.start(
            "payments",
            environment: ["BUS_PEERS": "claims-intake=tcp://127.0.0.1:\(fakePort)"]
        )
        let http = cluster.http("payments")
        try await Eventually.wait("payments to answer", timeout: 30) { try await http.get("/health").status == 200 }
        let pid = payments.pid
        let script = BuiltProducts.packageRoot.appendingPathComponent("Tests/Scripts/bus_injector.py").path
        let injector = try ProcessLauncher.start(
            "/usr/bin/env",
            arguments: [
                "python3", script, "--bind", "tcp://127.0.0.1:\(fakePort)", "--producer", "claims-intake",
                "--target-replay", "tcp://127.0.0.1:\(cluster.busPorts["payments"]! + 1)", "--valid", "200",
                "--malformed", "1000", "--seconds", "60",
            ],
            directory: cluster.folder.url,
            logName: "injector"
        )
        try await Eventually.wait("the injector to finish sending", timeout: 60) { injector.output.contains("\"sent\"") }
        func metric(_ name: String) async throws -> Double {
            let text = try await http.get("/metrics").text
            return text.split(separator: "\n").filter { $0.hasPrefix(name) }
                .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
        }
        try await Eventually.wait("all 200 valid messages applied", timeout: 30) {
            try await metric("bus_subscriber_applied_sequence{producer=\"claims-intake\"}") == 200
        }
        let sentLine = injector.output.split(separator: "\n").first { $0.contains("\"sent\"") }.map(String.init) ?? "{}"
        let sent = (try JSONSerialization.jsonObject(with: Data(sentLine.utf8)) as? [String: Any])?["sent"] as? [String: Int] ?? [:]
        #expect(sent.values.reduce(0, +) == 1000)
        let frameErrors = sent.filter { $0.key != "badreplay" }.values.reduce(0, +)
        try await Eventually.wait("malformed frames counted", timeout: 10) {
            try await metric("bus_frames_malformed_total{producer=\"claims-intake\"}") >= Double(frameErrors) * 0.95
        }
        // One client hammering the replay socket is served at its rate; the rest of its
        // requests wait (only its newest is kept) and are counted as throttled.
        try await Eventually.wait("bad replay requests counted or throttled", timeout: 10) {
            let invalid = try await metric("bus_replay_requests_invalid_total")
            let throttled = try await metric("bus_replay_requests_throttled_total")
            return invalid + throttled >= Double(sent["badreplay"] ?? 0)
        }
        if (sent["badreplay"] ?? 0) > 60 { #expect(try await metric("bus_replay_requests_throttled_total") > 0) }
        #expect(try await metric("bus_messages_unknown_type_total") == 200)
        #expect(payments.isRunning)
        #expect(payments.pid == pid)
        #expect(try await http.get("/health").status == 200)
        #expect(payments.output.contains("malformed bus frame"))
        await injector.stop(grace: 2)
        await cluster.tearDown()
    }
}
