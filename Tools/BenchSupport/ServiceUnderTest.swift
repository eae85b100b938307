import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A release service started by a benchmark: launched with its environment, waited for, its
/// peak memory read and reset through `/proc`, and stopped.
public final class ServiceUnderTest: @unchecked Sendable {
    // One benchmark owns it; `Process` is safe for these calls.
    private var process: Process
    private let executable: String
    private let environment: [String: String]
    /// The HTTP port it listens on.
    public let port: Int

    /// Starts `executable` with `environment` added to this process's, listening on `port`.
    public init(executable: String, port: Int, environment: [String: String]) throws {
        self.executable = executable
        self.port = port
        self.environment = environment
        process = try Self.launch(executable, environment)
    }

    private static func launch(_ executable: String, _ env: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in env { environment[key] = value }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Starts `executable` once so that it creates its schema, stops it, lets `seed` fill its
    /// database directly, and starts it again; returns the running service and what `seed` made.
    public static func seeded<Seeded>(
        executable: String,
        port: Int,
        environment: [String: String],
        seed: () throws -> Seeded
    ) async throws -> (ServiceUnderTest, Seeded) {
        let service = try ServiceUnderTest(executable: executable, port: port, environment: environment)
        do {
            try await service.waitHealthy()
            service.stop()
            let seeded = try seed()
            try await service.start()
            return (service, seeded)
        } catch {
            service.stop()
            throw error
        }
    }

    /// The process id.
    public var pid: Int32 { process.processIdentifier }

    /// CPU time used so far (user + system), in clock ticks, from `/proc`.
    public var cpuTicks: Int {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime 14 and stime 15 (1-based in proc(5)).
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return 0 }
        return user + system
    }

    /// Waits until every service in `services` has used under 5% of a core for a second (their
    /// start-up work done), so that a measurement is not shared with it; at most `timeout` seconds.
    public static func waitIdle(_ services: [ServiceUnderTest], timeout: Double = 60) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let before = services.map(\.cpuTicks)
            try await Task.sleep(for: .seconds(1))
            let after = services.map(\.cpuTicks)
            if zip(before, after).allSatisfy({ $1 - $0 <= 5 }) { return }
        }
    }

    /// Waits until `/health` answers (up to 30 s).
    public func waitHealthy() async throws {
        for _ in 0..<300 {
            if let (_, response) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health")!),
                (response as? HTTPURLResponse)?.statusCode == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError("\(executable) did not start")
    }

    /// Stops it (SIGTERM) and waits; does nothing when it is not running.
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// Starts it again after `stop()` (once its database was seeded directly) and waits for it.
    public func start() async throws {
        process = try Self.launch(executable, environment)
        try await waitHealthy()
    }

    /// Resets the kernel's peak-RSS mark, so the next reading is one step's own peak.
    public func resetPeakMemory() {
        try? "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)
    }

    /// The peak resident memory since the last reset, in MiB.
    public var peakMemoryMiB: Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return -1 }
        return kib / 1024
    }

    /// POSTs `body` with a bearer token and returns the reply's body.
    public func post(_ path: String, token: String, body: Data, contentType: String) async throws -> Data {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = "POST"
        request.timeoutInterval = 600
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        return try await URLSession.shared.data(for: request).0
    }
}

/// A benchmark that could not run.
public struct BenchError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
