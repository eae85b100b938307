import Foundation
import Logging
import Synchronization

/// One JSON object per line on standard output, for containers: `timestamp`, `level`,
/// `service`, `message`, `label` and every metadata key (e.g. `message_id`, `claim_reference`).
public struct JSONLogHandler: LogHandler {
    /// Metadata of this logger.
    public var metadata: Logger.Metadata = [:]
    /// The lowest level written.
    public var logLevel: Logger.Level
    private let label: String
    private let service: String
    private static let output = Mutex(())

    /// Creates a handler for `label` of `service`.
    public init(label: String, service: String, level: Logger.Level) {
        self.label = label
        self.service = service
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: String] = [
            "timestamp": Date().formatted(.iso8601), "level": event.level.rawValue, "service": service,
            "message": event.message.description, "label": label,
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            object[key] = "\(value)"
        }
        guard var line = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        line.append(0x0A)
        Self.output.withLock { _ in FileHandle.standardOutput.write(line) }
    }
}

/// Bootstraps logging once per process (called from `App.swift` only).
public enum LogSetup {
    /// Installs text or JSON logging at `level` for `service`.
    public static func bootstrap(service: String, format: LogFormat, level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            if format == .json {
                return JSONLogHandler(label: label, service: service, level: level)
            }
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            handler[metadataKey: "service"] = "\(service)"
            return handler
        }
    }
}
