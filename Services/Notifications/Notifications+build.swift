import Foundation
import GRDB
import Logging
import ServiceLifecycle
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
                    let sending = SendingPolicy(ratePerSecond: mail.ratePerSecond, maxAttempts: mail.maxAttempts, retryBase: mail.retryBaseSeconds)
                    let checks = DeliveryCheckPolicy(firstCheck: mail.notify?.firstStatusCheck ?? 60)
                    var services: [any Service] = [
                        EmailSender(
                            database: env.database,
                            outbox: env.outbox,
                            transport: transport,
                            from: mail.from,
                            logger: env.logger,
                            now: env.now,
                            policy: sending,
                            deliveryChecks: checks
                        ),
                        WindowReminders(database: env.database, claimsBaseURL: env.configuration.publicBaseURL, logger: env.logger, now: env.now),
                    ]
                    if mail.transport == .notify {
                        services.append(
                            DeliveryTracker(
                                database: env.database,
                                outbox: env.outbox,
                                transport: transport,
                                logger: env.logger,
                                now: env.now,
                                policy: checks,
                                sending: sending
                            )
                        )
                    }
                    return services
                },
                openAPI: try OpenAPIDocument.load()
            )
        )
    }

    /// `MAIL_TRANSPORT`: `.eml` files in `MAIL_DIR`, the SMTP server of `SMTP_*`, or GOV.UK
    /// Notify with `NOTIFY_*`.
    static func mailTransport(_ mail: MailConfiguration, logger: Logger? = nil) throws -> any MailTransport {
        if mail.transport == .notify, let notify = mail.notify {
            // Tokens carry the real time: Notify refuses one more than 30 seconds off its clock.
            return NotifyMailTransport(
                client: NotifyClient(
                    settings: NotifyClient.Settings(baseURL: notify.baseURL, key: notify.key, requestsPerMinute: notify.requestsPerMinute)
                ),
                templateID: notify.templateID
            )
        }
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
