import Foundation
import Hummingbird
import ServiceSupport

/// Reading audit-sampling's path parameters, queries and bodies: what is malformed is refused
/// here, before any storage is touched.
enum RequestParsing {
    static func requestID(_ context: ServiceRequestContext) throws(AuditError) -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text) else { throw .noSuchRequest }
        return id
    }

    static func sampleID(_ context: ServiceRequestContext) throws(AuditError) -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text) else { throw .noSuchSample }
        return id
    }

    static func reference(_ context: ServiceRequestContext) throws(AuditError) -> String {
        guard let text = context.parameters.get("reference"), text.count == 8, text.allSatisfy(\.isNumber) else { throw .noSuchClaim }
        return text
    }

    static func requester(_ user: AuthenticatedUser) -> AuditDatabase.Requester {
        AuditDatabase.Requester(id: user.id, email: user.email, name: user.name)
    }

    /// `provider_code`: up to 10 letters and digits.
    static func providerCode(_ query: inout QueryReader) -> String? {
        let code = query.text("provider_code", maxLength: 10)
        if let code, !code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
            query.add("provider_code", "Enter a provider code of up to 10 letters and digits")
        }
        return code
    }

    /// A sample request: support's CSV list, or JSON with the year, share and seed.
    static func sample(_ request: Request) async throws -> (AuditDatabase.SampleRequest, IdempotencyRequest) {
        let isCSV = request.headers[.contentType]?.lowercased().hasPrefix("text/csv") == true
        let body = Data(buffer: try await RequestDecoding.collect(request, limit: isCSV ? RequestDecoding.csvLimit : RequestDecoding.jsonLimit))
        let idempotency = IdempotencyRequest(request, body: body)
        if isCSV { return (.list(try ProviderFiles.sampleList(body)), idempotency) }
        struct Input: Decodable {
            var academicYear: Int
            var share: Decimal?
            var seed: UInt64?
            enum CodingKeys: String, CodingKey {
                case share, seed
                case academicYear = "academic_year"
            }
        }
        let input = try RequestDecoding.decode(Input.self, from: body)
        var share = SampleShare.standard
        if let given = input.share {
            do { share = try SampleShare(given) } catch {
                throw AuditError.invalid([
                    FieldError(field: "share", message: "Enter a share more than 0 and at most 1, with up to 6 decimal places, such as 0.10")
                ])
            }
        }
        if let seed = input.seed, seed > UInt64(Int64.max) {
            throw AuditError.invalid([
                FieldError(field: "seed", message: "Enter a seed of at most 9223372036854775807, or leave it out for a new one")
            ])
        }
        guard QueryReader.years.contains(input.academicYear) else {
            throw AuditError.invalid([FieldError(field: "academic_year", message: "Enter an academic year such as 2025")])
        }
        return (.share(year: input.academicYear, share: share, seed: input.seed), idempotency)
    }

    /// New addresses for a request's links, or none (the provider's own).
    static func recipients(_ request: Request) async throws -> [String]? {
        struct Input: Decodable {
            var emailAddresses: [String]?
            enum CodingKeys: String, CodingKey { case emailAddresses = "email_addresses" }
        }
        let buffer = try await RequestDecoding.collect(request, limit: RequestDecoding.jsonLimit)
        let input = buffer.readableBytes == 0 ? Input(emailAddresses: nil) : try RequestDecoding.decode(Input.self, from: Data(buffer: buffer))
        if let addresses = input.emailAddresses, addresses.isEmpty || !addresses.allSatisfy(EmailAddressShape.isPlausible) {
            throw AuditError.invalid([FieldError(field: "email_addresses", message: "Enter email addresses in the correct format")])
        }
        return input.emailAddresses
    }

    /// The school's response: a reason for each named mentor.
    static func schoolResponse(_ request: Request) async throws -> [DecisionLine] {
        struct Input: Decodable {
            var mentors: [Line]
            struct Line: Decodable {
                var trn: String
                var reason: String
            }
        }
        let input = try await RequestDecoding.decode(Input.self, from: request)
        var errors = lineCount(input.mentors.count, empty: "Record the school's response for at least one mentor")
        for (i, line) in input.mentors.enumerated() {
            let reason = line.reason.trimmingCharacters(in: .whitespacesAndNewlines)
            if reason.isEmpty { errors.append(FieldError(field: "mentors[\(i)].reason", message: "Enter the school's response")) }
            if reason.count > AuditDecisions.maximumText {
                errors.append(
                    FieldError(
                        field: "mentors[\(i)].reason",
                        message: "Enter the school's response in \(AuditDecisions.maximumText) characters or fewer"
                    )
                )
            }
        }
        guard errors.isEmpty else { throw AuditError.invalid(errors) }
        return input.mentors.map { DecisionLine(trn: $0.trn, reason: $0.reason) }
    }

    /// A clawback request: the hours trained of each mentor the provider did not accept.
    static func clawback(_ request: Request) async throws -> [DecisionLine] {
        struct Input: Decodable {
            var mentors: [Line]
            struct Line: Decodable {
                var trn: String
                var hoursTrained: Int
                var notes: String?
                enum CodingKeys: String, CodingKey {
                    case trn, notes
                    case hoursTrained = "hours_trained"
                }
            }
        }
        let input = try await RequestDecoding.decode(Input.self, from: request)
        var errors = lineCount(input.mentors.count, empty: "Enter the hours trained for each mentor not accepted")
        for (i, line) in input.mentors.enumerated() where (line.notes ?? "").count > AuditDecisions.maximumText {
            errors.append(FieldError(field: "mentors[\(i)].notes", message: "Enter notes in \(AuditDecisions.maximumText) characters or fewer"))
        }
        guard errors.isEmpty else { throw AuditError.invalid(errors) }
        return input.mentors.map { DecisionLine(trn: $0.trn, hoursTrained: $0.hoursTrained, notes: $0.notes) }
    }

    /// A clawback decision: approved, or rejected with a reason.
    static func decision(_ request: Request) async throws -> (approved: Bool, reason: String) {
        struct Input: Decodable {
            var approved: Bool
            var reason: String?
        }
        let input = try await RequestDecoding.decode(Input.self, from: request)
        let reason = (input.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if !input.approved && reason.isEmpty {
            throw AuditError.invalid([FieldError(field: "reason", message: "Enter why the clawback is rejected")])
        }
        if reason.count > AuditDecisions.maximumText {
            throw AuditError.invalid([FieldError(field: "reason", message: "Enter the reason in \(AuditDecisions.maximumText) characters or fewer")])
        }
        return (input.approved, reason)
    }

    private static func lineCount(_ count: Int, empty: String) -> [FieldError] {
        var errors: [FieldError] = []
        if count == 0 { errors.append(FieldError(field: "mentors", message: empty)) }
        if count > AuditDecisions.maximumLines {
            errors.append(FieldError(field: "mentors", message: "A claim has at most \(AuditDecisions.maximumLines) mentors"))
        }
        return errors
    }
}
