import ServiceSupport

/// The OpenAPI 3.1 document served at `/openapi.yaml`; a test holds it to exactly the routes served.
enum OpenAPIDocument {
    static let yaml = OpenAPI.document(
        title: "notifications",
        description: "Notifications: emails schools, providers and the payer at every step, with retries and reminders.",
        paths: """
          /api/v1/notifications:
            get:
              summary: Emails with their status (queued, sent, failed), attempts and timestamps (support)
              parameters:
                - {name: claim_reference, in: query, schema: {type: string}}
                - {name: to, in: query, schema: {type: string}}
                - {name: template, in: query, schema: {type: string}}
                - {name: page, in: query, schema: {type: integer}}
                - {name: per_page, in: query, schema: {type: integer}}
              responses:
                "200": {description: "{items, page, per_page, total}"}
                "401": {description: No valid bearer token}
                "403": {description: Support only}
        """)
}
