import Foundation
import Hummingbird

/// `If-Match` on support actions (`../spec/api.md`, "Conventions"): each service serves its own
/// view of a claim with an `ETag`, and an action sent with a stale one changes nothing.
public enum Precondition {
    /// The `ETag` header for `version`.
    public static func eTag(_ version: Int64) -> HTTPFields { [.eTag: "\"\(version)\""] }

    /// 412 when the request's `If-Match` names another version than `version`; nothing when the
    /// request has none (the header is optional) or asks for `*`.
    public static func check(_ request: Request, version: Int64, what: String) throws {
        guard let header = request.headers[.ifMatch] else { return }
        let tags = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if tags.contains("*") { return }
        let wanted = tags.map { $0.replacingOccurrences(of: "W/", with: "").trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        guard wanted.contains(String(version)) else {
            throw Problem(
                .preconditionFailed,
                title: "Changed by someone else",
                detail: "\(what) has changed since you loaded it (it is now version \(version)); reload it, check what changed, and try again."
            )
        }
    }
}
