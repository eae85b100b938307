import Foundation
import Hummingbird

/// The request context of every service: the framework's storage plus who is asking.
public struct ServiceRequestContext: RequestContext {
    /// The framework's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The verified user on `/api/` routes; nil elsewhere.
    public var user: AuthenticatedUser?

    /// Creates a context for a new request.
    public init(source: Source) {
        coreContext = .init(source: source)
        user = nil
    }

    /// JSON bodies up to 1 MiB; CSV routes collect their own, larger, limit.
    public var maxUploadSize: Int { RequestDecoding.csvLimit }

    /// The signed-in user; 401 when there is none.
    public func requireUser() throws -> AuthenticatedUser {
        guard let user else { throw Problem.unauthorized() }
        return user
    }

    /// The signed-in user if they have one of `roles`; 403 otherwise.
    public func requireRole(_ roles: Role...) throws -> AuthenticatedUser {
        let user = try requireUser()
        guard roles.contains(user.role) else {
            throw Problem.forbidden("This action is not available to \(user.role.rawValue) users.")
        }
        return user
    }
}

/// Verifies the bearer token on every `/api/` request; 401 when it is missing or refused.
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext
    private let verifier: TokenVerifier

    /// Creates the middleware.
    public init(verifier: TokenVerifier) { self.verifier = verifier }

    public func handle(
        _ request: Request,
        context: ServiceRequestContext,
        next: (Request, ServiceRequestContext) async throws -> Response
    ) async throws -> Response {
        guard request.uri.path.hasPrefix("/api/") else { return try await next(request, context) }
        // Single-use download links carry their own signed token instead of a bearer token.
        if request.uri.path.hasSuffix("/file"), request.uri.queryParameters["token"] != nil {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw Problem.unauthorized()
        }
        let token = String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        var context = context
        do {
            context.user = try await verifier.verify(token)
        } catch {
            context.logger.info("refused a bearer token", metadata: ["reason": "\(error)"])
            throw Problem.unauthorized()
        }
        return try await next(request, context)
    }
}
