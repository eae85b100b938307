import Foundation

/// Why an uploaded CSV file cannot be read at all (row errors are the caller's to report).
public enum CSVFileError: Error, Equatable, CustomStringConvertible {
    /// The file has no header row.
    case empty
    /// Required columns are missing.
    case missingColumns([String], found: [String])
    /// A quoted cell never ends.
    case unterminatedQuote(row: Int)

    public var description: String {
        switch self {
        case .empty:
            return "The file is empty: it needs a header row and at least one row of data."
        case .missingColumns(let missing, let found):
            let needs = missing.map { "The file needs a column called ‘\($0)’" }.joined(separator: ". ")
            return "\(needs). The columns found were: \(found.isEmpty ? "none" : found.joined(separator: ", "))."
        case .unterminatedQuote(let row):
            return "Row \(row) has a quoted cell that never ends: check for a missing closing quote."
        }
    }
}

/// Reads uploaded CSV files as `../spec/files.md` fixes them: RFC 4180 with any line ends, UTF-8
/// with or without a BOM, Windows-1252 where the bytes are not UTF-8; columns found by header
/// name in any order, extra columns ignored, blank lines skipped.
public struct CSVTable: Sendable {
    /// One data row: its number in the file (the header is row 1) and its cells by column.
    public struct Row: Sendable {
        /// The row number, counting the header as 1.
        public var number: Int
        /// Cells by lower-cased column name (missing cells are empty).
        public var cells: [String: String]
        /// A cell, trimmed.
        public subscript(_ column: String) -> String { (cells[column] ?? "").trimmingCharacters(in: .whitespaces) }
    }

    /// The header, lower-cased and trimmed.
    public var columns: [String]
    /// The data rows.
    public var rows: [Row]

    /// Parses `data`, checking that every column of `required` is present.
    public init(_ data: Data, required: [String]) throws {
        let text = Self.decode(data)
        let records = try Self.records(text)
        guard let headerIndex = records.firstIndex(where: { !$0.cells.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) }) else {
            throw CSVFileError.empty
        }
        let columns = records[headerIndex].cells.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let missing = required.filter { !columns.contains($0) }
        guard missing.isEmpty else { throw CSVFileError.missingColumns(missing, found: columns.filter { !$0.isEmpty }) }
        self.columns = columns
        var rows: [Row] = []
        for record in records[(headerIndex + 1)...] where !record.cells.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            var cells: [String: String] = [:]
            for (index, column) in columns.enumerated() where index < record.cells.count && cells[column] == nil {
                cells[column] = record.cells[index]
            }
            rows.append(Row(number: record.number, cells: cells))
        }
        self.rows = rows
    }

    /// UTF-8 (BOM dropped), or Windows-1252 when the bytes are not valid UTF-8.
    static func decode(_ data: Data) -> String {
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if let text = String(data: bytes, encoding: .utf8) { return text }
        return String(data: bytes, encoding: .windowsCP1252) ?? String(decoding: bytes, as: UTF8.self)
    }

    /// Splits text into records of cells, numbering each record by the line it starts on.
    static func records(_ text: String) throws -> [(number: Int, cells: [String])] {
        var records: [(Int, [String])] = []
        var cells: [String] = []
        var cell = ""
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var iterator = Array(text.unicodeScalars)[...]
        func endRecord() {
            cells.append(cell)
            records.append((recordLine, cells))
            cells = []
            cell = ""
        }
        while let scalar = iterator.popFirst() {
            if inQuotes {
                if scalar == "\"" {
                    if iterator.first == "\"" {
                        cell.unicodeScalars.append("\"")
                        iterator.removeFirst()
                    } else {
                        inQuotes = false
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    cell.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where cell.isEmpty:
                inQuotes = true
            case ",":
                cells.append(cell)
                cell = ""
            case "\r":
                if iterator.first == "\n" { iterator.removeFirst() }
                endRecord()
                line += 1
                recordLine = line
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default:
                cell.unicodeScalars.append(scalar)
            }
        }
        if inQuotes { throw CSVFileError.unterminatedQuote(row: recordLine) }
        if !cell.isEmpty || !cells.isEmpty { endRecord() }
        return records.map { (number: $0.0, cells: $0.1) }
    }
}
