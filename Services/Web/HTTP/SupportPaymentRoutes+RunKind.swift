import Foundation
import OpenAPIRuntime
import PaymentsAPI

extension SupportPaymentRoutes {
    /// Payment runs and clawback runs: the same pages over payments' two sets of operations.
    enum RunKind: Sendable {
        case payment, clawback

        /// The path segment, the same in payments' API and in these pages.
        var path: String {
            switch self {
            case .payment: "runs"
            case .clawback: "clawback-runs"
            }
        }

        var name: String {
            switch self {
            case .payment: "Payment run"
            case .clawback: "Clawback run"
            }
        }

        typealias Run = PaymentsAPI.Components.Schemas.Run

        func create(_ client: PaymentsAPI.Client, _ body: PaymentsAPI.Components.Schemas.NewRun, idempotencyKey: String) async throws -> Run {
            switch self {
            case .payment: try await client.createPaymentRun(headers: .init(idempotencyKey: idempotencyKey), body: .json(body)).created.body.json
            case .clawback: try await client.createClawbackRun(headers: .init(idempotencyKey: idempotencyKey), body: .json(body)).created.body.json
            }
        }

        func run(_ client: PaymentsAPI.Client, _ id: Int) async throws -> Run {
            switch self {
            case .payment: try await client.getPaymentRun(path: .init(id: id)).ok.body.json
            case .clawback: try await client.getClawbackRun(path: .init(id: id)).ok.body.json
            }
        }

        /// The run's file as the payer receives it.
        func csv(_ client: PaymentsAPI.Client, _ id: Int) async throws -> HTTPBody {
            switch self {
            case .payment: try await client.paymentRunCSV(path: .init(id: id)).ok.body.csv
            case .clawback: try await client.clawbackRunCSV(path: .init(id: id)).ok.body.csv
            }
        }

        /// A new single-use link for the payer; earlier ones stop working.
        func resend(_ client: PaymentsAPI.Client, _ id: Int) async throws {
            switch self {
            case .payment: _ = try await client.resendPaymentRun(path: .init(id: id)).ok
            case .clawback: _ = try await client.resendClawbackRun(path: .init(id: id)).ok
            }
        }

        /// Applies the payer's response file to the run.
        func response(_ client: PaymentsAPI.Client, _ id: Int, _ file: Data) async throws -> PaymentsAPI.Components.Schemas.ResponseSummary {
            switch self {
            case .payment: try await client.recordPaymentResponse(path: .init(id: id), body: .csv(HTTPBody(file))).ok.body.json
            case .clawback: try await client.recordClawbackResponse(path: .init(id: id), body: .csv(HTTPBody(file))).ok.body.json
            }
        }
    }
}
