import Foundation
import Hummingbird
import Logging

/// Decoding request bodies with the limits and messages of `../spec/api.md`.
public enum RequestDecoding {
    /// The JSON body limit: 1 MiB.
    public static let jsonLimit = 1 << 20
    /// The CSV body limit: 20 MiB.
    public static let csvLimit = 20 << 20
    /// The body limit of the schools import, which takes the GIAS extract as published (about
    /// 60 MiB for 50,000 establishments): 128 MiB.
    public static let extractLimit = 128 << 20

    /// Collects at most `limit` bytes; a larger body is 413.
    public static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        var request = request
        let tooLarge = Problem(.contentTooLarge, detail: "The body is over the limit of \(limit) bytes.")
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw tooLarge
        }
        // A body already in memory is returned whole; the limit still applies.
        guard buffer.readableBytes <= limit else { throw tooLarge }
        return buffer
    }

    /// Decodes a JSON body: malformed JSON is 400, wrong types or missing fields are 422 naming
    /// the field, and unknown fields are ignored.
    public static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let buffer = try await collect(request, limit: jsonLimit)
        return try decode(type, from: Data(buffer: buffer))
    }

    /// Decodes a JSON body already collected.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        guard (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil else {
            throw Problem(.badRequest, detail: "The body is not valid JSON.")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw Problem.validation([fieldError(error)])
        }
    }

    static func fieldError(_ error: DecodingError) -> FieldError {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text.isEmpty ? "body" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return FieldError(field: path(context.codingPath + [key]), message: "Enter \(key.stringValue.replacingOccurrences(of: "_", with: " "))")
        case .typeMismatch(let type, let context):
            return FieldError(field: path(context.codingPath), message: "Enter a value of type \(friendly(type))")
        case .valueNotFound(let type, let context):
            return FieldError(field: path(context.codingPath), message: "Enter a value of type \(friendly(type))")
        case .dataCorrupted(let context):
            return FieldError(field: path(context.codingPath), message: context.debugDescription)
        @unknown default:
            return FieldError(field: "body", message: "The body does not have the expected shape")
        }
    }

    private static func friendly(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "text"
        case is Int.Type, is Int64.Type: return "whole number"
        case is Bool.Type: return "true or false"
        case is Double.Type: return "number"
        default: return "\(type)".contains("Array") ? "list" : "\(type)"
        }
    }
}
