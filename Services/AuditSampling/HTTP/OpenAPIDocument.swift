import ServiceSupport

/// The OpenAPI 3.1 document served at `/openapi.yaml`; a test holds it to exactly the routes served.
enum OpenAPIDocument {
    static let yaml = OpenAPI.document(
        title: "audit-sampling",
        description: "Audit sampling: flags risky claims, samples paid claims for audit, collects responses, requests clawbacks with four-eyes approval.")
}
