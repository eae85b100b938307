import Foundation
import Hummingbird
import ServiceSupport

/// Parses a path parameter, or answers 404 as if the object did not exist.
func pathParameter<T>(_ context: ServiceRequestContext, _ name: String, _ parse: (String) throws -> T) throws -> T {
    guard let text = context.parameters.get(name), let value = try? parse(text) else {
        throw IntakeError.notFound("There is no such \(name.replacingOccurrences(of: "_", with: " ")).")
    }
    return value
}

/// Reading claims-intake's bodies: what is malformed is refused here, before any storage is
/// touched.
enum RequestParsing {
    static func reference(_ context: ServiceRequestContext) throws -> String {
        try pathParameter(context, "reference") { try ClaimReference(parsing: $0).value }
    }

    /// A mentor to add: a valid TRN and both names.
    static func mentor(_ request: Request) async throws -> (trn: TRN, firstName: String, lastName: String) {
        struct Input: Decodable {
            var trn: String
            var firstName: String
            var lastName: String
            enum CodingKeys: String, CodingKey {
                case trn
                case firstName = "first_name"
                case lastName = "last_name"
            }
        }
        let input = try await RequestDecoding.decode(Input.self, from: request)
        var errors = FieldErrors()
        let trn = errors.check("trn") { try TRN(parsing: input.trn) }
        let first = errors.check("first_name") { try nonBlank(input.firstName, "Enter the mentor's first name") }
        let last = errors.check("last_name") { try nonBlank(input.lastName, "Enter the mentor's last name") }
        try errors.throwIfAny()
        guard let trn, let first, let last else { throw IntakeError.invalid(errors.errors) }
        return (trn, first, last)
    }

    /// A mentor to look up in the Teaching Record System: the TRN and a date of birth
    /// (`YYYY-MM-DD`, a real date before `today`).
    static func mentorLookup(_ request: Request, today: String) async throws -> (trn: TRN, dateOfBirth: String) {
        struct Input: Decodable {
            var trn: String
            var dateOfBirth: String?
            enum CodingKeys: String, CodingKey {
                case trn
                case dateOfBirth = "date_of_birth"
            }
        }
        let input = try await RequestDecoding.decode(Input.self, from: request)
        var errors = FieldErrors()
        let trn = errors.check("trn") { try TRN(parsing: input.trn) }
        let dateOfBirth = errors.check("date_of_birth") { () throws -> String in
            let text = (input.dateOfBirth ?? "").trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { throw InvalidValue(message: "Enter a date of birth") }
            guard text.count == 10, let noon = LondonDates.noon(text), LondonDates.text(of: noon) == text else {
                throw InvalidValue(message: "Enter a date of birth as a real date, like 1980-03-31")
            }
            guard text < today else { throw InvalidValue(message: "Date of birth must be in the past") }
            guard text >= "1900-01-01" else { throw InvalidValue(message: "Enter a date of birth after 1900") }
            return text
        }
        try errors.throwIfAny()
        guard let trn, let dateOfBirth else { throw IntakeError.invalid(errors.errors) }
        return (trn, dateOfBirth)
    }

    /// A claim's provider and mentor lines, as typed (the check is the database's, with the facts).
    static func claim(_ body: Data) throws -> ClaimRequest {
        struct Input: Decodable {
            var providerCode: String
            var mentors: [Line]
            struct Line: Decodable {
                var trn: String
                var hours: Int
            }
            enum CodingKeys: String, CodingKey {
                case mentors
                case providerCode = "provider_code"
            }
        }
        let input = try RequestDecoding.decode(Input.self, from: body)
        return ClaimRequest(providerCode: input.providerCode, mentors: input.mentors.map { .init(trn: $0.trn, hours: $0.hours) })
    }

    /// A deletion's optional reason, at most 2,000 characters.
    static func deletionReason(_ request: Request) async throws -> String? {
        struct Input: Decodable { var reason: String? }
        let buffer = try await RequestDecoding.collect(request, limit: RequestDecoding.jsonLimit)
        let given = buffer.readableBytes > 0 ? try RequestDecoding.decode(Input.self, from: Data(buffer: buffer)).reason : nil
        let reason = given?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let reason, reason.count > maximumReasonLength {
            throw IntakeError.invalid([FieldError(field: "reason", message: "Enter the reason in \(maximumReasonLength) characters or fewer")])
        }
        return reason
    }
}
