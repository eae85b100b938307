import Foundation
import ServiceSupport
import TestSupport
import Testing

/// The real claims-intake executable downloads the GIAS extract itself each day from a real
/// HTTP server, survives restarts without importing twice, and changes nothing when the download
/// fails.
@Suite(.serialized) struct GIASSyncProcessTests {
    /// With `GIAS_SYNC_AT=00:00` the extract due is always yesterday's (London).
    static var yesterdaysFile: String { file(daysAgo: 1) }

    static let establishments: [GIASExtractFixture.Establishment] = [
        .init(urn: 200001, name: "Camden Road Primary", district: "E09000007"),
        .init(urn: 200002, name: "Slough Grammar", district: "E06000039"),
        .init(urn: 200003, name: "Leeds West Academy", district: "E08000035", trust: ("5001", "White Rose Trust")),
        .init(urn: 200004, name: "Closed Lane School", status: "Closed", district: "E08000035"),
    ]

    /// The extract of `days` ago (London), by the name the register publishes it under.
    static func file(daysAgo days: Int) -> String {
        "edubasealldata\(LondonDates.adding(-days, to: LondonDates.text(of: Date()))!.replacingOccurrences(of: "-", with: "")).csv"
    }

    func start(_ cluster: ServiceCluster, _ files: TestFileServer, syncAt: String = "00:00") async throws {
        try cluster.start("claims-intake", environment: ["GIAS_CSV_BASE_URL": files.baseURL, "GIAS_SYNC_AT": syncAt])
        try await cluster.waitReady("claims-intake")
    }

    func imports(_ cluster: ServiceCluster, _ support: String) async throws -> [[String: Any]] {
        try await cluster.http("claims-intake").get("/api/v1/schools/import", token: support).json?["imports"] as? [[String: Any]] ?? []
    }

    @Test func theDailyExtractIsImportedOnItsOwnAndNotAgainAfterARestart() async throws {
        let cluster = try ServiceCluster()
        defer { cluster.killAll() }
        let files = try await TestFileServer(folder: cluster.folder)
        defer { files.stop() }
        try files.put(Self.yesterdaysFile, GIASExtractFixture.file(Self.establishments))
        try await start(cluster, files)
        let support = try cluster.token(["--role", "support", "--email", "support@education.example"])
        let http = cluster.http("claims-intake")
        try await Eventually.wait("the extract to be imported", timeout: 30) {
            try await imports(cluster, support).first?["outcome"] as? String == "imported"
        }
        let record = try await imports(cluster, support)[0]
        #expect(record["source"] as? String == "gias_sync")
        #expect(record["file_name"] as? String == Self.yesterdaysFile)
        #expect(record["created"] as? Int == 3)
        #expect(record["skipped"] as? Int == 1)
        #expect(try await http.get("/api/v1/schools/200002", token: support).json?["region"] as? String == "fringe")
        let metrics = try await http.get("/metrics").text
        #expect(metrics.contains("gias_sync_total{outcome=\"imported\"} 1"))
        #expect(metrics.contains("gias_sync_last_schools{change=\"created\"} 3"))
        #expect(files.requests() == [Self.yesterdaysFile])
        // A restart finds the day's extract imported, and neither downloads nor imports it again.
        await cluster.processes["claims-intake"]!.stop()
        try await start(cluster, files)
        try await Task.sleep(for: .seconds(2))
        #expect(files.requests() == [Self.yesterdaysFile])
        #expect(try await imports(cluster, support).count == 1)
    }

    @Test func aFailedOrCutShortDownloadChangesNothingAndIsTriedAgainAtStart() async throws {
        let cluster = try ServiceCluster()
        defer { cluster.killAll() }
        let files = try await TestFileServer(folder: cluster.folder)
        defer { files.stop() }
        let name = Self.yesterdaysFile
        try files.put(name, GIASExtractFixture.file(GIASExtractFixture.generated(count: 300)))
        try files.answer(name, status: 500)
        try await start(cluster, files)
        let support = try cluster.token(["--role", "support", "--email", "support@education.example"])
        let http = cluster.http("claims-intake")
        try await Eventually.wait("the failed download to be recorded", timeout: 30) { try await imports(cluster, support).count == 1 }
        var latest = try await imports(cluster, support)[0]
        #expect(latest["outcome"] as? String == "failed")
        #expect((latest["error"] as? String)?.contains("answered 500") == true, "\(latest)")
        #expect(try await http.get("/metrics").text.contains("gias_sync_total{outcome=\"failed\"} 1"))
        #expect(try await http.get("/api/v1/schools", token: support).json?["total"] as? Int == 0)

        // Cut short half way: refused whole, nothing imported.
        await cluster.processes["claims-intake"]!.stop()
        try files.put(name, GIASExtractFixture.file(GIASExtractFixture.generated(count: 300)))
        try files.cutShort(name)
        try await start(cluster, files)
        try await Eventually.wait("the cut-short download to be recorded", timeout: 30) { try await imports(cluster, support).count == 2 }
        latest = try await imports(cluster, support)[0]
        #expect(latest["outcome"] as? String == "failed")
        #expect(try await http.get("/api/v1/schools", token: support).json?["total"] as? Int == 0)

        // Whole again: the restart imports it at once.
        await cluster.processes["claims-intake"]!.stop()
        try files.put(name, GIASExtractFixture.file(GIASExtractFixture.generated(count: 300)))
        try await start(cluster, files)
        try await Eventually.wait("the extract to be imported", timeout: 30) {
            try await imports(cluster, support).first?["outcome"] as? String == "imported"
        }
        #expect(try await http.get("/api/v1/schools", token: support).json?["total"] as? Int == 270)
        #expect(files.requests().count == 3)
    }

