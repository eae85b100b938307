import Hummingbird
import ServiceSupport

extension PaymentsError: ProblemConvertible {
    /// The only place a payments error becomes an HTTP status and its problem+json.
    var problem: Problem {
        switch self {
        case .noSuchRun: return .notFound("There is no such run.")
        case .noSuchClaim: return .notFound("There is no such claim.")
        case .notYetInPayments(let reference):
            return .notFound("Payments has no claim \(reference): it has not been submitted, or its submission has not reached payments yet.")
        case .nothingToSend(let kind): return Problem(.conflict, detail: kind.nothingToSend)
        case .changedSinceRead(let reference, let version): return Precondition.changed("Payments' view of claim \(reference)", version: version)
        case .invalidReason(let message): return .validation([FieldError(field: "reason", message: message)])
        case .unreadableFile(let error): return error.problem
        case .fileHasErrors(let errors):
            return Problem(
                .unprocessableContent,
                title: "The file has errors",
                detail: "Nothing was applied. Correct every row listed and upload the whole file again.",
                errors: errors
            )
        }
    }
}

extension LifecycleRefusal: ProblemConvertible {
    /// A step the claim's status does not allow: 409, saying where the claim is.
    var problem: Problem { Problem(.conflict, detail: message) }
}
