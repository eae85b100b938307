import Foundation
import Hummingbird

/// The most an uploaded CSV file may hold, so that no file, however hostile, can exhaust a
/// service's memory or time (`docs/decisions.md`, "Uploads").
public struct CSVLimits: Sendable, Equatable {
    /// Records after the header.
    public var rows: Int
    /// Cells in any one record (the GIAS extract has about 140).
    public var columns: Int
    /// Characters in any one cell.
    public var cellCharacters: Int

    /// Creates limits.
    public init(rows: Int = 200_000, columns: Int = 250, cellCharacters: Int = 10_000) {
        self.rows = rows
        self.columns = columns
        self.cellCharacters = cellCharacters
    }

    /// The limits of every upload.
    public static let standard = CSVLimits()
}

/// Why an uploaded CSV file cannot be read at all (row errors are the caller's to report).
public enum CSVFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file has no header row.
    case empty
    /// Required columns are missing.
    case missingColumns([String], found: [String])
    /// A quoted cell never ends.
    case unterminatedQuote(row: Int)
    /// More data rows than the limit.
    case tooManyRows(limit: Int)
    /// A row with more cells than the limit.
    case tooManyColumns(row: Int, limit: Int)
    /// A cell longer than the limit.
    case cellTooLong(row: Int, limit: Int)

    public var description: String {
        switch self {
        case .empty:
            return "The file is empty: it needs a header row and at least one row of data."
        case .missingColumns(let missing, let found):
            let needs = missing.map { "The file needs a column called ‘\($0)’" }.joined(separator: ". ")
            let shown = found.prefix(30).map { String($0.prefix(60)) }
            return
                "\(needs). The columns found were: \(shown.isEmpty ? "none" : shown.joined(separator: ", "))\(found.count > 30 ? " and \(found.count - 30) more" : "")."
        case .unterminatedQuote(let row):
            return "Row \(row) has a quoted cell that never ends: check for a missing closing quote."
        case .tooManyRows(let limit):
            return
                "The file has more than \(limit.withThousandsSeparators) rows: split it into files of \(limit.withThousandsSeparators) rows or fewer."
        case .tooManyColumns(let row, let limit):
            return "Row \(row) has more than \(limit) columns: check that the file is comma separated, with one row per line."
        case .cellTooLong(let row, let limit):
            return "Row \(row) has a cell longer than \(limit.withThousandsSeparators) characters: check for a missing closing quote or shorten it."
        }
    }

    /// The problem the API answers: 413 for a file with too many rows, 422 otherwise.
    public var problem: Problem {
        switch self {
        case .tooManyRows: return Problem(.contentTooLarge, title: "The file is too large", detail: description)
        default: return Problem(.unprocessableContent, title: "The file cannot be read", detail: description)
        }
    }
}

extension Int {
    /// `200000` as `200,000`, whatever the locale.
    fileprivate var withThousandsSeparators: String {
        let digits = Array(String(self))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }
}

/// Reads uploaded CSV files as `../spec/files.md` fixes them: RFC 4180 with any line ends, UTF-8
/// with or without a BOM, Windows-1252 where the bytes are not UTF-8; columns found by header
/// name in any order, extra columns ignored, blank lines skipped.
///
/// Rows are numbered as a spreadsheet numbers them: the header is row 1 and each record (a
/// blank line too) is one row, however many line breaks its quoted cells hold. Only the columns
/// asked for are kept, and ``CSVLimits`` bound the rest, so memory stays proportional to what the
/// caller reads.
public struct CSVTable: Sendable {
    /// One data row: its number in the file (the header is row 1) and the cells asked for.
    public struct Row: Sendable {
        /// The row number, counting the header as 1.
        public var number: Int
        fileprivate var values: [String]
        fileprivate var index: [String: Int]
        /// A cell by lower-cased column name, trimmed (empty when missing).
        public subscript(_ column: String) -> String {
            guard let position = index[column], position < values.count else { return "" }
            return values[position].trimmingCharacters(in: .whitespaces)
        }
    }

    /// The header, lower-cased and trimmed.
    public var columns: [String]
    /// The data rows.
    public var rows: [Row]

