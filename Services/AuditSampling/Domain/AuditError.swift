import ServiceSupport

/// Why audit-sampling refused something. Each case carries what the person needs to put it
/// right; `AuditError+HTTP.swift` alone turns a case into a status. (A step the claim's status
/// does not allow is a `LifecycleRefusal`.)
enum AuditError: Error, Equatable, Sendable {
    case noSuchRequest
    case noSuchSample
    case noSuchClaim
    /// Audit has never heard of the claim: not submitted, or its submission is still on its way.
    case notYetInAudit(reference: String)
    /// School users never see providers' requests.
    case schoolsCannotSeeRequests
    /// Support's view is older than the claim: it changed in between.
    case changedSinceRead(reference: String, version: Int64)
    /// Input that breaks a rule, field by field.
    case invalid([FieldError])
    /// An uploaded file could not be read as CSV.
    case unreadableFile(CSVFileError)
    /// An uploaded file was read, but rows are wrong; nothing was applied.
    case fileHasErrors([FieldError], nothing: String)
    /// No paid claims to sample in the year.
    case nothingToSample
    /// A listed claim is already in an open sample.
    case alreadySampled(reference: String)
    /// No clawback waits for a decision on the claim.
    case noClawbackPending
    /// Four eyes: the requester tried to decide their own clawback.
    case ownClawback
}
