import Foundation
import GRDB
import ServiceSupport

/// Payments: sends claims to the payer, imports what it paid, runs the information loop and clawbacks, keeps the ledger.
enum Payments {
    /// The composition root: the service's parts wired to storage, the bus and HTTP. Tests call
    /// it too, with an in-memory bus and a fixed clock.
    static func build(configuration: Configuration, dependencies: ServiceDependencies) async throws -> BuiltService {
        try await ServiceHost.build(
            configuration: configuration.common,
            dependencies: dependencies,
            parts: ServiceParts(
                migrations: { Migrations.register(in: &$0) },
                handlers: { _ in ClaimCopyHandlers.handlers },
                routes: { router, env in
                    PaymentRoutes(database: PaymentsDatabase(env, payerAddresses: configuration.payerEmailAddresses)).add(to: router)
                },
                openAPI: try OpenAPIDocument.load()
            )
        )
    }
}
