import ServiceSupport

/// The OpenAPI 3.1 document served at `/openapi.yaml`; a test holds it to exactly the routes served.
enum OpenAPIDocument {
    static let yaml = OpenAPI.document(
        title: "payments",
        description: "Payments: sends claims to the payer, imports what it paid, runs the information loop and clawbacks, keeps the ledger.")
}
