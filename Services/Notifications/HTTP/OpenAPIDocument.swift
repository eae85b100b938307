/// The OpenAPI 3.1 document served at `/openapi.yaml`; a test checks that it names every route.
enum OpenAPIDocument {
    static let yaml = """
        openapi: 3.1.0
        info:
          title: notifications
          version: 1.0.0
          description: "Notifications: emails schools, providers and the payer at every step, with retries and reminders."
        components:
          securitySchemes:
            bearer:
              type: http
              scheme: bearer
              bearerFormat: JWT
          schemas:
            Problem:
              type: object
              properties:
                type: {type: string}
                title: {type: string}
                status: {type: integer}
                detail: {type: string}
                errors:
                  type: array
                  items:
                    type: object
                    properties:
                      field: {type: string}
                      message: {type: string}
        security:
          - bearer: []
        paths:
          /health:
            get:
              summary: Alive
              security: []
              responses:
                "200": {description: The process is alive}
          /ready:
            get:
              summary: Database open, bus bound and connected, caught up with every peer
              security: []
              responses:
                "200": {description: Ready}
                "503": {description: Not ready; the body lists why}
          /metrics:
            get:
              summary: Prometheus metrics
              security: []
              responses:
                "200": {description: Prometheus text format}
          /openapi.yaml:
            get:
              summary: This document
              security: []
              responses:
                "200": {description: OpenAPI 3.1 YAML}
        """
}
