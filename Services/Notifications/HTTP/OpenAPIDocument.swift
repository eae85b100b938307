import ServiceSupport

/// The OpenAPI 3.1 document served at `/openapi.yaml`; a test holds it to exactly the routes served.
enum OpenAPIDocument {
    static let yaml = OpenAPI.document(
        title: "notifications",
        description: "Notifications: emails schools, providers and the payer at every step, with retries and reminders.")
}
