import HTTPTypes
import Hummingbird

/// A request whose path a route serves, with a method no route takes, is answered 405 with an
/// `Allow` header naming the methods that path takes (RFC 9110), instead of the router's 404.
public struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// How the 405 is given.
    public enum Answer: Sendable {
        /// As `application/problem+json` (an API).
        case problem
        /// Thrown as an `HTTPError` carrying `Allow`, for a middleware outside this one to answer
        /// with its own page (web).
        case thrown
    }

    /// Each route's path segments (`{name}` and `*` match any one segment, `**` the rest) and method.
    let routes: [(segments: [Substring], method: HTTPRequest.Method)]
    let answer: Answer

    /// The middleware for the routes served, as `router.routes` lists them once all are added.
    public init(routes: [(path: String, method: HTTPRequest.Method)], answer: Answer = .problem) {
        self.routes = routes.map { (segments: $0.path.split(separator: "/"), method: $0.method) }
        self.answer = answer
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError where error.status == .notFound && !(error is Problem) {
            let path = request.uri.path.split(separator: "/")
            let allowed = Set(Self.candidates(routes, for: path).map(\.method.rawValue)).sorted()
            guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else { throw error }
            let detail = "\(request.method) is not allowed on \(request.uri.path); use \(allowed.joined(separator: ", "))."
            switch answer {
            case .problem:
                var response = try Problem(.methodNotAllowed, detail: detail).response(from: request, context: context)
                response.headers[.allow] = allowed.joined(separator: ", ")
                return response
            case .thrown:
                throw HTTPError(.methodNotAllowed, headers: [.allow: allowed.joined(separator: ", ")], message: detail)
            }
        }
    }

    /// The routes whose path is `path`, resolved as the router's trie does: at each segment a
    /// constant that matches wins over a parameter (so `/schools/import` is not `/schools/{urn}`).
    static func candidates(
        _ routes: [(segments: [Substring], method: HTTPRequest.Method)],
        for path: [Substring]
    ) -> [(segments: [Substring], method: HTTPRequest.Method)] {
        var candidates = routes.filter { $0.segments.count == path.count || $0.segments.contains("**") }
        for (index, segment) in path.enumerated() {
            let remaining = candidates.filter { index < $0.segments.count }
            let constant = remaining.filter { $0.segments[index] == segment }
            let open = remaining.filter { $0.segments[index] == "*" || $0.segments[index] == "**" || $0.segments[index].contains("{") }
            candidates = constant.isEmpty ? open : constant
            if candidates.contains(where: { $0.segments[index] == "**" }) { break }
        }
        return candidates
    }
}
