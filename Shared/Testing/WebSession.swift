import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A person's browser without the browser: a cookie jar, following redirects, sending each form
/// with the page's form token, retrying while web is down.
public final class WebSession: Sendable {
    /// web's address.
    public let base: String
    private let session: URLSession
    private let token = Mutex<String?>(nil)

    /// A session with no cookie yet.
    public init(base: String) {
        self.base = base
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 15
        session = URLSession(configuration: configuration)
    }

    /// A page that answered other than 2xx.
    public struct Refused: Error {
        /// The status.
        public var status: Int
        /// The start of the page.
        public var text: String
    }

    /// GETs `path` (following redirects) and remembers its form token.
    @discardableResult
    public func get(_ path: String) async throws -> String {
        let (data, response) = try await session.data(from: URL(string: base + path)!)
        return try remember(data, response)
    }

    private func remember(_ data: Data, _ response: URLResponse) throws -> String {
        let text = String(decoding: data, as: UTF8.self)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        if let range = text.range(of: #"name="_token" value="([^"]+)""#, options: .regularExpression) {
            let match = String(text[range])
            token.withLock { $0 = String(match.dropFirst(#"name="_token" value=""#.count).dropLast()) }
        }
        guard (200..<300).contains(status) else { throw Refused(status: status, text: String(text.prefix(300))) }
        return text
    }

    /// Posts a form with the form token of the last page (fetching `path` first for it).
    @discardableResult
    public func submit(_ path: String, _ fields: [String: String]) async throws -> String {
        try await get(path)
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let all = fields.merging(["_token": token.withLock { $0 } ?? ""]) { a, _ in a }
        request.httpBody = Data(
            all.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&").utf8
        )
        let (data, response) = try await session.data(for: request)
        return try remember(data, response)
    }

    /// The development sign-in as `email`.
    public func signIn(email: String) async throws {
        try await submit("/sign-in", ["email": email])
    }

    /// Retries `work` until web answers it (refused connections and 5xx while it is killed).
    public func retrying(_ work: () async throws -> Void) async throws {
        let deadline = Date().addingTimeInterval(120)
        while true {
            do { return try await work() } catch let refused as Refused where refused.status < 500 && refused.status != 0 {
                throw refused
            } catch {
                if Date() > deadline { throw error }
                try await Task.sleep(for: .milliseconds(300))
            }
        }
    }
}
