import Foundation
import TestSupport
import Testing

/// The web front door in a real browser: headless Chromium under chromedriver, driven by Selenium
/// (`Tests/Browser/`), against the five real executables, with axe-core checking every page.
@Suite(.serialized)
struct BrowserTests {
    /// The five services with web's development sign-in, loaded with the demo data of `make run`
    /// through the public interfaces (`scripts/demo_data.py`).
    static func demoCluster(environment: [String: String] = [:], webUsers: Bool = true) async throws -> ServiceCluster {
        var env = ["WEB_BOOTSTRAP_SUPPORT_EMAILS": "sam.patel@education.gov.uk", "MAIL_RETRY_BASE_SECONDS": "0.2"]
        for (key, value) in environment { env[key] = value }
        let cluster = try ServiceCluster(environment: env, includeWeb: true)
        try cluster.startAll()
        try await cluster.waitAllReady()
        var loaderEnvironment = urls(cluster)
        if !webUsers { loaderEnvironment["DEMO_WEB_USERS"] = "0" }
        let loader = try ProcessLauncher.run(
            "/usr/bin/env",
            arguments: ["python3", script("scripts/demo_data.py"), BuiltProducts.directory.path],
            environment: loaderEnvironment
        )
        #expect(loader.status == 0, "demo data: \(loader.output)")
        return cluster
    }

    static func script(_ path: String) -> String { BuiltProducts.packageRoot.appendingPathComponent(path).path }

    static func urls(_ cluster: ServiceCluster) -> [String: String] {
        [
            "CLAIMS_INTAKE_URL": "http://127.0.0.1:\(cluster.httpPorts["claims-intake"]!)",
            "WEB_URL": "http://127.0.0.1:\(cluster.httpPorts["web"]!)", "AUTH_JWT_SECRET": ServiceCluster.secret,
            "MAIL_DIR": cluster.folder.path("mail"), "BIN": BuiltProducts.directory.path,
            "PYTHONPATH": BuiltProducts.packageRoot.appendingPathComponent("Tests/Browser").path,
        ]
    }

    /// Where screenshots go: `SCREENSHOTS_DIR` when set (the README's come from here), else a
    /// temporary folder.
    static func screenshots(_ name: String) -> String {
        if let dir = ProcessInfo.processInfo.environment["SCREENSHOTS_DIR"] { return "\(dir)/\(name)" }
        return FileManager.default.temporaryDirectory.appendingPathComponent("screenshots-\(name)-\(UUID().uuidString.prefix(6))").path
    }

