import Foundation

/// The four real service executables on loopback (and `web`, when asked for), each with free
/// ports, its own data folder and a shared development secret, for end-to-end tests.
public final class ServiceCluster: @unchecked Sendable {
    // Used from one test task only.
    /// The four back-end executables, in start order.
    public static let names = ["claims-intake", "payments", "audit-sampling", "notifications"]
    /// The executables this cluster runs: the four, then `web` when included.
    public let members: [String]
    /// The signing secret every service shares in tests.
    public static let secret = "end-to-end-test-secret-0123456789abcdef"

    /// The folder holding every service's data and logs.
    public let folder: TemporaryFolder
    /// HTTP port of each service.
    public private(set) var httpPorts: [String: Int] = [:]
    /// Bus PUB port of each service (replay at + 1).
    public private(set) var busPorts: [String: Int] = [:]
    /// The running processes.
    public private(set) var processes: [String: LaunchedProcess] = [:]
    private let extraEnvironment: [String: String]

    /// Chooses ports for every service; nothing starts yet.
    public init(environment: [String: String] = [:], includeWeb: Bool = false) throws {
        folder = try TemporaryFolder("cluster")
        extraEnvironment = environment
        members = Self.names + (includeWeb ? ["web"] : [])
        for name in members {
            httpPorts[name] = FreePorts.one()
            busPorts[name] = FreePorts.pair()
        }
    }

    /// The environment `name` runs with.
    public func environment(for name: String) -> [String: String] {
        // As the defaults: back-end services hear each other; notifications also hears web; web hears nobody.
        let heard = name == "web" ? [] : members.filter { $0 != name && ($0 != "web" || name == "notifications") }
        let peers = heard.isEmpty ? "none" : heard.map { "\($0)=tcp://127.0.0.1:\(busPorts[$0]!)" }.joined(separator: ",")
        var env: [String: String] = [
            "HTTP_HOST": "127.0.0.1", "HTTP_PORT": "\(httpPorts[name]!)",
            "DATABASE_PATH": folder.path("\(name)/\(name).sqlite"),
            "BUS_PUBLISH": "tcp://127.0.0.1:\(busPorts[name]!)", "BUS_PEERS": peers,
            "AUTH_JWT_SECRET": Self.secret, "MAIL_DIR": folder.path("mail"), "LOG_LEVEL": "info",
        ]
        // Links in notifications' emails lead to web's pages.
        if name == "notifications" || name == "web", let web = httpPorts["web"] { env["PUBLIC_BASE_URL"] = "http://127.0.0.1:\(web)" }
        if name == "web" {
            for (variable, service) in [
                ("CLAIMS_INTAKE_URL", "claims-intake"), ("PAYMENTS_URL", "payments"), ("AUDIT_SAMPLING_URL", "audit-sampling"),
                ("NOTIFICATIONS_URL", "notifications"),
            ] { env[variable] = "http://127.0.0.1:\(httpPorts[service]!)" }
        }
        for (key, value) in extraEnvironment { env[key] = value }
        return env
    }

    /// Starts `name` (again).
    @discardableResult
    public func start(_ name: String, environment: [String: String] = [:]) throws -> LaunchedProcess {
        let dir = folder.url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var env = self.environment(for: name)
        for (key, value) in environment { env[key] = value }
        let process = try ProcessLauncher.start(BuiltProducts.path(name), environment: env, directory: dir)
        processes[name] = process
        return process
    }

    /// Starts every member.
    public func startAll() throws {
        for name in members { try start(name) }
    }

    /// A client for `name`'s HTTP API.
    public func http(_ name: String) -> TestHTTP { TestHTTP(base: "http://127.0.0.1:\(httpPorts[name]!)") }

    /// Waits until `name` answers `/ready` with 200.
    public func waitReady(_ name: String, timeout: TimeInterval = 60) async throws {
        let http = self.http(name)
        try await Eventually.wait("\(name) to be ready", timeout: timeout, interval: .milliseconds(100)) {
            try await http.get("/ready").status == 200
        }
    }

    /// Waits until every service is ready.
    public func waitAllReady(timeout: TimeInterval = 60) async throws {
        for name in members { try await waitReady(name, timeout: timeout) }
    }

    /// A development token signed with the shared secret.
    public func token(_ arguments: [String]) throws -> String {
        let result = try ProcessLauncher.run(
            BuiltProducts.path("claims-intake"),
            arguments: ["token"] + arguments,
            environment: ["AUTH_JWT_SECRET": Self.secret]
        )
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// SIGKILLs whatever still runs and removes the data, without waiting: for `defer`.
    public func killAll() {
        for process in processes.values { process.killNow() }
        folder.remove()
    }

    /// Stops every service (SIGTERM, then SIGKILL) and removes the data.
    public func tearDown() async {
        await stopAll()
        folder.remove()
    }

    /// Stops every service (SIGTERM, then SIGKILL) and keeps the data, to be read afterwards.
    public func stopAll() async {
        for process in processes.values { await process.stop() }
    }
}
