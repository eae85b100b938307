import Foundation

/// A message that travels on the bus: a past-tense fact with a stable wire name.
///
/// The wire name is never a Swift type name, so types can be renamed freely. Payload changes are
/// additive; a breaking change is a new `type` or a new `version`.
public protocol BusMessage: Codable, Sendable {
    /// The stable type string, e.g. `claim.submitted`; also the ZeroMQ topic frame.
    static var type: String { get }
    /// The payload version; consumers may handle several.
    static var version: Int { get }
}

extension BusMessage {
    /// Version 1 unless a message says otherwise.
    public static var version: Int { 1 }
}

/// The envelope every bus message travels in (`../spec/events.md`, "Wire format").
public struct Envelope<Payload: Codable & Sendable>: Codable, Sendable {
    /// Unique id of this message.
    public var id: UUID
    /// The stable type string.
    public var type: String
    /// The payload version.
    public var version: Int
    /// The producing service, e.g. `claims-intake`.
    public var producer: String
    /// The producer's gapless sequence number, starting at 1. Heartbeats carry 0.
    public var sequence: Int64
    /// When the fact happened.
    public var occurredAt: Date
    /// The id shared by every message of one business flow.
    public var correlationId: UUID
    /// The id of the message that caused this one, if any.
    public var causationId: UUID?
    /// The fact itself.
    public var payload: Payload

    /// Creates an envelope.
    public init(
        id: UUID,
        type: String,
        version: Int,
        producer: String,
        sequence: Int64,
        occurredAt: Date,
        correlationId: UUID,
        causationId: UUID?,
        payload: Payload
    ) {
        self.id = id
        self.type = type
        self.version = version
        self.producer = producer
        self.sequence = sequence
        self.occurredAt = occurredAt
        self.correlationId = correlationId
        self.causationId = causationId
        self.payload = payload
    }

    enum CodingKeys: String, CodingKey {
        case id, type, version, producer, sequence, payload
        case occurredAt = "occurred_at"
        case correlationId = "correlation_id"
        case causationId = "causation_id"
    }

    /// Decodes the wire format; UUIDs are read by ``WireUUID`` (much faster than Foundation's).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func uuid(_ key: CodingKeys) throws -> UUID {
            let text = try container.decode(String.self, forKey: key)
            guard let value = WireUUID.parse(text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "'\(text)' is not a UUID")
            }
            return value
        }
        id = try uuid(.id)
        type = try container.decode(String.self, forKey: .type)
        version = try container.decode(Int.self, forKey: .version)
        producer = try container.decode(String.self, forKey: .producer)
        sequence = try container.decode(Int64.self, forKey: .sequence)
        occurredAt = try container.decode(Date.self, forKey: .occurredAt)
        correlationId = try uuid(.correlationId)
        causationId = try container.decodeNil(forKey: .causationId) ? nil : try uuid(.causationId)
        payload = try container.decode(Payload.self, forKey: .payload)
    }

    /// Encodes `causation_id` as `null` when absent, as the wire format shows.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(WireUUID.format(id), forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(version, forKey: .version)
        try container.encode(producer, forKey: .producer)
        try container.encode(sequence, forKey: .sequence)
        try container.encode(occurredAt, forKey: .occurredAt)
        try container.encode(WireUUID.format(correlationId), forKey: .correlationId)
        try container.encode(causationId.map(WireUUID.format), forKey: .causationId)
        try container.encode(payload, forKey: .payload)
    }
}

/// A payload that is never decoded: used to read only the envelope's header fields.
public struct IgnoredPayload: Codable, Sendable, Equatable {
    /// Creates one.
    public init() {}
    /// Skips whatever the payload holds.
    public init(from decoder: any Decoder) throws {}
    /// Writes an empty object.
    public func encode(to encoder: any Encoder) throws {
        _ = encoder.container(keyedBy: EmptyKey.self)
    }
    private struct EmptyKey: CodingKey {
        var stringValue: String { "" }
        init?(stringValue: String) { nil }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}

/// The envelope without its payload: enough to order, deduplicate and route a message.
public typealias EnvelopeHeader = Envelope<IgnoredPayload>

/// The payload of `bus.heartbeat`: the producer's latest committed sequence.
public struct Heartbeat: BusMessage, Equatable {
    public static let type = "bus.heartbeat"
    /// The producer's latest committed sequence.
    public var headSequence: Int64

    /// Creates a heartbeat.
    public init(headSequence: Int64) { self.headSequence = headSequence }

