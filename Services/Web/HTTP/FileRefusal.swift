import Foundation

/// A CSV file a service refused (422), as the pages show it: each row's problem in a table
/// ("Row 3: …") and one line beside the file input saying that nothing was applied.
struct FileRefusal {
    /// The file as a whole was refused (no row to point at): the service's own words.
    var file: String?
    /// One `{where, message}` per refused row or column.
    var rows: [[String: Any]]

    init(file: String?, rows: [[String: Any]] = []) {
        self.file = file
        self.rows = rows
    }

    /// From a service's 422: its field errors as rows, or, with none, its detail for the file.
    init(_ fields: [ServiceFieldError], detail: String) {
        self.init(file: fields.isEmpty ? detail : nil, rows: fields.map { ["where": Self.label($0.field), "message": $0.message] })
    }

    /// "row 3" reads as "Row 3"; a column or file error keeps its name.
    static func label(_ field: String) -> String {
        field.hasPrefix("row ") ? "Row \(field.dropFirst(4))" : field
    }

    /// "an error" or "3 errors".
    static func count(_ rows: Int) -> String { rows == 1 ? "an error" : "\(rows) errors" }

    /// The line beside the file input.
    var message: String {
        file ?? "The file has \(Self.count(rows.count)): nothing was applied. Correct every row listed and upload the whole file again."
    }

    /// The values a request's upload form shows it with (`fileError`, `rowErrors`, `hasRowErrors`).
    var values: [String: Any] { ["fileError": message, "rowErrors": rows, "hasRowErrors": !rows.isEmpty] }
}
