import Foundation
import Logging
import Messaging
import MessagingZMQ

/// The five services and their embedded defaults (`../spec/operations.md`).
public enum ServiceName: String, Sendable, CaseIterable {
    case claimsIntake = "claims-intake"
    case payments = "payments"
    case auditSampling = "audit-sampling"
    case notifications = "notifications"
    /// The front door for people (`../spec/web.md`).
    case web = "web"

    /// Default `HTTP_PORT`.
    public var defaultHTTPPort: Int {
        switch self {
        case .claimsIntake: return 8080
        case .payments: return 8081
        case .auditSampling: return 8082
        case .notifications: return 8083
        case .web: return 8084
        }
    }

    /// Default `BUS_PUBLISH`.
    public var defaultBusEndpoint: String {
        switch self {
        case .claimsIntake: return "tcp://127.0.0.1:5551"
        case .payments: return "tcp://127.0.0.1:5553"
        case .auditSampling: return "tcp://127.0.0.1:5555"
        case .notifications: return "tcp://127.0.0.1:5557"
        case .web: return "tcp://127.0.0.1:5559"
        }
    }

    /// The producers this service subscribes to by default: the other back-end services; only
    /// notifications also hears `web` (membership emails), and `web` hears nobody.
    public var defaultPeers: [ServiceName] {
        switch self {
        case .web: return []
        case .notifications: return Self.allCases.filter { $0 != self }
        default: return Self.allCases.filter { $0 != self && $0 != .web }
        }
    }

    /// The default `PUBLIC_BASE_URL`: links for people go to `web`'s pages; the payments and
    /// audit-sampling download links go to the service itself.
    public func defaultPublicBaseURL(httpPort: Int) -> String {
        switch self {
        case .notifications, .web, .claimsIntake: return "http://127.0.0.1:\(ServiceName.web.defaultHTTPPort)"
        case .payments, .auditSampling: return "http://127.0.0.1:\(httpPort)"
        }
    }
}

/// The development signing secret used when `AUTH_JWT_SECRET` is unset (with a warning).
public let developmentJWTSecret = "mentor-claims-development-secret-do-not-use-in-production"

/// `LOG_FORMAT`: how log lines are written.
public enum LogFormat: String, Sendable, CaseIterable {
    /// One readable line per event (a terminal).
    case text
    /// One JSON object per line (containers).
    case json
}

/// Configuration every service reads, from the variables of `../spec/operations.md`; what only
/// one service reads is in that service's own `Configuration`.
public struct ServiceConfiguration: Sendable {
    /// Which service this is.
    public var service: ServiceName
    /// `HTTP_HOST`: where the HTTP API listens.
    public var httpHost: String
    /// `HTTP_PORT`: the HTTP port (0 picks a free one).
    public var httpPort: Int
    /// `DATABASE_PATH`: the service's SQLite file.
    public var databasePath: String
    /// `BUS_PUBLISH`: where the PUB socket binds; replay binds at port + 1.
    public var busPublish: String
    /// `BUS_PEERS`: producers subscribed to, `name=endpoint` separated by commas.
    public var busPeers: [BusPeer]
    /// `BUS_CURVE_SECRET_KEY_FILE`, `BUS_CURVE_ALLOWED_KEYS`, `BUS_PEER_KEYS`: CurveZMQ, off when unset.
    public var busCurve: BusCurveKeys?
    /// `BUS_MAX_MESSAGE_BYTES`: the largest frame accepted.
    public var busMaxMessageBytes: Int
    /// `BUS_OUTBOX_RETENTION_DAYS`: how long outbox messages are kept for replay (at least 30).
    public var busOutboxRetentionDays: Int
    /// How tokens are verified (`AUTH_JWT_SECRET` or `AUTH_JWT_PUBLIC_KEYS_FILE`, with
    /// `AUTH_JWT_ISSUER` and `AUTH_JWT_AUDIENCE`).
    public var auth: AuthConfiguration
    /// `PUBLIC_BASE_URL`: base of links in emails.
    public var publicBaseURL: String
    /// `LOG_LEVEL`: trace, debug, info, notice, warning, error or critical.
    public var logLevel: Logger.Level
    /// `LOG_FORMAT`: `text` or `json`.
    public var logFormat: LogFormat
    /// `HTTP_IDLE_TIMEOUT_SECONDS`: a connection that sends nothing for this long, before or
    /// during a request, is closed (slow clients cannot hold connections open).
    public var httpIdleTimeoutSeconds: Int = 30

    /// The variables every service reads; each service's `Configuration.variableNames` adds its own.
    public static let variableNames: [String] = [
        "HTTP_HOST", "HTTP_PORT", "DATABASE_PATH", "BUS_PUBLISH", "BUS_PEERS", "BUS_CURVE_SECRET_KEY_FILE",
        "BUS_CURVE_ALLOWED_KEYS", "BUS_PEER_KEYS", "BUS_MAX_MESSAGE_BYTES", "BUS_OUTBOX_RETENTION_DAYS", "AUTH_JWT_SECRET",
        "AUTH_JWT_PUBLIC_KEYS_FILE", "AUTH_JWT_ISSUER", "AUTH_JWT_AUDIENCE", "PUBLIC_BASE_URL", "LOG_LEVEL", "LOG_FORMAT",
        "HTTP_IDLE_TIMEOUT_SECONDS",
    ]

    /// Whether `host` is a loopback address (or `localhost`): the only place where development
    /// defaults for secrets may be used.
    public static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if lowered == "localhost" || lowered == "::1" { return true }
        let parts = lowered.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// Whether the bus is published beyond this machine without CurveZMQ: allowed (an operator
    /// may have a private network), but logged as a warning and named in `/ready`'s body.
    public var busIsExposedWithoutCurve: Bool {
        guard busCurve == nil, let host = try? BusEndpoint.split(busPublish).host else { return false }
        return !Self.isLoopback(host)
    }

