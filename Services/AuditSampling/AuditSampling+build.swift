import Foundation
import GRDB
import ServiceSupport

/// Audit sampling: flags risky claims, samples paid claims for audit, collects responses, requests clawbacks with four-eyes approval.
enum AuditSampling {
    /// The composition root: the service's parts wired to storage, the bus and HTTP. Tests call
    /// it too, with an in-memory bus and a fixed clock.
    static func build(configuration: Configuration, dependencies: ServiceDependencies) async throws -> BuiltService {
        try await ServiceHost.build(
            configuration: configuration.common,
            dependencies: dependencies,
            parts: ServiceParts(
                migrations: { Migrations.register(in: &$0) },
                handlers: { env in ClaimHandlers(outbox: env.outbox).handlers },
                routes: { router, env in AuditRoutes(database: AuditDatabase(env)).add(to: router) },
                background: { env in [ProviderReminders(database: AuditDatabase(env), logger: env.logger)] },
                openAPI: try OpenAPIDocument.load()
            )
        )
    }
}
