import Foundation

/// The four real service executables on loopback, each with free ports, its own data folder and
/// a shared development secret, for end-to-end tests.
public final class ServiceCluster: @unchecked Sendable {
    // Used from one test task only.
    /// The executables, in start order.
    public static let names = ["claims-intake", "payments", "audit-sampling", "notifications"]
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
    public init(environment: [String: String] = [:]) throws {
        folder = try TemporaryFolder("cluster")
        extraEnvironment = environment
        for name in Self.names {
            httpPorts[name] = FreePorts.one()
            busPorts[name] = FreePorts.pair()
        }
    }

    /// The environment `name` runs with.
    public func environment(for name: String) -> [String: String] {
        let peers = Self.names.filter { $0 != name }.map { "\($0)=tcp://127.0.0.1:\(busPorts[$0]!)" }.joined(separator: ",")
        var env: [String: String] = [
            "HTTP_HOST": "127.0.0.1", "HTTP_PORT": "\(httpPorts[name]!)",
            "DATABASE_PATH": folder.path("\(name)/\(name).sqlite"),
            "BUS_PUBLISH": "tcp://127.0.0.1:\(busPorts[name]!)", "BUS_PEERS": peers,
            "AUTH_JWT_SECRET": Self.secret, "MAIL_DIR": folder.path("mail"), "LOG_LEVEL": "info",
        ]
        // Links in notifications' emails lead to the claims, which claims-intake serves.
        if name == "notifications" { env["PUBLIC_BASE_URL"] = "http://127.0.0.1:\(httpPorts["claims-intake"]!)" }
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

    /// Starts all four.
    public func startAll() throws {
        for name in Self.names { try start(name) }
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
        for name in Self.names { try await waitReady(name, timeout: timeout) }
    }

    /// A development token signed with the shared secret.
    public func token(_ arguments: [String]) throws -> String {
        let result = try ProcessLauncher.run(
            BuiltProducts.path("claims-intake"), arguments: ["token"] + arguments, environment: ["AUTH_JWT_SECRET": Self.secret])
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