    /// Reads and checks every variable; the first bad one stops the service.
    public static func load(for service: ServiceName, from env: EnvironmentReader = EnvironmentReader()) throws -> ServiceConfiguration {
        try env.checkNoneBlank(variableNames)
        let httpHost = env.string("HTTP_HOST", default: "127.0.0.1")
        let httpPort = try env.int("HTTP_PORT", default: service.defaultHTTPPort, in: 0...65535)
        let databasePath = env.string("DATABASE_PATH", default: "./.data/\(service.rawValue).sqlite")
        let busPublish = env.string("BUS_PUBLISH", default: service.defaultBusEndpoint)
        do { _ = try BusEndpoint.replayEndpoint(for: busPublish) } catch {
            throw ConfigurationError(variable: "BUS_PUBLISH", message: "\(error)")
        }
        let peerKeys = try Self.keyMap(env, "BUS_PEER_KEYS")
        var peers: [BusPeer] = []
        let defaultPeers = service.defaultPeers.map { "\($0.rawValue)=\($0.defaultBusEndpoint)" }
        // `none` says "no peers" (blank would be a mistake, and is refused).
        let peerEntries = env.raw("BUS_PEERS")?.lowercased() == "none" ? [] : env.list("BUS_PEERS", default: defaultPeers)
        for entry in peerEntries {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ConfigurationError(variable: "BUS_PEERS", message: "'\(entry)' is not name=tcp://HOST:PORT")
            }
            do { _ = try BusEndpoint.replayEndpoint(for: parts[1]) } catch {
                throw ConfigurationError(variable: "BUS_PEERS", message: "\(error)")
            }
            guard !peers.contains(where: { $0.name == parts[0] }) else {
                throw ConfigurationError(variable: "BUS_PEERS", message: "\(parts[0]) is named twice")
            }
            peers.append(BusPeer(name: parts[0], endpoint: parts[1], serverKey: peerKeys[parts[0]]))
        }
        var curve: BusCurveKeys?
        if let keyFile = env.raw("BUS_CURVE_SECRET_KEY_FILE") {
            guard let text = try? String(contentsOfFile: keyFile, encoding: .utf8) else {
                throw ConfigurationError(variable: "BUS_CURVE_SECRET_KEY_FILE", message: "cannot read \(keyFile)")
            }
            let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard secret.count == 40 else {
                throw ConfigurationError(variable: "BUS_CURVE_SECRET_KEY_FILE", message: "\(keyFile) must hold a 40-character Z85 secret key")
            }
            let allowed = env.list("BUS_CURVE_ALLOWED_KEYS", default: [])
            guard !allowed.isEmpty else {
                throw ConfigurationError(
                    variable: "BUS_CURVE_ALLOWED_KEYS",
                    message: "list the public keys allowed to subscribe, separated by commas"
                )
            }
            for peer in peers where peer.serverKey == nil {
                throw ConfigurationError(variable: "BUS_PEER_KEYS", message: "no key for \(peer.name); write \(peer.name)=<its public key>")
            }
            do { curve = try BusCurveKeys(secretKey: secret, allowedClientKeys: Set(allowed)) } catch {
                throw ConfigurationError(variable: "BUS_CURVE_SECRET_KEY_FILE", message: "not a valid Z85 secret key")
            }
        } else {
            // Keys without the secret key file would silently leave the bus open.
            for name in ["BUS_CURVE_ALLOWED_KEYS", "BUS_PEER_KEYS"] where env.raw(name) != nil {
                throw ConfigurationError(
                    variable: "BUS_CURVE_SECRET_KEY_FILE",
                    message: "must be set when \(name) is: CurveZMQ needs this service's own secret key"
                )
            }
        }
        let maxBytes = try env.int("BUS_MAX_MESSAGE_BYTES", default: 1_048_576, in: 1024...(64 << 20))
        let retention = try env.int("BUS_OUTBOX_RETENTION_DAYS", default: 30, in: 30...3650)
        let auth = try AuthConfiguration.load(from: env, httpHost: httpHost)
        let idleTimeout = try env.int("HTTP_IDLE_TIMEOUT_SECONDS", default: 30, in: 1...3600)
        let baseURL = env.string("PUBLIC_BASE_URL", default: service.defaultPublicBaseURL(httpPort: httpPort))
        guard let url = URL(string: baseURL), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ConfigurationError(variable: "PUBLIC_BASE_URL", message: "'\(baseURL)' is not an http(s) URL")
        }
        let logLevel = try env.choice("LOG_LEVEL", default: Logger.Level.info)
        let logFormat = try env.choice("LOG_FORMAT", default: LogFormat.text)
        return ServiceConfiguration(
            service: service,
            httpHost: httpHost,
            httpPort: httpPort,
            databasePath: databasePath,
            busPublish: busPublish,
            busPeers: peers,
            busCurve: curve,
            busMaxMessageBytes: maxBytes,
            busOutboxRetentionDays: retention,
            auth: auth,
            publicBaseURL: baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL,
            logLevel: logLevel,
            logFormat: logFormat,
            httpIdleTimeoutSeconds: idleTimeout
        )
    }

    private static func keyMap(_ env: EnvironmentReader, _ name: String) throws -> [String: String] {
        var map: [String: String] = [:]
        for entry in env.list(name, default: []) {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[1].count == 40 else {
                throw ConfigurationError(variable: name, message: "'\(entry)' is not name=<40-character Z85 public key>")
            }
            map[parts[0]] = parts[1]
        }
        return map
    }
}
