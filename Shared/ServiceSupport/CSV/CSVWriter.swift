import Foundation

/// Writes RFC 4180 CSV as `../spec/files.md` fixes it: comma separated, CRLF line ends, UTF-8,
/// `"` quoting with doubled quotes, and no cell that a spreadsheet would read as a formula.
public struct CSVWriter: Sendable {
    private var text = ""

    /// Starts a file with its header row.
    public init(header: [String]) {
        append(header)
    }

    /// Adds one row.
    public mutating func append(_ cells: [String]) {
        text += cells.map(Self.cell).joined(separator: ",")
        text += "\r\n"
    }

    /// The file's bytes.
    public var data: Data { Data(text.utf8) }

    /// The file as text.
    public var string: String { text }

    /// One cell, made safe: a cell starting with `=`, `+`, `-`, `@`, tab, carriage return or line
    /// feed gets a leading `'` and is quoted; a cell with a comma, quote or line break is quoted.
    public static func cell(_ value: String) -> String {
        var value = value
        var quote = false
        if let first = value.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r", "\n"].contains(first) {
            value = "'" + value
            quote = true
        }
        if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) { quote = true }
        guard quote else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Pence as pounds with two decimals and no separator or symbol: `1072.00`.
    public static func pounds(_ pence: Int64) -> String {
        let sign = pence < 0 ? "-" : ""
        let magnitude = pence.magnitude
        let remainder = magnitude % 100
        return "\(sign)\(magnitude / 100).\(remainder < 10 ? "0" : "")\(remainder)"
    }
}
