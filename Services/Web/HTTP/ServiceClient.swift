import Foundation
import ServiceSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One of the four services web calls.
enum Backend: Sendable {
    case claimsIntake, payments, auditSampling, notifications
}

/// A field error from a service's 422 answer.
struct ServiceFieldError: Decodable, Sendable, Equatable {
    var field: String
    var message: String
}

/// What went wrong calling a service, for the page to show.
enum ServiceCallError: Error, Equatable {
    /// The service does not answer: "Sorry, the service is unavailable" (503).
    case unavailable(String)
    /// 404 from the service: the thing does not exist for this person.
    case notFound
    /// 403: the person may not do this.
    case forbidden(String)
    /// 422: what to fix, by field.
    case invalid([ServiceFieldError], detail: String)
    /// 409 or 412: the request conflicts with what is there now.
    case conflict(status: Int, detail: String)
    /// Anything else (a 5xx, a 401 from a misconfigured key): "Sorry, there is a problem".
    case failed(status: Int, detail: String)
}

/// Calls the services' HTTP APIs with a token of at most five minutes for the signed-in person.
struct ServiceClient: Sendable {
    let urls: ServiceURLs
    let signer: TokenSigner
    let session: URLSession
    /// Tokens live this long (web.md: at most five minutes).
    static let tokenLifetime: TimeInterval = 300

    init(urls: ServiceURLs, signer: TokenSigner) {
        self.urls = urls
        self.signer = signer
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 15
        configuration.httpMaximumConnectionsPerHost = 16
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        self.session = URLSession(configuration: configuration)
    }

    func base(_ backend: Backend) -> URL {
        switch backend {
        case .claimsIntake: return urls.claimsIntake
        case .payments: return urls.payments
        case .auditSampling: return urls.auditSampling
        case .notifications: return urls.notifications
        }
    }

    /// The answer to a call that succeeded (2xx).
    struct Answer: Sendable {
        var status: Int
        var body: Data
        var etag: String?
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            do { return try decoder.decode(type, from: body) } catch {
                throw ServiceCallError.failed(status: status, detail: "unreadable answer: \(error)")
            }
        }
    }

    /// Calls `method path` on `backend` as `user`; throws ``ServiceCallError`` unless 2xx.
    @discardableResult
    func call(
        _ backend: Backend,
        _ method: String,
        _ path: String,
        as user: AuthenticatedUser,
        json: (any Encodable)? = nil,
        body: Data? = nil,
        contentType: String? = nil,
        headers: [String: String] = [:]
    ) async throws -> Answer {
        guard let url = URL(string: base(backend).absoluteString + path) else { throw ServiceCallError.failed(status: 0, detail: "bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        let token = try await signer.sign(user, lifetime: Self.tokenLifetime)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            request.httpBody = try encoder.encode(json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let body {
            request.httpBody = body
            request.setValue(contentType ?? "application/octet-stream", forHTTPHeaderField: "Content-Type")
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw ServiceCallError.unavailable("\(backend) did not answer: \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else { throw ServiceCallError.unavailable("\(backend) gave no HTTP answer") }
        let status = http.statusCode
        if (200..<300).contains(status) {
            return Answer(status: status, body: data, etag: http.value(forHTTPHeaderField: "ETag"))
        }
        throw Self.refusal(status: status, body: data, from: backend)
    }

    /// A service's non-2xx answer as the error the pages handle.
    static func refusal(status: Int, body data: Data, from backend: Backend) -> ServiceCallError {
        struct ProblemBody: Decodable {
            var detail: String?
            var title: String?
            var errors: [ServiceFieldError]?
            /// The schools import's rows refused (`{row, message}`), read as "row N" errors.
            var rejected: [Rejected]?
            struct Rejected: Decodable {
                var row: Int
                var message: String
            }
        }
        let problem = try? JSONDecoder().decode(ProblemBody.self, from: data)
        let detail = problem?.detail ?? problem?.title ?? "status \(status)"
        switch status {
        case 404: return ServiceCallError.notFound
        case 403: return ServiceCallError.forbidden(detail)
        case 422:
            let rows = (problem?.rejected ?? []).map { ServiceFieldError(field: "row \($0.row)", message: $0.message) }
            return ServiceCallError.invalid(problem?.errors ?? rows, detail: detail)
        case 409, 412: return ServiceCallError.conflict(status: status, detail: detail)
        case 502, 503, 504: return ServiceCallError.unavailable("\(backend) answered \(status)")
        default: return ServiceCallError.failed(status: status, detail: detail)
        }
    }

    /// GET and decode.
    func get<T: Decodable>(_ type: T.Type, _ backend: Backend, _ path: String, as user: AuthenticatedUser) async throws -> T {
        try await call(backend, "GET", path, as: user).decode(type)
    }
}

/// The answer, or nil when the service says there is no such thing (404); a service that does not
/// answer, or fails, is still an error, never "nothing there".
func found<T>(_ call: () async throws -> T) async throws -> T? {
    do { return try await call() } catch ServiceCallError.notFound { return nil }
}

/// Percent-encodes a query value.
func queryValue(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
}
