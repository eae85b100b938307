import Foundation
import GRDB
import ServiceSupport

/// Notifications: emails schools, providers and the payer at every step, with retries and reminders.
enum Notifications {
    /// The composition root: the service's parts wired to storage, the bus and HTTP. Tests call
    /// it too, with an in-memory bus and a fixed clock.
    static func build(configuration: Configuration, dependencies: ServiceDependencies) async throws -> BuiltService {
        try await ServiceHost.build(
            configuration: configuration.common, dependencies: dependencies,
            parts: ServiceParts(
                migrations: { Migrations.register(in: &$0) },
                handlers: { env in EmailHandlers(claimsBaseURL: env.configuration.publicBaseURL).handlers },
                routes: { router, env in NotificationRoutes(env: env).add(to: router) },
                background: { env in
                    [EmailSender(
                        database: env.database, outbox: env.outbox,
                        transport: FileMailTransport(directory: env.configuration.mail.directory), from: env.configuration.mail.from,
                        logger: env.logger, now: env.now)]
                },
                openAPI: OpenAPIDocument.yaml))
    }
}
