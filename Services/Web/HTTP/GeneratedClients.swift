import Foundation
import HTTPTypes
import NotificationsAPI
import OpenAPIRuntime
import OpenAPIURLSession
import ServiceSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// web's clients generated from the services' OpenAPI documents, calling as the signed-in person
/// with the same short-lived token, timeouts and errors as ``ServiceClient/call(_:_:_:as:json:body:contentType:headers:)``.
extension ServiceClient {
    /// notifications' client, calling as `user`.
    func notifications(as user: AuthenticatedUser) async throws -> NotificationsAPI.Client {
        NotificationsAPI.Client(
            serverURL: urls.notifications,
            transport: URLSessionTransport(configuration: .init(session: session)),
            middlewares: [AsSignedInPerson(token: try await signer.sign(user, lifetime: Self.tokenLifetime), backend: .notifications)]
        )
    }

    /// The answer of a generated client's call, with its failures as the ``ServiceCallError`` the
    /// pages handle: a refusal as the service gave it, a service that does not answer as
    /// unavailable, and an answer that does not match the document as a failure.
    func generated<T>(_ backend: Backend, _ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch let error as ClientError {
            switch error.underlyingError {
            case let refusal as ServiceCallError: throw refusal
            case let failure as URLError: throw ServiceCallError.unavailable("\(backend) did not answer: \(failure.localizedDescription)")
            default:
                throw ServiceCallError.failed(status: error.response?.status.code ?? 0, detail: "\(error.causeDescription): \(error.underlyingError)")
            }
        }
    }
}

/// Sends the signed-in person's token, and turns a service's answer outside 2xx into the
/// ``ServiceCallError`` it means (404, 403, 422 with its field errors, 409, 412, 5xx), read from its
/// problem+json exactly as for hand-written calls.
struct AsSignedInPerson: ClientMiddleware {
    let token: String
    let backend: Backend

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(token)"
        let (response, answer) = try await next(request, body, baseURL)
        guard (200..<300).contains(response.status.code) else {
            var data = Data()
            if let answer { data = try await Data(collecting: answer, upTo: 1 << 20) }
            throw ServiceClient.refusal(status: response.status.code, body: data, from: backend)
        }
        return (response, answer)
    }
}
