import Foundation
import GRDB
import ServiceLifecycle
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
                    let database = IntakeDatabase(env, supportAddress: configuration.supportEmailAddress)
                    SchoolRoutes(database: database).add(to: router)
                    ReferenceDataRoutes(database: database).add(to: router)
                    ClaimSearchRoutes(database: database).add(to: router)
                    ClaimRoutes(database: database, teachingRecord: configuration.teachingRecord.map(TeachingRecord.init)).add(to: router)
                },
                background: { env in
                    var services: [any Service] = [PlannerStatistics(env: env)]
                    if let settings = configuration.giasSync {
                        services.append(
                            GIASSync(
                                settings: settings,
                                database: IntakeDatabase(env, supportAddress: configuration.supportEmailAddress),
                                folder: URL(fileURLWithPath: configuration.common.databasePath).deletingLastPathComponent(),
                                logger: env.logger
                            )
                        )
                    }
                    if let settings = configuration.teachingRecord {
                        services.append(
                            MentorNameSync(
                                record: TeachingRecord(settings: settings),
                                database: IntakeDatabase(env, supportAddress: configuration.supportEmailAddress),
                                logger: env.logger
                            )
                        )
                    }
                    return services
                },
                openAPI: try OpenAPIDocument.load()
            )
        )
    }
}
