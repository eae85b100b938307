import Foundation

/// UUIDs as the wire shows them, written and read without Foundation's `sscanf`/`snprintf`
/// path, which profiling showed to cost more than the rest of an envelope's header.
public enum WireUUID {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lower-case canonical form, e.g. `11111111-2222-3333-4444-555555555555`.
    public static func format(_ uuid: UUID) -> String {
        var out = [UInt8](repeating: 45, count: 36)
        withUnsafeBytes(of: uuid.uuid) { raw in
            var o = 0
            for (i, byte) in raw.enumerated() {
                if i == 4 || i == 6 || i == 8 || i == 10 { o += 1 }
                out[o] = hex[Int(byte >> 4)]
                out[o + 1] = hex[Int(byte & 0x0F)]
                o += 2
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses the canonical form in either case; nil for anything else.
    public static func parse(_ text: String) -> UUID? {
        var bytes = [UInt8](repeating: 0, count: 16)
        var index = 0
        var high: UInt8?
        var position = 0
        for c in text.utf8 {
            if position == 8 || position == 13 || position == 18 || position == 23 {
                guard c == 45 else { return nil }
                position += 1
                continue
            }
            let nibble: UInt8
            switch c {
            case 48...57: nibble = c - 48
            case 97...102: nibble = c - 87
            case 65...70: nibble = c - 55
            default: return nil
            }
            if let h = high {
                guard index < 16 else { return nil }
                bytes[index] = h << 4 | nibble
                index += 1
                high = nil
            } else {
                high = nibble
            }
            position += 1
        }
        guard position == 36, index == 16 else { return nil }
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            )
        )
    }
}
