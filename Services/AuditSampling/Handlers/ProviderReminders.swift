import Foundation
import Logging
import ServiceLifecycle
import ServiceSupport

/// Reminds providers weekly while a sampling request is open (`AuditDatabase.remindDue`): every
/// request not yet answered whose last email is a week old is published again, with new links and
/// its reminder number, so notifications emails each address.
struct ProviderReminders: Service {
    let database: AuditDatabase
    let logger: Logger
    /// How often to look for reminders that are due.
    var checkEvery: Duration = .seconds(3600)

    func run() async throws {
        // Stop at once on shutdown rather than finishing an hour's sleep.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await database.remindDue() } catch {
                    logger.error("could not send provider reminders", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: checkEvery)
            }
        }
    }
}
