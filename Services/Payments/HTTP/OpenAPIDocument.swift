import ServiceSupport

/// The OpenAPI 3.1 document served at `/openapi.yaml`; a test holds it to exactly the routes served.
enum OpenAPIDocument {
    static let yaml = OpenAPI.document(
        title: "payments",
        description: "Payments: sends claims to the payer, imports what it paid, runs the information loop and clawbacks, keeps the ledger.",
        paths: paths
    )

    private static let errors = """
                "401": {description: No valid bearer token}
                "403": {description: Support only}
                "404": {description: Not found}
                "422": {description: Validation failed; errors name each field or row}
        """

    private static let id = "  - {name: id, in: path, required: true, schema: {type: integer}}"
    private static let reference = "  - {name: reference, in: path, required: true, schema: {type: string}}"

    static let paths = """
          /api/v1/payments/runs:
            post:
              summary: Send every submitted claim (of a window, if given) to the payer; emails the payer a link
              parameters: [{name: Idempotency-Key, in: header, schema: {type: string}, description: "A repeat with the same key and body gets the first response; another body gets 409"}]
              requestBody: {content: {application/json: {schema: {type: object, properties: {claim_window_id: {type: integer}}}}}}
              responses:
                "201": {description: "{id, claim_count, total_pence, created_by}"}
                "409": {description: Nothing is payable}
        \(errors)
            get:
              summary: Payment runs with their totals
              responses:
                "200": {description: The runs}
        \(errors)
          /api/v1/payments/runs/{id}:
            parameters:
            \(id)
            get:
              summary: A run with its claims and where each emailed link stands
              responses:
                "200": {description: The run}
        \(errors)
          /api/v1/payments/runs/{id}/file:
            parameters:
            \(id)
              - {name: token, in: query, required: true, schema: {type: string}}
            get:
              summary: A page naming the payment file with a Download button (no bearer token); opening it uses nothing up
              security: []
              responses:
                "200": {description: "text/html; the page, whose form POSTs the token to the same path"}
                "404": {description: Unknown or altered link (plain page)}
                "410": {description: Used, replaced or expired link (plain page)}
            post:
              summary: The Download button - the payment CSV, once; the single-use, 7-day link is then used up
              security: []
              requestBody: {content: {application/x-www-form-urlencoded: {schema: {type: object, properties: {token: {type: string}}}}}}
              responses:
                "200": {description: "text/csv; payment file of files.md"}
                "404": {description: Unknown or altered link (plain page)}
                "410": {description: Used, replaced or expired link (plain page)}
          /api/v1/payments/runs/{id}/resend:
            parameters:
            \(id)
            post:
              summary: A new link to the payer; earlier links stop working
              responses:
                "200": {description: The run}
        \(errors)
          /api/v1/payments/runs/{id}/response:
            parameters:
            \(id)
            post:
              summary: The payer's response CSV; nothing is applied unless every row is right
              requestBody: {required: true, content: {text/csv: {schema: {type: string}}}}
              responses:
                "200": {description: "{paid, information_requested, unchanged, already_applied}"}
        \(errors)
          /api/v1/payments/claims/{reference}:
            parameters:
            \(reference)
            get:
              summary: "Payments' view of the claim: status, payer's answer, runs, amounts; its ETag is the If-Match of support's actions"
              responses:
                "200": {description: "{reference, status, status_reason, amount_pence, paid_pence, clawback_amount_pence, clawed_back_pence, payment_run, clawback_run, version}", headers: {ETag: {schema: {type: string}}}}
        \(errors)
          /api/v1/payments/claims/{reference}/information-sent:
            parameters:
            \(reference)
            post:
              summary: payment_information_requested → payment_information_sent
              responses:
                "200": {description: The claim's new status}
                "409": {description: Not in that status}
                "412": {description: "If-Match names an older version of payments' view: someone else changed it"}
        \(errors)
          /api/v1/payments/claims/{reference}/paid:
            parameters:
            \(reference)
            post:
              summary: Information loop → paid
              responses:
                "200": {description: The claim's new status}
                "409": {description: Not in the information loop}
                "412": {description: "If-Match names an older version of payments' view: someone else changed it"}
        \(errors)
          /api/v1/payments/claims/{reference}/reject:
            parameters:
            \(reference)
            post:
              summary: Information loop → payment_not_approved, with a reason
              requestBody: {required: true, content: {application/json: {schema: {type: object, properties: {reason: {type: string}}}}}}
              responses:
                "200": {description: The claim's new status}
                "409": {description: Not in the information loop}
                "412": {description: "If-Match names an older version of payments' view: someone else changed it"}
        \(errors)
          /api/v1/payments/clawback-runs:
            post:
              summary: Send every approved clawback to the payer; emails the payer a link
              parameters: [{name: Idempotency-Key, in: header, schema: {type: string}, description: "A repeat with the same key and body gets the first response; another body gets 409"}]
              responses:
                "201": {description: "{id, claim_count, total_pence, created_by}"}
                "409": {description: Nothing to claw back}
        \(errors)
            get:
              summary: Clawback runs with their totals
              responses:
                "200": {description: The runs}
        \(errors)
          /api/v1/payments/clawback-runs/{id}:
            parameters:
            \(id)
            get:
              summary: A clawback run with its claims and where each emailed link stands
              responses:
                "200": {description: The run}
        \(errors)
          /api/v1/payments/clawback-runs/{id}/csv:
            parameters:
            \(id)
            get:
              summary: The clawback file for a signed-in support user (no emailed link is used up)
              responses:
                "200": {description: "text/csv; the clawback file of files.md"}
        \(errors)
          /api/v1/payments/payable:
            get:
              summary: What a run would hold now - the count and total of submitted claims (of a window), or of approved clawbacks
              parameters: [{name: claim_window_id, in: query, schema: {type: integer}}, {name: kind, in: query, schema: {type: string, enum: [payment, clawback]}}]
              responses:
                "200": {description: "{claim_window_id, claim_count, total_pence}"}
        \(errors)
          /api/v1/payments/runs/{id}/csv:
            parameters:
            \(id)
            get:
              summary: The payment file for a signed-in support user (no emailed link is used up)
              responses:
                "200": {description: "text/csv; the payment file of files.md"}
        \(errors)
          /api/v1/payments/clawback-runs/{id}/file:
            parameters:
            \(id)
              - {name: token, in: query, required: true, schema: {type: string}}
            get:
              summary: A page naming the clawback file with a Download button (no bearer token); opening it uses nothing up
              security: []
              responses:
                "200": {description: "text/html; the page, whose form POSTs the token to the same path"}
                "404": {description: Unknown or altered link}
                "410": {description: Used, replaced or expired link}
            post:
              summary: The Download button - the clawback CSV, once; the link is then used up
              security: []
              requestBody: {content: {application/x-www-form-urlencoded: {schema: {type: object, properties: {token: {type: string}}}}}}
              responses:
                "200": {description: "text/csv; clawback file of files.md"}
                "404": {description: Unknown or altered link}
                "410": {description: Used, replaced or expired link}
          /api/v1/payments/clawback-runs/{id}/resend:
            parameters:
            \(id)
            post:
              summary: A new link to the payer for a clawback run; earlier links stop working
              responses:
                "200": {description: The run}
        \(errors)
          /api/v1/payments/clawback-runs/{id}/response:
            parameters:
            \(id)
            post:
              summary: The payer's clawback response CSV
              requestBody: {required: true, content: {text/csv: {schema: {type: string}}}}
              responses:
                "200": {description: "{clawback_complete, unchanged, already_applied}"}
        \(errors)
          /api/v1/payments/ledger:
            get:
              summary: Per school and academic year, claimed, paid, clawed back and net, in pence, with totals
              parameters:
                - {name: academic_year, in: query, schema: {type: integer, minimum: 2000, maximum: 2100}}
                - {name: school_urn, in: query, schema: {type: integer, minimum: 1, maximum: 9999999}}
              responses:
                "200": {description: "{items, totals}"}
        \(errors)
        """
}
