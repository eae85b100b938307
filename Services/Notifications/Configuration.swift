import Foundation
import ServiceSupport

/// The configuration of `notifications`, read once from the environment (`../spec/operations.md`).
struct Configuration: Sendable {
    /// The variables every service reads.
    var common: ServiceConfiguration
    /// How and where emails are sent.
    var mail: MailConfiguration

    /// Every variable notifications reads.
    static let variableNames =
        ServiceConfiguration.variableNames + [
            "MAIL_TRANSPORT", "MAIL_DIR", "MAIL_FROM", "SMTP_HOST", "SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_STARTTLS",
            "SMTP_CA_FILE", "MAIL_RATE_PER_SECOND", "MAIL_MAX_ATTEMPTS", "MAIL_RETRY_BASE_SECONDS", "SUPPORT_EMAIL_ADDRESS",
            "NOTIFY_API_KEY", "NOTIFY_TEMPLATE_ID", "NOTIFY_BASE_URL", "NOTIFY_STATUS_CHECK_SECONDS", "NOTIFY_REQUESTS_PER_MINUTE",
        ]

    /// Reads and checks every variable; a bad value stops the service naming the variable.
    static func load(from env: EnvironmentReader = EnvironmentReader()) throws -> Configuration {
        try env.checkNoneBlank(variableNames)
        return Configuration(common: try ServiceConfiguration.load(for: .notifications, from: env), mail: try MailConfiguration.load(from: env))
    }
}

/// `MAIL_TRANSPORT`.
enum MailTransportKind: String, Sendable, CaseIterable {
    /// `.eml` files in `MAIL_DIR` (development and tests).
    case file
    /// The SMTP server of `SMTP_*`.
    case smtp
    /// GOV.UK Notify, with `NOTIFY_*`: one template, statuses asked for until final.
    case notify
}

/// `NOTIFY_*`: how to reach GOV.UK Notify.
struct NotifySettings: Sendable, Equatable {
    /// The public Notify API.
    static let publicBaseURL = "https://api.notifications.service.gov.uk"

    /// `NOTIFY_API_KEY`: the service's key, `name-serviceid-secret` (a secret: never logged).
    var key: NotifyAPIKey
    /// `NOTIFY_TEMPLATE_ID`: the one email template, whose subject is `((subject))` and whose
    /// body is `((body))`.
    var templateID: String
    /// `NOTIFY_BASE_URL`: the API's address (plain http only on a loopback address).
    var baseURL: String
    /// `NOTIFY_STATUS_CHECK_SECONDS`: the first delivery check after sending, doubled for each
    /// further one up to an hour.
    var firstStatusCheck: Double
    /// `NOTIFY_REQUESTS_PER_MINUTE`: requests (sends and status checks) in any 60 seconds; the
    /// default stays under Notify's documented 3,000 a minute. Raise it only when Notify has
    /// raised the service's limit.
    var requestsPerMinute: Int = 2700

    static func load(from env: EnvironmentReader) throws -> NotifySettings {
        guard let keyText = env.raw("NOTIFY_API_KEY") else {
            throw ConfigurationError(
                variable: "NOTIFY_API_KEY",
                message: "required when MAIL_TRANSPORT is notify: the key from Notify's API integration page"
            )
        }
        let key: NotifyAPIKey
        do {
            key = try NotifyAPIKey(keyText)
        } catch {
            throw ConfigurationError(variable: "NOTIFY_API_KEY", message: error.description)
        }
        guard let template = env.raw("NOTIFY_TEMPLATE_ID") else {
            throw ConfigurationError(variable: "NOTIFY_TEMPLATE_ID", message: "required when MAIL_TRANSPORT is notify: the id of the email template")
        }
        guard UUID(uuidString: template) != nil else {
            throw ConfigurationError(variable: "NOTIFY_TEMPLATE_ID", message: "'\(template)' is not a template id (a UUID, as Notify shows it)")
        }
        let base = try env.httpAddress("NOTIFY_BASE_URL", example: publicBaseURL) ?? publicBaseURL
        if let url = URL(string: base), url.scheme?.lowercased() == "http", !["127.0.0.1", "localhost", "::1"].contains(url.host ?? "") {
            throw ConfigurationError(
                variable: "NOTIFY_BASE_URL",
                message: "must be https (the API key's tokens would travel in clear); plain http is for a loopback address only"
            )
        }
        return NotifySettings(
            key: key,
            templateID: template.lowercased(),
            baseURL: base,
            firstStatusCheck: try MailConfiguration.seconds(env, "NOTIFY_STATUS_CHECK_SECONDS", default: 60),
            requestsPerMinute: try env.int("NOTIFY_REQUESTS_PER_MINUTE", default: 2700, in: 1...1_000_000)
        )
    }
}

/// Email settings: `MAIL_*`, `SMTP_*` and `SUPPORT_EMAIL_ADDRESS`.
struct MailConfiguration: Sendable, Equatable {
    /// `MAIL_TRANSPORT`: where emails go.
    var transport: MailTransportKind
    /// `MAIL_DIR`: where the file transport writes `.eml` files.
    var directory: String
    /// `MAIL_FROM`: the sender.
    var from: String
    /// `SMTP_HOST`.
    var smtpHost: String?
    /// `SMTP_PORT`.
    var smtpPort: Int
    /// `SMTP_USERNAME`.
    var smtpUsername: String?
    /// `SMTP_PASSWORD`.
    var smtpPassword: String?
    /// `SMTP_STARTTLS`.
    var smtpStartTLS: Bool
    /// `SMTP_CA_FILE`: an extra certificate authority (PEM) to trust for STARTTLS.
    var smtpCAFile: String?
    /// `NOTIFY_*`, when `MAIL_TRANSPORT` is notify.
    var notify: NotifySettings?
    /// `MAIL_RATE_PER_SECOND`: the steady pace of sending.
    var ratePerSecond: Int
    /// `MAIL_MAX_ATTEMPTS`: tries before an email is marked failed.
    var maxAttempts: Int
    /// `MAIL_RETRY_BASE_SECONDS`: the first retry's wait, doubled for each further one.
    var retryBaseSeconds: Double
    /// `SUPPORT_EMAIL_ADDRESS`: where people write to DfE support; the `Reply-To` of every email
    /// that asks for a reply, and named in it (and in a claim's next step).
    var supportAddress: String = "support@example.invalid"

    static func load(from env: EnvironmentReader) throws -> MailConfiguration {
        let support = try env.email("SUPPORT_EMAIL_ADDRESS", default: "support@example.invalid")
        let transport = try env.choice("MAIL_TRANSPORT", default: MailTransportKind.file)
        let host = env.raw("SMTP_HOST")
        if transport == .smtp && host == nil {
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
            notify: transport == .notify ? try NotifySettings.load(from: env) : nil,
            ratePerSecond: try env.int("MAIL_RATE_PER_SECOND", default: 20, in: 1...100_000),
            maxAttempts: try env.int("MAIL_MAX_ATTEMPTS", default: 6, in: 1...100),
            retryBaseSeconds: try Self.seconds(env, "MAIL_RETRY_BASE_SECONDS", default: 30),
            supportAddress: support
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
