import Foundation
import GRDB
import Logging
import ServiceSupport

/// Notifications: emails schools, providers and the payer at every step, with retries and reminders.
enum Notifications {
    /// The composition root: the service's parts wired to storage, the bus and HTTP. Tests call
    /// it too, with an in-memory bus and a fixed clock.
    static func build(configuration: Configuration, dependencies: ServiceDependencies) async throws -> BuiltService {
        let mail = configuration.mail
        let transport = try mailTransport(mail, logger: dependencies.logger)
        return try await ServiceHost.build(
            configuration: configuration.common,
            dependencies: dependencies,
            parts: ServiceParts(
                migrations: { Migrations.register(in: &$0) },
                handlers: { env in
                    EmailHandlers(claimsBaseURL: env.configuration.publicBaseURL, supportAddress: mail.supportAddress).handlers
                },
                routes: { router, env in NotificationRoutes(env: env, mail: mail).add(to: router) },
                background: { env in
                    [
                        EmailSender(
                            database: env.database,
                            outbox: env.outbox,
                            transport: transport,
                            from: mail.from,
                            logger: env.logger,
                            now: env.now,
                            policy: SendingPolicy(ratePerSecond: mail.ratePerSecond, maxAttempts: mail.maxAttempts, retryBase: mail.retryBaseSeconds)
                        ),
                        WindowReminders(database: env.database, claimsBaseURL: env.configuration.publicBaseURL, logger: env.logger, now: env.now),
                    ]
                },
                openAPI: try OpenAPIDocument.load()
            )
        )
    }

    /// `MAIL_TRANSPORT`: `.eml` files in `MAIL_DIR`, or the SMTP server of `SMTP_*`.
    static func mailTransport(_ mail: MailConfiguration, logger: Logger? = nil) throws -> any MailTransport {
        guard mail.transport == .smtp, let host = mail.smtpHost else { return FileMailTransport(directory: mail.directory) }
        if !mail.smtpStartTLS && mail.smtpUsername != nil {
            logger?.warning("SMTP_STARTTLS=false: the SMTP password and every email are sent to \(host) unencrypted")
        }
        return try SMTPMailTransport(
            settings: SMTPSettings(
                host: host,
                port: mail.smtpPort,
                username: mail.smtpUsername,
                password: mail.smtpPassword,
                startTLS: mail.smtpStartTLS,
                certificateAuthorityFile: mail.smtpCAFile
            )
        )
    }
}
