import Foundation
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

/// Configuration every service reads, from the variables of `../spec/operations.md`.
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
    /// `PAYER_EMAIL_ADDRESSES`: the payer's addresses.
    public var payerEmailAddresses: [String]
    /// `MAIL_TRANSPORT`, `MAIL_DIR`, `MAIL_FROM`, `SMTP_*`.
    public var mail: MailConfiguration
    /// `LOG_LEVEL`: trace, debug, info, notice, warning, error or critical.
    public var logLevel: String
    /// `LOG_FORMAT`: `text` or `json`.
    public var logFormat: String
    /// `HTTP_IDLE_TIMEOUT_SECONDS`: a connection that sends nothing for this long, before or
    /// during a request, is closed (slow clients cannot hold connections open).
    public var httpIdleTimeoutSeconds: Int = 30

    /// Every variable a service reads, for documentation and deployment checks.
    public static let variableNames: [String] = [
        "HTTP_HOST", "HTTP_PORT", "DATABASE_PATH", "BUS_PUBLISH", "BUS_PEERS", "BUS_CURVE_SECRET_KEY_FILE",
        "BUS_CURVE_ALLOWED_KEYS", "BUS_PEER_KEYS", "BUS_MAX_MESSAGE_BYTES", "BUS_OUTBOX_RETENTION_DAYS", "AUTH_JWT_SECRET",
        "AUTH_JWT_PUBLIC_KEYS_FILE", "AUTH_JWT_ISSUER", "AUTH_JWT_AUDIENCE", "PUBLIC_BASE_URL", "PAYER_EMAIL_ADDRESSES",
        "MAIL_TRANSPORT", "MAIL_DIR", "MAIL_FROM", "SMTP_HOST", "SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD",
        "SMTP_STARTTLS", "SMTP_CA_FILE", "MAIL_RATE_PER_SECOND", "MAIL_MAX_ATTEMPTS", "MAIL_RETRY_BASE_SECONDS",
        "LOG_LEVEL", "LOG_FORMAT", "HTTP_IDLE_TIMEOUT_SECONDS", "SUPPORT_EMAIL_ADDRESS",
    ]

    /// The variables `web` reads besides the common ones (`../spec/web.md`).
    public static let webVariableNames: [String] = [
        "CLAIMS_INTAKE_URL", "PAYMENTS_URL", "AUDIT_SAMPLING_URL", "NOTIFICATIONS_URL", "OIDC_ISSUER", "OIDC_CLIENT_ID",
        "OIDC_CLIENT_SECRET", "OIDC_SCOPES", "SESSION_IDLE_MINUTES", "WEB_SIGNING_KEY_FILE", "SUPPORT_EMAIL_DOMAINS",
        "WEB_BOOTSTRAP_SUPPORT_EMAILS",
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
        let payer = try env.emails("PAYER_EMAIL_ADDRESSES", default: ["payer@example.invalid"])
        let mail = try MailConfiguration.load(from: env)
        let logLevel = try env.choice(
            "LOG_LEVEL",
            default: "info",
            allowed: ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        )
        let logFormat = try env.choice("LOG_FORMAT", default: "text", allowed: ["text", "json"])
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
            payerEmailAddresses: payer,
            mail: mail,
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

/// Email settings.
public struct MailConfiguration: Sendable, Equatable {
    /// `MAIL_TRANSPORT`: `file` or `smtp`.
    public var transport: String
    /// `MAIL_DIR`: where the file transport writes `.eml` files.
    public var directory: String
    /// `MAIL_FROM`: the sender.
    public var from: String
    /// `SMTP_HOST`.
    public var smtpHost: String?
    /// `SMTP_PORT`.
    public var smtpPort: Int
    /// `SMTP_USERNAME`.
    public var smtpUsername: String?
    /// `SMTP_PASSWORD`.
    public var smtpPassword: String?
    /// `SMTP_STARTTLS`.
    public var smtpStartTLS: Bool
    /// `SMTP_CA_FILE`: an extra certificate authority (PEM) to trust for STARTTLS.
    public var smtpCAFile: String?
    /// `MAIL_RATE_PER_SECOND`: the steady pace of sending.
    public var ratePerSecond: Int
    /// `MAIL_MAX_ATTEMPTS`: tries before an email is marked failed.
    public var maxAttempts: Int
    /// `MAIL_RETRY_BASE_SECONDS`: the first retry's wait, doubled for each further one.
    public var retryBaseSeconds: Double
    /// `SUPPORT_EMAIL_ADDRESS`: where people write to DfE support; the `Reply-To` of every email
    /// that asks for a reply, and named in it (and in a claim's next step).
    public var supportAddress: String = "support@example.invalid"

    static func load(from env: EnvironmentReader) throws -> MailConfiguration {
        let support = try env.emails("SUPPORT_EMAIL_ADDRESS", default: ["support@example.invalid"])
        guard support.count == 1 else {
            throw ConfigurationError(variable: "SUPPORT_EMAIL_ADDRESS", message: "give one address, not \(support.count)")
        }
        let transport = try env.choice("MAIL_TRANSPORT", default: "file", allowed: ["file", "smtp"])
        let host = env.raw("SMTP_HOST")
        if transport == "smtp" && host == nil {
            throw ConfigurationError(variable: "SMTP_HOST", message: "required when MAIL_TRANSPORT is smtp")
        }
        return MailConfiguration(
            transport: transport,
            directory: env.string("MAIL_DIR", default: "./.data/mail"),
            from: env.string("MAIL_FROM", default: "Claim funding for mentor training <no-reply@example.invalid>"),
            smtpHost: host,
            smtpPort: try env.int("SMTP_PORT", default: 587, in: 1...65535),
            smtpUsername: env.raw("SMTP_USERNAME"),
            smtpPassword: env.raw("SMTP_PASSWORD"),
            smtpStartTLS: try env.bool("SMTP_STARTTLS", default: true),
            smtpCAFile: env.raw("SMTP_CA_FILE"),
            ratePerSecond: try env.int("MAIL_RATE_PER_SECOND", default: 20, in: 1...100_000),
            maxAttempts: try env.int("MAIL_MAX_ATTEMPTS", default: 6, in: 1...100),
            retryBaseSeconds: try Self.seconds(env, "MAIL_RETRY_BASE_SECONDS", default: 30),
            supportAddress: support[0]
        )
    }

    static func seconds(_ env: EnvironmentReader, _ name: String, default fallback: Double) throws -> Double {
        guard let raw = env.raw(name) else { return fallback }
        guard let value = Double(raw), value >= 0.01, value <= 3600 else {
            throw ConfigurationError(variable: name, message: "must be a number of seconds from 0.01 to 3600, not \"\(raw)\"")
        }
        return value
    }
}
