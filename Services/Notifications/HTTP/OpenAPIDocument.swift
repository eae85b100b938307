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
                    - {name: status, in: query, schema: {type: string, enum: [queued, sent, failed]}}
                    - {name: page, in: query, schema: {type: integer, minimum: 1, maximum: 10000}}
                    - {name: per_page, in: query, schema: {type: integer, minimum: 1, maximum: 100}}
                  responses:
                    "200": {description: "{items, page, per_page, total}"}
                    "401": {description: No valid bearer token}
                    "403": {description: Support only}
                    "422": {description: Unknown status}
              /api/v1/notifications/messages:
                post:
                  summary: Support writes to a school; one email to each of its contacts (an Idempotency-Key makes a repeat queue nothing more)
                  parameters:
                    - {name: Idempotency-Key, in: header, schema: {type: string}}
                  requestBody:
                    required: true
                    content:
                      application/json:
                        schema:
                          type: object
                          required: [school_urn, subject, body]
                          properties:
                            school_urn: {type: integer}
                            subject: {type: string, maxLength: 200}
                            body: {type: string, maxLength: 10000}
                  responses:
                    "202": {description: "{ids, recipients}: the emails queued"}
                    "401": {description: No valid bearer token}
                    "403": {description: Support only}
                    "404": {description: School not known}
                    "422": {description: "Invalid subject or body, or the school has no contact address"}
              /api/v1/notifications/{id}/retry:
                post:
                  summary: Sends a failed email again, with as many attempts as the first time (support)
                  parameters:
                    - {name: id, in: path, required: true, schema: {type: integer}}
                  responses:
                    "202": {description: Queued again}
                    "401": {description: No valid bearer token}
                    "403": {description: Support only}
                    "404": {description: No such email}
                    "409": {description: The email is not failed}
            """
    )
}
