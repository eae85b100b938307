import Foundation
import ServiceSupport

/// The configuration of `claims-intake`, read once from the environment (`../spec/operations.md`).
struct Configuration: Sendable {
    /// The variables every service reads.
    var common: ServiceConfiguration
    /// `SUPPORT_EMAIL_ADDRESS`: named in a claim's next step when the school should write to support.
    var supportEmailAddress: String
    /// `GIAS_CSV_BASE_URL` and `GIAS_SYNC_AT`: the daily import of the GIAS extract, when set.
    var giasSync: GIASSync.Settings?
    /// `TRS_BASE_URL` and `TRS_API_KEY`: the Teaching Record System, when set.
    var teachingRecord: TeachingRecord.Settings?

    /// Every variable claims-intake reads.
    static let variableNames =
        ServiceConfiguration.variableNames + ["SUPPORT_EMAIL_ADDRESS", "GIAS_CSV_BASE_URL", "GIAS_SYNC_AT", "TRS_BASE_URL", "TRS_API_KEY"]

    /// Reads and checks every variable; a bad value stops the service naming the variable.
    static func load(from env: EnvironmentReader = EnvironmentReader()) throws -> Configuration {
        try env.checkNoneBlank(variableNames)
        let syncAt = try londonTime(env, "GIAS_SYNC_AT", default: (3, 0))
        let giasBase = try env.httpAddress("GIAS_CSV_BASE_URL", example: "https://ea-edubase-api-prod.azurewebsites.net/edubase/downloads/public")
        let gias = giasBase.map { GIASSync.Settings(baseURL: $0, hour: syncAt.hour, minute: syncAt.minute) }
        return Configuration(
            common: try ServiceConfiguration.load(for: .claimsIntake, from: env),
            supportEmailAddress: try env.email("SUPPORT_EMAIL_ADDRESS", default: "support@example.invalid"),
            giasSync: gias,
            teachingRecord: try teachingRecord(env)
        )
    }

    /// The Teaching Record System's address and key: both, or neither. The key is never shown.
    static func teachingRecord(_ env: EnvironmentReader) throws -> TeachingRecord.Settings? {
        let key = env.raw("TRS_API_KEY")
        guard let base = try env.httpAddress("TRS_BASE_URL", example: "https://teacher-qualifications-api.education.gov.uk") else {
            if key != nil { throw ConfigurationError(variable: "TRS_API_KEY", message: "is set but TRS_BASE_URL is not: set both, or neither") }
            return nil
        }
        guard let key else { throw ConfigurationError(variable: "TRS_API_KEY", message: "is required with TRS_BASE_URL") }
        return TeachingRecord.Settings(baseURL: base, apiKey: key)
    }

    /// A London time of day, `HH:MM`.
    static func londonTime(_ env: EnvironmentReader, _ name: String, default fallback: (hour: Int, minute: Int)) throws -> (hour: Int, minute: Int) {
        guard let text = env.raw(name) else { return fallback }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
            let hour = Int(parts[0]), let minute = Int(parts[1]), (0...23).contains(hour), (0...59).contains(minute)
        else {
            throw ConfigurationError(variable: name, message: "'\(text)' is not a time of day as HH:MM, like 03:00")
        }
        return (hour, minute)
    }
}
