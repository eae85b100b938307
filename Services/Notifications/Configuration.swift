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
