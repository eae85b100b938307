import Foundation
import Hummingbird
import Logging

/// One field's validation message in a 422 problem.
public struct FieldError: Codable, Sendable, Equatable {
    /// The field's path in the request, e.g. `mentors[0].hours`.
    public var field: String
    /// A plain-English message a user can act on.
    public var message: String

    /// Creates one.
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// An RFC 9457 `application/problem+json` error: the only way errors leave an HTTP API.
public struct Problem: Error, Sendable, Equatable, HTTPResponseError, CustomStringConvertible {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A short summary that does not change between occurrences.
    public var title: String
    /// What happened this time and what to do.
    public var detail: String
    /// Field messages, for validation errors.
    public var errors: [FieldError]

    /// Creates a problem.
    public init(_ status: HTTPResponse.Status, title: String? = nil, detail: String, errors: [FieldError] = []) {
        self.status = status
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.errors = errors
    }

    public var description: String { "\(status.code) \(title): \(detail)" }

    /// 401: no valid token.
    public static func unauthorized(_ detail: String = "Sign in again: the request has no valid bearer token.") -> Problem {
        Problem(.unauthorized, detail: detail)
    }
    /// 403: this role may never take this action.
    public static func forbidden(_ detail: String) -> Problem { Problem(.forbidden, detail: detail) }
    /// 404: missing, or outside the user's organisations.
    public static func notFound(_ detail: String) -> Problem { Problem(.notFound, detail: detail) }
    /// 422 with field messages.
    public static func validation(_ errors: [FieldError]) -> Problem {
        Problem(.unprocessableContent, title: "Validation failed", detail: "Correct the fields listed in errors and try again.", errors: errors)
    }

    private struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var errors: [FieldError]?
    }

    /// The problem+json response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(
            type: "about:blank",
            title: title,
            status: status.code,
            detail: detail,
            errors: errors.isEmpty ? nil : errors
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(body)
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A service's own error, which its `HTTP/` layer maps to a problem (the only place it gets a
/// status); `ProblemMiddleware` answers with that problem wherever the error was thrown.
public protocol ProblemConvertible: Error {
    /// The problem+json this error is answered with.
    var problem: Problem { get }
}

/// Turns every error into problem+json: ours as they are, the framework's with their status, and
/// anything unexpected into a logged 500 that reveals nothing.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Creates the middleware.
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return try problem.response(from: request, context: context)
        } catch let error as any ProblemConvertible {
            return try error.problem.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            let detail: String
            switch error.status {
            case .notFound: detail = "There is nothing at \(request.uri.path)."
            case .contentTooLarge: detail = "The body is too large."
            case .methodNotAllowed: detail = "\(request.method) is not allowed on \(request.uri.path)."
            default: detail = (error as? HTTPError)?.body ?? error.status.reasonPhrase
            }
            if error.status.code >= 500 {
                context.logger.error("server error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            }
            return try Problem(error.status, detail: detail).response(from: request, context: context)
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return try Problem(.internalServerError, detail: "Something went wrong on our side; it has been logged.")
                .response(from: request, context: context)
        }
    }
}
