import HTTPTypes
import Testing

@testable import Payments

/// A path the service serves, asked with a method none of its routes take, is 405 with `Allow`
/// listing exactly that path's methods; a path it does not serve stays 404.
@Suite struct MethodNotAllowedTests {
    @Test func aWrongMethodIs405WithTheMethodsThePathTakes() async throws {
        let h = try await PaymentsHarness()
        let token = try await h.support
        let runs = try await h.http.send(.put, "/api/v1/payments/runs", token: token)
        #expect(runs.status == 405 && runs.headers["allow"] == "GET, POST")
        let run = try await h.http.send(HTTPRequest.Method("TRACE")!, "/api/v1/payments/runs/7", token: token)
        #expect(run.status == 405 && run.headers["allow"] == "GET")
        // A constant segment wins over a parameter, as in the router: `csv` is its own route.
        let file = try await h.http.send(.delete, "/api/v1/payments/runs/7/csv", token: token)
        #expect(file.status == 405 && file.headers["allow"] == "GET")
        #expect(try await h.http.send(.get, "/api/v1/payments/nowhere", token: token).status == 404)
        #expect(try await h.http.send(.put, "/api/v1/payments/nowhere", token: token).status == 404)
    }
}
