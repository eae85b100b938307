import Foundation
import Hummingbird
import NIOCore
import ServiceSupport
import Testing

struct MentorInput: Decodable {
    var trn: String
    var hours: Int
}

struct ClaimInput: Decodable {
    var providerCode: String
    var mentors: [MentorInput]
    enum CodingKeys: String, CodingKey {
        case providerCode = "provider_code"
        case mentors
    }
}

@Suite struct RequestDecodingTests {
    func request(_ body: String) -> Request {
        Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/api/v1/x"),
            body: .init(buffer: ByteBuffer(string: body))
        )
    }

    func problem(_ body: String) async -> Problem? {
        do {
            _ = try await RequestDecoding.decode(ClaimInput.self, from: request(body))
            return nil
        } catch let problem as Problem {
            return problem
        } catch {
            return nil
        }
    }

    @Test func aValidBodyDecodesAndUnknownFieldsAreIgnored() async throws {
        let input = try await RequestDecoding.decode(
            ClaimInput.self,
            from: request(#"{"provider_code": "1AB", "mentors": [{"trn": "1234567", "hours": 6}], "extra": true}"#)
        )
        #expect(input.mentors.first?.hours == 6)
    }

    @Test func malformedJSONIsABadRequest() async {
        #expect(await problem(#"{"provider_code": "#)?.status == .badRequest)
    }

    @Test func aWrongTypeIsAValidationErrorNamingTheField() async {
        let problem = await problem(#"{"provider_code": "1AB", "mentors": [{"trn": "1234567", "hours": "six"}]}"#)
        #expect(problem?.status == .unprocessableContent)
        #expect(problem?.errors.first?.field == "mentors[0].hours")
        #expect(problem?.errors.first?.message == "Enter a value of type whole number")
    }

    @Test func aMissingFieldIsAValidationErrorNamingTheField() async {
        let problem = await problem(#"{"mentors": []}"#)
        #expect(problem?.errors.first?.field == "provider_code")
    }

    @Test func aBodyOverTheLimitIsTooLarge() async {
        let big = "{\"provider_code\": \"" + String(repeating: "x", count: RequestDecoding.jsonLimit) + "\"}"
        #expect(await problem(big)?.status == .contentTooLarge)
    }
}
