import Foundation

/// A fake GOV.UK Notify for tests: `Tests/Scripts/notify_server.py` in its own process on
/// 127.0.0.1, following the REST API's documented shape: it checks each request's JWT, takes
/// emails (201 with an id), serves their statuses, and answers 429, 500 or hangs when told to.
public final class FakeNotify: @unchecked Sendable {
    /// How it answers sends and status checks.
    public enum Mode: String, Sendable, Codable {
        case normal
        case rateLimited = "429"
        case serverError = "500"
        /// Takes the email, then answers only after 30 s.
        case hang
    }

    /// One email it took.
    public struct Received: Sendable, Decodable {
        public var id: String
        public var emailAddress: String
        public var templateID: String
        public var personalisation: [String: String]
        public var reference: String
        public var subject: String { personalisation["subject"] ?? "" }
        public var body: String { personalisation["body"] ?? "" }
        enum CodingKeys: String, CodingKey {
            case id, personalisation, reference
            case emailAddress = "email_address"
            case templateID = "template_id"
        }
    }

    /// One request it answered.
    public struct Request: Sendable, Decodable {
        public var method: String
        public var path: String
        public var status: Int
    }

    private struct State: Codable {
        var service_id: String
        var secret: String
        var template_id: String
        var mode: Mode
        var rate_limit: Int
        var refuse: [String: String]
        var outcomes: [String: String]
        var status_after: Double
    }

    public let port: Int
    public let process: LaunchedProcess
    /// The service id and secret it accepts tokens from.
    public let serviceID = UUID().uuidString.lowercased()
    public let secret = UUID().uuidString.lowercased()
    /// The one template it knows.
    public let templateID = UUID().uuidString.lowercased()
    private let statePath: String
    private let logPath: String
    private let lock = NSLock()
    private var state: State

    /// An API key as Notify issues them, for `NOTIFY_API_KEY`.
    public var apiKey: String { "mentor_claims_test-\(serviceID)-\(secret)" }
    /// The address to give notifications as `NOTIFY_BASE_URL`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// The environment that sends a service's email here.
    public var environment: [String: String] {
        ["MAIL_TRANSPORT": "notify", "NOTIFY_API_KEY": apiKey, "NOTIFY_TEMPLATE_ID": templateID, "NOTIFY_BASE_URL": baseURL]
    }

    /// Starts the fake and waits until it listens.
    public init(folder: TemporaryFolder, name: String = "notify") async throws {
        port = FreePorts.one()
        statePath = folder.path("\(name)-state.json")
        logPath = folder.path("\(name).jsonl")
        state = State(
            service_id: serviceID,
            secret: secret,
            template_id: templateID,
            mode: .normal,
            rate_limit: 3000,
            refuse: [:],
            outcomes: [:],
            status_after: 0
        )
        FileManager.default.createFile(atPath: logPath, contents: nil)
        FileManager.default.createFile(atPath: logPath + ".requests", contents: nil)
        try JSONEncoder().encode(state).write(to: URL(fileURLWithPath: statePath))
        let script = BuiltProducts.packageRoot.appendingPathComponent("Tests/Scripts/notify_server.py").path
        process = try ProcessLauncher.start(
            "/usr/bin/env",
            arguments: ["python3", script, "--port", "\(port)", "--state", statePath, "--log", logPath],
            directory: folder.url,
            logName: name
        )
        let process = self.process
        try await Eventually.wait("the fake Notify to listen", timeout: 20) {
            if !process.isRunning { throw Eventually.TimedOut(what: "fake Notify exited: \(process.output)") }
            return process.output.contains("ready")
        }
    }

    private func change(_ edit: (inout State) -> Void) throws {
        try lock.withLock {
            edit(&state)
            try JSONEncoder().encode(state).write(to: URL(fileURLWithPath: statePath), options: .atomic)
        }
    }

    /// Changes how it answers from the next request.
    public func set(_ mode: Mode) throws { try change { $0.mode = mode } }

    /// Refuses emails to `address` with a 400 and `message`.
    public func refuse(_ address: String, _ message: String) throws { try change { $0.refuse[address] = message } }

    /// Reports `status` (`permanent-failure`, `temporary-failure`, `technical-failure`) for
    /// emails to `address`; every other address is `delivered`.
    public func report(_ status: String, for address: String) throws { try change { $0.outcomes[address] = status } }

    /// Keeps each notification `sending` for this many seconds before its final status.
    public func holdStatuses(for seconds: Double) throws { try change { $0.status_after = seconds } }

    /// At most this many requests in any 60 s, then 429 as Notify answers.
    public func rateLimit(_ requests: Int) throws { try change { $0.rate_limit = requests } }

    /// Every email taken so far, in order.
    public func received() -> [Received] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Received.self, from: Data($0.utf8)) }
    }

    /// Every request answered so far, in order.
    public func requests() -> [Request] {
        let text = (try? String(contentsOfFile: logPath + ".requests", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    /// Waits until at least `count` emails were taken.
    @discardableResult
    public func waitFor(_ count: Int, timeout: TimeInterval = 30) async throws -> [Received] {
        try await Eventually.wait("\(count) emails at the fake Notify", timeout: timeout, interval: .milliseconds(100)) { received().count >= count }
        return received()
    }

    /// Stops the fake.
    public func stop() { process.killNow() }
}
