import Foundation
import ServiceSupport

/// The configuration of `audit-sampling`, read once from the environment
/// (`../spec/operations.md`): only the variables every service reads.
struct Configuration: Sendable {
    /// The variables every service reads.
    var common: ServiceConfiguration

    /// Every variable audit-sampling reads.
    static let variableNames = ServiceConfiguration.variableNames

    /// Reads and checks every variable; a bad value stops the service naming the variable.
    static func load(from env: EnvironmentReader = EnvironmentReader()) throws -> Configuration {
        Configuration(common: try ServiceConfiguration.load(for: .auditSampling, from: env))
    }
}
