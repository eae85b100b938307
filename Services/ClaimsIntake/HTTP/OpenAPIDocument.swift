import ServiceSupport

/// The OpenAPI 3.1 document served at `/openapi.yaml`; a test holds it to exactly the routes served.
enum OpenAPIDocument {
    static let yaml = OpenAPI.document(
        title: "claims-intake",
        description: "Claims intake: schools, trusts and support create, submit, find and track claims.")
}
