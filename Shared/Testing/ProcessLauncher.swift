import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Where the built executables are: `MENTOR_CLAIMS_BIN` when set, else beside the test binary.
public enum BuiltProducts {
    /// The folder holding `claims-intake`, `bus-probe` and the others.
    public static var directory: URL {
        if let path = ProcessInfo.processInfo.environment["MENTOR_CLAIMS_BIN"] {
            return URL(fileURLWithPath: path)
        }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        // The test bundle may sit inside `<name>.xctest/` on some layouts.
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("bus-probe").path) {
            url.deleteLastPathComponent()
        }
        return url
    }

    /// The path of executable `name`.
    public static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The package's root folder (for reading compose.yaml, scripts, etc.).
    public static var packageRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url
    }
}

/// A real child process started by a test, with its output captured to a file.
public final class LaunchedProcess: @unchecked Sendable {
    // Only touched from the test that owns it; `Process` itself is thread-safe for these calls.
    private let process: Process
    /// Where standard output and error go.
    public let logFile: URL
    /// The folder it runs in.
    public let directory: URL
    /// The command, for messages.
    public let name: String

    fileprivate init(process: Process, logFile: URL, directory: URL, name: String) {
        self.process = process
        self.logFile = logFile
        self.directory = directory
        self.name = name
    }

    /// The process id.
    public var pid: Int32 { process.processIdentifier }
    /// Whether it is still running.
    public var isRunning: Bool { process.isRunning }
    /// Its exit status once it has exited.
    public var exitStatus: Int32 { process.terminationStatus }
    /// Whether it ended by a signal.
    public var exitedBySignal: Bool { process.terminationReason == .uncaughtSignal }

    /// The captured output so far.
    public var output: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Sends `signal` (SIGTERM, SIGKILL, SIGSTOP, SIGCONT…).
    public func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits up to `timeout` seconds for it to exit; returns whether it did.
    @discardableResult
    public func waitForExit(timeout: TimeInterval) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return !process.isRunning
    }

    /// SIGKILLs it without waiting: for `defer` blocks, so a failing test leaves nothing running.
    public func killNow() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// SIGKILLs it and waits for it to go.
    public func kill9() async {
        guard process.isRunning else { return }
        send(SIGKILL)
        await waitForExit(timeout: 10)
    }

    /// SIGTERM, then SIGKILL after `grace` seconds.
    public func stop(grace: TimeInterval = 10) async {
        guard process.isRunning else { return }
        send(SIGTERM)
        if !(await waitForExit(timeout: grace)) { await kill9() }
    }
}

/// Starts processes for tests.
public enum ProcessLauncher {
    /// Every process started by tests, so that a failing test's `defer` can end them.
    private static let started = Mutex<[LaunchedProcess]>([])

    /// SIGKILLs every process still running that a test started in `folder` (or below it), for
    /// `defer` in tests that start processes.
    public static func killAll(in folder: URL) {
        let prefix = folder.standardizedFileURL.path
        for process in started.withLock({ $0 }) where process.directory.standardizedFileURL.path.hasPrefix(prefix) {
            process.killNow()
        }
    }

    /// Starts `executable` (a path) with `arguments` and `environment` added to this one's, in
    /// `directory`, writing its output to `logFile`.
    public static func start(
        _ executable: String,
        arguments: [String] = [],
        environment: [String: String] = [:],
        directory: URL,
        logName: String? = nil
    ) throws -> LaunchedProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.currentDirectoryURL = directory
        let name = logName ?? URL(fileURLWithPath: executable).lastPathComponent
        var logFile = directory.appendingPathComponent("\(name).log")
        var counter = 1
        while FileManager.default.fileExists(atPath: logFile.path) {
            counter += 1
            logFile = directory.appendingPathComponent("\(name)-\(counter).log")
        }
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let launched = LaunchedProcess(process: process, logFile: logFile, directory: directory, name: name)
        started.withLock { $0.append(launched) }
        return launched
    }

    /// Runs a command to completion and returns its exit status and output.
    public static func run(_ executable: String, arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// A temporary folder removed when the test is done.
public final class TemporaryFolder: Sendable {
    /// The folder.
    public let url: URL

    /// Creates a new empty folder.
    public init(_ prefix: String = "mentor-claims") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path inside it.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Removes it (unless `KEEP_TEST_FILES` is set, for debugging).
    public func remove() {
        if ProcessInfo.processInfo.environment["KEEP_TEST_FILES"] == nil {
            try? FileManager.default.removeItem(at: url)
        }
    }
}

/// Free loopback ports for a test (ask the kernel, then release).
public enum FreePorts {
    /// A port that is free now, with `port + 1` free too (for a bus endpoint and its replay).
    public static func pair() -> Int {
        while true {
            let port = one()
            if isFree(port + 1) { return port }
        }
    }

    /// One free port.
    public static func one() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

/// Waiting on conditions with deadlines, never fixed sleeps.
public enum Eventually {
    /// Why a wait ended without the condition.
    public struct TimedOut: Error, CustomStringConvertible {
        /// What was awaited.
        public var what: String
        public var description: String { "timed out waiting for \(what)" }
        /// Creates one.
        public init(what: String) { self.what = what }
    }

    /// Polls `condition` every `interval` until it holds or `timeout` passes.
    public static func wait(
        _ what: String,
        timeout: TimeInterval,
        interval: Duration = .milliseconds(50),
        _ condition: () async throws -> Bool
    ) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: interval)
        }
        if try await condition() { return }
        throw TimedOut(what: what)
    }
}

/// A small HTTP client over loopback for tests.
public struct TestHTTP: Sendable {
    /// A response.
    public struct Reply: Sendable {
        /// Status code.
        public var status: Int
        /// Headers, lower-cased names.
        public var headers: [String: String]
        /// Body.
        public var body: Data
        /// Body as text.
        public var text: String { String(decoding: body, as: UTF8.self) }
        /// Body as a JSON object.
        public var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    }

    /// The base URL, e.g. `http://127.0.0.1:8080`.
    public var base: String

    /// Creates a client for `base`.
    public init(base: String) { self.base = base }

    /// Sends one request.
    public func send(
        _ method: String,
        _ path: String,
        token: String? = nil,
        body: Data? = nil,
        contentType: String = "application/json",
        headers: [String: String] = [:]
    ) async throws -> Reply {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = body
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        for (key, value) in headers { request.setValue(value, forHTTPHeaderField: key) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headerMap: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            headerMap[String(describing: key).lowercased()] = String(describing: value)
        }
        return Reply(status: http.statusCode, headers: headerMap, body: data)
    }

    /// GET `path`.
    public func get(_ path: String, token: String? = nil) async throws -> Reply {
        try await send("GET", path, token: token)
    }
}
