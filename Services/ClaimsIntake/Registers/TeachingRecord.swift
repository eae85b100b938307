import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The Teaching Record System (`TRS_BASE_URL`, `TRS_API_KEY`): a teacher looked up by TRN, and
/// by date of birth when a mentor is added, as its API documents
/// (`GET /v3/teachers/{trn}?dateOfBirth=YYYY-MM-DD`, a bearer key, `X-Api-Version`).
///
/// The date of birth goes only into the request: it is never stored, and never logged (errors
/// name the TRN at most, never the address asked for).
struct TeachingRecord: Sendable {
    struct Settings: Sendable, Equatable {
        var baseURL: String
        var apiKey: String
        /// How long one lookup may take before the record system counts as not answering.
        var timeout: TimeInterval = 5
    }

    /// The API version asked for, as the DfE service asks.
    static let apiVersion = "20240416"

    /// A teacher's names, as the record holds them.
    struct Teacher: Sendable, Equatable, Decodable {
        var trn: String
        var firstName: String
        var lastName: String
    }

    /// The record system did not answer, or not as documented: nothing is stored.
    struct Unavailable: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    let settings: Settings

    /// The teacher with `trn` (and `dateOfBirth`, `YYYY-MM-DD`, when given), or nil when the
    /// record has no such teacher.
    func teacher(trn: String, dateOfBirth: String? = nil) async throws(Unavailable) -> Teacher? {
        let base = settings.baseURL.hasSuffix("/") ? String(settings.baseURL.dropLast()) : settings.baseURL
        var components = URLComponents(string: "\(base)/v3/teachers/\(trn)")
        if let dateOfBirth { components?.queryItems = [URLQueryItem(name: "dateOfBirth", value: dateOfBirth)] }
        guard let url = components?.url else { throw Unavailable(reason: "TRS_BASE_URL makes no address for a teacher") }
        var request = URLRequest(url: url)
        request.timeoutInterval = settings.timeout
        request.setValue("Bearer \(settings.apiKey)", forHTTPHeaderField: "Authorization")
        request.setValue(Self.apiVersion, forHTTPHeaderField: "X-Api-Version")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = settings.timeout
        configuration.timeoutIntervalForResource = settings.timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            let timedOut = (error as? URLError)?.code == .timedOut
            throw Unavailable(reason: timedOut ? "no answer within \(Int(settings.timeout)) s" : "could not be reached")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        switch status {
        case 200:
            guard let teacher = try? JSONDecoder().decode(Teacher.self, from: data), !teacher.firstName.isEmpty || !teacher.lastName.isEmpty else {
                throw Unavailable(reason: "answered 200 without a teacher's names")
            }
            return teacher
        case 404:
            return nil
        default:
            throw Unavailable(reason: "answered \(status)")
        }
    }
}

extension TeachingRecord.Settings: CustomStringConvertible {
    /// The address only: the key is a secret.
    var description: String { "the Teaching Record System at \(baseURL)" }
}
