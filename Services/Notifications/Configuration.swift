import Foundation
import ServiceSupport

/// The configuration of `notifications`, read once from the environment (`../spec/operations.md`).
struct Configuration: Sendable {
    /// The variables every service reads.
    var common: ServiceConfiguration

    /// Reads and checks every variable; a bad value stops the service naming the variable.
    static func load(from env: EnvironmentReader = EnvironmentReader()) throws -> Configuration {
        Configuration(common: try ServiceConfiguration.load(for: .notifications, from: env))
    }
}
