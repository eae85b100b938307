import Foundation

/// FNV-1a: a hash that is the same in every process (Swift's `hashValue` is seeded per run).
enum StableHash {
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325

    static func fnv1a(_ text: String, seed: UInt64 = offsetBasis) -> UInt64 {
        var hash = seed
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}

/// A UUID that is always the same for the same name (for facts that have no message id, such as
/// a reminder milestone or a support message with an idempotency key).
enum StableUUID {
    static func make(_ name: String) -> UUID {
        let high = StableHash.fnv1a(name)
        let low = StableHash.fnv1a(name, seed: 0x84222325_cbf29ce4)
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(i)))
            bytes[8 + i] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(i)))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x80  // version 8: custom
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            )
        )
    }
}
