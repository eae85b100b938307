import Foundation

/// A real HTTP server for tests that serves files by name: `Tests/Scripts/file_server.py` in its
/// own process on 127.0.0.1. A file can be made to fail: cut short half way, or answered with a
/// status instead.
public final class TestFileServer: @unchecked Sendable {
    public let port: Int
    public let process: LaunchedProcess
    /// The folder it serves.
    public let folder: URL

    /// The server's base address, without a trailing slash.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts the server on a folder of its own inside `folder`, and waits until it listens.
    public init(folder: TemporaryFolder, name: String = "files") async throws {
        port = FreePorts.one()
        self.folder = folder.url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: self.folder, withIntermediateDirectories: true)
        let script = BuiltProducts.packageRoot.appendingPathComponent("Tests/Scripts/file_server.py").path
        process = try ProcessLauncher.start(
            "/usr/bin/env",
            arguments: ["python3", script, "--port", "\(port)", "--dir", self.folder.path],
            directory: folder.url,
            logName: name
        )
        let process = self.process
        try await Eventually.wait("the file server to listen", timeout: 20) {
            if !process.isRunning { throw Eventually.TimedOut(what: "file server exited: \(process.output)") }
            return process.output.contains("ready")
        }
    }

    /// Serves `data` as `name` (whole, until told otherwise).
    public func put(_ name: String, _ data: Data) throws {
        try data.write(to: folder.appendingPathComponent(name))
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(name + ".truncate"))
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(name + ".status"))
    }

    /// Makes `name` announce its whole length but send half of it and close.
    public func cutShort(_ name: String) throws {
        try Data().write(to: folder.appendingPathComponent(name + ".truncate"))
    }

    /// Makes `name` be answered with `status` instead.
    public func answer(_ name: String, status: Int) throws {
        try Data("\(status)".utf8).write(to: folder.appendingPathComponent(name + ".status"))
    }

    /// The names asked for so far, in order.
    public func requests() -> [String] {
        let text = (try? String(contentsOf: folder.appendingPathComponent("requests.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// Stops the server.
    public func stop() { process.killNow() }
}
