import Foundation
import Hummingbird

/// JSON responses in the API's conventions: `snake_case` keys, ISO 8601 UTC timestamps, sorted
/// keys (stable output for clients and tests).
public enum JSONResponse {
    /// An encoder with the API's conventions.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// `value` as JSON with `status` and extra `headers`.
    public static func make<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let data = try encoder().encode(value)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// An empty 204.
    public static func noContent() -> Response { Response(status: .noContent) }
}

/// A page of a list, as `../spec/api.md` fixes it.
public struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    public var items: [Item]
    public var page: Int
    public var perPage: Int
    public var total: Int

    /// Creates a page.
    public init(items: [Item], page: Int, perPage: Int, total: Int) {
        self.items = items
        self.page = page
        self.perPage = perPage
        self.total = total
    }
}

/// `?page=&per_page=` read and checked: `page` 1 to 10,000, `per_page` 1 to 100.
public struct Pagination: Sendable, Equatable {
    /// The highest page number anyone may ask for; deeper than that, filter the list instead.
    public static let maxPage = 10_000
    public var page: Int
    public var perPage: Int
    /// Never overflows: both factors are bounded.
    public var offset: Int { (page - 1) * perPage }

    /// Reads the query; 422 naming the parameter when out of range.
    public init(_ request: Request) throws {
        var query = QueryReader(request)
        self.init(&query)
        try query.throwIfAny()
    }

    /// Reads the two parameters, adding any message to `query`.
    public init(_ query: inout QueryReader) {
        page = query.int("page", in: 1...Self.maxPage, message: "Enter a page number from 1 to 10,000") ?? 1
        perPage = query.int("per_page", in: 1...100, message: "Enter a number of items per page from 1 to 100") ?? 25
    }
}
