import Foundation
import Hummingbird

/// `If-Match` on support actions (`../spec/api.md`, "Conventions"): each service serves its own
/// view of a claim with an `ETag`, and an action sent with a stale one changes nothing.
public enum Precondition {
    /// The `ETag` header for `version`.
    public static func eTag(_ version: Int64) -> HTTPFields { [.eTag: "\"\(version)\""] }

    /// The 412 problem for a view that moved on to `version`.
    public static func changed(_ what: String, version: Int64) -> Problem {
        Problem(
            .preconditionFailed,
            title: "Changed by someone else",
            detail: "\(what) has changed since you loaded it (it is now version \(version)); reload it, check what changed, and try again."
        )
    }
}

/// The versions a request's `If-Match` accepts, read at the HTTP edge so that a database type can
/// check them inside its transaction without knowing about requests.
public struct IfMatch: Sendable, Equatable {
    /// The versions named, or `nil` for any (no header, or `*`).
    public var versions: Set<Int64>?

    /// Any version.
    public static let any = IfMatch(versions: nil)

    /// The versions in `versions`.
    public init(versions: Set<Int64>?) { self.versions = versions }

    /// The request's header, weak tags and quotes removed.
    public init(_ request: Request) {
        guard let header = request.headers[.ifMatch] else {
            versions = nil
            return
        }
        let tags = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if tags.contains("*") {
            versions = nil
            return
        }
        versions = Set(
            tags.compactMap {
                Int64($0.replacingOccurrences(of: "W/", with: "").trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
            }
        )
    }

    /// Whether the view at `version` may be changed.
    public func allows(_ version: Int64) -> Bool { versions?.contains(version) ?? true }
}