    /// Runs one journey script of `Tests/Browser/` against a fresh demo cluster.
    static func journey(_ script: String, javaScript: String, screenshots name: String) async throws {
        let cluster = try await demoCluster()
        defer { cluster.killAll() }
        var env = urls(cluster)
        env["JS"] = javaScript
        env["SCREENSHOTS_DIR"] = screenshots(name)
        // The GIAS extract as the register publishes it, for support to upload.
        let extract = cluster.folder.path("edubasealldata20261201.csv")
        try GIASExtractFixture.file([
            .init(urn: 100021, name: "Holloway Road Primary", district: "E09000019"),
            .init(urn: 100022, name: "St Anne’s Church of England School, Crawley", localAuthority: "West Sussex", district: "E07000226"),
            .init(urn: 100023, name: "Old Quarry School", status: "Closed", district: "E08000035"),
        ]).write(to: URL(fileURLWithPath: extract))
        env["GIAS_EXTRACT_FILE"] = extract
        let run = try ProcessLauncher.run("/usr/bin/env", arguments: ["python3", Self.script("Tests/Browser/\(script)")], environment: env)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("pages checked"), "\(run.output)")
    }

    @Test(arguments: ["on", "off"])
    func aSchoolUserMakesAndSubmitsAClaimAndEverythingAroundIt(javaScript: String) async throws {
        try await Self.journey("school_journeys.py", javaScript: javaScript, screenshots: "js-\(javaScript)")
    }

    @Test(arguments: ["on", "off"])
    func supportsYearAndAnAuditWithTheProviderAndTwoSupportUsers(javaScript: String) async throws {
        try await Self.journey("support_journeys.py", javaScript: javaScript, screenshots: "support-js-\(javaScript)")
    }

    @Test(arguments: ["on", "off"])
    func aSchoolAddsAMentorFoundOnTheTeachingRecord(javaScript: String) async throws {
        let cluster = try await Self.demoCluster()
        defer { cluster.killAll() }
        let trs = try await FakeTeachingRecord(
            folder: cluster.folder,
            teachers: ["7777777": .init(firstName: "Katherine", lastName: "Johnson", dateOfBirth: "1980-03-31")]
        )
        defer { trs.stop() }
        // The demo's mentors were typed; from now on claims-intake looks mentors up.
        await cluster.processes["claims-intake"]!.stop()
        try cluster.start("claims-intake", environment: ["TRS_BASE_URL": trs.baseURL, "TRS_API_KEY": trs.key])
        try await cluster.waitReady("claims-intake")
        var env = Self.urls(cluster)
        env["JS"] = javaScript
        env["SCREENSHOTS_DIR"] = Self.screenshots("record-js-\(javaScript)")
        let run = try ProcessLauncher.run("/usr/bin/env", arguments: ["python3", Self.script("Tests/Browser/mentor_lookup.py")], environment: env)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("pages checked"), "\(run.output)")
        #expect(trs.requests().contains { $0.path == "/v3/teachers/7777777" && $0.query == "dateOfBirth=1980-03-31" })
    }

    @Test func supportSeesASchoolAddressThatNotifyCouldNotDeliverTo() async throws {
        let notifyFolder = try TemporaryFolder("notify")
        defer {
            ProcessLauncher.killAll(in: notifyFolder.url)
            notifyFolder.remove()
        }
        let notify = try await FakeNotify(folder: notifyFolder)
        try notify.report("permanent-failure", for: "office@elm-park.example")
        let cluster = try await Self.demoCluster(environment: notify.environment.merging(["NOTIFY_STATUS_CHECK_SECONDS": "0.2"]) { $1 })
        defer { cluster.killAll() }
        var env = Self.urls(cluster)
        env["SCREENSHOTS_DIR"] = Self.screenshots("bounces")
        let run = try ProcessLauncher.run("/usr/bin/env", arguments: ["python3", Self.script("Tests/Browser/bounces.py")], environment: env)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("pages checked"), "\(run.output)")
        // The message went through Notify, as every email of the service does with MAIL_TRANSPORT=notify.
        #expect(notify.received().contains { $0.emailAddress == "office@elm-park.example" && $0.subject == "Your claim for mentor training" })
    }

    @Test func signingInThroughARealIdentityProviderRefusesWhatItMust() async throws {
        // oidc-provider-mock: discovery, JWKS and the authorization code flow, in its own process.
        let port = FreePorts.one()
        let idpFolder = try TemporaryFolder("oidc")
        defer {
            ProcessLauncher.killAll(in: idpFolder.url)
            idpFolder.remove()
        }
        let idp = try ProcessLauncher.start(
            "/usr/bin/env",
            arguments: ["python3", "-m", "oidc_provider_mock", "--port", "\(port)", "--require-nonce", "true"],
            directory: idpFolder.url,
            logName: "oidc"
        )
        defer { idp.killNow() }
        let issuer = "http://127.0.0.1:\(port)"
        try await Eventually.wait("the identity provider to answer", timeout: 60, interval: .milliseconds(200)) {
            (try? await TestHTTP(base: issuer).get("/.well-known/openid-configuration").status) == 200
        }
        let cluster = try await Self.demoCluster(
            environment: [
                "OIDC_ISSUER": issuer, "OIDC_CLIENT_ID": "mentor-claims", "OIDC_CLIENT_SECRET": "a-client-secret", "SESSION_IDLE_MINUTES": "1",
            ],
            webUsers: false
        )
        defer { cluster.killAll() }
        var env = Self.urls(cluster)
        env["OIDC_ISSUER"] = issuer
        env["SCREENSHOTS_DIR"] = Self.screenshots("oidc")
        let run = try ProcessLauncher.run("/usr/bin/env", arguments: ["python3", Self.script("Tests/Browser/oidc_sign_in.py")], environment: env)
        #expect(run.status == 0, "\(run.output)\n--- identity provider ---\n\(idp.output.suffix(3000))")
        #expect(run.output.contains("pages checked"), "\(run.output)")
    }
}
