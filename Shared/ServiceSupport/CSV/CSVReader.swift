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
        /// How many cells the record had, all columns counted (a row cut short has fewer).
        public var cellCount: Int
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
    ///
    /// The bytes are read where they lie: a file that is not UTF-8 is read as Windows-1252 (which
    /// ISO-8859-1 files are, in practice) one kept cell at a time, so a large file is never
    /// copied or converted whole.
    public init(_ data: Data, required: [String], optional: [String] = [], limits: CSVLimits = .standard) throws {
        self = try data.withUnsafeBytes { try CSVTable(bytes: $0, required: required, optional: optional, limits: limits) }
    }

    /// Parses the bytes of `buffer` where they lie (a request's body, without copying it).
    public init(_ buffer: ByteBuffer, required: [String], optional: [String] = [], limits: CSVLimits = .standard) throws {
        self = try buffer.withUnsafeReadableBytes { try CSVTable(bytes: $0, required: required, optional: optional, limits: limits) }
    }

    private init(bytes raw: UnsafeRawBufferPointer, required: [String], optional: [String], limits: CSVLimits) throws {
        var header: [String]?
        var wanted: [(source: Int, column: String)] = []
        var index: [String: Int] = [:]
        var rows: [Row] = []
        var bytes = raw.assumingMemoryBound(to: UInt8.self)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = UnsafeBufferPointer(rebasing: bytes[3...]) }
        let legacy = !Self.isUTF8(bytes)
        func text(_ cell: ArraySlice<UInt8>) -> String {
            legacy ? Self.windows1252(cell) : String(decoding: cell, as: UTF8.self)
        }
        try Self.parse(bytes, limits: limits) { number, cells in
            let blank = cells.allSatisfy { $0.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") } }
            if blank { return }
            guard header != nil else {
                let columns = cells.map { text($0).trimmingCharacters(in: .whitespaces).lowercased() }
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
            let values = wanted.map { $0.source < cells.count ? text(cells[$0.source]) : "" }
            rows.append(Row(number: number, cellCount: cells.count, values: values, index: index))
        }
        guard let header else { throw CSVFileError.empty }
        self.columns = header
        self.rows = rows
    }

    /// The columns of `required` the header lacks, as the error a caller throws once it knows
    /// which kind of file it has (read with `required: []`).
    public func missing(_ required: [String]) -> CSVFileError? {
        let missing = required.filter { !columns.contains($0) }
        return missing.isEmpty ? nil : .missingColumns(missing, found: columns.filter { !$0.isEmpty })
    }

    /// Whether `bytes` are valid UTF-8.
    static func isUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// The Unicode scalars of Windows-1252's 0x80 to 0x9F; the five unassigned bytes keep their
    /// own code points, as browsers read them.
    private static let windows1252High: [Unicode.Scalar] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ].map { Unicode.Scalar($0)! }

    /// One cell's Windows-1252 bytes as text (ISO-8859-1 is the same outside 0x80 to 0x9F).
    static func windows1252(_ cell: ArraySlice<UInt8>) -> String {
        var text = String.UnicodeScalarView()
        for byte in cell {
            if byte >= 0x80 && byte < 0xA0 {
                text.append(windows1252High[Int(byte - 0x80)])
            } else {
                text.append(Unicode.Scalar(byte))
            }
        }
        return String(text)
    }

    /// Splits UTF-8 bytes into records of cells, calling `record` with each record's row number
    /// (the first record is row 1) as soon as it ends, and checking the limits as it goes.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, limits: CSVLimits, record: (Int, [ArraySlice<UInt8>]) throws -> Void) throws {
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
