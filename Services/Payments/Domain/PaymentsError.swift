import ServiceSupport

/// Why payments refused something. Each case carries what the person needs to put it right (a step the claim's status does not
/// allow is a `LifecycleRefusal`); the
/// HTTP layer alone turns a case into a status (`PaymentsError+HTTP.swift`).
enum PaymentsError: Error, Equatable, Sendable {
    /// No run of that kind with that id.
    case noSuchRun
    /// No claim with that reference in payments' copy (or it was deleted).
    case noSuchClaim
    /// Payments has never heard of the claim: not submitted, or its submission is still on its way.
    case notYetInPayments(reference: String)
    /// A new run would hold nothing.
    case nothingToSend(RunKind)
    /// Support's view is older than the claim: it changed in between.
    case changedSinceRead(reference: String, version: Int64)
    /// A reason was required and missing or too long.
    case invalidReason(String)
    /// The payer's file could not be read as CSV.
    case unreadableFile(CSVFileError)
    /// The payer's file was read, but rows are wrong; nothing was applied.
    case fileHasErrors([FieldError])
}
