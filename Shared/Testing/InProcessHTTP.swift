import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import ServiceSupport
import Synchronization

/// A clock that tests set and move.
public final class TestClock: Sendable {
    private let current: Mutex<Date>

    /// Starts at `date`.
    public init(_ date: Date) { current = Mutex(date) }

    /// Starts at an ISO 8601 instant, e.g. `2025-11-03T10:00:00Z`.
    public convenience init(_ iso: String) {
        self.init(ISO8601DateFormatter().date(from: iso) ?? Date(timeIntervalSince1970: 0))
    }

    /// The time now.
    public func now() -> Date { current.withLock { $0 } }

    /// Sets the time.
    public func set(_ date: Date) { current.withLock { $0 = date } }

    /// Sets the time from ISO 8601.
    public func set(_ iso: String) {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = ISO8601DateFormatter().date(from: iso) ?? fractional.date(from: iso) else {
            preconditionFailure("TestClock.set: '\(iso)' is not an ISO 8601 instant")
        }
        set(date)
    }

    /// Moves the time on.
    public func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// Sends requests straight to a service's router, in process, through every middleware.
public struct InProcessHTTP: Sendable {
    private let responder: RouterResponder<ServiceRequestContext>

    /// A client for `router`.
    public init(router: Router<ServiceRequestContext>) {
        responder = router.buildResponder()
    }

    private final class Collector: @unchecked Sendable {
        // Written only by the single response writer of one request, then read after it finished.
        var buffer = ByteBuffer()
    }

    private struct CollectingWriter: ResponseBodyWriter {
        let collector: Collector
        mutating func write(_ buffer: ByteBuffer) async throws {
            var buffer = buffer
            collector.buffer.writeBuffer(&buffer)
        }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    /// Sends one request and returns the reply.
    public func send(
        _ method: HTTPRequest.Method,
        _ path: String,
        token: String? = nil,
        json: Any? = nil,
        body: String? = nil,
        data: Data? = nil,
        contentType: String = "application/json",
        headers: [String: String] = [:]
    ) async throws -> TestHTTP.Reply {
        var fields = HTTPFields()
        if let token { fields[.authorization] = "Bearer \(token)" }
        var bytes = ByteBuffer()
        if let json {
            bytes = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed]))
            fields[.contentType] = contentType
        } else if let body {
            bytes = ByteBuffer(string: body)
            fields[.contentType] = contentType
        } else if let data {
            // Bytes as they are: a file that is not UTF-8.
            bytes = ByteBuffer(bytes: data)
            fields[.contentType] = contentType
        }
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        let request = Request(
            head: HTTPRequest(method: method, scheme: "http", authority: "localhost", path: path, headerFields: fields),
            body: .init(buffer: bytes)
        )
        var logger = Logger(label: "test-http")
        logger.logLevel = .critical
        let context = ServiceRequestContext(source: ApplicationRequestContextSource(channel: EmbeddedChannel(), logger: logger))
        let response = try await responder.respond(to: request, context: context)
        let collector = Collector()
        try await response.body.write(CollectingWriter(collector: collector))
        var headerMap: [String: String] = [:]
        for field in response.headers { headerMap[field.name.canonicalName] = field.value }
        return TestHTTP.Reply(status: response.status.code, headers: headerMap, body: Data(buffer: collector.buffer))
    }
}
