import Foundation
import ServiceSupport

/// The configuration of `claims-intake`, read once from the environment (`../spec/operations.md`).
struct Configuration: Sendable {
    /// The variables every service reads.
    var common: ServiceConfiguration
    /// `SUPPORT_EMAIL_ADDRESS`: named in a claim's next step when the school should write to support.
    var supportEmailAddress: String

    /// Every variable claims-intake reads.
    static let variableNames = ServiceConfiguration.variableNames + ["SUPPORT_EMAIL_ADDRESS"]

    /// Reads and checks every variable; a bad value stops the service naming the variable.
    static func load(from env: EnvironmentReader = EnvironmentReader()) throws -> Configuration {
        try env.checkNoneBlank(variableNames)
        return Configuration(
            common: try ServiceConfiguration.load(for: .claimsIntake, from: env),
            supportEmailAddress: try env.email("SUPPORT_EMAIL_ADDRESS", default: "support@example.invalid")
        )
    }
}
