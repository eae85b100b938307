import Foundation

/// A fake Teaching Record System for tests: `Tests/Scripts/trs_server.py` in its own process on
/// 127.0.0.1, answering `GET /v3/teachers/{trn}` as the API documents, with teachers and a mode
/// (answer, fail with 500, or hang) that a test can change while it runs.
public final class FakeTeachingRecord: @unchecked Sendable {
    /// A teacher on the record.
    public struct Teacher: Sendable, Codable, Equatable {
        public var firstName: String
        public var lastName: String
        public var dateOfBirth: String
        public init(firstName: String, lastName: String, dateOfBirth: String) {
            self.firstName = firstName
            self.lastName = lastName
            self.dateOfBirth = dateOfBirth
        }
    }

    /// How it answers.
    public enum Mode: String, Sendable, Codable { case normal, fail, hang }

    /// One request it received.
    public struct Request: Sendable, Decodable {
        public var path: String
        public var query: String
        public var keyOK: Bool
        public var version: String
        enum CodingKeys: String, CodingKey {
            case path, query, version
            case keyOK = "key_ok"
        }
    }

    private struct State: Codable {
        var key: String
        var mode: Mode
        var teachers: [String: Teacher]
    }

    public let port: Int
    public let process: LaunchedProcess
    /// The bearer key it accepts.
    public let key: String
    private let statePath: String
    private let logPath: String
    private var state: State

    /// The address to give claims-intake as `TRS_BASE_URL`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts the fake with `teachers` (by TRN) and waits until it listens.
    public init(folder: TemporaryFolder, teachers: [String: Teacher], key: String = "trs-test-key-0123456789") async throws {
        port = FreePorts.one()
        self.key = key
        statePath = folder.path("trs-state.json")
        logPath = folder.path("trs-requests.jsonl")
        state = State(key: key, mode: .normal, teachers: teachers)
        FileManager.default.createFile(atPath: logPath, contents: nil)
        try JSONEncoder().encode(state).write(to: URL(fileURLWithPath: statePath))
        let script = BuiltProducts.packageRoot.appendingPathComponent("Tests/Scripts/trs_server.py").path
        process = try ProcessLauncher.start(
            "/usr/bin/env",
            arguments: ["python3", script, "--port", "\(port)", "--state", statePath, "--log", logPath],
            directory: folder.url,
            logName: "trs"
        )
        let process = self.process
        try await Eventually.wait("the fake Teaching Record System to listen", timeout: 20) {
            if !process.isRunning { throw Eventually.TimedOut(what: "fake TRS exited: \(process.output)") }
            return process.output.contains("ready")
        }
    }

    private func save() throws {
        try JSONEncoder().encode(state).write(to: URL(fileURLWithPath: statePath), options: .atomic)
    }

    /// Changes how it answers from the next request.
    public func set(_ mode: Mode) throws {
        state.mode = mode
        try save()
    }

    /// Adds or changes a teacher.
    public func set(_ trn: String, _ teacher: Teacher) throws {
        state.teachers[trn] = teacher
        try save()
    }

    /// Every request so far, in order.
    public func requests() -> [Request] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    /// Stops the fake.
    public func stop() { process.killNow() }
}