    @Test func theFullExtractOf50000EstablishmentsImportsWithBoundedMemory() async throws {
        let cluster = try ServiceCluster()
        defer { cluster.killAll() }
        let files = try await TestFileServer(folder: cluster.folder)
        defer { files.stop() }
        let file = GIASExtractFixture.file(GIASExtractFixture.generated(count: 50_000))
        try files.put(Self.yesterdaysFile, file)
        try await start(cluster, files)
        let support = try cluster.token(["--role", "support", "--email", "support@education.example"])
        try await Eventually.wait("the full extract to be imported", timeout: 600, interval: .seconds(1)) {
            try await imports(cluster, support).first?["outcome"] != nil
        }
        let record = try await imports(cluster, support)[0]
        #expect(record["outcome"] as? String == "imported", "\(record)")
        #expect(record["created"] as? Int == 45_000)
        #expect(record["skipped"] as? Int == 5_000)
        let peak = HostileInputTests.peakMemoryMiB(cluster.processes["claims-intake"]!.pid)
        print("GIAS sync: \(file.count / 1_048_576) MiB extract of 50,000 rows imported; claims-intake peaked at \(Int(peak)) MiB")
        #expect(peak < 300, "claims-intake peaked at \(Int(peak)) MiB")
    }

    @Test func theNextDaysExtractUpdatesOnlyTheSchoolsThatChanged() async throws {
        // With the sync at 23:59, the extract due is the day before yesterday's; at 00:00,
        // yesterday's. In the last minutes of a London day, wait for the next one.
        var london = LondonDates.calendar.dateComponents([.hour, .minute], from: Date())
        while (london.hour ?? 0) == 23 && (london.minute ?? 0) >= 57 {
            try await Task.sleep(for: .seconds(20))
            london = LondonDates.calendar.dateComponents([.hour, .minute], from: Date())
        }
        let cluster = try ServiceCluster()
        defer { cluster.killAll() }
        let files = try await TestFileServer(folder: cluster.folder)
        defer { files.stop() }
        let (first, second) = (Self.file(daysAgo: 2), Self.file(daysAgo: 1))
        try files.put(first, GIASExtractFixture.file(Self.establishments))
        var next = Self.establishments
        next[0].name = "Camden Road Primary School"  // renamed
        next[1].district = "E08000025"  // moved out of the fringe
        next.append(.init(urn: 200005, name: "École Saint-Joseph’s", localAuthority: "Leeds", district: "E08000035"))  // new
        try files.put(second, GIASExtractFixture.file(next))
        try await start(cluster, files, syncAt: "23:59")
        let support = try cluster.token(["--role", "support", "--email", "support@education.example"])
        try await Eventually.wait("the first day's extract to be imported", timeout: 30) {
            try await imports(cluster, support).first?["outcome"] as? String == "imported"
        }
        await cluster.processes["claims-intake"]!.stop()
        try await start(cluster, files, syncAt: "00:00")
        try await Eventually.wait("the next day's extract to be imported", timeout: 30) { try await imports(cluster, support).count == 2 }
        let latest = try await imports(cluster, support)[0]
        #expect(latest["file_name"] as? String == second)
        #expect(latest["outcome"] as? String == "imported")
        #expect(latest["created"] as? Int == 1)
        #expect(latest["updated"] as? Int == 2)
        #expect(latest["unchanged"] as? Int == 1)
        #expect(latest["skipped"] as? Int == 1)
        let http = cluster.http("claims-intake")
        #expect(try await http.get("/api/v1/schools/200001", token: support).json?["name"] as? String == "Camden Road Primary School")
        #expect(try await http.get("/api/v1/schools/200002", token: support).json?["region"] as? String == "rest_of_england")
        #expect(try await http.get("/api/v1/schools/200005", token: support).json?["name"] as? String == "École Saint-Joseph’s")
        #expect(files.requests() == [first, second])
    }
}
