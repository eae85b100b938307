import Foundation
import ServiceSupport

/// The configuration of `payments`, read once from the environment (`../spec/operations.md`).
struct Configuration: Sendable {
    /// The variables every service reads.
    var common: ServiceConfiguration
    /// `PAYER_EMAIL_ADDRESSES`: where each run's single-use download link is sent.
    var payerEmailAddresses: [String]

    /// Every variable payments reads.
    static let variableNames = ServiceConfiguration.variableNames + ["PAYER_EMAIL_ADDRESSES"]

    /// Reads and checks every variable; a bad value stops the service naming the variable.
    static func load(from env: EnvironmentReader = EnvironmentReader()) throws -> Configuration {
        try env.checkNoneBlank(variableNames)
        return Configuration(
            common: try ServiceConfiguration.load(for: .payments, from: env),
            payerEmailAddresses: try env.emails("PAYER_EMAIL_ADDRESSES", default: ["payer@example.invalid"])
        )
    }
}