    enum CodingKeys: String, CodingKey { case headSequence = "head_sequence" }
}

/// A replay request, sent by a DEALER to a producer's ROUTER.
public struct ReplayRequest: Codable, Sendable, Equatable {
    /// The subscriber's last applied sequence; the reply starts after it.
    public var afterSequence: Int64
    /// How many messages at most (1 to 1000).
    public var limit: Int

    /// The largest `limit` a producer honours.
    public static let maximumLimit = 1000

    /// Creates a request.
    public init(afterSequence: Int64, limit: Int) {
        self.afterSequence = afterSequence
        self.limit = limit
    }

    enum CodingKeys: String, CodingKey {
        case afterSequence = "after_sequence"
        case limit
    }
}

/// The last message of every replay reply.
public struct ReplayEnd: Codable, Sendable, Equatable {
    /// The producer's latest committed sequence.
    public var headSequence: Int64
    /// The oldest sequence still kept in the producer's outbox (older ones were removed by
    /// retention), or `headSequence + 1` when the outbox is empty.
    public var firstAvailableSequence: Int64

    /// Creates one.
    public init(headSequence: Int64, firstAvailableSequence: Int64) {
        self.headSequence = headSequence
        self.firstAvailableSequence = firstAvailableSequence
    }

    enum CodingKeys: String, CodingKey {
        case headSequence = "head_sequence"
        case firstAvailableSequence = "first_available_sequence"
    }
}

/// The reply to a replay request that could not be understood.
public struct ReplayError: Codable, Sendable, Equatable {
    /// What was wrong with the request.
    public var error: String
    /// Creates one.
    public init(error: String) { self.error = error }
}

/// The topic frames of the bus's own control messages.
public enum BusTopic {
    /// A producer's periodic head sequence.
    public static let heartbeat = Heartbeat.type
    /// Closes a replay reply.
    public static let replayEnd = "bus.replay-end"
    /// Answers a replay request that could not be parsed.
    public static let replayError = "bus.replay-error"
}

/// JSON coders configured for the wire: ISO 8601 dates with `Z`, sorted keys.
public enum BusJSON {
    /// A new encoder for envelopes. Each thread or task keeps its own.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = WireDate.encodingStrategy
        return encoder
    }

    /// The encoder for outbox envelopes: key order does not matter on the wire (stored bytes
    /// are published and replayed as they are), and not sorting saves time on every message.
    public static func envelopeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        encoder.dateEncodingStrategy = WireDate.encodingStrategy
        return encoder
    }

    /// A new decoder for envelopes. Each thread or task keeps its own.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = WireDate.decodingStrategy
        return decoder
    }
}

/// Writes an envelope's JSON by hand around the payload's own encoding: the header is a handful
/// of known fields, and writing them directly saves a third of the encoding time of a small
/// message (measured in `bus-bench`). Keys come out in sorted order.
public enum EnvelopeWriter {
    /// The envelope as UTF-8 JSON; `encoder` encodes the payload only.
    public static func encode<P: Codable & Sendable>(_ envelope: Envelope<P>, payloadEncoder encoder: JSONEncoder) throws -> [UInt8] {
        let payload = try encoder.encode(envelope.payload)
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + 260)
        func raw(_ text: String) { out.append(contentsOf: text.utf8) }
        func string(_ text: String) {
            out.append(34)
            for byte in text.utf8 {
                switch byte {
                case 34: out.append(contentsOf: [92, 34])
                case 92: out.append(contentsOf: [92, 92])
                case 8: out.append(contentsOf: [92, 98])
                case 9: out.append(contentsOf: [92, 116])
                case 10: out.append(contentsOf: [92, 110])
                case 12: out.append(contentsOf: [92, 102])
                case 13: out.append(contentsOf: [92, 114])
                case 0..<32:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: [92, 117, 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
                default: out.append(byte)
                }
            }
            out.append(34)
        }
        raw("{\"causation_id\":")
        if let causation = envelope.causationId { string(WireUUID.format(causation)) } else { raw("null") }
        raw(",\"correlation_id\":")
        string(WireUUID.format(envelope.correlationId))
        raw(",\"id\":")
        string(WireUUID.format(envelope.id))
        raw(",\"occurred_at\":")
        string(WireDate.format(envelope.occurredAt))
        raw(",\"payload\":")
        out.append(contentsOf: payload)
        raw(",\"producer\":")
        string(envelope.producer)
        raw(",\"sequence\":\(envelope.sequence),\"type\":")
        string(envelope.type)
        raw(",\"version\":\(envelope.version)}")
        return out
    }
}
