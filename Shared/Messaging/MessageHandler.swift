import Foundation
import GRDB

/// What a handler did with a message.
public enum HandlingOutcome: Sendable, Equatable {
    /// Its effects are written; the message is done.
    case applied
    /// It cannot be applied yet (it depends on a message from another producer that has not
    /// arrived). Its writes are rolled back and it is retried after later messages.
    case parked(reason: String)
}

/// Why a message was refused for good (dead-lettered). Handlers throw it for invalid payloads
/// and impossible transitions; any other error thrown by a handler is treated the same way.
public struct PoisonMessage: Error, CustomStringConvertible, Equatable {
    /// What is wrong with the message.
    public var reason: String
    /// Creates one.
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A message decoded for one handler, ready to apply inside a transaction.
public struct DecodedMessage: Sendable {
    /// The producer named in the envelope.
    public var producer: String
    /// The producer's sequence.
    public var sequence: Int64
    /// The message id.
    public var id: UUID
    /// The message type.
    public var type: String
    /// The raw envelope, kept for parking and dead-lettering.
    public var envelope: [UInt8]
    /// Applies the message's effects. Nil when no handler knows this type and version.
    var apply: (@Sendable (Database) throws -> HandlingOutcome)?
    /// Why the payload could not be decoded, when it could not.
    var poison: String?
}

/// The consumer's handler for one message type and version.
public struct MessageHandler: Sendable {
    /// The type handled.
    public let type: String
    /// The version handled.
    public let version: Int
    let decode: @Sendable (JSONDecoder, [UInt8]) throws -> DecodedMessage

    /// A handler for `M`: `body` runs inside the inbox transaction with the decoded envelope.
    public static func on<M: BusMessage>(
        _ message: M.Type,
        _ body: @escaping @Sendable (Envelope<M>, Database) throws -> HandlingOutcome
    ) -> MessageHandler {
        let decode: @Sendable (JSONDecoder, [UInt8]) throws -> DecodedMessage = { decoder, bytes in
            let envelope = try decoder.decode(Envelope<M>.self, from: Data(bytes))
            let apply: (@Sendable (Database) throws -> HandlingOutcome)?
            if envelope.version == M.version {
                apply = { db in try body(envelope, db) }
            } else {
                apply = nil
            }
            return DecodedMessage(
                producer: envelope.producer,
                sequence: envelope.sequence,
                id: envelope.id,
                type: envelope.type,
                envelope: bytes,
                apply: apply,
                poison: nil
            )
        }
        return MessageHandler(type: M.type, version: M.version, decode: decode)
    }
}

/// Every handler of one consumer, looked up by type.
public struct HandlerRegistry: Sendable {
    private let handlers: [String: MessageHandler]

    /// Creates a registry. Two handlers for the same type are a programming error.
    public init(_ handlers: [MessageHandler]) {
        var byType: [String: MessageHandler] = [:]
        for handler in handlers {
            precondition(byType[handler.type] == nil, "two handlers for \(handler.type)")
            byType[handler.type] = handler
        }
        self.handlers = byType
    }

    /// The types this consumer handles.
    public var types: [String] { handlers.keys.sorted() }

    /// Decodes an envelope. Throws only when even its header is unreadable (a malformed frame);
    /// a readable header with a bad payload comes back as a poison message, and an unknown type
    /// or version as a message with nothing to apply.
    public func decode(type: String, envelope bytes: [UInt8], decoder: JSONDecoder) throws -> DecodedMessage {
        if let handler = handlers[type] {
            do {
                let decoded = try handler.decode(decoder, bytes)
                if decoded.type == type { return decoded }
            } catch {
                let header = try decoder.decode(EnvelopeHeader.self, from: Data(bytes))
                if header.type == type && header.version == handler.version {
                    return DecodedMessage(
                        producer: header.producer,
                        sequence: header.sequence,
                        id: header.id,
                        type: header.type,
                        envelope: bytes,
                        apply: nil,
                        poison: "payload does not match \(type) v\(handler.version): \(error)"
                    )
                }
            }
        }
        let header = try decoder.decode(EnvelopeHeader.self, from: Data(bytes))
        return DecodedMessage(
            producer: header.producer,
            sequence: header.sequence,
            id: header.id,
            type: header.type,
            envelope: bytes,
            apply: nil,
            poison: nil
        )
    }

    /// Whether a handler exists for `type`.
    public func handles(_ type: String) -> Bool { handlers[type] != nil }
}