    /// Parses `data`, checking that every column of `required` is present and keeping those and
    /// the `optional` ones.
    public init(_ data: Data, required: [String], optional: [String] = [], limits: CSVLimits = .standard) throws {
        let bytes = Self.utf8Bytes(data)
        var header: [String]?
        var wanted: [(source: Int, column: String)] = []
        var index: [String: Int] = [:]
        var rows: [Row] = []
        try Self.parse(bytes, limits: limits) { number, cells in
            let blank = cells.allSatisfy { $0.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") } }
            if blank { return }
            guard header != nil else {
                let columns = cells.map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased() }
                let missing = required.filter { !columns.contains($0) }
                guard missing.isEmpty else { throw CSVFileError.missingColumns(missing, found: columns.filter { !$0.isEmpty }) }
                for column in required + optional where index[column] == nil {
                    guard let source = columns.firstIndex(of: column) else { continue }
                    index[column] = wanted.count
                    wanted.append((source, column))
                }
                header = columns
                return
            }
            guard rows.count < limits.rows else { throw CSVFileError.tooManyRows(limit: limits.rows) }
            let values = wanted.map { $0.source < cells.count ? String(decoding: cells[$0.source], as: UTF8.self) : "" }
            rows.append(Row(number: number, values: values, index: index))
        }
        guard let header else { throw CSVFileError.empty }
        self.columns = header
        self.rows = rows
    }

    /// UTF-8 bytes (BOM dropped), converted from Windows-1252 when they are not valid UTF-8.
    static func utf8Bytes(_ data: Data) -> [UInt8] {
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        var valid = true
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: break decoding
            case .error:
                valid = false
                break decoding
            }
        }
        if valid { return Array(bytes) }
        let text = String(data: Data(bytes), encoding: .windowsCP1252) ?? String(decoding: bytes, as: UTF8.self)
        return Array(text.utf8)
    }

    /// Splits UTF-8 bytes into records of cells, calling `record` with each record's row number
    /// (the first record is row 1) as soon as it ends, and checking the limits as it goes.
    static func parse(_ bytes: [UInt8], limits: CSVLimits, record: (Int, [ArraySlice<UInt8>]) throws -> Void) throws {
        let quote = UInt8(ascii: "\"")
        let comma = UInt8(ascii: ",")
        let cr = UInt8(ascii: "\r")
        let lf = UInt8(ascii: "\n")
        var cells: [ArraySlice<UInt8>] = []
        var cell: [UInt8] = []
        var cellScalars = 0
        var inQuotes = false
        var quoted = false
        var number = 1
        var i = 0
        func append(_ byte: UInt8) throws {
            cell.append(byte)
            if byte & 0xC0 != 0x80 {
                cellScalars += 1
                if cellScalars > limits.cellCharacters { throw CSVFileError.cellTooLong(row: number, limit: limits.cellCharacters) }
            }
        }
        func endCell() throws {
            guard cells.count < limits.columns else { throw CSVFileError.tooManyColumns(row: number, limit: limits.columns) }
            cells.append(cell[...])
            cell = []
            cellScalars = 0
            quoted = false
        }
        func endRecord() throws {
            // A blank line is a row of the spreadsheet, but has nothing to read.
            if cells.isEmpty && cell.isEmpty && !quoted {
                number += 1
                return
            }
            try endCell()
            try record(number, cells)
            cells = []
            number += 1
        }
        while i < bytes.count {
            let byte = bytes[i]
            i += 1
            if inQuotes {
                if byte == quote {
                    if i < bytes.count && bytes[i] == quote {
                        try append(quote)
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    try append(byte)
                }
                continue
            }
            switch byte {
            case quote where cell.isEmpty && !quoted:
                inQuotes = true
                quoted = true
            case comma:
                try endCell()
            case cr:
                if i < bytes.count && bytes[i] == lf { i += 1 }
                try endRecord()
            case lf:
                try endRecord()
            default:
                try append(byte)
            }
        }
        if inQuotes { throw CSVFileError.unterminatedQuote(row: number) }
        if !cell.isEmpty || !cells.isEmpty || quoted { try endRecord() }
    }
}
