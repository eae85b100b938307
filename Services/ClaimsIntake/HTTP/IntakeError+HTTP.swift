import Hummingbird
import ServiceSupport

extension IntakeError: ProblemConvertible {
    /// The only place a claims-intake error becomes an HTTP status and its problem+json.
    var problem: Problem {
        switch self {
        case .notFound(let detail): return .notFound(detail)
        case .forbidden(let detail): return .forbidden(detail)
        case .conflict(let detail): return Problem(.conflict, detail: detail)
        case .invalid(let errors): return .validation(errors)
        case .changedSinceRead(let what, let version): return Precondition.changed(what, version: version)
        case .unreadableFile(let error): return error.problem
        case .fileHasErrors(let errors, let detail):
            return Problem(.unprocessableContent, title: "The file has errors", detail: detail, errors: errors)
        }
    }
}
