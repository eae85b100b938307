import Foundation
import GRDB
import ServiceSupport

/// Claims intake: schools, trusts and support create, submit, find and track claims.
enum ClaimsIntake {
    /// The composition root: the service's parts wired to storage, the bus and HTTP. Tests call
    /// it too, with an in-memory bus and a fixed clock.
    static func build(configuration: Configuration, dependencies: ServiceDependencies) async throws -> BuiltService {
        try await ServiceHost.build(
            configuration: configuration.common,
            dependencies: dependencies,
            parts: ServiceParts(
                migrations: { Migrations.register(in: &$0) },
                handlers: { env in ClaimStatusHandlers(outbox: env.outbox).handlers },
                routes: { router, env in
                    SchoolRoutes(database: IntakeDatabase(env)).add(to: router)
                    ReferenceDataRoutes(database: IntakeDatabase(env)).add(to: router)
                    ClaimSearchRoutes(database: IntakeDatabase(env)).add(to: router)
                    ClaimRoutes(database: IntakeDatabase(env)).add(to: router)
                },
                background: { env in [PlannerStatistics(env: env)] },
                openAPI: try OpenAPIDocument.load()
            )
        )
    }
}
