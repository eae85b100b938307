import Foundation
import Hummingbird
import ServiceSupport

extension AuditError: ProblemConvertible {
    /// The only place an audit-sampling error becomes an HTTP status and its problem+json.
    var problem: Problem {
        switch self {
        case .noSuchRequest: return .notFound("There is no such request.")
        case .noSuchSample: return .notFound("There is no such sample.")
        case .noSuchClaim: return .notFound("There is no such claim.")
        case .notYetInAudit(let reference):
            return .notFound(
                "Audit sampling has no claim \(reference): it has not been submitted, or its submission has not reached audit sampling yet."
            )
        case .schoolsCannotSeeRequests: return .forbidden("School users cannot see providers' requests.")
        case .changedSinceRead(let reference, let version): return Precondition.changed("Audit's view of claim \(reference)", version: version)
        case .invalid(let errors): return .validation(errors)
        case .unreadableFile(let error): return error.problem
        case .fileHasErrors(let errors, let nothing):
            return Problem(.unprocessableContent, title: "The file has errors", detail: nothing, errors: errors)
        case .nothingToSample: return Problem(.conflict, detail: "There are no paid claims to sample in that academic year.")
        case .alreadySampled(let reference): return Problem(.conflict, detail: "Claim \(reference) is already in an open sample.")
        case .noClawbackPending: return Problem(.conflict, detail: "There is no clawback waiting for approval on this claim.")
        case .ownClawback: return .forbidden("A clawback must be approved or rejected by a support user other than the one who requested it.")
        }
    }
}

extension LifecycleRefusal: ProblemConvertible {
    /// A step the claim's status does not allow: 409, saying where the claim is.
    var problem: Problem { Problem(.conflict, detail: message) }
}

/// An upload applied before: 200 with its earlier reply and `already_applied: true`.
func alreadyApplied(_ earlier: String) throws -> Response {
    var object = (try JSONSerialization.jsonObject(with: Data(earlier.utf8))) as? [String: Any] ?? [:]
    object["already_applied"] = true
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
