import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import NIOCore

/// `Idempotency-Key` on a POST that creates something: a repeat with the same key and body gets
/// the first response; the same key with another body gets 409. The key is saved in the same
/// transaction as what the request created, so a crash leaves both or neither.
public enum IdempotencyStore {
    public static let header = HTTPField.Name("Idempotency-Key")!

    /// The table each service that accepts the header creates in one of its migrations.
    public static let tableSQL = """
        CREATE TABLE IF NOT EXISTS idempotency_keys (
            user_id TEXT NOT NULL,
            key TEXT NOT NULL,
            request_hash TEXT NOT NULL,
            status INTEGER NOT NULL,
            body BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (user_id, key)
        )
        """

    /// The request's fingerprint: JSON with sorted keys (the same request with its keys in
    /// another order is still the same request), or the bytes themselves (a CSV file).
    public static func fingerprint(_ body: Data) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]),
            let canonical = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed])
        else { return body.base64EncodedString() }
        return String(decoding: canonical, as: UTF8.self)
    }

    /// The first response to this key, if there was one (409 when the body differs).
    public static func earlier(_ database: some DatabaseReader, user: String, key: String, body: Data) async throws -> Response? {
        let saved = try await database.read { db in try Self.saved(db, user: user, key: key, body: body) }
        return saved.map(response)
    }

    /// The same, inside a write transaction: a second request racing the first sees its result.
    public static func saved(_ db: Database, user: String, key: String, body: Data) throws -> (status: Int, body: Data)? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: "SELECT request_hash, status, body FROM idempotency_keys WHERE user_id = ? AND key = ?",
                arguments: [user, key]
            )
        else { return nil }
        guard (row["request_hash"] as String) == fingerprint(body) else {
            throw Problem(.conflict, detail: "This Idempotency-Key was already used with a different request.")
        }
        return (row["status"], row["body"])
    }

    /// Records the response given to this key.
    public static func save(_ db: Database, user: String, key: String, body: Data, status: Int, response: Data, now: Date) throws {
        try db.execute(
            sql: "INSERT INTO idempotency_keys (user_id, key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [user, key, fingerprint(body), status, response, Int64(now.timeIntervalSince1970 * 1000)]
        )
    }

    /// A stored response, as sent the first time.
    public static func response(_ saved: (status: Int, body: Data)) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: HTTPResponse.Status(code: saved.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: saved.body)))
    }
}

/// The `Idempotency-Key` of a create and the body it came with, read at the HTTP edge and passed
/// to the database type that creates inside its transaction.
public struct IdempotencyRequest: Sendable {
    /// The key, if the request sent one.
    public var key: String?
    /// The body, compared with the first request's under the same key.
    public var body: Data

    /// A key and body as given.
    public init(key: String?, body: Data) {
        self.key = key
        self.body = body
    }

    /// The request's `Idempotency-Key` header and its collected `body`.
    public init(_ request: Request, body: Data) {
        self.init(key: request.headers[IdempotencyStore.header], body: body)
    }
}

/// What a create with an optional `Idempotency-Key` came to inside its transaction: something new,
/// or the response saved for the key by an earlier request.
public enum IdempotentOutcome<Value: Encodable & Sendable>: Sendable {
    case created(Value)
    case earlier(status: Int, body: Data)

    /// Runs inside the create's write transaction: the earlier response for `key` if there is
    /// one, else `create()`'s value, saved for `key` with status 201.
    public static func run(
        _ db: Database,
        user: String,
        key: String?,
        body: Data,
        now: Date,
        create: () throws -> Value
    ) throws -> IdempotentOutcome<Value> {
        if let key, let saved = try IdempotencyStore.saved(db, user: user, key: key, body: body) {
            return .earlier(status: saved.status, body: saved.body)
        }
        let value = try create()
        if let key {
            try IdempotencyStore.save(db, user: user, key: key, body: body, status: 201, response: try JSONResponse.encoder().encode(value), now: now)
        }
        return .created(value)
    }

    /// 201 with the new value, or the earlier response as it was sent.
    public func response() throws -> Response {
        switch self {
        case .created(let value): return try JSONResponse.make(value, status: .created)
        case .earlier(let status, let body): return IdempotencyStore.response((status, body))
        }
    }
}
