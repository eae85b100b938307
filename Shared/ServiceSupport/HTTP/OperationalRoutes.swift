import Foundation
import GRDB
import Hummingbird
import Messaging
import Prometheus

/// `GET /health`, `/ready`, `/metrics` and `/openapi.yaml`, served by every service without a token.
public enum OperationalRoutes {
    /// Adds the four routes to `router`.
    public static func add(
        to router: Router<ServiceRequestContext>,
        database: any DatabaseReader,
        bus: BusStatus,
        metrics: PrometheusCollectorRegistry,
        openAPI: String,
        now: @escaping @Sendable () -> Date
    ) {
        router.get("/health") { _, _ -> Response in
            json(.ok, ["status": "alive"])
        }
        router.get("/ready") { _, _ -> Response in
            var reasons: [String] = []
            do {
                let parked = try await database.read { db -> (count: Int, oldest: Date?) in
                    _ = try Int.fetchOne(db, sql: "SELECT 1")
                    return try Inbox.parkedSummary(db)
                }
                if let oldest = parked.oldest, now().timeIntervalSince(oldest) > 60 {
                    reasons.append("\(parked.count) bus message(s) parked, the oldest for more than a minute")
                }
            } catch {
                reasons.append("the database cannot be read: \(error)")
            }
            reasons += bus.notReadyReasons()
            let snapshot = bus.snapshot
            let unreachable = bus.unreachablePeers()
            var peers: [String: [String: Any]] = [:]
            var warnings = bus.warnings
            for (name, peer) in snapshot.peers {
                peers[name] = [
                    "applied_through": peer.appliedThrough, "known_head": peer.knownHead, "caught_up": peer.caughtUp,
                    "lag": max(0, peer.knownHead - peer.appliedThrough), "reachable": unreachable[name] == nil,
                ]
            }
            for (name, silence) in unreachable.sorted(by: { $0.key < $1.key }) {
                let applied = snapshot.peers[name]?.appliedThrough ?? 0
                warnings.append(
                    "\(name) has not been heard from for \(silence.components.seconds) s (applied through \(applied)); what it sends will be applied when it is back"
                )
            }
            let body: [String: Any] = [
                "status": reasons.isEmpty ? "ready" : "not_ready", "reasons": reasons, "warnings": warnings,
                "bus": ["published_through": snapshot.publishedThrough, "head": snapshot.committedHead, "peers": peers],
            ]
            return json(reasons.isEmpty ? .ok : .serviceUnavailable, body)
        }
        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
        router.get("/openapi.yaml") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: openAPI)))
        }
    }

    /// A JSON response from a dictionary.
    static func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
