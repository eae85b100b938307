import Foundation
import ServiceSupport

/// Why claims-intake refused something, with the words the person needs to put it right;
/// `IntakeError+HTTP.swift` alone turns a case into a status.
enum IntakeError: Error, Equatable, Sendable {
    /// The thing asked for does not exist (or is hidden from this user, exactly as if it did not).
    case notFound(String)
    /// This user may not do this.
    case forbidden(String)
    /// The thing is not in a state that allows this.
    case conflict(String)
    /// Input that breaks a rule, field by field.
    case invalid([FieldError])
    /// The view the user acted on is older than the thing: it changed in between.
    case changedSinceRead(what: String, version: Int64)
    /// An uploaded file could not be read as CSV.
    case unreadableFile(CSVFileError)
    /// An uploaded file was read, but rows are wrong; nothing was applied.
    case fileHasErrors([FieldError], detail: String)

    static let noSuchSchool = IntakeError.notFound("There is no such school.")
    static let noSuchClaim = IntakeError.notFound("There is no such claim.")
    static let noSuchMentor = IntakeError.notFound("There is no such mentor on this school's list.")
}

/// Collects field errors while reading input, then throws them all at once.
struct FieldErrors {
    private(set) var errors: [FieldError] = []
    mutating func check<T>(_ field: String, _ parse: () throws -> T) -> T? {
        do { return try parse() } catch let invalid as InvalidValue {
            errors.append(FieldError(field: field, message: invalid.message))
        } catch {
            errors.append(FieldError(field: field, message: "\(error)"))
        }
        return nil
    }
    mutating func add(_ field: String, _ message: String) { errors.append(FieldError(field: field, message: message)) }
    func throwIfAny() throws(IntakeError) { if !errors.isEmpty { throw .invalid(errors) } }
}

/// The longest name (of a school, trust, mentor, local authority…) anyone may enter.
let maximumNameLength = 200
/// The longest reason or note.
let maximumReasonLength = 2_000

func nonBlank(_ text: String, _ message: String) throws -> String {
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !trimmed.isEmpty else { throw InvalidValue(message: message) }
    guard trimmed.count <= maximumNameLength else { throw InvalidValue(message: "Enter \(maximumNameLength) characters or fewer") }
    return trimmed
}

func emailList(_ addresses: [String], required: Bool) throws -> [String] {
    let cleaned = addresses.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    if required && cleaned.isEmpty { throw InvalidValue(message: "Enter at least one email address") }
    if cleaned.count > 1_000 { throw InvalidValue(message: "Enter at most 1,000 email addresses") }
    for address in cleaned where !EmailAddressShape.isPlausible(address) {
        throw InvalidValue(message: "Enter an email address in the correct format, like name@example.com")
    }
    return cleaned
}
