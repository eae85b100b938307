import Foundation
import ServiceSupport

/// A service's JSON answer as page values: the support and provider pages show what the services
/// say, so their answers are read as plain JSON and dressed for people in one place (pounds from
/// pence, tags from statuses, dates in words), rather than copied into a model per page.
enum JSONValue: Decodable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    static func parse(_ data: Data) throws -> JSONValue {
        do { return try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw ServiceCallError.failed(status: 200, detail: "unreadable answer: \(error)")
        }
    }

    subscript(_ key: String) -> JSONValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }
    var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }
    var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }
    var array: [JSONValue] {
        if case .array(let values) = self { return values }
        return []
    }

    /// The value for a template: objects become dictionaries with, beside each field,
    ///   `<name>_text` for `…_pence` (pounds), `…_at` (a London time) and `…_on` (a date),
    ///   `status_label`/`status_colour` for a claim `status`, and `<name>_yes` for a true boolean
    ///   (Mustache reads `false` and a missing key alike, but a zero as present).
    var page: Any {
        switch self {
        case .null: return ""
        case .bool(let value): return value
        case .integer(let value): return value
        case .number(let value): return value
        case .string(let value): return value
        case .array(let values): return values.map(\.page)
        case .object(let fields):
            var out: [String: Any] = [:]
            for (key, value) in fields {
                out[key] = value.page
                switch value {
                case .integer(let number) where key.hasSuffix("_pence"): out["\(key)_text"] = MoneyText.pounds(number)
                case .string(let text) where key.hasSuffix("_at"): out["\(key)_text"] = Presentation.timestamp(text)
                case .string(let text) where key.hasSuffix("_on"): out["\(key)_text"] = Presentation.date(text)
                case .string(let text) where key == "status":
                    let tag = Presentation.tag(text)
                    out["status_label"] = tag.label
                    out["status_colour"] = tag.colour
                case .string(let text) where key == "region": out["region_text"] = Presentation.region(text)
                case .integer(let number) where key == "academic_year": out["academic_year_text"] = Presentation.academicYear(Int(number))
                case .bool(true): out["\(key)_yes"] = true
                default: break
                }
            }
            return out
        }
    }

    /// `page` of an object, as a dictionary.
    var values: [String: Any] { page as? [String: Any] ?? [:] }
    /// `page` of each item of `items` (or of an array).
    var items: [[String: Any]] {
        let list = self["items"]?.array ?? array
        return list.compactMap { $0.page as? [String: Any] }
    }
}
